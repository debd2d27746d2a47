"""Gene splits of the UGRN benchmark (scugrn.benchmark.splits) and the shortcut they remove.

A synthetic universe where hub TFs and hub targets recur between a training and a test dataset:
the degree baselines and one-hot LR exploit that on the leave-one-dataset-out split and must fall
to chance on the disjoint splits; the controls (random-weight features, permuted labels) stay at
chance everywhere, while a translator on features that carry pair signal stays above it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scugrn import Key
from scugrn.benchmark.splits import SPLITS, cut, gene_keys, make_split
from scugrn.benchmark.ugrn import _all_pairs, _eval_pairs, _training_labels, score_step, train_step

N_TF, N_GENE = 60, 400


def _universe(seed=0, signal=0.4):
    """Two datasets over overlapping genes (G0..G479), hubs shared; features = pair signal + noise."""
    import anndata as ad

    rng = np.random.default_rng(seed)
    tfs = [f"T{i}" for i in range(N_TF)]
    genes = [f"G{i}" for i in range(N_GENE)]
    hub_tf = rng.pareto(1.2, N_TF) + 0.05  # heavy-tailed: a few hub TFs
    hub_tg = rng.pareto(1.5, N_GENE) + 0.05
    ads = []
    for d, offset in enumerate((0, 80)):
        names = tfs + genes[offset:offset + 320]
        n = len(names)
        p = np.outer(hub_tf / hub_tf.mean(), np.r_[np.zeros(N_TF), hub_tg[offset:offset + 320] / hub_tg.mean()])
        p = np.clip(0.1 * p, 0, 0.9)
        truth = rng.random((N_TF, n)) < p
        truth[np.arange(N_TF), np.arange(N_TF)] = False
        s, t = np.nonzero(truth)
        a = ad.AnnData(X=np.zeros((0, n), dtype=np.float32), var=pd.DataFrame(index=names))
        a.var[Key.IS_TF] = [g.startswith("T") for g in names]
        a.uns[Key.TRUTH] = pd.DataFrame({"source": np.array(names)[s], "target": np.array(names)[t]})
        a.uns[Key.SPECIES] = "human"
        Y = np.zeros((n, n), dtype=np.float32)
        Y[s, t] = 1
        for key, sig in (("vvp", signal), ("gdt", signal), ("vvp@random-weights", 0.0), ("gdt@random-weights", 0.0)):
            F = rng.normal(size=(n, n, 2)).astype(np.float32)
            F[:, :, 0] += sig * Y
            a.varp[key] = F
            a.uns[Key.params(key)] = {"probe": key.split("@")[0], "backbone": {"name": f"syn{key}", "sha256": key}}
        ads.append(a)
        del d
    return ads


@pytest.fixture(scope="module")
def universe():
    return _universe()


def _scores(universe, split, seed=0, features=("vvp", "gdt", "ens"), translators=True):
    train, test = universe
    sp = make_split(split, [train], [test], seed=seed)
    tr_pairs, te_pairs = _all_pairs(train), _all_pairs(test)
    keys = (gene_keys(train.var_names), gene_keys(test.var_names))
    labels = [_training_labels(train, tr_pairs, keys[0], sp, 1, seed)]
    methods = train_step([train], labels, features=features, controls=True, seed=seed, epochs=8) if translators else {}
    ev = _eval_pairs(test, te_pairs, keys[1], sp, 1, seed)
    rows = score_step(test, ev, methods, zero_shot=(), seed=seed, labels=labels,
                      baselines=("random", "onehot_lr", "tf_degree", "target_degree"), fitted={})
    return sp, labels[0], ev, {r["method"]: r for r in rows}


def test_cut_is_infosem_cut():
    rng1, rng2 = np.random.default_rng(3), np.random.default_rng(3)
    a = np.arange(20)
    kept, held = cut(a, 0.25, rng1)
    p = rng2.permutation(a)
    assert list(held) == sorted(p[:5]) and list(kept) == sorted(p[5:])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        cut(a, 1.5, rng1)


def test_gene_keys_match_mouse_and_human(tmp_path):
    (tmp_path / "orthologs").mkdir()
    (tmp_path / "orthologs" / "mouse_to_human.csv").write_text(
        "Gene name,Human gene name,Human homology type\nCar2,CA2,ortholog_one2one\n")
    assert list(gene_keys(["CAR2", "Gata1"], species="mouse", data_dir=tmp_path)) == ["CA2", "GATA1"]
    assert list(gene_keys(["ca2"], species="human")) == ["CA2"]


def test_splits_keep_test_genes_out_of_training(universe):
    train, test = universe
    for split in ("tf-disjoint", "gene-disjoint"):
        sp, lab, ev, _ = _scores(universe, split, translators=False)
        names = test.var_names.to_numpy()
        test_src, test_tgt = set(names[ev.S]), set(names[ev.T])
        assert not test_src & set(lab["source"])  # no test TF is a source in training
        if split == "gene-disjoint":
            used = set(lab["source"]) | set(lab["target"])
            assert not (test_src | test_tgt) & used  # no test gene in either role
        assert sp.sizes["n_train_tfs"] == 30 and sp.sizes["n_test_tfs"] == 30
        assert sp.sizes["n_universe"] == N_TF + N_GENE
    sp = make_split("gene-disjoint", [train], [test], seed=0)
    assert sp.sizes["n_train_genes"] == 30 + 160 and sp.sizes["n_test_genes"] == N_TF + N_GENE - 190
    assert make_split("gene-disjoint", [train], [test], seed=0).train == sp.train  # seeded
    assert make_split("gene-disjoint", [train], [test], seed=1).train != sp.train
    assert make_split("dataset", [train], [test]) is None
    with pytest.raises(ValueError, match="gene-disjoint"):
        make_split("genes", [train])
    assert SPLITS == ("dataset", "tf-disjoint", "gene-disjoint")


def test_shortcut_baselines_fall_to_chance_on_disjoint_splits(universe):
    bal = {s: {m: r["balanced_auprc"] for m, r in _scores(universe, s, translators=False)[3].items()}
           for s in SPLITS}
    # leave one dataset out: the hubs recur, the shortcut works
    assert bal["dataset"]["tf_degree"] > 0.7 and bal["dataset"]["onehot_lr"] > 0.7
    assert bal["dataset"]["target_degree"] > 0.6
    # no test TF is a source in training: the TF's degree says nothing (all test pairs tie);
    # the targets still recur, so target degree and one-hot LR keep part of the shortcut
    assert bal["tf-disjoint"]["tf_degree"] == pytest.approx(0.5, abs=1e-12)
    assert bal["tf-disjoint"]["target_degree"] > 0.6
    # no test gene in training: every shortcut is at chance
    for m in ("tf_degree", "target_degree", "onehot_lr"):
        assert bal["gene-disjoint"][m] == pytest.approx(0.5, abs=0.03), m


@pytest.mark.slow
def test_controls_at_chance_and_pair_signal_survives_every_split(universe):
    """Mean over 4 seeds (as the tables report): random-weight and permuted-label controls within
    0.50 ± 0.03 on every split; a translator on features with pair signal above them."""
    acc = {}
    for seed in range(4):
        for s in SPLITS:
            for m, r in _scores(universe, s, seed=seed)[3].items():
                acc.setdefault((s, m), []).append(r)
    mean = {k: np.mean([r["balanced_auprc"] for r in v]) for k, v in acc.items()}
    for s in SPLITS:
        for m in ("random", "vvp[random-weights]", "gdt[random-weights]", "ens[random-weights]",
                  "vvp[permuted-labels]", "gdt[permuted-labels]", "ens[permuted-labels]"):
            assert mean[(s, m)] == pytest.approx(0.5, abs=0.03), (s, m)
        assert mean[(s, "ens")] > 0.6, s  # pair features carry over to unseen genes
        per_tf = {m: np.mean([r["per_tf_auprc_ratio"] for r in acc[(s, m)]]) for m in ("ens", "random")}
        assert per_tf["ens"] > per_tf["random"] + 0.05, s
