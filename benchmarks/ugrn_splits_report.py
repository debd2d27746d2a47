"""Table 1 under the three splits (docs/benchmarks.md, issue 14), from the CSVs of
`bash benchmarks/ugrn_tables.sh DATA random-splits` / `demo-splits`:

    python benchmarks/ugrn_splits_report.py results/ugrn_random/splits [results/ugrn_demo/splits ...]

One table per results folder: rows = method, columns = split; each cell the mean over test
configurations of balanced AUPRC (pooled) and of per-TF AUPRC (mean over TFs with >= 5 true targets;
the random row is its chance level), ± s.e. over seeds (the
per-seed means over configurations), and the split sizes per seed.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

SPLITS = {"dataset": "loo", "tf-disjoint": "loo_tf-disjoint", "gene-disjoint": "loo_gene-disjoint"}
ORDER = ["origin_pert", "origin_attn", "emb", "vvp", "gdt", "ens", "vvp[random-weights]", "gdt[random-weights]",
         "ens[random-weights]", "vvp[permuted-labels]", "gdt[permuted-labels]", "ens[permuted-labels]", "random",
         "pearson", "spearman", "grnboost2", "onehot_lr", "tf_degree", "target_degree"]


def cell(df: pd.DataFrame, metric: str) -> pd.Series:
    per_seed = df.groupby(["method", "seed"])[metric].mean().unstack()  # mean over test configurations
    m, se = per_seed.mean(1), per_seed.std(1, ddof=1) / np.sqrt(per_seed.notna().sum(1))
    return pd.Series({k: f"{m[k]:.3f} ± {se[k]:.3f}" if np.isfinite(m[k]) else "–" for k in m.index})


def report(folder: Path) -> str:
    parts, cols, sizes = {}, [], []
    for split, name in SPLITS.items():
        f = folder / f"{name}.csv"
        if not f.exists():
            continue
        df = pd.read_csv(f)
        n_tests = df.groupby("seed")["test"].nunique().min()
        parts[f"{split}: balanced AUPRC"] = cell(df, "balanced_auprc")
        parts[f"{split}: per-TF AUPRC"] = cell(df, "per_tf_auprc")
        cols.append(f"{split} ({n_tests} tests)")
        meta = folder / f"{name}.json"
        if meta.exists():
            j = json.loads(meta.read_text())
            s = f"- {split}: wall {j['wall_s']:.0f} s"
            if "split_sizes_per_seed" in j:
                s += "; sizes per seed " + "; ".join(
                    f"seed {r['seed']}: {r['n_train_tfs']}/{r['n_test_tfs']} TFs, {r['n_train_genes']}/"
                    f"{r['n_test_genes']} genes (train/test) of {r['n_universe']}" for r in j["split_sizes_per_seed"])
            sizes.append(s)
    t = pd.DataFrame(parts)
    t = t.reindex([m for m in ORDER if m in t.index] + [m for m in t.index if m not in ORDER])
    lines = ["| method | " + " | ".join(t.columns) + " |", "|---" * (len(t.columns) + 1) + "|"]
    lines += [f"| {m} | " + " | ".join(str(v) if isinstance(v, str) else "–" for v in r) + " |"
              for m, r in t.iterrows()]
    return "\n".join([f"### {folder}", "", *lines, "", *sizes, ""])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folders", nargs="+", type=Path)
    a = p.parse_args(argv)
    for f in a.folders:
        print(report(f))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
