"""Expression and supervised baselines: output contract, slow references, planted signal."""

from __future__ import annotations

import importlib.util
import warnings

import numpy as np
import pandas as pd
import pytest

from scugrn import Key
from scugrn.benchmark.baselines import (
    BASELINES,
    OneHotLR,
    grnboost2,
    onehot_lr,
    pearson,
    random_scores,
    run_baseline,
    spearman,
)


def _adata(n_cells=60, seed=0, zero_cells=False):
    """6 genes, TFs T1, T2; G1 = 2*T1 + noise, G2 = -T2 + noise, G3 constant, G4 noise."""
    import anndata as ad

    rng = np.random.default_rng(seed)
    t1, t2 = rng.normal(size=n_cells), rng.normal(size=n_cells)
    X = np.c_[t1, 2 * t1 + 0.3 * rng.normal(size=n_cells), t2, -t2 + 0.3 * rng.normal(size=n_cells),
              np.full(n_cells, 1.5), rng.normal(size=n_cells)].astype(np.float32)
    X = np.round(X, 1)  # ties, for Spearman's average ranks
    genes = ["T1", "G1", "T2", "G2", "G3", "G4"]
    if zero_cells:
        X = X[:0]
    a = ad.AnnData(X=X, var=pd.DataFrame(index=genes))
    a.var[Key.IS_TF] = [g.startswith("T") for g in genes]
    a.uns[Key.TRUTH] = pd.DataFrame({"source": ["T1", "T2"], "target": ["G1", "G2"]})
    return a


def _check_edges(e, adata):
    assert list(e.columns) == ["source", "target", "weight"]
    tfs = set(adata.var_names[adata.var[Key.IS_TF]])
    assert len(e) == len(tfs) * (adata.n_vars - 1)
    assert set(e.source) <= tfs and not (e.source == e.target).any()
    assert not e.duplicated(["source", "target"]).any()
    assert e.weight.is_monotonic_decreasing and np.isfinite(e.weight).all()


def _as_dict(e):
    return {(s, t): w for s, t, w in e.itertuples(index=False)}


def test_registry():
    assert {"random", "pearson", "spearman", "grnboost2", "onehot_lr"} <= set(BASELINES)
    for name, meta in BASELINES.items():
        assert meta.name == name and meta.desc and meta.reference and callable(meta.func)
    assert BASELINES["onehot_lr"].supervised and not BASELINES["pearson"].supervised
    with pytest.raises(ValueError, match="Unknown baseline"):
        run_baseline("genie4", _adata())


def test_random_is_seeded():
    a = _adata()
    e0 = random_scores(a, seed=0)
    _check_edges(e0, a)
    pd.testing.assert_frame_equal(e0, run_baseline("random", a, seed=0))
    assert not e0.equals(random_scores(a, seed=1))
    _check_edges(random_scores(_adata(zero_cells=True)), a)  # needs no cells


def test_pearson_against_scipy():
    from scipy.stats import pearsonr

    a = _adata()
    e = pearson(a)
    _check_edges(e, a)
    d = _as_dict(e)
    X = a.X.astype(np.float64)
    names = list(a.var_names)
    for (s, t), w in d.items():
        i, j = names.index(s), names.index(t)
        ref = 0.0 if t == "G3" else abs(pearsonr(X[:, i], X[:, j])[0])  # constant gene: 0
        assert w == pytest.approx(ref, abs=1e-10), (s, t)
    assert e.iloc[0][["source", "target"]].tolist() in (["T1", "G1"], ["T2", "G2"])


def test_spearman_against_scipy():
    from scipy.stats import spearmanr

    a = _adata()
    e = spearman(a)
    _check_edges(e, a)
    X = a.X.astype(np.float64)
    names = list(a.var_names)
    for (s, t), w in _as_dict(e).items():
        if t == "G3":
            assert w == 0.0
            continue
        ref = abs(spearmanr(X[:, names.index(s)], X[:, names.index(t)])[0])
        assert w == pytest.approx(ref, abs=1e-10), (s, t)


@pytest.mark.parametrize("fn", [pearson, spearman])
def test_expression_baselines_need_cells(fn):
    with pytest.raises(ValueError, match="needs expression"):
        fn(_adata(zero_cells=True))


def test_missing_tf_column():
    a = _adata()
    del a.var[Key.IS_TF]
    with pytest.raises(KeyError, match="is_tf"):
        pearson(a)


@pytest.mark.skipif(importlib.util.find_spec("arboreto") is None,
                    reason="needs arboreto (pip install 'scugrn[grnboost]')")
