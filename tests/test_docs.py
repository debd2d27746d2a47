"""The documentation site builds (Sphinx + MyST, API pages from docstrings)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_sphinx_build(tmp_path):
    pytest.importorskip("sphinx")
    pytest.importorskip("myst_parser")
    out = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", str(DOCS), str(tmp_path / "html")],
                         check=False, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    html = (tmp_path / "html" / "api.html").read_text()
    assert "predict_grn" in html
    assert "scugrn.tl.gdt" in html
