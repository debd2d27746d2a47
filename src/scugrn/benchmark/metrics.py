"""Edge-ranking metrics, each registered with its metadata (decoupler's ``MethodMeta`` pattern).

Every metric takes ``y_true`` (1 for a true edge, 0 otherwise) and ``y_score`` (higher = more
likely an edge) over the same pairs and returns a float. Areas come from scikit-learn.

============== ============================================================================
name           definition
============== ============================================================================
auroc          ``sklearn.metrics.roc_auc_score``
auprc          average precision, ``sklearn.metrics.average_precision_score`` (step-wise
               area under the precision-recall curve, no interpolation)
balanced_auprc average precision on a 1:1 sample: the larger class is subsampled without
               replacement (``default_rng(seed)``) to the size of the smaller; on a set that
               is already balanced (``labelled_pairs(neg_ratio=1)``) it equals ``auprc``.
               This is the AUPRC of the UGRN paper (N/P = 1)
auprc_ratio    ``auprc / density``, density = P / (P + N) (BEELINE)
epr            early precision ratio (BEELINE): precision among the top-k pairs, k = P, over
               density; pairs tied with the k-th score are all included, as in BEELINE's
               ``computeEarlyPrec``
hit_at_1pct    Hit@1% (InfoSEM): the share of true edges among the top 1% of scored pairs,
               k = ceil(0.01 × n); ties with the k-th score included, as for ``epr``
============== ============================================================================

BEELINE also takes ``abs()`` of the weights and rounds them to 6 decimals before ranking; scores
here are used as given (pass ``abs`` scores where the sign carries no meaning).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._registry import Registry

DEFAULT_METRICS = ("auroc", "auprc", "auprc_ratio", "epr", "hit_at_1pct")


@dataclass(frozen=True)
class MetricMeta:
    """A metric and what it means.

    Attributes
    ----------
    name
        Registry key.
    desc
        One-line definition.
    reference
        Where the definition comes from.
    higher_is_better
        Direction of the metric.
    func
        ``func(y_true, y_score, **kwargs) -> float``.
    """

    name: str
    desc: str
    reference: str
    higher_is_better: bool = True
    func: Callable[..., float] | None = field(default=None, repr=False, compare=False)

    def __call__(self, y_true, y_score, **kwargs) -> float:
        return self.func(y_true, y_score, **kwargs)


METRICS: Registry = Registry("metric", strict=True)


def register_metric(*, name: str, desc: str, reference: str, higher_is_better: bool = True):
    """Decorator: add ``func(y_true, y_score, **kwargs) -> float`` to :data:`METRICS` (a taken name
    is an error)."""

    def deco(func):
        METRICS.register(name, MetricMeta(name, desc, reference, higher_is_better, func))
        return func

    return deco


def list_metrics():
    """The registered metrics and their metadata, one row each."""
    return METRICS.frame()


def _check(y_true, y_score) -> tuple[np.ndarray, np.ndarray]:
    yt = np.asarray(y_true)
    ys = np.asarray(y_score, dtype=np.float64)
    if yt.ndim != 1 or ys.ndim != 1 or len(yt) != len(ys):
        msg = f"Expected 1-d y_true and y_score of equal length; found shapes {yt.shape} and {ys.shape}."
        raise ValueError(msg)
    if yt.dtype == bool:
        yt = yt.astype(np.int64)
    if len(yt) and not ((yt == 0) | (yt == 1)).all():  # cheaper than np.unique on every call
        vals = np.unique(yt)
        msg = f"y_true must hold 0/1 (or bool) labels; found values {vals[:10].tolist()}."
        raise ValueError(msg)
    yt = yt.astype(np.int64, copy=False)
    n_pos = int(yt.sum())
    if n_pos == 0 or n_pos == len(yt):
        msg = (
            f"Expected both true edges and non-edges; found {n_pos} positives among {len(yt)} pairs. "
            "Evaluate on labelled pairs (scugrn.datasets.labelled_pairs)."
        )
        raise ValueError(msg)
    if not np.isfinite(ys).all():
        msg = f"y_score has {int((~np.isfinite(ys)).sum())} NaN/inf values; expected finite scores."
        raise ValueError(msg)
    return yt, ys


def _top_k_precision(yt: np.ndarray, ys: np.ndarray, k: int) -> float:
    """Share of positives among pairs scoring at least the k-th highest score (ties included)."""
    k = min(max(int(k), 1), len(ys))
    kth = np.partition(ys, len(ys) - k)[len(ys) - k]
    top = ys >= kth
    return float(yt[top].mean())


@register_metric(
    name="auroc",
    desc="Area under the ROC curve.",
    reference="sklearn.metrics.roc_auc_score",
)
def auroc(y_true, y_score) -> float:
    """Area under the ROC curve (``sklearn.metrics.roc_auc_score``)."""
    from sklearn.metrics import roc_auc_score

    yt, ys = _check(y_true, y_score)
    return float(roc_auc_score(yt, ys))


@register_metric(
    name="auprc",
    desc="Average precision (step-wise area under the precision-recall curve).",
    reference="sklearn.metrics.average_precision_score",
)
def auprc(y_true, y_score) -> float:
    """Average precision (``sklearn.metrics.average_precision_score``)."""
    from sklearn.metrics import average_precision_score

    yt, ys = _check(y_true, y_score)
    return float(average_precision_score(yt, ys))


@register_metric(
    name="balanced_auprc",
    desc="Average precision on a 1:1 positive:negative sample (larger class subsampled, seeded).",
    reference="UGRN paper (VVP/GDT), §4: AUPRC at N/P = 1",
)
def balanced_auprc(y_true, y_score, *, seed: int = 0) -> float:
    """Average precision with as many negatives as positives.

    The larger class is subsampled without replacement to the size of the smaller with
    ``numpy.random.default_rng(seed)``; a set that is already balanced is used as is, so on
    ``labelled_pairs(adata, neg_ratio=1, seed=s)`` this equals :func:`auprc`.
    """
    yt, ys = _check(y_true, y_score)
    pos, neg = np.flatnonzero(yt == 1), np.flatnonzero(yt == 0)
    if len(pos) != len(neg):
        rng = np.random.default_rng(seed)
        m = min(len(pos), len(neg))
        pos = pos if len(pos) == m else rng.choice(pos, size=m, replace=False)
        neg = neg if len(neg) == m else rng.choice(neg, size=m, replace=False)
        idx = np.sort(np.concatenate([pos, neg]))
        yt, ys = yt[idx], ys[idx]
    return auprc(yt, ys)


@register_metric(
    name="auprc_ratio",
    desc="AUPRC divided by the density of true edges (AUPRC of a random ranking).",
    reference="Pratapa et al. 2020 (BEELINE)",
)
def auprc_ratio(y_true, y_score) -> float:
    """``auprc / density`` with density = P / (P + N)."""
    yt, ys = _check(y_true, y_score)
    return auprc(yt, ys) / float(yt.mean())


@register_metric(
    name="epr",
    desc="Early precision ratio: precision in the top-k (k = #true edges, ties included) over density.",
    reference="Pratapa et al. 2020 (BEELINE), BLEval/computeEarlyPrec.py",
)
def epr(y_true, y_score) -> float:
    """Early precision ratio (BEELINE).

    Early precision is the share of true edges among the top-k pairs, k = number of true edges;
    every pair tied with the k-th score is included (BEELINE keeps ``EdgeWeight >= k-th weight``).
    The ratio divides by the density P / (P + N), the early precision of a random ranking.
    """
    yt, ys = _check(y_true, y_score)
    return _top_k_precision(yt, ys, int(yt.sum())) / float(yt.mean())


@register_metric(
    name="hit_at_1pct",
    desc="Share of true edges among the top 1% of scored pairs (k = ceil(0.01 n), ties included).",
    reference="InfoSEM paper §5 (Hit@1%), rank metric after Pratapa et al. 2020",
)
def hit_at_1pct(y_true, y_score) -> float:
    """Hit@1% (InfoSEM): the share of true edges among the top 1% predicted pairs.

    The InfoSEM paper defines it as the "number of positive interactions among the top 1%
    predicted interactions" and reports it as a fraction (a random ranking scores ≈ density), so
    this returns ``#positives in top-k / k`` with ``k = ceil(0.01 × n_pairs)``; pairs tied with the
    k-th score are included (then divided by their actual number), as in BEELINE's early precision.
    """
    yt, ys = _check(y_true, y_score)
    return _top_k_precision(yt, ys, math.ceil(0.01 * len(yt)))


def evaluate(y_true, y_score, *, metrics: Iterable[str] = DEFAULT_METRICS, seed: int = 0) -> dict[str, float]:
    """Compute several registered metrics at once.

    Parameters
    ----------
    y_true
        0/1 labels (1 = true edge).
    y_score
        Scores, higher = more likely an edge.
    metrics
        Names from :data:`METRICS`.
    seed
        Passed to metrics that sample (``balanced_auprc``).

    Returns
    -------
    ``{name: value}`` in the order asked.

    Examples
    --------
    >>> from scugrn.benchmark.metrics import evaluate
    >>> evaluate([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1], metrics=("auroc", "auprc"))
    {'auroc': 0.75, 'auprc': 0.8333333333333333}
    """
    if isinstance(metrics, str):
        metrics = (metrics,)
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        msg = f"Unknown metrics {unknown}; expected names from {sorted(METRICS)}."
        raise ValueError(msg)
    yt, ys = _check(y_true, y_score)
    out = {}
    for m in metrics:
        meta = METRICS[m]
        kw = {"seed": seed} if "seed" in inspect.signature(meta.func).parameters else {}
        out[m] = float(meta(yt, ys, **kw))
    return out


def evaluate_edges(
    edges: pd.DataFrame,
    pairs: pd.DataFrame,
    *,
    metrics: Iterable[str] = DEFAULT_METRICS,
    seed: int = 0,
    missing: str = "error",
) -> dict[str, float]:
    """Evaluate predicted edges on labelled pairs.

    Parameters
    ----------
    edges
        Predictions: DataFrame ``source, target, weight``.
    pairs
        Labelled pairs: DataFrame ``source, target, label`` (``scugrn.datasets.labelled_pairs``).
    metrics, seed
        As in :func:`evaluate`.
    missing
        What to do with labelled pairs that have no prediction: ``"error"``, or ``"min"`` (score
        them below every prediction).

    Returns
    -------
    ``{name: value}``.
    """
    for what, df, cols in (("edges", edges, ("source", "target", "weight")), ("pairs", pairs, ("source", "target", "label"))):
        if not isinstance(df, pd.DataFrame) or not set(cols) <= set(df.columns):
            found = list(df.columns) if isinstance(df, pd.DataFrame) else type(df).__name__
            msg = f"{what} must be a DataFrame with columns {list(cols)}; found {found}."
            raise ValueError(msg)
    if missing not in ("error", "min"):
        msg = f"missing must be 'error' or 'min'; found {missing!r}."
        raise ValueError(msg)
    if edges.duplicated(["source", "target"]).any():
        msg = "edges has duplicated (source, target) rows; expected one weight per pair."
        raise ValueError(msg)
    w = pairs[["source", "target"]].merge(edges[["source", "target", "weight"]], how="left", on=["source", "target"])["weight"]
    n_miss = int(w.isna().sum())
    if n_miss:
        if missing == "error":
            msg = (
                f"{n_miss} of {len(pairs)} labelled pairs have no predicted weight; expected a weight for "
                "every pair. Score all TF→gene pairs, or pass missing='min'."
            )
            raise ValueError(msg)
        lo = float(edges["weight"].min()) if len(edges) else 0.0
        w = w.fillna(lo - 1.0)
    return evaluate(pairs["label"].to_numpy(), w.to_numpy(dtype=np.float64), metrics=metrics, seed=seed)
