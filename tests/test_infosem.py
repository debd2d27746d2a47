"""DeepSEM / InfoSEM-B / InfoSEM-BC (scugrn.infosem, scugrn.tl.infosem) and InfoSEM's benchmark."""

from __future__ import annotations

import inspect
import subprocess
import sys

import anndata as ad
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

import scugrn
from scugrn.infosem import SEMConfig, fit, get_variant, labels_to_index, preset


def linear_sem(n_cells=300, n_genes=16, n_tf=4, *, seed=0, p=0.4, w=0.8):
    """Cells from a linear SEM X = Z (I − A)⁻¹ with activating TF → target edges (rows 0..n_tf-1).

    Activating edges because DeepSEM's A starts positive (1/(G−1)) and short fits rank |A| ≈ A.
    """
    rng = np.random.default_rng(seed)
    A = np.zeros((n_genes, n_genes))
    for i in range(n_tf):
        for k in range(n_tf, n_genes):
            if rng.random() < p:
                A[i, k] = rng.uniform(0.5, 1.0) * w
    X = rng.normal(size=(n_cells, n_genes)) @ np.linalg.inv(np.eye(n_genes) - A)
    return X, A


# A setting that trains in seconds: DeepSEM's model and loss with larger learning rates, 30 epochs
# and no L1 (alpha=0), on 300 cells x 16 genes. Its AUROC on TF rows was 0.90-1.00 over data seeds
# 0-5 when chosen; DeepSEM's own defaults (lr 1e-4, 120 epochs) need far more steps than a toy has.
FAST = {"alpha": 0.0, "beta": 0.1, "gamma": 0.99, "lr": 3e-3, "lr_adj_factor": 1.0, "n_epochs": 30, "batch_size": 128}


@pytest.fixture(scope="module")
def toy():
    return linear_sem(seed=0)


def _tf_auroc(A, scores, n_tf=4):
    mask = np.zeros_like(A, dtype=bool)
    mask[:n_tf] = True
    np.fill_diagonal(mask, False)
    return roc_auc_score(A[mask] != 0, scores[mask])


@pytest.fixture(autouse=True)
def _quiet():
    with scugrn.settings.override(verbose=False, device="cpu"):
        yield


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    """These fits are tiny: one torch thread is faster, and robust to a busy machine."""
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


# ------------------------------------------------------------------------------------------------
# configuration and registry
# ------------------------------------------------------------------------------------------------
def test_import_is_light():
    code = "import sys, scugrn.infosem; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_deepsem_presets_are_published_defaults():
    ct, nct = preset("celltype"), preset("non_celltype")
    shared = {"n_epochs": 120, "batch_size": 64, "lr": 1e-4, "lr_adj_factor": 0.2, "gamma": 0.95, "n_hidden": 128, "k1": 1, "k2": 2}
    for cfg in (ct, nct):
        assert {k: getattr(cfg, k) for k in shared} == shared
    assert (ct.alpha, ct.beta, ct.normalize, ct.dropout_mask) == (10.0, 0.1, "nonzero", True)
    assert (nct.alpha, nct.beta, nct.normalize, nct.dropout_mask) == (100.0, 1.0, "standard", False)
    assert preset("celltype", n_epochs=5, sigma_w=None).n_epochs == 5
    with pytest.raises(ValueError, match="preset"):
        preset("bulk")
    with pytest.raises(ValueError, match="n_epochs"):
        SEMConfig(n_epochs=0)


def test_variants_registered():
    assert get_variant("B").display == "InfoSEM-B"
    assert get_variant("infosem-bc").name == "BC"
    assert get_variant("DeepSEM").needs_labels is False
    assert get_variant("BC").needs_labels and get_variant("BC").needs_embeddings
    with pytest.raises(ValueError, match="Unknown InfoSEM variant"):
        get_variant("C")


