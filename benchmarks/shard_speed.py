"""Sharded probing: 1 vs 2 torchrun CPU workers on the same job (speed-up, identical results).

    .venv/bin/python benchmarks/shard_speed.py --K 300 --layers 4 --d 128

Each worker uses one torch thread, so two workers use the machine's two cores.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--K", type=int, default=300)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--d", type=int, default=128)
    ap.add_argument("--probe", default="gdt")
    ap.add_argument("--sources", type=int, default=64, help="probe only the first N sources (blocks of 8)")
    ap.add_argument("--out", type=Path, default=Path("results/shard_speed.json"))
    a = ap.parse_args()
    import scugrn
    from scugrn.probes.distributed import open_result

    tmp = Path(tempfile.mkdtemp())
    genes = [f"G{i}" for i in range(a.K)]
    ck = scugrn.models.random_checkpoint(tmp / "ck", genes=genes, d_model=a.d, nlayers=a.layers, nhead=8, d_hid=a.d)
    (tmp / "genes.txt").write_text("\n".join(genes))
    res = {"K": a.K, "layers": a.layers, "d": a.d, "probe": a.probe, "load_average_start": os.getloadavg()}
    arrays = {}
    for n in (1, 2):
        store = tmp / f"s{n}.zarr"
        # pre-mark blocks beyond --sources as done so both runs do the same partial job
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", str(n),
               "-m", "scugrn.probes.distributed", "--probe", a.probe, "--model", str(ck), "--genes",
               str(tmp / "genes.txt"), "--store", str(store), "--block", "8", "--threads", "1"]
        from scugrn.probes import default_params, get_probe
        from scugrn.probes.distributed import DONE_DIR, create_store

        m = scugrn.models.load(ck)
        p = default_params(a.probe, m, n_values=8)
        spec = {"probe": a.probe, **p, "backbone_sha256": m.info.sha256,
                "genes_sha": __import__("scugrn.probes.distributed", fromlist=["x"])._genes_digest(genes)}
        create_store(store, K=a.K, width=get_probe(a.probe)[0].width(p), block=8, meta={"spec": spec, "genes": genes})
        for b in range(a.sources // 8, (a.K + 7) // 8):
            (store / DONE_DIR / f"{b}.done").touch()
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        res[f"wall_s_{n}_workers"] = time.perf_counter() - t0
        arrays[n] = open_result(store)[: a.sources]
    res["speedup"] = res["wall_s_1_workers"] / res["wall_s_2_workers"]
    res["max_abs_diff"] = float(np.nanmax(np.abs(arrays[1] - arrays[2])))
    res["load_average_end"] = os.getloadavg()
    print(json.dumps(res, indent=2))
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
