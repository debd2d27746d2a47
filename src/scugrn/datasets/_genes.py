"""AnnData from a plain gene list (zero-expression mode) and a tiny seeded toy dataset."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from .._keys import Key


def from_genes(genes, *, species: str = "human", tfs=None):
    """An AnnData with no cells whose ``var`` are ``genes`` — input for ``tl.vvp/gdt/emb``.

    Parameters
    ----------
    genes
        Gene symbols (list, array, Series, or a path to a text file with one symbol per line).
    species
        ``"human"`` or ``"mouse"`` (mouse symbols map to the backbone's human vocabulary through
        orthologs).
    tfs
        Optional names of the transcription factors among ``genes`` (sets ``var['is_tf']``).

    Examples
    --------
    >>> import scugrn
    >>> adata = scugrn.from_genes(["GATA1", "SPI1", "TAL1", "KLF1"])
    >>> adata.shape
    (0, 4)
    """
    import anndata as ad

    from .._species import check_species

    species = check_species(species)
    if isinstance(genes, (str,)) or hasattr(genes, "__fspath__"):
        from pathlib import Path

        p = Path(genes)
        if not p.exists():
            msg = f"Expected a list of gene symbols or a text file; {str(genes)!r} is neither."
            raise ValueError(msg)
        genes = [ln.strip() for ln in p.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    genes = list(genes)
    if not genes:
        msg = "The gene list is empty; expected at least 2 gene symbols."
        raise ValueError(msg)
    bad = [g for g in genes if not isinstance(g, str) or not g.strip() or g.lower() == "nan"]
    if bad:
        msg = f"Expected gene symbols as non-empty strings; found {bad[:5]} ({len(bad)} bad entries)."
        raise ValueError(msg)
    dups = [g for g, c in Counter(genes).items() if c > 1]
    if dups:
        msg = f"The gene list has duplicates {dups[:10]}; expected each gene once (e.g. list(dict.fromkeys(genes)))."
        raise ValueError(msg)
    var = pd.DataFrame(index=pd.Index(genes, name=None))
    if tfs is not None:
        tfs = set(tfs)
        unknown = sorted(tfs - set(genes))
        if unknown:
            msg = f"tfs names genes that are not in the list: {unknown[:10]}."
            raise ValueError(msg)
        var[Key.IS_TF] = [g in tfs for g in genes]
    adata = ad.AnnData(X=np.zeros((0, len(genes)), dtype=np.float32), var=var)
    adata.uns[Key.SPECIES] = species
    return adata


# Real symbols of the toy dataset (all in the demo backbone's vocabulary): blood TFs from BEELINE's
# human TF list and marker / housekeeping genes that are not on it.
TOY_TFS = ("GATA1", "SPI1", "TAL1", "KLF1", "CEBPA", "CEBPB", "RUNX1", "FLI1", "GFI1", "MYB")
TOY_TARGETS = (
    "HBB", "HBA1", "HBA2", "HBD", "ALAS2", "GYPA", "EPOR", "TFRC", "SLC4A1", "CA1", "CD14", "LYZ", "CSF1R",
    "ITGAM", "MPO", "ELANE", "PRTN3", "AZU1", "CTSG", "S100A8", "S100A9", "FCGR3A", "CD34", "KIT", "PF4",
    "ITGA2B", "GP9", "PPBP", "VWF", "CD19", "MS4A1", "CD79A", "CD3E", "CD4", "CD8A", "NKG7", "GNLY", "IL7R",
    "CCR7", "FCER1A", "CPA3", "HDC", "CLC", "IL3RA", "LILRA4", "CST3", "FCN1", "VCAN", "CD68", "CSF3R",
    "SELL", "PTPRC", "ACTB", "GAPDH", "B2M", "MKI67", "TOP2A", "PCNA", "HMBS", "CD38",
)


def toy(*, n_cells: int = 200, n_tfs: int = 5, n_targets: int = 25, seed: int = 0, genes=None):
    """A tiny seeded dataset with a known GRN: TFs drive targets linearly plus noise.

    Gene names are real human symbols, all in the demo backbone's vocabulary (so the dataset runs
    end to end with ``model="demo"``): the first ``n_tfs`` of :data:`TOY_TFS` (≤ 10), then the first
    ``n_targets`` of :data:`TOY_TARGETS` (≤ 60); ``genes=`` names them yourself. The network is
    simulated, not biology: ``uns['ground_truth']`` holds it; ``var['is_tf']`` marks the TFs.

    Examples
    --------
    >>> import scugrn
    >>> adata = scugrn.datasets.toy(seed=0)
    >>> adata.shape, list(adata.var_names[:3])
    ((200, 30), ['GATA1', 'SPI1', 'TAL1'])
    """
    import anndata as ad

    n = n_tfs + n_targets
    if genes is None:
        if n_tfs > len(TOY_TFS) or n_targets > len(TOY_TARGETS):
            msg = (f"toy() names at most {len(TOY_TFS)} TFs and {len(TOY_TARGETS)} targets with real symbols; "
                   f"found n_tfs={n_tfs}, n_targets={n_targets}. Pass genes= with n_tfs + n_targets = {n} names.")
            raise ValueError(msg)
        names = [*TOY_TFS[:n_tfs], *TOY_TARGETS[:n_targets]]
    else:
        names = [str(g) for g in genes]
    if len(names) != n:
        msg = f"genes= must have n_tfs + n_targets = {n} names, found {len(names)}."
        raise ValueError(msg)
    rng = np.random.default_rng(seed)
    tf_x = rng.gamma(2.0, 1.0, size=(n_cells, n_tfs))
    W = (rng.random((n_tfs, n_targets)) < 0.2) * rng.choice([-1.0, 1.0], size=(n_tfs, n_targets))
    tg = np.maximum(tf_x @ W + 2 + rng.normal(0, 0.3, (n_cells, n_targets)), 0)
    X = np.log1p(np.concatenate([tf_x, tg], axis=1)).astype(np.float32)
    X[rng.random(X.shape) < 0.2] = 0  # dropout
    src, tgt = np.nonzero(W)
    truth = pd.DataFrame({"source": [names[i] for i in src], "target": [names[n_tfs + j] for j in tgt]})
    adata = ad.AnnData(X=X, var=pd.DataFrame(index=names))
    adata.var[Key.IS_TF] = [i < n_tfs for i in range(n)]
    adata.uns[Key.TRUTH] = truth
    adata.uns[Key.SPECIES] = "human"
    return adata
