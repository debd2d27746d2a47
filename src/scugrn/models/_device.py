"""Device and dtype chosen in one small block (nanoGPT habit)."""

from __future__ import annotations

import torch

from .._settings import settings


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    d = settings.device if device is None else device
    if isinstance(d, torch.device):
        return d
    if d == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if str(d).startswith("cuda") and not torch.cuda.is_available():
        msg = f"device={d!r} was asked for but CUDA is not available here; use device='cpu' or 'auto'."
        raise ValueError(msg)
    return torch.device(d)


def resolve_dtype(dtype: str | torch.dtype | None, device: torch.device) -> torch.dtype:
    d = settings.dtype if dtype is None else dtype
    if isinstance(d, torch.dtype):
        d = str(d).removeprefix("torch.")
    if d == "auto":
        return torch.float32
    if d not in {"float32", "bfloat16", "float16"}:
        msg = f"dtype must be 'auto', 'float32', 'bfloat16' or 'float16', got {d!r}."
        raise ValueError(msg)
    if d != "float32" and device.type != "cuda" and not settings.cpu_low_precision:
        msg = (
            f"dtype={d!r} on {device} needs CPU autocast, which is off: set "
            "scugrn.settings.cpu_low_precision = True (env SCUGRN_CPU_LOW_PRECISION=1) to run it "
            "under torch.autocast('cpu'), use a CUDA device, or use dtype='float32'."
        )
        raise ValueError(msg)
    return getattr(torch, d)


def autocast(device: torch.device, dtype: torch.dtype | None):
    """The autocast context of a low-precision run (a no-op for float32 / ``None``).

    On CPU it needs ``settings.cpu_low_precision`` (checked by :func:`resolve_dtype`)."""
    import contextlib

    if dtype is None or dtype == torch.float32:
        return contextlib.nullcontext()
    if device.type != "cuda":
        resolve_dtype(dtype, device)  # raises unless settings.cpu_low_precision
        return torch.autocast("cpu", dtype=dtype)
    return torch.autocast(device.type, dtype=dtype)
