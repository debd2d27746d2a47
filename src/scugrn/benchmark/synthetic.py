"""The synthetic-universe positive control: does the UGRN mechanism work when the truth is known?

Protocol (one seed):

1. **Universe.** :func:`scugrn.datasets.synthetic.synthetic_universe`: ``n_networks`` random GRNs
   (TF hubs, activation/repression, Hill kinetics, noise, dropout), each over its own genes drawn
   from one pool of names, cells simulated from each.
2. **Backbone.** A small scGPT-architecture model pretrained with scGPT's masked-value objective
   (:func:`scugrn.pretrain.pretrain`) on the cells of *all* networks — like a foundation
   model that has seen cells of every gene, but never a regulatory label. Sequences hold a random
   ``max_genes`` of a network's genes, so that the per-cell rank bins of the visible genes do not
   give away the masked ones.
3. **Translator.** Trained on the labels of network ``train_network`` only (all its edges, as many
   sampled negatives, ``labelled_pairs(neg_ratio=1, seed)``), on ``vvp``, ``gdt`` or ``emb``
   features from zero-expression virtual cells (``from_genes``); ``ens`` = σ(mean of the VVP and
   GDT logits).
4. **Evaluation.** Balanced AUPRC (and AUROC) on every other network — genes the translator never
   saw — over ``n_neg_seeds`` negative samples.
5. **Controls.** The same architecture and vocabulary with random weights
   (:func:`scugrn.models.randomize`), and the pretrained backbone with the training labels permuted.
   Both must land at chance (0.5).
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

logger = logging.getLogger("scugrn")

#: Data of the positive control (passed to synthetic_universe / synthetic_grn): independent TF
#: inputs (one cell state) and modest measurement noise, so that the edges are what the cells carry.
UNIVERSE = {"n_networks": 4, "n_genes": 60, "n_tfs": 12, "n_cells": 300, "density": 0.08,
            "n_states": 1, "noise": 0.1, "dispersion": 0.02, "library_size": 20000.0,
            "dropout": 0.01}
#: Backbone pretraining of the positive control (passed to pretrain).
PRETRAIN = {"d_model": 32, "nlayers": 2, "nhead": 4, "d_hid": 64, "steps": 1500, "batch_size": 32,
            "max_genes": 30, "mask_ratio": 0.4, "lr": 3e-3, "dropout": 0.0}
PROBES = ("vvp", "gdt", "emb")


def _features(ads, model, probes, verbose):
    import scugrn
    from scugrn._keys import Key

    out = []
    for ad in ads:
        tfs = list(ad.var_names[ad.var[Key.var.IS_TF].to_numpy()])
        f = scugrn.from_genes(list(ad.var_names), tfs=tfs)
        f.uns[Key.uns.TRUTH] = ad.uns[Key.uns.TRUTH]
        for p in probes:
            getattr(scugrn.tl, p)(f, model=model, verbose=verbose)
        out.append(f)
    return out


def run_synthetic_universe(
    *,
    seed: int = 0,
    universe: dict | None = None,
    pretrain_kw: dict | None = None,
    probes=PROBES,
    train_network: int = 0,
    n_neg_seeds: int = 3,
    controls: bool = True,
    out_dir: str | Path | None = None,
    verbose: bool = False,
) -> pd.DataFrame:
    """Run the synthetic-universe positive control for one seed.

    Parameters
    ----------
    seed
        Seeds the universe, the pretraining, the random-weight control and the label sampling.
    universe, pretrain_kw
        Overrides of :data:`UNIVERSE` and :data:`PRETRAIN`.
    probes
        Feature sets; ``"ens"`` is added when both ``"vvp"`` and ``"gdt"`` are present.
    train_network
        The network whose labels train the translators; the others are evaluated.
    n_neg_seeds
        Negative samples (N/P = 1) per evaluated network.
    controls
        Also run the random-weight backbone and the permuted-label translator.
    out_dir
        Where to keep the pretrained checkpoint (default: a temporary folder).
    verbose
        Progress bars.

    Returns
    -------
    DataFrame with one row per (backbone, labels, features, network, negative seed): columns
    ``seed, backbone`` (``pretrained`` / ``random``), ``labels`` (``true`` / ``permuted``),
    ``features, network, neg_seed, auprc, auroc``; ``attrs`` holds the pretraining log and timings.
    """
    import json

    from sklearn.metrics import average_precision_score, roc_auc_score

    import scugrn
    from scugrn.datasets.labels import labelled_pairs
    from scugrn.datasets.synthetic import synthetic_universe
    from scugrn.pretrain import pretrain
    from scugrn.translator import Ensemble, pair_matrix, pairs_by_name

    uni = {**UNIVERSE, **(universe or {})}
    pkw = {**PRETRAIN, **(pretrain_kw or {})}
    n_networks = uni.pop("n_networks")
    if not 0 <= train_network < n_networks or n_networks < 2:
        msg = f"Expected n_networks ≥ 2 and 0 ≤ train_network < n_networks; found {n_networks}, {train_network}."
        raise ValueError(msg)
    timings = {}
    t0 = time.perf_counter()
    ads, vocab = synthetic_universe(n_networks, seed=seed, **uni)
    timings["simulate_s"] = time.perf_counter() - t0

    tmp = None
    if out_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="scugrn-universe-")
        out_dir = tmp.name
    try:
        t0 = time.perf_counter()
        ck = pretrain({f"net{k}": a for k, a in enumerate(ads)}, vocab=vocab,
                      out_dir=Path(out_dir) / f"backbone-seed{seed}", seed=seed, verbose=verbose,
                      name=f"synthetic-universe-seed{seed}", **pkw)
        timings["pretrain_s"] = time.perf_counter() - t0
        log = json.loads((ck / "train_log.json").read_text())
        model = scugrn.models.load(ck, device="cpu")
        backbones = {"pretrained": model}
        if controls:
            backbones["random"] = scugrn.models.randomize(model, seed=seed + 1)

        rows = []
        t0 = time.perf_counter()
        for bname, bb in backbones.items():
            feats = _features(ads, bb, probes, verbose)
            train = feats[train_network]
            lab = labelled_pairs(train, neg_ratio=1, seed=seed)
            label_sets = {"true": lab}
            if controls and bname == "pretrained":
                perm = lab.copy()
                perm["label"] = np.random.default_rng([seed, 7]).permutation(perm["label"].to_numpy())
                label_sets["permuted"] = perm
            for lname, labels in label_sets.items():
                trs = {p: scugrn.tl.train_translator(train, features=p, labels=labels, seed=seed,
                                                     verbose=False) for p in probes}
                if "vvp" in trs and "gdt" in trs:
                    trs["ens"] = Ensemble([trs["vvp"], trs["gdt"]])
                for k, f in enumerate(feats):
                    if k == train_network:
                        continue
                    for s in range(n_neg_seeds):
                        ev = labelled_pairs(f, neg_ratio=1, seed=1000 * (seed + 1) + s)
                        src, tgt = pairs_by_name(f, ev["source"], ev["target"])
                        for p, tr in trs.items():
                            members = tr.members if isinstance(tr, Ensemble) else [tr]
                            logit = np.mean([m.logits(pair_matrix(f, m.spec["key"], src, tgt))
                                             for m in members], axis=0)
                            y = ev["label"].to_numpy()
                            rows.append({"seed": seed, "backbone": bname, "labels": lname,
                                         "features": p, "network": k, "neg_seed": s,
                                         "auprc": float(average_precision_score(y, logit)),
                                         "auroc": float(roc_auc_score(y, logit))})
        timings["features_and_translators_s"] = time.perf_counter() - t0
    finally:
        if tmp is not None:
            tmp.cleanup()
    df = pd.DataFrame(rows)
    df.attrs["train_log"] = {k: log[k] for k in ("best_step", "best_val_mlm", "val_mean_predictor_mse",
                                                   "wall_time_s", "config", "sha256")}
    df.attrs["timings"] = {k: round(v, 1) for k, v in timings.items()}
    logger.info("synthetic universe seed %d: %s", seed, df.attrs["timings"])
    return df


def summarize(df: pd.DataFrame) -> pd.DataFrame:
    """Mean balanced AUPRC / AUROC per (backbone, labels, features) over networks and negative
    samples within a seed, then mean ± standard error over seeds."""
    per_seed = df.groupby(["backbone", "labels", "features", "seed"])[["auprc", "auroc"]].mean()
    g = per_seed.groupby(level=["backbone", "labels", "features"])
    out = pd.DataFrame({
        "auprc_mean": g["auprc"].mean(), "auprc_se": g["auprc"].sem(ddof=1),
        "auroc_mean": g["auroc"].mean(), "auroc_se": g["auroc"].sem(ddof=1),
        "n_seeds": g["auprc"].size(),
    })
    return out.reset_index()
