"""The command line: every --help prints help and exits 0 (issue 13, item 2); infer's columns,
--top, --top-per-tf and --density."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from scugrn.cli import main

HELPS = [[], ["infer"], ["features"], ["checkpoint"], ["bench"], ["bench", "ugrn"], ["bench", "infosem"]]


def _run(argv):
    try:
        return main(argv)
    except SystemExit as e:  # argparse's --help
        return e.code


@pytest.mark.parametrize("cmd", HELPS, ids=lambda c: " ".join(c) or "scugrn")
def test_every_help_exits_0(cmd, capsys):
    rc = _run([*cmd, "--help"])
    out = capsys.readouterr().out
    assert rc in (0, None) and "usage:" in out and "--" in out
    if cmd[:1] == ["bench"] and len(cmd) == 1:
        assert "ugrn" in out and "infosem" in out


def test_bench_without_benchmark_prints_help_and_fails(capsys):
    assert _run(["bench"]) == 2
    assert "ugrn" in capsys.readouterr().out


def test_bench_help_in_a_fresh_process():
    r = subprocess.run([sys.executable, "-m", "scugrn.cli", "bench", "--help"], check=False, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0 and "usage: scugrn bench" in r.stdout, r.stderr


def test_infer_columns_top_and_density(tmp_path, capsys):
    genes = tmp_path / "g.txt"
    genes.write_text("GATA1\nSPI1\nTAL1\nKLF1\nHBB\nHBA1\nCD14\nLYZ\n")
    tfs = tmp_path / "t.txt"
    tfs.write_text("GATA1\nSPI1\nTAL1\n")
    base = ["infer", "--genes", str(genes), "--tfs", str(tfs), "--model", "demo", "--translator", "demo", "-q"]
    assert main([*base, "--out", str(tmp_path / "all.tsv")]) == 0
    full = pd.read_csv(tmp_path / "all.tsv", sep="\t")
    assert list(full.columns) == ["source", "target", "weight", "score", "rank"]
    assert len(full) == 3 * 7 and full["rank"].tolist() == list(range(1, 22))
    assert full["score"].is_monotonic_decreasing and full["weight"].is_monotonic_decreasing
    assert main([*base, "--top-per-tf", "2", "--out", str(tmp_path / "k.tsv")]) == 0
    k = pd.read_csv(tmp_path / "k.tsv", sep="\t")
    assert k.groupby("source").size().to_dict() == {"GATA1": 2, "SPI1": 2, "TAL1": 2}
    want = full.groupby("source").head(2)
    assert sorted(zip(k.source, k.target)) == sorted(zip(want.source, want.target))
    assert main([*base, "--top", "5", "--out", str(tmp_path / "t.tsv")]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "t.tsv", sep="\t"), full.head(5))
    assert main([*base, "--density", "0.2", "--out", str(tmp_path / "d.tsv")]) == 0
    d = pd.read_csv(tmp_path / "d.tsv", sep="\t")
    pd.testing.assert_series_equal(d["score"], full["score"])
    assert (d["weight"] >= full["weight"]).all() and (d["weight"] > full["weight"]).any()
    capsys.readouterr()
    for bad in (["--top", "0"], ["--density", "1.5"], ["--top-per-tf", "-1"]):
        assert main([*base, *bad, "--out", str(tmp_path / "x.tsv")]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("scugrn: error: ")
    assert not (tmp_path / "x.tsv").exists()
