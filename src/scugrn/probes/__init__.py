"""Probes: feature extractors that read pairwise regulatory features out of a frozen backbone.

Registered probes (``scugrn.probes.list_probes()``): ``emb``, ``pert``, ``vvp``, ``gdt``,
``origin_pert``, ``origin_attn``. All run through :func:`run_probe`.
"""

from __future__ import annotations

import numpy as np

from ._registry import PROBES, ProbeMeta, get_probe, list_probes, register
from ._runner import (
    FIDELITY_R_MIN,
    FIDELITY_REL_MAX,
    auto_batch_size,
    check_fidelity,
    fidelity,
    run_probe,
    run_probe_windowed,
    source_window_contexts,
    window_contexts,
)
from .reference import naive_gdt

__all__ = ["FIDELITY_REL_MAX", "FIDELITY_R_MIN", "PROBES", "ProbeMeta", "auto_batch_size", "check_fidelity",
           "default_params", "fidelity", "get_probe", "list_probes", "naive_gdt", "register", "run_probe",
           "run_probe_windowed", "source_window_contexts", "window_contexts"]

# Defaults, in fractions of the backbone's input range [lo, hi] (scGPT: 0..50). See docs/defaults.md.
N_VALUES = 8


def default_params(name: str, model, **overrides) -> dict:
    """The parameters a probe runs with: its metadata's defaults (:attr:`ProbeMeta.defaults`)
    filled in, overrides checked.

    Values (:attr:`ProbeMeta.value_keys`) must lie within the backbone's input range; ``None``
    overrides are ignored.
    """
    meta, _ = get_probe(name)
    lo, hi = model.value_range
    overrides = {k: v for k, v in overrides.items() if v is not None}
    n = int(overrides.pop("n_values", N_VALUES))
    if n < 1:
        msg = f"n_values must be ≥ 1, got {n}."
        raise ValueError(msg)
    p = meta.defaults(model, n) if meta.defaults is not None else {}
    lists = [k for k in meta.value_keys if isinstance(p[k], list)]  # the others are numbers
    numbers = [k for k in meta.value_keys if k not in lists]
    unknown = set(overrides) - set(p)
    if unknown:
        msg = f"Unknown parameter(s) {sorted(unknown)} for probe {name!r}; expected {sorted(p) or 'none'}."
        raise TypeError(msg)
    p.update(overrides)
    for key in lists:
        vals = np.asarray(p[key], dtype=float).ravel()
        if vals.size == 0 or not np.all(np.isfinite(vals)):
            msg = f"{key} must be a non-empty list of finite numbers, got {p[key]!r}."
            raise ValueError(msg)
        p[key] = vals.tolist()
    for key in numbers:
        if p[key] != "base":
            v = float(p[key])
            if not np.isfinite(v):
                msg = f"{key} must be finite, got {p[key]!r}."
                raise ValueError(msg)
            p[key] = v
    vals = [v for k in lists for v in p[k]] + [p[k] for k in numbers if p[k] != "base"]
    out = [v for v in vals if v < lo - 1e-9 or v > hi + 1e-9]
    if out:
        msg = (
            f"Values {out} lie outside the backbone's input range [{lo}, {hi}] "
            f"({model.info.name}); choose values inside it."
        )
        raise ValueError(msg)
    return p
