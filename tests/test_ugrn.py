"""The UGRN benchmark engine on the tiny BEELINE fixture (offline)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import scugrn
from scugrn.benchmark.ugrn import Config, markdown_table, run_transfer

TINY = Path(__file__).parent / "data" / "beeline_tiny"
TRAIN, TEST = "hESC/Specific/500", "mDC/STRING/500"


@pytest.fixture(scope="module")
def backbone(tmp_path_factory):
    genes = set()
    for c in (TRAIN, TEST):
        c = Config.parse(c)
        ad = scugrn.datasets.beeline(c.name, network=c.network, size=c.size, path=TINY)
        genes |= {g.upper() for g in ad.var_names}
    ck = scugrn.models.random_checkpoint(tmp_path_factory.mktemp("bb") / "ck", genes=sorted(genes), d_model=16,
                                         nlayers=1, nhead=2, d_hid=16)
    return scugrn.models.load(ck, device="cpu")


def _run(backbone, cache):
    return run_transfer(backbone=backbone, train=TRAIN, test=[TEST], seeds=range(2), epochs=3, n_values=3,
                        data_dir=TINY, cache_dir=cache, verbose=False)


def test_transfer_table(backbone, tmp_path):
    res = _run(backbone, tmp_path / "cache")
    methods = set(res["method"])
    assert {"emb", "vvp", "gdt", "ens", "vvp[random-weights]", "gdt[random-weights]", "ens[random-weights]",
            "gdt[permuted-labels]", "ens[permuted-labels]", "origin_pert", "origin_attn", "random",
            "pearson", "spearman", "onehot_lr"} <= methods
    assert set(res["seed"]) == {0, 1} and set(res["test"]) == {TEST}
    for m in ("auroc", "balanced_auprc", "hit_at_1pct"):
        assert res[m].between(0, 1).all(), m
    assert (res["auprc_ratio"] >= 0).all() and (res["epr"] >= 0).all()
    np.testing.assert_allclose(res["auprc"], res["balanced_auprc"])  # the sample is 1:1 at N/P = 1
    table = markdown_table(res)
    assert table.count("\n") == 3 and "± " in table and "**mean**" in table
    # a rerun with the same seeds gives the same numbers, from the cache
    again = _run(backbone, tmp_path / "cache")
    pd.testing.assert_frame_equal(res.drop(columns=[]), again)


def test_cache_is_keyed_by_settings(backbone, tmp_path):
    from scugrn.benchmark._cache import FeatureCache

    c = FeatureCache(tmp_path)
    ad = scugrn.datasets.beeline("mDC", network="STRING", size=500, path=TINY)
    c.get(ad, "gdt", model=backbone, n_values=3, verbose=False)
    c.get(ad, "gdt", model=backbone, n_values=3, verbose=False)
    # re-indexing by name: the same gene set in another order gives the same features per pair
    perm = ad[:, ad.var_names[::-1]].copy()
    c.get(perm, "gdt", model=backbone, n_values=3, verbose=False)
    assert (c.hits, c.misses) == (2, 1)
    other = ad.copy()
    c.get(other, "gdt", model=backbone, n_values=2, verbose=False)
    c.get(other, "gdt", model=scugrn.models.randomize(backbone, seed=1), n_values=3, verbose=False)
    assert (c.hits, c.misses) == (2, 3)
    i, j = 0, 3
    gi, gj = ad.var_names[i], ad.var_names[j]
    pi, pj = perm.var_names.get_loc(gi), perm.var_names.get_loc(gj)
    np.testing.assert_array_equal(ad.varp["gdt"][i, j], perm.varp["gdt"][pi, pj])


def test_config_parse_errors():
    with pytest.raises(ValueError, match="hESC/STRING/500"):
        Config.parse("hESC-STRING")


def test_missing_pairs_are_guessed_not_ranked_last():
    """A scorer with no information must sit at chance even when unmapped genes are enriched among
    negatives (as on BEELINE); ranking their pairs last would lift it above 0.5."""
    from scugrn.benchmark.metrics import evaluate
    from scugrn.benchmark.ugrn import _impute_missing

    rng = np.random.default_rng(0)
    n = 20000
    y = rng.random(n) < 0.5
    missing = rng.random(n) < np.where(y, 0.05, 0.25)  # unmapped genes: rarer among true edges
    s = rng.random(n)
    s[missing] = np.nan
    last = np.where(missing, -1.0, s)
    ap_last = evaluate(y, last, metrics=("balanced_auprc",), seed=0)["balanced_auprc"]
    ap_guess = evaluate(y, _impute_missing(s, missing), metrics=("balanced_auprc",), seed=0)["balanced_auprc"]
    assert ap_last > 0.53  # the bias this guards against
    assert abs(ap_guess - 0.5) < 0.015


def test_imbalanced_sample_reports_plain_auprc():
    """Table 6: at N/P = 3 the AUPRC is taken on the sample as it is (a random ranking scores its
    density, 0.25), while balanced AUPRC subsamples it to 1:1 (random ≈ 0.5)."""
    from sklearn.metrics import average_precision_score

    from scugrn.benchmark.ugrn import _metrics

    rng = np.random.default_rng(0)
    y = (rng.random(4000) < 0.05).astype(np.int8)
    s = rng.random(4000)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    sample = np.sort(np.concatenate([pos, rng.choice(neg, 3 * len(pos), replace=False)]))
    out = _metrics(y, s, sample, seed=0)
    assert out["auprc"] == pytest.approx(average_precision_score(y[sample], s[sample]))
    assert out["auprc"] == pytest.approx(0.25, abs=0.05)
    assert out["balanced_auprc"] == pytest.approx(0.5, abs=0.07)


def test_protocols_split_by_species_and_network():
    """cross-species trains on the species of ``train`` and tests on the other species, both ways."""
    from scugrn.benchmark.ugrn import protocol

    h2m = protocol("cross-species", train="hESC/Specific/500", data_dir=TINY)[0]
    m2h = protocol("cross-species", train="mDC/STRING/500", data_dir=TINY)[0]
    assert [str(c) for c in h2m["train"]] == ["hESC/Specific/500"] and {c.species for c in h2m["test"]} == {"mouse"}
    assert [str(c) for c in m2h["train"]] == ["mDC/STRING/500"] and {c.species for c in m2h["test"]} == {"human"}
    with pytest.raises(ValueError, match="human STRING configurations to train on"):
        protocol("cross-species", train="hESC/STRING/500", data_dir=TINY)
    net = protocol("cross-network", train="hESC/Specific/500", data_dir=TINY)[0]
    assert all(c.network != "Specific" and c.name != "hESC" for c in net["test"]) and net["test"]


def test_baselines_follow_their_metadata(backbone, tmp_path):
    # hESC has no expression in the fixture: random and one-hot LR still score it, Pearson cannot
    res = run_transfer(backbone=backbone, train=TEST, test=[TRAIN], features=["emb"], controls=False,
                       baselines=["random", "pearson", "onehot_lr"], seeds=range(1), epochs=2,
                       data_dir=TINY, cache_dir=tmp_path, verbose=False)
    assert set(res["method"]) == {"emb", "random", "onehot_lr"}
    with pytest.raises(ValueError, match="Unknown baseline.*'pearsn'.*expected names"):
        run_transfer(backbone=backbone, train=TEST, test=[TRAIN], baselines=["pearsn"], data_dir=TINY,
                     cache_dir=tmp_path, verbose=False)


def test_cli_zero_shot_flag():
    from scugrn.benchmark.cli import build_parser, zero_shot_from

    def zs(*argv):
        return zero_shot_from(build_parser().parse_args(["--backbone", "demo", *argv]))

    assert zs() == zs("--zero-shot") == ["origin_pert", "origin_attn"]
    assert zs("--zero-shot", "origin_attn") == ["origin_attn"]
    assert zs("--no-zero-shot") == []


def test_engine_split_into_steps_keeps_the_outputs(backbone, tmp_path):
    """run_transfer split into feature / train / score steps (Ens as a translator.Ensemble) gives the
    numbers of the single-function engine it replaced (tests/data/ugrn_tiny_reference.csv, written
    by that engine at commit c14a4fd on this fixture)."""
    ref = pd.read_csv(Path(__file__).parent / "data" / "ugrn_tiny_reference.csv")
    res = _run(backbone, tmp_path / "cache")
    assert set(res["split"]) == {"dataset"}
    got = res[ref.columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, ref, check_dtype=False, check_exact=False, rtol=0, atol=1e-9)


def test_disjoint_split_on_the_fixture(backbone, tmp_path):
    res = run_transfer(backbone=backbone, train=TRAIN, test=[TEST], seeds=range(1), epochs=2, n_values=3,
                       data_dir=TINY, cache_dir=tmp_path / "cache", verbose=False, split="tf-disjoint",
                       baselines=("random", "tf_degree"), zero_shot=())
    assert set(res["split"]) == {"tf-disjoint"}
    for c in ("n_universe", "n_train_genes", "n_test_genes", "n_train_tfs", "n_test_tfs"):
        assert (res[c] > 0).all(), c
    # fewer pairs than leave-one-dataset-out: only pairs of held-out TFs are tested
    full = scugrn.benchmark.ugrn._all_pairs(scugrn.datasets.beeline("mDC", network="STRING", size=500, path=TINY))
    assert (res["n_pairs"] < len(full[0])).all()
    b = res.set_index("method")["balanced_auprc"]
    assert b["tf_degree"] == pytest.approx(0.5)  # no test TF has a degree in training
    with pytest.raises(ValueError, match="gene-disjoint"):
        run_transfer(backbone=backbone, train=TRAIN, test=[TEST], split="genes", data_dir=TINY)
