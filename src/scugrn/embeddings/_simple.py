"""Non-informative embeddings, the controls of InfoSEM's Fig. 4: one-hot and random."""

from __future__ import annotations

import zlib

import numpy as np

from ._registry import SourceMeta, register_source


def _onehot(genes, *, model=None, dim=None, seed=0, path=None):
    n = len(genes)
    if dim is not None and int(dim) != n:
        msg = f"One-hot embeddings have one dimension per gene: expected dim=None or {n}, found {dim}."
        raise ValueError(msg)
    return np.eye(n, dtype=np.float32), np.ones(n, dtype=bool), {"dim": n}


def _random(genes, *, model=None, dim=None, seed=0, path=None):
    """N(0, 1/d) per gene, drawn from a generator seeded by (seed, crc32(symbol)), so a gene gets
    the same vector in every gene list."""
    d = int(dim) if dim is not None else 384
    if d < 1:
        msg = f"Expected dim >= 1 for random embeddings, found {dim}."
        raise ValueError(msg)
    out = np.empty((len(genes), d), dtype=np.float32)
    for i, g in enumerate(genes):
        rng = np.random.default_rng([int(seed), zlib.crc32(str(g).encode())])
        out[i] = rng.normal(0.0, 1.0 / np.sqrt(d), size=d)
    return out, np.ones(len(genes), dtype=bool), {"dim": d, "seed": int(seed)}


register_source(
    SourceMeta(
        name="onehot",
        desc="Identity matrix: one dimension per gene (non-informative control).",
        reference="Cui et al. (2025) InfoSEM, Fig. 4 (one-hot control)",
        needs_model=False,
        default_dim=None,
        fn=_onehot,
    )
)
register_source(
    SourceMeta(
        name="random",
        desc="Gaussian N(0, 1/d) vectors, fixed per (seed, gene symbol) (non-informative control).",
        reference="Cui et al. (2025) InfoSEM, Fig. 4 (random control)",
        needs_model=False,
        default_dim=384,
        fn=_random,
    )
)
