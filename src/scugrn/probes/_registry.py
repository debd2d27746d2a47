"""Probe registry: each feature extractor registers itself with its metadata (decoupler's
``MethodMeta`` habit) and the one runner (:mod:`scugrn.probes._runner`) executes it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ProbeMeta:
    name: str
    desc: str
    needs_expression: bool
    slot: str  # "varp" (n_vars, n_vars, width) or "varm" (n_vars, width)
    reference: str
    width: Callable[[dict], int] = field(repr=False)
    zero_shot: bool = False  # a score by itself (no translator)


PROBES: dict[str, tuple[ProbeMeta, type]] = {}


def register(meta: ProbeMeta):
    def deco(cls):
        PROBES[meta.name] = (meta, cls)
        cls.meta = meta
        return cls

    return deco


def get_probe(name: str):
    from . import _builtin  # noqa: F401  (registers the built-in probes)

    if name not in PROBES:
        msg = f"Unknown probe {name!r}; expected one of {sorted(PROBES)}."
        raise ValueError(msg)
    return PROBES[name]


def list_probes():
    """A table of the registered probes and their metadata."""
    import pandas as pd

    from . import _builtin  # noqa: F401

    return pd.DataFrame(
        [
            {"name": m.name, "desc": m.desc, "needs_expression": m.needs_expression, "slot": m.slot,
             "zero_shot": m.zero_shot, "reference": m.reference}
            for m, _ in PROBES.values()
        ]
    )
