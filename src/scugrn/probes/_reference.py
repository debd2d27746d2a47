"""Slow, obvious references for the probes — for tests and benchmarks, never for real runs."""

from __future__ import annotations

import numpy as np


def naive_gdt(model, token_ids, params: dict, sources) -> np.ndarray:
    """GDT by one reverse-mode backward pass per (source, base value, target): the per-pair loop
    the paper implies. Returns ``(len(sources), K, T)``."""
    import torch

    ids = torch.as_tensor(np.asarray(token_ids), device=model.device)
    K = len(ids)
    bases = params["base_values"]
    out = np.empty((len(sources), K, len(bases)), dtype=np.float32)
    for s, i in enumerate(sources):
        for t, b in enumerate(bases):
            bg = b if params["background"] == "base" else params["background"]
            v = torch.full((1, K), float(bg), device=model.device)
            v[0, i] = b
            v.requires_grad_(True)
            y = model.predict(ids, v)[0]
            for j in range(K):
                (g,) = torch.autograd.grad(y[j], v, retain_graph=j < K - 1)
                out[s, j, t] = g[0, i].item()
    return out
