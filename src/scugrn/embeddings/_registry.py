"""Registry of gene-embedding sources, each with its metadata (decoupler's ``MethodMeta`` pattern,
:class:`scugrn._registry.Registry`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .._registry import Registry


class MissingGenesError(KeyError, ValueError):
    """Genes a source has no embedding for. Lists them; a ``KeyError`` and a ``ValueError``."""

    def __init__(self, message: str, missing: list[str]):
        super().__init__(message)
        self.message = message
        self.missing = list(missing)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class SourceMeta:
    """A gene-embedding source.

    ``fn(genes, *, model, dim, seed, path) -> (matrix (n, d), found (n,) bool, info dict)``; rows of
    genes that are not found may hold anything (they are zeroed or reported by the caller).
    """

    name: str
    desc: str
    reference: str
    needs_model: bool
    default_dim: int | None
    fn: Callable = field(repr=False, compare=False)
    optional_dependency: str | None = None


SOURCES: Registry = Registry("embedding source")


def register_source(meta: SourceMeta) -> SourceMeta:
    """Add a source to :data:`SOURCES` (a second, different source under a taken name is an error)."""
    return SOURCES.register(meta.name, meta)


def get_source(name: str) -> SourceMeta:
    return SOURCES.get(name)
