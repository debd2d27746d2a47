"""scugrn: gene regulatory networks read out of single-cell foundation models.

``import scugrn`` is light: torch, scanpy and the backbone code load on first use.
"""

from __future__ import annotations

import importlib

from ._keys import Key
from ._settings import settings

__version__ = "0.1.0"

_SUBMODULES = {"pp", "tl", "pl", "models", "probes", "translator", "datasets", "benchmark", "infosem", "embeddings",
               "pretrain"}
_LAZY_ATTRS = {"from_genes": ("scugrn.datasets", "from_genes")}

__all__ = ["Key", "benchmark", "datasets", "embeddings", "from_genes", "infosem", "models", "pl", "pp", "pretrain",
           "probes", "settings", "tl", "translator"]


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"scugrn.{name}")
    if name in _LAZY_ATTRS:
        mod, attr = _LAZY_ATTRS[name]
        return getattr(importlib.import_module(mod), attr)
    msg = f"module 'scugrn' has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__():
    return __all__
