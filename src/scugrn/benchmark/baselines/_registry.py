"""Registry of baseline GRN scorers, each with its metadata (decoupler's ``MethodMeta`` pattern,
:class:`scugrn._registry.Registry`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..._common import dense, matrix_edges, tf_mask
from ..._keys import Key
from ..._registry import Registry


@dataclass(frozen=True)
class BaselineMeta:
    """A baseline and what it is.

    Attributes
    ----------
    name
        Registry key.
    desc
        One-line description.
    reference
        Where the method comes from.
    supervised
        ``True`` when it needs labelled training pairs (``train=``).
    needs_expression
        ``True`` when it reads ``adata.X`` (cells × genes).
    func
        ``func(adata, **kwargs) -> DataFrame source, target, weight`` (supervised: ``train=`` too).
    """

    name: str
    desc: str
    reference: str
    supervised: bool = False
    needs_expression: bool = True
    func: Callable[..., pd.DataFrame] | None = field(default=None, repr=False, compare=False)


BASELINES: Registry = Registry("baseline", strict=True)


def register_baseline(*, name: str, desc: str, reference: str, supervised: bool = False,
                      needs_expression: bool = True):
    """Decorator: add a scorer to :data:`BASELINES` (a taken name is an error)."""

    def deco(func):
        BASELINES.register(name, BaselineMeta(name, desc, reference, supervised, needs_expression, func))
        return func

    return deco


def list_baselines():
    """The registered baselines and their metadata, one row each."""
    return BASELINES.frame()


def run_baseline(name: str, adata, **kwargs) -> pd.DataFrame:
    """Run the registered baseline ``name`` on ``adata`` (keyword arguments go to the method).

    Returns
    -------
    DataFrame ``source, target, weight`` over every TF→gene pair, sorted by weight, descending.
    """
    return BASELINES.get(name).func(adata, **kwargs)


def expression_matrix(adata, *, layer: str | None, min_cells: int = 2) -> np.ndarray:
    """Dense float64 cells × genes from ``adata.X`` or ``adata.layers[layer]``."""
    if adata.n_obs < min_cells:
        msg = (
            f"This baseline needs expression: expected at least {min_cells} cells, found {adata.n_obs}. "
            "BEELINE configurations without expression (uns['beeline']['has_expression'] False) "
            "cannot be scored by expression baselines."
        )
        raise ValueError(msg)
    if layer is not None and layer not in adata.layers:
        msg = f"Expected adata.layers[{layer!r}], found layers {list(adata.layers)}."
        raise KeyError(msg)
    X = dense(adata.X if layer is None else adata.layers[layer], np.float64, copy=True)
    if not np.isfinite(X).all():
        msg = f"Expression has {int((~np.isfinite(X)).sum())} NaN/inf entries; expected finite values."
        raise ValueError(msg)
    return X


def tf_indices(adata, *, tf_key: str = Key.var.IS_TF) -> np.ndarray:
    return np.flatnonzero(tf_mask(adata, key=tf_key, require=True))


def edges_from_matrix(adata, scores: np.ndarray, tf_idx: np.ndarray) -> pd.DataFrame:
    """``scores`` (T, G) for TF rows ``tf_idx`` → DataFrame source, target, weight (no self pairs),
    sorted by weight descending (stable: ties keep TF-major var order)."""
    return matrix_edges(adata.var_names.to_numpy().astype(str), scores, tf_idx)
