"""Calibrated edge weights (issue 13, item 2; docs/defaults.md "Edge weights")."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import scugrn
from scugrn import Key

ROOT = Path(__file__).resolve().parents[1]


def _logit(p):
    return np.log(p) - np.log1p(-p)


def test_readme_main_job_weights_are_distinct_and_never_1(tmp_path):
    """The README's main job: every weight a distinct probability below 1 (14 tied at 1.0 before)."""
    from scugrn.cli import main

    out = tmp_path / "edges.tsv"
    rc = main(["infer", "--genes", str(ROOT / "examples" / "genes.txt"), "--tfs", str(ROOT / "examples" / "tfs.txt"),
               "--model", "demo", "--translator", "demo", "--out", str(out), "-q"])
    assert rc == 0
    df = pd.read_csv(out, sep="\t")
    assert list(df.columns) == ["source", "target", "weight", "score", "rank"]
    assert len(df) == 13 * 29
    assert df["weight"].nunique() >= 0.99 * len(df)
    assert (df["weight"] < 1.0).all() and (df["weight"] > 0.0).all()
    assert df["score"].is_monotonic_decreasing and df["rank"].tolist() == list(range(1, len(df) + 1))
    # the weights are the shipped calibration applied to the score, at the default density
    cal = scugrn.translator.pretrained("ens").calibration
    z = cal["slope"] * df["score"] + cal["offset"] + _logit(cal["density"])
    np.testing.assert_allclose(_logit(df["weight"]), z, atol=1e-6)  # logit(w) near w = 1 loses digits


def test_shipped_calibration_is_the_measured_one():
    """The translators carry the fit benchmarks/calibration.py reported in docs/calibration.json,
    fitted on configurations other than the training one (hESC)."""
    res = json.loads((ROOT / "docs" / "calibration.json").read_text())
    for name in ("ens", "vvp", "gdt"):
        cal = scugrn.translator.pretrained(name).calibration
        assert cal == res["shipped_calibration"][name]
        assert 0 < cal["slope"] < 1  # the translators are over-confident: a temperature, measured
        assert cal["fitted_on"] and not any(c.startswith("hESC") for c in cal["fitted_on"])
        assert cal["density"] == pytest.approx(4221 / 339647)
    fitted = {(r["translator"], r["method"]): r for r in res["pooled"]}
    assert fitted[("ens", "fitted")]["ece"] < fitted[("ens", "raw")]["ece"] / 5


def test_prior_shift_for_a_translator_without_a_measured_calibration(tiny_model):
    ad = scugrn.datasets.toy(n_tfs=4, n_targets=12, genes=[f"G{i}" for i in range(16)], seed=1)
    scugrn.tl.gdt(ad, model=tiny_model, n_values=3, verbose=False)
    tr = scugrn.tl.train_translator(ad, features="gdt", neg_ratio=2, epochs=3, verbose=False)
    cal = tr.calibration
    assert cal["slope"] == 1.0 and cal["train_prior"] == pytest.approx(tr.info["n_pos"] / tr.info["n_train"])
    assert cal["train_prior"] == pytest.approx(1 / 3, abs=0.05)
    n_true = len(ad.uns[Key.TRUTH])
    assert cal["density"] == pytest.approx(n_true / (4 * 15))  # true edges / all TF→gene pairs
    scugrn.tl.predict_grn(ad, translator=tr)
    df = ad.uns[Key.GRN]
    z = df["score"] - _logit(cal["train_prior"]) + _logit(cal["density"])
    np.testing.assert_allclose(_logit(df["weight"]), z, rtol=1e-9, atol=1e-9)
    assert ad.uns["grn_params"]["density"] == pytest.approx(cal["density"])
    scugrn.tl.predict_grn(ad, translator=tr, density=0.01, key_added="d01")
    low = ad.uns["d01"]
    pd.testing.assert_series_equal(low["score"], df["score"])
    assert (low["weight"] < df["weight"]).all()  # a sparser prior lowers every probability
    np.testing.assert_allclose(_logit(df["weight"]) - _logit(low["weight"]),
                               _logit(cal["density"]) - _logit(0.01), rtol=1e-6)


def test_top_and_top_per_tf(tiny_model):
    ad = scugrn.datasets.toy(n_tfs=4, n_targets=12, genes=[f"G{i}" for i in range(16)], seed=1)
    scugrn.tl.gdt(ad, model=tiny_model, n_values=3, verbose=False)
    tr = scugrn.tl.train_translator(ad, features="gdt", epochs=3, verbose=False)
    full = scugrn.tl.predict_grn(ad, translator=tr, copy=True).uns[Key.GRN]
    k = scugrn.tl.predict_grn(ad, translator=tr, top_per_tf=3, copy=True)
    kd = k.uns[Key.GRN]
    assert (kd.groupby("source").size() == 3).all() and len(kd) == 12
    assert kd["rank"].tolist() == list(range(1, 13)) and kd["score"].is_monotonic_decreasing
    for s, g in kd.groupby("source"):
        assert set(g["target"]) == set(full[full.source == s].head(3)["target"])
    assert np.isfinite(k.varp[Key.GRN]).sum() == len(full)  # varp keeps every scored pair
    both = scugrn.tl.predict_grn(ad, translator=tr, top_per_tf=3, top=5, copy=True).uns[Key.GRN]
    pd.testing.assert_frame_equal(both, kd.head(5))
    before = set(ad.uns)
    for bad in ({"top": 0}, {"top_per_tf": 2.5}, {"density": 0.0}, {"density": 1.0}, {"top": True}):
        with pytest.raises(ValueError, match="top|density"):
            scugrn.tl.predict_grn(ad, translator=tr, **bad)
    assert set(ad.uns) == before


def test_ensemble_calibration_is_saved_and_members_fall_back(tmp_path, caplog):
    from scugrn.translator import Ensemble, load, pretrained

    shipped = pretrained("ens")
    back = load(shipped.save(tmp_path / "ens"))
    assert back.calibration == shipped.calibration and back.calibration["slope"] < 1
    mixed = Ensemble([pretrained("vvp"), pretrained("gdt")])  # measured members, no ensemble fit
    with caplog.at_level("WARNING", logger="scugrn"):
        cal = mixed.calibration
    assert cal["slope"] == 1.0 and "do not combine" in caplog.text
    prior = pretrained("vvp").info["n_pos"] / pretrained("vvp").info["n_train"]
    assert cal["offset"] == pytest.approx(-_logit(prior))
