"""Co-expression baselines: |Pearson| and |Spearman| correlation between TF and gene."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..._keys import Key
from ._registry import edges_from_matrix, expression_matrix, register_baseline, tf_indices


def _abs_corr(X: np.ndarray, tf_idx: np.ndarray) -> np.ndarray:
    """|corr| between columns ``tf_idx`` and every column of ``X`` (C, G) -> (T, G).

    Constant genes have no defined correlation; they score 0.
    """
    Z = X - X.mean(0)
    sd = np.sqrt((Z**2).sum(0))
    ok = sd > 0
    Z[:, ok] /= sd[ok]
    Z[:, ~ok] = 0.0
    return np.abs(Z[:, tf_idx].T @ Z)  # (T, G)


@register_baseline(
    name="pearson",
    desc="Absolute Pearson correlation between the TF's and the gene's expression across cells.",
    reference="co-expression baseline (Pratapa et al. 2020, PPCOR without partialling)",
)
def pearson(adata, *, layer: str | None = None, tf_key: str = Key.var.IS_TF) -> pd.DataFrame:
    """|Pearson r| between each TF and each gene across cells.

    Parameters
    ----------
    adata
        Cells × genes AnnData with ``var[tf_key]``.
    layer
        Read ``adata.layers[layer]`` instead of ``X``.
    tf_key
        Bool column of ``adata.var`` marking the TFs.

    Returns
    -------
    DataFrame ``source, target, weight`` over every TF→gene pair, sorted descending. Pairs with a
    constant gene score 0.
    """
    X = expression_matrix(adata, layer=layer)
    tf_idx = tf_indices(adata, tf_key=tf_key)
    return edges_from_matrix(adata, _abs_corr(X, tf_idx), tf_idx)


@register_baseline(
    name="spearman",
    desc="Absolute Spearman rank correlation between the TF's and the gene's expression.",
    reference="co-expression baseline (Pratapa et al. 2020)",
)
def spearman(adata, *, layer: str | None = None, tf_key: str = Key.var.IS_TF) -> pd.DataFrame:
    """|Spearman ρ| between each TF and each gene across cells (Pearson on average ranks).

    Parameters
    ----------
    adata
        Cells × genes AnnData with ``var[tf_key]``.
    layer
        Read ``adata.layers[layer]`` instead of ``X``.
    tf_key
        Bool column of ``adata.var`` marking the TFs.

    Returns
    -------
    DataFrame ``source, target, weight`` over every TF→gene pair, sorted descending.
    """
    from scipy.stats import rankdata

    X = expression_matrix(adata, layer=layer)
    tf_idx = tf_indices(adata, tf_key=tf_key)
    R = rankdata(X, axis=0, method="average")
    return edges_from_matrix(adata, _abs_corr(R, tf_idx), tf_idx)
