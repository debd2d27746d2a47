"""The fused forward-mode attention (models._attn_triton) against float64 torch.func.jvp.

The Triton kernel runs here in Triton's interpreter on the CPU (TRITON_INTERPRET=1, which Triton
reads when a kernel is decorated; the module wraps the kernel per mode at call time, and
``monkeypatch.setenv`` keeps the variable out of every other test). Shapes are small so the
interpreter takes seconds. Tolerances are relative Frobenius errors against float64, set at about
3× the worst error measured over 20 seeds (``benchmarks/attn_jvp.py --errors``, docs/performance.md).
"""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys

import pytest
import torch

from scugrn.models import _attn_triton as at

HAS_TRITON = importlib.util.find_spec("triton") is not None
needs_triton = pytest.mark.skipif(not HAS_TRITON, reason="triton is not importable (pip install triton; Linux x86_64)")

# relative Frobenius error vs float64 (O and dO alike); measured worst cases 3.3e-7, 4.3e-4, 3.5e-3
TOL = {torch.float32: 1e-6, torch.float16: 1.5e-3, torch.bfloat16: 1e-2}
DTYPES = list(TOL)


def _inputs(B, Bt, H, L, D, dtype, seed=0, logit_scale=1.0):
    g = torch.Generator().manual_seed(seed)
    q, k, v = (torch.randn(B, H, L, D, generator=g) for _ in range(3))
    q = q * logit_scale
    dq, dk, dv = (torch.randn(Bt, H, L, D, generator=g) for _ in range(3))
    return [t.to(dtype) for t in (q, k, v, dq, dk, dv)]


def _jvp64(q, k, v, dq, dk, dv, scale):
    """float64 torch.func.jvp of softmax(q kᵀ·scale) v, primal broadcast over the tangents."""
    Bt = dq.shape[0]

    def attn(q, k, v):
        return torch.softmax(q @ k.transpose(-2, -1) * scale, -1) @ v

    prim = [t.double().expand(Bt, *t.shape[1:]).contiguous() for t in (q, k, v)]
    O, dO = torch.func.jvp(attn, tuple(prim), tuple(t.double() for t in (dq, dk, dv)))
    return O[: q.shape[0]], dO


def _rel(a, ref):
    return ((a.double() - ref).norm() / ref.norm()).item()


@pytest.fixture
def interpret(monkeypatch):
    monkeypatch.setenv("TRITON_INTERPRET", "1")
    import triton

    assert triton.knobs.runtime.interpret
    import importlib

    import scugrn.models._attn_triton as mod

    importlib.reload(mod)  # a kernel built earlier in this process (other tests re-import modules) is dropped
    yield
    # monkeypatch restores the environment after the test


# (B, Bt, H, L, D, block_m, block_n): odd and even L, L < block, L a multiple of the block,
# L not a multiple of it, B == 1 broadcast and B == Bt, head dims padded (8) and native (16..64)
CASES = [
    (1, 3, 2, 33, 16, 16, 16),  # odd L, 3 query and key blocks, the last one partial
    (2, 2, 1, 40, 32, 16, 16),  # even L not a multiple of 16, B == Bt
    (1, 2, 2, 5, 8, 16, 16),  # L smaller than a block, dh = 8 padded to 16
    (1, 1, 1, 1, 16, 16, 16),  # a single token
    (1, 2, 1, 48, 64, 32, 16),  # L a multiple of the key block, not of the query block
]


@needs_triton
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: str(d).split(".")[-1])
@pytest.mark.parametrize("case", CASES, ids=lambda c: "B{}xBt{}xh{}xL{}xd{}-m{}n{}".format(*c))
def test_kernel_matches_float64_jvp(interpret, case, dtype):
    B, Bt, H, L, D, bm, bn = case
    ts = _inputs(B, Bt, H, L, D, dtype, seed=L)
    O, dO = at.attention_jvp(*ts, scale=D**-0.5, block_m=bm, block_n=bn)
    assert O.shape == (B, H, L, D) and dO.shape == (Bt, H, L, D)
    assert O.dtype == dtype and dO.dtype == dtype
    Or, dOr = _jvp64(*ts, D**-0.5)
    assert _rel(O, Or) < TOL[dtype]
    assert _rel(dO, dOr) < TOL[dtype]


