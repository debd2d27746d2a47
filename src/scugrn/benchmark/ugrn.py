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


def _metrics(y_all, s_all, sample_idx, seed, sources=None):
    """On the evaluation sample at the run's N/P: AUROC, AUPRC (the paper's Table 6 metric; its
    baseline is the sample's density 1/(1 + N/P)) and balanced AUPRC (the sample subsampled to 1:1;
    equal to AUPRC at N/P = 1). Over all evaluated TF→gene pairs: AUPRC ratio, EPR, Hit@1% and,
    given the pairs' ``sources``, the per-TF AUPRC (:func:`~scugrn.benchmark.metrics.per_tf`)."""
    from .metrics import evaluate, per_tf

    out = evaluate(y_all[sample_idx], s_all[sample_idx], metrics=("auroc", "auprc", "balanced_auprc"),
                   seed=seed)
    out.update(evaluate(y_all, s_all, metrics=("auprc_ratio", "epr", "hit_at_1pct"), seed=seed))
    if sources is not None:
        out.update(per_tf(y_all, s_all, sources))
    return out


def _probes(features) -> list[str]:
    """The probes a list of feature sets needs (``ens`` = VVP + GDT)."""
    return sorted({p for f in features for p in (("vvp", "gdt") if f == "ens" else (f,))})


