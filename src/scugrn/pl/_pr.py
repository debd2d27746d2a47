"""``scugrn.pl.pr_curve``: precision and recall of the ranked edges against a truth network."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._keys import Key
from ._figure import edges_of, finish, new_ax

if TYPE_CHECKING:
    from anndata import AnnData
    from matplotlib.axes import Axes
    from mudata import MuData


def edge_labels(edges, truth) -> np.ndarray:
    """1 where an edge (source, target) of ``edges`` is in ``truth`` (DataFrame source, target)."""
    import pandas as pd

    if not isinstance(truth, pd.DataFrame) or not {"source", "target"} <= set(truth.columns):
        found = list(truth.columns) if isinstance(truth, pd.DataFrame) else type(truth).__name__
        msg = f"Expected the truth network as a DataFrame with columns source, target; found {found}."
        raise ValueError(msg)
    true = set(zip(truth["source"].astype(str), truth["target"].astype(str)))
    return np.fromiter(((s, t) in true for s, t in zip(edges["source"].astype(str), edges["target"].astype(str))),
                       dtype=np.int8, count=len(edges))


def pr_curve(
    adata: AnnData | MuData,
    *,
    truth=None,
    key: str = Key.GRN,
    column: str = "weight",
    label: str | None = None,
    ax=None,
    show: bool | None = None,
    save=None,
) -> Axes:
    """Precision-recall curve of the edges of ``adata.uns[key]`` ranked by ``column``.

    Parameters
    ----------
    adata
        AnnData with an edge table (``tl.predict_grn``).
    truth
        Known edges, DataFrame ``source, target``; default ``adata.uns['ground_truth']``.
    key, column
        Edge table in ``adata.uns`` and the column that ranks it.
    label
        Legend name of the curve; default ``key``.
    ax, show, save
        Axes to draw into; show the figure (default: when matplotlib is interactive); save it to a path.

    Returns
    -------
    The Axes. The legend gives the average precision (sklearn's ``average_precision_score``) and
    the chance level (the density of true edges among the scored pairs). Recall counts the true
    edges among the scored pairs; the title says how many true edges could not be scored
    (genes outside the AnnData, or sources that are not TFs).
    """
    from sklearn.metrics import average_precision_score, precision_recall_curve

    df = edges_of(adata, key, column)
    if truth is None:
        truth = adata.uns.get(Key.TRUTH)
        if truth is None:
            msg = (
                f"No truth network: pass truth= (DataFrame source, target) or put the known edges in "
                f"adata.uns[{Key.TRUTH!r}]."
            )
            raise KeyError(msg)
    y = edge_labels(df, truth)
    if not y.any():
        msg = (
            f"None of the {len(truth)} true edges is among the {len(df)} scored pairs of uns[{key!r}]; "
            "expected truth names matching adata.var_names (check the species and the TFs)."
        )
        raise ValueError(msg)
    s = df[column].to_numpy(dtype=float)
    prec, rec, _ = precision_recall_curve(y, s)
    ap = average_precision_score(y, s)
    ax = new_ax(ax)
    ax.step(rec, prec, where="post", label=f"{label or key} (AP {ap:.3f})")
    density = y.mean()
    ax.axhline(density, color="0.6", ls=":", label=f"chance {density:.3f}")
    n_true = len(set(zip(truth["source"].astype(str), truth["target"].astype(str))))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_title(f"{int(y.sum())} of {n_true} true edges among {len(df):,} scored pairs", fontsize=8)
    ax.legend(fontsize=7, frameon=False)
    return finish(ax, show=show, save=save)
