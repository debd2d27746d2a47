"""Degree baselines: a pair scored by how often its source regulates (``tf_degree``) or its target
is regulated (``target_degree``) in the *training* labels.

They know nothing about pairs, only which genes are hubs in the training network, so they measure
the gene-identity shortcut directly: on leave-one-dataset-out splits hub TFs recur and they score
well; on a split where no test TF (or gene) appears in training every test pair gets the same
score, and they sit at chance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..._keys import Key
from ._onehot_lr import _check_pairs
from ._registry import register_baseline


def _degree(adata, train, role: str, tf_key: str) -> pd.DataFrame:
    from ...datasets.labels import tf_gene_pairs

    _check_pairs(train, ("source", "target", "label"), "train")
    pos = train[train["label"].astype(int) == 1]
    deg = pos[role].astype(str).value_counts()
    pairs = tf_gene_pairs(adata, tf_key=tf_key)
    w = deg.reindex(pairs[role].astype(str)).fillna(0).to_numpy(dtype=np.float64)
    out = pairs.assign(weight=w)
    return out.iloc[np.argsort(-w, kind="stable")].reset_index(drop=True)


@register_baseline(
    name="tf_degree",
    desc="Out-degree of the source TF among the training labels' true edges (0 for TFs unseen in training).",
    reference="this project (issue 14): the hub-TF shortcut of cross-dataset GRN benchmarks",
    supervised=True,
    needs_expression=False,
)
def tf_degree(adata, *, train: pd.DataFrame, tf_key: str = Key.IS_TF) -> pd.DataFrame:
    """Score every TF→gene pair of ``adata`` by its source's number of true targets in ``train``.

    Parameters
    ----------
    adata
        AnnData with ``var[tf_key]`` (only used to list the pairs to score).
    train
        Labelled training pairs: DataFrame ``source, target, label``; genes are matched by name.
    tf_key
        Bool column of ``adata.var`` marking the TFs.

    Returns
    -------
    DataFrame ``source, target, weight`` (the degree), sorted descending (ties in TF-major order).
    """
    return _degree(adata, train, "source", tf_key)


@register_baseline(
    name="target_degree",
    desc="In-degree of the target among the training labels' true edges (0 for genes unseen in training).",
    reference="this project (issue 14): the hub-target shortcut of cross-dataset GRN benchmarks",
    supervised=True,
    needs_expression=False,
)
def target_degree(adata, *, train: pd.DataFrame, tf_key: str = Key.IS_TF) -> pd.DataFrame:
    """Score every TF→gene pair of ``adata`` by its target's number of true regulators in ``train``.

    Parameters and return value as :func:`tf_degree`.
    """
    return _degree(adata, train, "target", tf_key)
