"""Labelled TF→gene pairs from known edges (docs/methods.md §5).

Positives are the ground-truth edges TF→gene inside the dataset's gene set. Negatives are every
other TF→gene pair of the set, self pairs excluded. At a ratio ``neg_ratio`` (N/P) the negatives are
sampled without replacement per seed (``numpy.random.default_rng(seed)``); ``neg_ratio=None`` keeps
them all.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .._common import tf_mask
from .._keys import Key

logger = logging.getLogger("scugrn")


def _tf_mask(adata, tf_key: str) -> np.ndarray:
    return tf_mask(adata, key=tf_key, require=True)


def _pair_grid(adata, tf_key: str):
    """Flat codes of every TF→gene pair (self pairs excluded), in var order: TF-major."""
    mask = _tf_mask(adata, tf_key)
    tf_idx = np.flatnonzero(mask)  # (T,)
    n = adata.n_vars
    src = np.repeat(tf_idx, n)  # (T*G,)
    tgt = np.tile(np.arange(n), len(tf_idx))  # (T*G,)
    keep = src != tgt
    return src[keep], tgt[keep]


def tf_gene_pairs(adata, *, tf_key: str = Key.var.IS_TF) -> pd.DataFrame:
    """Every TF→gene pair of ``adata`` (self pairs excluded).

    Parameters
    ----------
    adata
        AnnData whose ``var[tf_key]`` marks the TFs.
    tf_key
        Bool column of ``adata.var`` marking the TFs.

    Returns
    -------
    DataFrame with columns ``source, target`` (gene names), TF-major in ``var`` order.
    """
    src, tgt = _pair_grid(adata, tf_key)
    names = adata.var_names.to_numpy().astype(str)
    return pd.DataFrame({"source": names[src], "target": names[tgt]})


def _truth_codes(adata, truth_key: str, tf_mask: np.ndarray) -> np.ndarray:
    """Flat codes ``src * n_vars + tgt`` of the truth edges that are TF→gene pairs of the set."""
    if truth_key not in adata.uns:
        msg = (
            f"Expected the known edges in adata.uns[{truth_key!r}] (DataFrame source, target), found "
            f"no such key (uns keys: {list(adata.uns)[:10]}). Load a dataset with "
            "scugrn.datasets.beeline(...) or set the DataFrame yourself."
        )
        raise KeyError(msg)
    truth = adata.uns[truth_key]
    if not isinstance(truth, pd.DataFrame) or not {"source", "target"} <= set(truth.columns):
        found = list(truth.columns) if isinstance(truth, pd.DataFrame) else type(truth).__name__
        msg = f"adata.uns[{truth_key!r}] must be a DataFrame with columns source, target; found {found}."
        raise ValueError(msg)
    index = pd.Index(adata.var_names.astype(str))
    s = index.get_indexer(truth["source"].astype(str))
    t = index.get_indexer(truth["target"].astype(str))
    inside = (s >= 0) & (t >= 0)
    self_pair = inside & (s == t)
    from_tf = np.zeros(len(s), dtype=bool)
    from_tf[inside] = tf_mask[s[inside]]
    ok = inside & ~self_pair & from_tf
    n_out, n_self = int((~inside).sum()), int(self_pair.sum())
    n_notf = int((inside & ~self_pair & ~from_tf).sum())
    if n_out or n_self or n_notf:
        logger.info(
            "labelled_pairs: of %d truth edges, %d leave the gene set, %d are self pairs and %d start "
            "at a gene not marked as TF; they are not positives.", len(truth), n_out, n_self, n_notf,
        )
    return np.unique(s[ok].astype(np.int64) * adata.n_vars + t[ok])


def labelled_pairs(
    adata,
    *,
    neg_ratio: float | None = 1,
    seed: int = 0,
    truth_key: str = Key.uns.TRUTH,
    tf_key: str = Key.var.IS_TF,
) -> pd.DataFrame:
    """Positive and negative TF→gene pairs for training or evaluation (docs/methods.md §5).

    Parameters
    ----------
    adata
        AnnData with ``var[tf_key]`` (bool) and the known edges in ``uns[truth_key]``.
    neg_ratio
        Negatives per positive (N/P). ``round(neg_ratio × P)`` negatives are drawn without
        replacement; when fewer exist, all are kept (logged). ``None`` keeps every negative.
    seed
        Seed of the negative sampling (``numpy.random.default_rng(seed)``).
    truth_key
        Key of the known edges: ``adata.uns[truth_key]``, DataFrame with columns ``source, target``.
    tf_key
        Bool column of ``adata.var`` marking the TFs.

    Returns
    -------
    DataFrame ``source, target, label`` (label 1 for positives, 0 for negatives): the positives
    first, then the negatives, each in TF-major ``var`` order. Positives are truth edges whose
    source is a TF and whose target is another gene of ``adata``; negatives are all other TF→gene
    pairs, self pairs excluded.

    Examples
    --------
    >>> import scugrn
    >>> adata = scugrn.datasets.toy(n_tfs=3, n_targets=10, seed=0)
    >>> pairs = scugrn.datasets.labelled_pairs(adata, neg_ratio=1, seed=0)
    >>> int(pairs.label.sum()) == int((pairs.label == 0).sum())
    True
    """
    if neg_ratio is not None and (not np.isfinite(neg_ratio) or neg_ratio <= 0):
        msg = f"neg_ratio must be a positive number (negatives per positive) or None for all; found {neg_ratio!r}."
        raise ValueError(msg)
    tf_mask = _tf_mask(adata, tf_key)
    n = adata.n_vars
    src, tgt = _pair_grid(adata, tf_key)
    codes = src.astype(np.int64) * n + tgt  # sorted: TF-major, then target
    pos_codes = _truth_codes(adata, truth_key, tf_mask)
    is_pos = np.isin(codes, pos_codes, assume_unique=True)
    n_pos = int(is_pos.sum())
    if n_pos == 0:
        msg = (
            f"No truth edge in adata.uns[{truth_key!r}] is a TF→gene pair of this gene set; expected at "
            f"least one positive. Check that gene names match var_names and that var[{tf_key!r}] marks "
            "the regulators."
        )
        raise ValueError(msg)
    neg_idx = np.flatnonzero(~is_pos)
    if neg_ratio is not None:
        want = int(np.rint(neg_ratio * n_pos))
        if want > len(neg_idx):
            logger.info(
                "labelled_pairs: asked for %d negatives (N/P = %s), only %d exist; keeping them all.",
                want, neg_ratio, len(neg_idx),
            )
            want = len(neg_idx)
        rng = np.random.default_rng(seed)
        neg_idx = np.sort(rng.choice(neg_idx, size=want, replace=False))
    pos_idx = np.flatnonzero(is_pos)
    idx = np.concatenate([pos_idx, neg_idx])
    names = adata.var_names.to_numpy().astype(str)
    return pd.DataFrame({
        "source": names[src[idx]],
        "target": names[tgt[idx]],
        "label": np.r_[np.ones(len(pos_idx), dtype=np.int64), np.zeros(len(neg_idx), dtype=np.int64)],
    })
