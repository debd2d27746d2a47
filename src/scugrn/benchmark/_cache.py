"""On-disk caches of the benchmarks: probe features (:class:`FeatureCache`, keyed by backbone hash,
probe settings and the gene set) and (G, G) score matrices (:func:`cached_matrix`); one key function
(:func:`scugrn._common.digest`).

The scGPT backbone has no positional encoding, so a gene's features depend on the *set* of genes
in the context, not their order: the key uses the sorted gene set and results are re-indexed by
name. Expression-dependent probes (pert, origin_*) also key on a hash of the mean cell.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .._common import dense, digest
from .._keys import Key

logger = logging.getLogger("scugrn")


def cached_matrix(path: Path | None, genes: Sequence[str], compute: Callable[[], np.ndarray]) -> np.ndarray:
    """A (G, G) matrix over ``genes`` from ``path`` (an ``.npz`` with its gene order; re-indexed by
    name), or ``compute()`` written there atomically; ``path=None`` caches nothing."""
    if path is not None and path.exists():
        z = np.load(path, allow_pickle=False)
        order = pd.Index(z["genes"].astype(str)).get_indexer(genes)
        return z["scores"][np.ix_(order, order)]
    scores = compute()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
        np.savez_compressed(tmp, scores=scores, genes=np.asarray(genes))
        os.replace(tmp, path)
    return scores


class FeatureCache:
    """``get(adata, probe, model=..., **params)`` fills ``adata.varp/varm[probe]`` and its params,
    computing only what is not cached under ``root``."""

    def __init__(self, root: str | Path | None):
        self.root = None if root is None else Path(root)
        if self.root is not None:
            self.root.mkdir(parents=True, exist_ok=True)
        self.hits = self.misses = 0

    def key(self, adata, probe: str, model, params: dict) -> str:
        from ..probes import get_probe

        meta, _ = get_probe(probe)
        parts = {"backbone": model.info.sha256, "head": getattr(model, "head", "mlm"), "probe": probe,
                 "params": params, "genes": sorted(map(str, adata.var_names)),
                 "species": adata.uns.get(Key.SPECIES)}
        if meta.needs_expression:
            X = np.ascontiguousarray(dense(adata.X), dtype=np.float32)
            parts["x"] = hashlib.sha256(X.tobytes()).hexdigest()
        return f"{probe}-{digest(parts)}"

    def get(self, adata, probe: str, *, model, key_added: str | None = None, verbose=None, data_dir=None,
            **params) -> None:
        from .. import tl
        from ..probes import get_probe

        meta, _ = get_probe(probe)
        key_added = key_added or probe
        ck = self.key(adata, probe, model, params)
        f = None if self.root is None else self.root / f"{ck}.npz"
        if f is not None and f.exists():
            z = np.load(f, allow_pickle=False)
            names = list(z["names"])
            idx = np.array([names.index(g) for g in map(str, adata.var_names)])
            arr = z["features"]
            arr = arr[idx] if meta.slot == "varm" else arr[np.ix_(idx, idx)]
            (adata.varm if meta.slot == "varm" else adata.varp)[key_added] = arr
            adata.uns[Key.params(key_added)] = json.loads(str(z["params"]))
            self.hits += 1
            return
        self.misses += 1
        getattr(tl, probe)(adata, model=model, key_added=key_added, on_missing="drop", verbose=verbose,
                           data_dir=data_dir, **params)
        if f is not None:
            arr = (adata.varm if meta.slot == "varm" else adata.varp)[key_added]
            p = _jsonable(adata.uns[Key.params(key_added)])
            np.savez(f, names=np.asarray(list(map(str, adata.var_names))), features=arr, params=json.dumps(p))


def _jsonable(obj):
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj
