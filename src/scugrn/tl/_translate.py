"""``scugrn.tl.train_translator`` and ``scugrn.tl.predict_grn``."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._common import edges_frame
from .._keys import Key

if TYPE_CHECKING:
    from anndata import AnnData

    from ..translator import Translator

logger = logging.getLogger("scugrn")


def _labels_for(adata, labels, *, neg_ratio, seed, truth_key):
    if labels is not None:
        need = {"source", "target", "label"}
        if not isinstance(labels, pd.DataFrame) or not need <= set(labels.columns):
            msg = f"labels must be a DataFrame with columns {sorted(need)}; found {type(labels).__name__}."
            raise ValueError(msg)
        return labels
    if truth_key not in adata.uns:
        msg = (
            f"No labels: pass labels= (DataFrame source, target, label) or put the known edges in "
            f"adata.uns[{truth_key!r}] (DataFrame source, target), e.g. from scugrn.datasets.beeline."
        )
        raise KeyError(msg)
    from ..datasets.labels import labelled_pairs

    return labelled_pairs(adata, neg_ratio=neg_ratio, seed=seed, truth_key=truth_key)


def _density_counts(ad, key, lab) -> tuple[int, int]:
    """(true edges, candidate pairs) among all source→gene pairs of ``ad`` whose genes have
    features: the density the translator's training network has over all pairs."""
    from ..translator import feature_kind

    F = (ad.varm if feature_kind(ad, key) == "varm" else ad.varp)[key]
    F = np.asarray(F.toarray() if hasattr(F, "toarray") else F)
    if F.ndim == 2 and feature_kind(ad, key) == "varm":
        has = np.isfinite(F).all(1)
    else:
        fin = np.isfinite(F.reshape(F.shape[0], F.shape[1], -1)).all(-1)
        np.fill_diagonal(fin, False)
        has = fin.any(1)
    names = np.asarray(ad.var_names)
    ok = set(names[has])
    pos = lab[lab["label"] == 1]
    n_pos = int(sum(s in ok and t in ok and s != t for s, t in zip(pos["source"], pos["target"])))
    if Key.IS_TF in ad.var:
        is_src = ad.var[Key.IS_TF].to_numpy(bool)
    else:
        is_src = np.isin(names, pd.unique(lab["source"]))
    n_src = int((is_src & has).sum())
    return n_pos, n_src * max(int(has.sum()) - 1, 0)


def train_translator(
    adata: AnnData | Sequence[AnnData],
    *,
    features: str = "gdt",
    labels=None,
    neg_ratio: float | None = 1,
    seed: int = 0,
    epochs: int = 50,
    lr: float = 1e-3,
    batch_size: int = 128,
    standardize: bool = True,
    truth_key: str = Key.TRUTH,
    verbose: bool | None = None,
) -> Translator:
    """Train a translator on known edges of one (or several) datasets.

    Parameters
    ----------
    adata
        AnnData (or a list of AnnData, trained on jointly) holding ``features`` (from ``tl.vvp`` ...).
    features
        The features' key (``varp`` or ``varm``).
    labels
        DataFrame ``source, target, label`` (one per AnnData when a list); default: positives
        from ``adata.uns[truth_key]`` and ``neg_ratio`` × as many sampled negatives (docs/methods.md §5).
    neg_ratio, seed
        Negatives per positive (``None``: all) and the seed for sampling and training.
    epochs, lr, batch_size
        Adam settings (paper: 50, 1e-3, 128).
    standardize
        Standardise features with training mean/std, stored with the translator (see
        docs/defaults.md for the measurement behind the default).

    Returns
    -------
    :class:`scugrn.translator.Translator`; its ``info`` records the training prior (``n_pos /
    n_train``) and ``density``, the share of true edges among all source→gene pairs of the
    training genes, which :func:`predict_grn` uses to calibrate its weights.
    """
    from anndata import AnnData

    from ..translator import (
        Translator,
        check_spec,
        feature_spec,
        fit_mlp,
        pair_matrix,
        pairs_by_name,
    )

    adatas = [adata] if isinstance(adata, AnnData) else list(adata)
    if not adatas:
        msg = "Expected an AnnData or a non-empty list of AnnData."
        raise ValueError(msg)
    label_list = labels if isinstance(labels, (list, tuple)) else [labels] * len(adatas)
    Xs, ys, spec = [], [], None
    n_true = n_cand = 0
    for ad, lab in zip(adatas, label_list):
        pk = Key.params(features)
        if pk not in ad.uns:
            msg = f"adata.uns[{pk!r}] is missing: the features {features!r} have no recorded settings. Compute them with scugrn.tl."
            raise KeyError(msg)
        s = feature_spec(ad.uns[pk], features)
        if spec is None:
            spec = s
        else:
            check_spec(spec, ad.uns[pk], key=features, what="the first training dataset")
        lab = _labels_for(ad, lab, neg_ratio=neg_ratio, seed=seed, truth_key=truth_key)
        src, tgt = pairs_by_name(ad, lab["source"], lab["target"])
        a, b = _density_counts(ad, features, lab)
        n_true, n_cand = n_true + a, n_cand + b
        X = pair_matrix(ad, features, src, tgt)
        ok = np.isfinite(X).all(1)
        if not ok.all():
            logger.warning("%d labelled pairs involve genes without features; left out.", (~ok).sum())
        Xs.append(X[ok])
        ys.append(lab["label"].to_numpy()[ok])
    X, y = np.concatenate(Xs), np.concatenate(ys)
    net, mean, std = fit_mlp(X, y, seed=seed, epochs=epochs, lr=lr, batch_size=batch_size,
                             standardize=standardize, verbose=verbose)
    info = {"n_train": len(y), "n_pos": int(y.sum()), "seed": seed, "epochs": epochs, "lr": lr,
            "batch_size": batch_size, "neg_ratio": neg_ratio,
            "density": n_true / n_cand if n_cand else None,
            "datasets": [str(ad.uns.get(Key.uns.BEELINE, {}).get("name", "")) for ad in adatas]}
    return Translator(net, spec, mean=mean, std=std, info=info)


