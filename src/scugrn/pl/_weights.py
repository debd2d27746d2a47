"""``scugrn.pl.weights``: how the edge weights are distributed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._keys import Key
from ._figure import edges_of, finish, new_ax

if TYPE_CHECKING:
    from anndata import AnnData
    from matplotlib.axes import Axes
    from mudata import MuData


def weights(
    adata: AnnData | MuData,
    *,
    key: str = Key.GRN,
    column: str = "weight",
    bins: int = 50,
    log: bool = True,
    top: int | None = None,
    ax=None,
    show: bool | None = None,
    save=None,
) -> Axes:
    """Histogram of the edge weights of ``adata.uns[key]``.

    Parameters
    ----------
    adata
        AnnData with an edge table (``tl.predict_grn``).
    key
        Edge table in ``adata.uns``; default ``"grn"``.
    column
        Edge column to draw (``"weight"``; any numeric column of the table).
    bins
        Number of bins.
    log
        Logarithmic count axis (most candidate pairs score low).
    top
        Also mark the weight of the ``top``-th best edge (the cut ``scugrn infer --top`` makes).
    ax, show, save
        Axes to draw into; show the figure (default: when matplotlib is interactive); save it to a path.

    Returns
    -------
    The Axes (its bars count every edge once).
    """
    df = edges_of(adata, key, column)
    w = df[column].to_numpy(dtype=float)
    w = w[np.isfinite(w)]
    if not len(w):
        msg = f"adata.uns[{key!r}][{column!r}] has no finite values to draw."
        raise ValueError(msg)
    ax = new_ax(ax)
    ax.hist(w, bins=bins, color="#6a8caf", log=log)
    if top is not None and 0 < top <= len(w):
        cut = np.sort(w)[::-1][top - 1]
        ax.axvline(cut, color="#c0392b", ls="--", lw=1, label=f"top {top}: {column} ≥ {cut:.3g}")
        ax.legend(fontsize=7, frameon=False)
    ax.set_xlabel(f"edge {column}")
    ax.set_ylabel("edges")
    ax.set_title(f"{len(w):,} edges of uns[{key!r}]", fontsize=8)
    return finish(ax, show=show, save=save)
