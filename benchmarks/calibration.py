"""Calibration of the demo translators' edge weights on held-out BEELINE configurations.

The shipped translators (``scugrn.translator.pretrained``) were trained on hESC / STRING / TFs+500
at one negative per positive (training prior ≈ 0.5), but ``predict_grn`` applies them to every
TF→gene pair, where true edges are about 1 %. This script scores every TF→gene pair of
configurations the translators were NOT trained on (other cell types, three ground-truth networks
each; zero-expression mode, demo backbone, default probe values — the README's main job) and
measures, at the real density, the expected calibration error (ECE, 15 equal-mass bins), Brier
score and log loss of

- ``raw``: σ(s), the weights written before (s = the translator's logit; for the ensemble the
  mean of the members' logits);
- ``prior``: σ(s − logit(π_train) + logit(π)), the prior shift from the training pairs to π;
- ``fitted``: σ(a·s + β + logit(π)), slope a and offset β fitted (log loss, each configuration
  weighted equally, its own true density as π) on the OTHER cell types' configurations (leave one
  cell type out), so every number is on a cell type the fit has not seen;

each at π = the default density (the training network's share of true edges over all its TF→gene
pairs, 0.0124) and at π = the configuration's true density (``@true``: what a user who knows
the density gets). ``--write`` stores the fit on all held-out cell types in the shipped
translators (``info['calibration']``, ``ens/ensemble.json``), which ``predict_grn`` then uses.

    OMP_NUM_THREADS=1 python benchmarks/calibration.py --data-dir ../shared/data [--write]

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
    """All TF→gene pairs of ``cfg`` whose genes are in the vocabulary: ``({"vvp": s, "gdt": s,
    "ens": mean}, y)``, logits as float64."""
    from scugrn.benchmark.ugrn import Config, _all_pairs, _load
    from scugrn.translator import pair_matrix

    ad = genes_only(_load(Config.parse(cfg), data_dir))
    for m in tr.members:
        spec = m.spec
        params = {k: spec[k] for k in ("base_value", "target_values", "base_values", "background") if k in spec}
        cache.get(ad, spec["probe"], model=model, key_added=spec["key"], verbose=False, data_dir=data_dir, **params)
    S, T, y = _all_pairs(ad)
    ok = np.ones(len(S), dtype=bool)
    out = {}
    for m in tr.members:
        X = pair_matrix(ad, m.spec["key"], S, T)
        ok &= np.isfinite(X).all(1)
        out[m.spec["key"]] = m.logits(np.where(np.isfinite(X), X, 0)).astype(np.float64)
    out["ens"] = np.mean([out[m.spec["key"]] for m in tr.members], axis=0)
    return {k: v[ok] for k, v in out.items()}, y[ok].astype(np.float64)


def fit(data, key):
    """Slope a and offset β of σ(a·s + β + logit(π_c)) by log loss over configurations c (each
    weighted equally, π_c its true density)."""
    from scipy.optimize import minimize

    parts = [(d[0][key], d[1], logit(d[1].mean())) for d in data]

    def loss(theta):
        a, b = theta
        tot, grad = 0.0, np.zeros(2)
        for s, y, off in parts:
            z = a * s + b + off
            p = sigmoid(z)
            tot += np.mean(np.logaddexp(0, z) - y * z)
            g = p - y
            grad += [np.mean(g * s), np.mean(g)]
        return tot / len(parts), grad / len(parts)

    r = minimize(loss, np.array([1.0, 0.0]), jac=True, method="L-BFGS-B")
    return float(r.x[0]), float(r.x[1])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    p.add_argument("--cells", nargs="+", default=["mHSC-L", "mHSC-GM", "mDC"],
                   help="held-out cell types (TFs+500; STRING, Non-Specific and Specific networks each)")
    p.add_argument("--cache-dir", type=Path, default=None)
    p.add_argument("--out", type=Path, default=ROOT / "docs")
    p.add_argument("--features-only", action="store_true", help="compute and cache the features, then stop")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--write", action="store_true", help="store the fit in the shipped translators")
    a = p.parse_args(argv)

    import torch

    import scugrn
    from scugrn.benchmark import FeatureCache

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

    pi_train = float(np.mean([m.info["n_pos"] / m.info["n_train"] for m in tr.members]))
    pi_ref = float(np.mean([m.info["density"] for m in tr.members]))
    cells = list(dict.fromkeys(c.split("/")[0] for c in data))
    keys = ["ens", *[m.spec["key"] for m in tr.members]]
    fits = {k: {cell: fit([d for c, d in data.items() if not c.startswith(cell + "/")], k) for cell in cells}
            for k in keys}
    fits_all = {k: fit(list(data.values()), k) for k in keys}

    rows, weights = [], {}
    for k in keys:
        for cfg, (sc, y) in data.items():
            s, dens = sc[k], y.mean()
            ab = fits[k][cfg.split("/")[0]]
            for pi, tag in ((pi_ref, ""), (dens, "@true")):
                for name, pr in (("raw", sigmoid(s)), ("prior", sigmoid(s - logit(pi_train) + logit(pi))),
                                 ("fitted", sigmoid(ab[0] * s + ab[1] + logit(pi)))):
                    if name == "raw" and tag:
                        continue
                    e, _ = ece(y, pr)
                    weights[(k, name + tag, cfg)] = pr
                    rows.append({"translator": k, "method": name + tag, "config": cfg, "n_pairs": len(y),
                                 "density": float(dens), "ece": e, "brier": brier(y, pr), "nll": nll(y, pr),
                                 "mean_weight": float(pr.mean()), "slope": ab[0] if name == "fitted" else None,
                                 "offset": ab[1] if name == "fitted" else None,
                                 "n_ties_at_1": int((pr == 1.0).sum())})
    methods = list(dict.fromkeys(r["method"] for r in rows))
    pooled = {}
    for k in keys:
        y_all = np.concatenate([data[c][1] for c in data])
        for m in methods:
            p_all = np.concatenate([weights[(k, m, c)] for c in data])
            e, bins = ece(y_all, p_all)
            pooled[(k, m)] = {"ece": e, "brier": brier(y_all, p_all), "nll": nll(y_all, p_all), "bins": bins}
    a.out.mkdir(parents=True, exist_ok=True)
    _plot({m: pooled[("ens", m)] for m in methods}, a.out / "calibration_reliability.png",
          sum(len(d[1]) for d in data.values()), float(np.mean([d[1].mean() for d in data.values()])))
    score_max = {k: float(max(d[0][k].max() for d in data.values())) for k in keys}
    shipped = {k: {"method": "temperature + prior shift, fitted on held-out BEELINE configurations "
                             "(benchmarks/calibration.py)", "slope": fits_all[k][0], "offset": fits_all[k][1],
                   "density": pi_ref, "fitted_on": list(data), "score_range": [
                       float(min(d[0][k].min() for d in data.values())), score_max[k]]} for k in keys}
    res = {"what": "ECE (15 equal-mass bins), Brier and log loss of edge weights on all TF→gene pairs of held-out "
                   "BEELINE configurations (demo backbone, zero-expression mode); 'fitted' leaves the tested "
                   "cell type out of the fit", "train_prior": pi_train, "default_density": pi_ref,
           "per_config": rows,
           "pooled": [{"translator": k, "method": m, **{kk: vv for kk, vv in v.items() if kk != "bins"}}
                      for (k, m), v in pooled.items()],
           "shipped_calibration": shipped, "features_s_this_run": round(t_feat, 1),
           "command": "OMP_NUM_THREADS=1 python benchmarks/calibration.py --data-dir ../shared/data --write",
           "machine": f"{platform.machine()} CPU (2 cores, shared), no GPU, torch {torch.__version__}, 1 thread",
           "date": datetime.date.today().isoformat()}
    (a.out / "calibration.json").write_text(json.dumps(res, indent=1))
    for k in keys:
        for m in methods:
            v = pooled[(k, m)]
            print(f"pooled {k:4s} {m:13s} ece={v['ece']:.4f} brier={v['brier']:.4f} nll={v['nll']:.4f}")
    for r in rows:
        if r["translator"] == "ens":
            print(f"{r['method']:13s} {r['config']:24s} dens={r['density']:.4f} ece={r['ece']:.4f} "
                  f"brier={r['brier']:.4f} nll={r['nll']:.4f} mean_w={r['mean_weight']:.4f} "
                  f"slope={r['slope'] or float('nan'):.3f}")
    print("shipped", json.dumps(shipped, indent=1))
    if a.write:
        write_calibration(shipped)
    return 0


def write_calibration(shipped):
    """Store the fitted calibration in the shipped translators (tensors unchanged)."""
    from scugrn.translator import PRETRAINED_DIR, Translator

    for key, files in (("vvp", ["vvp.safetensors", "ens/0_vvp.safetensors"]),
                       ("gdt", ["gdt.safetensors", "ens/1_gdt.safetensors"])):
        for f in files:
            t = Translator.load(PRETRAINED_DIR / f)
            t.info["calibration"] = shipped[key] if f.count("/") == 0 else None
            if t.info["calibration"] is None:
                del t.info["calibration"]  # ensemble members: the ensemble carries its own
            t.save(PRETRAINED_DIR / f)
    ens = PRETRAINED_DIR / "ens" / "ensemble.json"
    meta = json.loads(ens.read_text())
    meta["calibration"] = shipped["ens"]
    ens.write_text(json.dumps(meta, indent=1))
    logger.info("wrote the calibration into %s", PRETRAINED_DIR)


def _plot(pooled, path, n, dens):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6), sharey=True)
    lo = 1e-4
    for ax, true in zip(axes, (False, True)):
        ax.plot([lo, 1], [lo, 1], color="0.6", lw=1, ls="--", label="perfect")
        for name, v in pooled.items():
            if name.endswith("@true") != true and name != "raw":
                continue
            b = np.array(v["bins"])
            ax.plot(np.maximum(b[:, 0], lo), np.maximum(b[:, 1], lo), marker="o", ms=3,
                    label=f"{name} (ECE {v['ece']:.4f})")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("mean weight in bin")
        ax.set_title("π = each configuration's true density" if true else "π = default density (0.0124)",
                     fontsize=9)
        ax.legend(fontsize=8, loc="upper left")
    axes[0].set_ylabel("share of true edges in bin")
    fig.suptitle(f"Ensemble translator, held-out BEELINE TF→gene pairs (n={n:,}, mean density {dens:.2%}), "
                 "15 equal-mass bins", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    raise SystemExit(main())
