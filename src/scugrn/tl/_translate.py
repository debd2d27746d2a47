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
    The trained :class:`scugrn.translator.Translator`; ``adata`` is not modified (writes nothing).
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
            "datasets": [str(ad.uns.get(Key.uns.BEELINE, {}).get("name", "")) for ad in adatas]}
    return Translator(net, spec, mean=mean, std=std, info=info)


def predict_grn(
    adata,
    *,
    translator,
    key_added: str = Key.GRN,
    features: str | list[str] | None = None,
    tf_only: bool = True,
    tfs=None,
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
    copy
        Return a copy instead of writing in place.

    Returns
    -------
    ``None`` or the copy. Writes ``adata.uns['grn' | key_added]``: DataFrame ``source, target,
    weight`` (probability) sorted by weight, descending — decoupler's network format;
    ``adata.varp['grn' | key_added]``: (n_vars, n_vars) float32 scores, NaN where not scored;
    ``adata.uns['grn_params']``.
    """
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
    adata = adata.copy() if copy else adata
    n = adata.n_vars
    fix = "pass tfs=[...], or tf_only=False to score every gene as a source"
    is_src = tf_mask(adata, tfs, also=fix) if tf_only else np.ones(n, dtype=bool)
    if not is_src.any():
        msg = "No source genes: none of the genes is marked as a TF. Check adata.var['is_tf'] / tfs=."
        raise ValueError(msg)
    src_idx = np.flatnonzero(is_src)
    scores = np.full((n, n), np.nan, dtype=np.float32)
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
        p = 1 / (1 + np.exp(-logit / len(members)))
        S, T, p = S[ok], T[ok], p[ok]
        scores[S, T] = p
        rows.append((S, T, p))
    S = np.concatenate([r[0] for r in rows])
    T = np.concatenate([r[1] for r in rows])
    P = np.concatenate([r[2] for r in rows])
    df = edges_frame(np.asarray(adata.var_names), S, T, P.astype(np.float32))
    adata.varp[key_added] = scores
    adata.uns[key_added] = df
    adata.uns[Key.params(key_added)] = {
        "features": keys, "tf_only": tf_only, "n_edges": len(df),
        "translators": [m.spec.get("probe") for m in members],
    }
    return adata if copy else None
