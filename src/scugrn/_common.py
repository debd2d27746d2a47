"""Small pieces of logic every room needs, written once: edge tables, TF masks, dense expression
and cache keys. numpy and pandas only (pandas imported on use)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import numpy as np

from ._keys import Key


def digest(obj, n: int = 24) -> str:
    """The first ``n`` hex digits of the sha256 of ``obj`` as sorted-key JSON: every cache key."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:n]


def dense(X, dtype=None, *, copy: bool = False) -> np.ndarray:
    """A (cells × genes) matrix as a dense array (scipy sparse accepted), optionally cast; a copy
    when ``copy=True``."""
    X = X.toarray() if hasattr(X, "toarray") else X
    return np.array(X, dtype=dtype, copy=True) if copy else np.asarray(X, dtype=dtype)


def tf_mask(adata, tfs: Sequence[str] | None = None, *, key: str = Key.var.IS_TF, also: str = "",
            require: bool = False) -> np.ndarray:
    """Which vars are TFs (may be sources): the names in ``tfs``, or the bool column
    ``adata.var[key]``.

    Raises ``KeyError`` when the column is absent and ``ValueError`` when it has missing values;
    ``also`` is appended to the fixes the absent-column message lists. ``require=True`` also
    refuses a column that marks no TF and duplicated ``var_names`` (``ValueError``).
    """
    if tfs is not None:
        tfs = set(tfs)
        return np.array([g in tfs for g in adata.var_names], dtype=bool)
    if key not in adata.var:
        msg = (
            f"Expected adata.var[{key!r}] (bool: which genes are TFs), found no such column "
            f"(var columns: {list(adata.var.columns)[:10]}). Set it, e.g. "
            f"adata.var[{key!r}] = adata.var_names.isin(scugrn.datasets.tf_list('human')), run "
            "scugrn.pp.select (marks TFs), or load the data with scugrn.datasets.beeline(...)"
            + (f"; {also}" if also else "") + "."
        )
        raise KeyError(msg)
    col = adata.var[key]
    if col.isna().any():
        msg = f"adata.var[{key!r}] has {int(col.isna().sum())} missing values; expected bool for every gene."
        raise ValueError(msg)
    mask = col.to_numpy().astype(bool)
    if require and not mask.any():
        msg = f"adata.var[{key!r}] marks no gene as a TF; expected at least one."
        raise ValueError(msg)
    if require and not adata.var_names.is_unique:
        dups = adata.var_names[adata.var_names.duplicated()].unique().tolist()
        msg = f"Expected unique var_names, found duplicates {dups[:10]}. Call adata.var_names_make_unique()."
        raise ValueError(msg)
    return mask


def edges_frame(names, source: np.ndarray, target: np.ndarray, weight: np.ndarray):
    """Decoupler's network format: DataFrame ``source, target, weight`` from index arrays into
    ``names``, sorted by weight, descending (stable: ties keep the given order)."""
    import pandas as pd

    names = np.asarray(names)
    df = pd.DataFrame({"source": names[source], "target": names[target], "weight": weight})
    return df.sort_values("weight", ascending=False, kind="stable").reset_index(drop=True)


def matrix_edges(names, scores: np.ndarray, rows: np.ndarray):
    """Edges of a score matrix: ``scores`` (len(rows), n) holds the rows ``rows`` (source indices)
    of an (n, n) matrix over ``names``; every pair but self pairs, weights as float64, sorted by
    weight (ties in source-major order)."""
    n = len(names)
    rows = np.asarray(rows, dtype=np.int64)
    src = np.repeat(rows, n)
    tgt = np.tile(np.arange(n), len(rows))
    w = np.asarray(scores, dtype=np.float64).reshape(-1)
    keep = src != tgt
    return edges_frame(names, src[keep], tgt[keep], w[keep])