def test_nonzero_normalisation_matches_deepsem():
    from scugrn.infosem._data import normalize

    X = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 0.0], [0.0, 5.0]])
    Xn, mask = normalize(X, "nonzero")
    nz = X[:, 0][X[:, 0] != 0]  # DeepSEM: mean / std of the non-zero entries of each gene
    np.testing.assert_allclose(Xn[:, 0], (X[:, 0] - nz.mean()) / nz.std(), rtol=1e-6)
    np.testing.assert_array_equal(mask, X != 0)
    Xs, _ = normalize(X, "standard")
    np.testing.assert_allclose(Xs.mean(0), 0, atol=1e-6)


# ------------------------------------------------------------------------------------------------
# recovery, determinism
# ------------------------------------------------------------------------------------------------
def test_deepsem_recovers_linear_sem(toy):
    X, A = toy
    res = fit(X, variant="deepsem", config=preset("non_celltype", **FAST), seed=0)
    assert res.scores.shape == A.shape
    assert np.all(np.diag(res.scores) == 0)
    assert _tf_auroc(A, res.scores) > 0.8


def test_infosem_b_recovers_linear_sem(toy):
    X, A = toy
    H = np.random.default_rng(1).normal(size=(A.shape[0], 8))
    cfg = preset("non_celltype", **{**FAST, "alpha": 1.0})
    res = fit(X, variant="B", embeddings=H, config=cfg, seed=0)
    assert _tf_auroc(A, res.scores) > 0.7


