"""The UGRN benchmark (docs/methods.md §6): train a translator on one (group of) BEELINE
configuration(s), evaluate it on configurations of other cell types, with controls and baselines.

One engine (:func:`run_transfer`) serves every protocol; the protocols only choose the train and
test configurations and N/P (:func:`protocol`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .._keys import Key

logger = logging.getLogger("scugrn")

FEATURE_SETS = ("emb", "vvp", "gdt", "ens", "pert")
ZERO_SHOT = ("origin_pert", "origin_attn")
METRICS = ("auroc", "auprc", "balanced_auprc", "auprc_ratio", "epr", "hit_at_1pct")


@dataclass(frozen=True)
class Config:
    name: str  # cell type
    network: str
    size: int

    @classmethod
    def parse(cls, s) -> Config:
        if isinstance(s, Config):
            return s
        parts = str(s).split("/")
        if len(parts) != 3:
            msg = f"Expected a configuration like 'hESC/STRING/500', found {s!r}."
            raise ValueError(msg)
        return cls(parts[0], parts[1], int(parts[2]))

    def __str__(self) -> str:
        return f"{self.name}/{self.network}/{self.size}"

    @property
    def species(self) -> str:
        return "human" if self.name.startswith("h") else "mouse"


def _load(cfg: Config, data_dir):
    from ..datasets import beeline

    ad = beeline(cfg.name, network=cfg.network, size=cfg.size, path=data_dir)
    ad.uns[Key.SPECIES] = cfg.species
    return ad


def _all_pairs(ad):
    """Every TF→gene pair (indices) and its truth label."""
    is_tf = ad.var[Key.IS_TF].to_numpy(bool)
    n = ad.n_vars
    S = np.repeat(np.flatnonzero(is_tf), n)
    T = np.tile(np.arange(n), is_tf.sum())
    keep = S != T
    S, T = S[keep], T[keep]
    idx = {g: i for i, g in enumerate(ad.var_names)}
    truth = ad.uns[Key.TRUTH]
    pos = {(idx[s], idx[t]) for s, t in zip(truth["source"], truth["target"]) if s in idx and t in idx}
    y = np.array([(s, t) in pos for s, t in zip(S, T)], dtype=np.int8)
    return S, T, y


def _balanced_subset(ad, S, T, neg_ratio, seed):
    """Indices into the all-pairs arrays of the evaluation sample at N/P = neg_ratio."""
    from ..datasets.labels import labelled_pairs

    lab = labelled_pairs(ad, neg_ratio=neg_ratio, seed=seed)
    n = ad.n_vars
    keys = S.astype(np.int64) * n + T
    order = np.argsort(keys)
    names = ad.var_names
    want = names.get_indexer(lab["source"]).astype(np.int64) * n + names.get_indexer(lab["target"])
    k = np.searchsorted(keys, want, sorter=order)
    return order[k]


def _translator_logits(ad, member, key, S, T):
    """One translator's logits on the pairs (S, T) and which pairs it cannot score."""
    from ..translator import pair_matrix

    X = pair_matrix(ad, key, S, T)
    missing = ~np.isfinite(X).all(1)
    return member.logits(np.where(missing[:, None], 0, X)), missing


def _impute_missing(s: np.ndarray, missing: np.ndarray, seed: int = 0) -> np.ndarray:
    """Pairs a method cannot score (a gene outside the backbone's vocabulary) get a score drawn at
    random from its scores of the other pairs: the method guesses on them. Ranking them last instead
    would favour every vocabulary-based scorer, controls included, because unmapped genes are 2–10×
    rarer among true edges than among non-edges on BEELINE (docs/benchmarks.md)."""
    if not missing.any():
        return s
    s = s.astype(float).copy()
    ok = ~missing
    rng = np.random.default_rng(seed)
    s[missing] = rng.choice(s[ok], size=int(missing.sum())) if ok.any() else rng.random(int(missing.sum()))
    return s


def _metrics(y_all, s_all, sample_idx, seed):
    """On the evaluation sample at the run's N/P: AUROC, AUPRC (the paper's Table 6 metric; its
    baseline is the sample's density 1/(1 + N/P)) and balanced AUPRC (the sample subsampled to 1:1;
    equal to AUPRC at N/P = 1). Over all TF→gene pairs: AUPRC ratio, EPR, Hit@1%."""
    from .metrics import evaluate

    out = evaluate(y_all[sample_idx], s_all[sample_idx], metrics=("auroc", "auprc", "balanced_auprc"),
                   seed=seed)
    out.update(evaluate(y_all, s_all, metrics=("auprc_ratio", "epr", "hit_at_1pct"), seed=seed))
    return out