def compute_features(backbone, configs, *, features=("emb", "vvp", "gdt", "ens"), zero_shot=ZERO_SHOT,
                     controls: bool = True, n_values: int = 8, data_dir=None, cache_dir=None,
                     verbose: bool = True) -> dict:
    """Load each configuration and fill its features (the feature step of :func:`run_transfer`).

    Features depend on the gene set only, never on a split, so one call serves every split and
    protocol of the same configurations; with ``cache_dir`` they are computed once on disk.
    Returns ``{str(config): AnnData}``; the random-weight control's VVP/GDT are stored under
    ``vvp@random-weights`` / ``gdt@random-weights``.
    """
    from tqdm.auto import tqdm

    from .. import models
    from ..probes import get_probe
    from ._cache import FeatureCache

    bb = models.resolve(backbone)
    cache = FeatureCache(cache_dir)
    backbones = {"": bb}
    if controls:
        backbones["random-weights"] = models.randomize(bb, seed=12345)
    probes = _probes(features)
    ads = {}
    for cfg in tqdm([Config.parse(c) for c in configs], desc="datasets + features", disable=not verbose):
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
    return ads


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
    split: str = "dataset",
    test_frac: float = 0.5,
    data_dir=None,
    cache_dir=None,
    verbose: bool = True,
) -> pd.DataFrame:
    """Train on ``train`` configurations, evaluate on ``test`` ones. Returns a tidy table.

    Three steps: features (:func:`compute_features`, once for every split), then per seed the
    translators (:func:`train_step`) and the scores of every method on every test configuration
    (:func:`score_step`).

    Parameters
    ----------
    backbone
        A loaded backbone, a checkpoint folder or ``"demo"``.
    train, test
        Configurations (``"hESC/STRING/500"`` or :class:`Config`); several train configurations
        are pooled.
    features
        Translator feature sets: ``emb``, ``vvp``, ``gdt``, ``pert`` (only if every train and test
        configuration has expression), and ``ens`` (VVP + GDT logits, a :class:`~scugrn.translator.Ensemble`).
    zero_shot
        ``origin_pert``, ``origin_attn`` — scored on test configurations with expression.
    baselines
        Names in :data:`~scugrn.benchmark.baselines.BASELINES`: ``random``, and the supervised
        ``onehot_lr``, ``tf_degree``, ``target_degree`` (trained on the train labels) score every
        test configuration; ``pearson``, ``spearman``, ``grnboost2`` (``needs_expression``) those
        with expression.
    controls
        Also run VVP/GDT/Ens on a random-weight backbone of the same architecture, and VVP/GDT/Ens
        with permuted training labels. Both must land at chance.
    seeds, neg_ratio
        Seeds (negative sampling, translator training, the gene split) and N/P.
    split, test_frac
        ``"dataset"`` (leave-one-dataset-out, the paper's protocol), ``"tf-disjoint"`` or
        ``"gene-disjoint"`` (:mod:`scugrn.benchmark.splits`; ``test_frac`` of the training genes
        held out, a new cut per seed). The split's sizes are columns of the result.
    cache_dir
        Feature cache (keyed by backbone hash, probe settings, gene set).

    Returns
    -------
    One row per method × test configuration × seed: AUROC, AUPRC, balanced AUPRC on the N/P
    sample; AUPRC ratio, EPR, Hit@1% and the per-TF AUPRC (:func:`~scugrn.benchmark.metrics.per_tf`)
    over every evaluated TF→gene pair; the split and its sizes.
    """
    from tqdm.auto import tqdm

    from .. import models
    from .baselines import BASELINES
    from .splits import check_split, make_split

    unknown = [b for b in baselines if b not in BASELINES]
    if unknown:
        msg = f"Unknown baseline(s) {unknown}; expected names from {sorted(BASELINES)}."
        raise ValueError(msg)
    unknown = [p for p in zero_shot if p not in ZERO_SHOT]
    if unknown:
        msg = f"Unknown zero-shot scorer(s) {unknown}; expected names from {list(ZERO_SHOT)}."
        raise ValueError(msg)
    check_split(split)
    t_start = time.perf_counter()
    bb = models.resolve(backbone)
    trains = [Config.parse(c) for c in ([train] if isinstance(train, (str, Config)) else train)]
    tests = [Config.parse(c) for c in ([test] if isinstance(test, (str, Config)) else test)]
    ads = compute_features(bb, trains + tests, features=features, zero_shot=zero_shot, controls=controls,
                           n_values=n_values, data_dir=data_dir, cache_dir=cache_dir, verbose=verbose)
    train_ads = [ads[str(c)] for c in trains]
    test_ads = {str(c): ads[str(c)] for c in tests}
    pairs = {str(c): _all_pairs(ads[str(c)]) for c in dict.fromkeys(trains + tests)}
    keys = {}
    if split != "dataset":
        from .splits import adata_keys

        keys = {name: adata_keys(ad, data_dir=data_dir) for name, ad in ads.items()}
    train_name = "+".join(map(str, trains))
    rows = []
    fitted = {}
    for seed in tqdm(list(seeds), desc="seeds", disable=not verbose):
        sp = make_split(split, train_ads, list(test_ads.values()), seed=seed, test_frac=test_frac,
                        data_dir=data_dir)
        labels = [_training_labels(ad, pairs[str(c)], keys.get(str(c)), sp, neg_ratio, seed)
                  for c, ad in zip(trains, train_ads)]
        methods = train_step(train_ads, labels, features=features, controls=controls, seed=seed, epochs=epochs,
                             standardize=standardize)
        extra = {"split": split, "test_frac": test_frac if sp is not None else None,
                 **(sp.sizes if sp is not None else {})}
        for cfg in tests:
            ad = test_ads[str(cfg)]
            ev = _eval_pairs(ad, pairs[str(cfg)], keys.get(str(cfg)), sp, neg_ratio, seed)
            if ev is None:
                logger.warning("%s split, seed %d: no true edge of %s is left to test on; skipped.",
                               split, seed, cfg)
                continue
            meta = {"train": train_name, "test": str(cfg), "test_cell": cfg.name, "test_network": cfg.network,
                    "size": cfg.size, "seed": seed, "neg_ratio": neg_ratio, **extra}
            for r in score_step(ad, ev, methods, zero_shot=zero_shot, baselines=baselines, labels=labels,
                                seed=seed, fitted=fitted):
                rows.append({"method": r.pop("method"), "kind": r.pop("kind"), **meta, **r})
    res = pd.DataFrame(rows)
    res.attrs["wall_s"] = time.perf_counter() - t_start
    res.attrs["backbone"] = bb.info.as_dict()
    return res


@dataclass
class _Eval:
    """The evaluated pairs of one test configuration (var indices S → T, truth y) and the N/P
    sample (indices into them)."""

    S: np.ndarray
    T: np.ndarray
    y: np.ndarray
    sample: np.ndarray


