"""Virtual cells that differ from one base cell at a single gene: the first layer in O(L·d).

Every VVP and GDT virtual cell is a base cell (all genes at one value) with one gene changed (and,
for GDT, a tangent on that gene only). In the first transformer layer only that gene's row of the
input differs, so the first layer need not redo the L×L attention per cell:

- query rows q ≠ r see one changed key/value (column r): their softmax is the base row's with one
  logit replaced, ``O_q = (O⁰_q − P⁰_qr V⁰_r + e^{s'_qr − lse⁰_q} V'_r) / (1 − P⁰_qr + e^{s'_qr − lse⁰_q})``,
  and the tangent is ``P'_qr ds_qr (V'_r − O_q) + P'_qr dV_r``;
- query row r attends with its new query over the keys (row r replaced): one row, O(L·d);
- the base cell's attention (one L×L product) is shared by every cell of the batch.

The remaining layers run as usual (PyTorch's fused attention for VVP, :mod:`._jvp` for GDT). For a
2-layer model this halves the attention work, for 4 layers it removes a quarter. Exact up to
float32 round-off; tested against the plain forward in ``tests/test_probes.py``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from . import _jvp
from ._precision import up


def supported(module, head: str, tangent: bool) -> bool:
    style = module.cfg.input_emb_style
    ok = style in {"continuous", "scaling"} or (style == "category" and not tangent)
    return head == "mlm" and ok


def _embed_rows(module, gene_emb, rows, row_vals, tangent):
    g = gene_emb[0, rows][:, None, :]  # (B, 1, d)
    x = module.embed(g, row_vals[:, None])[:, 0]  # (B, d)
    if not tangent:
        return x, None
    if module.cfg.input_emb_style == "scaling":
        return x, g[:, 0]
    _, dx = _jvp._value_encoder(row_vals[:, None], torch.ones_like(row_vals[:, None]), module.value_encoder)
    return x, dx[:, 0]


def _attention_rows(x0, xr, dxr, rows, sa):
    """First-layer attention for B cells = base ``x0`` (1, L, d) with row ``rows[b]`` ← ``xr[b]``.

    Its work is O(B·L·d) (plus one shared L×L product), so it runs in float32 even in a
    low-precision run; only the output projection over the (B, L, d) cells follows the run's dtype.
    """
    with torch.autocast(x0.device.type, enabled=False):
        O, dO = _attention_rows32(up(x0), up(xr), None if dxr is None else up(dxr), rows, sa)
    B, L, d = O.shape[0], O.shape[2], x0.shape[2]
    O = O.transpose(1, 2).reshape(B, L, d)
    a = up(sa.out_proj(O))
    if dO is None:
        return a, None
    return a, up(F.linear(dO.transpose(1, 2).reshape(B, L, d), sa.out_proj.weight))


def _attention_rows32(x0, xr, dxr, rows, sa):
    _, L, d = x0.shape
    B = xr.shape[0]
    h = sa.nhead
    dh = d // h
    s = dh ** -0.5
    bi = torch.arange(B, device=xr.device)
    q0, k0, v0 = F.linear(x0, sa.in_proj_weight, sa.in_proj_bias).view(L, 3, h, dh).permute(1, 2, 0, 3)  # (h, L, dh)
    qr, kr, vr = F.linear(xr, sa.in_proj_weight, sa.in_proj_bias).view(B, 3, h, dh).unbind(1)  # (B, h, dh)
    q0 = q0 * s
    qr = qr * s
    S0 = q0 @ k0.transpose(-2, -1)  # (h, L, L): the base cell, shared
    lse0 = torch.logsumexp(S0, -1)  # (h, L)
    P0 = torch.exp(S0 - lse0[..., None])
    O0 = P0 @ v0  # (h, L, dh)
    # rows q != r: one logit changed
    w_old = P0[:, :, rows].permute(2, 0, 1)  # (B, h, L) = P0[q, r]
    a = torch.einsum("hld,bhd->bhl", q0, kr) - lse0
    m = a.clamp(min=0)  # shift against overflow
    e_new = torch.exp(a - m)
    e_rest = torch.exp(-m) * (1 - w_old)
    denom = e_rest + e_new
    v0r = v0[:, rows].transpose(0, 1)  # (B, h, dh)
    O = (torch.exp(-m)[..., None] * (O0 - w_old[..., None] * v0r[:, :, None]) + e_new[..., None] * vr[:, :, None])
    O = O / denom[..., None]  # (B, h, L, dh)
    # row r: the new query over the keys/values with row r replaced
    Kr = k0.expand(B, h, L, dh).clone()
    Vr = v0.expand(B, h, L, dh).clone()
    Kr[bi, :, rows] = kr.to(Kr.dtype)  # index writes: source cast to the destination's dtype
    Vr[bi, :, rows] = vr.to(Vr.dtype)
    sr = torch.einsum("bhd,bhld->bhl", qr, Kr)
    Pr = torch.softmax(sr, -1)
    Or = torch.einsum("bhl,bhld->bhd", Pr, Vr)
    dO = None
    if dxr is not None:
        dq, dk, dv = F.linear(dxr, sa.in_proj_weight).view(B, 3, h, dh).unbind(1)
        dq = dq * s
        p_new = e_new / denom
        ds = torch.einsum("hld,bhd->bhl", q0, dk)
        dO = (p_new * ds)[..., None] * (vr[:, :, None] - O) + p_new[..., None] * dv[:, :, None]
        dsr = torch.einsum("bhd,bhld->bhl", dq, Kr)
        dsr[bi, :, rows] += (qr * dk).sum(-1).to(dsr.dtype)
        G = Pr * dsr
        c = G.sum(-1, keepdim=True)
        dOr = torch.einsum("bhl,bhld->bhd", G, Vr) + Pr[bi, :, rows][..., None] * dv - c * Or
        dO[bi, :, rows] = dOr.to(dO.dtype)
    O[bi, :, rows] = Or.to(O.dtype)
    return O, dO  # (B, h, L, dh)


def _scatter(x0, xr, rows):
    x = up(x0).expand(xr.shape[0], -1, -1).clone()
    x[torch.arange(len(rows), device=x.device), rows] = xr.to(x.dtype)
    return x


def _norm(x, dx, ln):
    return _jvp._layer_norm(x, dx, ln) if dx is not None else (ln(x), None)


def _ff(x, dx, layer):
    return _jvp._ff(x, dx, layer) if dx is not None else (layer._ff(x), None)


def _plus(dx, dy):
    return None if dx is None else dx + dy


def _first_layer(layer, x0, xr, dxr, rows):
    """scGPT's encoder layer (its "pre" scheme normalises before attention and before the
    feed-forward, with residuals after each) for the B cells; primal only when ``dxr`` is None."""
    if layer.pre_norm:
        x0 = layer.norm1(x0)
        xr, dxr = _norm(xr, dxr, layer.norm1)
    a, da = _attention_rows(x0, xr, dxr, rows, layer.self_attn)
    x = _scatter(x0, xr, rows) + a
    dx = None
    if dxr is not None:
        dx = _scatter(torch.zeros_like(x0), dxr, rows) + da
    if layer.pre_norm:
        x, dx = _norm(x, dx, layer.norm2)
        f, df = _ff(x, dx, layer)
        return x + f, _plus(dx, df)
    x, dx = _norm(x, dx, layer.norm1)
    f, df = _ff(x, dx, layer)
    return _norm(x + f, _plus(dx, df), layer.norm2)


@torch.no_grad()
def predict_rows(module, ids, base_vals, rows, row_vals, *, tangent: bool = False):
    """Expression-head output of B cells, each ``base_vals`` (1, L) with ``rows[b]`` ← ``row_vals[b]``.

    With ``tangent=True`` also the derivative with respect to that gene's value. Returns ``(B, L)``,
    or ``(out, d_out)``.
    """
    gene_emb = module.encoder(ids)  # (1, L, d)
    x0 = module.embed(gene_emb, base_vals)  # (1, L, d)
    xr, dxr = _embed_rows(module, gene_emb, rows, row_vals, tangent)
    layers = module.transformer_encoder.layers
    x, dx = _first_layer(layers[0], x0, xr, dxr, rows)
    for layer in layers[1:]:
        if tangent:
            x, dx = _jvp._layer(x, dx, layer)
        else:
            x, _ = layer(x)
    if tangent:
        return _jvp._decoder(x, dx, module.decoder.fc)
    return module.decoder(x)
