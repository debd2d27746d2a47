"""GPU checks: skipped without CUDA (CI never has one; run them on a lent GPU machine); and the
prepared GPU script (benchmarks/gpu_check.py) run at tiny sizes on the CPU with anndata, scanpy and
pooch blocked, as on a machine with nothing but PyTorch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import GENES

from scugrn.probes import default_params, run_probe

gpu = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA (no GPU on this machine)")]
ROOT = Path(__file__).resolve().parents[1]


def _apply(marks):
    def deco(f):
        for m in marks:
            f = m(f)
        return f
    return deco


@_apply(gpu)
@pytest.mark.parametrize("probe", ["vvp", "gdt"])
def test_cuda_fp32_matches_cpu(tiny_ckpt, probe):
    import scugrn

    cpu = scugrn.models.load(tiny_ckpt, device="cpu")
    gpu = scugrn.models.load(tiny_ckpt, device="cuda")
    ids = cpu.token_ids(GENES[:24])
    p = default_params(probe, cpu, n_values=4)
    a = run_probe(probe, cpu, ids, params=p, verbose=False)
    b = run_probe(probe, gpu, ids, params=p, verbose=False)
    np.testing.assert_allclose(b, a, rtol=1e-3, atol=1e-5 * np.abs(a).max())


@_apply(gpu)
def test_bf16_feature_error_is_bounded(tiny_ckpt):
    import scugrn

    m = scugrn.models.load(tiny_ckpt, device="cuda")
    ids = m.token_ids(GENES[:24])
    p = default_params("vvp", m, n_values=4)
    ref = run_probe("vvp", m, ids, params=p, verbose=False)
    m.to(dtype="bfloat16")
    try:
        low = run_probe("vvp", m, ids, params=p, verbose=False)
    finally:
        m.to(dtype="float32")
    rel = np.abs(low - ref).max() / np.abs(ref).max()
    print(f"bf16 vs fp32 VVP relative error {rel:.2e}")
    assert rel < 0.1


def test_gpu_check_script_runs_tiny_without_anndata_scanpy_pooch(tmp_path):
    """benchmarks/gpu_check.py --tiny end to end, in a subprocess where importing anndata, scanpy or
    pooch fails: the GPU script needs only torch + scugrn.models + scugrn.probes."""
    out = tmp_path / "gc.json"
    code = (
        "import runpy, sys\n"
        "for name in ('anndata', 'scanpy', 'pooch', 'mudata'):\n"
        "    sys.modules[name] = None  # import raises ImportError\n"
        f"sys.argv = ['gpu_check.py', '--tiny', '--device', 'cpu', '--out', {str(out)!r}]\n"
        f"runpy.run_path({str(ROOT / 'benchmarks' / 'gpu_check.py')!r}, run_name='__main__')\n"
        "bad = [m for m in ('anndata', 'scanpy', 'pooch') if sys.modules.get(m) is not None]\n"
        "assert not bad, bad\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=tmp_path,
                       check=False)
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads(out.read_text())
    assert {row["probe"] for row in res["main"] if "s_per_source" in row} == {"vvp", "gdt"}
    assert {row["precision"] for row in res["main"]} >= {"fp32", "bf16", "fp16"}
    fp32 = [row for row in res["main"] if row.get("precision") == "fp32"]
    assert all(row["r"] == 1.0 and row["rel_err"] == 0.0 for row in fp32)
    assert res["whole_list"] and res["cost_vs_K"] and res["naive"]["max_rel_diff"] < 1e-4
    assert "total_s_EXTRAPOLATED" in res["whole_transcriptome"]
    assert "## vvp / gdt" in r.stdout
