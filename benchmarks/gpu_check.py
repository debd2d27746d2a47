"""One prepared GPU check of the probe engine (issue 12): one call, ≤ 8 min on one H100/H200.

    PYTHONPATH=src python benchmarks/gpu_check.py --out results/gpu_check.json     # on the GPU
    PYTHONPATH=src python benchmarks/gpu_check.py --tiny                           # CPU smoke run, seconds

Needs only PyTorch (and numpy) plus scugrn's ``models`` and ``probes`` packages: no anndata, scanpy
or pooch (``tests/test_gpu.py`` runs ``--tiny`` with those blocked). Sections, each one table:

1. ceilings: measured bf16 / fp32 / TF32 matmul TFLOP/s and device-copy bandwidth;
2. vvp and gdt × every precision (fp32, TF32, bf16, fp16) × every attention path (GDT: unfused,
   fused Triton kernel when available; VVP: PyTorch SDPA) at K = 1,400 on a random 12-layer
   d = 512, 8-head scGPT (T = M = 8): s/source, achieved TFLOP/s vs the ceiling, fidelity vs fp32
   (Pearson r, relative Frobenius error), peak memory;
3. the whole 1,400-gene list measured (not extrapolated) for the fastest path meeting the policy
   (r ≥ 0.999, rel. error ≤ 2e-2), for vvp and gdt;
4. GDT cost vs K (500–4,000) on that path;
5. batched GDT vs the per-pair backward loop (``probes.naive_gdt``) at K = 500;
6. the demo backbone: whole list at K = 848;
7. TF-restricted whole transcriptome (1,600 TFs × 20,000 genes, window 1,200): some windows
   measured, the whole job **extrapolated** (labelled so), with the torchrun command for more GPUs.

A time budget (``--budget-s``, default 420 s after the ceilings) skips what would not fit, and
says so. Writes everything as JSON (``--out``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from scugrn import models
from scugrn._settings import settings
from scugrn.probes import (
    FIDELITY_R_MIN,
    FIDELITY_REL_MAX,
    default_params,
    fidelity,
    run_probe,
    source_window_contexts,
)

T0 = time.perf_counter()
RESULTS: dict = {}


def log(*a):
    print(f"[{time.perf_counter() - T0:6.1f} s]", *a, file=sys.stderr, flush=True)


def sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def flops_per_cell(K: int, nlayers: int, d: int, d_hid: int, probe: str) -> float:
    """Counted FLOPs of one virtual cell (as benchmarks/probe_speed.py): projections, QKᵀ, PV,
    feed-forward and decoder; GDT adds the tangent's linear work and twice the attention products."""
    L = K + 1
    lin = 2 * L * (4 * d * d + 2 * d * d_hid)
    att = 2 * 2 * L * L * d
    dec = 2 * L * (2 * d * d + d)
    fwd = nlayers * (lin + att) + dec
    return fwd + nlayers * (lin + 2 * att) + dec if probe == "gdt" else fwd


def ceilings(dev, tiny: bool) -> dict:
    n = 256 if tiny else 8192
    out = {}
    for name, dt, tf32 in [("bf16", torch.bfloat16, False), ("fp16", torch.float16, False),
                           ("fp32", torch.float32, False), ("tf32", torch.float32, True)]:
        if dev.type != "cuda" and (dt != torch.float32 or tf32):
            continue
        with tf32_mode(tf32):
            a = torch.randn(n, n, device=dev, dtype=dt)
            b = torch.randn(n, n, device=dev, dtype=dt)
            a @ b
            sync(dev)
            reps = 3 if tiny else 20
            t = time.perf_counter()
            for _ in range(reps):
                a @ b
            sync(dev)
            out[f"{name}_matmul_tflops"] = 2 * n**3 * reps / (time.perf_counter() - t) / 1e12
    x = torch.empty(2**20 if tiny else 2**28, device=dev, dtype=torch.float32)
    y = torch.empty_like(x)
    y.copy_(x)
    sync(dev)
    t = time.perf_counter()
    for _ in range(10):
        y.copy_(x)
    sync(dev)
    out["copy_TB_per_s"] = 2 * x.numel() * 4 * 10 / (time.perf_counter() - t) / 1e12
    return out


