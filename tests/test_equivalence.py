"""The same benchmark outputs before and after a refactor: a small UGRN and a small InfoSEM
benchmark run on a small BEELINE-layout fixture, compared to saved outputs to 1e-12.

The saved outputs (``tests/data/equivalence_*.csv``) were written by the code before the house
redesign (issue 15). A change that is *meant* to change these numbers (new numerics, a new split)
regenerates them, and says so in its commit::

    PYTHONPATH=src python tests/test_equivalence.py --write
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

DATA = Path(__file__).parent / "data"
SMALL = DATA / "beeline_small"  # 30 genes, 6 TFs, 40 cells (written by its make.py)
UGRN_FILE = DATA / "equivalence_ugrn.csv"
INFOSEM_FILE = DATA / "equivalence_infosem.csv"
SCORES_FILE = DATA / "equivalence_infosem_scores.csv"
HESC = "hESC/Specific/500"  # human: no species mapping involved


def ugrn_run(tmp: Path) -> pd.DataFrame:
    import scugrn
    from scugrn.benchmark.ugrn import run_transfer

    ad = scugrn.datasets.beeline("hESC", network="Specific", size=500, path=SMALL)
    ck = scugrn.models.random_checkpoint(tmp / "ck", genes=sorted(g.upper() for g in ad.var_names), d_model=16,
                                         nlayers=1, nhead=2, d_hid=16, seed=0)
    bb = scugrn.models.load(ck, device="cpu")
    res = run_transfer(backbone=bb, train=HESC, test=[HESC], seeds=range(2), epochs=3, n_values=3,
                       baselines=("random", "pearson", "spearman", "onehot_lr"), data_dir=SMALL,
                       cache_dir=tmp / "cache", verbose=False)
    return res.sort_values(["method", "seed"]).reset_index(drop=True)


def infosem_run(tmp: Path) -> pd.DataFrame:
    from scugrn.benchmark.infosem import run_infosem_benchmark

    df = run_infosem_benchmark(
        [("hESC", "Specific", 500)],
        methods=["random", "onehot_lr", "matcomp", "deepsem", "infosem_b:onehot", "infosem_b:random"],
        seeds=2, data_dir=SMALL, out_dir=tmp, sem_epochs=10, sem_overrides={"n_hidden": 8, "sigma_w": 1.0},
    )
    return df.drop(columns=["seconds"]).sort_values(["method", "seed", "test_set", "metric"]).reset_index(drop=True)


def infosem_scores(tmp: Path) -> pd.DataFrame:
    """Checksums of the unsupervised fits the InfoSEM run cached (the metrics above are ranks on
    few pairs; these see every score)."""
    rows = []
    for f in sorted((tmp / "cache").glob("*.npz")):
        z = np.load(f, allow_pickle=False)
        order = np.argsort(z["genes"].astype(str))
        S = z["scores"][np.ix_(order, order)].astype(float)
        w = np.arange(S.size, dtype=float).reshape(S.shape) / S.size
        rows.append({"file": f.name.rsplit("-", 1)[0], "sum": S.sum(), "sum_sq": (S**2).sum(),
                     "weighted": (w * S).sum()})
    return pd.DataFrame(rows)


def _compare(new: pd.DataFrame, path: Path):
    old = pd.read_csv(path)
    assert list(new.columns) == list(old.columns)
    assert len(new) == len(old)
    for c in old.columns:
        if pd.api.types.is_numeric_dtype(old[c]) and not pd.api.types.is_bool_dtype(old[c]):
            np.testing.assert_allclose(new[c].to_numpy(float), old[c].to_numpy(float), rtol=0, atol=1e-12,
                                       err_msg=f"column {c!r} differs from {path.name}")
        else:
            assert new[c].astype(str).tolist() == old[c].astype(str).tolist(), f"column {c!r} differs"


def test_ugrn_run_unchanged(tmp_path):
    _compare(ugrn_run(tmp_path), UGRN_FILE)


def test_infosem_run_unchanged(tmp_path):
    pytest.importorskip("sklearn")
    _compare(infosem_run(tmp_path), INFOSEM_FILE)
    _compare(infosem_scores(tmp_path), SCORES_FILE)


if __name__ == "__main__":  # pragma: no cover - regenerates the saved outputs
    import tempfile

    if "--write" not in sys.argv:
        sys.exit("usage: python tests/test_equivalence.py --write")
    with tempfile.TemporaryDirectory() as d:
        ugrn_run(Path(d) / "u").to_csv(UGRN_FILE, index=False)
        infosem_run(Path(d) / "i").to_csv(INFOSEM_FILE, index=False)
        infosem_scores(Path(d) / "i").to_csv(SCORES_FILE, index=False)
    print(f"wrote {UGRN_FILE}, {INFOSEM_FILE} and {SCORES_FILE}")