def test_embedding_prior_shapes_a():
    """With no signal in X, InfoSEM-B's A follows its prior mean h_i·w_src + h_k·w_tgt, fitted to A."""
    import torch

    from scugrn.infosem._priors import EmbeddingLaplacePrior

    prior = EmbeddingLaplacePrior(4, np.eye(4), sigma_w=1.0, init_noise=0.0, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        prior.w[0] = torch.tensor([1.0, 0.0, 0.0, 0.0])  # gene 0 a strong source
    m = prior.laplace_mean().detach().numpy()
    assert m[0, 1] == m[0, 2] == 1.0 and m[1, 2] == 0.0  # source effect shared over targets


def test_deterministic_given_seed(toy):
    X, _ = toy
    cfg = preset("non_celltype", **{**FAST, "n_epochs": 4})
    r1 = fit(X, variant="deepsem", config=cfg, seed=3)
    r2 = fit(X, variant="deepsem", config=cfg, seed=3)
    r3 = fit(X, variant="deepsem", config=cfg, seed=4)
    np.testing.assert_array_equal(r1.scores, r2.scores)
    assert not np.array_equal(r1.scores, r3.scores)


def test_ensemble_is_mean_of_runs(toy):
    X, _ = toy
    cfg = preset("non_celltype", **{**FAST, "n_epochs": 3})
    ens = fit(X, variant="deepsem", config=cfg, seed=5, n_runs=2)
    a = fit(X, variant="deepsem", config=cfg, seed=5)
    b = fit(X, variant="deepsem", config=cfg, seed=6)
    assert ens.seeds == [5, 6]
    np.testing.assert_allclose(ens.scores, (a.scores + b.scores) / 2, rtol=1e-6)
    assert len(ens.history) == 2 and ens.history[0][0]["phase"] == "nn" and ens.history[0][1]["phase"] == "A"


def test_infosem_bc_ranks_labelled_positives_first(toy):
    X, A = toy
    rng = np.random.default_rng(0)
    src, tgt = np.nonzero(~np.eye(A.shape[0], dtype=bool))
    pick = rng.choice(len(src), size=80, replace=False)
    s, t = src[pick], tgt[pick]
    y = (rng.random(80) < 0.5).astype(int)  # arbitrary labels: the prior must carry them
    cfg = preset("non_celltype", **{**FAST, "n_epochs": 20, "rank": 8, "sigma_l": 0.1, "lr_label": 0.05})
    res = fit(X, variant="BC", embeddings=np.eye(A.shape[0]), labels=(s, t, y), config=cfg, seed=0)
    assert roc_auc_score(y, res.scores[s, t]) > 0.9


def test_labels_to_index():
    genes = ["A", "B", "C"]
    s, t, y = labels_to_index(pd.DataFrame({"source": ["A"], "target": ["B"]}), genes)
    assert sorted(zip(s.tolist(), t.tolist(), y.tolist())) == [(0, 1, 1), (0, 2, 0)]  # implicit negative A->C
    s, t, y = labels_to_index(pd.DataFrame({"source": ["A"], "target": ["B"]}), genes, negatives="none")
    assert list(zip(s, t, y)) == [(0, 1, 1)]
    df = pd.DataFrame({"source": ["A", "B", "C"], "target": ["B", "C", "C"], "label": [1, 0, 1]})
    s, t, y = labels_to_index(df, genes)
    assert sorted(zip(s.tolist(), t.tolist(), y.tolist())) == [(0, 1, 1), (1, 2, 0)]  # self pair dropped


# ------------------------------------------------------------------------------------------------
# tl.infosem: the AnnData contract and bad input
# ------------------------------------------------------------------------------------------------
def _adata(X, n_tf=4):
    a = ad.AnnData(X=X.astype(np.float32))
    a.var_names = [f"g{i}" for i in range(X.shape[1])]
    a.var["is_tf"] = np.arange(X.shape[1]) < n_tf
    return a


def test_signature_keyword_only():
    from scugrn.tl import infosem

    params = list(inspect.signature(infosem).parameters.values())
    assert params[0].name == "adata" and params[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[1:])


def test_tl_infosem_writes_slots(toy):
    X, A = toy
    adata = _adata(X)
    out = scugrn.tl.infosem(adata, variant="B", embeddings="onehot", config=preset("non_celltype", **{**FAST, "n_epochs": 6}), key_added="isem")
    assert out is None
    G = A.shape[0]
    assert adata.varp["isem"].shape == (G, G)
    df = adata.uns["isem"]
    assert list(df.columns) == ["source", "target", "weight"]
    assert df["weight"].is_monotonic_decreasing
    assert set(df["source"]) == {f"g{i}" for i in range(4)}  # tf_only by default with var['is_tf']
    assert len(df) == 4 * (G - 1)
    i, k = adata.var_names.get_loc(df.source.iloc[0]), adata.var_names.get_loc(df.target.iloc[0])
    assert adata.varp["isem"][i, k] == pytest.approx(df.weight.iloc[0])
    p = adata.uns["isem_params"]
    assert p["variant"] == "InfoSEM-B" and p["embedding_source"] == "onehot"
    assert p["hyperparameters"]["n_epochs"] == 6 and p["seeds"] == [0] and p["version"] == scugrn.__version__
    # h5ad round trip of the params
    adata.write_h5ad(_tmp := __import__("tempfile").mktemp(suffix=".h5ad"))
    assert ad.read_h5ad(_tmp).uns["isem_params"]["variant"] == "InfoSEM-B"


def test_tl_infosem_copy_and_deepsem(toy):
    X, _ = toy
    adata = _adata(X)
    cfg = preset("non_celltype", **{**FAST, "n_epochs": 3})
    new = scugrn.tl.infosem(adata, variant="deepsem", config=cfg, copy=True, tf_only=False)
    assert "infosem" not in adata.varp and "infosem" in new.varp
    assert len(new.uns["infosem"]) == X.shape[1] * (X.shape[1] - 1)
    assert new.uns["infosem_params"]["variant"] == "DeepSEM"


def test_tl_infosem_bc_with_labels(toy):
    X, _ = toy
    adata = _adata(X)
    labels = pd.DataFrame({"source": ["g0", "g1"], "target": ["g5", "g6"]})
    cfg = preset("non_celltype", **{**FAST, "n_epochs": 3, "rank": 4})
    scugrn.tl.infosem(adata, variant="BC", embeddings="random", labels=labels, config=cfg)
    assert adata.uns["infosem_params"]["n_labels"] == 2


def test_bad_input(toy):
    X, _ = toy
    cfg = preset("non_celltype", **{**FAST, "n_epochs": 1})
    with pytest.raises(ValueError, match="0 cells"):
        scugrn.tl.infosem(_adata(X[:0]), variant="deepsem", config=cfg)
    Xc = X.copy()
    Xc[:, 3] = 1.0
    with pytest.raises(ValueError, match=r"constant gene.*g3"):
        scugrn.tl.infosem(_adata(Xc), variant="deepsem", config=cfg)
    Xn = X.copy()
    Xn[5, 2] = np.nan
    with pytest.raises(ValueError, match="NaN/inf"):
        scugrn.tl.infosem(_adata(Xn), variant="deepsem", config=cfg)
    labels = pd.DataFrame({"source": ["g0", "NOPE"], "target": ["g5", "g6"]})
    with pytest.raises(ValueError, match=r"NOPE.*Drop those rows"):
        scugrn.tl.infosem(_adata(X), variant="BC", embeddings="onehot", labels=labels, config=cfg)
    with pytest.raises(ValueError, match="labels=None"):
        scugrn.tl.infosem(_adata(X), variant="BC", embeddings="onehot", config=cfg)
    with pytest.raises(ValueError, match="does not use labels"):
        scugrn.tl.infosem(_adata(X), variant="B", embeddings="onehot", labels=labels.iloc[:1], config=cfg)
    with pytest.raises(ValueError, match="Unknown InfoSEM variant"):
        scugrn.tl.infosem(_adata(X), variant="C", config=cfg)
    with pytest.raises(ValueError, match="embeddings"):
        scugrn.tl.infosem(_adata(X), variant="B", embeddings="nope", config=cfg)
    with pytest.raises(ValueError, match=r"shape \(16, d\)"):
        scugrn.tl.infosem(_adata(X), variant="B", embeddings=np.ones((3, 2)), config=cfg)


# ------------------------------------------------------------------------------------------------
# the unseen-gene benchmark
# ------------------------------------------------------------------------------------------------
def test_split_follows_the_protocol():
    from scugrn.benchmark.infosem import make_split

    rng = np.random.default_rng(0)
    G = 60
    Y = np.zeros((G, G), dtype=bool)
    tfs = np.arange(12)
    Y[tfs] = rng.random((12, G)) < 0.3
    np.fill_diagonal(Y, False)
    sp = make_split(Y, tfs, seed=1)
    assert len(sp.unseen_tfs) == 3 and len(sp.seen_tfs) == 9  # 3:1
    assert set(sp.seen_genes).isdisjoint(sp.unseen_genes)
    assert len(sp.seen_genes) + len(sp.unseen_genes) == G
    s, t, _y = sp.train
    assert set(s) <= set(sp.seen_tfs) and set(t) <= set(sp.seen_genes)
    st, tt, _yt = sp.test_seen
    assert set(zip(s, t)).isdisjoint(zip(st, tt))
    assert 0.2 < len(st) / (len(st) + len(s)) < 0.3
    su, tu, yu = sp.test_unseen
    assert set(su) <= set(sp.unseen_tfs) and set(tu) <= set(sp.unseen_genes)
    assert len(su) == 3 * (len(sp.unseen_genes) - 1)  # all unseen TF -> unseen gene pairs
    np.testing.assert_array_equal(yu, Y[su, tu])
    assert np.all(s != t) and np.all(su != tu)
    sp2 = make_split(Y, tfs, seed=1)
    np.testing.assert_array_equal(sp.train[0], sp2.train[0])


def test_matcomp_completes_low_rank_labels():
    from scugrn.benchmark.baselines import matcomp_scores

    rng = np.random.default_rng(0)
    G = 60
    deg = rng.random(G)  # a degree-driven network: P(edge i -> k) = deg_i * deg_k (oracle AUROC 0.82)
    Y = (rng.random((G, G)) < np.outer(deg, deg)).astype(int)
    src, tgt = np.nonzero(~np.eye(G, dtype=bool))
    test = rng.random(len(src)) < 0.25
    S = matcomp_scores(G, (src[~test], tgt[~test], Y[src[~test], tgt[~test]]), rank=8, n_steps=150)
    assert roc_auc_score(Y[src[test], tgt[test]], S[src[test], tgt[test]]) > 0.75


@pytest.mark.shared_data
def test_benchmark_onehot_lr_is_random_on_unseen_genes(shared_data_dir, tmp_path):
    """The paper's first finding, on real labels: one-hot LR learns the degree bias of seen genes
    (far above the density on seen-gene test edges) and ties every unseen-gene pair."""
    from scugrn.benchmark.infosem import run_infosem_benchmark

    df = run_infosem_benchmark(
        [("mDC", "Non-Specific", 500)], methods=["random", "onehot_lr"], seeds=1,
        data_dir=shared_data_dir, out_dir=tmp_path,
    )
    assert (tmp_path / "results.csv").exists()
    r = df[(df.method == "onehot_lr") & (df.metric == "auprc")].set_index("test_set")
    assert r.loc["seen", "value"] > 5 * r.loc["seen", "density"]
    assert r.loc["unseen", "value"] == pytest.approx(r.loc["unseen", "density"], rel=1e-6)
    assert set(df.columns) >= {"name", "network", "method", "seed", "test_set", "metric", "value"}


def test_benchmark_cross_validates_sigmas(toy):
    """σ_w is picked per split by AUPRC on the training pairs, from one memoised fit per grid
    value; σ_l of InfoSEM-BC from the grid by a hold-out of the training pairs (InfoSEM App. C)."""
    from scugrn.benchmark.infosem import BenchConfig, make_split
    from scugrn.benchmark.infosem import methods as ib
    from scugrn.benchmark.metrics import auprc

    X, A = toy
    genes = [f"g{i}" for i in range(X.shape[1])]
    Y = A != 0
    tfs = np.arange(4)
    ctx = ib.BenchContext(BenchConfig("toy", "Specific"), _adata(X), genes, Y, tfs,
                          preset("celltype", **{**FAST, "n_epochs": 6}))
    split = make_split(Y, tfs, seed=0)
    scores = ib._infosem_b_cv_fn("random")(ctx, 0, split)
    assert len(ctx._fits) == len(ib.SIGMA_W_GRID)  # one fit per grid value
    chosen = ctx.notes["infosem_b:random+cv"][0]["sigma_w"]
    s, t, y = split.train
    aps = {sw: auprc(y, ib._fit_with(ctx, ib.METHODS["infosem_b:random"], 0, sigma_w=sw)[s, t])
           for sw in ib.SIGMA_W_GRID}
    assert len(ctx._fits) == len(ib.SIGMA_W_GRID)  # reused, not refitted
    assert aps[chosen] == max(aps.values())
    np.testing.assert_array_equal(scores, ib._fit_with(ctx, ib.METHODS["infosem_b:random"], 0, sigma_w=chosen))
    bc = ib._infosem_bc_cv_fn("random")(ctx, 0, split)
    note = ctx.notes["infosem_bc:random+cv"][0]
    assert note["sigma_w"] == chosen and note["sigma_l"] in ib.SIGMA_L_GRID
    assert bc.shape == Y.shape and np.isfinite(bc).all()
    assert {"infosem_b:text+cv", "infosem_bc:text+cv"} <= set(ib.METHODS)


def test_bench_infosem_cli_runs_from_the_package(tmp_path, monkeypatch):
    """``scugrn bench infosem`` is the package's own CLI (no script outside the package)."""
    from pathlib import Path

    from scugrn import cli

    small = Path(__file__).parent / "data" / "beeline_small"
    monkeypatch.chdir(tmp_path)  # nothing from the repository's benchmarks/ folder is reachable
    rc = cli.main(["bench", "infosem", "--data-dir", str(small), "--cells", "hESC", "--networks", "Specific",
                   "--methods", "random", "onehot_lr", "--seeds", "2", "--out", "out", "--quiet"])
    assert rc == 0
    res = pd.read_csv(tmp_path / "out" / "results.csv")
    assert set(res["method"]) == {"random", "onehot_lr"} and set(res["seed"]) == {0, 1}
    assert "One-hot LR" in (tmp_path / "out" / "tables.md").read_text()
