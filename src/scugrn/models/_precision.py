"""What stays float32 in a low-precision (bf16/fp16) run: everything but the matmul inputs.

Under ``torch.autocast`` the backbone's matmuls take bf16/fp16 inputs. Everything else is kept in
float32 explicitly (not left to autocast's per-device op lists, which differ between CPU and CUDA):
the residual stream, LayerNorm, softmax and its statistics, the attention scores, and the tangent
accumulators of the JVP. The policy was chosen by measurement (``benchmarks/precision.py``,
docs/defaults.md). In float32 every helper here is the plain operation.
"""

from __future__ import annotations

import torch


def low_dtype(device: torch.device) -> torch.dtype | None:
    """The autocast dtype active for ``device``'s type, or ``None`` when autocast is off."""
    kind = device.type if device.type in {"cuda", "cpu"} else "cpu"
    if not torch.is_autocast_enabled(kind):
        return None
    dt = torch.get_autocast_dtype(kind)
    return None if dt == torch.float32 else dt


def mm32(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``a @ b`` (broadcasting batch dims) with float32 output.

    Under autocast the inputs are rounded to the low dtype and accumulated in float32 (as the
    tensor cores do), but the product is not rounded back: attention scores and probabilities keep
    float32 resolution. Without autocast it is ``a @ b``.
    """
    dt = low_dtype(a.device)
    if dt is None:
        return torch.matmul(a, b)
    if a.is_cuda:
        try:
            return _bmm_out32(a.to(dt), b.to(dt))
        except (RuntimeError, TypeError):  # a torch without bmm(out_dtype=): bf16 output
            return torch.matmul(a, b).float()
    with torch.autocast("cpu", enabled=False):  # CPU: the same numerics, emulated in float32
        return torch.matmul(a.to(dt).float(), b.to(dt).float())


def _bmm_out32(a, b):
    shape = torch.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = a.expand(*shape, *a.shape[-2:]).reshape(-1, *a.shape[-2:])
    b = b.expand(*shape, *b.shape[-2:]).reshape(-1, *b.shape[-2:])
    return torch.bmm(a, b, out_dtype=torch.float32).view(*shape, a.shape[-2], b.shape[-1])


def up(x: torch.Tensor) -> torch.Tensor:
    """``x`` in float32 if it is bf16/fp16 (float32 and float64 pass unchanged)."""
    return x.float() if x.dtype in (torch.bfloat16, torch.float16) else x
