"""What a probe run will cost, said before it starts (time and memory).

Time = counted FLOPs / a measured throughput. The FLOPs of one virtual cell are counted from the
architecture exactly as ``benchmarks/probe_speed.py::flops_per_cell`` does (a test checks they
agree); the throughputs are the median counted GFLOP/s of the runs with K ≥ 1,000 in
docs/performance.md ("wall time / memory vs K": demo and 12-layer d = 512 scGPT, one source per run,
2 torch threads on the project's 2-core CPU, 2026-11-21). Another machine runs at another speed;
on a GPU the time is not estimated (not measured: no GPU was lent).

Memory = the K × K × W float32 result twice (the probe's and the AnnData's), the activation budget
of one batch and the weights, plus the ~0.6 GB a process with torch and a model takes (peak RSS
571 MB measured in the same runs).
"""

from __future__ import annotations

import logging

logger = logging.getLogger("scugrn")

# median counted GFLOP/s of the K >= 1,000 rows of docs/performance.md (vvp: 105, 116, 132, 133, 140;
# gdt: 80, 64, 62, 71, 71); pert / origin_pert run plain forwards like vvp
CPU_GFLOPS = {"vvp": 132.0, "gdt": 71.0, "pert": 132.0, "origin_pert": 132.0}
PROCESS_BYTES = 571 * 2**20
WARN_SECONDS = 600.0
WARN_BYTES = 4 * 2**30


def flops_per_cell(K: int, nlayers: int, d: int, d_hid: int, probe: str) -> float:
    """Counted FLOPs of one virtual cell of K genes (multiply-add = 2): every layer's projections,
    QKᵀ and PV, feed-forward, and the expression decoder; GDT adds the tangent (the linear work
    again and twice the attention products)."""
    L = K + 1
    lin = 2 * L * (4 * d * d + 2 * d * d_hid)
    att = 2 * 2 * L * L * d
    dec = 2 * L * (2 * d * d + d)
    fwd = nlayers * (lin + att) + dec
    if probe == "gdt":
        return fwd + nlayers * (lin + 2 * att) + dec
    return fwd


def estimate(probe: str, backbone, K: int, width: int, *, n_vars: int | None = None,
             window: int | None = None) -> dict:
    """Estimated cost of probing K genes with ``width`` values per source.

    Returns a dict: ``cells`` (virtual cells), ``flops``, ``seconds`` (``None`` on a GPU or for
    probes without a measured throughput), ``bytes`` (peak memory) and ``how`` (a sentence).
    """
    from ..probes import window_contexts

    cfg = backbone.cfg
    dims = (cfg.nlayers, cfg.d_model, cfg.d_hid)
    if window is not None and K > window:
        ctx = [len(c) for c, _ in window_contexts(K, window)]
    else:
        ctx = [K]
    cells = sum(k * width for k in ctx)
    flops = float(sum(k * width * flops_per_cell(k, *dims, probe) for k in ctx))
    gflops = CPU_GFLOPS.get(probe)
    on_cpu = backbone.device.type == "cpu"
    seconds = flops / (gflops * 1e9) if (gflops and on_cpu) else None
    n = n_vars or K
    module = getattr(backbone, "module", None)
    weights = sum(p.numel() * p.element_size() for p in module.parameters()) if module is not None else 0
    from .._settings import settings

    budget = (settings.memory_mb or (128 if on_cpu else 4096)) * 2**20
    nbytes = 4 * width * (K * K + n * n) + budget + weights + PROCESS_BYTES
    how = (f"{cells:,} virtual cells, {flops / 1e12:,.1f} TFLOP counted, at the {gflops:g} GFLOP/s measured for "
           f"{probe} on a 2-core CPU (docs/contract.md)" if seconds is not None else
           f"{cells:,} virtual cells, {flops / 1e12:,.1f} TFLOP counted; time not estimated on "
           f"{backbone.device.type} (no measured throughput)")
    return {"cells": cells, "flops": flops, "seconds": seconds, "bytes": int(nbytes), "how": how}


def _duration(s: float) -> str:
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    if s < 172800:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.1f} days"


def announce(probe: str, backbone, K: int, width: int, *, n_vars: int, window: int | None) -> dict:
    """Log the estimate before a run: a warning (with what to do instead) when it is long or big."""
    est = estimate(probe, backbone, K, width, n_vars=n_vars, window=window)
    t = "unknown" if est["seconds"] is None else f"~{_duration(est['seconds'])}"
    text = (f"tl.{probe} on {K:,} genes: estimated time {t}, peak memory ~{est['bytes'] / 2**30:.1f} GiB "
            f"({est['how']}).")
    big = (est["seconds"] or 0) > WARN_SECONDS or est["bytes"] > WARN_BYTES
    if not big:
        logger.info(text)
        return est
    if backbone.device.type == "cpu":
        ctx = getattr(backbone.cfg, "max_seq_len", None)
        w = f"window={ctx - 1}" if ctx else "window=..."
        text += (f" On a CPU this is long: use a GPU (device='cuda'), fewer genes (scugrn.pp.select, or only "
                 f"the genes you need), or {w} to probe in context windows (memory per window; see "
                 "docs/performance.md for what windows change).")
    else:
        text += " Consider fewer genes (scugrn.pp.select) or window= to bound memory."
    logger.warning(text)
    return est
