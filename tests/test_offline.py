"""Downloads: checksummed, cached, and offline one clear line (issue 13, item 1).

The network is taken away by making every socket connection fail, so what runs is the real
pooch/requests path a user without network gets."""

from __future__ import annotations

import hashlib
import re
import socket

import pytest

import scugrn
from scugrn.datasets import _paths

TF_URL = _paths.REMOTE["tf_lists/human-tfs.csv"][0]


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No network, an empty cache, no data folder."""

    def refuse(*args, **kwargs):
        raise OSError("network disabled by the test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.delenv("SCUGRN_DATA_DIR", raising=False)
    with scugrn.settings.override(cache_dir=tmp_path / "cache", data_dir=None):
        yield tmp_path


def _one_clear_line(msg: str, relpath: str, url: str | None):
    assert "\n" not in msg and "Traceback" not in msg
    assert relpath in msg
    if url:
        assert url in msg
    for way in ("--tfs", "--data-dir", "SCUGRN_DATA_DIR"):
        assert way in msg, way


def test_every_download_is_https_and_sha256_pinned():
    assert _paths.REMOTE
    for relpath, (url, sha) in _paths.REMOTE.items():
        assert url.startswith("https://"), relpath
        assert re.fullmatch(r"[0-9a-f]{64}", sha), relpath


def test_tf_list_offline_is_one_typed_line(offline):
    with pytest.raises(scugrn.MissingDataError) as e:
        scugrn.datasets.tf_list("human")
    assert isinstance(e.value, FileNotFoundError)  # callers that fall back on a missing file keep working
    _one_clear_line(str(e.value), "tf_lists/human-tfs.csv", TF_URL)
    assert "download failed" in str(e.value)


def test_pp_select_offline_says_the_same(offline):
    ad = scugrn.datasets.toy(seed=0)
    del ad.var[scugrn.Key.IS_TF]
    before = set(ad.var.columns)
    with pytest.raises(scugrn.MissingDataError, match="tf_lists/human-tfs.csv"):
        scugrn.pp.select(ad, n_top_genes=10)
    assert set(ad.var.columns) == before


def test_cached_copy_is_used_offline_and_checked(offline, monkeypatch):
    body = b"TF,Sources\nGATA1,test\nSPI1,test\n"
    rel = "tf_lists/human-tfs.csv"
    monkeypatch.setitem(_paths.REMOTE, rel, (TF_URL, hashlib.sha256(body).hexdigest()))
    cached = scugrn.settings.cache_dir / "data" / rel
    cached.parent.mkdir(parents=True)
    cached.write_bytes(body)
    assert scugrn.datasets.tf_list("human") == ["GATA1", "SPI1"]  # no network needed
    cached.write_bytes(body[:-5])  # a truncated cache is not trusted
    with pytest.raises(scugrn.MissingDataError, match="cached copy's sha256 is not the expected"):
        scugrn.datasets.tf_list("human")


def test_data_folder_without_the_file(offline, tmp_path):
    (tmp_path / "data").mkdir()
    with pytest.raises(scugrn.MissingDataError, match="not there") as e:
        scugrn.datasets.tf_list("mouse", path=tmp_path / "data")
    assert "--tfs" in str(e.value) and "\n" not in str(e.value)


def test_no_public_download_names_the_ways_around(offline):
    with pytest.raises(scugrn.MissingDataError) as e:
        scugrn.datasets.data_file("orthologs/mouse_to_human.csv")
    assert "no public download" in str(e.value) and "SCUGRN_DATA_DIR" in str(e.value)


_OFFLINE_CLI = """
import socket, sys
def refuse(*a, **k):
    raise OSError("network disabled by the test")
socket.getaddrinfo = refuse
socket.socket.connect = refuse
from scugrn.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_cli_infer_offline_without_tfs(offline):
    """What a user sees: a fresh process, no network, no cache, no data folder, no --tfs."""
    import os
    import subprocess
    import sys

    genes = offline / "g.txt"
    genes.write_text("GATA1\nSPI1\nTAL1\nKLF1\nHBB\n")
    out = offline / "e.tsv"
    env = {k: v for k, v in os.environ.items() if k != "SCUGRN_DATA_DIR"}
    env["SCUGRN_CACHE_DIR"] = str(offline / "cache")
    r = subprocess.run([sys.executable, "-c", _OFFLINE_CLI, "infer", "--genes", str(genes), "--model", "demo",
                        "--translator", "demo", "--out", str(out)], check=False, capture_output=True, text=True, env=env,
                       timeout=300)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and not out.exists(), r.stderr
    assert len(lines) == 1 and lines[0].startswith("scugrn: error: "), r.stderr
    _one_clear_line(lines[0], "tf_lists/human-tfs.csv", TF_URL)
    with pytest.raises(scugrn.MissingDataError) as e:  # the Python API says the same
        scugrn.datasets.tf_list("human")
    assert lines[0] == f"scugrn: error: {e.value}".replace(str(scugrn.settings.cache_dir), str(offline / "cache"))
