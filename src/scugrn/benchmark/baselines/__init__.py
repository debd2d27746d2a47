"""Baselines that score every TF→gene pair: ``random``, ``pearson``, ``spearman``, ``grnboost2``
(expression), ``onehot_lr`` (supervised, InfoSEM's trivial baseline) and the degree shortcuts
``tf_degree`` / ``target_degree`` (supervised: hub genes of the training labels); matrix completion
of a label matrix (:func:`matcomp_scores`, InfoSEM's MatComp). Each is registered in
:data:`BASELINES` with its metadata and returns a DataFrame ``source, target, weight`` sorted by
weight, descending; :func:`run_baseline` runs one by name.
"""

from __future__ import annotations

from . import _correlation, _degree, _grnboost2, _onehot_lr, _random  # noqa: F401  (register the methods)
from ._correlation import pearson, spearman
from ._degree import target_degree, tf_degree
from ._grnboost2 import grnboost2
from ._matcomp import MATCOMP_LAMBDAS, matcomp_scores
from ._onehot_lr import OneHotLR, onehot_lr
from ._random import random_scores
from ._registry import BASELINES, BaselineMeta, list_baselines, register_baseline, run_baseline

__all__ = [
    "BASELINES", "MATCOMP_LAMBDAS", "BaselineMeta", "OneHotLR", "grnboost2", "list_baselines", "matcomp_scores",
    "onehot_lr", "pearson", "random_scores", "register_baseline", "run_baseline", "spearman", "target_degree",
    "tf_degree",
]
