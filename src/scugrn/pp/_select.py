"""``scugrn.pp.select``: the BEELINE gene set — significantly variable TFs + top variable genes."""

from __future__ import annotations

import logging

import numpy as np

from .._keys import Key

logger = logging.getLogger("scugrn")


def _check_input(adata, flavor: str) -> None:
    """Expected: an in-memory AnnData, unique genes, finite non-negative log-normalised X."""
    from collections import Counter

    import scipy.sparse as sp
    from anndata import AnnData

    if not isinstance(adata, AnnData):
        msg = f"Expected an AnnData (or a MuData with mod=), found {type(adata).__name__}."
        raise TypeError(msg)
    if adata.n_vars < 2:
        msg = f"Expected at least 2 genes in adata.var, found {adata.n_vars}. A network needs pairs of genes."
        raise ValueError(msg)
    dups = [g for g, c in Counter(adata.var_names).items() if c > 1]
    if dups:
        msg = f"adata.var_names has duplicates {dups[:10]}; call adata.var_names_make_unique() or drop them."
        raise ValueError(msg)
    if adata.n_obs == 0:
        return
    if adata.isbacked:
        msg = (
            f"Expected an AnnData in memory, found one backed by {str(adata.filename)!r} (opened with "
            "backed=). pp.select computes variability over X and subsets the genes: load it first with "
            "adata = adata.to_memory()."
        )
        raise ValueError(msg)
    X = adata.X
    data = X.data if sp.issparse(X) else np.asarray(X)
    if not np.issubdtype(data.dtype, np.number) or data.dtype == bool:
        msg = f"Expected numeric expression in adata.X, found dtype {data.dtype}."
        raise TypeError(msg)
    if not np.all(np.isfinite(data)):
        msg = ("adata.X contains NaN or inf; expected finite log-normalised expression. Clean or impute "
               "them first (e.g. np.nan_to_num).")
        raise ValueError(msg)
    if data.size and data.min() < 0:
        msg = (
            f"adata.X has negative values (min {data.min():.3g}); expected log-normalised expression "
            "(≥ 0), not scaled data. Run pp.select before sc.pp.scale, or pass adata.raw.to_adata()."
        )
        raise ValueError(msg)
    integral = np.issubdtype(data.dtype, np.integer) or (data.size and np.all(data == np.round(data)))
    if flavor == "seurat" and integral and data.size and data.max() > 1:
        msg = (
            f"adata.X holds integer counts (dtype {data.dtype}, max {data.max():.0f}); flavor='seurat' "
            "expects log-normalised expression. Run sc.pp.normalize_total(adata) and sc.pp.log1p(adata) "
            "first, or pass flavor='seurat_v3' (counts; needs scikit-misc)."
        )
        raise ValueError(msg)


def select(
    adata,
    *,
    n_top_genes: int = 500,
    tfs=None,
    species: str | None = None,
    tf_pvalue: float = 0.01,
    flavor: str = "seurat",
    subset: bool = True,
    data_dir=None,
    mod: str | None = None,
    copy: bool = False,
):
    """Keep all significantly variable TFs plus the ``n_top_genes`` most variable genes (BEELINE).

    Variability is scanpy's :func:`~scanpy.pp.highly_variable_genes` normalised dispersion on
    log-normalised ``adata.X``. A TF counts as significantly variable when its normalised
    dispersion has a one-sided normal p-value ≤ ``tf_pvalue`` after Bonferroni correction
    (BEELINE's rule, computed on scanpy's statistic instead of BEELINE's R script).

    Parameters
    ----------
    adata
        Cells × genes, log-normalised. With no cells (a gene list) only the TF flag is set.
    n_top_genes
        Non-TF budget: the top variable genes (BEELINE uses 500 and 1000).
    tfs
        TF symbols; default: BEELINE's list for ``species`` (:func:`scugrn.datasets.tf_list`).
    species
        ``"human"``/``"mouse"``; default ``adata.uns['scugrn_species']`` or guessed from symbols.
    tf_pvalue
        Bonferroni-corrected p-value threshold for TFs.
    flavor
        Passed to scanpy's HVG (``"seurat"`` for log data, ``"seurat_v3"`` for counts).
    subset
        Subset ``adata`` to the selection; otherwise only mark ``var['scugrn_selected']``.
    mod
        With a MuData as ``adata``: the modality to select in (default ``"rna"``); with
        ``subset=True`` only that modality is subset and the MuData's ``var`` follows.
    copy
        Return a copy (of the MuData, for a MuData) instead of modifying ``adata``.

    Returns
    -------
    ``None`` or the copy. Sets ``var['is_tf']``, ``var['scugrn_selected']``, scanpy's HVG columns,
    and ``uns['scugrn_select_params']``.
    """
    from scipy.stats import norm

    from .._mudata import check_mod, is_mudata, on_modality
    from .._species import check_species, guess_species
    from ..datasets.tfs import tf_list

    if is_mudata(adata):
        return on_modality(select, adata, mod=mod, copy=copy, n_top_genes=n_top_genes, tfs=tfs,
                           species=species, tf_pvalue=tf_pvalue, flavor=flavor, subset=subset,
                           data_dir=data_dir)
    check_mod(adata, mod)

    if n_top_genes < 0:
        msg = f"n_top_genes must be ≥ 0, got {n_top_genes}."
        raise ValueError(msg)
    _check_input(adata, flavor)  # every check before anything is written
    sp = check_species(species or adata.uns.get(Key.SPECIES) or guess_species(list(adata.var_names)))
    tf_names = set(tf_list(sp, path=data_dir) if tfs is None else tfs)
    adata = adata.copy() if copy else adata
    is_tf = np.array([g in tf_names for g in adata.var_names])
    if adata.n_obs == 0:
        adata.var[Key.IS_TF] = is_tf
        adata.uns[Key.SPECIES] = sp
        adata.var[Key.SELECTED] = True
        adata.uns[Key.SELECT_PARAMS] = {"n_top_genes": n_top_genes, "n_tfs": int(is_tf.sum()), "note": "no cells: TFs marked only"}
        return adata if copy else None
    import scanpy as sc

    stats = sc.pp.highly_variable_genes(adata, flavor=flavor, n_top_genes=max(n_top_genes, 1), inplace=False)
    disp = np.asarray(stats["dispersions_norm"], dtype=float)
    disp = np.nan_to_num(disp, nan=-np.inf)
    p = norm.sf(disp) * adata.n_vars  # Bonferroni
    tf_keep = is_tf & (p <= tf_pvalue)
    order = np.argsort(-disp, kind="stable")
    top = np.zeros(adata.n_vars, dtype=bool)
    non_tf = [i for i in order if not tf_keep[i]][:n_top_genes]
    top[non_tf] = True
    sel = tf_keep | top
    adata.var[Key.IS_TF] = is_tf
    adata.uns[Key.SPECIES] = sp
    adata.var[Key.SELECTED] = sel
    adata.var[Key.HIGHLY_VARIABLE] = np.asarray(stats["highly_variable"], dtype=bool)
    adata.var["dispersions_norm"] = np.asarray(stats["dispersions_norm"], dtype=np.float32)
    adata.uns[Key.SELECT_PARAMS] = {"n_top_genes": n_top_genes, "tf_pvalue": tf_pvalue, "flavor": flavor,
                                    "n_tfs": int(tf_keep.sum()), "n_selected": int(sel.sum()), "species": sp}
    logger.info("select: %d TFs + %d variable genes", tf_keep.sum(), top.sum())
    if subset:
        adata._inplace_subset_var(sel)
    return adata if copy else None
