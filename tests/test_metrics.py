"""Metrics checked against values computed by hand and against slow, obvious references."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from scugrn.benchmark.metrics import (
    METRICS,
    MetricMeta,
    auprc,
    auprc_ratio,
    auroc,
    balanced_auprc,
    epr,
    evaluate,
    evaluate_edges,
    hit_at_1pct,
    register_metric,
)

# 10 pairs ranked by score; true edges at ranks 1, 3 and 6 (P = 3, N = 7, density 0.3)
Y = np.array([1, 0, 1, 0, 0, 1, 0, 0, 0, 0])
S = np.linspace(0.9, 0.0, 10)


def test_hand_computed():
    # AUROC: negatives below each positive 7, 6, 4 -> 17 / (3 * 7)
    assert auroc(Y, S) == pytest.approx(17 / 21)
    # AP: precision at each positive 1/1, 2/3, 3/6 -> mean 13/18
    assert auprc(Y, S) == pytest.approx(13 / 18)
    assert auprc_ratio(Y, S) == pytest.approx((13 / 18) / 0.3)
    # top-3 holds 2 positives -> 2/3 over density 0.3
    assert epr(Y, S) == pytest.approx((2 / 3) / 0.3)
    # k = ceil(0.01 * 10) = 1: the top pair is a positive
    assert hit_at_1pct(Y, S) == 1.0
    # the order of the pairs does not matter
    perm = np.random.default_rng(0).permutation(10)
    assert auprc(Y[perm], S[perm]) == pytest.approx(13 / 18)
    assert epr(Y[perm], S[perm]) == pytest.approx((2 / 3) / 0.3)


def test_epr_includes_ties_like_beeline():
    y = np.array([1, 0, 0, 1, 0, 0])
    s = np.array([0.9, 0.5, 0.5, 0.5, 0.1, 0.0])
    # k = 2, the 2nd score 0.5 is shared by 3 pairs: 4 pairs kept, 2 true -> 0.5 / (2/6)
    assert epr(y, s) == pytest.approx(1.5)


def test_hit_at_1pct_k_is_ceil_of_one_percent():
    n = 250  # k = ceil(2.5) = 3
    s = np.arange(n, 0, -1, dtype=float)  # rank i has score n - i
    y = np.zeros(n, dtype=int)
    y[[0, 2, 10]] = 1  # ranks 1 and 3 in the top 3, rank 11 not
    assert hit_at_1pct(y, s) == pytest.approx(2 / 3)
    y2 = np.zeros(n, dtype=int)
    y2[[3, 4]] = 1
    assert hit_at_1pct(y2, s) == 0.0


def test_ap_against_slow_reference():
    rng = np.random.default_rng(1)
    y = (rng.random(300) < 0.2).astype(int)
    s = rng.random(300) + 0.3 * y  # no ties
    order = np.argsort(-s)
    hits = np.cumsum(y[order])
    ref = np.mean([hits[i] / (i + 1) for i in range(len(y)) if y[order][i]])
    assert auprc(y, s) == pytest.approx(ref)
    # AUROC = P(score of a positive > score of a negative)
    pos, neg = s[y == 1], s[y == 0]
    assert auroc(y, s) == pytest.approx(np.mean(pos[:, None] > neg[None, :]))


def test_balanced_auprc():
    # already balanced: plain AP
    y = np.array([1, 0, 1, 0])
    s = np.array([0.9, 0.8, 0.7, 0.1])
    assert balanced_auprc(y, s) == pytest.approx(auprc(y, s)) == pytest.approx(1 / 2 + 1 / 2 * 2 / 3)
    # one positive scored below every negative: any 1:1 sample gives AP 1/2
    y = np.array([1, 0, 0, 0, 0])
    s = np.array([0.1, 0.9, 0.8, 0.7, 0.6])
    assert all(balanced_auprc(y, s, seed=k) == pytest.approx(0.5) for k in range(5))
    # the documented sampling: majority class drawn without replacement with default_rng(seed)
    rng = np.random.default_rng(3)
    y = (rng.random(200) < 0.1).astype(int)
    s = rng.random(200) + 0.2 * y
    pos, neg = np.flatnonzero(y), np.flatnonzero(y == 0)
    keep = np.sort(np.r_[pos, np.random.default_rng(7).choice(neg, size=len(pos), replace=False)])
    assert balanced_auprc(y, s, seed=7) == pytest.approx(auprc(y[keep], s[keep]))
    assert balanced_auprc(y, s, seed=7) == balanced_auprc(y, s, seed=7)


def test_random_scores_sit_at_chance():
    rng = np.random.default_rng(0)
    y = (rng.random(20000) < 0.05).astype(int)
    s = rng.random(20000)
    assert auroc(y, s) == pytest.approx(0.5, abs=0.02)
    assert auprc_ratio(y, s) == pytest.approx(1.0, abs=0.1)
    assert epr(y, s) == pytest.approx(1.0, abs=0.2)


@pytest.mark.parametrize(("y", "s", "match"), [
    ([1, 1, 1], [0.1, 0.2, 0.3], "both true edges and non-edges"),
    ([0, 0], [0.1, 0.2], "both true edges and non-edges"),
    ([1, 0, 2], [0.1, 0.2, 0.3], "0/1"),
    ([1, 0], [0.1, np.nan], "NaN"),
    ([1, 0, 1], [0.1, 0.2], "equal length"),
])
def test_bad_input(y, s, match):
    for m in METRICS.values():
        with pytest.raises(ValueError, match=match):
            m(y, s)


def test_bool_labels():
    assert auprc(Y.astype(bool), S) == pytest.approx(13 / 18)


def test_registry_and_evaluate():
    assert {"auroc", "auprc", "balanced_auprc", "auprc_ratio", "epr", "hit_at_1pct"} <= set(METRICS)
    for name, meta in METRICS.items():
        assert isinstance(meta, MetricMeta) and meta.name == name and meta.desc and meta.reference
        assert meta.higher_is_better
    out = evaluate(Y, S, metrics=("epr", "auroc", "balanced_auprc"))
    assert list(out) == ["epr", "auroc", "balanced_auprc"]
    assert out["auroc"] == pytest.approx(17 / 21)
    assert out["balanced_auprc"] == balanced_auprc(Y, S, seed=0)
    with pytest.raises(ValueError, match="Unknown metrics"):
        evaluate(Y, S, metrics=("f1",))
    with pytest.raises(ValueError, match="already registered"):
        register_metric(name="auroc", desc="x", reference="y")(lambda a, b: 0.0)


def test_evaluate_edges():
    pairs = pd.DataFrame({"source": list("AABB"), "target": list("CDCD"), "label": [1, 0, 0, 1]})
    edges = pd.DataFrame({"source": list("BABA"), "target": list("DCCD"), "weight": [0.9, 0.8, 0.2, 0.1]})
    out = evaluate_edges(edges, pairs, metrics=("auroc", "auprc"))
    assert out["auroc"] == pytest.approx(1.0) and out["auprc"] == pytest.approx(1.0)
    partial = edges.iloc[:3]  # A->D missing
    with pytest.raises(ValueError, match="1 of 4 labelled pairs have no predicted weight"):
        evaluate_edges(partial, pairs)
    assert evaluate_edges(partial, pairs, metrics=("auroc",), missing="min")["auroc"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="columns"):
        evaluate_edges(edges.rename(columns={"weight": "w"}), pairs)
    assert math.isfinite(evaluate_edges(edges, pairs)["epr"])


def test_grouped_auprc_matches_sklearn_per_group_with_ties():
    from sklearn.metrics import average_precision_score

    from scugrn.benchmark.metrics import grouped_auprc, per_tf

    rng = np.random.default_rng(0)
    n = 3000
    g = rng.choice(["A", "B", "C", "D", "E"], n)
    y = (rng.random(n) < 0.2).astype(int)
    for s in (np.round(rng.random(n), 1), np.zeros(n), rng.random(n) + y):
        t = grouped_auprc(y, s, g)
        for k in "ABCDE":
            m = g == k
            assert t.loc[k, "auprc"] == pytest.approx(average_precision_score(y[m], s[m]))
    # per-TF: only TFs with >= min_pos true targets; a hub ranked first does not lift it
    y = np.r_[np.ones(50), np.zeros(50), np.ones(5), np.zeros(95)].astype(int)
    src = np.r_[np.zeros(100), np.ones(100)]
    s = np.r_[np.full(100, 2.0), rng.random(100)]  # the hub TF's pairs all above the other's
    out = per_tf(y, s, src, min_pos=5)
    assert out["n_tfs_scored"] == 2
    assert out["per_tf_auprc"] < evaluate(y, s, metrics=("auprc",))["auprc"]
    assert per_tf(y, s, src, min_pos=6)["n_tfs_scored"] == 1
    assert np.isnan(per_tf(y, s, src, min_pos=100)["per_tf_auprc"])
