"""Sharded, resumable probing into zarr; torchrun with two CPU workers."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from conftest import GENES

from scugrn.probes import default_params, run_probe
from scugrn.probes.distributed import create_store, open_result, pending_blocks, run_blocks

pytest.importorskip("zarr")
K = 14


@pytest.fixture(scope="module")
def reference(tiny_model):
    ids = tiny_model.token_ids(GENES[:K])
    p = default_params("gdt", tiny_model, n_values=2)
    return ids, p, run_probe("gdt", tiny_model, ids, params=p, verbose=False)


def test_blocks_over_two_ranks_and_resume(tiny_model, reference, tmp_path):
    ids, p, ref = reference
    store = tmp_path / "g.zarr"
    create_store(store, K=K, width=2, block=4, meta={"spec": {"x": 1}})
    with pytest.raises(RuntimeError, match="simulated worker failure"):
        run_blocks(tiny_model, ids, probe="gdt", params=p, store=store, block=4, rank=0, world_size=2, fail_after=1)
    assert pending_blocks(store, K=K, block=4) == [1, 2, 3]
    assert run_blocks(tiny_model, ids, probe="gdt", params=p, store=store, block=4, rank=1, world_size=2) == [1, 3]
    assert run_blocks(tiny_model, ids, probe="gdt", params=p, store=store, block=4, rank=0, world_size=2) == [2]
    assert pending_blocks(store, K=K, block=4) == []
    np.testing.assert_allclose(open_result(store)[:], ref, atol=1e-7)
    with pytest.raises(ValueError, match="different job"):
        create_store(store, K=K, width=3, block=4, meta={"spec": {"x": 1}})


def test_torchrun_two_cpu_workers(tiny_ckpt, reference, tmp_path):
    *_, ref = reference
    genes = tmp_path / "genes.txt"
    genes.write_text("\n".join(GENES[:K]))
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
           "-m", "scugrn.probes.distributed", "--probe", "gdt", "--model", str(tiny_ckpt), "--genes", str(genes),
           "--store", str(tmp_path / "t.zarr"), "--block", "4", "--n-values", "2", "--threads", "1"]
    out = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    np.testing.assert_allclose(open_result(tmp_path / "t.zarr")[:], ref, atol=1e-6)
