"""Slow, obvious references for the probes — for tests and benchmarks, never for real runs."""

from __future__ import annotations

import numpy as np


def naive_gdt(model, token_ids, params: dict, sources, targets=None) -> np.ndarray:
    """GDT by one reverse-mode backward pass per (source, base value, target): the per-pair loop
    the paper implies. Returns ``(len(sources), K, T)``; with ``targets`` only those columns are
    computed (the others are NaN) — the cost per target is the same, so benchmarks time a subset."""
    import torch

    ids = torch.as_tensor(np.asarray(token_ids), device=model.device)
    K = len(ids)
    bases = params["base_values"]
    out = np.full((len(sources), K, len(bases)), np.nan, dtype=np.float32)
    cols = list(range(K)) if targets is None else [int(j) for j in targets]
    for s, i in enumerate(sources):
        for t, b in enumerate(bases):
            bg = b if params["background"] == "base" else params["background"]
            v = torch.full((1, K), float(bg), device=model.device)
            v[0, i] = b
            v.requires_grad_(True)
            y = model.predict(ids, v)[0]
            for n, j in enumerate(cols):
                (g,) = torch.autograd.grad(y[j], v, retain_graph=n < len(cols) - 1)
                out[s, j, t] = g[0, i].item()
    return out