def run_transfer(
    *,
    backbone,
    train,
    test,
    features=("emb", "vvp", "gdt", "ens"),
    zero_shot=ZERO_SHOT,
    baselines=("random", "pearson", "spearman", "onehot_lr"),
    controls: bool = True,
    seeds=range(5),
    neg_ratio: float = 1,
    n_values: int = 8,
    epochs: int = 50,
    standardize: bool = True,
    data_dir=None,
    cache_dir=None,
    verbose: bool = True,
) -> pd.DataFrame:
    """Train on ``train`` configurations, evaluate on ``test`` ones. Returns a tidy table.

    Parameters
    ----------
    backbone
        A loaded backbone, a checkpoint folder or ``"demo"``.
    train, test
        Configurations (``"hESC/STRING/500"`` or :class:`Config`); several train configurations
        are pooled.
    features
        Translator feature sets: ``emb``, ``vvp``, ``gdt``, ``pert`` (only if every train and test
        configuration has expression), and ``ens`` (VVP + GDT logits).
    zero_shot
        ``origin_pert``, ``origin_attn`` — scored on test configurations with expression.
    baselines
        Names in :data:`~scugrn.benchmark.baselines.BASELINES`: ``random`` and ``onehot_lr``
        (trained on the train labels) score every test configuration; ``pearson``, ``spearman``,
        ``grnboost2`` (``needs_expression``) those with expression.
    controls
        Also run VVP/GDT/Ens on a random-weight backbone of the same architecture, and VVP/GDT/Ens
        with permuted training labels. Both must land at chance.
    seeds, neg_ratio
        Seeds (negative sampling and translator training) and N/P.
    cache_dir
        Feature cache (keyed by backbone hash, probe settings, gene set).
    """
    from tqdm.auto import tqdm

    from .. import models, tl
    from ..probes import get_probe
    from ._cache import FeatureCache
    from .baselines import BASELINES, run_baseline

    unknown = [b for b in baselines if b not in BASELINES]
    if unknown:
        msg = f"Unknown baseline(s) {unknown}; expected names from {sorted(BASELINES)}."
        raise ValueError(msg)
    unknown = [p for p in zero_shot if p not in ZERO_SHOT]
    if unknown:
        msg = f"Unknown zero-shot scorer(s) {unknown}; expected names from {list(ZERO_SHOT)}."
        raise ValueError(msg)
    t_start = time.perf_counter()
    bb = models.resolve(backbone)
    trains = [Config.parse(c) for c in ([train] if isinstance(train, (str, Config)) else train)]
    tests = [Config.parse(c) for c in ([test] if isinstance(test, (str, Config)) else test)]
    cache = FeatureCache(cache_dir)
    backbones = {"": bb}
    if controls:
        backbones["random-weights"] = models.randomize(bb, seed=12345)
    probes = sorted({p for f in features for p in (("vvp", "gdt") if f == "ens" else (f,))})

    def needs_x(names) -> bool:
        return any(get_probe(p)[0].needs_expression for p in names)

    ads = {}
    for cfg in tqdm(trains + tests, desc="datasets + features", disable=not verbose):
        if str(cfg) in ads:
            continue
        ad = _load(cfg, data_dir)
        for tag, m in backbones.items():
            for p in probes:
                if tag and p not in ("vvp", "gdt"):
                    continue
                if get_probe(p)[0].needs_expression and ad.n_obs == 0:
                    continue
                kw = {"n_values": n_values} if get_probe(p)[0].value_keys else {}
                cache.get(ad, p, model=m, key_added=f"{p}{'@' + tag if tag else ''}", verbose=False,
                          data_dir=data_dir, **kw)
        if ad.n_obs > 0:
            for p in zero_shot:
                cache.get(ad, p, model=bb, verbose=False, data_dir=data_dir)
        ads[str(cfg)] = ad
    logger.info("features: %d cached, %d computed", cache.hits, cache.misses)

    rows = []
    pairs = {str(c): _all_pairs(ads[str(c)]) for c in tests}
    train_ads = [ads[str(c)] for c in trains]
    train_name = "+".join(map(str, trains))

    balanced = {}

    def record(method, kind, cfg, seed, scores, n_missing=0):
        S, T, y = pairs[str(cfg)]
        if (str(cfg), seed) not in balanced:
            balanced[(str(cfg), seed)] = _balanced_subset(ads[str(cfg)], S, T, neg_ratio, seed)
        bal = balanced[(str(cfg), seed)]
        m = _metrics(y, scores, bal, seed)
        rows.append({"method": method, "kind": kind, "train": train_name, "test": str(cfg),
                     "test_cell": cfg.name, "test_network": cfg.network, "size": cfg.size, "seed": seed,
                     "neg_ratio": neg_ratio, "n_pairs": len(y), "n_pos": int(y.sum()),
                     "n_missing_pairs": n_missing, **m})

    for seed in tqdm(list(seeds), desc="seeds", disable=not verbose):
        from ..datasets.labels import labelled_pairs

        labels = [labelled_pairs(a, neg_ratio=neg_ratio, seed=seed) for a in train_ads]
        rng = np.random.default_rng(seed + 1_000_003)
        permuted = [lab.assign(label=rng.permutation(lab["label"].to_numpy())) for lab in labels]
        trained = {}
        variants = [("", labels, "")]
        if controls:
            variants += [("random-weights", labels, "@random-weights"), ("permuted-labels", permuted, "")]
        for tag, labs, suffix in variants:
            for p in probes:
                if tag and p not in ("vvp", "gdt"):
                    continue
                if get_probe(p)[0].needs_expression and not all(a.n_obs for a in train_ads):
                    continue
                key = p + suffix
                trained[(tag, p)] = tl.train_translator(train_ads, features=key, labels=labs, seed=seed,
                                                        epochs=epochs, standardize=standardize, verbose=False)
        for cfg in tests:
            ad = ads[str(cfg)]
            S, T, _ = pairs[str(cfg)]
            logits = {}  # (tag, probe) -> (logits, missing); Ens reuses its members' logits
            for tag, _, suffix in variants:
                for f in features:
                    if tag and f not in ("vvp", "gdt", "ens"):
                        continue
                    need = ("vvp", "gdt") if f == "ens" else (f,)
                    if not all((tag, p) in trained for p in need) or (needs_x(need) and ad.n_obs == 0):
                        continue
                    for p in need:
                        if (tag, p) not in logits:
                            trained[(tag, p)].check(ad.uns[Key.params(p + suffix)], key=p + suffix)
                            logits[(tag, p)] = _translator_logits(ad, trained[(tag, p)], p + suffix, S, T)
                    missing = np.logical_or.reduce([logits[(tag, p)][1] for p in need])
                    mean_logit = np.mean([logits[(tag, p)][0].astype(float) for p in need], axis=0)
                    s = _impute_missing(mean_logit, missing)
                    name = f + (f"[{tag}]" if tag else "")
                    record(name, "control" if tag else "translator", cfg, seed, s, int(missing.sum()))
            if ad.n_obs > 0:
                for p in zero_shot:
                    F = ad.varp[p][:, :, 0]
                    s = np.abs(F[S, T]).astype(float)
                    s = _impute_missing(s, ~np.isfinite(s))
                    record(p, "zero-shot", cfg, seed, s)
            for b in baselines:
                meta = BASELINES[b]
                if meta.needs_expression and ad.n_obs == 0:
                    continue
                if meta.supervised:
                    tr = pd.concat(labels)
                    n_min = int(min(tr["label"].sum(), (1 - tr["label"]).sum()))
                    df = run_baseline(b, ad, train=tr, seed=seed, cv=max(2, min(5, n_min)))
                else:
                    df = run_baseline(b, ad, seed=seed) if _takes_seed(b) else run_baseline(b, ad)
                s = _align(df, ad, S, T)
                record(b, "baseline", cfg, seed, s)
    res = pd.DataFrame(rows)
    res.attrs["wall_s"] = time.perf_counter() - t_start
    res.attrs["backbone"] = bb.info.as_dict()
    return res