@needs_triton
@pytest.mark.parametrize("dtype", [torch.float32, torch.float16], ids=["float32", "float16"])
def test_kernel_online_softmax_is_stable_for_large_logits(interpret, dtype):
    # logits up to ~±150: exp() without the running max overflows even float32; the max moves
    # between key blocks, so the rescaling of every accumulator is exercised
    ts = _inputs(1, 2, 1, 37, 16, dtype, seed=3, logit_scale=40.0)
    O, dO = at.attention_jvp(*ts, scale=0.25, block_m=16, block_n=16)
    Or, dOr = _jvp64(*ts, 0.25)
    assert torch.isfinite(O).all() and torch.isfinite(dO).all()
    # sharp softmax: the error is relative to the scale of dS (≈ 40× larger than above)
    assert _rel(O, Or) < 40 * TOL[dtype]
    assert _rel(dO, dOr) < 40 * TOL[dtype]


@needs_triton
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16], ids=["bfloat16", "float16"])
def test_kernel_half_precision_has_no_cancellation_in_dO(interpret, dtype):
    # v the same for every key and a large dS: exactly dO = softmax(S)·dV, the dS·V terms cancel.
    # Row sums taken over the rounded p and p ⊙ ds (as the dots use) keep the cancellation exact;
    # with unrounded sums the error would scale with |dS|·|V| instead of |dV|.
    B, Bt, H, L, D = 1, 2, 1, 37, 16
    q, k, v, dq, dk, dv = _inputs(B, Bt, H, L, D, torch.float32, seed=7)
    v = (4.0 + v[..., :1, :]).expand(B, H, L, D).contiguous()
    dq, dk = 30 * dq, 30 * dk
    ts = [t.to(dtype) for t in (q, k, v, dq, dk, dv)]
    _, dO = at.attention_jvp(*ts, scale=0.25, block_m=16, block_n=16)
    _, dOr = _jvp64(*ts, 0.25)
    assert _rel(dO, dOr) < TOL[dtype]  # measured 1.9e-3 (bf16), 2.5e-4 (fp16); 0.32 and 0.039 before


@needs_triton
@pytest.mark.parametrize("block_m", [None, 16])
def test_kernel_matches_unfused_engine_attention(interpret, block_m):
    """Wired like models._jvp._attention would: views of the packed qkv projection, any strides."""
    from scugrn.models import _jvp
    from scugrn.models._scgpt_module import SelfAttention

    torch.manual_seed(0)
    d, h, L, Bt = 32, 4, 37, 3
    sa = SelfAttention(d, h, 0.0).eval()
    with torch.no_grad():
        sa.in_proj_bias.normal_()
        sa.out_proj.bias.normal_()
    g = torch.Generator().manual_seed(1)
    x, dx = torch.randn(1, L, d, generator=g), torch.randn(Bt, L, d, generator=g)
    with torch.no_grad():
        ref, dref = _jvp._attention(x, dx, sa)
        dh = d // h
        qkv = torch.nn.functional.linear(x, sa.in_proj_weight, sa.in_proj_bias)
        dqkv = torch.nn.functional.linear(dx, sa.in_proj_weight)
        q, k, v = qkv.view(1, L, 3, h, dh).permute(2, 0, 3, 1, 4)  # (1, h, L, dh), strided
        dq, dk, dv = dqkv.view(Bt, L, 3, h, dh).permute(2, 0, 3, 1, 4)
        assert not q.is_contiguous()
        O, dO = at.attention_jvp(q, k, v, dq, dk, dv, scale=1 / math.sqrt(dh), block_m=block_m)
        out = sa.out_proj(O.transpose(1, 2).reshape(1, L, d))
        dout = torch.nn.functional.linear(dO.transpose(1, 2).reshape(Bt, L, d), sa.out_proj.weight)
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(dout, dref, rtol=1e-5, atol=1e-6)