@contextlib.contextmanager
def tf32_mode(on: bool):
    old = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = on
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = old


def make_model(tmp: Path, K: int, nlayers: int, d: int, nhead: int, dev, name: str):
    genes = [f"G{i}" for i in range(K)]
    ck = models.random_checkpoint(tmp / name, genes=genes, d_model=d, nlayers=nlayers, nhead=nhead, d_hid=d, seed=0)
    m = models.load(ck, device=str(dev))
    return m, m.token_ids(genes)


def triton_available(dev) -> bool:
    return models.fused_attention_available(dev)


def timed_probe(probe, m, ids, p, src, dev, *, precision: str, attention: str):
    """Features of ``src`` (all targets), seconds per source and peak memory."""
    dtype = {"fp32": "float32", "tf32": "float32", "bf16": "bfloat16", "fp16": "float16"}[precision]
    with tf32_mode(precision == "tf32"), settings.override(attention_jvp=attention, verbose=False):
        m.to(dtype=dtype)
        try:
            run_probe(probe, m, ids, params=p, sources=src[:1])  # warm-up (kernels, autotune)
            if dev.type == "cuda":
                torch.cuda.reset_peak_memory_stats(dev)
            sync(dev)
            t = time.perf_counter()
            f = run_probe(probe, m, ids, params=p, sources=src)[src]
            sync(dev)
            wall = time.perf_counter() - t
        finally:
            m.to(dtype="float32")
    peak = torch.cuda.max_memory_allocated(dev) / 2**30 if dev.type == "cuda" else float("nan")
    return f, wall / len(src), peak


