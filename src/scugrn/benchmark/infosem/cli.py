"""``scugrn bench infosem``: InfoSEM's unseen-gene benchmark on BEELINE (docs/methods.md §7; Cui et al. 2025,
Tables 2–5)::

    scugrn bench infosem --data-dir ../shared/data --out results/infosem \
        --networks Specific Non-Specific --cells hHEP mDC mESC mHSC-GM mHSC-L --size 500 \
        --seeds 10 --model-seeds 1 --epochs 20 --n-hidden 32 --bc-seeds 3 --n-jobs 2

Writes ``results.csv`` (tidy: one row per configuration × method × seed × test set × metric),
``summary.csv`` (mean, s.e.), ``timing.json`` and ``tables.md`` (the paper's table layout) into
``--out``. Fitted unsupervised scores are cached in ``--out/cache`` and reused by the next run.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import logging
import os
import sys
import time
from pathlib import Path


def _tune_malloc():
    """Keep glibc from returning large blocks to the OS after every step (the page faults of
    re-mapping the per-batch activations cost more than the arithmetic on this model)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 1 << 30)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, (1 << 31) - 1)  # M_TRIM_THRESHOLD
    except OSError:
        pass


# InfoSEM paper (Cui et al. 2025), mean AUPRC / Hit@1% over 10 seeds, for the datasets we share.
# (network, test set) -> method -> dataset -> (AUPRC, Hit@1%). Table 2: cell-type-specific ChIP-seq,
# unseen genes; Table 3 (App. E.1): specific, seen genes; Table 4: non-specific, seen genes;
# Table 5 (App. E.2): non-specific, unseen genes. Their BEELINE files differ in size from the
# GENELink TFs+500 ones used here (e.g. mDC 1,216 vs 821 genes).
PAPER = {
    ("Specific", "unseen"): {
        "random": {"hESC": (0.222, 0.215), "hHEP": (0.390, 0.397), "mDC": (0.232, 0.231), "mESC": (0.349, 0.351)},
        "onehot_lr": {"hESC": (0.210, 0.205), "hHEP": (0.395, 0.345), "mDC": (0.247, 0.225), "mESC": (0.329, 0.397)},
        "matcomp": {"hESC": (0.219, 0.191), "hHEP": (0.395, 0.356), "mDC": (0.240, 0.225), "mESC": (0.342, 0.345)},
        "grnboost2": {"hESC": (0.218, 0.162), "hHEP": (0.440, 0.553), "mDC": (0.226, 0.167), "mESC": (0.356, 0.348)},
        "deepsem": {"hESC": (0.265, 0.419), "hHEP": (0.435, 0.517), "mDC": (0.277, 0.292), "mESC": (0.343, 0.369)},
        "infosem_b:text": {"hESC": (0.331, 0.547), "hHEP": (0.498, 0.533), "mDC": (0.298, 0.472), "mESC": (0.388, 0.522)},
        "infosem_bc:text": {"hESC": (0.331, 0.585), "hHEP": (0.499, 0.550), "mDC": (0.322, 0.498), "mESC": (0.408, 0.575)},
    },
    ("Specific", "seen"): {
        "random": {"hESC": (0.168, 0.171), "hHEP": (0.383, 0.384), "mDC": (0.110, 0.111), "mESC": (0.346, 0.344)},
        "onehot_lr": {"hESC": (0.600, 0.932), "hHEP": (0.835, 1.000), "mDC": (0.176, 0.250), "mESC": (0.844, 0.991)},
        "matcomp": {"hESC": (0.638, 0.913), "hHEP": (0.840, 1.000), "mDC": (0.351, 0.419), "mESC": (0.860, 0.974)},
        "grnboost2": {"hESC": (0.173, 0.230), "hHEP": (0.384, 0.423), "mDC": (0.115, 0.141), "mESC": (0.352, 0.342)},
        "deepsem": {"hESC": (0.216, 0.318), "hHEP": (0.424, 0.509), "mDC": (0.118, 0.165), "mESC": (0.340, 0.431)},
    },
    ("Non-Specific", "seen"): {
        "random": {"hESC": (0.019, 0.017), "hHEP": (0.018, 0.017), "mDC": (0.018, 0.018), "mESC": (0.014, 0.014)},
        "onehot_lr": {"hESC": (0.159, 0.257), "hHEP": (0.186, 0.306), "mDC": (0.126, 0.228), "mESC": (0.127, 0.205)},
        "matcomp": {"hESC": (0.207, 0.334), "hHEP": (0.247, 0.375), "mDC": (0.396, 0.563), "mESC": (0.260, 0.375)},
        "grnboost2": {"hESC": (0.019, 0.031), "hHEP": (0.018, 0.031), "mDC": (0.020, 0.031), "mESC": (0.018, 0.042)},
        "deepsem": {"hESC": (0.023, 0.034), "hHEP": (0.021, 0.035), "mDC": (0.021, 0.033), "mESC": (0.021, 0.044)},
    },
    ("Non-Specific", "unseen"): {
        "random": {"hESC": (0.024, 0.024), "hHEP": (0.021, 0.021), "mDC": (0.024, 0.022), "mESC": (0.014, 0.014)},
        "onehot_lr": {"hESC": (0.025, 0.029), "hHEP": (0.022, 0.006), "mDC": (0.022, 0.012), "mESC": (0.014, 0.008)},
        "matcomp": {"hESC": (0.024, 0.017), "hHEP": (0.021, 0.017), "mDC": (0.023, 0.031), "mESC": (0.014, 0.014)},
        "grnboost2": {"hESC": (0.022, 0.018), "hHEP": (0.022, 0.027), "mDC": (0.024, 0.020), "mESC": (0.022, 0.041)},
        "deepsem": {"hESC": (0.028, 0.032), "hHEP": (0.026, 0.028), "mDC": (0.026, 0.028), "mESC": (0.022, 0.028)},
        "infosem_b:text": {"hESC": (0.036, 0.038), "hHEP": (0.029, 0.049), "mDC": (0.050, 0.077), "mESC": (0.023, 0.032)},
        "infosem_bc:text": {"hESC": (0.038, 0.042), "hHEP": (0.030, 0.054), "mDC": (0.051, 0.082), "mESC": (0.023, 0.045)},
    },
}
PAPER_TABLE = {("Specific", "unseen"): 2, ("Specific", "seen"): 3, ("Non-Specific", "seen"): 4,
               ("Non-Specific", "unseen"): 5}