@needs_triton
def test_primal_shared_by_tangents_is_written_once(interpret):
    # B == 1: one primal output although every tangent program computes it
    ts = _inputs(1, 4, 2, 20, 16, torch.float32, seed=5)
    O, dO = at.attention_jvp(*ts, scale=0.25)
    assert O.shape == (1, 2, 20, 16) and dO.shape == (4, 2, 20, 16)
    Or, dOr = _jvp64(*ts, 0.25)
    assert _rel(O, Or) < TOL[torch.float32] and _rel(dO, dOr) < TOL[torch.float32]


@needs_triton
def test_interpreter_setting_does_not_leak(monkeypatch):
    import triton

    monkeypatch.delenv("TRITON_INTERPRET", raising=False)
    assert not triton.knobs.runtime.interpret
    ts = _inputs(1, 1, 1, 4, 16, torch.float32)
    with pytest.raises(RuntimeError, match="runs on CUDA"):
        at.attention_jvp(*ts, scale=0.25)


def test_available_only_on_cuda_with_triton(monkeypatch):
    assert not at.available("cpu")
    assert not at.available(torch.device("cpu"))
    monkeypatch.setattr(at, "_triton", lambda: None)
    assert not at.available("cuda")
    ts = _inputs(1, 1, 1, 4, 16, torch.float32)
    with pytest.raises(RuntimeError, match="needs Triton"):
        at.attention_jvp(*ts, scale=0.25)


def test_module_import_does_not_import_triton():
    code = "import sys, scugrn.models._attn_triton as m; m.available('cpu'); print('triton' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("fn", [at.attention_jvp, at.attention_jvp_reference], ids=["kernel", "reference"])
def test_bad_inputs_are_clear_errors(fn):
    good = _inputs(1, 2, 2, 6, 16, torch.float32)
    with pytest.raises(ValueError, match="4-d tensors"):
        fn(good[0][0], *good[1:], scale=1.0)
    with pytest.raises(ValueError, match="q, k and v must have one shape"):
        fn(good[0], good[1][..., :5, :], *good[2:], scale=1.0)
    with pytest.raises(ValueError, match="dq, dk and dv must have one shape"):
        fn(*good[:3], good[3], good[4][:1], good[5], scale=1.0)
    bad_batch = _inputs(2, 3, 2, 6, 16, torch.float32)
    with pytest.raises(ValueError, match="primal batch must be 1"):
        fn(*bad_batch, scale=1.0)
    with pytest.raises(TypeError, match="one dtype"):
        fn(good[0].half(), *good[1:], scale=1.0)


def test_launch_config():
    with pytest.raises(ValueError, match="power of two"):
        at._config(torch.float16, 16, tf32=False, block_m=24)
    with pytest.raises(ValueError, match="power of two"):
        at._config(torch.float16, 16, tf32=False, block_n=8)
    cfg = at._config(torch.bfloat16, 8, tf32=False)
    assert (cfg["BLOCK_M"], cfg["BLOCK_N"], cfg["BLOCK_D"]) == (64, 64, 16)  # dh padded to 16
    assert at._config(torch.bfloat16, 48, tf32=False)["BLOCK_D"] == 64
    assert at._config(torch.bfloat16, 128, tf32=False)["BLOCK_N"] == 32
    assert at._config(torch.float32, 64, tf32=False)["PRECISION"] == "tf32x3"
    assert at._config(torch.float32, 64, tf32=True)["PRECISION"] == "tf32"