def _masked_sample(y: np.ndarray, neg_ratio, seed: int) -> np.ndarray:
    """All positives of ``y`` and ``round(neg_ratio × P)`` negatives drawn without replacement
    (``default_rng(seed)``; all of them when fewer exist), as sorted indices."""
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    want = min(int(np.rint(neg_ratio * len(pos))), len(neg))
    neg = np.sort(np.random.default_rng(seed).choice(neg, size=want, replace=False))
    return np.sort(np.concatenate([pos, neg]))


def _eval_pairs(ad, all_pairs, keys, sp, neg_ratio, seed) -> _Eval | None:
    S, T, y = all_pairs
    if sp is None:  # leave one dataset out: every pair, BEELINE's labelled sample
        return _Eval(S, T, y, _balanced_subset(ad, S, T, neg_ratio, seed))
    m = sp.test_mask(keys, S, T)
    S, T, y = S[m], T[m], y[m]
    if not y.any() or y.all():
        return None
    return _Eval(S, T, y, _masked_sample(y, neg_ratio, seed))


def _training_labels(ad, all_pairs, keys, sp, neg_ratio, seed) -> pd.DataFrame:
    """Labelled training pairs ``source, target, label`` of one training configuration."""
    from ..datasets.labels import labelled_pairs

    if sp is None:
        return labelled_pairs(ad, neg_ratio=neg_ratio, seed=seed)
    S, T, y = all_pairs
    m = np.flatnonzero(sp.train_mask(keys, S, T))
    if not y[m].any():
        msg = (f"The {sp.kind} split (seed {sp.seed}) leaves no true edge to train on in this configuration; "
               "expected a smaller test_frac or a training configuration with more edges.")
        raise ValueError(msg)
    idx = m[_masked_sample(y[m], neg_ratio, seed)]
    names = ad.var_names.to_numpy().astype(str)
    lab = pd.DataFrame({"source": names[S[idx]], "target": names[T[idx]], "label": y[idx].astype(np.int64)})
    return lab.sort_values("label", ascending=False, kind="stable").reset_index(drop=True)


def train_step(train_ads, labels, *, features=("emb", "vvp", "gdt", "ens"), controls: bool = True, seed: int = 0,
               epochs: int = 50, standardize: bool = True) -> dict:
    """Translators of one seed: ``{method name: (kind, Translator | Ensemble)}``.

    ``ens`` is a :class:`~scugrn.translator.Ensemble` of the VVP and GDT translators; with
    ``controls`` the same on the random-weight backbone's features (``[random-weights]``) and with
    permuted training labels (``[permuted-labels]``). ``pert`` is trained only when every training
    configuration has expression.
    """
    from .. import tl
    from ..probes import get_probe
    from ..translator import Ensemble

    rng = np.random.default_rng(seed + 1_000_003)
    permuted = [lab.assign(label=rng.permutation(lab["label"].to_numpy())) for lab in labels]
    variants = [("", labels, "")]
    if controls:
        variants += [("random-weights", labels, "@random-weights"), ("permuted-labels", permuted, "")]
    trained = {}
    for tag, labs, suffix in variants:
        for p in _probes(features):
            if tag and p not in ("vvp", "gdt"):
                continue
            if get_probe(p)[0].needs_expression and not all(a.n_obs for a in train_ads):
                continue
            trained[(tag, p)] = tl.train_translator(train_ads, features=p + suffix, labels=labs, seed=seed,
                                                    epochs=epochs, standardize=standardize, verbose=False)
    methods = {}
    for tag, _, _ in variants:
        for f in features:
            if tag and f not in ("vvp", "gdt", "ens"):
                continue
            need = ("vvp", "gdt") if f == "ens" else (f,)
            if not all((tag, p) in trained for p in need):
                continue
            name = f + (f"[{tag}]" if tag else "")
            kind = "control" if tag else "translator"
            methods[name] = (kind, Ensemble([trained[(tag, p)] for p in need]) if f == "ens" else trained[(tag, f)])
    return methods


