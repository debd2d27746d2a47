"""Feature fidelity of low-precision runs against float32, per probe and engine path.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/precision.py                  # demo + 12-layer model
    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/precision.py --quick          # tiny model, seconds

For each backbone (the demo backbone on K of its genes; a random 12-layer d = 512, 8-head scGPT),
probe (vvp, gdt, pert) and engine path (first layer from the base cell or in full; GDT: the
hand-written JVP or dual numbers), the features of ``--n-sources`` source genes (all K targets,
T = M = 8) are computed in float32 and in each low precision, and compared: Pearson r and the
relative Frobenius error ‖F − F₃₂‖ / ‖F₃₂‖. On CPU the low precisions run under
``torch.autocast("cpu")`` (``scugrn.settings.cpu_low_precision``), on CUDA under CUDA autocast.
Prints a markdown table and writes JSON (``--out``).

``--emulate`` adds a second table that asks how many mantissa bits the matmul inputs need: every
matmul of the backbone (linear layers, attention products; float32 accumulation) gets its inputs
rounded to 8 significant bits (bf16), 11 (fp16 / TF32), or split into two bf16 parts with three
products ("bf16x3", ~16 bits), everything else in float32, against plain float32.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

R_MIN, REL_MAX = 0.999, 2e-2  # the precision policy's thresholds (docs/defaults.md)


def fidelity(f: np.ndarray, ref: np.ndarray) -> dict:
    """Pearson r and relative Frobenius error of features ``f`` against ``ref`` (finite entries)."""
    ok = np.isfinite(ref) & np.isfinite(f)
    a, b = f[ok].astype(np.float64), ref[ok].astype(np.float64)
    r = float(np.corrcoef(a, b)[0, 1]) if a.size > 1 and a.std() > 0 and b.std() > 0 else float("nan")
    rel = float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))
    return {"r": r, "rel_err": rel, "ok": bool(r >= R_MIN and rel <= REL_MAX)}


def _backbones(quick: bool, K: int, K12: int, tmp: Path, device: str):
    import scugrn

    if quick:
        genes = [f"G{i}" for i in range(K)]
        ck = scugrn.models.random_checkpoint(tmp / "tiny", genes=genes, d_model=32, nlayers=2, nhead=4, d_hid=64)
        m = scugrn.models.load(ck, device=device)
        yield "random 2L d=32", m, m.token_ids(genes)
        return
    m = scugrn.models.load("demo", device=device)
    genes = [g for g in m.vocab if not g.startswith("<")][1000:1000 + K]
    yield "demo (4L d=64)", m, m.token_ids(genes)
    genes = [f"G{i}" for i in range(K12)]
    ck = scugrn.models.random_checkpoint(tmp / "m12", genes=genes, d_model=512, nlayers=12, nhead=8, d_hid=512)
    m = scugrn.models.load(ck, device=device)
    yield "random 12L d=512", m, m.token_ids(genes)


PATHS = {  # probe -> [(label, settings overrides)]
    "vvp": [("full cells", {"first_layer": "full"}), ("first layer from base", {"first_layer": "rows"})],
    "gdt": [("hand JVP + first layer from base", {"first_layer": "rows"}),
            ("hand JVP, full", {"first_layer": "full"})],
    "pert": [("full cells", {})],
}


def measure(quick: bool, K: int, K12: int, n_sources: int, dtypes, device: str) -> list[dict]:
    import scugrn
    from scugrn.probes import default_params, run_probe

    rows = []
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp, scugrn.settings.override(cpu_low_precision=True, verbose=False):
        for name, m, ids in _backbones(quick, K, K12, Path(tmp), device):
            k = len(ids)
            src = np.arange(0, k, max(1, k // n_sources))[:n_sources]
            lo, hi = m.value_range
            x_bar = rng.uniform(lo, hi, k).astype(np.float32)
            for probe, paths in PATHS.items():
                p = default_params(probe, m, n_values=8) if probe != "pert" else {}
                for label, over in paths:
                    with scugrn.settings.override(**over):
                        m.to(dtype="float32")
                        t0 = time.perf_counter()
                        ref = run_probe(probe, m, ids, params=p, x_bar=x_bar, sources=src)[src]
                        t32 = (time.perf_counter() - t0) / len(src)
                        for dt in dtypes:
                            m.to(dtype=dt)
                            try:
                                t0 = time.perf_counter()
                                f = run_probe(probe, m, ids, params=p, x_bar=x_bar, sources=src)[src]
                                tl = (time.perf_counter() - t0) / len(src)
                            finally:
                                m.to(dtype="float32")
                            row = {"backbone": name, "K": k, "probe": probe, "path": label, "dtype": dt,
                                   "n_sources": len(src), "s_per_source": tl, "fp32_s_per_source": t32,
                                   **fidelity(f, ref)}
                            rows.append(row)
                            print(f"  {name} {probe} {label} {dt}: r={row['r']:.5f} rel={row['rel_err']:.2e}",
                                  file=sys.stderr)
    return rows


def _round_bits(x, bits):
    import torch

    if bits is None or not x.is_floating_point():
        return x
    m, e = torch.frexp(x.float())
    return torch.ldexp(torch.round(m * 2.0**bits) / 2.0**bits, e)


def _emulated(mode):
    """Context that rounds the inputs of torch.matmul and F.linear (fp32 accumulate) as ``mode``."""
    import contextlib

    import torch
    import torch.nn.functional as F

    mm, lin = torch.matmul, F.linear
    bits = {"bf16 (8 bits)": 8, "fp16/TF32 (11 bits)": 11}.get(mode)

    def split(a):
        hi = a.to(torch.bfloat16).float()
        return hi, (a - hi).to(torch.bfloat16).float()

    def r_mm(a, b, **k):
        if mode == "bf16x3":
            (ah, al), (bh, bl) = split(a), split(b)
            return mm(ah, bh) + mm(ah, bl) + mm(al, bh)
        return mm(_round_bits(a, bits), _round_bits(b, bits))

    def r_lin(x, w, b=None):
        if mode == "bf16x3":
            (xh, xl), (wh, wl) = split(x), split(w)
            y = lin(xh, wh) + lin(xh, wl) + lin(xl, wh)
            return y if b is None else y + b
        return lin(_round_bits(x, bits), _round_bits(w, bits), b)

    @contextlib.contextmanager
    def ctx():
        torch.matmul, F.linear = r_mm, r_lin
        try:
            yield
        finally:
            torch.matmul, F.linear = mm, lin

    return ctx()


EMULATED = ["bf16 (8 bits)", "fp16/TF32 (11 bits)", "bf16x3"]


def emulate(K12: int, n_sources: int, device: str) -> list[dict]:
    """Features of the 12-layer model with matmul inputs rounded as EMULATED, vs float32."""
    import scugrn
    from scugrn.probes import default_params, run_probe

    rows = []
    with tempfile.TemporaryDirectory() as tmp, scugrn.settings.override(verbose=False, first_layer="full"):
        genes = [f"G{i}" for i in range(K12)]
        ck = scugrn.models.random_checkpoint(Path(tmp) / "m12", genes=genes, d_model=512, nlayers=12, nhead=8,
                                             d_hid=512)
        m = scugrn.models.load(ck, device=device)
        m.set_attn_impl("math")  # attention through torch.matmul, so the rounding reaches it
        ids = m.token_ids(genes)
        src = np.arange(0, K12, max(1, K12 // n_sources))[:n_sources]
        for probe in ("vvp", "gdt"):
            p = default_params(probe, m, n_values=8)
            ref = run_probe(probe, m, ids, params=p, sources=src)[src]
            for mode in EMULATED:
                with _emulated(mode):
                    f = run_probe(probe, m, ids, params=p, sources=src)[src]
                row = {"backbone": "random 12L d=512", "K": K12, "probe": probe, "matmul inputs": mode,
                       "n_sources": len(src), **fidelity(f, ref)}
                rows.append(row)
                print(f"  emulated {probe} {mode}: r={row['r']:.6f} rel={row['rel_err']:.2e}", file=sys.stderr)
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="a tiny 2-layer model only (seconds)")
    ap.add_argument("--K", type=int, default=200, help="genes, demo backbone")
    ap.add_argument("--K12", type=int, default=150, help="genes, 12-layer d=512 model")
    ap.add_argument("--n-sources", type=int, default=4)
    ap.add_argument("--dtypes", default="bfloat16,float16")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--out", type=Path, default=Path("results/precision.json"))
    ap.add_argument("--emulate", action="store_true", help="add the mantissa-bits table (12-layer model)")
    ap.add_argument("--emulate-only", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    import torch

    if a.emulate or a.emulate_only:
        em = emulate(a.K12, a.n_sources, a.device)
        print("\n## Matmul input precision needed (emulated on CPU, vs float32; everything else float32)")
        print("| backbone | K | probe | matmul inputs | r | rel. Frobenius error | meets policy |\n|---|---|---|---|---|---|---|")
        for r in em:
            print(f"| {r['backbone']} | {r['K']} | {r['probe']} | {r['matmul inputs']} | {r['r']:.6f} | "
                  f"{r['rel_err']:.2e} | {'yes' if r['ok'] else 'no'} |")
        if a.emulate_only:
            a.out.parent.mkdir(parents=True, exist_ok=True)
            a.out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "torch": torch.__version__,
                                         "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                                         "emulated": em}, indent=2))
            return
    rows = measure(a.quick, 30 if a.quick else a.K, a.K12, a.n_sources, a.dtypes.split(","), a.device)
    print(f"\n## Feature fidelity vs float32 ({a.device}; thresholds r ≥ {R_MIN}, rel. error ≤ {REL_MAX})")
    print("| backbone | K | probe | path | dtype | r | rel. Frobenius error | meets policy | s/source (fp32 → low) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['backbone']} | {r['K']} | {r['probe']} | {r['path']} | {r['dtype']} | {r['r']:.5f} | "
              f"{r['rel_err']:.2e} | {'yes' if r['ok'] else 'no'} | {r['fp32_s_per_source']:.3f} → "
              f"{r['s_per_source']:.3f} |")
    res = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "torch": torch.__version__,
           "date": time.strftime("%Y-%m-%d"), "device": a.device, "threads": torch.get_num_threads(),
           "thresholds": {"r_min": R_MIN, "rel_max": REL_MAX}, "rows": rows}
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(res, indent=2))
    print(f"wrote {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
