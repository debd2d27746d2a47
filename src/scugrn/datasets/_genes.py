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
        msg = "The gene list is empty; expected at least 2 gene symbols (a text file: one symbol per line)."
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


def toy(*, n_cells: int = 200, n_tfs: int = 5, n_targets: int = 25, seed: int = 0, genes=None):
    """A tiny seeded dataset with a known GRN: TFs drive targets linearly plus noise.

    Gene names default to ``G0, G1, ...`` (use ``genes=`` for vocabulary symbols). The truth is in
    ``uns['ground_truth']``; ``var['is_tf']`` marks the TFs.
    """
    import anndata as ad

    rng = np.random.default_rng(seed)
    n = n_tfs + n_targets
    names = list(genes) if genes is not None else [f"G{i}" for i in range(n)]
    if len(names) != n:
        msg = f"genes= must have n_tfs + n_targets = {n} names, found {len(names)}."
        raise ValueError(msg)
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
