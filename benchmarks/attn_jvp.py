"""Fused attention JVP (models._attn_triton): errors against float64, and CPU speed of the reference.

    TRITON_INTERPRET=1 .venv/bin/python benchmarks/attn_jvp.py --errors   # Triton interpreter, CPU
    .venv/bin/python benchmarks/attn_jvp.py --speed                        # plain-torch paths, CPU
    .venv/bin/python benchmarks/attn_jvp.py --gpu                          # the kernel on CUDA

``--errors``: relative Frobenius error of O and dO against float64 ``torch.func.jvp`` over
``--seeds`` seeds, for the test shapes of tests/test_attn_triton.py plus one scGPT-like head
(dh = 64, default blocks), for the Triton kernel (interpreter) and the plain-torch reference.
``--speed``: one attention layer's JVP (projections included) at L = 1,401, d = 512, 8 heads:
the engine's unfused path (``models._jvp._attention``) against projections + the blocked
online-softmax reference, same inputs, interleaved repeats, median. ``--gpu``: the kernel against
the unfused path on CUDA (speed and error; the same shapes), for a lent GPU. Prints markdown, writes
JSON (``--out``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import time

import torch
import torch.nn.functional as F

from scugrn.models import _attn_triton as at
from scugrn.models import _jvp
from scugrn.models._scgpt_module import SelfAttention

CASES = [  # (B, Bt, H, L, D, block_m, block_n), as in the tests, + an scGPT-like head
    (1, 3, 2, 33, 16, 16, 16),
    (2, 2, 1, 40, 32, 16, 16),
    (1, 2, 2, 5, 8, 16, 16),
    (1, 1, 1, 1, 16, 16, 16),
    (1, 2, 1, 48, 64, 32, 16),
    (1, 2, 1, 129, 64, None, None),
]
DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


def _inputs(B, Bt, H, L, D, dtype, seed, device="cpu"):
    g = torch.Generator().manual_seed(seed)
    ts = [torch.randn(B, H, L, D, generator=g) for _ in range(3)]
    ts += [torch.randn(Bt, H, L, D, generator=g) for _ in range(3)]
    return [t.to(device=device, dtype=dtype) for t in ts]


def _jvp64(q, k, v, dq, dk, dv, scale):
    Bt = dq.shape[0]

    def attn(q, k, v):
        return torch.softmax(q @ k.transpose(-2, -1) * scale, -1) @ v

    prim = [t.double().cpu().expand(Bt, *t.shape[1:]).contiguous() for t in (q, k, v)]
    O, dO = torch.func.jvp(attn, tuple(prim), tuple(t.double().cpu() for t in (dq, dk, dv)))
    return O[: q.shape[0]], dO


def _rel(a, ref):
    return ((a.double().cpu() - ref).norm() / ref.norm()).item()


def errors(seeds: int) -> list[dict]:
    rows = []
    for name, dtype in DTYPES.items():
        for path in ("kernel", "reference"):
            eo, edo = [], []
            for case in CASES:
                B, Bt, H, L, D, bm, bn = case
                for seed in range(seeds):
                    ts = _inputs(B, Bt, H, L, D, dtype, seed=1000 * seed + L)
                    if path == "kernel":
                        O, dO = at.attention_jvp(*ts, scale=D**-0.5, block_m=bm, block_n=bn)
                    else:
                        O, dO = at.attention_jvp_reference(*ts, scale=D**-0.5, block=bn or 64)
                    Or, dOr = _jvp64(*ts, D**-0.5)
                    eo.append(_rel(O, Or))
                    edo.append(_rel(dO, dOr))
            rows.append({"dtype": name, "path": path, "n": len(eo),
                         "O_median": statistics.median(eo), "O_max": max(eo),
                         "dO_median": statistics.median(edo), "dO_max": max(edo)})
            print(f"| {name} | {path} | {len(eo)} | {rows[-1]['O_median']:.2e} | {max(eo):.2e} | "
                  f"{rows[-1]['dO_median']:.2e} | {max(edo):.2e} |", flush=True)
    return rows


def _layer(L, d, h, Bt, seed=0, device="cpu", dtype=torch.float32):
    torch.manual_seed(seed)
    sa = SelfAttention(d, h, 0.0).eval().to(device=device, dtype=dtype)
    x = torch.randn(1, L, d, device=device, dtype=dtype)
    dx = torch.randn(Bt, L, d, device=device, dtype=dtype)
    return sa, x, dx


def fused_layer(x, dx, sa, fn):
    """models._jvp._attention with the attention core replaced by ``fn`` (the ENGINE wiring)."""
    B, L, d = x.shape
    Bt, h = dx.shape[0], sa.nhead
    dh = d // h
    qkv = F.linear(x, sa.in_proj_weight, sa.in_proj_bias)
    dqkv = F.linear(dx, sa.in_proj_weight)
    q, k, v = qkv.view(B, L, 3, h, dh).permute(2, 0, 3, 1, 4)
    dq, dk, dv = dqkv.view(Bt, L, 3, h, dh).permute(2, 0, 3, 1, 4)
    O, dO = fn(q, k, v, dq, dk, dv, scale=1 / math.sqrt(dh))
    O = O.transpose(1, 2).reshape(B, L, d)
    dO = dO.transpose(1, 2).reshape(Bt, L, d)
    return F.linear(O, sa.out_proj.weight, sa.out_proj.bias), F.linear(dO, sa.out_proj.weight)


def _time(f, sync=lambda: None):
    sync()
    t = time.perf_counter()
    f()
    sync()
    return time.perf_counter() - t


def _speed_one(L: int, Bt: int, repeats: int, blocks: list[int]) -> list[dict]:
    d, h = 512, 8
    sa, x, dx = _layer(L, d, h, Bt)
    with torch.no_grad():
        _, dref = _jvp._attention(x, dx, sa)
        paths = {"unfused": lambda: _jvp._attention(x, dx, sa)}
        errs = {"unfused": 0.0}
        for blk in blocks:
            def fn(*a, blk=blk, **kw):
                return at.attention_jvp_reference(*a, **kw, block=blk)

            name = f"reference, block {blk}"
            paths[name] = lambda fn=fn: fused_layer(x, dx, sa, fn)
            errs[name] = ((paths[name]()[1] - dref).norm() / dref.norm()).item()
        for f in paths.values():  # warm-up
            f()
        times = {k: [] for k in paths}
        for _ in range(repeats):  # interleaved, so load changes hit every path alike
            for k, f in paths.items():
                times[k].append(_time(f))
    med = {k: statistics.median(v) for k, v in times.items()}
    rows = []
    for k, t in med.items():
        rows.append({"L": L, "d": d, "heads": h, "Bt": Bt, "path": k, "median_s": t,
                     "vs_unfused": t / med["unfused"], "dO_rel_vs_unfused": errs[k],
                     "times": times[k]})
        print(f"| {Bt} | {k} | {t:.3f} | {t / med['unfused']:.2f} | {errs[k]:.1e} |", flush=True)
    return rows


def speed(L: int, Bt_list: list[int], repeats: int, blocks: list[int]) -> list[dict]:
    return [r for Bt in Bt_list for r in _speed_one(L, Bt, repeats, blocks)]


def gpu(L_list: list[int], Bt: int, repeats: int) -> list[dict]:
    rows = []
    sync = torch.cuda.synchronize
    for L in L_list:
        for name, dtype in DTYPES.items():
            ts = _inputs(1, Bt, 8, L, 64, dtype, seed=L, device="cuda")
            Or, dOr = _jvp64(*ts, 0.125)

            def fused(ts=ts):
                return at.attention_jvp(*ts, scale=0.125)

            def unfused(ts=ts):
                q, k, v, dq, dk, dv = ts
                s = 0.125
                P = torch.softmax((q * s) @ k.transpose(-2, -1), -1)
                O = P @ v
                G = ((dq * s) @ k.transpose(-2, -1)).add_((q * s) @ dk.transpose(-2, -1)).mul_(P)
                return O, (G @ v).add_(P @ dv).sub_(G.sum(-1, keepdim=True) * O)

            for path, f in (("fused", fused), ("unfused", unfused)):
                O, dO = f()
                f()
                t = statistics.median(_time(f, sync) for _ in range(repeats))
                rows.append({"L": L, "dtype": name, "path": path, "Bt": Bt, "median_s": t,
                             "O_rel": _rel(O, Or), "dO_rel": _rel(dO, dOr)})
                print(f"| {L} | {name} | {path} | {t * 1e3:.2f} ms | {rows[-1]['O_rel']:.1e} | "
                      f"{rows[-1]['dO_rel']:.1e} |", flush=True)
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--errors", action="store_true")
    ap.add_argument("--speed", action="store_true")
    ap.add_argument("--gpu", action="store_true")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--L", type=int, default=1401)
    ap.add_argument("--bt", type=int, nargs="+", default=[2, 8])
    ap.add_argument("--blocks", type=int, nargs="+", default=[128, 512])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", default=None)
    a = ap.parse_args(argv)
    env = {"machine": platform.machine(), "cpus": os.cpu_count(), "torch": torch.__version__,
           "threads": torch.get_num_threads(), "load": os.getloadavg(),
           "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    out = {"env": env}
    print(env)
    if a.errors:
        print("| dtype | path | runs | O median | O max | dO median | dO max |\n|---|---|---|---|---|---|---|")
        out["errors"] = errors(a.seeds)
    if a.speed:
        print("| Bt | path | median s | vs unfused | dO rel. diff. vs unfused |\n|---|---|---|---|---|")
        out["speed"] = speed(a.L, a.bt, a.repeats, a.blocks)
    if a.gpu:
        print("| L | dtype | path | median | O rel | dO rel |\n|---|---|---|---|---|---|")
        out["gpu"] = gpu([1401, 1400, 1024], 8, a.repeats)
    out["env"]["load_end"] = os.getloadavg()
    if a.out:
        with open(a.out, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
