"""Baselines that score every TF→gene pair: ``random``, ``pearson``, ``spearman``, ``grnboost2``
(expression) and ``onehot_lr`` (supervised, InfoSEM's trivial baseline); matrix completion of a
label matrix (:func:`matcomp_scores`, InfoSEM's MatComp). Each is registered in
:data:`BASELINES` with its metadata and returns a DataFrame ``source, target, weight`` sorted by
weight, descending; :func:`run_baseline` runs one by name.
"""

from __future__ import annotations

from . import _correlation, _grnboost2, _onehot_lr, _random  # noqa: F401  (register the methods)
from ._correlation import pearson, spearman
from ._grnboost2 import grnboost2
from ._matcomp import MATCOMP_LAMBDAS, matcomp_scores
from ._onehot_lr import OneHotLR, onehot_lr
from ._random import random_scores
from ._registry import BASELINES, BaselineMeta, list_baselines, register_baseline, run_baseline

__all__ = [
    "BASELINES", "MATCOMP_LAMBDAS", "BaselineMeta", "OneHotLR", "grnboost2", "list_baselines", "matcomp_scores",
    "onehot_lr", "pearson", "random_scores", "register_baseline", "run_baseline", "spearman",
]
