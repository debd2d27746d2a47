"""Calibration of the demo translators' edge weights on held-out BEELINE configurations.

The shipped translators (``scugrn.translator.pretrained``) were trained on hESC / STRING / TFs+500
at one negative per positive (training prior 0.5), but ``predict_grn`` applies them to every
TF→gene pair, where true edges are about 1 % (docs/defaults.md). This script scores every TF→gene
pair of configurations the translators were NOT trained on (other cell types, three ground-truth
networks each; zero-expression mode, demo backbone, default probe values — the README's main job)
and measures, at the real density, the expected calibration error (ECE) and a reliability diagram
of

- ``raw``: σ(score), the weights written before (score = mean logit of the ensemble members);
- ``prior``: σ(score − logit(π_train) + logit(π)), π = the training network's density over all
  TF→gene pairs of its genes (the default of ``predict_grn``, stored in the translators' spec);
- ``prior@true``: the same shift to each configuration's own true density (an oracle: the best a
  prior shift can do);
- ``platt-loco``: slope and intercept fitted by logistic regression on the other cell types'
  configurations (leave one cell type out), to see how much a fitted slope adds.

    OMP_NUM_THREADS=1 python benchmarks/calibration.py --data-dir ../shared/data

Writes ``docs/calibration.json`` and ``docs/calibration_reliability.png`` (``--out``). Features
are cached (``--cache-dir``, default ``<settings.cache_dir>/features``), so reruns take seconds.
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
NETWORKS = ("STRING", "Non-Specific", "Specific")


def logit(p):
    p = np.asarray(p, dtype=np.float64)
    return np.log(p) - np.log1p(-p)


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float64)))


def ece(y, p, n_bins: int = 15):
    """Expected calibration error over equal-mass bins of p: Σ_b n_b/N · |mean p_b − mean y_b|;
    also returns the bins (mean p, mean y, n) for the reliability diagram."""
    order = np.argsort(p, kind="stable")
    bins = np.array_split(order, n_bins)
    rows = [(float(p[b].mean()), float(y[b].mean()), len(b)) for b in bins if len(b)]
    e = sum(n * abs(mp - my) for mp, my, n in rows) / len(y)
    return float(e), rows


def brier(y, p):
    return float(np.mean((p - y) ** 2))


def nll(y, p):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))


def genes_only(ad):
    """The configuration's genes without cells (zero-expression mode, as the translators were
    trained and as ``scugrn infer --genes`` runs), truth and TF marks kept."""
    import scugrn

    g = scugrn.from_genes(list(map(str, ad.var_names)), species=ad.uns[scugrn.Key.SPECIES],
                          tfs=list(ad.var_names[ad.var[scugrn.Key.IS_TF].to_numpy(bool)]))
    g.uns[scugrn.Key.TRUTH] = ad.uns[scugrn.Key.TRUTH]
    g.uns["beeline"] = dict(ad.uns["beeline"])
    return g


def score_config(cfg, model, tr, cache, data_dir):
    """All TF→gene pairs of ``cfg`` with mapped genes: (score, y)."""
    from scugrn.benchmark.ugrn import Config, _all_pairs, _load
    from scugrn.translator import pair_matrix

    ad = genes_only(_load(Config.parse(cfg), data_dir))
    for m in tr.members:
        spec = m.spec
        params = {k: spec[k] for k in ("base_value", "target_values", "base_values", "background") if k in spec}
        cache.get(ad, spec["probe"], model=model, key_added=spec["key"], verbose=False, data_dir=data_dir, **params)
    S, T, y = _all_pairs(ad)
    s = np.zeros(len(S))
    ok = np.ones(len(S), dtype=bool)
    for m in tr.members:
        X = pair_matrix(ad, m.spec["key"], S, T)
        ok &= np.isfinite(X).all(1)
        s += m.logits(np.where(np.isfinite(X), X, 0))
    s /= len(tr.members)
    return s[ok], y[ok].astype(np.float64)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    p.add_argument("--cells", nargs="+", default=["mHSC-L", "mHSC-GM", "mDC"],
                   help="held-out cell types (TFs+500; STRING, Non-Specific and Specific networks each)")
    p.add_argument("--cache-dir", type=Path, default=None)
    p.add_argument("--out", type=Path, default=ROOT / "docs")
    p.add_argument("--features-only", action="store_true", help="compute and cache the features, then stop")
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args(argv)

    import torch

    import scugrn
    from scugrn.benchmark._cache import FeatureCache

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    torch.set_num_threads(a.threads)
    model = scugrn.models.load("demo", device="cpu")
    tr = scugrn.translator.pretrained("ens")
    cache = FeatureCache(a.cache_dir or scugrn.settings.cache_dir / "features")
    t0 = time.perf_counter()
    data = {}
    for cell in a.cells:
        for net in NETWORKS:
            cfg = f"{cell}/{net}/500"
            t1 = time.perf_counter()
            data[cfg] = score_config(cfg, model, tr, cache, a.data_dir)
            logger.info("%s: %d pairs, %d edges, %.0f s", cfg, len(data[cfg][1]), data[cfg][1].sum(),
                        time.perf_counter() - t1)
    t_feat = time.perf_counter() - t0
    if a.features_only:
        return 0

    from sklearn.linear_model import LogisticRegression

    cal = tr.members[0].calibration
    pi_train, pi_ref = cal["train_prior"], cal["density"]
    methods: dict[str, dict[str, np.ndarray]] = {"raw": {}, "prior": {}, "prior@true": {}, "platt-loco": {}}
    for cfg, (s, y) in data.items():
        dens = y.mean()
        methods["raw"][cfg] = sigmoid(s)
        methods["prior"][cfg] = sigmoid(s - logit(pi_train) + logit(pi_ref))
        methods["prior@true"][cfg] = sigmoid(s - logit(pi_train) + logit(dens))
        cell = cfg.split("/")[0]
        other = [c for c in data if c.split("/")[0] != cell]
        Xo = np.concatenate([data[c][0] for c in other])[:, None]
        yo = np.concatenate([data[c][1] for c in other])
        lr = LogisticRegression(C=1e6).fit(Xo, yo)
        methods["platt-loco"][cfg] = lr.predict_proba(s[:, None])[:, 1]

    rows = []
    for name, per in methods.items():
        for cfg, pr in per.items():
            y = data[cfg][1]
            e, _ = ece(y, pr)
            rows.append({"method": name, "config": cfg, "n_pairs": len(y), "density": float(y.mean()),
                         "ece": e, "brier": brier(y, pr), "nll": nll(y, pr), "mean_weight": float(pr.mean()),
                         "n_weight_ge_0.5": int((pr >= 0.5).sum()), "precision_at_weight_ge_0.5":
                         float(y[pr >= 0.5].mean()) if (pr >= 0.5).any() else None})
    y_all = np.concatenate([data[c][1] for c in data])
    pooled = {}
    for name, per in methods.items():
        p_all = np.concatenate([per[c] for c in data])
        e, bins = ece(y_all, p_all)
        pooled[name] = {"ece": e, "brier": brier(y_all, p_all), "nll": nll(y_all, p_all), "bins": bins}

    _plot(pooled, a.out / "calibration_reliability.png", len(y_all), float(y_all.mean()))
    a.out.mkdir(parents=True, exist_ok=True)
    res = {"what": "ECE (15 equal-mass bins), Brier and log loss of edge weights on all TF→gene pairs of held-out "
                   "BEELINE configurations (demo backbone, ensemble translator, zero-expression mode)",
           "train_prior": pi_train, "default_density": pi_ref, "per_config": rows,
           "pooled": {k: {kk: vv for kk, vv in v.items() if kk != "bins"} for k, v in pooled.items()},
           "features_s": round(t_feat, 1), "command": "OMP_NUM_THREADS=1 python benchmarks/calibration.py "
           "--data-dir ../shared/data", "machine": f"{platform.machine()} CPU (2 cores), no GPU, torch "
           f"{torch.__version__}, 1 thread", "date": datetime.date.today().isoformat()}
    (a.out / "calibration.json").write_text(json.dumps(res, indent=1))
    print(json.dumps(res["pooled"], indent=1))
    for r in rows:
        print(f"{r['method']:11s} {r['config']:24s} dens={r['density']:.4f} ece={r['ece']:.4f} "
              f"brier={r['brier']:.4f} nll={r['nll']:.4f} mean_w={r['mean_weight']:.4f}")
    return 0


def _plot(pooled, path, n, dens):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    for ax, scale in zip(axes, ("linear", "log")):
        lo = 1e-4 if scale == "log" else 0
        ax.plot([lo, 1], [lo, 1], color="0.6", lw=1, ls="--", label="perfect")
        for name, v in pooled.items():
            b = np.array(v["bins"])
            ax.plot(b[:, 0], np.maximum(b[:, 1], lo if scale == "log" else 0), marker="o", ms=3,
                    label=f"{name} (ECE {v['ece']:.4f})")
        ax.set_xscale(scale)
        ax.set_yscale(scale)
        ax.set_xlabel("mean weight in bin")
        ax.set_ylabel("share of true edges in bin")
    axes[0].legend(fontsize=8)
    fig.suptitle(f"Held-out BEELINE TF→gene pairs (n={n:,}, density {dens:.3%}), 15 equal-mass bins",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    raise SystemExit(main())
