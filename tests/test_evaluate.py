"""Predicted edges against a user's own truth network (scugrn.benchmark.evaluate_network, `bench eval`)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scugrn.benchmark import evaluate_network
from scugrn.benchmark.metrics import evaluate


def _case(seed=0, n_tf=20, n_gene=100):
    rng = np.random.default_rng(seed)
    tfs = [f"TF{i}" for i in range(n_tf)]
    genes = tfs + [f"G{i}" for i in range(n_gene)]
    S = np.repeat(tfs, len(genes))
    T = np.tile(genes, n_tf)
    keep = S != T
    S, T = S[keep], T[keep]
    y = rng.random(len(S)) < 0.1
    w = y * 0.7 + rng.random(len(S))
    edges = pd.DataFrame({"source": S, "target": T, "weight": w})
    truth = pd.DataFrame({"source": S[y], "target": T[y]})
    return edges, truth, y, w


def test_same_metrics_as_the_harness():
    edges, truth, y, w = _case()
    out = evaluate_network(edges, truth, seed=0)
    ref = evaluate(y, w, metrics=("auprc_ratio", "epr", "hit_at_1pct"))
    for k, v in ref.items():
        assert out[k] == pytest.approx(v)
    assert out["n_pairs"] == len(y) and out["n_pos"] == int(y.sum()) and out["n_missing_pairs"] == 0
    assert out["balanced_auprc"] > 0.7 and out["n_tfs_scored"] == 20
    # the order of the rows does not matter
    again = evaluate_network(edges.sample(frac=1, random_state=1), truth.iloc[::-1], seed=0)
    assert again == out


def test_pairs_without_prediction_are_guessed_and_outside_truth_counted():
    edges, truth, y, _ = _case()
    drop = edges["target"].isin(["G1", "G2", "G3"])  # genes a backbone could not place
    out = evaluate_network(edges[~drop], truth.assign(), genes=pd.unique(pd.concat([edges.source, edges.target])))
    assert out["n_missing_pairs"] == int(drop.sum()) and out["n_pairs"] == len(y)
    extra = pd.concat([truth, pd.DataFrame({"source": ["TF0", "XX"], "target": ["NOTAGENE", "G5"]})])
    out2 = evaluate_network(edges, extra)
    assert out2["n_truth_outside"] == 2 and out2["n_pos"] == int(y.sum())
    # a scorer with no information sits at chance however its missing pairs fall
    rng = np.random.default_rng(1)
    noinfo = edges.assign(weight=rng.random(len(edges)))
    tr_mask = edges.target.isin(truth.target)
    out3 = evaluate_network(noinfo[~tr_mask | (rng.random(len(edges)) < 0.5)], truth,
                            genes=pd.unique(pd.concat([edges.source, edges.target])))
    assert out3["balanced_auprc"] == pytest.approx(0.5, abs=0.03)


def test_bad_inputs_say_what_was_expected(tmp_path):
    edges, truth, _, _ = _case()
    with pytest.raises(ValueError, match="columns"):
        evaluate_network(edges.drop(columns="weight"), truth)
    with pytest.raises(ValueError, match="duplicated"):
        evaluate_network(pd.concat([edges, edges.head(1)]), truth)
    with pytest.raises(ValueError, match="true edges"):
        evaluate_network(edges, truth.assign(source="nope"))
    with pytest.raises(FileNotFoundError, match="no file"):
        evaluate_network(tmp_path / "missing.tsv", truth)
    with pytest.raises(ValueError, match="not finite"):
        evaluate_network(edges.assign(weight="x"), truth)


def test_cli(tmp_path, capsys):
    from scugrn.cli import main

    edges, truth, _, _ = _case()
    edges.to_csv(tmp_path / "e.tsv", sep="\t", index=False)
    truth.to_csv(tmp_path / "t.tsv", sep="\t", index=False)
    assert main(["bench", "eval", "--pred", str(tmp_path / "e.tsv"), "--truth", str(tmp_path / "t.tsv")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == pytest.approx(evaluate_network(edges, truth), nan_ok=True)
