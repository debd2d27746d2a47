"""Shared fixtures. Data under ../shared/data is optional: tests that need it skip with a reason."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
GENES = [f"G{i}" for i in range(40)] + ["GATA1", "SPI1", "TAL1", "KLF1", "CEBPA", "MYC"]


def _shared_data() -> Path | None:
    env = os.environ.get("SCUGRN_DATA_DIR")
    for cand in ([Path(env)] if env else []) + [ROOT.parent / "shared" / "data"]:
        if cand.is_dir():
            return cand
    return None


@pytest.fixture(scope="session")
def shared_data_dir() -> Path:
    d = _shared_data()
    if d is None:
        pytest.skip(
            "needs the project's shared data folder (../shared/data or SCUGRN_DATA_DIR); "
            "absent in a fresh clone"
        )
    return d


@pytest.fixture(scope="session")
def tiny_ckpt(tmp_path_factory) -> Path:
    """A tiny random scGPT checkpoint in the official (flash-attention) format."""
    from scugrn.models import random_checkpoint

    return random_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny", genes=GENES, seed=0)


@pytest.fixture(scope="session")
def tiny_model(tiny_ckpt):
    import scugrn

    return scugrn.models.load(tiny_ckpt, device="cpu")


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def pytest_collection_modifyitems(config, items):
    """Run the Triton-interpreter kernel tests first: once another test has imported scugrn's
    modules the interpreter cannot patch the kernel's helpers (an open ordering bug, see
    docs/performance.md "Fused attention JVP"), so they are kept ahead of everything else."""
    items.sort(key=lambda it: 0 if it.nodeid.startswith("tests/test_attn_triton.py") else 1)
