"""Fused forward-mode attention: ``O = softmax(q kᵀ·s) v`` and its directional derivative ``dO``.

The unfused path (``models._jvp._attention``) writes several L×L matrices per virtual cell (P, dS,
G = P ⊙ dS). Here one Triton program per (tangent batch, head, query block) streams over key blocks
with an online softmax and keeps only per-row statistics and (rows × dh) accumulators, all in
float32 whatever the input dtype:

- ``s = q kᵀ·scale``, ``ds = (dq kᵀ + q dkᵀ)·scale`` for one key block (keys past L are masked to −∞);
- running max ``m`` and sum ``l = Σ p``; accumulators ``A = Σ p v``, ``D = Σ p dv + Σ (p ⊙ ds) v``
  and ``c = Σ p ⊙ ds``, all rescaled by ``exp(m_old − m_new)`` when the max moves;
- at the end ``O = A / l`` and ``dO = D / l − (c / l) ⊙ O`` (the softmax JVP, ``P ⊙ (dS − rowsum(P ⊙ dS))``).

No L×L matrix is ever written. Queries and keys out of range are masked loads, so any L works (odd,
smaller than a block, not a multiple of it); head dims are padded to a power of two ≥ 16 by masked
loads (zeros change neither q kᵀ nor the output). The primal batch may be 1 while the tangents have
Bt: then every program recomputes O for its tangent but only tangent 0 stores it.

:func:`attention_jvp_reference` is the same algorithm in plain PyTorch (key blocks, online softmax):
the fast CPU check of the algorithm and a memory-light CPU path.

Triton is optional and imported on first use. :func:`available` is True only for CUDA tensors with
Triton importable. On CPU the kernel runs only in Triton's interpreter (``TRITON_INTERPRET=1``, read
at each call here), which is for tests.
"""

from __future__ import annotations

import functools
import math
import os

import torch

tl = None  # triton.language, bound by _kernel() on first use: `import scugrn.models` stays triton-free

_DTYPES = (torch.float32, torch.bfloat16, torch.float16)
MAX_HEAD_DIM = 256
LOG2E = 1.4426950408889634


def _triton():
    try:
        import triton
    except ImportError:  # optional dependency (the `test` extra on Linux x86_64 installs it)
        return None
    return triton


def available(device) -> bool:
    """Whether the fused kernel can run on ``device``: CUDA with Triton importable."""
    return torch.device(device).type == "cuda" and torch.cuda.is_available() and _triton() is not None


def _interpret() -> bool:
    """Whether Triton's interpreter is on (``TRITON_INTERPRET=1``; read now, not at import)."""
    triton = _triton()
    if triton is None:
        return False
    knobs = getattr(triton, "knobs", None)  # triton ≥ 3.4; older ones read the variable directly
    if knobs is not None:
        return bool(knobs.runtime.interpret)
    return os.environ.get("TRITON_INTERPRET", "0") == "1"


