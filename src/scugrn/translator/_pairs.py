"""Pair features from stored probe outputs (docs/methods.md §2, "both directions")."""

from __future__ import annotations

import numpy as np

from .._common import dense


def feature_kind(adata, key: str) -> str:
    if key in adata.varp:
        return "varp"
    if key in adata.varm:
        return "varm"
    msg = (
        f"No features under key {key!r}: expected adata.varp[{key!r}] (vvp/gdt/pert) or "
        f"adata.varm[{key!r}] (emb). Found varp keys {list(adata.varp)} and varm keys "
        f"{list(adata.varm)}. Run scugrn.tl.{key}(adata, model=...) first."
    )
    raise KeyError(msg)


def pair_matrix(adata, key: str, src: np.ndarray, tgt: np.ndarray) -> np.ndarray:
    """``(n_pairs, width)`` features of pairs ``src[k] → tgt[k]`` (var indices).

    varp features (n, n, W): concat(e_ij, e_ji) → 2W. varm gene tables (n, d): E_i + E_j → d.
    """
    src = np.asarray(src, dtype=np.int64)
    tgt = np.asarray(tgt, dtype=np.int64)
    if feature_kind(adata, key) == "varm":
        E = np.asarray(adata.varm[key], dtype=np.float32)
        return E[src] + E[tgt]
    F = dense(adata.varp[key], np.float32)
    if F.ndim == 2:
        F = F[:, :, None]
    return np.concatenate([F[src, tgt], F[tgt, src]], axis=1)


def pairs_by_name(adata, sources, targets) -> tuple[np.ndarray, np.ndarray]:
    """Var indices of named pairs; unknown names are an error naming them."""
    index = {g: i for i, g in enumerate(adata.var_names)}
    unknown = sorted({g for g in list(sources) + list(targets) if g not in index})
    if unknown:
        msg = f"{len(unknown)} gene(s) in the labels are not in adata.var_names: {unknown[:10]}."
        raise ValueError(msg)
    return np.array([index[g] for g in sources]), np.array([index[g] for g in targets])
