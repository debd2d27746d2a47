"""Registry of the SEM variants (decoupler's ``MethodMeta`` pattern): each variant module registers
its metadata and a prior builder; :func:`scugrn.infosem.fit` runs any of them through one loop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class VariantMeta:
    """What a variant is and what it needs.

    ``make_prior(n_genes, cfg, embeddings, labels, generator)`` builds the torch module that owns
    the adjacency; it is only called on use, so registering a variant imports no torch.
    """

    name: str
    display: str
    desc: str
    reference: str
    needs_embeddings: bool
    needs_labels: bool
    make_prior: Callable = field(repr=False, compare=False)
    aliases: tuple[str, ...] = ()


VARIANTS: dict[str, VariantMeta] = {}
_ALIASES: dict[str, str] = {}


def register(meta: VariantMeta) -> VariantMeta:
    VARIANTS[meta.name] = meta
    for a in (meta.name, meta.display, *meta.aliases):
        _ALIASES[a.lower()] = meta.name
    return meta


def get_variant(name: str) -> VariantMeta:
    """The registered variant for ``name`` (case-insensitive; e.g. ``"B"``, ``"InfoSEM-BC"``)."""
    key = _ALIASES.get(str(name).lower())
    if key is None:
        msg = (
            f"Unknown InfoSEM variant {name!r}. Expected one of {sorted(VARIANTS)} "
            "(DeepSEM, InfoSEM-B with gene-embedding prior, InfoSEM-BC with embeddings and labels)."
        )
        raise ValueError(msg)
    return VARIANTS[key]