def _fwd_jvp_kernel(
    Q, K, V, DQ, DK, DV, O, DO,
    sqb, sqh, sql, sqd, skb, skh, skl, skd, svb, svh, svl, svd,
    sdqb, sdqh, sdql, sdqd, sdkb, sdkh, sdkl, sdkd, sdvb, sdvh, sdvl, sdvd,
    sob, soh, sol, sod, sdob, sdoh, sdol, sdod,
    H, L, D, B_PRIMAL, scale,
    BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_D: tl.constexpr,
    PRECISION: tl.constexpr, EMULATE_BF16: tl.constexpr,
):
    pid_m = tl.program_id(0)
    pid_bh = tl.program_id(1)
    b = pid_bh // H  # tangent batch; primal strides are 0 over the batch when B == 1
    hd = pid_bh % H
    offs_m = pid_m * BLOCK_M + tl.arange(0, BLOCK_M)
    offs_n = tl.arange(0, BLOCK_N)
    offs_d = tl.arange(0, BLOCK_D)
    m_ok = offs_m < L
    d_ok = offs_d < D
    q_mask = m_ok[:, None] & d_ok[None, :]
    q = tl.load(Q + b * sqb + hd * sqh + offs_m[:, None] * sql + offs_d[None, :] * sqd,
                mask=q_mask, other=0.0)  # (M, D)
    dq = tl.load(DQ + b * sdqb + hd * sdqh + offs_m[:, None] * sdql + offs_d[None, :] * sdqd,
                 mask=q_mask, other=0.0)
    m_i = tl.full([BLOCK_M], float("-inf"), tl.float32)  # running max of s·log2(e)
    l_i = tl.zeros([BLOCK_M], tl.float32)  # Σ p
    c_i = tl.zeros([BLOCK_M], tl.float32)  # Σ p ⊙ ds
    acc_o = tl.zeros([BLOCK_M, BLOCK_D], tl.float32)  # Σ p v
    acc_d = tl.zeros([BLOCK_M, BLOCK_D], tl.float32)  # Σ p dv + Σ (p ⊙ ds) v
    qk_scale = scale * 1.4426950408889634  # exp(x) = exp2(x·log2 e)
    for start in range(0, L, BLOCK_N):
        n = start + offs_n
        n_ok = n < L
        kv_mask = n_ok[:, None] & d_ok[None, :]
        k = tl.load(K + b * skb + hd * skh + n[:, None] * skl + offs_d[None, :] * skd,
                    mask=kv_mask, other=0.0)  # (N, D)
        v = tl.load(V + b * svb + hd * svh + n[:, None] * svl + offs_d[None, :] * svd,
                    mask=kv_mask, other=0.0)
        dk = tl.load(DK + b * sdkb + hd * sdkh + n[:, None] * sdkl + offs_d[None, :] * sdkd,
                     mask=kv_mask, other=0.0)
        dv = tl.load(DV + b * sdvb + hd * sdvh + n[:, None] * sdvl + offs_d[None, :] * sdvd,
                     mask=kv_mask, other=0.0)
        kt = tl.trans(k)
        s = tl.dot(q, kt, input_precision=PRECISION)  # (M, N) float32
        ds = tl.dot(dq, kt, input_precision=PRECISION)
        ds = tl.dot(q, tl.trans(dk), ds, input_precision=PRECISION) * scale
        s = tl.where(n_ok[None, :], s * qk_scale, float("-inf"))
        m_new = tl.maximum(m_i, tl.max(s, 1))
        alpha = tl.exp2(m_i - m_new)  # 0 on the first block (m_i = −∞)
        p = tl.exp2(s - m_new[:, None])  # masked keys: exp2(−∞) = 0
        pds = p * ds
        # P·V dots in the input dtype (tensor cores), float32 accumulators
        pv = p.to(v.dtype)  # round to nearest even (Triton's default for downcasts)
        pdsv = pds.to(v.dtype)
        if EMULATE_BF16:
            # interpreter: bf16 tiles are held in float32 and its own bf16 cast truncates, so round
            # to nearest even on the bits (finite values): add 0x7FFF + lsb, clear the low 16 bits
            pb = p.to(tl.uint32, bitcast=True)
            pb = (pb + 0x7FFF + ((pb >> 16) & 1)) & 0xFFFF0000
            pv = pb.to(tl.float32, bitcast=True)
            pb = pds.to(tl.uint32, bitcast=True)
            pb = (pb + 0x7FFF + ((pb >> 16) & 1)) & 0xFFFF0000
            pdsv = pb.to(tl.float32, bitcast=True)
        # the row sums use the same rounded p and p ⊙ ds as the dots: O is then an exact convex
        # combination of v and dO is exactly unchanged by a constant added to a row of ds (the
        # softmax JVP's invariance), so rounding p never meets the cancellation in dO
        l_i = l_i * alpha + tl.sum(pv.to(tl.float32), 1)
        c_i = c_i * alpha + tl.sum(pdsv.to(tl.float32), 1)
        acc_o = tl.dot(pv, v, acc_o * alpha[:, None], input_precision=PRECISION)
        acc_d = tl.dot(pv, dv, acc_d * alpha[:, None], input_precision=PRECISION)
        acc_d = tl.dot(pdsv, v, acc_d, input_precision=PRECISION)
        m_i = m_new
    o = acc_o / l_i[:, None]
    do = acc_d / l_i[:, None] - (c_i / l_i)[:, None] * o
    tl.store(DO + b * sdob + hd * sdoh + offs_m[:, None] * sdol + offs_d[None, :] * sdod,
             do.to(DO.dtype.element_ty), mask=q_mask)
    # the primal output once per primal batch: with B == 1 only tangent 0 writes it
    if b < B_PRIMAL:
        tl.store(O + b * sob + hd * soh + offs_m[:, None] * sol + offs_d[None, :] * sod,
                 o.to(O.dtype.element_ty), mask=q_mask)


