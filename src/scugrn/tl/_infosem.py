"""``scugrn.tl.infosem``: DeepSEM / InfoSEM-B / InfoSEM-BC on an AnnData."""

from __future__ import annotations

import logging
from typing import Literal

import numpy as np
import pandas as pd

from .._keys import Key
from .._logging import timed

logger = logging.getLogger("scugrn")


def _embeddings_for(adata, embeddings, embedding_kws: dict) -> tuple[np.ndarray, dict]:
    from ..embeddings import SOURCES, gene_embeddings

    if isinstance(embeddings, str):
        if embeddings in SOURCES:
            return gene_embeddings(list(adata.var_names), source=embeddings, **embedding_kws)
        if embeddings in adata.varm:
            H = np.asarray(adata.varm[embeddings])
            return H, {"source": f"varm:{embeddings}", "dim": int(H.shape[1]), "missing": []}
        msg = (
            f"Expected embeddings to be a source in {sorted(SOURCES)}, a key of adata.varm "
            f"({list(adata.varm.keys())}) or a (n_vars, d) array, found {embeddings!r}."
        )
        raise ValueError(msg)
    H = np.asarray(embeddings)
    return H, {"source": "array", "dim": int(H.shape[1]) if H.ndim == 2 else None, "missing": []}


def infosem(
    adata,
    *,
    variant: Literal["B", "BC", "deepsem"] = "B",
    embeddings: str | np.ndarray = "text",
    labels: pd.DataFrame | None = None,
    label_negatives: Literal["implicit", "none"] = "implicit",
    preset: Literal["celltype", "non_celltype"] = "celltype",
    n_epochs: int | None = None,
    n_runs: int = 1,
    sigma_w: float | None = None,
    sigma_l: float | None = None,
    rank: int | None = None,
    alpha: float | None = None,
    beta: float | None = None,
    config=None,
    embedding_kws: dict | None = None,
    layer: str | None = None,
    tf_only: bool | None = None,
    key_added: str = Key.uns.INFOSEM,
    seed: int = 0,
    device: str | None = None,
    copy: bool = False,
):
    """Infer a weighted GRN with DeepSEM, InfoSEM-B or InfoSEM-BC.

    DeepSEM (Shu et al. 2021) fits a β-VAE whose latent passes through ``(I − A)⁻¹``; A is the
    weighted adjacency (Laplace prior). InfoSEM-B (Cui et al. 2025) centres that prior on
    ``[h_i, h_k]·w`` from gene embeddings h (text embeddings of gene names and GO terms by default);
    InfoSEM-BC also puts known interactions on the logits of ``A = Aᵉ ⊙ σ(Aˡ)``. The edge score of
    i → k is ``|A[i, k]|`` (mean over ``n_runs``).

    Parameters
    ----------
    adata
        Cells × genes; ``X`` (or ``layers[layer]``) log-normalised expression, dense or sparse.
        Every gene must vary across cells. Cost grows as n_genes³ per step (use ≲ 2,000 genes).
    variant
        ``"deepsem"``, ``"B"`` or ``"BC"``.
    embeddings
        For B / BC: a source of :func:`scugrn.embeddings.gene_embeddings` (``"text"``,
        ``"onehot"``, ``"random"``, ``"backbone"`` with ``embedding_kws={"model": ...}``), a key of
        ``adata.varm``, or an (n_vars, d) array. Ignored by DeepSEM.
    labels
        For BC: known interactions, DataFrame ``source, target`` and optionally ``label`` (1/0).
        Without ``label``, rows are known edges and (``label_negatives="implicit"``) every other
        pair from a listed source is a known non-edge.
    label_negatives
        See ``labels``; ``"none"`` uses only the listed pairs.
    preset
        DeepSEM's default hyperparameters for cell-type-specific (``"celltype"``: β = 0.1, α = 10,
        z-score of non-zeros, loss on non-zeros) or non-specific GRNs (``"non_celltype"``: β = 1,
        α = 100, plain z-score); see :mod:`scugrn.infosem._config` for every value and its source.
    n_epochs
        Training epochs (DeepSEM: 120).
    n_runs
        Ensemble of independently seeded runs (DeepSEM recommends 10); scores are averaged.
    sigma_w, sigma_l, rank, alpha, beta
        Override the preset: prior std of w (InfoSEM-B/BC), label-prior std and rank of Aˡ
        (BC), L1 weight and KL weight.
    config
        A full :class:`scugrn.infosem.SEMConfig` instead of ``preset`` and the overrides.
    embedding_kws
        Passed to :func:`scugrn.embeddings.gene_embeddings` (``model``, ``dim``, ``seed``, ``path``,
        ``on_missing``; default ``on_missing="zero"``: genes without an embedding get zeros and are
        listed in the params).
    layer
        Use ``adata.layers[layer]`` instead of ``X``.
    tf_only
        Keep only edges whose source is a TF (``var['is_tf']``) in the edge table; default: when that
        column exists. ``varp`` always holds every pair.
    key_added
        Where results go (see Returns).
    seed
        Seed of run 1 (run r uses ``seed + r - 1``); results are deterministic given it on one device.
    device
        ``"cpu"``, ``"cuda"``, ...; default ``scugrn.settings.device``.
    copy
        Return a modified copy instead of writing in place.

    Returns
    -------
    ``None``, or the copy when ``copy=True``. Writes

    - ``adata.varp[key_added]``: (n_vars, n_vars) edge scores ``|A|``, row = source, column =
      target, diagonal 0;
    - ``adata.uns[key_added]``: DataFrame ``source, target, weight`` sorted by weight, descending
      (self pairs dropped; TF sources only when ``tf_only``);
    - ``adata.uns[f"{key_added}_params"]``: variant, embedding source (and its missing genes),
      number of labels, every hyperparameter, seeds, training time, scugrn version.

    Examples
    --------
    >>> import scugrn
    >>> adata = scugrn.datasets.beeline("mDC", network="Specific", size=500)  # doctest: +SKIP
    >>> scugrn.tl.infosem(adata, variant="B", embeddings="text", n_epochs=120)  # doctest: +SKIP
    >>> adata.uns["infosem"].head()  # doctest: +SKIP
    """
    from .. import __version__
    from .._common import dense
    from ..infosem import fit, get_variant
    from ..infosem import preset as make_preset

    meta = get_variant(variant)
    if copy:
        adata = adata.copy()
    if layer is not None and layer not in adata.layers:
        msg = f"Expected layer {layer!r} in adata.layers, found {list(adata.layers.keys())}."
        raise ValueError(msg)
    if adata.n_obs == 0:
        msg = (
            f"Expected cells to fit {meta.display} on, found an AnnData with 0 cells and "
            f"{adata.n_vars} genes. Load expression first (e.g. a BEELINE configuration with "
            "expression, or your own cells x genes matrix)."
        )
        raise ValueError(msg)
    X = dense(adata.layers[layer] if layer is not None else adata.X, np.float64, copy=True)
    genes = adata.var_names.astype(str).tolist()

    if config is None:
        config = make_preset(
            preset, n_epochs=n_epochs, sigma_w=sigma_w, sigma_l=sigma_l, rank=rank, alpha=alpha, beta=beta
        )
    elif n_epochs is not None:
        config = config.replace(n_epochs=int(n_epochs))

    H, emb_info = None, {"source": None}
    if meta.needs_embeddings:
        kws = {"on_missing": "zero", **(embedding_kws or {})}
        H, emb_info = _embeddings_for(adata, embeddings, kws)
    n_labels = None
    if labels is not None and not isinstance(labels, pd.DataFrame):
        msg = (
            f"Expected labels as a DataFrame with columns source, target[, label], found "
            f"{type(labels).__name__}."
        )
        raise ValueError(msg)
    if labels is not None and meta.needs_labels:
        n_labels = len(labels)

    with timed(f"tl.infosem ({meta.display})"):
        res = fit(
            X,
            variant=meta.name,
            embeddings=H,
            labels=labels,
            config=config,
            seed=seed,
            n_runs=n_runs,
            device=device,
            genes=genes,
            label_negatives=label_negatives,
        )

    if tf_only is None:
        tf_only = Key.var.IS_TF in adata.var.columns
    elif tf_only and Key.var.IS_TF not in adata.var.columns:
        msg = f"tf_only=True needs a boolean column adata.var[{Key.var.IS_TF!r}], found none."
        raise ValueError(msg)
    sources = adata.var_names[adata.var[Key.var.IS_TF].to_numpy(dtype=bool)].astype(str) if tf_only else None

    adata.varp[key_added] = res.scores
    adata.uns[key_added] = res.to_frame(genes, sources=sources)
    missing = list(emb_info.get("missing", []) or [])
    adata.uns[Key.params(key_added)] = {
        "variant": meta.display,
        "embedding_source": emb_info.get("source"),
        "embedding_dim": emb_info.get("dim"),
        "embedding_missing": missing,
        "n_labels": n_labels,
        "label_negatives": label_negatives if meta.needs_labels else None,
        "hyperparameters": res.config.to_dict(),
        "n_runs": int(n_runs),
        "seeds": res.seeds,
        "tf_only": bool(tf_only),
        "layer": layer,
        "seconds": round(res.seconds, 3),
        "reference": meta.reference,
        "version": __version__,
    }
    return adata if copy else None