def score_step(ad, ev: _Eval, methods: dict, *, zero_shot=ZERO_SHOT, baselines=(), labels=(), seed: int = 0,
               fitted: dict | None = None):
    """Metrics of every method on one test configuration: a list of row dicts (``method``,
    ``kind``, ``n_pairs``, ``n_pos``, ``n_missing_pairs`` and the metrics). ``fitted`` (a dict
    kept across the test configurations of a seed) lets one-hot LR be fitted once per seed."""
    from ..translator import Ensemble
    from .baselines import BASELINES, run_baseline

    rows = []

    def record(method, kind, scores, n_missing=0):
        m = _metrics(ev.y, scores, ev.sample, seed, sources=ev.S)
        rows.append({"method": method, "kind": kind, "n_pairs": len(ev.y), "n_pos": int(ev.y.sum()),
                     "n_missing_pairs": n_missing, **m})

    logits = {}  # id(translator) -> (logits, missing): Ens reuses its members' logits
    for name, (kind, model) in methods.items():
        members = model.members if isinstance(model, Ensemble) else [model]
        if any(m.spec["key"] not in ad.varp and m.spec["key"] not in ad.varm for m in members):
            continue  # e.g. pert on a test set without expression
        for m in members:
            if id(m) not in logits:
                k = m.spec["key"]
                m.check(ad.uns[Key.params(k)], key=k)
                logits[id(m)] = _translator_logits(ad, m, k, ev.S, ev.T)
        missing = np.logical_or.reduce([logits[id(m)][1] for m in members])
        mean_logit = np.mean([logits[id(m)][0].astype(float) for m in members], axis=0)
        record(name, kind, _impute_missing(mean_logit, missing), int(missing.sum()))
    if ad.n_obs > 0:
        for p in zero_shot:
            F = ad.varp[p][:, :, 0]
            s = np.abs(F[ev.S, ev.T]).astype(float)
            record(p, "zero-shot", _impute_missing(s, ~np.isfinite(s)))
    for b in baselines:
        meta = BASELINES[b]
        if meta.needs_expression and ad.n_obs == 0:
            continue
        kw = {"seed": seed}
        if meta.supervised:
            tr = pd.concat(labels)
            n_min = int(min(tr["label"].sum(), (1 - tr["label"]).sum()))
            kw.update(train=tr, cv=max(2, min(5, n_min)))
        if b == "onehot_lr" and fitted is not None:  # the same fit for every test configuration of a seed
            from ..datasets.labels import tf_gene_pairs
            from .baselines import OneHotLR

            if ("onehot_lr", seed) not in fitted:
                fitted.clear()
                fitted[("onehot_lr", seed)] = OneHotLR(seed=seed, cv=kw["cv"]).fit(kw["train"])
            df = fitted[("onehot_lr", seed)].predict(tf_gene_pairs(ad))
        else:
            df = run_baseline(b, ad, **_accepted(b, kw))
        record(b, "baseline", _align(df, ad, ev.S, ev.T))
    return rows


def _accepted(name, kwargs: dict) -> dict:
    """The keyword arguments baseline ``name`` takes."""
    import inspect

    from .baselines import BASELINES

    params = inspect.signature(BASELINES[name].func).parameters
    return {k: v for k, v in kwargs.items() if k in params}


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
          "vvp[permuted-labels]", "random", "pearson", "spearman", "grnboost2", "onehot_lr", "tf_degree",
          "target_degree"]


def save(res: pd.DataFrame, out_dir: str | Path, *, name: str = "ugrn") -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    res.to_csv(out / f"{name}.csv", index=False)
    text = "Balanced AUPRC (pooled over pairs):\n\n" + markdown_table(res) + "\n"
    if "per_tf_auprc" in res and res["per_tf_auprc"].notna().any():
        text += ("\nPer-TF AUPRC (mean over TFs with >= 5 true targets, all evaluated pairs):\n\n"
                 + markdown_table(res, metric="per_tf_auprc") + "\n")
    (out / f"{name}.md").write_text(text)
    return out