@functools.lru_cache(maxsize=2)
def _kernel(interpret: bool):
    """The kernel, compiled for the GPU or wrapped for Triton's interpreter (cached per mode)."""
    global tl
    import triton
    import triton.language

    tl = triton.language
    if interpret:
        from triton.runtime.interpreter import InterpretedFunction

        return InterpretedFunction(_fwd_jvp_kernel)
    return triton.JITFunction(_fwd_jvp_kernel)


def _check(q, k, v, dq, dk, dv, dtypes=_DTYPES):
    names = ("q", "k", "v", "dq", "dk", "dv")
    ts = (q, k, v, dq, dk, dv)
    for name, t in zip(names, ts):
        if not isinstance(t, torch.Tensor) or t.dim() != 4:
            found = t.shape if isinstance(t, torch.Tensor) else type(t).__name__
            msg = f"attention_jvp expects 4-d tensors (batch, heads, L, head_dim); {name} is {found}."
            raise ValueError(msg)
    B, H, L, D = q.shape
    Bt = dq.shape[0]
    for name, t in zip(names[:3], ts[:3]):
        if t.shape != (B, H, L, D):
            msg = f"q, k and v must have one shape; q is {tuple(q.shape)}, {name} is {tuple(t.shape)}."
            raise ValueError(msg)
    for name, t in zip(names[3:], ts[3:]):
        if t.shape != (Bt, H, L, D):
            msg = (f"dq, dk and dv must have one shape; dq is {tuple(dq.shape)}, {name} is "
                   f"{tuple(t.shape)}.")
            raise ValueError(msg)
    if B not in (1, Bt):
        msg = (f"The primal batch must be 1 (shared by every tangent) or equal the tangent batch; "
               f"found q batch {B} and dq batch {Bt}.")
        raise ValueError(msg)
    if {t.dtype for t in ts} - {q.dtype} or q.dtype not in dtypes:
        found = ", ".join(f"{n}={t.dtype}" for n, t in zip(names, ts))
        allowed = ", ".join(str(d).removeprefix("torch.") for d in dtypes)
        msg = f"attention_jvp needs one dtype among {allowed} for all inputs; found {found}."
        raise TypeError(msg)
    if len({t.device for t in ts}) != 1:
        found = ", ".join(f"{n}={t.device}" for n, t in zip(names, ts))
        msg = f"attention_jvp needs all inputs on one device; found {found}."
        raise ValueError(msg)
    if L == 0 or D == 0:
        msg = f"attention_jvp needs L ≥ 1 and head_dim ≥ 1; found q of shape {tuple(q.shape)}."
        raise ValueError(msg)
    return B, H, L, D, Bt


def _config(dtype: torch.dtype, D: int, *, tf32: bool, block_m: int | None = None,
            block_n: int | None = None) -> dict:
    """Launch configuration: tile sizes, dot precision, warps and pipeline stages.

    Chosen without a GPU (not tuned: no GPU lent), but every default was compiled ahead of time
    for sm_90 with Triton 3.9 (:func:`_compile`): shared memory ≤ 192 KiB (H100/H200 allow 227),
    no register spills in the PTX. float32 inputs use ``tf32x3`` dots (three TF32 passes on tensor
    cores, float32-like accuracy) unless ``tf32`` (then one pass); IEEE float32 dots would run on
    CUDA cores, and for some tile shapes (64 keys with dh ≤ 32, 32 keys with dh = 64) Triton 3.9's
    LLVM aborts compiling them (SLPVectorizer assertion). The precision flag does not affect
    bf16/fp16 dots (exact products, float32 accumulation).
    """
    bd = max(16, 1 << (D - 1).bit_length())  # tl.dot needs ≥ 16; masked loads pad with zeros
    fp32 = dtype == torch.float32
    bm = block_m or 64
    # fewer keys per step where the (N, D) tiles of k, v, dk, dv get large
    bn = block_n or (64 if bd <= (32 if fp32 else 64) else 32)
    for name, x in (("block_m", bm), ("block_n", bn)):
        if x < 16 or x & (x - 1):
            msg = f"{name} must be a power of two ≥ 16 (tl.dot tiles); got {x}."
            raise ValueError(msg)
    return {"BLOCK_M": bm, "BLOCK_N": bn, "BLOCK_D": bd,
            "PRECISION": ("tf32" if tf32 else "tf32x3") if fp32 else "tf32",
            "num_warps": 4 if bd <= 64 else 8, "num_stages": 1 if fp32 and bd > 64 else 2}


