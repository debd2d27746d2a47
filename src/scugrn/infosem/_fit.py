"""One entry point for every variant: checks the inputs, normalises, runs ``n_runs`` seeded fits
through the shared training loop and averages their edge scores."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._common import dense, matrix_edges
from ._config import SEMConfig
from ._config import preset as _preset
from ._data import check_expression, normalize
from ._registry import get_variant

logger = logging.getLogger("scugrn")

LabelsLike = "pd.DataFrame | tuple[np.ndarray, np.ndarray, np.ndarray] | np.ndarray"


@dataclass
class SEMResult:
    """Result of :func:`fit`.

    Attributes
    ----------
    scores
        (genes, genes) edge scores, ``mean over runs of |A|``; row = source, column = target,
        diagonal 0.
    adjacency
        (genes, genes) mean signed A over runs (its sign is not identifiable in general).
    variant, config, seeds
        How it was made.
    history
        Per run, per epoch: phase, reconstruction, KL and prior terms.
    seconds
        Total training time.
    """

    scores: np.ndarray
    adjacency: np.ndarray
    variant: str
    config: SEMConfig
    seeds: list[int]
    history: list[list[dict]] = field(default_factory=list, repr=False)
    seconds: float = 0.0

    def to_frame(self, genes: Sequence[str], *, sources: Sequence[str] | None = None) -> pd.DataFrame:
        """Edges as a ``source, target, weight`` DataFrame sorted by weight (descending); only
        rows whose source is in ``sources`` when given; self pairs dropped."""
        return edges_frame(self.scores, genes, sources=sources)


def edges_frame(scores: np.ndarray, genes: Sequence[str], *, sources: Sequence[str] | None = None) -> pd.DataFrame:
    genes = np.asarray([str(g) for g in genes], dtype=object)
    rows = np.arange(len(genes)) if sources is None else np.flatnonzero(np.isin(genes, list(sources)))
    return matrix_edges(genes, scores[rows], rows)


def labels_to_index(
    labels, genes: Sequence[str], *, negatives: str = "implicit"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Known pairs as ``(source index, target index, y in {0, 1})``.

    ``labels`` is one of

    - a DataFrame with columns ``source, target`` and optionally ``label`` (1 = known edge,
      0 = known non-edge). Without ``label`` every row is a known edge and, with
      ``negatives="implicit"``, every other pair from a listed source to any gene is a known
      non-edge (the BEELINE convention: sources with ChIP-seq are fully observed); with
      ``negatives="none"`` only the positives are known;
    - a tuple of three integer / 0-1 arrays ``(source index, target index, y)``;
    - a (genes, genes) array with 1, 0 and NaN (unknown).

    Self pairs are dropped; a pair listed both ways counts as positive.
    """
    n = len(genes)
    if isinstance(labels, pd.DataFrame):
        missing_cols = {"source", "target"} - set(labels.columns)
        if missing_cols:
            msg = (
                f"Expected labels with columns 'source', 'target' (and optionally 'label'), found "
                f"columns {list(labels.columns)}. Rename them, e.g. "
                "`labels.rename(columns={'Gene1': 'source', 'Gene2': 'target'})`."
            )
            raise ValueError(msg)
        index = {str(g): i for i, g in enumerate(genes)}
        names = pd.concat([labels["source"], labels["target"]]).astype(str)
        unknown = sorted(set(names) - set(index))
        if unknown:
            msg = (
                f"Expected label genes to be among the data's {n} genes, found {len(unknown)} that "
                f"are not: {unknown[:10]}{' ...' if len(unknown) > 10 else ''}. Drop those rows "
                "first, e.g. `labels = labels[labels.source.isin(adata.var_names) & "
                "labels.target.isin(adata.var_names)]`."
            )
            raise ValueError(msg)
        src = labels["source"].astype(str).map(index).to_numpy(dtype=np.int64)
        tgt = labels["target"].astype(str).map(index).to_numpy(dtype=np.int64)
        if "label" in labels.columns:
            y = labels["label"].to_numpy(dtype=np.float64)
            if not np.isin(y, (0, 1)).all():
                msg = f"Expected labels['label'] in {{0, 1}}, found values {sorted(set(y.tolist()))[:5]}."
                raise ValueError(msg)
        else:
            y = np.ones(len(src))
            if negatives == "implicit":
                Y = np.full((n, n), np.nan)
                Y[np.unique(src)] = 0.0
                Y[src, tgt] = 1.0
                return _from_matrix(Y)
            if negatives != "none":
                msg = f"Expected negatives in ('implicit', 'none'), found {negatives!r}."
                raise ValueError(msg)
        Y = np.full((n, n), np.nan)
        Y[src[y == 0], tgt[y == 0]] = 0.0
        Y[src[y == 1], tgt[y == 1]] = 1.0
        return _from_matrix(Y)
    if isinstance(labels, tuple) and len(labels) == 3:
        src, tgt, y = (np.asarray(a) for a in labels)
        if not (len(src) == len(tgt) == len(y)):
            msg = f"Expected three equally long arrays, found lengths {len(src)}, {len(tgt)}, {len(y)}."
            raise ValueError(msg)
        if len(src) and (min(src.min(), tgt.min()) < 0 or max(src.max(), tgt.max()) >= n):
            msg = f"Expected label indices in [0, {n}), found values outside it."
            raise ValueError(msg)
        Y = np.full((n, n), np.nan)
        Y[src[y == 0], tgt[y == 0]] = 0.0
        Y[src[y != 0], tgt[y != 0]] = 1.0
        return _from_matrix(Y)
    arr = np.asarray(labels, dtype=np.float64)
    if arr.shape != (n, n):
        msg = (
            f"Expected labels as a DataFrame (source, target[, label]), an index tuple or a "
            f"({n}, {n}) matrix, found {type(labels).__name__} with shape {getattr(arr, 'shape', None)}."
        )
        raise ValueError(msg)
    return _from_matrix(arr.copy())