def _takes_seed(name) -> bool:
    import inspect

    from .baselines import BASELINES

    return "seed" in inspect.signature(BASELINES[name].func).parameters


def _align(df: pd.DataFrame, ad, S, T) -> np.ndarray:
    """Scores of a ``source, target, weight`` table on the pairs (S, T); absent pairs rank last."""
    n = ad.n_vars
    r = ad.var_names.get_indexer(df["source"])
    c = ad.var_names.get_indexer(df["target"])
    ok = (r >= 0) & (c >= 0)
    lut = pd.Series(df["weight"].to_numpy(dtype=float)[ok], index=r[ok].astype(np.int64) * n + c[ok])
    lut = lut[~lut.index.duplicated(keep="last")]
    s = lut.reindex(S.astype(np.int64) * n + T).to_numpy(dtype=float)
    lo = np.nanmin(s) if np.isfinite(s).any() else 0.0
    return np.where(np.isfinite(s), s, lo - 1)  # a method's own "no edge" (e.g. GRNBoost2's zero importance)


def protocol(name: str, *, size: int = 500, train: str = "hESC/STRING/500", data_dir=None) -> list[dict]:
    """Train/test splits of the papers' protocols.

    ``"loo"`` (Tables 1–2): train on ``train``, test on every configuration of the other cell types;
    ``"cross-species"``: train on the configurations of ``train``'s species and network, test on
    every configuration of the other species;
    ``"cross-network"``: train on one network kind, test on the other networks of other cell types;
    ``"imbalance"`` (Table 6): ``loo`` at N/P = 1, 2, 5, 10.
    Returns a list of ``{"train": [...], "test": [...], "neg_ratio": r}``.
    """
    from ..datasets import beeline_configs

    cfgs = beeline_configs(data_dir)
    cfgs = cfgs[cfgs["size"] == size]
    allc = [Config(r.name, r.network, int(r.size)) for r in cfgs.itertuples()]
    tr = Config.parse(train)
    if name in ("loo", "imbalance"):
        test = [c for c in allc if c.name != tr.name]
        ratios = (1,) if name == "loo" else (1, 2, 5, 10)
        return [{"train": [tr], "test": test, "neg_ratio": r} for r in ratios]
    if name == "cross-species":
        same = [c for c in allc if c.species == tr.species and c.network == tr.network]
        other = [c for c in allc if c.species != tr.species]
        if not same or not other:
            msg = (f"cross-species from {tr}: expected {tr.species} {tr.network} configurations to train on "
                   f"and configurations of the other species to test on; found {len(same)} and {len(other)} "
                   f"among {[str(c) for c in allc]}.")
            raise ValueError(msg)
        return [{"train": same, "test": other, "neg_ratio": 1}]
    if name == "cross-network":
        return [{"train": [c for c in allc if c.network == tr.network and c.name == tr.name],
                 "test": [c for c in allc if c.network != tr.network and c.name != tr.name], "neg_ratio": 1}]
    msg = f"Unknown protocol {name!r}; expected 'loo', 'cross-species', 'cross-network' or 'imbalance'."
    raise ValueError(msg)