@needs_triton
def test_kernel_compiles_for_sm90_without_a_gpu():
    """Triton's own compiler and bundled ptxas, ahead of time (an LLVM abort kills the process,
    hence the subprocess): the scGPT head in bf16, and float32 at dh = 16, the shape whose IEEE
    dots crashed LLVM."""
    code = (
        "import torch\n"
        "from scugrn.models import _attn_triton as at\n"
        "for dt, dh in ((torch.bfloat16, 64), (torch.float32, 16)):\n"
        "    c = at._compile(dt, dh, capability=90)\n"
        "    ptx = c.asm['ptx']\n"
        "    print(dt, dh, c.metadata.shared, ptx.count('wgmma.mma_async'), ptx.count('.local'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    for line in out.stdout.strip().splitlines():
        *_, shared, wgmma, local = line.split()
        assert int(shared) <= 227 * 1024 and int(wgmma) > 0 and int(local) == 0, line


# --- the same algorithm in plain PyTorch (fast, no Triton) -------------------------------------


@pytest.mark.parametrize("block", [3, 16, 64, 500])
@pytest.mark.parametrize("shape", [(1, 3, 2, 33, 16), (2, 2, 1, 40, 8), (1, 1, 1, 1, 4)])
def test_reference_matches_float64_jvp(shape, block):
    B, Bt, H, L, D = shape
    ts = _inputs(B, Bt, H, L, D, torch.float64, seed=block)
    O, dO = at.attention_jvp_reference(*ts, scale=D**-0.5, block=block)
    Or, dOr = _jvp64(*ts, D**-0.5)
    assert O.shape == (B, H, L, D) and dO.shape == (Bt, H, L, D)
    assert _rel(O, Or) < 1e-12 and _rel(dO, dOr) < 1e-12


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: str(d).split(".")[-1])
def test_reference_in_every_precision(dtype):
    ts = _inputs(1, 3, 2, 70, 32, dtype, seed=2)
    O, dO = at.attention_jvp_reference(*ts, scale=32**-0.5, block=16)
    assert O.dtype == dtype and dO.dtype == dtype
    Or, dOr = _jvp64(*ts, 32**-0.5)
    assert _rel(O, Or) < TOL[dtype] and _rel(dO, dOr) < TOL[dtype]


def test_reference_large_logits_and_engine_path():
    from scugrn.models import _jvp
    from scugrn.models._scgpt_module import SelfAttention

    ts = _inputs(1, 2, 1, 37, 16, torch.float32, seed=3, logit_scale=40.0)
    O, dO = at.attention_jvp_reference(*ts, scale=0.25, block=16)
    Or, dOr = _jvp64(*ts, 0.25)
    assert _rel(O, Or) < 40 * TOL[torch.float32] and _rel(dO, dOr) < 40 * TOL[torch.float32]

    torch.manual_seed(0)
    d, h, L, Bt = 32, 4, 41, 2
    sa = SelfAttention(d, h, 0.0).eval()
    x, dx = torch.randn(1, L, d), torch.randn(Bt, L, d)
    with torch.no_grad():
        ref, dref = _jvp._attention(x, dx, sa)
        qkv = torch.nn.functional.linear(x, sa.in_proj_weight, sa.in_proj_bias)
        dqkv = torch.nn.functional.linear(dx, sa.in_proj_weight)
        q, k, v = qkv.view(1, L, 3, h, d // h).permute(2, 0, 3, 1, 4)
        dq, dk, dv = dqkv.view(Bt, L, 3, h, d // h).permute(2, 0, 3, 1, 4)
        O, dO = at.attention_jvp_reference(q, k, v, dq, dk, dv, scale=(d // h) ** -0.5, block=16)
        out = sa.out_proj(O.transpose(1, 2).reshape(1, L, d))
        dout = torch.nn.functional.linear(dO.transpose(1, 2).reshape(Bt, L, d), sa.out_proj.weight)
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(dout, dref, rtol=1e-5, atol=1e-6)


# --- on a GPU (skipped without CUDA) -----------------------------------------------------------


@pytest.mark.gpu
@pytest.mark.skipif(not (HAS_TRITON and torch.cuda.is_available()), reason="needs CUDA and triton")
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: str(d).split(".")[-1])
@pytest.mark.parametrize("L", [1401, 1400, 64, 7])
def test_kernel_on_cuda_matches_float64(dtype, L):
    # scGPT-shaped: 8 heads of 64, a batch of virtual cells sharing one primal cell
    assert at.available("cuda")
    ts = [t.cuda() for t in _inputs(1, 4, 8, L, 64, dtype, seed=L)]
    torch.backends.cuda.matmul.allow_tf32 = False
    O, dO = at.attention_jvp(*ts, scale=0.125)
    Or, dOr = _jvp64(*[t.cpu() for t in ts], 0.125)
    assert _rel(O.cpu(), Or) < TOL[dtype] and _rel(dO.cpu(), dOr) < TOL[dtype]
