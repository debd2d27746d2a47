"""A whole-transcriptome gene list: N genes × the TFs among them, the demo backbone, in windows.

    .venv/bin/python benchmarks/whole_transcriptome.py --data-dir ../shared/data            # everything
    .venv/bin/python benchmarks/whole_transcriptome.py --data-dir ../shared/data --max-blocks 1
                                                  # one block of TFs; the rest extrapolated, labelled so

Genes: the first ``--n-genes`` symbols of the demo vocabulary (scGPT's human vocabulary) after the
TFs of BEELINE's human list that it contains, capped at ``--n-tfs``. Every TF is a source and every
gene a target, in windows of ``--window`` genes (the demo's training context), so the work is
``n_tfs × n_genes`` pairs, computed by :func:`scugrn.probes.run_probe_windowed` with ``sources=``
and written block by block into a zarr array (n_tfs, n_genes, T): memory stays flat.
Prints wall time, pairs/s and peak RSS, and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

import numpy as np


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=None, help="folder with tf_lists/ (else downloaded)")
    ap.add_argument("--n-genes", type=int, default=20000)
    ap.add_argument("--n-tfs", type=int, default=1600)
    ap.add_argument("--probe", default="vvp", choices=["vvp", "gdt"])
    ap.add_argument("--window", type=int, default=256)
    ap.add_argument("--max-blocks", type=int, default=None, help="stop after this many blocks of TFs (window/2 each)")
    ap.add_argument("--store", type=Path, default=None,
                    help="zarr store (default: a temporary folder); an existing store of the same job is resumed: "
                         "the windows it records as done are skipped")
    ap.add_argument("--out", type=Path, default=Path("results/whole_transcriptome.json"))
    a = ap.parse_args(argv)

    import torch
    import zarr

    import scugrn
    from scugrn.probes import default_params, run_probe_windowed

    torch.set_num_threads(os.cpu_count())
    m = scugrn.models.load("demo")
    vocab = [g for g in m.vocab if not g.startswith("<")]
    tfs = [t for t in dict.fromkeys(scugrn.datasets.tf_list("human", path=a.data_dir)) if t in m.vocab][: a.n_tfs]
    rest = [g for g in vocab if g not in set(tfs)]
    genes = tfs + rest[: a.n_genes - len(tfs)]
    if len(genes) < a.n_genes or len(tfs) < a.n_tfs:
        print(f"note: {len(genes)} genes, {len(tfs)} TFs available")
    ids = m.token_ids(genes)
    src = np.arange(len(tfs))
    half = a.window // 2
    n_blocks = -(-len(src) // half)
    run_src = src if a.max_blocks is None else src[: a.max_blocks * half]
    p = default_params(a.probe, m)
    W = len(p["target_values"] if a.probe == "vvp" else p["base_values"])
    with tempfile.TemporaryDirectory() as tmp:
        store = a.store or Path(tmp) / "features.zarr"
        if a.store is not None and Path(a.store).exists():  # resume (run_probe_windowed reads what is done)
            z = zarr.open_array(str(store), mode="r+")
            print(f"resuming {store}: {len(dict(z.attrs).get('scugrn_windowed', {}).get('done', []))} windows done")
        else:
            z = zarr.open(str(store), mode="w", shape=(len(run_src), len(genes), W), chunks=(half, 4096, W),
                          dtype="f4", fill_value=np.nan)
        t0 = time.perf_counter()
        run_probe_windowed(a.probe, m, ids, window=a.window, params=p, sources=run_src, out=z, verbose=True)
        wall = time.perf_counter() - t0
        finite = float(np.isfinite(z[:, :, 0]).mean())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pairs = len(run_src) * len(genes)
    res = {"probe": a.probe, "n_genes": len(genes), "n_tfs": len(tfs), "window": a.window, "T_or_M": W,
           "tf_blocks_run": -(-len(run_src) // half), "tf_blocks_total": n_blocks, "pairs_run": pairs,
           "wall_s": wall, "pairs_per_s": pairs / wall, "peak_rss_mb": peak, "share_of_pairs_filled": finite,
           "full_run_s": wall if len(run_src) == len(src) else None,
           "full_run_s_extrapolated": wall * len(src) / len(run_src),
           "backbone": m.info.as_dict(), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
           "date": time.strftime("%Y-%m-%d"), "torch_threads": torch.get_num_threads()}
    print(json.dumps({k: v for k, v in res.items() if k != "backbone"}, indent=2))
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(res, indent=2, default=str))


if __name__ == "__main__":
    main()