def _from_matrix(Y: np.ndarray):
    np.fill_diagonal(Y, np.nan)
    src, tgt = np.nonzero(~np.isnan(Y))
    return src.astype(np.int64), tgt.astype(np.int64), Y[src, tgt].astype(np.int8)


def check_embeddings(embeddings, n_genes: int) -> np.ndarray:
    if embeddings is None:
        msg = (
            "Expected gene embeddings (genes x d) for this variant, found None. Make them with "
            "`scugrn.embeddings.gene_embeddings(genes, source='text')` (or 'onehot', 'random', "
            "'backbone')."
        )
        raise ValueError(msg)
    H = np.asarray(embeddings, dtype=np.float64)
    if H.ndim != 2 or H.shape[0] != n_genes:
        msg = (
            f"Expected embeddings of shape ({n_genes}, d), one row per gene in data order, found "
            f"shape {H.shape}."
        )
        raise ValueError(msg)
    if not np.isfinite(H).all():
        msg = "Expected finite embeddings, found NaN/inf; replace or drop those genes first."
        raise ValueError(msg)
    return H.astype(np.float32)


def fit(
    X,
    *,
    variant: str = "deepsem",
    embeddings: np.ndarray | None = None,
    labels=None,
    config: SEMConfig | None = None,
    preset: str = "celltype",
    n_epochs: int | None = None,
    seed: int = 0,
    n_runs: int = 1,
    device: str | None = None,
    genes: Sequence[str] | None = None,
    label_negatives: str = "implicit",
) -> SEMResult:
    """Fit DeepSEM, InfoSEM-B or InfoSEM-BC on a (cells x genes) expression matrix.

    Parameters
    ----------
    X
        Expression, cells x genes (dense or scipy sparse), e.g. log-normalised counts.
    variant
        ``"deepsem"``, ``"B"`` (InfoSEM-B) or ``"BC"`` (InfoSEM-BC); see :data:`VARIANTS`.
    embeddings
        (genes, d) gene embeddings for B / BC (:func:`scugrn.embeddings.gene_embeddings`).
    labels
        Known pairs for BC, see :func:`labels_to_index` (DataFrame needs ``genes``).
    config
        Full hyperparameters; default :func:`~scugrn.infosem.preset` ``(preset)``.
    preset
        ``"celltype"`` or ``"non_celltype"``: DeepSEM's defaults for the two GRN tasks.
    n_epochs
        Overrides ``config.n_epochs``.
    seed
        Run r uses seed ``seed + r``; the result is a deterministic function of it on one device.
    n_runs
        Ensemble size (DeepSEM recommends 10); scores are the mean of |A|.
    device
        ``"cpu"``, ``"cuda"``, ... ; default ``scugrn.settings.device``.
    genes
        Gene names (needed for DataFrame labels and for error messages).
    label_negatives
        ``"implicit"`` or ``"none"``, see :func:`labels_to_index`.

    Returns
    -------
    :class:`SEMResult`
    """
    meta = get_variant(variant)
    if isinstance(n_runs, bool) or int(n_runs) < 1:
        msg = f"Expected n_runs >= 1, found {n_runs!r}."
        raise ValueError(msg)
    X = dense(X, np.float64, copy=True)
    check_expression(X, genes)
    n_genes = X.shape[1]
    if genes is not None and len(genes) != n_genes:
        msg = f"Expected {n_genes} gene names (one per column of X), found {len(genes)}."
        raise ValueError(msg)
    cfg = config if config is not None else _preset(preset)
    if n_epochs is not None:
        cfg = cfg.replace(n_epochs=int(n_epochs))
    H = check_embeddings(embeddings, n_genes) if meta.needs_embeddings else None
    if meta.needs_labels:
        if labels is None:
            msg = (
                f"{meta.display} needs known interactions as a prior, found labels=None. Pass "
                "labels=DataFrame(source, target[, label]) or use variant='B' (no labels)."
            )
            raise ValueError(msg)
        if isinstance(labels, pd.DataFrame) and genes is None:
            msg = "Expected `genes=` (names of X's columns) to map DataFrame labels, found None."
            raise ValueError(msg)
        lab = labels_to_index(labels, genes if genes is not None else range(n_genes), negatives=label_negatives)
        if len(lab[0]) == 0:
            msg = "Expected at least one known pair in labels, found none after dropping self pairs."
            raise ValueError(msg)
    else:
        if labels is not None:
            msg = (
                f"{meta.display} does not use labels, found labels given. Use variant='BC' to use "
                "them as a prior, or drop them."
            )
            raise ValueError(msg)
        lab = None
    Xn, mask = normalize(X, cfg.normalize)

    from ._train import train_sem  # torch from here on

    runs = []
    for r in range(int(n_runs)):
        s = int(seed) + r
        runs.append(
            train_sem(
                Xn, mask,
                lambda gen: meta.make_prior(n_genes, cfg, H, lab, gen),
                cfg, seed=s, device=device,
                desc=f"{meta.display} run {r + 1}/{n_runs}" if n_runs > 1 else meta.display,
            )
        )
    signed = np.mean([r.adjacency for r in runs], axis=0).astype(np.float32)
    scores = np.mean([np.abs(r.adjacency) for r in runs], axis=0).astype(np.float32)
    np.fill_diagonal(scores, 0.0)
    return SEMResult(
        scores=scores,
        adjacency=signed,
        variant=meta.name,
        config=cfg,
        seeds=[int(seed) + r for r in range(int(n_runs))],
        history=[r.history for r in runs],
        seconds=float(sum(r.seconds for r in runs)),
    )