def attention_jvp(q, k, v, dq, dk, dv, *, scale: float, block_m: int | None = None,
                  block_n: int | None = None):
    """Fused ``softmax(q kᵀ·scale) v`` and its forward-mode derivative, one Triton kernel.

    Parameters
    ----------
    q, k, v
        Primal (B, h, L, dh), not pre-scaled; B is 1 (shared by all tangents) or Bt.
    dq, dk, dv
        Tangents (Bt, h, L, dh). All six tensors share one dtype (float32, bfloat16 or float16)
        and one device; any strides (views of a packed qkv projection are fine).
    scale
        Softmax scale, usually ``1/√dh``.
    block_m, block_n
        Query and key block sizes (powers of two ≥ 16); defaults from :func:`_config` (64 × 64;
        32 keys for larger head dims).

    Returns
    -------
    ``(O (B, h, L, dh), dO (Bt, h, L, dh))`` in the input dtype; statistics and accumulators are
    float32. float32 inputs use single-pass TF32 dots only if
    ``torch.backends.cuda.matmul.allow_tf32`` is on (as PyTorch's own matmuls), else ``tf32x3``.
    """
    B, H, L, D, Bt = _check(q, k, v, dq, dk, dv)
    if D > MAX_HEAD_DIM:
        msg = f"attention_jvp supports head_dim ≤ {MAX_HEAD_DIM}; found {D}. Use the unfused path."
        raise ValueError(msg)
    triton = _triton()
    if triton is None:
        msg = "attention_jvp needs Triton (pip install triton; Linux x86_64 with CUDA). Use the unfused path."
        raise RuntimeError(msg)
    interpret = _interpret()
    if q.device.type != "cuda" and not interpret:
        msg = (f"The fused attention kernel runs on CUDA; inputs are on {q.device}. Use the unfused path "
               f"on CPU (TRITON_INTERPRET=1 runs Triton's interpreter, for tests only).")
        raise RuntimeError(msg)
    cfg = _config(q.dtype, D, tf32=torch.backends.cuda.matmul.allow_tf32, block_m=block_m,
                  block_n=block_n)
    dtype = q.dtype
    # Triton's interpreter stores bf16 as raw uint16 and has no bf16 arithmetic or dots; bf16 values
    # are exact in float32, so it gets float32 tiles holding them (products in the dots are exact on
    # the GPU's bf16 MMA too) and rounds p to bf16 before the P·V dots, as the GPU path does.
    emulate = interpret and dtype == torch.bfloat16
    if emulate:
        q, k, v, dq, dk, dv = (t.float() for t in (q, k, v, dq, dk, dv))
    O = torch.empty((B, H, L, D), dtype=q.dtype, device=q.device)
    dO = torch.empty((Bt, H, L, D), dtype=q.dtype, device=q.device)

    def strides(t, broadcast):
        s = list(t.stride())
        if broadcast:
            s[0] = 0
        return s

    bc = B == 1 and Bt > 1
    args = [q, k, v, dq, dk, dv, O, dO,
            *strides(q, bc), *strides(k, bc), *strides(v, bc),
            *strides(dq, False), *strides(dk, False), *strides(dv, False),
            *strides(O, bc), *strides(dO, False),
            H, L, D, B, float(scale)]
    grid = (triton.cdiv(L, cfg["BLOCK_M"]), Bt * H)
    kernel = _kernel(interpret)
    if q.device.type == "cuda" and not interpret:
        with torch.cuda.device(q.device):
            kernel[grid](*args, **cfg, EMULATE_BF16=False, enable_fp_fusion=True)
    else:  # the interpreter takes no compiler options
        meta = {k: cfg[k] for k in ("BLOCK_M", "BLOCK_N", "BLOCK_D", "PRECISION")}
        kernel[grid](*args, **meta, EMULATE_BF16=emulate)
    return O.to(dtype), dO.to(dtype)


