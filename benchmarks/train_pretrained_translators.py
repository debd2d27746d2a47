"""Train the translators shipped with scugrn (``src/scugrn/translator/pretrained/``).

BEELINE hESC / STRING / TFs+500, zero-expression mode: the gene list goes through
``scugrn.from_genes``-style AnnData (BEELINE has no hESC expression offline) into ``tl.vvp`` and
``tl.gdt`` with the demo backbone at the default probe values (M = T = 8); labels are all ground-truth
edges plus as many sampled negatives (``labelled_pairs(neg_ratio=1, seed=0)``); docs/methods.md §4
training settings. Writes ``vvp.safetensors``, ``gdt.safetensors``, ``ens/`` and ``README.json``
(provenance, timings and a zero-shot check on other BEELINE configurations).

    python benchmarks/train_pretrained_translators.py --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import platform
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
logger = logging.getLogger("scugrn")


def features(adata, model, probes, timings, tag, data_dir):
    import scugrn

    for p in probes:
        t0 = time.perf_counter()
        getattr(scugrn.tl, p)(adata, model=model, on_missing="drop", verbose=False, data_dir=data_dir)
        timings[f"{tag}/{p}_s"] = round(time.perf_counter() - t0, 1)
        logger.info("%s %s: %.0f s (K=%d)", tag, p, timings[f"{tag}/{p}_s"], adata.n_vars)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    p.add_argument("--out", type=Path, default=ROOT / "src" / "scugrn" / "translator" / "pretrained")
    p.add_argument("--model", default="demo", help="backbone (default: the shipped demo)")
    p.add_argument("--eval", nargs="*", default=["mHSC-L/STRING"],
                   help="cell/network configurations (TFs+500) for the zero-shot check")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args(argv)

    import torch
    from sklearn.metrics import average_precision_score

    import scugrn
    from scugrn.datasets import beeline, labelled_pairs
    from scugrn.translator import Ensemble, pair_matrix, pairs_by_name

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    torch.set_num_threads(a.threads)
    model = scugrn.models.load(a.model, device="cpu")
    timings: dict[str, float] = {}
    ad = beeline("hESC", network="STRING", size=500, path=a.data_dir)
    features(ad, model, ("vvp", "gdt"), timings, "hESC", a.data_dir)
    labels = labelled_pairs(ad, neg_ratio=1, seed=a.seed)
    trs = {k: scugrn.tl.train_translator(ad, features=k, labels=labels, seed=a.seed, verbose=False)
           for k in ("vvp", "gdt")}
    a.out.mkdir(parents=True, exist_ok=True)
    for k, tr in trs.items():
        tr.save(a.out / f"{k}.safetensors")
    Ensemble([trs["vvp"], trs["gdt"]]).save(a.out / "ens")

    dropped = ad.uns["vvp_params"].get("dropped", [])
    check = {}
    for cfg in a.eval:
        name, net = cfg.split("/")
        ev = beeline(name, network=net, size=500, path=a.data_dir)
        ev = ev[:0].copy()  # zero-expression mode, as in training
        features(ev, model, ("vvp", "gdt"), timings, cfg, a.data_dir)
        res = {}
        for s in range(3):
            lab = labelled_pairs(ev, neg_ratio=1, seed=100 + s)
            src, tgt = pairs_by_name(ev, lab["source"], lab["target"])
            logits = {}
            for k, tr in trs.items():
                X = pair_matrix(ev, k, src, tgt)
                ok = np.isfinite(X).all(1)
                logits[k] = np.where(ok, tr.logits(np.where(np.isfinite(X), X, 0)), np.nan)
            logits["ens"] = (logits["vvp"] + logits["gdt"]) / 2
            y = lab["label"].to_numpy()
            for k, lg in logits.items():
                ok = np.isfinite(lg)
                res.setdefault(k, []).append(float(average_precision_score(y[ok], lg[ok])))
        check[cfg] = {k: round(float(np.mean(v)), 3) for k, v in res.items()}
        logger.info("zero-shot %s: %s", cfg, check[cfg])

    readme = {
        "what": "Translators for the scugrn demo backbone (a demo, not a foundation model).",
        "train": {"dataset": "BEELINE hESC / STRING / TFs+500 (genes only)", "n_genes": int(ad.n_vars),
                  "n_genes_dropped_not_in_vocab": len(dropped),
                  "n_pos": int(labels["label"].sum()), "n_neg": int((labels["label"] == 0).sum()),
                  "neg_ratio": 1, "seed": a.seed, "epochs": 50, "lr": 1e-3, "batch_size": 128},
        "features": {k: {kk: vv for kk, vv in ad.uns[f"{k}_params"].items()
                         if kk in ("base_value", "target_values", "base_values", "background", "head")}
                     for k in ("vvp", "gdt")},
        "backbone": model.info.as_dict(),
        "zero_shot_balanced_auprc_tfs500": check,
        "timings_s": timings,
        "machine": f"{platform.machine()} CPU, torch threads {a.threads}, torch {torch.__version__}",
        "date": datetime.date.today().isoformat(),
        "command": "python benchmarks/train_pretrained_translators.py --data-dir <data-dir>",
    }
    (a.out / "README.json").write_text(json.dumps(readme, indent=1))
    print(json.dumps({"timings_s": timings, "zero_shot": check}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
