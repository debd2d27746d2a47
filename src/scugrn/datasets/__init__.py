"""Datasets: gene lists, BEELINE, toy and synthetic GRNs. Paths come from an argument,
``scugrn.settings.data_dir`` (``SCUGRN_DATA_DIR``) or a checksummed download."""

from __future__ import annotations

import importlib

from ._genes import from_genes, toy
from ._paths import data_file, resolve_data_dir

_LAZY = {
    "beeline": ".beeline", "beeline_configs": ".beeline", "labelled_pairs": ".labels",
    "synthetic_grn": ".synthetic", "tf_list": ".tfs",
}

__all__ = ["data_file", "from_genes", "resolve_data_dir", "toy", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    msg = f"module 'scugrn.datasets' has no attribute {name!r}"
    raise AttributeError(msg)