def summarize(res: pd.DataFrame, *, metric: str = "balanced_auprc") -> pd.DataFrame:
    """Mean ± s.e. over seeds: rows = test configuration, columns = method."""
    g = res.groupby(["test", "method"])[metric]
    mean, se = g.mean().unstack(), (g.std(ddof=1) / np.sqrt(g.count())).unstack()
    return mean, se


def markdown_table(res: pd.DataFrame, *, metric: str = "balanced_auprc", order=None) -> str:
    """The paper's Table 1 layout: one row per test configuration, one column per method,
    mean ± s.e. over seeds, and the mean over configurations."""
    mean, se = summarize(res, metric=metric)
    cols = [c for c in (order or _ORDER) if c in mean.columns] + [c for c in mean.columns if c not in (order or _ORDER)]
    lines = ["| test | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for t in mean.index:
        cells = [f"{mean.loc[t, c]:.3f} ± {se.loc[t, c]:.3f}" if np.isfinite(mean.loc[t, c]) else "–" for c in cols]
        lines.append(f"| {t} | " + " | ".join(cells) + " |")
    avg = mean[cols].mean()
    lines.append("| **mean** | " + " | ".join(f"**{avg[c]:.3f}**" for c in cols) + " |")
    return "\n".join(lines)


_ORDER = ["origin_pert", "origin_attn", "pert", "emb", "vvp", "gdt", "ens", "vvp[random-weights]",
          "gdt[random-weights]", "ens[random-weights]", "gdt[permuted-labels]", "ens[permuted-labels]",
          "vvp[permuted-labels]", "random", "pearson", "spearman", "grnboost2", "onehot_lr"]


def save(res: pd.DataFrame, out_dir: str | Path, *, name: str = "ugrn") -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    res.to_csv(out / f"{name}.csv", index=False)
    (out / f"{name}.md").write_text(markdown_table(res) + "\n")
    return out
