"""The runner of InfoSEM's benchmark: one configuration at a time (:func:`run_infosem_benchmark`),
optionally in worker processes, and the summary over seeds (:func:`summarize`)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..._keys import Key
from .methods import DEFAULT_METHODS, METHODS, BenchContext, _available, _fit_with
from .splits import BenchConfig, make_split, truth_matrix

logger = logging.getLogger("scugrn")

RESULT_COLUMNS = [
    "name", "network", "size", "method", "seed", "model_seed", "test_set", "metric", "value",
    "density", "n_pairs", "n_pos", "seconds",
]


def sem_config_for(network: str, *, n_epochs: int | None = None, **overrides):
    """DeepSEM's preset for the network (cell-type-specific ChIP-seq → ``"celltype"``, others →
    ``"non_celltype"``) with InfoSEM's modal cross-validated priors (App. C: σ_w = 10, σ_l = √0.1 on
    cell-type ChIP-seq; σ_w = 100, σ_l = √0.1 on non-specific ChIP-seq; h = 128)."""
    from ...infosem import preset

    specific = network.lower().replace("-", "").replace("_", "") in ("specific", "celltypespecific")
    base = {"sigma_w": 10.0 if specific else 100.0, "sigma_l": 0.1**0.5, "rank": 128}
    base.update({k: v for k, v in overrides.items() if v is not None})
    return preset("celltype" if specific else "non_celltype", n_epochs=n_epochs, **base)


def _metrics(y: np.ndarray, score: np.ndarray) -> dict[str, float]:
    from ..metrics import auprc, hit_at_1pct

    if y.sum() == 0 or y.sum() == len(y):
        return {"auprc": float("nan"), "hit@1%": float("nan")}
    return {"auprc": auprc(y, score), "hit@1%": hit_at_1pct(y, score)}


def _run_config(cfg: BenchConfig, methods: Sequence[str], seeds: Sequence[int], n_model_seeds: int,
                data_dir, out_dir, sem_epochs, sem_overrides, n_threads_jobs,
                method_seeds: dict | None = None) -> tuple[pd.DataFrame, dict]:
    from ... import __version__
    from ...datasets import beeline

    t_cfg = time.perf_counter()
    adata = beeline(cfg.name, network=cfg.network, size=cfg.size, path=data_dir)
    if adata.n_obs == 0:
        logger.warning("%s: no expression in the data folder; skipped.", cfg.label)
        return pd.DataFrame(columns=RESULT_COLUMNS), {"config": cfg.label, "skipped": "no expression"}
    genes = adata.var_names.astype(str).tolist()
    Y, tfs = truth_matrix(genes, adata.uns[Key.uns.TRUTH])
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


def _worker_init(n_threads: int):
    import torch

    from ..._settings import settings

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
