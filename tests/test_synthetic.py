"""Synthetic GRNs (scugrn.datasets.synthetic) and the pretraining function (scugrn.pretrain)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scugrn.datasets.synthetic import synthetic_grn, synthetic_universe


def test_synthetic_grn_contract():
    a = synthetic_grn(n_genes=50, n_tfs=10, n_cells=120, density=0.1, seed=3)
    assert a.shape == (120, 50)
    assert a.X.dtype == np.float32 and np.isfinite(a.X).all() and (a.X >= 0).all()
    assert a.var["is_tf"].sum() == 10 and a.var_names.is_unique
    gt = a.uns["ground_truth"]
    assert isinstance(gt, pd.DataFrame) and {"source", "target", "sign"} <= set(gt.columns)
    tfs = set(a.var_names[a.var["is_tf"].to_numpy()])
    assert set(gt["source"]) <= tfs
    assert (gt["source"] != gt["target"]).all()
    assert not gt.duplicated(["source", "target"]).any()
    assert len(gt) == a.uns["synthetic"]["n_edges"] == round(0.1 * 10 * 49)
    assert set(gt["sign"]) == {-1, 1}  # activation and repression
    assert a.uns["synthetic"]["seed"] == 3
    assert "counts" in a.layers and (a.layers["counts"] == 0).any()  # sampling zeros + dropout


def test_synthetic_grn_hubs():
    a = synthetic_grn(n_genes=200, n_tfs=20, n_cells=20, density=0.05, seed=0)
    deg = a.uns["ground_truth"]["source"].value_counts().reindex(
        a.var_names[a.var["is_tf"].to_numpy()], fill_value=0)
    assert deg.max() >= 4 * max(1, deg.median())  # power-law out-degree: a few hub TFs


def test_synthetic_grn_seeded():
    a, b = synthetic_grn(n_cells=50, seed=1), synthetic_grn(n_cells=50, seed=1)
    c = synthetic_grn(n_cells=50, seed=2)
    np.testing.assert_array_equal(a.X, b.X)
    pd.testing.assert_frame_equal(a.uns["ground_truth"], b.uns["ground_truth"])
    assert not np.array_equal(a.X, c.X)


def test_synthetic_grn_carries_signal():
    """Edges are visible in the data: |correlation| ranks true TF→gene pairs above the rest."""
    from sklearn.metrics import roc_auc_score

    a = synthetic_grn(n_genes=60, n_tfs=12, n_cells=400, density=0.08, seed=0)
    C = np.abs(np.corrcoef(a.X.T))
    idx = {g: i for i, g in enumerate(a.var_names)}
    pos = {(idx[s], idx[t]) for s, t in zip(a.uns["ground_truth"]["source"], a.uns["ground_truth"]["target"])}
    tf = np.flatnonzero(a.var["is_tf"].to_numpy())
    pairs = [(i, j) for i in tf for j in range(a.n_vars) if i != j]
    auc = roc_auc_score([p in pos for p in pairs], [C[p] for p in pairs])
    assert auc > 0.7


def test_gene_names_from_pool_and_universe():
    pool = [f"P{i}" for i in range(100)]
    a = synthetic_grn(n_genes=30, n_tfs=5, n_cells=10, gene_names=pool, seed=0)
    assert set(a.var_names) <= set(pool) and a.n_vars == 30
    ads, vocab = synthetic_universe(3, n_genes=20, n_tfs=4, n_cells=10, seed=0)
    sets = [set(x.var_names) for x in ads]
    assert all(not (sets[i] & sets[j]) for i in range(3) for j in range(i + 1, 3))
    assert set().union(*sets) <= set(vocab) and {"<pad>", "<cls>", "<eoc>"} <= set(vocab)
    assert sorted(vocab.values()) == list(range(len(vocab)))


@pytest.mark.parametrize(("kw", "match"), [
    ({"n_tfs": 10, "n_genes": 10}, "n_tfs < n_genes"),
    ({"density": 0.0}, "density"),
    ({"dropout": 1.0}, "dropout"),
    ({"gene_names": ["A", "A"]}, "distinct"),
])
def test_synthetic_grn_errors(kw, match):
    with pytest.raises(ValueError, match=match):
        synthetic_grn(**kw)


# --- pretraining -------------------------------------------------------------------------------
def _tiny_universe():
    return synthetic_universe(2, n_genes=16, n_tfs=4, n_cells=40, seed=0)


def test_pretrain_writes_official_checkpoint_reproducibly(tmp_path):
    import torch

    import scugrn
    from scugrn.models.scgpt import sha256_file
    from scugrn.pretrain import pretrain

    ads, vocab = _tiny_universe()
    kw = {"vocab": vocab, "d_model": 16, "nlayers": 1, "nhead": 2, "d_hid": 16, "steps": 12,
          "batch_size": 8, "max_genes": 12, "eval_every": 4, "verbose": False}
    state = torch.random.get_rng_state()
    a = pretrain(ads, out_dir=tmp_path / "a", seed=0, **kw)
    assert torch.equal(state, torch.random.get_rng_state())  # no global RNG side effect
    b = pretrain(ads, out_dir=tmp_path / "b", seed=0, **kw)
    c = pretrain(ads, out_dir=tmp_path / "c", seed=1, **kw)
    assert sha256_file(a / "best_model.pt") == sha256_file(b / "best_model.pt")
    assert sha256_file(a / "best_model.pt") != sha256_file(c / "best_model.pt")
    log = json.loads((a / "train_log.json").read_text())
    assert log["sha256"] == sha256_file(a / "best_model.pt")
    assert log["seed"] == 0 and log["config"]["steps"] == 12 and len(log["loss_curve"]) == 3
    assert [d["n_cells"] for d in log["data"]] == [40, 40]
    state_dict = torch.load(a / "best_model.pt", weights_only=True)
    assert any("self_attn.Wqkv.weight" in k for k in state_dict)  # flash layout, as scGPT ships
    model = scugrn.models.load(a, sha256=log["sha256"], device="cpu")
    assert model.cfg.d_model == 16 and len(model.vocab) == len(vocab)


def test_pretrain_errors(tmp_path):
    from scugrn.pretrain import pretrain

    ads, vocab = _tiny_universe()
    bad = {k: v for k, v in vocab.items() if k != "<cls>"}
    with pytest.raises(ValueError, match="<cls>"):
        pretrain(ads, vocab=bad, out_dir=tmp_path, steps=1, verbose=False)
    other = {t: i for i, t in enumerate(["<pad>", "<cls>", "<eoc>", "X1", "X2"])}
    with pytest.raises(ValueError, match="in the vocabulary"):
        pretrain(ads, vocab=other, out_dir=tmp_path, steps=1, verbose=False)
    with pytest.raises(ValueError, match="mask_ratio"):
        pretrain(ads, vocab=vocab, out_dir=tmp_path, steps=1, mask_ratio=1.5, verbose=False)


def test_pretrain_config_is_the_keyword_settings(tmp_path):
    """``config=PretrainConfig(...)`` and keyword settings are one thing (nanoGPT's config/train split)."""
    from scugrn.models.scgpt import sha256_file
    from scugrn.pretrain import PretrainConfig, pretrain

    ads, vocab = _tiny_universe()
    cfg = PretrainConfig(d_model=16, nlayers=1, nhead=2, d_hid=16, steps=6, batch_size=8, max_genes=12)
    a = pretrain(ads, vocab=vocab, out_dir=tmp_path / "a", config=cfg, verbose=False)
    b = pretrain(ads, vocab=vocab, out_dir=tmp_path / "b", verbose=False, d_model=16, nlayers=1, nhead=2,
                 d_hid=16, steps=6, batch_size=8, max_genes=12)
    assert sha256_file(a / "best_model.pt") == sha256_file(b / "best_model.pt")
    log = json.loads((a / "train_log.json").read_text())
    assert log["config"]["warmup"] == 1 and log["config"]["eval_every"] == 1  # resolved from steps
    with pytest.raises(TypeError, match="Unknown pretraining setting.*'step'"):
        pretrain(ads, vocab=vocab, out_dir=tmp_path / "c", config=cfg, step=3, verbose=False)
