"""One-hot logistic regression (InfoSEM's trivial supervised baseline).

Features of a pair (i, j): ``[one_hot(i), one_hot(j)]`` over one gene index (the union of the
training pairs' sources and targets), so a pair's score is ``σ(b + u_i + v_j)``: the model can
only learn how often a source regulates and how often a target is regulated — the gene-specific
degree bias the InfoSEM paper warns about. Genes unseen in training get an all-zero block. The L2
strength is cross-validated on the training pairs (``LogisticRegressionCV``), as in the paper.
"""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd

from ..._keys import Key
from ._registry import register_baseline


def _check_pairs(pairs, cols, what):
    if not isinstance(pairs, pd.DataFrame) or not set(cols) <= set(pairs.columns):
        found = list(pairs.columns) if isinstance(pairs, pd.DataFrame) else type(pairs).__name__
        msg = f"{what} must be a DataFrame with columns {list(cols)}; found {found}."
        raise ValueError(msg)


class OneHotLR:
    """Logistic regression on concatenated one-hot codes of source and target.

    Parameters
    ----------
    C
        Inverse L2 strength; ``None`` cross-validates it over ``Cs`` (``LogisticRegressionCV``).
    Cs
        Grid size (or list) of C values for the cross-validation.
    cv
        Folds (stratified, shuffled with ``seed``).
    scoring
        Cross-validation score (default average precision).
    seed
        Seed of the fold split.
    max_iter
        Solver iterations.

    Examples
    --------
    >>> import pandas as pd
    >>> from scugrn.benchmark.baselines import OneHotLR
    >>> train = pd.DataFrame({"source": ["A", "A", "B", "B"], "target": ["C", "D", "C", "D"],
    ...                       "label": [1, 1, 0, 0]})
    >>> pred = OneHotLR(C=1.0).fit(train).predict(train)
    >>> pred.iloc[0]["source"]
    'A'
    """

    def __init__(self, *, C: float | None = None, Cs=10, cv: int = 5, scoring: str = "average_precision",
                 seed: int = 0, max_iter: int = 1000):
        self.C, self.Cs, self.cv, self.scoring, self.seed, self.max_iter = C, Cs, cv, scoring, seed, max_iter
        self.genes_: pd.Index | None = None
        self.model_ = None

    def _features(self, pairs: pd.DataFrame):
        from scipy import sparse

        n, g = len(pairs), len(self.genes_)
        s = self.genes_.get_indexer(pairs["source"].astype(str))
        t = self.genes_.get_indexer(pairs["target"].astype(str))
        rows = np.r_[np.flatnonzero(s >= 0), np.flatnonzero(t >= 0)]
        cols = np.r_[s[s >= 0], g + t[t >= 0]]
        return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, 2 * g))

    def fit(self, pairs: pd.DataFrame) -> OneHotLR:
        """Fit on labelled pairs: DataFrame ``source, target, label``."""
        from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
        from sklearn.model_selection import StratifiedKFold

        _check_pairs(pairs, ("source", "target", "label"), "pairs")
        y = pairs["label"].to_numpy().astype(np.int64)
        if set(np.unique(y)) != {0, 1}:
            msg = f"Expected labels 0 and 1 in the training pairs; found {sorted(set(np.unique(y)))}."
            raise ValueError(msg)
        self.genes_ = pd.Index(pd.unique(pd.concat([pairs["source"], pairs["target"]]).astype(str)))
        Xf = self._features(pairs)
        if self.C is None:
            n_min = int(min(y.sum(), len(y) - y.sum()))
            if n_min < self.cv:
                msg = (f"Cross-validating C over {self.cv} folds needs at least {self.cv} pairs of each label; "
                       f"the training pairs have {n_min} of the rarer one. Pass a fixed C=, fewer folds (cv=), "
                       "or more training pairs.")
                raise ValueError(msg)
            folds = StratifiedKFold(n_splits=self.cv, shuffle=True, random_state=self.seed)
            extra = {}
            if "use_legacy_attributes" in inspect.signature(LogisticRegressionCV).parameters:
                # scikit-learn >= 1.9: say "pure L2" and take the new attribute layout explicitly
                # (coef_ / intercept_ keep their shapes) instead of relying on changing defaults
                extra = {"l1_ratios": (0.0,), "use_legacy_attributes": False}
            self.model_ = LogisticRegressionCV(Cs=self.Cs, cv=folds, scoring=self.scoring,
                                               max_iter=self.max_iter, **extra)
        else:
            self.model_ = LogisticRegression(C=self.C, max_iter=self.max_iter)
        self.model_.fit(Xf, y)
        return self

    def predict(self, pairs: pd.DataFrame) -> pd.DataFrame:
        """P(edge) for ``pairs`` (DataFrame ``source, target``) → ``source, target, weight`` sorted descending."""
        if self.model_ is None:
            msg = "OneHotLR is not fitted; call .fit(train_pairs) first."
            raise RuntimeError(msg)
        _check_pairs(pairs, ("source", "target"), "pairs")
        w = self.model_.predict_proba(self._features(pairs))[:, 1]
        out = pd.DataFrame({"source": pairs["source"].astype(str).to_numpy(),
                            "target": pairs["target"].astype(str).to_numpy(), "weight": w})
        return out.iloc[np.argsort(-w, kind="stable")].reset_index(drop=True)


@register_baseline(
    name="onehot_lr",
    desc="Logistic regression on one-hot(source) ⊕ one-hot(target), trained on labelled pairs.",
    reference="InfoSEM paper §5 and App. (one-hot LR, L2 cross-validated; scikit-learn)",
    supervised=True,
    needs_expression=False,
)
def onehot_lr(
    adata,
    *,
    train: pd.DataFrame,
    pairs: pd.DataFrame | None = None,
    seed: int = 0,
    C: float | None = None,
    Cs=10,
    cv: int = 5,
    scoring: str = "average_precision",
    max_iter: int = 1000,
    tf_key: str = Key.IS_TF,
) -> pd.DataFrame:
    """Fit :class:`OneHotLR` on ``train`` and score ``pairs`` (default: every TF→gene pair of ``adata``).

    Parameters
    ----------
    adata
        AnnData with ``var[tf_key]`` (only used to list the pairs to score).
    train
        Labelled training pairs: DataFrame ``source, target, label``.
    pairs
        Pairs to score (``source, target``); default all TF→gene pairs of ``adata``.
    seed, C, Cs, cv, scoring, max_iter
        As in :class:`OneHotLR` (``seed`` shuffles the cross-validation folds).
    tf_key
        Bool column of ``adata.var`` marking the TFs.

    Returns
    -------
    DataFrame ``source, target, weight`` (P(edge)), sorted descending.
    """
    if pairs is None:
        from ...datasets.labels import tf_gene_pairs

        pairs = tf_gene_pairs(adata, tf_key=tf_key)
    model = OneHotLR(C=C, Cs=Cs, cv=cv, scoring=scoring, seed=seed, max_iter=max_iter)
    return model.fit(train).predict(pairs)
