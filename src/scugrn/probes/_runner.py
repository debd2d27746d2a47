"""The one runner that executes every probe.

A probe describes its work as *units* — one virtual cell each, unit ``u`` ↦ (source gene
``u // W``, channel ``u % W``) — and computes a batch of units at a time, returning one row
``(K,)`` per unit. The runner sizes batches from a memory budget (so memory stays flat as the
gene list grows), shows a progress bar, and scatters rows into ``out[source, :, channel]``.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from .._settings import settings

logger = logging.getLogger("scugrn")

MAX_BATCH = 1024


def auto_batch_size(model, K: int, *, forward_ad: bool, memory_mb: int | None = None) -> int:
    """Virtual cells per batch so the live activations of one layer stay under ``memory_mb``."""
    cfg = model.cfg
    L = K + 1
    per_cell = 4 * L * (3 * cfg.nhead * L + 10 * cfg.d_model + 2 * cfg.d_hid)  # bytes, one layer
    if forward_ad:
        per_cell *= 2  # primal + tangent
    budget = (memory_mb or settings.memory_mb) * 2**20
    return int(max(1, min(MAX_BATCH, budget // per_cell)))


def run_probe(
    name: str,
    model,
    token_ids,
    *,
    params: dict,
    x_bar: np.ndarray | None = None,
    out=None,
    sources=None,
    batch_size: int | None = None,
    verbose: bool | None = None,
) -> np.ndarray:
    """Run probe ``name`` over the K genes ``token_ids`` of ``model``.

    Returns ``(K, K, W)`` float32 for pair probes (``out[i, j, c]``: source i, target j, channel c)
    or ``(K, W)`` for gene probes (``emb``). ``out`` may be any array-like supporting slice
    assignment of that shape (numpy, numpy.memmap, zarr). ``sources`` (indices into the K genes)
    restricts the work to those source rows; the other rows of a new ``out`` are NaN.
    """
    import torch
    from tqdm.auto import tqdm

    from ._registry import get_probe

    meta, cls = get_probe(name)
    verbose = settings.verbose if verbose is None else verbose
    ids = torch.as_tensor(np.asarray(token_ids), dtype=torch.long, device=model.device)
    K = int(ids.shape[0])
    if K == 0:
        msg = "The gene context is empty; expected at least 2 genes."
        raise ValueError(msg)
    xb = None
    if x_bar is not None:
        xb = torch.as_tensor(np.asarray(x_bar, dtype=np.float32), device=model.device)
    probe = cls(model, ids, params, xb)
    t0 = time.perf_counter()
    with torch.no_grad():
        if hasattr(probe, "full"):
            res = probe.full()
            if out is None:
                return res
            out[...] = res
            return out
        W = probe.width
        src_rows = torch.arange(K, device=model.device) if sources is None else torch.as_tensor(
            np.asarray(sources, dtype=np.int64), device=model.device)
        n_units = len(src_rows) * W
        if out is None:
            out = np.full((K, K, W), np.nan, dtype=np.float32) if sources is not None else np.empty((K, K, W), dtype=np.float32)
        bs = batch_size or settings.batch_size or auto_batch_size(model, K, forward_ad=probe.forward_ad)
        probe.setup()
        starts = range(0, n_units, bs)
        for u0 in tqdm(starts, desc=f"{name} (K={K}, batch={bs})", disable=not verbose, unit="batch"):
            local = torch.arange(u0, min(u0 + bs, n_units), device=model.device)
            units = src_rows[local // W] * W + local % W  # global unit ids: source * W + channel
            rows = probe.compute(units).float().cpu().numpy()  # (B, K)
            u = units.cpu().numpy()
            if isinstance(out, np.ndarray):
                out[u // W, :, u % W] = rows
            else:
                for r, uu in enumerate(u):
                    out[uu // W, :, uu % W] = rows[r]
    logger.info("probe %s: K=%d, %d units in %.2f s", name, K, n_units, time.perf_counter() - t0)
    return out