def main_table(m, ids, dev, cfg, tiny, budget_end, ceil):
    K = len(ids)
    n_src = 4 if tiny else 16
    src = np.arange(0, K, K // n_src)[:n_src]
    precisions = ["fp32", "tf32", "bf16", "fp16"] if dev.type == "cuda" else ["fp32", "bf16", "fp16"]
    rows = []
    for probe in ("vvp", "gdt"):
        p = default_params(probe, m, n_values=8)
        attns = ["unfused"] + (["triton"] if probe == "gdt" and triton_available(dev) else [])
        ref = None
        for attention in attns:
            for prec in precisions:
                if time.perf_counter() > budget_end:
                    rows.append({"probe": probe, "precision": prec, "attention": attention, "skipped": "time budget"})
                    continue
                try:
                    f, sps, peak = timed_probe(probe, m, ids, p, src, dev, precision=prec, attention=attention)
                except Exception as e:  # noqa: BLE001 - a failing path is a result, not the end of the check
                    rows.append({"probe": probe, "precision": prec, "attention": attention,
                                 "error": f"{type(e).__name__}: {str(e)[:200]}"})
                    log(probe, prec, attention, "ERROR", e)
                    continue
                if ref is None:  # fp32 unfused comes first
                    ref = f
                fid = fidelity(f, ref)
                flops = flops_per_cell(K, cfg.nlayers, cfg.d_model, cfg.d_hid, probe) * len(p.get(
                    "target_values", p.get("base_values")))
                tflops = flops / sps / 1e12
                ceil_key = {"fp32": "fp32", "tf32": "tf32", "bf16": "bf16", "fp16": "fp16"}[prec] + "_matmul_tflops"
                row = {"probe": probe, "precision": prec, "attention": "sdpa" if probe == "vvp" else attention,
                       "K": K, "s_per_source": sps, "whole_list_s_extrapolated": sps * K, "tflops": tflops,
                       "ceiling_tflops": ceil.get(ceil_key), "peak_gib": peak, **fid,
                       "meets_policy": bool(fid["r"] >= FIDELITY_R_MIN and fid["rel_err"] <= FIDELITY_REL_MAX)}
                rows.append(row)
                log(f"{probe} {prec} {row['attention']}: {sps:.4f} s/source, r={fid['r']:.5f} rel={fid['rel_err']:.2e}")
    return rows


def fastest_ok(rows, probe):
    ok = [r for r in rows if r.get("probe") == probe and r.get("meets_policy")]
    return min(ok, key=lambda r: r["s_per_source"]) if ok else None


def whole_list(m, ids, dev, best, budget_end):
    """The whole K-gene list on the fastest path meeting the policy: measured when it fits."""
    out = []
    for probe, r in best.items():
        if r is None:
            continue
        K = len(ids)
        if time.perf_counter() + 1.3 * r["whole_list_s_extrapolated"] > budget_end:
            out.append({"probe": probe, "path": f"{r['precision']}/{r['attention']}", "skipped": "time budget",
                        "whole_list_s_extrapolated": r["whole_list_s_extrapolated"]})
            continue
        p = default_params(probe, m, n_values=8)
        _, sps, peak = timed_probe(probe, m, ids, p, np.arange(K), dev, precision=r["precision"],
                                   attention="unfused" if r["attention"] == "sdpa" else r["attention"])
        out.append({"probe": probe, "path": f"{r['precision']}/{r['attention']}", "K": K,
                    "whole_list_s_measured": sps * K, "peak_gib": peak})
        log(f"whole list {probe} ({r['precision']}/{r['attention']}): {sps * K:.1f} s measured")
    return out


def cost_vs_K(tmp, dev, cfg_shape, Ks, path, budget_end, tiny):
    rows = []
    for K in Ks:
        if time.perf_counter() > budget_end:
            rows.append({"K": K, "skipped": "time budget"})
            continue
        m, ids = make_model(tmp, K, *cfg_shape, dev, f"k{K}")
        p = default_params("gdt", m, n_values=8)
        n = 2 if tiny else max(2, min(16, int(4000 // K) * 4))
        src = np.arange(0, K, max(1, K // n))[:n]
        _, sps, peak = timed_probe("gdt", m, ids, p, src, dev, precision=path[0], attention=path[1])
        rows.append({"K": K, "s_per_source": sps, "whole_list_s_extrapolated": sps * K, "peak_gib": peak,
                     "path": "/".join(path)})
        log(f"cost vs K: K={K} {sps:.4f} s/source")
        del m
    return rows


def naive_ratio(tmp, dev, cfg_shape, K, tiny):
    from scugrn.probes import naive_gdt

    m, ids = make_model(tmp, K, *cfg_shape, dev, "naive")
    p = default_params("gdt", m, n_values=8)
    with settings.override(verbose=False):
        run_probe("gdt", m, ids, params=p, sources=[0])
        sync(dev)
        t = time.perf_counter()
        fast = run_probe("gdt", m, ids, params=p, sources=np.arange(4))[:4]
        sync(dev)
        t_fast = (time.perf_counter() - t) / 4
        cols = np.arange(0, K, max(1, K // (5 if tiny else 20)))
        t = time.perf_counter()
        ref = naive_gdt(m, ids, p, sources=[0], targets=cols)
        sync(dev)
        t_naive = (time.perf_counter() - t) * K / len(cols)
    diff = float(np.abs(fast[:1][:, cols] - ref[:, cols]).max() / np.abs(ref[:, cols]).max())
    log(f"naive vs batched at K={K}: {t_naive / t_fast:.0f}x, max rel diff {diff:.1e}")
    return {"K": K, "naive_s_per_source_extrapolated": t_naive, "batched_s_per_source": t_fast,
            "ratio": t_naive / t_fast, "max_rel_diff": diff, "naive_targets_timed": len(cols)}


def demo_backbone(dev, K, tiny):
    m = models.load("demo", device=str(dev))
    genes = [g for g in m.vocab if not g.startswith("<")][1000:1000 + K]
    ids = m.token_ids(genes)
    out = []
    for probe in ("vvp", "gdt"):
        p = default_params(probe, m, n_values=8)
        src = np.arange(K) if not tiny else np.arange(2)
        _, sps, peak = timed_probe(probe, m, ids, p, src, dev, precision="fp32", attention="auto")
        out.append({"probe": probe, "K": K, "precision": "fp32", "sources_run": len(src),
                    "whole_list_s": sps * K, "measured_whole_list": len(src) == K, "peak_gib": peak})
        log(f"demo {probe} K={K}: {sps * K:.2f} s whole list")
    return out


def whole_transcriptome(tmp, dev, cfg_shape, path, tiny, n_genes, n_tfs, window, n_windows, budget_end):
    """TF-restricted windows (probes._runner.source_window_contexts), a few measured, all extrapolated."""
    m, ids = make_model(tmp, n_genes, *cfg_shape, dev, "wt")
    p = default_params("gdt", m, n_values=8)
    src = np.arange(n_tfs)
    ctxs = list(source_window_contexts(n_genes, src, window))
    n_src_per_window = window // 2
    sub = 4 if tiny else 32  # sources measured per window (the cost per source is fixed within a window)
    times = []
    for ctx, rows, _cols, _pos in ctxs[:n_windows]:
        if time.perf_counter() > budget_end:
            break
        k = len(ctx)
        s = np.arange(min(sub, len(rows)))
        _, sps, _peak = timed_probe("gdt", m, ids[ctx], p, s, dev, precision=path[0], attention=path[1])
        times.append(sps * len(rows))  # this window's time for all its sources
        log(f"whole transcriptome window (K={k}, {len(rows)} sources): {times[-1]:.1f} s (from {len(s)} sources)")
    if not times:
        return {"skipped": "time budget"}
    total = float(np.mean(times)) * len(ctxs)
    return {"n_genes": n_genes, "n_tfs": n_tfs, "window": window, "windows_total": len(ctxs),
            "windows_measured": len(times), "sources_measured_per_window": sub, "path": "/".join(path),
            "s_per_window": float(np.mean(times)), "total_s_EXTRAPOLATED": total,
            "sources_per_window": n_src_per_window,
            "torchrun": ("torchrun --nproc-per-node 8 -m scugrn.probes.distributed --probe gdt --model CKPT "
                         "--genes genes.txt --store gdt.zarr --block 64  (full square; for TF rows use "
                         "run_probe_windowed(sources=...) per rank)")}


def print_tables(res):
    c = res["ceilings"]
    print("\n## Ceilings (measured)\n| quantity | value |\n|---|---|")
    for k, v in c.items():
        print(f"| {k} | {v:.1f} |" if "copy" not in k else f"| {k} | {v:.2f} |")
    print(f"\n## vvp / gdt × precision × attention path, K = {res['K']}, {res['model']}, T = M = 8")
    print("| probe | precision | attention | s/source | whole list (extrapolated, s) | TFLOP/s (ceiling) | r vs fp32 "
          "| rel. error | meets policy | peak GiB |\n|---|---|---|---|---|---|---|---|---|---|")
    for r in res["main"]:
        if "s_per_source" not in r:
            print(f"| {r['probe']} | {r['precision']} | {r['attention']} | {r.get('error') or r.get('skipped')} "
                  "| | | | | | |")
            continue
        ce = r["ceiling_tflops"]
        print(f"| {r['probe']} | {r['precision']} | {r['attention']} | {r['s_per_source']:.4f} | "
              f"{r['whole_list_s_extrapolated']:.1f} | {r['tflops']:.1f} ({'–' if ce is None else f'{ce:.0f}'}) | "
              f"{r['r']:.5f} | {r['rel_err']:.2e} | {'yes' if r['meets_policy'] else 'no'} | {r['peak_gib']:.2f} |")
    print("\n## Whole list, fastest path meeting the policy (measured)\n| probe | path | wall (s) | peak GiB |\n|---|---|---|---|")
    for r in res["whole_list"]:
        w = r.get("whole_list_s_measured")
        print(f"| {r['probe']} | {r['path']} | {f'{w:.1f}' if w else r.get('skipped')} | {r.get('peak_gib', float('nan')):.2f} |")
    print("\n## GDT cost vs K\n| K | s/source | whole list (extrapolated, s) |\n|---|---|---|")
    for r in res["cost_vs_K"]:
        if "s_per_source" in r:
            print(f"| {r['K']} | {r['s_per_source']:.4f} | {r['whole_list_s_extrapolated']:.1f} |")
        else:
            print(f"| {r['K']} | {r['skipped']} | |")
    n = res.get("naive")
    if n:
        print(f"\n## Batched GDT vs per-pair loop (K = {n['K']}): {n['ratio']:.0f}× faster, max rel diff "
              f"{n['max_rel_diff']:.1e}")
    print("\n## Demo backbone\n| probe | K | whole list (s) | measured |\n|---|---|---|---|")
    for r in res.get("demo", []):
        print(f"| {r['probe']} | {r['K']} | {r['whole_list_s']:.2f} | {r['measured_whole_list']} |")
    w = res.get("whole_transcriptome", {})
    if "total_s_EXTRAPOLATED" in w:
        print(f"\n## Whole transcriptome ({w['n_tfs']} TFs × {w['n_genes']} genes, window {w['window']}): "
              f"{w['windows_measured']} of {w['windows_total']} windows measured ({w['sources_measured_per_window']} "
              f"sources each), whole job EXTRAPOLATED: {w['total_s_EXTRAPOLATED'] / 60:.1f} min on one device")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tiny", action="store_true", help="tiny sizes on whatever device (CPU: seconds)")
    ap.add_argument("--device", default=None, help="default: cuda if available, else cpu")
    ap.add_argument("--budget-s", type=float, default=420.0, help="stop starting new measurements after this")
    ap.add_argument("--out", type=Path, default=Path("results/gpu_check.json"))
    a = ap.parse_args(argv)
    dev = torch.device(a.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if dev.type != "cuda":
        settings.cpu_low_precision = True  # bf16/fp16 under CPU autocast (slow; checks the code paths)
    tiny = a.tiny
    K, (nl, d, nh) = (24, (2, 32, 4)) if tiny else (1400, (12, 512, 8))
    res = {"date": time.strftime("%Y-%m-%d %H:%M"), "device": torch.cuda.get_device_name(dev) if dev.type == "cuda"
           else f"CPU ({platform.machine()}, {os.cpu_count()} cores)", "torch": torch.__version__,
           "tiny": tiny, "K": K, "model": f"random scGPT {nl}L d={d} {nh} heads",
           "policy": {"r_min": FIDELITY_R_MIN, "rel_max": FIDELITY_REL_MAX}}
    log("device", res["device"])
    res["ceilings"] = ceilings(dev, tiny)
    budget_end = time.perf_counter() + a.budget_s
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        m, ids = make_model(tmp, K, nl, d, nh, dev, "main")
        res["main"] = main_table(m, ids, dev, m.cfg, tiny, budget_end - 0.45 * a.budget_s, res["ceilings"])
        best = {p: fastest_ok(res["main"], p) for p in ("vvp", "gdt")}
        res["fastest_meeting_policy"] = {p: (None if r is None else f"{r['precision']}/{r['attention']}")
                                         for p, r in best.items()}
        res["whole_list"] = whole_list(m, ids, dev, best, budget_end - 0.25 * a.budget_s)
        del m
        g = best["gdt"] or {"precision": "fp32", "attention": "unfused"}
        path = (g["precision"], "unfused" if g["attention"] == "sdpa" else g["attention"])
        Ks = [16, 32] if tiny else [500, 1000, 2000, 4000]
        res["cost_vs_K"] = cost_vs_K(tmp, dev, (nl, d, nh), Ks, path, budget_end - 0.15 * a.budget_s, tiny)
        res["naive"] = naive_ratio(tmp, dev, (nl, d, nh), 16 if tiny else 500, tiny) \
            if time.perf_counter() < budget_end - 0.1 * a.budget_s else None
        res["demo"] = demo_backbone(dev, 40 if tiny else 848, tiny) if time.perf_counter() < budget_end else []
        wt = (200, 12, 16, 2) if tiny else (20000, 1600, 1200, 2)
        res["whole_transcriptome"] = whole_transcriptome(tmp, dev, (nl, d, nh), path, tiny, *wt,
                                                         budget_end + 0.1 * a.budget_s)
    res["wall_s"] = time.perf_counter() - T0
    print_tables(res)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(res, indent=2, default=str))
    log(f"wrote {a.out}")


if __name__ == "__main__":
    main()
