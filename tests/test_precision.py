"""Low-precision engine paths on the CPU (CI has no GPU): every probe under CPU autocast in bf16
and fp16, the CUDA autocast op lists simulated, the dtype settings and the fidelity record."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import GENES

import scugrn
from scugrn.probes import default_params, run_probe

K = 20
PAIR_PROBES = ["vvp", "gdt", "pert", "origin_pert", "origin_attn"]


@pytest.fixture
def low_precision():
    with scugrn.settings.override(cpu_low_precision=True):
        yield


@contextlib.contextmanager
def cuda_like_autocast(monkeypatch):
    """CUDA autocast runs exp, softmax, logsumexp, layer_norm and sum in float32 while CPU autocast
    leaves them in the low dtype: patch them to return float32 under autocast, so mixed-dtype bugs
    that only CUDA would show (index writes of a bf16 source into a float32 tensor) fail here too."""
    def f32(fn):
        def wrapped(*a, **k):
            out = fn(*a, **k)
            if torch.is_autocast_enabled("cpu") and torch.is_tensor(out) and out.is_floating_point():
                return out.float()
            return out
        return wrapped

    with monkeypatch.context() as mp:
        for mod, name in [(torch, "exp"), (torch, "softmax"), (torch, "logsumexp"), (F, "layer_norm"),
                          (torch, "sum")]:
            mp.setattr(mod, name, f32(getattr(mod, name)))
        mp.setattr(torch.Tensor, "sum", f32(torch.Tensor.sum))
        mp.setattr(torch.Tensor, "softmax", f32(torch.Tensor.softmax))
        yield


def _run_all(model, ids, x_bar, dtype, first_layer):
    out = {}
    with scugrn.settings.override(first_layer=first_layer):
        for probe in [*PAIR_PROBES, "emb"]:
            p = default_params(probe, model, n_values=3) if probe in ("vvp", "gdt") else (
                default_params("emb", model) if probe == "emb" else {})
            model.to(dtype=dtype)
            try:
                out[probe] = run_probe(probe, model, ids, params=p, x_bar=x_bar, verbose=False, batch_size=7)
            finally:
                model.to(dtype="float32")
    return out


@pytest.mark.parametrize("first_layer", ["rows", "full"])
@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_every_probe_runs_under_cpu_autocast(tiny_model, low_precision, monkeypatch, dtype, first_layer):
    ids = tiny_model.token_ids(GENES[:K])
    x_bar = np.random.default_rng(0).uniform(0, 50, K).astype(np.float32)
    ref = _run_all(tiny_model, ids, x_bar, "float32", first_layer)
    with cuda_like_autocast(monkeypatch):
        low = _run_all(tiny_model, ids, x_bar, dtype, first_layer)
    for probe, f in low.items():
        assert f.dtype == np.float32, probe
        assert np.isfinite(f).all(), probe
        assert not np.array_equal(f, ref[probe]) or probe == "emb", f"{probe}: low precision had no effect"
        r = np.corrcoef(f.ravel(), ref[probe].ravel())[0, 1]
        assert r > 0.99, (probe, r)


def test_gdt_dual_numbers_under_autocast(tiny_model, low_precision):
    ids = tiny_model.token_ids(GENES[:K])
    p = default_params("gdt", tiny_model, n_values=2)
    ref = run_probe("gdt", tiny_model, ids, params=p, verbose=False)
    tiny_model.to(dtype="float16")
    tiny_model.jvp_engine = "dual"
    try:
        with scugrn.settings.override(first_layer="full"):
            f = run_probe("gdt", tiny_model, ids, params=p, verbose=False)
    finally:
        tiny_model.to(dtype="float32")
        tiny_model.jvp_engine = "hand"
    assert f.dtype == np.float32
    assert np.corrcoef(f.ravel(), ref.ravel())[0, 1] > 0.99


def test_fp16_gdt_meets_the_policy_on_the_tiny_model(tiny_model, low_precision):
    """float32 islands (LayerNorm, residual, scores/softmax, tangent accumulators, head): fp16 GDT
    stays within the policy (r ≥ 0.999, relative error ≤ 2e-2) here."""
    from scugrn.probes._runner import fidelity

    ids = tiny_model.token_ids(GENES[:K])
    p = default_params("gdt", tiny_model, n_values=3)
    ref = run_probe("gdt", tiny_model, ids, params=p, verbose=False)
    tiny_model.to(dtype="float16")
    try:
        f = run_probe("gdt", tiny_model, ids, params=p, verbose=False)
    finally:
        tiny_model.to(dtype="float32")
    fid = fidelity(f, ref)
    assert fid["r"] >= 0.999 and fid["rel_err"] <= 2e-2, fid


def test_low_precision_on_cpu_needs_the_setting(tiny_model):
    from scugrn.models._device import resolve_dtype

    with pytest.raises(ValueError, match="cpu_low_precision"):
        resolve_dtype("bfloat16", torch.device("cpu"))
    with pytest.raises(ValueError, match="cpu_low_precision"):
        tiny_model.to(dtype="bfloat16")
    assert tiny_model.autocast_dtype is None
    with scugrn.settings.override(cpu_low_precision=True):
        assert resolve_dtype("float16", torch.device("cpu")) == torch.float16
        assert resolve_dtype(torch.bfloat16, torch.device("cpu")) == torch.bfloat16
    with pytest.raises(ValueError, match="dtype must be"):
        resolve_dtype("float8", torch.device("cpu"))


def test_settings_validate_engine_choices():
    with pytest.raises(ValueError, match="attention_jvp must be one of"):
        scugrn.settings.attention_jvp = "fused"
    with pytest.raises(TypeError, match="True or False"):
        scugrn.settings.cpu_low_precision = "yes"
    assert scugrn.settings.attention_jvp == "auto" and scugrn.settings.first_layer == "auto"


def test_env_sets_cpu_low_precision(monkeypatch):
    from scugrn._settings import Settings

    monkeypatch.setenv("SCUGRN_CPU_LOW_PRECISION", "1")
    monkeypatch.setenv("SCUGRN_FIRST_LAYER", "full")
    s = Settings()
    assert s.cpu_low_precision is True and s.first_layer == "full"


def test_fidelity_recorded_in_params(tiny_model, low_precision, caplog):
    ad = scugrn.from_genes(GENES[:12])
    scugrn.tl.gdt(ad, model=tiny_model, n_values=2, dtype="bfloat16", verbose=False)
    fid = ad.uns["gdt_params"]["fidelity_vs_float32"]
    assert fid["dtype"] == "bfloat16" and 0 < fid["r"] <= 1 and fid["rel_err"] >= 0
    assert fid["meets_policy"] == (fid["r"] >= 0.999 and fid["rel_err"] <= 2e-2)
    assert tiny_model.autocast_dtype == torch.bfloat16  # the run's dtype is kept
    tiny_model.to(dtype="float32")
    scugrn.tl.gdt(ad, model=tiny_model, n_values=2, verbose=False)
    assert "fidelity_vs_float32" not in ad.uns["gdt_params"]


def _stand_in(calls):
    """A stand-in for models._attn_triton (the KERNEL engineer's module) that records its calls and
    computes with the unfused reference."""
    import types

    from scugrn.models._jvp import attention_jvp_unfused

    mod = types.ModuleType("scugrn.models._attn_triton")
    mod.available = lambda device: True

    def attention_jvp(q, k, v, dq, dk, dv, *, scale):
        calls.append((tuple(q.shape), tuple(dq.shape), scale))
        assert q.shape[0] in (1, dq.shape[0]) and dq.shape == dk.shape == dv.shape
        return attention_jvp_unfused(q, k, v, dq, dk, dv, scale=scale)

    mod.attention_jvp = attention_jvp
    return mod


def test_attention_jvp_setting_routes_to_the_fused_kernel(tiny_model, monkeypatch):
    import sys

    import scugrn.models

    ids = tiny_model.token_ids(GENES[:K])
    p = default_params("gdt", tiny_model, n_values=2)
    ref = run_probe("gdt", tiny_model, ids, params=p, verbose=False)
    calls = []
    stand_in = _stand_in(calls)
    monkeypatch.setitem(sys.modules, "scugrn.models._attn_triton", stand_in)
    monkeypatch.setattr(scugrn.models, "_attn_triton", stand_in, raising=False)
    with scugrn.settings.override(attention_jvp="auto"):  # auto on CPU: unfused
        run_probe("gdt", tiny_model, ids, params=p, verbose=False)
    assert calls == []
    with scugrn.settings.override(attention_jvp="triton"):
        f = run_probe("gdt", tiny_model, ids, params=p, verbose=False)
    n_layers_after_first = tiny_model.cfg.nlayers - 1  # the first layer comes from the base cell
    assert len(calls) >= n_layers_after_first and calls[0][0][-1] == tiny_model.cfg.d_model // tiny_model.cfg.nhead
    np.testing.assert_allclose(f, ref, rtol=1e-5, atol=1e-7)
    stand_in.available = lambda device: False
    with scugrn.settings.override(attention_jvp="triton"), pytest.raises(RuntimeError, match="not available"):
        run_probe("gdt", tiny_model, ids, params=p, verbose=False)


def test_attention_jvp_triton_missing_is_a_clear_error(tiny_model, monkeypatch):
    import sys

    import scugrn.models

    monkeypatch.setitem(sys.modules, "scugrn.models._attn_triton", None)  # import raises ImportError
    monkeypatch.delattr(scugrn.models, "_attn_triton", raising=False)
    ids = tiny_model.token_ids(GENES[:K])
    p = default_params("gdt", tiny_model, n_values=2)
    with scugrn.settings.override(attention_jvp="triton"), pytest.raises(RuntimeError, match="attention_jvp='unfused'"):
        run_probe("gdt", tiny_model, ids, params=p, verbose=False)
    with scugrn.settings.override(attention_jvp="auto"):  # auto never fails
        assert np.isfinite(run_probe("gdt", tiny_model, ids, params=p, verbose=False)).all()
