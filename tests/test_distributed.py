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


@pytest.mark.parametrize("with_sources", [False, True])
def test_windowed_run_into_zarr_resumes_after_interruption(tiny_model, tmp_path, monkeypatch, with_sources):
    """A windowed run into zarr dies after 2 windows (exception injected into the runner); a second
    run into the same store computes only the remaining windows and the result equals an
    uninterrupted run."""
    import zarr

    from scugrn.probes import _runner

    n = 20
    ids = tiny_model.token_ids(GENES[:n])
    p = default_params("vvp", tiny_model, n_values=2)
    src = np.array([0, 3, 5, 8, 13, 19]) if with_sources else None
    shape = (len(src), n, 2) if with_sources else (n, n, 2)
    want = _runner.run_probe_windowed("vvp", tiny_model, ids, window=8, params=p, sources=src, verbose=False)
    z = zarr.create_array(str(tmp_path / "w.zarr"), shape=shape, chunks=(4, n, 2), dtype="float32", fill_value=np.nan)
    real, calls = _runner.run_probe, []

    def dying(*a, **k):
        if len(calls) == 2:
            raise KeyboardInterrupt("killed half way")
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(_runner, "run_probe", dying)
    with pytest.raises(KeyboardInterrupt):
        _runner.run_probe_windowed("vvp", tiny_model, ids, window=8, params=p, sources=src, out=z, verbose=False)
    z = zarr.open_array(str(tmp_path / "w.zarr"), mode="r+")  # a new process would reopen the store
    assert z.attrs[_runner.RESUME_ATTR]["done"] == [0, 1]
    assert np.isnan(z[:]).any()
    counted = []
    monkeypatch.setattr(_runner, "run_probe", lambda *a, **k: counted.append(1) or real(*a, **k))
    _runner.run_probe_windowed("vvp", tiny_model, ids, window=8, params=p, sources=src, out=z, verbose=False)
    n_windows = len(list(_runner.source_window_contexts(n, src, 8))) if with_sources else len(
        _runner.window_contexts(n, 8))
    assert len(counted) == n_windows - 2  # only the windows not yet written
    np.testing.assert_array_equal(zarr.open_array(str(tmp_path / "w.zarr"))[:], want)
    p2 = default_params("vvp", tiny_model, n_values=2, base_value=1.0)
    with pytest.raises(ValueError, match="different job"):
        _runner.run_probe_windowed("vvp", tiny_model, ids, window=8, params=p2, sources=src, out=z, verbose=False)
