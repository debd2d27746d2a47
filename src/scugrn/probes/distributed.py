"""Sharded probing over many processes, GPUs or machines, resumable, into one zarr array.

Engine: ``torchrun`` (torch.distributed elastic). It ships with PyTorch (no extra dependency),
starts one worker per GPU (or CPU process) on one or many nodes, and restarts failed workers
(``--max-restarts``). Work is split into blocks of source genes; block ``b`` goes to rank
``b % world_size``. Each finished block is written to the zarr array (chunked by source block)
and then marked done in a marker file, so a restarted or re-launched job skips finished blocks.
Workers share nothing but the store, so no collective communication is needed.

Launch::

    torchrun --nproc-per-node 2 -m scugrn.probes.distributed \\
        --probe gdt --model path/to/ckpt --genes genes.txt --store gdt.zarr --block 64

Read the result with :func:`open_result` (a zarr array (K, K, W); ``[i, j, c]`` = source i →
target j), or with ``zarr.open_array(store)``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

import numpy as np

from .._common import digest

logger = logging.getLogger("scugrn")

DONE_DIR = "_scugrn_done"


def _done_path(store: Path, block: int) -> Path:
    return store / DONE_DIR / f"{block}.done"


def create_store(store, *, K: int, width: int, block: int, meta: dict):
    """Create (or reopen, checking it matches) the result array."""
    import zarr

    store = Path(store)
    if (store / "zarr.json").exists() or (store / ".zarray").exists():
        arr = zarr.open_array(str(store), mode="r+")
        old = dict(arr.attrs).get("scugrn", {})
        if arr.shape != (K, K, width) or old.get("spec") != meta.get("spec"):
            msg = (f"The store {str(store)!r} holds a different job (shape {arr.shape}, spec {old.get('spec')}); "
                   f"expected shape {(K, K, width)} and spec {meta.get('spec')}. Use a new store path.")
            raise ValueError(msg)
        return arr
    arr = zarr.create_array(str(store), shape=(K, K, width), chunks=(block, K, width), dtype="float32",
                            fill_value=np.nan)
    arr.attrs["scugrn"] = meta
    (store / DONE_DIR).mkdir(parents=True, exist_ok=True)
    return arr


def open_result(store):
    import zarr

    return zarr.open_array(str(store), mode="r")


def run_blocks(model, token_ids, *, probe: str, params: dict, store, block: int, rank: int = 0,
               world_size: int = 1, verbose: bool = False, fail_after: int | None = None) -> list[int]:
    """Compute this rank's unfinished blocks into ``store``. Returns the blocks computed.

    ``fail_after`` (tests only) raises after that many blocks, to simulate a dying worker.
    """
    from ._runner import run_probe

    store = Path(store)
    import zarr

    arr = zarr.open_array(str(store), mode="r+")
    K = len(token_ids)
    n_blocks = (K + block - 1) // block
    mine = [b for b in range(n_blocks) if b % world_size == rank and not _done_path(store, b).exists()]
    done = []
    for b in mine:
        if fail_after is not None and len(done) >= fail_after:
            msg = f"simulated worker failure after {fail_after} block(s)"
            raise RuntimeError(msg)
        lo, hi = b * block, min(K, (b + 1) * block)
        res = run_probe(probe, model, token_ids, params=params, sources=np.arange(lo, hi), verbose=verbose)
        arr[lo:hi] = res[lo:hi]
        _done_path(store, b).touch()
        done.append(b)
    return done


def pending_blocks(store, *, K: int, block: int) -> list[int]:
    n_blocks = (K + block - 1) // block
    return [b for b in range(n_blocks) if not _done_path(Path(store), b).exists()]


def main(argv=None) -> int:
    import torch

    import scugrn

    from ..probes import default_params, get_probe

    ap = argparse.ArgumentParser(prog="python -m scugrn.probes.distributed", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--probe", default="gdt", choices=["vvp", "gdt", "pert", "origin_pert"])
    ap.add_argument("--model", required=True, help="checkpoint folder or 'demo'")
    ap.add_argument("--genes", required=True, type=Path, help="one vocabulary symbol per line")
    ap.add_argument("--store", required=True, type=Path, help="output zarr array folder")
    ap.add_argument("--block", type=int, default=64, help="source genes per block (resume granularity)")
    ap.add_argument("--n-values", type=int, default=8)
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads per worker")
    a = ap.parse_args(argv)
    rank = int(os.environ.get("RANK", "0"))
    world = int(os.environ.get("WORLD_SIZE", "1"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if a.threads:
        torch.set_num_threads(a.threads)
    device = f"cuda:{local}" if torch.cuda.is_available() else "cpu"
    model = scugrn.models.load(a.model, device=device)
    genes = [g.strip() for g in a.genes.read_text().splitlines() if g.strip()]
    ids = model.token_ids(genes)
    params = default_params(a.probe, model, n_values=a.n_values)
    width = get_probe(a.probe)[0].width(params)
    spec = {"probe": a.probe, **params, "backbone_sha256": model.info.sha256, "genes_sha": digest(list(genes), n=16)}
    if rank == 0:
        create_store(a.store, K=len(genes), width=width, block=a.block, meta={"spec": spec, "genes": genes})
    else:
        for _ in range(600):  # rank 0 creates the store
            if (a.store / DONE_DIR).exists():
                break
            time.sleep(0.1)
    t0 = time.perf_counter()
    done = run_blocks(model, ids, probe=a.probe, params=params, store=a.store, block=a.block, rank=rank,
                      world_size=world)
    print(json.dumps({"rank": rank, "world_size": world, "blocks": done, "wall_s": time.perf_counter() - t0}))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
