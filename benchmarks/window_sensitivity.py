"""How much VVP/GDT features move with the composition of the context window (trained backbone).

    .venv/bin/python benchmarks/window_sensitivity.py --data-dir ../shared/data

Gene list: a BEELINE configuration's genes (default hESC / STRING / TFs+500), backbone: the bundled
demo (its training context is 256 genes). For each of ``--n-sources`` source genes and a fixed
panel of ``--n-targets`` target genes, features are computed

- in the whole list (one context of K genes, the unwindowed default), and
- in ``--draws`` windows of ``--window`` genes: the source, the target panel, and a different random
  draw of the remaining genes as filler each time.

Reported per probe: the relative change ‖e − e'‖ / ‖e'‖ over all (source, target, channel) entries
and Pearson's r, for window vs window (composition only) and window vs whole list (composition and
length). Prints a markdown table and writes JSON.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import time
from pathlib import Path

import numpy as np


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--config", default="hESC/STRING/500")
    ap.add_argument("--backbone", default="demo")
    ap.add_argument("--window", type=int, default=256)
    ap.add_argument("--n-sources", type=int, default=16)
    ap.add_argument("--n-targets", type=int, default=64)
    ap.add_argument("--draws", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("results/window_sensitivity.json"))
    a = ap.parse_args(argv)

    import torch

    import scugrn
    from scugrn.models.vocab import map_context
    from scugrn.probes import default_params, run_probe

    torch.set_num_threads(os.cpu_count())
    name, network, size = a.config.split("/")
    ad = scugrn.datasets.beeline(name, network=network, size=int(size), path=a.data_dir)
    m = scugrn.models.load(a.backbone)
    _, syms, _, _ = map_context(ad, m, on_missing="drop", data_dir=a.data_dir)
    ids = np.asarray(m.token_ids(list(syms)))
    K = len(ids)
    rng = np.random.default_rng(a.seed)
    perm = rng.permutation(K)
    src, tgt, rest = perm[: a.n_sources], perm[a.n_sources: a.n_sources + a.n_targets], perm[a.n_sources + a.n_targets:]
    n_fill = a.window - a.n_targets - 1
    res = {"config": a.config, "backbone": m.info.as_dict(), "K": K, "window": a.window, "n_sources": a.n_sources,
           "n_targets": a.n_targets, "draws": a.draws, "machine": f"{platform.machine()}, {os.cpu_count()} cores",
           "date": time.strftime("%Y-%m-%d"), "probes": {}}
    print(f"| probe | window vs window: rel. change | r | window vs whole list (K = {K}): rel. change | r |")
    print("|---|---|---|---|---|")
    for probe in ("vvp", "gdt"):
        p = default_params(probe, m)
        t0 = time.perf_counter()
        full = run_probe(probe, m, ids, params=p, sources=src, verbose=False)[src][:, tgt]  # (S, T, W)
        wins = []
        for _ in range(a.draws):
            w = np.empty_like(full)
            for s_i, s in enumerate(src):
                fill = rng.choice(rest, size=n_fill, replace=False)
                c = np.concatenate([[s], tgt, fill])
                w[s_i] = run_probe(probe, m, ids[c], params=p, sources=[0], verbose=False)[0, 1: 1 + a.n_targets]
            wins.append(w)

        def rel(x, y):
            return float(np.linalg.norm(x - y) / np.linalg.norm(y))

        def r(x, y):
            return float(np.corrcoef(x.ravel(), y.ravel())[0, 1])

        ww = [(rel(x, y), r(x, y)) for x, y in itertools.combinations(wins, 2)]
        wf = [(rel(x, full), r(x, full)) for x in wins]
        out = {"window_vs_window_rel": float(np.mean([v[0] for v in ww])), "window_vs_window_r": float(np.mean([v[1] for v in ww])),
               "window_vs_full_rel": float(np.mean([v[0] for v in wf])), "window_vs_full_r": float(np.mean([v[1] for v in wf])),
               "wall_s": time.perf_counter() - t0}
        res["probes"][probe] = out
        print(f"| {probe} | {out['window_vs_window_rel']:.3f} | {out['window_vs_window_r']:.3f} | "
              f"{out['window_vs_full_rel']:.3f} | {out['window_vs_full_r']:.3f} |")
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
