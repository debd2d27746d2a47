"""Synthetic-universe positive control over several seeds → docs/benchmarks_synthetic.md.

For each seed: simulate a universe of GRNs over disjoint gene sets, pretrain a small
scGPT-architecture backbone on all their cells (masked values, no labels), train translators on one
network's labels, evaluate balanced AUPRC on the other networks (unseen genes); controls: random
weights, permuted labels. Protocol: :mod:`scugrn.benchmark.synthetic`.

    python benchmarks/synthetic_universe.py --seeds 0 1 2 3 4
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
logger = logging.getLogger("scugrn")
MACHINE = "2-core CPU, 24 GB, no GPU, shared with other jobs"
DATE = "2026-11-21"
LABEL = {"vvp": "VVP", "gdt": "GDT", "ens": "Ens", "emb": "Emb"}


def table(df: pd.DataFrame) -> str:
    cols = list(df.columns)
    out = ["| seed | " + " | ".join(LABEL.get(c, c) for c in cols) + " |", "|---|" + "---|" * len(cols)]
    out += [f"| {i} | " + " | ".join(f"{v:.3f}" for v in row) + " |" for i, row in zip(df.index, df.to_numpy())]
    return "\n".join(out)


def markdown(summary: pd.DataFrame, metric: str) -> str:
    rows = [("pretrained", "true", "pretrained backbone"),
            ("random", "true", "random-weight backbone (control)"),
            ("pretrained", "permuted", "permuted training labels (control)"),
            ("pretrained-default-init", "true",
             "pretrained, upstream default value-encoder init (ablation)")]
    feats = [f for f in ("vvp", "gdt", "ens", "emb") if f in set(summary["features"])]
    present = set(zip(summary.backbone, summary.labels))
    rows = [r for r in rows if (r[0], r[1]) in present]
    out = ["| | " + " | ".join(LABEL[f] for f in feats) + " |", "|---|" + "---|" * len(feats)]
    for b, lab, name in rows:
        cells = []
        for f in feats:
            r = summary[(summary.backbone == b) & (summary.labels == lab) & (summary.features == f)]
            cells.append("–" if r.empty else f"{r[f'{metric}_mean'].iloc[0]:.3f} ± {r[f'{metric}_se'].iloc[0]:.3f}")
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    p.add_argument("--steps", type=int, default=None, help="pretraining steps (default: PRETRAIN)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--ablate-value-init", action="store_true",
                   help="also pretrain with upstream's default value-encoder initialisation")
    p.add_argument("--out-md", type=Path, default=ROOT / "docs" / "benchmarks_synthetic.md")
    p.add_argument("--out-csv", type=Path, default=ROOT / "docs" / "benchmarks_synthetic.csv")
    a = p.parse_args(argv)

    import torch

    from scugrn.benchmark.synthetic import PRETRAIN, UNIVERSE, run_synthetic_universe, summarize

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    torch.set_num_threads(a.threads)
    pkw = {} if a.steps is None else {"steps": a.steps}
    t0 = time.perf_counter()
    dfs, logs = [], {}
    for s in a.seeds:
        df = run_synthetic_universe(seed=s, pretrain_kw=pkw)
        dfs.append(df)
        logs[s] = {**df.attrs["timings"], "best_val_mlm": round(df.attrs["train_log"]["best_val_mlm"], 2),
                   "val_mean_predictor_mse": round(df.attrs["train_log"]["val_mean_predictor_mse"], 2)}
        logger.info("seed %d done: %s", s, logs[s])
    if a.ablate_value_init:
        for s in a.seeds:
            d = run_synthetic_universe(seed=s, pretrain_kw={**pkw, "value_init": "default"}, controls=False)
            d["backbone"] = "pretrained-default-init"
            dfs.append(d)
            logger.info("seed %d (default value init) done: %s", s, d.attrs["timings"])
    wall = time.perf_counter() - t0
    df = pd.concat(dfs, ignore_index=True)
    a.out_csv.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(a.out_csv, index=False)
    summ = summarize(df)
    per_seed = (df[(df.backbone == "pretrained") & (df.labels == "true")]
                .groupby(["seed", "features"])["auprc"].mean().unstack()[["vvp", "gdt", "ens", "emb"]])
    pkw_all = {**PRETRAIN, **pkw}
    cmd = "python benchmarks/synthetic_universe.py --seeds " + " ".join(map(str, a.seeds))
    if a.steps is not None:
        cmd += f" --steps {a.steps}"
    if a.ablate_value_init:
        cmd += " --ablate-value-init"
    md = f"""# Synthetic-universe positive control

Does the UGRN mechanism work when the regulatory truth is known exactly? A small scGPT-architecture
backbone is pretrained with scGPT's masked-value objective (no labels) on the cells of
{UNIVERSE['n_networks']} synthetic GRNs, each over its own {UNIVERSE['n_genes']} genes
({UNIVERSE['n_tfs']} TFs; power-law TF out-degree, activation and repression, Hill kinetics,
intrinsic and measurement noise, dropout: `scugrn.datasets.synthetic`). Translators are trained on
the labels of network 0 only and evaluated on networks 1–{UNIVERSE['n_networks'] - 1}, whose genes
they never saw. Protocol and code: `scugrn.benchmark.synthetic` (the same function runs the
test `tests/test_synthetic_universe.py`, seed 0).

- Command: `{cmd}`
- Machine: {MACHINE}; torch threads {a.threads}; total wall time {wall / 60:.1f} min.
- Date: {DATE}.
- Universe: `{json.dumps(UNIVERSE)}`
- Pretraining: `{json.dumps(pkw_all)}` (+ value-encoder initialisation `spread`, see
  `scugrn/pretrain/`; MVC loss on).
- Metric: balanced AUPRC (N/P = 1, `labelled_pairs(neg_ratio=1)`), averaged over the
  {UNIVERSE['n_networks'] - 1} evaluated networks × 3 negative samples within a seed; table: mean ± standard
  error over {len(a.seeds)} seeds (seed = universe, backbone initialisation, label sampling).
  Chance is 0.5.

## Balanced AUPRC

{markdown(summ, 'auprc')}

## AUROC

{markdown(summ, 'auroc')}

## Per seed (pretrained backbone, true labels, balanced AUPRC)

{table(per_seed)}

Pretraining per seed (s, best validation MLM loss vs. the mean-bin predictor):
`{json.dumps(logs)}`

## Reading

- The pretrained backbone's VVP and GDT responses carry regulatory information that transfers to
  networks of unseen genes; the same architecture with random weights, and translators fitted to
  permuted labels, stay at chance. So the signal comes from what pretraining put in the weights,
  not from the probe, the translator or the labels' structure (e.g. hub TFs).
- Gene-token embeddings (Emb) carry part of it.
- Value-encoder initialisation (ablation row, when run): with PyTorch's default initialisation of
  scGPT's continuous value encoder, every bin ≥ 5 enters the model as almost the same vector after
  its LayerNorm (cosine ≥ 0.99 at step 0), so a pretraining run this short stays nearly blind to
  expression level; compare the VVP/GDT columns of the ablation row with the first row (Emb reads
  no values). `pretrain(value_init="spread")` (the default) spreads the ReLU knees of the encoder's
  first layer over the bin range. Same architecture and checkpoint format.
- This control is small (a 2-layer, d=32 model; 1,200 cells; minutes of CPU): it shows the
  mechanism, not the size of the effect on real data or a real foundation model.
- Raw rows: `docs/benchmarks_synthetic.csv`.
"""
    a.out_md.write_text(md)
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
