"""Probe speed and memory, measured side by side in one run.

    .venv/bin/python benchmarks/probe_speed.py                 # the default suite (CPU, ~10 min)
    .venv/bin/python benchmarks/probe_speed.py --quick         # smoke run (~1 min)

Sections
1. GDT: batched forward-mode engine vs the naive per-pair backward loop (reference), same model,
   same sources: max relative difference and speed ratio. The naive loop is timed on a few
   sources and compared per source (its cost is the same for every source).
2. Probing a K-gene list with a 12-layer, d=512 random-weight scGPT (T = M = 8): wall time and
   peak memory for vvp and gdt. Each configuration runs in a fresh subprocess so peak RSS is its
   own. On a CPU the full K×K×8 work takes hours, so each run probes ``--n-sources`` source genes
   (every target) and the full-list time is extrapolated linearly (the work per source is fixed).
3. Memory vs K: the same, for several K, to show peak memory stays flat (batch size shrinks with K).

Prints markdown tables and writes JSON (``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def flops_per_cell(K: int, nlayers: int, d: int, d_hid: int, probe: str) -> float:
    """Counted FLOPs of one virtual cell (multiply-add = 2), docs/methods.md §2: the forward of every
    layer (q/k/v/out projections, QKᵀ and PV, feed-forward) and the expression decoder. GDT adds
    the tangent: the same linear work again, and twice the attention products (dQKᵀ + QdKᵀ,
    GV + PdV)."""
    L = K + 1
    lin = 2 * L * (4 * d * d + 2 * d * d_hid)
    att = 2 * 2 * L * L * d
    dec = 2 * L * (2 * d * d + d)
    fwd = nlayers * (lin + att) + dec
    if probe == "gdt":
        return fwd + nlayers * (lin + 2 * att) + dec
    return fwd


def _model(K: int, nlayers: int, d: int, tmp: Path):
    import scugrn

    if nlayers == 0:  # the bundled demo backbone, on K of its vocabulary's genes
        m = scugrn.models.load("demo", device="cpu")
        genes = [g for g in m.vocab if not g.startswith("<")][1000:1000 + K]
        return m, m.token_ids(genes)
    genes = [f"G{i}" for i in range(K)]
    ck = scugrn.models.random_checkpoint(tmp / f"m{nlayers}x{d}_{K}", genes=genes, d_model=d, nlayers=nlayers,
                                         nhead=8, d_hid=d, seed=0)
    m = scugrn.models.load(ck, device="cpu")
    return m, m.token_ids(genes)


class _Sink:
    """``out=`` for run_probe that stores the first n source rows only (not a K × K × W array)."""

    def __init__(self, n, K, W):
        import numpy as np

        self.a = np.empty((n, K, W), dtype=np.float32)

    def __setitem__(self, idx, value):
        self.a[idx] = value


def one(args) -> dict:
    """Child process: one probe run on a subset of sources, reporting time and memory."""
    import numpy as np
    import torch

    import scugrn
    from scugrn.probes import auto_batch_size, default_params, run_probe

    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        m, ids = _model(args.K, args.nlayers, args.d, Path(tmp))
        p = default_params(args.probe, m, n_values=8)
        run_probe(args.probe, m, ids, params=p, sources=[0], verbose=False, out=_Sink(1, args.K, 8))  # warm-up
        base = _rss_mb()
        bs = auto_batch_size(m, args.K, forward_ad=args.probe == "gdt")
        src = np.arange(args.n_sources)
        sink = _Sink(args.n_sources, args.K, 8)  # keeps only the probed rows: RSS = the engine's memory
        t0 = time.perf_counter()
        run_probe(args.probe, m, ids, params=p, sources=src, verbose=False, out=sink)
        wall = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        c = m.cfg
        flops = flops_per_cell(args.K, c.nlayers, c.d_model, c.d_hid, args.probe) * 8 * args.n_sources
    return {"probe": args.probe, "K": args.K, "model": "demo" if args.nlayers == 0 else f"{args.nlayers}L d={args.d}",
            "nlayers": c.nlayers, "d": c.d_model, "n_sources": args.n_sources, "gflop_per_s": flops / wall / 1e9,
            "batch_size": bs, "wall_s": wall, "full_list_s_extrapolated": wall * args.K / args.n_sources,
            "pairs_per_s": args.n_sources * args.K / wall, "peak_rss_mb": peak, "rss_before_mb": base,
            "scugrn_version": scugrn.__version__}


def run_child(**kw) -> dict:
    cmd = [sys.executable, __file__, "--one"] + [f"--{k.replace('_', '-')}={v}" for k, v in kw.items()]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def gdt_vs_naive(K: int, nlayers: int, d: int, n_naive: int, n_batched: int, threads: int, n_targets: int = 50) -> dict:
    import numpy as np
    import torch

    from scugrn.probes import default_params, run_probe
    from scugrn.probes.reference import naive_gdt

    torch.set_num_threads(threads)
    with tempfile.TemporaryDirectory() as tmp:
        m, ids = _model(K, nlayers, d, Path(tmp))
        p = default_params("gdt", m, n_values=8)
        run_probe("gdt", m, ids, params=p, sources=[0], verbose=False)  # warm-up
        t0 = time.perf_counter()
        fast = run_probe("gdt", m, ids, params=p, sources=np.arange(n_batched), verbose=False)
        t_fast = (time.perf_counter() - t0) / n_batched
        cols = np.arange(0, K, max(1, K // n_targets))[:n_targets]  # the naive cost per target is fixed
        t0 = time.perf_counter()
        ref = naive_gdt(m, ids, p, sources=list(range(n_naive)), targets=cols)
        t_naive = (time.perf_counter() - t0) / n_naive * K / len(cols)  # extrapolated to all K targets
    diff = np.abs(fast[:n_naive][:, cols] - ref[:, cols]).max() / np.abs(ref[:, cols]).max()
    return {"K": K, "nlayers": nlayers, "d": d, "T": 8, "batched_s_per_source": t_fast,
            "naive_s_per_source": t_naive, "speedup": t_naive / t_fast, "max_rel_diff": float(diff),
            "n_naive_sources": n_naive, "n_naive_targets_timed": len(cols), "n_batched_sources": n_batched}


def engine_paths(K: int, nlayers: int, d: int, n_sources: int, threads: int) -> list[dict]:
    """The same probe through each engine path, side by side: GDT with PyTorch's dual numbers, with
    the hand-written JVP (models._jvp), and with the first layer reused from the base cell
    (models._rows); VVP with and without the latter. ``nlayers=0``: the demo backbone."""
    import numpy as np
    import torch

    import scugrn
    from scugrn.probes import default_params, run_probe

    torch.set_num_threads(threads)
    # (probe, label, backbone.jvp_engine, settings.first_layer)
    paths = [("gdt", "dual numbers", "dual", "full"), ("gdt", "hand-written JVP", "hand", "full"),
             ("gdt", "hand-written JVP + first layer from base", "hand", "rows"),
             ("vvp", "full cells", "hand", "full"), ("vvp", "first layer from base (off by default)", "hand", "rows")]
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        m, ids = _model(K, nlayers, d, Path(tmp))
        ref = {}
        for probe, label, engine, first in paths:
            p = default_params(probe, m, n_values=8)
            m.jvp_engine = engine
            try:
                with scugrn.settings.override(first_layer=first):
                    run_probe(probe, m, ids, params=p, sources=[0], verbose=False)  # warm-up
                    t0 = time.perf_counter()
                    f = run_probe(probe, m, ids, params=p, sources=np.arange(n_sources), verbose=False)[:n_sources]
                    dt = (time.perf_counter() - t0) / n_sources
            finally:
                m.jvp_engine = "hand"
            ref.setdefault(probe, f)
            diff = float(np.abs(f - ref[probe]).max() / np.abs(ref[probe]).max())
            out.append({"model": "demo" if nlayers == 0 else f"{nlayers}L d={d}", "K": K, "probe": probe, "path": label,
                        "s_per_source": dt, "max_rel_diff_vs_first": diff})
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--probe", default="gdt")
    ap.add_argument("--K", type=int, default=1000)
    ap.add_argument("--nlayers", type=int, default=12)
    ap.add_argument("--d", type=int, default=512)
    ap.add_argument("--n-sources", type=int, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--quick", action="store_true", help="small models and K, for a smoke run")
    ap.add_argument("--ratio-model", default="4,128", help="layers,width of the model for the batched-vs-naive section")
    ap.add_argument("--ratio-K", type=int, default=500, help="gene-list size for the batched-vs-naive section")
    ap.add_argument("--Ks", default="250,500,1000,2000,5000", help="gene-list sizes, 12-layer model")
    ap.add_argument("--demo-Ks", default="100,250,500,1000,2000,5000", help="gene-list sizes, demo backbone")
    ap.add_argument("--out", type=Path, default=Path("results/probe_speed.json"))
    a = ap.parse_args(argv)
    if a.one:
        print(json.dumps(one(a)))
        return
    q = a.quick
    L, D = (2, 64) if q else (12, 512)
    res = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "date": time.strftime("%Y-%m-%d"),
           "torch_threads": a.threads}
    import torch

    res["torch"] = torch.__version__
    # 1. batched vs naive
    rl, rd = (int(x) for x in a.ratio_model.split(","))
    res["load_average_start"] = os.getloadavg()
    res["gdt_vs_naive"] = gdt_vs_naive(K=50 if q else a.ratio_K, nlayers=2 if q else rl, d=64 if q else rd, n_naive=1,
                                       n_batched=4 if q else 8, threads=a.threads)
    g = res["gdt_vs_naive"]
    print(f"\n## GDT: batched forward-mode JVP vs per-pair backward loop (naive: 1 source, "
          f"{g['n_naive_targets_timed']} targets timed, extrapolated to K)")
    print("| model | K | T | naive s/source | batched s/source | speed-up | max rel diff |\n|---|---|---|---|---|---|---|")
    print(f"| {g['nlayers']}L d={g['d']} | {g['K']} | 8 | {g['naive_s_per_source']:.2f} | "
          f"{g['batched_s_per_source']:.3f} | {g['speedup']:.0f}× | {g['max_rel_diff']:.1e} |")
    # engine paths, side by side
    eng = []
    for K_, nl, d_ in ([(100, 2, 32)] if q else [(848, 0, 0), (900, 2, 32)]):
        eng += engine_paths(K_, nl, d_, n_sources=2 if q else 6, threads=a.threads)
    res["engine_paths"] = eng
    print("\n## Engine paths, same probe and sources (T = M = 8)")
    print("| model | K | probe | path | s / source | speed-up vs first row | max rel diff |\n|---|---|---|---|---|---|---|")
    first = {}
    for r in eng:
        k = (r["model"], r["probe"])
        first.setdefault(k, r["s_per_source"])
        print(f"| {r['model']} | {r['K']} | {r['probe']} | {r['path']} | {r['s_per_source']:.3f} | "
              f"{first[k] / r['s_per_source']:.2f}× | {r['max_rel_diff_vs_first']:.1e} |")
    # 2 + 3. wall time, FLOP/s and peak memory vs K: the demo backbone and a 12-layer d=512 model
    runs = [(0, 0, [100, 200] if q else [int(k) for k in a.demo_Ks.split(",")]),
            (L, D, [100, 200] if q else [int(k) for k in a.Ks.split(",")])]
    rows = []
    for nl, d, Ks in runs:
        for K in Ks:
            for probe in ("vvp", "gdt"):
                r = run_child(probe=probe, K=K, nlayers=nl, d=d, n_sources=2 if q else a.n_sources, threads=a.threads)
                rows.append(r)
                print(f"  measured {r['model']} {probe} K={K}: {r['wall_s']:.1f} s for {r['n_sources']} sources",
                      file=sys.stderr)
    res["probe_runs"] = rows
    res["load_average_end"] = os.getloadavg()
    print("\n## Probing a K-gene list, T = M = 8 (subset of sources, full list extrapolated)")
    print("| model | probe | K | batch | sources run | wall (s) | full list, extrapolated (s) | pairs/s | GFLOP/s "
          "| peak RSS (MB) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['model']} | {r['probe']} | {r['K']} | {r['batch_size']} | {r['n_sources']} | {r['wall_s']:.1f} | "
              f"{r['full_list_s_extrapolated']:.0f} | {r['pairs_per_s']:.1f} | {r['gflop_per_s']:.1f} | "
              f"{r['peak_rss_mb']:.0f} |")
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(res, indent=2))
    print(f"\nwrote {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
