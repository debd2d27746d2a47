"""Registry of the SEM variants (decoupler's ``MethodMeta`` pattern, :class:`scugrn._registry.Registry`):
each variant module registers its metadata and a prior builder; :func:`scugrn.infosem.fit` runs any of them through one loop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .._registry import Registry


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


VARIANTS: Registry = Registry(
    "InfoSEM variant", case_insensitive=True,
    hint="(DeepSEM, InfoSEM-B with gene-embedding prior, InfoSEM-BC with embeddings and labels).",
)


def register(meta: VariantMeta) -> VariantMeta:
    """Add a variant to :data:`VARIANTS` under its name, display name and aliases."""
    return VARIANTS.register(meta.name, meta, aliases=(meta.display, *meta.aliases))


def get_variant(name: str) -> VariantMeta:
    """The registered variant for ``name`` (case-insensitive; e.g. ``"B"``, ``"InfoSEM-BC"``)."""
    return VARIANTS.get(name)