def _logit(p: float) -> float:
    return float(np.log(p) - np.log1p(-p))


def _top_per_source(df: pd.DataFrame, k: int) -> pd.DataFrame:
    return df.groupby("source", sort=False, observed=True).head(k)


def predict_grn(
    adata,
    *,
    translator,
    key_added: str = Key.GRN,
    features: str | list[str] | None = None,
    tf_only: bool = True,
    tfs=None,
    density: float | None = None,
    top: int | None = None,
    top_per_tf: int | None = None,
    copy: bool = False,
):
    """Score every candidate edge with a trained translator (or ensemble).

    Parameters
    ----------
    adata
        AnnData holding the features the translator expects (``tl.vvp`` / ``tl.gdt`` / ...).
    translator
        A :class:`~scugrn.translator.Translator`, :class:`~scugrn.translator.Ensemble`, or a path
        to a saved one. Features made with other settings or another backbone are an error.
    key_added
        Where to write; default ``"grn"``.
    features
        Feature key(s) in ``adata``, one per ensemble member; default: the keys recorded in the
        translator.
    tf_only, tfs
        Score only sources that are TFs (``adata.var['is_tf']``, or the names in ``tfs``); with
        ``tf_only=False`` every gene is a source.
    density
        The share of candidate pairs you expect to be true edges (BEELINE: 0.4–2 % for STRING and
        ChIP-seq networks, 3–13 % for cell-type-specific ChIP-seq). ``weight`` is
        ``σ(slope·score + offset + logit(density))`` with the translator's calibration
        (``translator.calibration``): measured on held-out BEELINE configurations for the shipped
        translators, else the prior shift from its training pairs (docs/defaults.md, "Edge
        weights"). Default: ``translator.calibration['density']`` (the training network's density
        over all its TF→gene pairs, 0.0124 for the demo translators), else 0.01.
    top, top_per_tf
        Keep only the ``top`` best edges, and/or the ``top_per_tf`` best targets of each source
        (applied first). ``adata.varp[key_added]`` keeps every scored pair.
    copy
        Return a copy instead of writing in place.

    Returns
    -------
    ``None`` or the copy. Writes ``adata.uns['grn' | key_added]``: DataFrame ``source, target,
    weight, score, rank`` — decoupler's network format plus ``score`` (the raw logit, mean over
    ensemble members, float64: rank by it, it never saturates) and ``rank`` (1 = best), sorted by
    score, descending; ``weight`` is the calibrated probability (float64);
    ``adata.varp['grn' | key_added]``: (n_vars, n_vars) float32 weights, NaN where not scored;
    ``adata.uns['grn_params']`` (features, density, calibration, top, top_per_tf).
    """
    from scipy.special import expit

    from ..translator import Ensemble, Translator, load, pair_matrix, tf_mask

    if isinstance(translator, (str, Path)):
        translator = load(translator)
    if isinstance(translator, Translator):
        members = [translator]
    elif isinstance(translator, Ensemble):
        members = translator.members
    else:
        msg = f"translator must be a Translator, Ensemble or a path; found {type(translator).__name__}."
        raise TypeError(msg)
    for name, v in {"top": top, "top_per_tf": top_per_tf}.items():
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1):
            msg = f"{name} must be a positive integer (a number of edges) or None, found {v!r}."
            raise ValueError(msg)
    cal = translator.calibration
    if density is None:
        density = cal["density"] if cal.get("density") is not None else 0.01
    if not isinstance(density, (int, float, np.floating)) or not 0 < float(density) < 1:
        msg = (f"density must be the expected share of true edges among the candidate pairs, a number in "
               f"(0, 1) such as 0.01; found {density!r}.")
        raise ValueError(msg)
    density = float(density)
    slope, shift = float(cal["slope"]), float(cal["offset"]) + _logit(density)
    keys = [features] if isinstance(features, str) else (features or [m.spec["key"] for m in members])
    if len(keys) != len(members):
        msg = f"Expected {len(members)} feature keys (one per ensemble member), found {keys}."
        raise ValueError(msg)
    for m, k in zip(members, keys):
        pk = Key.params(k)
        if k not in adata.varp and k not in adata.varm:
            probe = m.spec.get("probe", k)
            msg = (f"adata has no features {k!r}, which the translator needs. Run "
                   f"scugrn.tl.{probe}(adata, model=...) first (with the translator's backbone).")
            raise KeyError(msg)
        m.check(adata.uns.get(pk, {}), key=k)
    n = adata.n_vars
    fix = "pass tfs=[...], or tf_only=False to score every gene as a source"
    is_src = tf_mask(adata, tfs, also=fix) if tf_only else np.ones(n, dtype=bool)
    if not is_src.any():
        msg = "No source genes: none of the genes is marked as a TF. Check adata.var['is_tf'] / tfs=."
        raise ValueError(msg)
    adata = adata.copy() if copy else adata
    src_idx = np.flatnonzero(is_src)
    weights = np.full((n, n), np.nan, dtype=np.float32)
    rows = []
    for s in np.array_split(src_idx, max(1, len(src_idx) * n // 200_000)):
        S = np.repeat(s, n)
        T = np.tile(np.arange(n), len(s))
        keep = S != T
        S, T = S[keep], T[keep]
        logit = np.zeros(len(S), dtype=np.float64)
        ok = np.ones(len(S), dtype=bool)
        for m, k in zip(members, keys):
            X = pair_matrix(adata, k, S, T)
            ok &= np.isfinite(X).all(1)
            X = np.where(np.isfinite(X), X, 0)
            logit += m.logits(X)
        score = logit[ok] / len(members)
        S, T = S[ok], T[ok]
        w = expit(slope * score + shift)  # σ, accurate in both tails
        weights[S, T] = w
        rows.append((S, T, score, w))
    S, T, score, w = (np.concatenate([r[i] for r in rows]) for i in range(4))
    lo, hi = cal.get("score_range") or (-np.inf, np.inf)
    out = int(((score < lo) | (score > hi)).sum())
    if out:
        logger.warning("%d of %d scores lie outside [%.1f, %.1f], the range the weights' calibration was "
                       "measured on; their weights are extrapolated (docs/defaults.md, 'Edge weights').",
                       out, len(score), lo, hi)
    df = edges_frame(np.asarray(adata.var_names), S, T, w, by="score", score=score)
    n_scored = len(df)
    if top_per_tf is not None:
        df = _top_per_source(df, int(top_per_tf)).reset_index(drop=True)
    if top is not None:
        df = df.head(int(top))
    df["rank"] = np.arange(1, len(df) + 1, dtype=np.int64)
    adata.varp[key_added] = weights
    adata.uns[key_added] = df
    adata.uns[Key.params(key_added)] = {
        "features": keys, "tf_only": tf_only, "n_edges": len(df), "n_scored": n_scored,
        "translators": [m.spec.get("probe") for m in members],
        "weight": "sigmoid(slope * score + offset + logit(density))", "density": density,
        "calibration": {k: v for k, v in cal.items() if v is not None},
        **({} if top is None else {"top": int(top)}),
        **({} if top_per_tf is None else {"top_per_tf": int(top_per_tf)}),
    }
    return adata if copy else None
