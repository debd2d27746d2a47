"""Random scores: the chance level of every metric."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..._keys import Key
from ._registry import edges_from_matrix, register_baseline, tf_indices


@register_baseline(
    name="random",
    desc="Uniform random score for every TF→gene pair (seeded).",
    reference="chance level",
    needs_expression=False,
)
def random_scores(adata, *, seed: int = 0, tf_key: str = Key.var.IS_TF) -> pd.DataFrame:
    """Uniform random weights in [0, 1) for every TF→gene pair.

    Parameters
    ----------
    adata
        AnnData with ``var[tf_key]``; cells are not read.
    seed
        Seed of ``numpy.random.default_rng``.
    tf_key
        Bool column of ``adata.var`` marking the TFs.

    Returns
    -------
    DataFrame ``source, target, weight``, sorted by weight, descending.
    """
    tf_idx = tf_indices(adata, tf_key=tf_key)
    rng = np.random.default_rng(seed)
    return edges_from_matrix(adata, rng.random((len(tf_idx), adata.n_vars)), tf_idx)
