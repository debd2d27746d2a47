"""Check the tl.* time/memory estimate against one full run (docs/contract.md).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/estimate_check.py 1000

Runs ``tl.vvp`` with the demo backbone on the first K genes of its vocabulary (1 torch thread) and
prints wall time and peak RSS beside ``scugrn.tl._estimate.estimate``.
"""

from __future__ import annotations

import json
import logging
import resource
import sys
import time


def main(K: int) -> dict:
    import torch

    import scugrn
    from scugrn.models._demo import DEMO_DIR
    from scugrn.tl._estimate import estimate

    torch.set_num_threads(1)
    vocab = json.loads((DEMO_DIR / "vocab.json").read_text())
    genes = [g for g in vocab if not g.startswith("<")][:K]
    model = scugrn.models.load("demo", device="cpu")
    adata = scugrn.from_genes(genes)
    t0 = time.perf_counter()
    scugrn.tl.vvp(adata, model=model, verbose=False)
    dt = time.perf_counter() - t0
    est = estimate("vvp", model, K, 8)
    return {"K": K, "wall_s": round(dt, 1), "s_per_source": round(dt / K, 4),
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "est_s": round(est["seconds"], 1), "est_bytes_mib": est["bytes"] / 2**20}


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)))
