"""Datasets: gene lists, BEELINE, toy and synthetic GRNs. Paths come from an argument,
``scugrn.settings.data_dir`` (``SCUGRN_DATA_DIR``) or a checksummed download."""

from __future__ import annotations

from ._genes import from_genes, toy
from ._paths import data_file, resolve_data_dir
from .beeline import beeline, beeline_configs
from .labels import labelled_pairs, tf_gene_pairs
from .tfs import tf_list

__all__ = ["beeline", "beeline_configs", "data_file", "from_genes", "labelled_pairs", "resolve_data_dir",
           "synthetic_grn", "tf_gene_pairs", "tf_list", "toy"]


def __getattr__(name):
    if name == "synthetic_grn":
        from .synthetic import synthetic_grn

        return synthetic_grn
    msg = f"module 'scugrn.datasets' has no attribute {name!r}"
    raise AttributeError(msg)
