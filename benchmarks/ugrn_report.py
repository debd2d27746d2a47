"""Markdown for docs/benchmarks.md from the runs of benchmarks/ugrn_tables.sh.

    .venv/bin/python benchmarks/ugrn_report.py [--results results] > /tmp/ugrn_tables.md

Reads every ``results/ugrn_<backbone>/<step>/*.csv`` that exists (absent steps are listed as not
run), and GRNBoost2 from ``results/expression_baselines.csv`` (benchmarks/expression_baselines.py:
same configurations, same balanced-AUPRC protocol, seeds 0–4), and prints the tables in the papers'
layouts: mean ± s.e. over seeds, balanced AUPRC unless stated.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

SCFM = ["origin_pert", "origin_attn", "emb", "vvp", "gdt", "ens"]
CONTROLS = ["vvp[random-weights]", "gdt[random-weights]", "ens[random-weights]",
            "vvp[permuted-labels]", "gdt[permuted-labels]", "ens[permuted-labels]"]
BASELINES = ["random", "pearson", "spearman", "grnboost2", "onehot_lr"]


def _fmt(m, s):
    return "–" if not np.isfinite(m) else (f"{m:.3f} ± {s:.3f}" if np.isfinite(s) else f"{m:.3f}")


def with_grnboost2(res: pd.DataFrame, csv: Path) -> pd.DataFrame:
    """Add GRNBoost2 rows (per-configuration mean and s.e. from the expression-baselines run)."""
    if not csv.exists() or "grnboost2" in set(res["method"]):
        return res
    eb = pd.read_csv(csv)
    eb = eb[eb["method"] == "grnboost2"]
    eb = eb.assign(test=eb["name"] + "/" + eb["network"] + "/" + eb["size"].astype(str))
    tests = set(res["test"])
    rows = [{"method": "grnboost2", "test": r.test, "balanced_auprc": r.balanced_auprc_mean, "se": r.balanced_auprc_se,
             "auroc": r.auroc, "auprc_ratio": r.auprc_ratio, "epr": r.epr, "hit_at_1pct": r.hit_at_1pct}
            for r in eb.itertuples() if r.test in tests]
    return pd.concat([res, pd.DataFrame(rows)], ignore_index=True)


def per_test(res: pd.DataFrame, metric: str = "balanced_auprc") -> tuple[pd.DataFrame, pd.DataFrame]:
    g = res.groupby(["test", "method"])[metric]
    mean = g.mean().unstack()
    se = (g.std(ddof=1) / np.sqrt(g.count())).unstack()
    if "se" in res:  # precomputed s.e. (GRNBoost2 from the expression-baselines run)
        pre = res.dropna(subset=["se"]).set_index(["test", "method"])["se"].unstack()
        for c in pre.columns:
            se[c] = pre[c]
    return mean, se


def seed_se(res: pd.DataFrame, metric: str = "balanced_auprc") -> pd.Series:
    """Per method, the s.e. over seeds of the mean over test configurations (each seed: one
    translator and one evaluation sample). Methods without seeds (GRNBoost2's summary rows) get NaN."""
    seeded = res.dropna(subset=["seed"]) if "seed" in res else res.iloc[:0]
    per_seed = seeded.groupby(["method", "seed"])[metric].mean().unstack(0)
    return per_seed.std(ddof=1) / np.sqrt(per_seed.count())


def over_tests(res: pd.DataFrame, metric: str = "balanced_auprc") -> dict[str, str]:
    """Per method, "mean ± s.e." of the mean over test configurations (s.e. over seeds)."""
    m = res.groupby(["method", "test"])[metric].mean().groupby("method").mean()
    se = seed_se(res, metric)
    return {c: _fmt(m[c], se.get(c, np.nan)) for c in m.index}


def table(res: pd.DataFrame, cols, metric="balanced_auprc") -> str:
    mean, se = per_test(res, metric)
    cols = [c for c in cols if c in mean.columns]
    out = ["| test | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for t in mean.index:
        out.append(f"| {t} | " + " | ".join(_fmt(mean.loc[t, c], se.loc[t, c]) for c in cols) + " |")
    avg = mean[cols].mean()
    sd = seed_se(res, metric).reindex(cols)
    out.append("| **mean over tests** (± s.e. over seeds) | " + " | ".join(f"**{_fmt(avg[c], sd[c])}**" for c in cols) + " |")
    return "\n".join(out)


def summary(res: pd.DataFrame, cols) -> str:
    """One row per method: every metric, mean over test configurations."""
    metrics = ["balanced_auprc", "auroc", "auprc_ratio", "epr", "hit_at_1pct"]
    out = ["| method | " + " | ".join(metrics) + " |", "|---" * (len(metrics) + 1) + "|"]
    for c in cols:
        sub = res[res["method"] == c]
        if sub.empty:
            continue
        vals = [sub.groupby("test")[m].mean().mean() if m in sub else np.nan for m in metrics]
        out.append(f"| {c} | " + " | ".join("–" if not np.isfinite(v) else f"{v:.3f}" for v in vals) + " |")
    return "\n".join(out)


def meta(folder: Path) -> str:
    js = sorted(folder.glob("*.json"))
    if not js:
        return ""
    m = json.loads(js[0].read_text())
    argv = " ".join(m.get("argv", []))
    return f"wall time {m['wall_s']:.0f} s (features from the cache where an earlier step made them); command `{argv}`"


ROW_COLS = ["origin_pert", "origin_attn", "emb", "vvp", "gdt", "ens", "ens[random-weights]",
            "ens[permuted-labels]", "pearson", "onehot_lr", "random"]


def rows_table(files, cols, metric: str = "balanced_auprc") -> str:
    """One row per run (its training set): the mean over test configurations of each method
    (± s.e. over seeds), each run's wall time and test count after it."""
    rows = []
    for f in files:
        if not f.exists():
            continue
        r = pd.read_csv(f)
        m = over_tests(r, metric)
        wall = json.loads(next(f.parent.glob("*.json")).read_text()).get("wall_s", float("nan"))
        rows.append((r["train"].iloc[0], m, r["test"].nunique(), wall))
    cols = [c for c in cols if any(c in m for _, m, _, _ in rows)]
    out = ["| train | " + " | ".join(cols) + " | tests | wall s |", "|---" * (len(cols) + 3) + "|"]
    for tr, m, n, wall in rows:
        out.append(f"| {tr} | " + " | ".join(m.get(c, "–") for c in cols)
                   + f" | {n} | {wall:.0f} |")
    return "\n".join(out) + "\n"


def heatmap(files, out: Path, method: str = "ens") -> None:
    """Train → test heatmap of one method over the Table 2 runs' CSVs (scugrn.pl.transfer_heatmap)."""
    import matplotlib

    matplotlib.use("Agg")
    import scugrn

    r = pd.concat([pd.read_csv(f) for f in files if f.exists()], ignore_index=True)
    ax = scugrn.pl.transfer_heatmap(r[r["method"] == method], value="balanced_auprc")
    ax.set_title(f"{method}: balanced AUPRC, mean of 5 seeds (demo backbone)", fontsize=8)
    ax.figure.set_size_inches(10, 4)
    ax.figure.tight_layout()
    ax.figure.savefig(out, dpi=120)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--results", type=Path, default=Path("results"))
    ap.add_argument("--figure", type=Path, default=None,
                    help="also draw Table 2's train → test heatmap (Ens, balanced AUPRC) to this file")
    a = ap.parse_args(argv)
    eb = a.results / "expression_baselines.csv"
    cols = SCFM + CONTROLS + BASELINES
    for bb in ("demo", "random"):
        f = a.results / f"ugrn_{bb}" / "loo" / "loo.csv"
        print(f"\n### Table 1 — {bb} backbone: train hESC/STRING/TFs+500, test every other cell type\n")
        if not f.exists():
            print("not run\n")
            continue
        res = with_grnboost2(pd.read_csv(f), eb)
        print(meta(f.parent) + "\n")
        print("Balanced AUPRC per test configuration (mean ± s.e. over 5 seeds):\n")
        print(table(res, SCFM + ["random"]) + "\n")
        print("Controls (must sit at 0.5):\n")
        print(table(res, CONTROLS) + "\n")
        print("Baselines without an scFM (GRNBoost2 from benchmarks/expression_baselines.py):\n")
        print(table(res, BASELINES) + "\n")
        print("All metrics, mean over the test configurations (AUPRC ratio, EPR, Hit@1% over all TF→gene pairs):\n")
        print(summary(res, cols) + "\n")
    demo = a.results / "ugrn_demo"
    print("\n### Table 2 — demo backbone: each row trains on one configuration, mean over every other cell type\n")
    t2 = sorted(demo.glob("table2_*/loo.csv")) + [demo / "loo" / "loo.csv"]
    if sum(f.exists() for f in t2) > 1:
        print(rows_table(t2, ROW_COLS))
        if a.figure is not None:
            heatmap(t2, a.figure)
    else:
        print("not run\n")
    t4 = ("Table 4 — cross-species: train on one species' STRING configurations, test every "
          "configuration of the other species")
    t5 = "Table 5 — cross-network: train on hESC with one network, test the other networks of the other cell types"
    for pattern, title in (("species*/cross-species.csv", t4), ("network*/cross-network.csv", t5)):
        print(f"\n### {title} (demo backbone)\n")
        fs = sorted(demo.glob(pattern))
        print(rows_table(fs, ROW_COLS) if fs else "not run\n")
    fs = sorted((a.results / "ugrn_demo" / "imbalance").glob("*.csv"))
    print("\n### Table 6 — class imbalance (demo backbone): N/P in training and test\n")
    if fs:
        r = pd.read_csv(fs[0])
        print(meta(fs[0].parent) + "\n")
        c6 = [c for c in ["emb", "vvp", "gdt", "ens", "ens[random-weights]", "ens[permuted-labels]", "onehot_lr", "random"]
              if c in set(r["method"])]
        print("| metric | N/P | " + " | ".join(c6) + " |\n" + "|---" * (len(c6) + 2) + "|")
        for metric in ("auroc", "auprc"):  # AUPRC on the test sample at that N/P (density 1/(1+N/P))
            for npr, sub in r.groupby("neg_ratio"):
                m = over_tests(sub, metric)
                print(f"| {metric} | {npr} | " + " | ".join(m.get(c, "–") for c in c6) + " |")
    else:
        print("not run\n")


if __name__ == "__main__":
    main()
