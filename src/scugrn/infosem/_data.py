"""Input checks and DeepSEM's per-gene normalisation of the expression matrix (numpy only)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def check_expression(X: np.ndarray, genes: Sequence[str] | None = None) -> None:
    """Raise ``ValueError`` (expected / found / fix) for inputs DeepSEM cannot use."""
    if X.ndim != 2:
        msg = f"Expected a 2-d (cells x genes) expression matrix, found shape {X.shape}."
        raise ValueError(msg)
    n_cells, n_genes = X.shape
    if n_cells < 2:
        msg = (
            f"Expected at least 2 cells, found {n_cells}. Pass an AnnData with cells in .obs "
            "(not an empty subset)."
        )
        raise ValueError(msg)
    if n_genes < 2:
        msg = f"Expected at least 2 genes to infer a network between, found {n_genes}."
        raise ValueError(msg)
    bad = ~np.isfinite(X)
    if bad.any():
        n_bad = int(bad.sum())
        cols = np.flatnonzero(bad.any(0))[:5]
        names = [str(genes[i]) for i in cols] if genes is not None else cols.tolist()
        msg = (
            f"Expected finite expression values, found {n_bad} NaN/inf entries (genes e.g. "
            f"{names}). Impute or drop them first, e.g. `adata.X = np.nan_to_num(adata.X)`."
        )
        raise ValueError(msg)
    const = np.flatnonzero(np.ptp(X, axis=0) == 0)
    if len(const):
        names = [str(genes[i]) for i in const[:10]] if genes is not None else const[:10].tolist()
        msg = (
            f"Expected every gene to vary across cells, found {len(const)} constant gene(s), e.g. "
            f"{names}. Their z-score is undefined; remove them first, e.g. "
            "`adata = adata[:, np.ptp(adata.X.toarray() if hasattr(adata.X, 'toarray') else "
            "adata.X, axis=0) > 0].copy()` or `sc.pp.filter_genes(adata, min_cells=1)`."
        )
        raise ValueError(msg)


def normalize(X: np.ndarray, how: str) -> tuple[np.ndarray, np.ndarray]:
    """DeepSEM's normalisation. Returns ``(Xn float32, nonzero mask float32)``.

    ``"nonzero"`` (cell-type-specific task): z-score each gene with the mean and std of its non-zero
    entries, zeros map to their z-score too, NaN/inf (a gene with < 2 distinct non-zeros) to 0,
    clipped to [-10, 10]. ``"standard"`` (non-specific task): plain per-gene z-score.
    """
    mask = (X != 0).astype(np.float32)
    if how == "standard":
        Xn = (X - X.mean(0)) / X.std(0)
    elif how == "nonzero":
        nz = X != 0
        cnt = nz.sum(0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(nz, X, 0).sum(0) / cnt
            var = np.where(nz, (X - mean) ** 2, 0).sum(0) / cnt
            Xn = (X - mean) / np.sqrt(var)
        Xn[~np.isfinite(Xn)] = 0.0
        Xn = np.clip(Xn, -10, 10)
    else:
        msg = f"Expected normalize in ('nonzero', 'standard'), found {how!r}."
        raise ValueError(msg)
    return Xn.astype(np.float32), mask
