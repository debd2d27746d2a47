"""The scanpy plotting contract, in one place: ``ax=`` to draw into, ``save=`` a path, ``show=``."""

from __future__ import annotations

import logging
from pathlib import Path

logger = logging.getLogger("scugrn")


def new_ax(ax, figsize=(4, 3.5)):
    """``ax``, or the Axes of a new figure."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def finish(ax, *, show: bool | None, save: str | Path | None, dpi: int = 150):
    """Save the figure of ``ax`` to ``save`` (format from the suffix), show it when ``show`` (default:
    when matplotlib is interactive, e.g. after ``plt.ion()`` or in IPython), and return ``ax``."""
    import matplotlib
    import matplotlib.pyplot as plt

    if save is not None:
        save = Path(save)
        if not save.suffix:
            save = save.with_suffix(".png")
        ax.figure.savefig(save, dpi=dpi, bbox_inches="tight")
        logger.info("saved figure to %s", save)
    if show is None:
        show = matplotlib.is_interactive()
    if show:
        plt.show()
    return ax


def edges_of(adata, key: str, column: str = "weight"):
    """The edge table ``adata.uns[key]`` with a clear error when it is not there."""
    import pandas as pd

    df = adata.uns.get(key)
    if df is None:
        msg = (
            f"Expected an edge table in adata.uns[{key!r}], found none (uns keys: {sorted(adata.uns.keys())}). "
            "Run scugrn.tl.predict_grn(adata, translator=...) first, or pass key=."
        )
        raise KeyError(msg)
    need = {"source", "target", column}
    if not isinstance(df, pd.DataFrame) or not need <= set(df.columns):
        found = list(df.columns) if isinstance(df, pd.DataFrame) else type(df).__name__
        msg = f"Expected adata.uns[{key!r}] to be a DataFrame with columns {sorted(need)}, found {found}."
        raise ValueError(msg)
    return df
