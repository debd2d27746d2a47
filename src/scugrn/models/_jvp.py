"""Hand-written forward-mode derivative (JVP) of the scGPT expression head.

GDT needs ∂M(v)_j/∂v_i for every target j: one Jacobian-vector product per (source, base value).
PyTorch's dual numbers work but pay for generality: the softmax rule alone makes several L×L
temporaries per virtual cell. Here each layer carries (primal, tangent) explicitly with the
textbook rules, written to touch every L×L attention matrix as few times as possible:

- ``Linear``: ``dy = dx Wᵀ``; ``ReLU``/``LeakyReLU``: the primal's mask;
- ``LayerNorm``: ``dx̂ = (dx_c − x̂·mean(x̂ dx_c)) / σ`` with ``dx_c = dx − mean(dx)``;
- attention ``O = softmax(QKᵀ/√d) V``: ``dS = (dQ Kᵀ + Q dKᵀ)/√d``, ``G = P ⊙ dS``,
  ``dO = G V + P dV − rowsum(G) ⊙ O`` (the softmax JVP folded into two products).

Primal tensors may have batch 1 while tangents have batch B (every virtual cell shares the
primal cell): matmuls broadcast, so the primal runs once. Tested against ``torch.func.jvp`` in
``tests/test_probes.py``; measured in docs/performance.md.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ._precision import low_dtype, mm32, up

QUERY_BLOCK_BYTES = 256 * 2**20  # attention temporaries per query block (memory stays flat in K)


def supported(module, head: str) -> bool:
    """Whether :func:`jvp_mlm` covers this configuration (else callers fall back to dual numbers)."""
    return head == "mlm" and module.cfg.input_emb_style in {"continuous", "scaling"}


def _linear(x, dx, layer):
    """Outputs join the float32 stream (a no-op in float32; under autocast the matmul is low precision)."""
    return up(F.linear(x, layer.weight, layer.bias)), up(F.linear(dx, layer.weight))


def _layer_norm(x, dx, ln):
    x, dx = up(x), up(dx)  # statistics in float32 whatever the compute dtype
    y = F.layer_norm(x, ln.normalized_shape, ln.weight, ln.bias, ln.eps)
    mu = x.mean(-1, keepdim=True)
    rstd = torch.rsqrt(((x - mu) ** 2).mean(-1, keepdim=True) + ln.eps)
    xh = (x - mu) * rstd
    dxc = dx - dx.mean(-1, keepdim=True)
    dxh = rstd * (dxc - xh * (dxc * xh).mean(-1, keepdim=True))
    return y, dxh * ln.weight


def _fused_kernel(device: torch.device):
    """The fused Triton attention JVP (``models._attn_triton``) when ``settings.attention_jvp``
    selects it: ``"triton"`` always (an error if it cannot run), ``"auto"`` on CUDA when it is
    available; ``None`` means the unfused path below."""
    from .._settings import settings

    mode = settings.attention_jvp
    if mode == "unfused" or (mode == "auto" and device.type != "cuda"):
        return None
    try:
        from . import _attn_triton
    except ImportError as e:
        if mode == "triton":
            msg = (f"settings.attention_jvp='triton' but the fused kernel cannot be imported ({e}). Install "
                   "Triton (pip install triton; on CPU also set TRITON_INTERPRET=1) or set "
                   "scugrn.settings.attention_jvp='unfused' (or 'auto').")
            raise RuntimeError(msg) from e
        return None
    if _attn_triton.available(device):
        return _attn_triton
    if mode == "triton":
        msg = (f"settings.attention_jvp='triton' but the fused kernel is not available on {device} "
               "(Triton missing, or on CPU TRITON_INTERPRET=1 not set). Set scugrn.settings.attention_jvp="
               "'unfused' or 'auto'.")
        raise RuntimeError(msg)
    return None


def attention_jvp_unfused(q, k, v, dq, dk, dv, *, scale):
    """Reference attention JVP: ``O = softmax(q kᵀ·scale) v`` and its forward-mode derivative.

    ``q, k, v`` (B, h, L, dh) with B 1 or Bt, ``dq, dk, dv`` (Bt, h, L, dh); returns ``O``
    (B, h, L, dh) and ``dO`` (Bt, h, L, dh), float32. Query rows run in blocks so the L×L
    temporaries stay under ``QUERY_BLOCK_BYTES``; scores, softmax and the tangent accumulators are
    float32, only matmul inputs follow the run's precision (:func:`._precision.mm32`)."""
    B, h, L, _ = q.shape
    Bt = dq.shape[0]
    q, dq = q * scale, dq * scale
    kt, dkt = k.transpose(-2, -1), dk.transpose(-2, -1)
    rows = max(1, QUERY_BLOCK_BYTES // (4 * max(B, Bt) * h * L))
    Os, dOs = [], []
    for r in range(0, L, rows):
        qb, dqb = q[..., r:r + rows, :], dq[..., r:r + rows, :]
        P = torch.softmax(mm32(qb, kt), dim=-1)  # (B, h, rows, L)
        O = mm32(P, v)
        G = mm32(dqb, kt).add_(mm32(qb, dkt)).mul_(P)  # P ⊙ dS, in place
        c = G.sum(-1, keepdim=True)
        Os.append(O)
        dOs.append(mm32(G, v).add_(mm32(P, dv)).sub_(c * O))
    return (Os[0], dOs[0]) if len(Os) == 1 else (torch.cat(Os, -2), torch.cat(dOs, -2))


def _attention(x, dx, sa):
    B, L, d = x.shape
    Bt = dx.shape[0]
    h = sa.nhead
    dh = d // h
    s = 1.0 / math.sqrt(dh)
    qkv = up(F.linear(x, sa.in_proj_weight, sa.in_proj_bias))  # packed [q; k; v]
    dqkv = up(F.linear(dx, sa.in_proj_weight))
    q, k, v = qkv.view(B, L, 3, h, dh).permute(2, 0, 3, 1, 4)  # (B, h, L, dh)
    dq, dk, dv = dqkv.view(Bt, L, 3, h, dh).permute(2, 0, 3, 1, 4)
    kernel = _fused_kernel(x.device)
    if kernel is None:
        O, dO = attention_jvp_unfused(q, k, v, dq, dk, dv, scale=s)
    else:  # no L×L matrix is written; inputs in the run's matmul dtype
        low = low_dtype(x.device)
        ts = [t.contiguous() if low is None else t.to(low).contiguous() for t in (q, k, v, dq, dk, dv)]
        O, dO = (up(t) for t in kernel.attention_jvp(*ts, scale=s))
    O = O.transpose(1, 2).reshape(B, L, d)
    dO = dO.transpose(1, 2).reshape(Bt, L, d)
    return _linear(O, dO, sa.out_proj)


def _relu(x, dx):
    m = x > 0
    return x.clamp(min=0), dx * m  # float32 in, float32 out


def _layer(x, dx, layer):
    if layer.pre_norm:
        x, dx = _layer_norm(x, dx, layer.norm1)
        a, da = _attention(x, dx, layer.self_attn)
        x, dx = _layer_norm(x + a, dx + da, layer.norm2)
        f, df = _ff(x, dx, layer)
        return x + f, dx + df
    a, da = _attention(x, dx, layer.self_attn)
    x, dx = _layer_norm(x + a, dx + da, layer.norm1)
    f, df = _ff(x, dx, layer)
    return _layer_norm(x + f, dx + df, layer.norm2)


def _ff(x, dx, layer):
    y, dy = _linear(x, dx, layer.linear1)
    y, dy = _relu(y, dy)
    return _linear(y, dy, layer.linear2)


def _value_encoder(values, dvalues, enc):
    x = values.unsqueeze(-1)
    dx = dvalues.unsqueeze(-1) * (x < enc.max_value)
    x = x.clamp(max=enc.max_value)
    y, dy = _linear(x, dx, enc.linear1)
    y, dy = _relu(y, dy)
    y, dy = _linear(y, dy, enc.linear2)
    return _layer_norm(y, dy, enc.norm)


def _decoder(x, dx, fc):
    """The expression head in float32 even in a low-precision run: its LeakyReLU masks decide the
    derivative, and a mask flipped by bf16 rounding moves GDT features by percents (measured,
    docs/defaults.md); it costs ~2·d² per gene, a few percent of the layers' work."""
    x, dx = up(x), up(dx)
    with torch.autocast(x.device.type, enabled=False):
        for layer in fc:
            if isinstance(layer, torch.nn.Linear):
                x, dx = _linear(x, dx, layer)
            else:  # LeakyReLU
                slope = layer.negative_slope
                dx = torch.where(x > 0, dx, slope * dx)
                x = F.leaky_relu(x, slope)
    return x.squeeze(-1), dx.squeeze(-1)


@torch.no_grad()
def jvp_mlm(module, ids, values, tangents):
    """Expression-head output and its directional derivative.

    ``ids`` (1, L) token ids, ``values`` (B or 1, L) input values, ``tangents`` (B, L) directions.
    Returns ``(mlm_output (B or 1, L), d mlm_output (B, L))``.
    """
    if module.training:
        msg = "jvp_mlm needs the module in eval mode (dropout off)."
        raise RuntimeError(msg)
    gene_emb = up(module.encoder(ids))  # (1, L, d)
    values, tangents = up(values), up(tangents)
    style = module.cfg.input_emb_style
    if style == "continuous":
        v, dv = _value_encoder(values, tangents, module.value_encoder)
        x, dx = gene_emb + v, dv
    elif style == "scaling":
        x, dx = gene_emb * values.unsqueeze(2), gene_emb * tangents.unsqueeze(2)
    else:
        msg = f"No hand-written JVP for input_emb_style={style!r} (category values have no derivative)."
        raise NotImplementedError(msg)
    for layer in module.transformer_encoder.layers:
        x, dx = _layer(x, dx, layer)
    return _decoder(x, dx, module.decoder.fc)
