"""The tutorials run end to end on the demo backbone (what a new user would run)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TUT = Path(__file__).resolve().parents[1] / "tutorials"
SCRIPTS = sorted(TUT.glob("t0*.py"))


def _demo_available() -> bool:
    try:
        from scugrn.models import _demo
    except ImportError:
        return False
    return (_demo.DEMO_DIR / "best_model.pt").exists()


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_tutorial_runs(script, tmp_path):
    if not _demo_available():
        pytest.skip("the demo backbone is not bundled in this checkout")
    env = {**os.environ, "MPLBACKEND": "Agg"}
    out = subprocess.run([sys.executable, str(script)], check=False, cwd=tmp_path, capture_output=True, text=True, env=env,
                         timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "source" in out.stdout or "|" in out.stdout
    assert list(tmp_path.glob("*.png")) or script.stem == "t02_gene_list"
