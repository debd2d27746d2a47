"""Probe registry: each feature extractor registers itself with its metadata (decoupler's
``MethodMeta`` habit, :class:`scugrn._registry.Registry`) and the one runner
(:mod:`scugrn.probes._runner`) executes it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .._registry import Registry


@dataclass(frozen=True)
class ProbeMeta:
    """A probe and what it is.

    Attributes
    ----------
    name, desc, reference
        Registry key, one-line description, where it comes from.
    needs_expression
        ``True`` when it reads ``adata.X`` (the mean cell).
    slot
        ``"varp"`` (n_vars, n_vars, width) or ``"varm"`` (n_vars, width).
    width
        ``width(params) -> int``: the feature width for these parameters.
    zero_shot
        A score by itself (no translator).
    defaults
        ``defaults(model, n_values) -> dict``: the parameters it runs with by default (the keys
        it accepts); ``None``: it takes none.
    value_keys
        The parameters that hold values in the backbone's input scale (lists or numbers; checked
        against its input range, and what a translator's spec records); a probe with value keys
        takes ``n_values``.
    """

    name: str
    desc: str
    needs_expression: bool
    slot: str
    reference: str
    width: Callable[[dict], int] = field(repr=False, compare=False)
    zero_shot: bool = False
    defaults: Callable | None = field(default=None, repr=False, compare=False)
    value_keys: tuple[str, ...] = ()


def _load_builtin():
    from . import _builtin  # noqa: F401  (registers the built-in probes)


PROBES: Registry = Registry("probe", load=_load_builtin, meta=lambda entry: entry[0])


def register(meta: ProbeMeta):
    """Class decorator: register a probe class with its metadata."""

    def deco(cls):
        PROBES.register(meta.name, (meta, cls))
        cls.meta = meta
        return cls

    return deco


def get_probe(name: str):
    """``(meta, cls)`` of the probe ``name``."""
    return PROBES.get(name)


def list_probes():
    """A table of the registered probes and their metadata."""
    return PROBES.frame()
