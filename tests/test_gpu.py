"""GPU checks: skipped without CUDA (CI never has one; run them on a lent GPU machine)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import GENES

from scugrn.probes import default_params, run_probe

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA (no GPU on this machine)")]


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
