"""Pretrain the demo backbone shipped with scugrn (``src/scugrn/models/demo/``).

A small scGPT-architecture model trained with scGPT's masked-value objective on the ~15k real cells
of the project's data folder: ``corpus/*.h5ad`` and BEELINE's expression matrices
(``beeline/expression/<cell>/TFs+<N>/BL--ExpressionData.csv.gz``, genes × cells; the TFs+500 and
TFs+1000 files of one cell type hold the same cells, so they are merged by gene). Mouse genes map
to scGPT's human symbols through orthologs (upper-case symbol as the fallback). The vocabulary is
scGPT's census vocabulary plus ``<pad>, <cls>, <eoc>``, the token ids of scGPT_human's vocab.json.

    python benchmarks/pretrain_demo.py --data-dir ../shared/data --out src/scugrn/models/demo

Everything is seeded; see ``docs/demo_backbone.md`` for the run that produced the shipped weights.
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
logger = logging.getLogger("scugrn")


def read_corpus(data_dir: Path) -> dict:
    import anndata as ad

    out = {}
    for f in sorted((data_dir / "corpus").glob("*.h5ad")):
        a = ad.read_h5ad(f)
        species = str(a.uns.get("provenance", {}).get("species", "")).lower() or None
        a.uns["scugrn_species"] = species or ("mouse" if f.name.startswith("mouse") else "human")
        out[f"corpus/{f.stem}"] = a
    return out


def read_beeline_expression(data_dir: Path) -> dict:
    """One AnnData per cell type (cells × genes), TFs+500 and TFs+1000 merged by gene."""
    import anndata as ad
    import scipy.sparse as sp

    root = data_dir / "beeline" / "expression"
    out = {}
    for cell_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        frames = []
        for f in sorted(cell_dir.glob("TFs+*/BL--ExpressionData.csv.gz")):
            frames.append(pd.read_csv(f, index_col=0))
        if not frames:
            continue
        cells = frames[0].columns
        for d in frames[1:]:
            if not d.columns.equals(cells):
                msg = f"{cell_dir}: the TFs+N files hold different cells; expected the same cells in each."
                raise ValueError(msg)
        df = pd.concat(frames)
        df = df[~df.index.duplicated(keep="first")]  # same values in both files
        a = ad.AnnData(X=sp.csr_matrix(df.T.to_numpy(dtype=np.float32)),
                       obs=pd.DataFrame(index=df.columns.astype(str)),
                       var=pd.DataFrame(index=df.index.astype(str)))
        if cell_dir.name.startswith("h"):
            a.uns["scugrn_species"] = "human"
        else:  # BEELINE writes mouse symbols in upper case; Ensembl's ortholog table needs Gata1
            a.uns["scugrn_species"] = "mouse"
            a.var_names = [g.capitalize() if g.isupper() else g for g in a.var_names]
        out[f"beeline/{cell_dir.name}"] = a
    return out


def plot_loss(log: dict, path: Path) -> Path:
    """Training and validation MLM loss of a ``train_log.json`` as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = log["loss_curve"]
    step = [r["step"] for r in c]
    fig, ax = plt.subplots(figsize=(5.5, 3.4), dpi=120)
    ax.plot(step, [r["train_mlm"] for r in c], label="train MLM (masked MSE, interval mean)")
    ax.plot(step, [r["val_mlm"] for r in c], label="validation MLM (held-out cells)")
    if log.get("val_mean_predictor_mse"):
        ax.axhline(log["val_mean_predictor_mse"], color="grey", ls="--", lw=1,
                   label="predict the mean bin")
    ax.set_xlabel("step")
    ax.set_ylabel("MSE (bins 0–50)")
    ax.set_yscale("log")
    ax.set_title(f"{log['name']}: seed {log['seed']}, {log['config']['steps']} steps")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data",
                   help="folder with corpus/, beeline/, orthologs/, gene_vocab/ (default ../shared/data)")
    p.add_argument("--out", type=Path, default=ROOT / "src" / "scugrn" / "models" / "demo")
    p.add_argument("--d-model", type=int, default=64)
    p.add_argument("--nlayers", type=int, default=4)
    p.add_argument("--nhead", type=int, default=1,
                   help="1 head keeps GDT (forward-mode JVP through materialised attention) affordable on CPU")
    p.add_argument("--d-hid", type=int, default=128)
    p.add_argument("--dropout", type=float, default=0.0)
    p.add_argument("--steps", type=int, default=2400)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--max-genes", type=int, default=256)
    p.add_argument("--zero-ratio", type=float, default=0.25)
    p.add_argument("--mask-ratio", type=float, default=0.4)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--balance", type=float, default=0.5,
                   help="datasets drawn ∝ n_cells^balance (the 10k-cell mouse subset would dominate at 1)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plot", type=Path, default=ROOT / "docs" / "demo_backbone_loss.png",
                   help="where to draw the loss curve")
    p.add_argument("--threads", type=int, default=1,
                   help="torch CPU threads (1 is fastest on the shared 2-core machine)")
    a = p.parse_args(argv)

    import torch

    from scugrn.pretrain import census_vocab, pretrain

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    torch.set_num_threads(a.threads)
    t0 = time.perf_counter()
    vocab = census_vocab(a.data_dir / "gene_vocab" / "default_census_vocab.json")
    data = {**read_corpus(a.data_dir), **read_beeline_expression(a.data_dir)}
    logger.info("read %d datasets, %d cells in %.0f s", len(data), sum(x.n_obs for x in data.values()),
                 time.perf_counter() - t0)
    out = pretrain(
        data, vocab=vocab, out_dir=a.out, d_model=a.d_model, nlayers=a.nlayers, nhead=a.nhead,
        d_hid=a.d_hid, dropout=a.dropout, steps=a.steps, batch_size=a.batch_size,
        max_genes=a.max_genes, zero_ratio=a.zero_ratio, mask_ratio=a.mask_ratio, lr=a.lr,
        balance=a.balance, seed=a.seed, data_dir=a.data_dir, name="scugrn-demo",
    )
    log = json.loads((out / "train_log.json").read_text())
    log["command"] = "python benchmarks/pretrain_demo.py " + " ".join(
        x if x != str(a.data_dir) else "<data-dir>" for x in (argv if argv is not None else sys.argv[1:]))
    log["date"] = datetime.date.today().isoformat()
    log["total_wall_time_s"] = round(time.perf_counter() - t0, 1)
    (out / "train_log.json").write_text(json.dumps(log, indent=1))
    a.plot.parent.mkdir(parents=True, exist_ok=True)
    plot_loss(log, a.plot)
    print(json.dumps({k: log[k] for k in ("sha256", "best_step", "best_val_mlm", "val_mean_predictor_mse",
                                          "wall_time_s", "best_model_bytes")}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
