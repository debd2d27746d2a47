"""One typed settings object (``scugrn.settings``) with an env prefix and ``override()``.

Environment variables ``SCUGRN_<NAME>`` set the initial value of each field, e.g.
``SCUGRN_DATA_DIR=../shared/data`` or ``SCUGRN_DEVICE=cpu``.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path

_ENV_PREFIX = "SCUGRN_"


def _env(name: str, default, cast=str):
    raw = os.environ.get(_ENV_PREFIX + name.upper())
    if raw is None or raw == "":
        return default
    if cast is bool:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    return cast(raw)


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "scugrn"


_CHOICES = {"attention_jvp": ("auto", "unfused", "triton"), "first_layer": ("auto", "rows", "full")}


@dataclass
class Settings:
    """Run-time settings.

    Attributes
    ----------
    device
        ``"auto"`` (CUDA when available, else CPU), ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
    dtype
        ``"auto"`` (float32 on CPU, float32 on GPU), ``"float32"``, ``"bfloat16"`` or ``"float16"``.
        Lower precision applies to the backbone's forward only, features are returned as float32.
    batch_size
        Virtual cells per forward pass in the probe runner; ``None`` picks it from
        ``memory_mb`` and the context size so memory stays flat as the gene list grows.
    memory_mb
        Activation-memory budget of one probe batch (MiB), used when ``batch_size`` is ``None``;
        ``None`` = 128 on CPU (measured fastest, docs/defaults.md); on CUDA half the free device
        memory less 2 GiB, capped at 32 GiB (``probes._runner.cuda_budget_mb``).
    cache_dir
        Where downloads (pooch) and cached features are kept.
    data_dir
        Folder with the BEELINE / TF-list / ortholog data (layout of ``shared/data``);
        ``None`` means download into ``cache_dir`` on first use.
    verbose
        Show progress bars.
    attention_jvp
        Engine of the attention JVP in GDT (``models._jvp``): ``"unfused"`` (PyTorch ops, query
        blocks; the reference and the CPU path), ``"triton"`` (the fused kernel of
        ``models._attn_triton``; an error if Triton or the kernel is missing) or ``"auto"``
        (the fused kernel on CUDA when it is available, else unfused). Env ``SCUGRN_ATTENTION_JVP``.
    first_layer
        How the first transformer layer of VVP/GDT virtual cells is computed: ``"rows"`` (reused
        from the shared base cell, ``models._rows``), ``"full"`` (every cell built in full) or
        ``"auto"`` (rows for GDT, full for VVP: measured in docs/performance.md).
        Env ``SCUGRN_FIRST_LAYER``.
    cpu_low_precision
        Allow ``dtype`` bfloat16/float16 on CPU, run under ``torch.autocast("cpu", ...)`` (slow on
        most CPUs; meant for tests and precision measurements). When ``False``, asking for them on
        CPU is a ``ValueError`` naming this setting. Env ``SCUGRN_CPU_LOW_PRECISION``.
    """

    device: str = field(default_factory=lambda: _env("device", "auto"))
    dtype: str = field(default_factory=lambda: _env("dtype", "auto"))
    batch_size: int | None = field(default_factory=lambda: _env("batch_size", None, int))
    memory_mb: int | None = field(default_factory=lambda: _env("memory_mb", None, int))
    cache_dir: Path = field(default_factory=lambda: Path(_env("cache_dir", _default_cache())))
    data_dir: Path | None = field(
        default_factory=lambda: (Path(p) if (p := _env("data_dir", None)) else None)
    )
    verbose: bool = field(default_factory=lambda: _env("verbose", True, bool))
    attention_jvp: str = field(default_factory=lambda: _env("attention_jvp", "auto"))
    first_layer: str = field(default_factory=lambda: _env("first_layer", "auto"))
    cpu_low_precision: bool = field(default_factory=lambda: _env("cpu_low_precision", False, bool))

    def __setattr__(self, name, value):
        if name not in {f.name for f in fields(Settings)}:
            msg = f"Unknown setting {name!r}; expected one of {[f.name for f in fields(Settings)]}."
            raise AttributeError(msg)
        if name in {"cache_dir", "data_dir"} and value is not None:
            value = Path(value)
        if name in _CHOICES and value not in _CHOICES[name]:
            msg = f"settings.{name} must be one of {list(_CHOICES[name])}, got {value!r}."
            raise ValueError(msg)
        if name == "cpu_low_precision" and not isinstance(value, bool):
            msg = f"settings.cpu_low_precision must be True or False, got {value!r}."
            raise TypeError(msg)
        super().__setattr__(name, value)

    @contextmanager
    def override(self, **kwargs):
        """Temporarily change settings: ``with scugrn.settings.override(device="cpu"): ...``."""
        old = {k: getattr(self, k) for k in kwargs}
        try:
            for k, v in kwargs.items():
                setattr(self, k, v)
            yield self
        finally:
            for k, v in old.items():
                setattr(self, k, v)


settings = Settings()