def _compile(dtype: torch.dtype, head_dim: int, *, capability: int = 90, tf32: bool = False,
             block_m: int | None = None, block_n: int | None = None):
    """Compile the kernel ahead of time for ``sm_<capability>`` (no GPU needed: Triton's compiler
    and its bundled ptxas). Returns Triton's compiled kernel (``.metadata``, ``.asm``). An LLVM
    abort ends the process, so tests call this in a subprocess."""
    import triton
    from triton.backends.compiler import GPUTarget
    from triton.compiler import ASTSource

    kernel = _kernel(False)
    ptr = {torch.float32: "*fp32", torch.bfloat16: "*bf16", torch.float16: "*fp16"}[dtype]
    cfg = _config(dtype, head_dim, tf32=tf32, block_m=block_m, block_n=block_n)
    constexprs = {k: cfg[k] for k in ("BLOCK_M", "BLOCK_N", "BLOCK_D", "PRECISION")}
    constexprs["EMULATE_BF16"] = False
    signature = {}
    for name in kernel.arg_names:
        if name in constexprs:
            signature[name] = "constexpr"
        elif name in {"Q", "K", "V", "DQ", "DK", "DV", "O", "DO"}:
            signature[name] = ptr
        else:
            signature[name] = "fp32" if name == "scale" else "i32"
    target = GPUTarget("cuda", capability, 32)
    backend = triton.compiler.make_backend(target)
    options = backend.parse_options({"num_warps": cfg["num_warps"], "num_stages": cfg["num_stages"],
                                     "enable_fp_fusion": True})
    src = ASTSource(fn=kernel, signature=signature, constexprs=constexprs)
    return triton.compile(src, target=target, options=options.__dict__)


@torch.no_grad()
def attention_jvp_reference(q, k, v, dq, dk, dv, *, scale: float, block: int = 256):
    """The kernel's algorithm in plain PyTorch: key blocks with an online softmax.

    Same arguments and results as :func:`attention_jvp` (any device; ``block`` keys at a time, so
    temporaries are (Bt, h, L, block) instead of L×L). The softmax statistics depend only on the
    primal, so with B == 1 they are computed once for all tangents. Accumulates in float32 for
    half-precision inputs (float64 stays float64).
    """
    B, H, L, D, Bt = _check(q, k, v, dq, dk, dv, (*_DTYPES, torch.float64))
    if block < 1:
        msg = f"block must be ≥ 1 keys; got {block}."
        raise ValueError(msg)
    dtype = q.dtype
    acc = torch.float64 if dtype == torch.float64 else torch.float32
    q, k, v, dq, dk, dv = (t.to(acc) for t in (q, k, v, dq, dk, dv))
    qs, dqs = q * scale, dq * scale
    m = torch.full((B, H, L, 1), -math.inf, dtype=acc, device=q.device)
    lsum = torch.zeros_like(m)
    A = torch.zeros((B, H, L, D), dtype=acc, device=q.device)
    c = torch.zeros((Bt, H, L, 1), dtype=acc, device=q.device)
    Dacc = torch.zeros((Bt, H, L, D), dtype=acc, device=q.device)
    for r in range(0, L, block):
        kb, vb = k[..., r:r + block, :], v[..., r:r + block, :]
        dkb, dvb = dk[..., r:r + block, :], dv[..., r:r + block, :]
        kt = kb.transpose(-2, -1)
        s = qs @ kt  # (B, h, L, n)
        m_new = torch.maximum(m, s.amax(-1, keepdim=True))
        alpha = torch.exp(m - m_new)
        p = torch.exp(s - m_new)
        ds = (dqs @ kt).add_(qs @ dkb.transpose(-2, -1))  # (Bt, h, L, n)
        pds = ds.mul_(p)
        lsum.mul_(alpha).add_(p.sum(-1, keepdim=True))
        c.mul_(alpha).add_(pds.sum(-1, keepdim=True))
        A.mul_(alpha).add_(p @ vb)
        Dacc.mul_(alpha).add_(p @ dvb).add_(pds @ vb)
        m = m_new
    O = A.div_(lsum)
    dO = Dacc.div_(lsum).sub_(c.div_(lsum) * O)
    return O.to(dtype), dO.to(dtype)