def markdown_tables(summary, paper: dict | None = None) -> str:
    """One table per (network, test set) in the layout of InfoSEM's Tables 2–5: mean (s.e.) over
    seeds, with the paper's number after a slash where it reports the same method and dataset."""
    import numpy as np

    from .methods import METHODS

    paper = PAPER if paper is None else paper
    out = []
    order = {("Specific", "unseen"): 0, ("Specific", "seen"): 1, ("Non-Specific", "seen"): 2,
             ("Non-Specific", "unseen"): 3}
    groups = sorted(summary.groupby(["network", "test_set"], sort=False), key=lambda kv: order.get(kv[0], 9))
    for (network, test), sub in groups:
        names = list(dict.fromkeys(sub["name"]))
        ref = paper.get((network, test), {})
        tnum = PAPER_TABLE.get((network, test))
        net = {"Specific": "Specific ChIP-seq", "Non-Specific": "Non-Specific ChIP-seq",
               "STRING": "STRING", "Lofgof": "loss/gain of function (mESC)"}.get(network, network)
        title = f"{net}, {'interactions between unseen genes' if test == 'unseen' else 'unseen interactions between seen genes'}"
        out += [f"### {title}" + (f" (paper Table {tnum})" if tnum else ""), "",
                "ours mean (s.e.) / paper mean", "",
                "| method | " + " | ".join(f"{n} AUPRC | {n} Hit@1%" for n in names) + " |",
                "|---|" + "---|" * (2 * len(names))]
        for m in dict.fromkeys(sub["method"]):
            cells = []
            for n in names:
                for j, metric in enumerate(("auprc", "hit@1%")):
                    r = sub[(sub["name"] == n) & (sub["method"] == m) & (sub["metric"] == metric)]
                    if r.empty:
                        cells.append("–")
                        continue
                    mean, sem = float(r["mean"].iloc[0]), float(r["sem"].iloc[0])
                    cell = f"{mean:.3f} ({sem:.3f})" if np.isfinite(sem) else f"{mean:.3f}"
                    if n in ref.get(m, {}):
                        cell += f" / {ref[m][n][j]:.3f}"
                    cells.append(cell)
            disp = METHODS[m].display if m in METHODS else m
            out.append(f"| {disp} | " + " | ".join(cells) + " |")
        dens = [float(sub[sub["name"] == n]["density"].iloc[0]) for n in names]
        out.append("| density | " + " | ".join(f"{d:.3f} | {d:.3f}" for d in dens) + " |")
        out.append("")
    return "\n".join(out)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="scugrn bench infosem", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", type=Path, default=None, help="folder with beeline/ and gene_text/")
    p.add_argument("--out", type=Path, default=Path("results/infosem"))
    p.add_argument("--networks", nargs="+", default=["Specific", "Non-Specific"])
    p.add_argument("--cells", nargs="+", default=["hHEP", "mDC", "mESC", "mHSC-GM", "mHSC-L"])
    p.add_argument("--size", type=int, default=500)
    p.add_argument("--methods", nargs="+", default=None, help="default: all registered defaults")
    p.add_argument("--seeds", type=int, default=10, help="split seeds 0..n-1")
    p.add_argument("--model-seeds", type=int, default=None, help="fits per unsupervised method")
    p.add_argument("--epochs", type=int, default=None, help="DeepSEM/InfoSEM epochs (default 120)")
    p.add_argument("--n-hidden", type=int, default=None, help="override DeepSEM's MLP width (128)")
    p.add_argument("--bc-seeds", type=int, default=None, help="InfoSEM-BC (+cv) on the first n split seeds only")
    p.add_argument("--n-jobs", type=int, default=1, help="configurations in parallel (1 thread each)")
    p.add_argument("--quiet", action="store_true")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)

    _tune_malloc()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    log = logging.getLogger("scugrn.bench")
    import scugrn

    from .methods import DEFAULT_METHODS, METHODS
    from .runner import run_infosem_benchmark, summarize

    scugrn.settings.verbose = not args.quiet
    if args.data_dir is not None:
        scugrn.settings.data_dir = args.data_dir
    methods = args.methods or list(DEFAULT_METHODS)
    configs = [(c, n, args.size) for n in args.networks for c in args.cells]
    if any(METHODS.get(m).embeddings == "text" for m in methods):
        # text embeddings once per gene set, in this process, before the workers start
        from ...datasets import beeline
        from ...embeddings import gene_embeddings, text_model_available

        if text_model_available():
            for c in args.cells:
                a = beeline(c, network=args.networks[0], size=args.size, path=args.data_dir)
                t0 = time.perf_counter()
                gene_embeddings(sorted(a.var_names), source="text", path=args.data_dir, on_missing="zero")
                log.info("text embeddings for %s: %.1f s", c, time.perf_counter() - t0)
    t0 = time.perf_counter()
    df = run_infosem_benchmark(
        configs, methods=methods, seeds=args.seeds, data_dir=args.data_dir, out_dir=args.out,
        n_model_seeds=args.model_seeds, sem_epochs=args.epochs,
        sem_overrides={"n_hidden": args.n_hidden} if args.n_hidden else None, n_jobs=args.n_jobs,
        method_seeds={m: args.bc_seeds for m in methods if METHODS.get(m).variant == "BC"} if args.bc_seeds else None,
    )
    wall = time.perf_counter() - t0
    summ = summarize(df)
    summ.to_csv(args.out / "summary.csv", index=False)
    (args.out / "tables.md").write_text(markdown_tables(summ))
    meta = {"argv": sys.argv, "wall_s": round(wall, 1), "cpu_count": os.cpu_count(),
            "scugrn": scugrn.__version__, "timing": df.attrs.get("timing")}
    (args.out / "run.json").write_text(json.dumps(meta, indent=1, default=str))
    log.info("done in %.1f s; results in %s", wall, args.out)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