def test_grnboost2_finds_planted_edges():
    a = _adata(n_cells=80)
    quick = {"n_estimators": 40}  # arboreto's SGBM_KWARGS otherwise (5000 rounds with early stopping)
    e = grnboost2(a, seed=0, n_jobs=1, verbose=False, regressor_kwargs=quick)
    _check_edges(e, a)
    d = _as_dict(e)
    # each target's true regulator gets the larger importance
    assert d[("T1", "G1")] > d[("T2", "G1")]
    assert d[("T2", "G2")] > d[("T1", "G2")]
    assert (e.weight >= 0).all()
    pd.testing.assert_frame_equal(e, grnboost2(a, seed=0, n_jobs=1, verbose=False, regressor_kwargs=quick))


def test_grnboost2_without_arboreto(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "arboreto" or name.startswith("arboreto."):
            raise ImportError("No module named 'arboreto'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match="scugrn\\[grnboost\\]"):
        grnboost2(_adata(), n_jobs=1)


def test_onehot_lr_learns_degree_bias():
    # S1 regulates every target in training, S2 none: unseen pairs inherit that bias
    train = pd.DataFrame({
        "source": ["S1"] * 4 + ["S2"] * 4,
        "target": ["A", "B", "C", "D"] * 2,
        "label": [1, 1, 1, 1, 0, 0, 0, 0],
    })
    model = OneHotLR(C=10.0).fit(train)
    test = pd.DataFrame({"source": ["S2", "S1"], "target": ["E", "E"]})  # E unseen
    pred = model.predict(test)
    assert list(pred.columns) == ["source", "target", "weight"]
    assert pred.source.tolist() == ["S1", "S2"]  # sorted descending
    assert pred.weight.iloc[0] > 0.5 > pred.weight.iloc[1]
    # features: one-hot source block and one-hot target block over the union gene index
    F = model._features(train).toarray()
    assert F.shape == (8, 2 * len(model.genes_)) and (F.sum(1) == 2).all()
    assert (model._features(test).toarray().sum(1) == 1).all()  # unseen target: empty block


def test_onehot_lr_cv_and_runner():
    a = _adata()
    rng = np.random.default_rng(0)
    from scugrn.datasets import labelled_pairs

    train = labelled_pairs(a, neg_ratio=None)
    train = pd.concat([train, train], ignore_index=True)  # enough rows for 2 folds per class
    with warnings.catch_warnings():  # no scikit-learn deprecation noise (pyproject ignores FutureWarning)
        warnings.simplefilter("error")
        e = run_baseline("onehot_lr", a, train=train, Cs=3, cv=2, seed=int(rng.integers(100)))
    _check_edges(e, a)
    assert ((e.weight > 0) & (e.weight < 1)).all()
    e2 = onehot_lr(a, train=train, C=1.0, pairs=train[["source", "target"]].iloc[:3])
    assert len(e2) == 3


def test_onehot_lr_errors():
    with pytest.raises(RuntimeError, match="not fitted"):
        OneHotLR().predict(pd.DataFrame({"source": ["A"], "target": ["B"]}))
    with pytest.raises(ValueError, match="labels 0 and 1"):
        OneHotLR().fit(pd.DataFrame({"source": ["A", "B"], "target": ["C", "D"], "label": [1, 1]}))
    with pytest.raises(ValueError, match="columns"):
        OneHotLR().fit(pd.DataFrame({"source": ["A"], "target": ["C"]}))


def test_onehot_lr_too_few_pairs_for_its_folds():
    train = pd.DataFrame({"source": ["A", "A", "B"], "target": ["C", "D", "C"], "label": [1, 0, 0]})
    with pytest.raises(ValueError, match="at least 5 pairs of each label"):
        OneHotLR(cv=5).fit(train)


def test_degree_baselines_count_training_edges():
    a = _adata()
    train = pd.DataFrame({"source": ["T1", "T1", "T2", "T2"], "target": ["G1", "G2", "G1", "G4"],
                          "label": [1, 1, 1, 0]})
    e = run_baseline("tf_degree", a, train=train)
    _check_edges(e, a)
    d = _as_dict(e)
    assert d[("T1", "G3")] == 2 and d[("T2", "G3")] == 1
    e = run_baseline("target_degree", a, train=train)
    _check_edges(e, a)
    d = _as_dict(e)
    assert d[("T2", "G1")] == 2 and d[("T1", "G2")] == 1 and d[("T1", "G4")] == 0  # negatives do not count
    assert BASELINES["tf_degree"].supervised and not BASELINES["tf_degree"].needs_expression
    with pytest.raises(ValueError, match="train must be a DataFrame with columns"):
        run_baseline("tf_degree", a, train=train.drop(columns="label"))
