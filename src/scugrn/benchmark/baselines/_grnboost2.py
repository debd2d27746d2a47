"""GRNBoost2 (Moerman et al. 2019) through arboreto's own per-target routine.

arboreto 0.1.6 schedules its per-target regressions with dask; that scheduler fails with current
dask (docs/methods.md §9) and, run in threads, is ~10× slower than in processes (GIL). Here the very same
per-target function (``arboreto.core.infer_partial_network``, stochastic gradient boosting with
arboreto's ``SGBM_KWARGS`` and its early-stopping monitor, one seed for every target as in
``arboreto.algo.grnboost2``) runs in joblib worker processes instead. Pass ``client=`` (a
``distributed.Client``) to use arboreto's dask path unchanged.

Install: ``pip install 'scugrn[grnboost]'`` (arboreto 0.1.6 with the dask pins it needs).
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd

from ..._keys import Key
from ..._settings import settings
from ._registry import edges_from_matrix, expression_matrix, register_baseline, tf_indices

logger = logging.getLogger("scugrn")


def _import_arboreto():
    try:
        with warnings.catch_warnings():
            # dask 2024.2's legacy DataFrame announces its own deprecation on import
            warnings.filterwarnings("ignore", message=".*Dask DataFrame implementation is deprecated", category=DeprecationWarning)
            from arboreto import core
    except ImportError as e:  # arboreto missing, or its dask import broken
        msg = (
            "grnboost2 needs arboreto: expected `import arboreto.core` to work, found "
            f"{type(e).__name__}: {e}. Install it with pip install 'scugrn[grnboost]' "
            "(arboreto==0.1.6, dask[dataframe]==2024.2.1, distributed==2024.2.1)."
        )
        raise ImportError(msg) from e
    return core


def _infer_target(tf_matrix, tf_names, target, y, window, seed, kwargs):
    """One target's regression, in a worker process (imports arboreto there, quietly)."""
    core = _import_arboreto()
    return core.infer_partial_network("GBM", {**core.SGBM_KWARGS, **kwargs}, tf_matrix, tf_names, target, y,
                                      False, window, seed)


@register_baseline(
    name="grnboost2",
    desc="GRNBoost2: per-target stochastic gradient boosting on the TFs; weight = TF importance.",
    reference="Moerman et al. 2019, Bioinformatics (arboreto 0.1.6)",
)
def grnboost2(
    adata,
    *,
    seed: int = 0,
    n_jobs: int = -1,
    layer: str | None = None,
    tf_key: str = Key.var.IS_TF,
    early_stop_window_length: int = 25,
    regressor_kwargs: dict | None = None,
    client=None,
    verbose: bool | None = None,
) -> pd.DataFrame:
    """GRNBoost2 importances for every TF→gene pair.

    Parameters
    ----------
    adata
        Cells × genes AnnData with ``var[tf_key]``.
    seed
        ``random_state`` of every per-target regressor (arboreto uses one seed for all targets).
    n_jobs
        joblib worker processes (``-1``: all cores). Ignored with ``client``.
    layer
        Read ``adata.layers[layer]`` instead of ``X``.
    tf_key
        Bool column of ``adata.var`` marking the TFs.
    early_stop_window_length
        arboreto's early-stopping window (boosting rounds).
    regressor_kwargs
        Overrides of arboreto's ``SGBM_KWARGS`` (learning_rate 0.01, n_estimators 5000,
        max_features 0.1, subsample 0.9), e.g. ``{"n_estimators": 50}`` for a quick run. Keep the
        defaults for GRNBoost2 proper.
    client
        A ``distributed.Client``: run arboreto's dask path on it (``arboreto.algo.diy`` with the
        same regressor, as ``arboreto.algo.grnboost2`` does) instead of joblib.
    verbose
        Progress bar over targets (default ``scugrn.settings.verbose``).

    Returns
    -------
    DataFrame ``source, target, weight`` over every TF→gene pair, sorted descending. Pairs that
    arboreto leaves out (zero importance, or a failed regression) have weight 0.
    """
    core = _import_arboreto()  # fail early, with the install hint
    kw = dict(regressor_kwargs or {})
    X = expression_matrix(adata, layer=layer)  # (C, G)
    tf_idx = tf_indices(adata, tf_key=tf_key)
    genes = adata.var_names.to_numpy().astype(str)
    tf_names = genes[tf_idx].tolist()
    verbose = settings.verbose if verbose is None else verbose

    if client is not None:
        from arboreto.algo import diy

        links = diy(pd.DataFrame(X, columns=genes), "GBM", {**core.SGBM_KWARGS, **kw}, tf_names=tf_names,
                    client_or_address=client, seed=seed, early_stop_window_length=early_stop_window_length)
    else:
        from joblib import Parallel, delayed
        from tqdm.auto import tqdm

        tf_matrix = np.ascontiguousarray(X[:, tf_idx])  # (C, T)
        jobs = (
            delayed(_infer_target)(tf_matrix, tf_names, genes[j], X[:, j], early_stop_window_length, seed, kw)
            for j in range(len(genes))
        )
        parts = Parallel(n_jobs=n_jobs, return_as="generator")(jobs)
        parts = list(tqdm(parts, total=len(genes), desc="grnboost2 targets", disable=not verbose))
        parts = [p for p in parts if len(p)]
        links = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["TF", "target", "importance"])

    scores = np.zeros((len(tf_idx), adata.n_vars))  # (T, G)
    row = pd.Index(tf_names).get_indexer(links["TF"].astype(str))
    col = pd.Index(genes).get_indexer(links["target"].astype(str))
    ok = (row >= 0) & (col >= 0)
    scores[row[ok], col[ok]] = links["importance"].to_numpy(dtype=np.float64)[ok]
    return edges_from_matrix(adata, scores, tf_idx)
