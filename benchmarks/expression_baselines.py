"""Expression baselines (random, |Pearson|, |Spearman|, GRNBoost2) on every BEELINE configuration
that has expression, with BEELINE's metrics over all TF→gene pairs and the UGRN paper's balanced
AUPRC (N/P = 1, several negative-sampling seeds, mean ± standard error).

    .venv/bin/python benchmarks/expression_baselines.py --data-dir ../shared/data
    .venv/bin/python benchmarks/expression_baselines.py --data-dir ../shared/data --methods random pearson spearman

Scores depend on the expression (cell type × TFs+N), not on the ground-truth network, so each method
runs once per expression set and is evaluated on every network of it. The TF→gene candidates of a
configuration are its own TF.csv × Target.csv; GRNBoost2 regresses each gene on the union of the
TFs of all networks of that expression set (the Specific networks list 1–8 more TFs), then each
configuration is evaluated on its own pairs. GRNBoost2 scores are cached (``--cache-dir``) so a rerun
only evaluates.

Writes a CSV of every number (``--out``) and a markdown table (``--out-md``).
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

logger = logging.getLogger("scugrn.benchmarks")

ALL_PAIR_METRICS = ("auroc", "auprc", "auprc_ratio", "epr", "hit_at_1pct")


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("numpy", "scikit-learn", "scipy", "pandas", "anndata", "arboreto", "dask", "joblib"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "absent"
    return out


def _union_tf_adata(adatas):
    """The expression AnnData with var['is_tf'] = union of the networks' TFs (same genes, own order)."""
    from scugrn import Key

    base = adatas[0].copy()
    tfs = set()
    for a in adatas:
        assert set(a.var_names) == set(base.var_names), "gene sets differ between networks"
        tfs |= set(a.var_names[a.var[Key.var.IS_TF].to_numpy()])
    base.var[Key.var.IS_TF] = base.var_names.isin(tfs)
    return base


def _scores(method: str, adata, *, n_jobs: int, cache: Path | None, tag: str):
    from scugrn.benchmark.baselines import run_baseline

    f = cache / f"{method}_{tag}.csv.gz" if cache is not None else None
    if f is not None and f.exists():
        logger.info("%s %s: cached scores %s", method, tag, f)
        return pd.read_csv(f), float("nan")
    kw = {"seed": 0} if method == "random" else {}
    if method == "grnboost2":
        kw = {"seed": 0, "n_jobs": n_jobs, "verbose": False}
    t0 = time.perf_counter()
    e = run_baseline(method, adata, **kw)
    dt = time.perf_counter() - t0
    logger.info("%s %s: %.1f s", method, tag, dt)
    if f is not None and method == "grnboost2":
        f.parent.mkdir(parents=True, exist_ok=True)
        e.to_csv(f, index=False)
        (f.with_suffix(".time")).write_text(f"{dt:.3f}\n")
    return e, dt


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", required=True, help="folder holding beeline/ (the shared/data layout)")
    p.add_argument("--methods", nargs="+", default=["random", "pearson", "spearman", "grnboost2"])
    p.add_argument("--seeds", type=int, default=5, help="negative-sampling seeds of the balanced AUPRC")
    p.add_argument("--n-jobs", type=int, default=os.cpu_count() or 1, help="GRNBoost2 worker processes")
    p.add_argument("--only", nargs="*", default=None, help="restrict to cell types, e.g. mDC hHEP")
    p.add_argument("--out", default="results/expression_baselines.csv")
    p.add_argument("--out-md", default="results/expression_baselines.md")
    p.add_argument("--cache-dir", default="results/cache/expression_baselines")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    from scugrn.benchmark.metrics import METRICS, evaluate
    from scugrn.datasets import beeline, beeline_configs, labelled_pairs

    cache = Path(args.cache_dir) if args.cache_dir else None
    cfg = beeline_configs(args.data_dir)
    cfg = cfg[cfg.has_expression]
    if args.only:
        cfg = cfg[cfg.name.isin(args.only)]
    rows, times = [], []
    t_all = time.perf_counter()
    for (name, size), grp in cfg.groupby(["name", "size"], sort=True):
        adatas = {net: beeline(name, network=net, size=size, path=args.data_dir) for net in grp.network}
        union = _union_tf_adata(list(adatas.values()))
        tag = f"{name}_{size}"
        logger.info("%s TFs+%d: %d cells x %d genes, %d TFs (union), networks %s", name, size, union.n_obs,
                    union.n_vars, int(union.var["is_tf"].sum()), list(adatas))
        for method in args.methods:
            edges, dt = _scores(method, union, n_jobs=args.n_jobs, cache=cache, tag=tag)
            if cache is not None and np.isnan(dt) and (cache / f"{method}_{tag}.time").exists():
                dt = float((cache / f"{method}_{tag}.time").read_text())
            times.append({"name": name, "size": size, "method": method, "n_cells": union.n_obs,
                          "n_genes": union.n_vars, "n_tfs": int(union.var["is_tf"].sum()), "seconds": dt})
            w = edges.set_index(["source", "target"])["weight"]
            for net, a in adatas.items():
                allp = labelled_pairs(a, neg_ratio=None)
                s_all = w.reindex(pd.MultiIndex.from_frame(allp[["source", "target"]])).to_numpy()
                assert np.isfinite(s_all).all(), f"{method} left pairs unscored"
                row = {"name": name, "network": net, "size": size, "method": method,
                       "n_pairs": len(allp), "n_pos": int(allp.label.sum()),
                       "density": float(allp.label.mean())}
                row.update(evaluate(allp.label.to_numpy(), s_all, metrics=ALL_PAIR_METRICS))
                bal = []
                for seed in range(args.seeds):
                    lp = labelled_pairs(a, neg_ratio=1, seed=seed)
                    s = w.reindex(pd.MultiIndex.from_frame(lp[["source", "target"]])).to_numpy()
                    bal.append(METRICS["auprc"](lp.label.to_numpy(), s))
                row["balanced_auprc_mean"] = float(np.mean(bal))
                row["balanced_auprc_se"] = float(np.std(bal, ddof=1) / np.sqrt(len(bal))) if len(bal) > 1 else float("nan")
                rows.append(row)
    total = time.perf_counter() - t_all
    df = pd.DataFrame(rows)
    tdf = pd.DataFrame(times)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(args.out, index=False)
    tdf.to_csv(Path(args.out).with_name(Path(args.out).stem + "_times.csv"), index=False)

    lines = ["| cell | net | N | method | AUROC | bal. AUPRC (N/P=1) | AUPRC ratio | EPR | Hit@1% |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in df.sort_values(["name", "size", "network", "method"]).itertuples(index=False):
        lines.append(
            f"| {r.name} | {r.network} | {r.size} | {r.method} | {r.auroc:.3f} | "
            f"{r.balanced_auprc_mean:.3f} ± {r.balanced_auprc_se:.3f} | {r.auprc_ratio:.2f} | {r.epr:.2f} | "
            f"{r.hit_at_1pct:.3f} |"
        )
    mean = df.groupby("method")[["auroc", "balanced_auprc_mean", "auprc_ratio", "epr", "hit_at_1pct"]].mean()
    lines += ["", "Mean over configurations:", "",
              "| method | AUROC | bal. AUPRC | AUPRC ratio | EPR | Hit@1% |", "|---|---|---|---|---|---|"]
    for m, r in mean.iterrows():
        lines.append(f"| {m} | {r.auroc:.3f} | {r.balanced_auprc_mean:.3f} | {r.auprc_ratio:.2f} | {r.epr:.2f} | "
                     f"{r.hit_at_1pct:.3f} |")
    lines += ["", "Wall time of the scoring (s; NaN = read from an older cache without a time):", "",
              "| cell | N | cells × genes (TFs) | " + " | ".join(args.methods) + " |",
              "|---|---|---|" + "---|" * len(args.methods)]
    for (name, size), g in tdf.groupby(["name", "size"], sort=True):
        g = g.set_index("method")
        r0 = g.iloc[0]
        lines.append(f"| {name} | {size} | {r0.n_cells} × {r0.n_genes} ({r0.n_tfs}) | "
                     + " | ".join(f"{g.loc[m, 'seconds']:.1f}" for m in args.methods) + " |")
    lines += ["", f"Total wall time: {total:.0f} s. Versions: {_versions()}"]
    Path(args.out_md).write_text("\n".join(lines) + "\n")
    logger.info("wrote %s and %s", args.out, args.out_md)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
