"""The pretraining corpus: cells of each dataset mapped into the vocabulary and binned per cell
(:func:`prepare_corpus`), and the seeded sampler of training sequences (:class:`Sampler`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._keys import Key


@dataclass
class Corpus:
    """Pre-binned cells of one dataset: ``bins`` (n_cells, G) uint8 over the kept genes ``ids``."""

    name: str
    ids: np.ndarray  # (G,) token ids
    bins: np.ndarray  # (n_cells, G) uint8, 0..n_bins-1
    report: dict


def bin_matrix(X, n_bins: int, *, chunk: int = 512) -> np.ndarray:
    """Per-cell scGPT binning (the function behind ``ScGPTBackbone.to_input_scale``) as uint8."""
    import scipy.sparse as sp

    from ..models.scgpt import bin_cell

    if n_bins - 1 > 255:
        msg = f"n_bins={n_bins} does not fit the uint8 cache; expected n_bins ≤ 256."
        raise ValueError(msg)
    out = np.zeros(X.shape, dtype=np.uint8)
    for s in range(0, X.shape[0], chunk):
        block = X[s : s + chunk]
        block = block.toarray() if sp.issparse(block) else np.asarray(block)
        block = block.astype(np.float32, copy=False)
        out[s : s + chunk] = np.stack([bin_cell(r, n_bins) for r in block]).astype(np.uint8)
    return out


def prepare_corpus(adata, name: str, vocab: dict, *, n_bins: int, species: str | None, data_dir) -> Corpus:
    """Map one AnnData's genes into ``vocab`` (species-aware) and bin its cells."""
    import scipy.sparse as sp

    from .._species import check_species, guess_species, map_symbols

    names = [str(g) for g in adata.var_names]
    sp_name = check_species(species or adata.uns.get(Key.uns.SPECIES) or guess_species(names))
    mapped, how = map_symbols(names, vocab, species=sp_name, data_dir=data_dir)
    keep, seen = [], set()
    for i, m in enumerate(mapped):
        if m is not None and m not in seen and not m.startswith("<"):
            keep.append(i)
            seen.add(m)
    if len(keep) < 2:
        msg = (
            f"Dataset {name!r}: only {len(keep)} of {len(names)} genes are in the vocabulary "
            f"(species={sp_name!r}, e.g. {names[:3]}). Expected gene symbols of the vocabulary; "
            "pass the right species (adata.uns['scugrn_species']) or rename the genes."
        )
        raise ValueError(msg)
    X = adata.X
    data = X.data if sp.issparse(X) else np.asarray(X)
    if data.size and (not np.all(np.isfinite(data)) or data.min() < 0):
        msg = f"Dataset {name!r}: expected finite, non-negative expression in .X (counts or log-normalised)."
        raise ValueError(msg)
    X = X[:, keep]
    if sp.issparse(X):
        X = sp.csr_matrix(X)
    bins = bin_matrix(X, n_bins)
    expressed = bins.any(axis=1)
    bins = bins[expressed]
    ids = np.asarray([vocab[mapped[i]] for i in keep], dtype=np.int64)
    report = {
        "name": name, "species": sp_name, "n_cells": int(bins.shape[0]),
        "n_cells_empty_dropped": int((~expressed).sum()), "n_genes": len(names),
        "n_genes_in_vocab": len(keep), "n_exact": how.count("exact"),
        "n_ortholog": how.count("ortholog"), "n_uppercase": how.count("uppercase"),
        "mean_nonzero_genes_per_cell": float((bins > 0).sum(1).mean()) if len(bins) else 0.0,
    }
    return Corpus(name, ids, bins, report)


class Sampler:
    """Draws training sequences (seeded) from the pre-binned corpora."""

    def __init__(self, corpora, cells, *, max_genes, zero_ratio, mask_ratio, cls_id, pad_id,
                 pad_value, mask_value):
        self.corpora = corpora
        self.cells = cells  # (n, 2) int: (corpus index, row)
        self.max_genes, self.zero_ratio, self.mask_ratio = max_genes, zero_ratio, mask_ratio
        self.cls_id, self.pad_id = cls_id, pad_id
        self.pad_value, self.mask_value = pad_value, mask_value

    def _cell(self, rng, k, r):
        c = self.corpora[k]
        row = c.bins[r]
        nz = np.flatnonzero(row)
        G = row.shape[0]
        n_zero_avail = G - len(nz)
        n_zero = min(n_zero_avail, round(self.zero_ratio * self.max_genes))
        n_nz = min(len(nz), self.max_genes - n_zero)
        n_zero = min(n_zero_avail, self.max_genes - n_nz)  # fill up when the cell has few non-zeros
        pick = rng.choice(nz, size=n_nz, replace=False) if n_nz < len(nz) else nz
        if n_zero:
            if n_zero_avail <= 4 * n_zero:
                z = rng.choice(np.flatnonzero(row == 0), size=n_zero, replace=False)
            else:  # rejection sampling: cheap when zeros dominate (e.g. 36k measured genes)
                z = np.empty(0, dtype=np.int64)
                while len(z) < n_zero:
                    cand = rng.integers(0, G, size=2 * n_zero)
                    cand = cand[row[cand] == 0]
                    z = np.unique(np.concatenate([z, cand]))
                z = rng.permutation(z)[:n_zero]
            pick = np.concatenate([pick, z])
        return c.ids[pick], row[pick].astype(np.float32)

    def batch(self, rng, rows):
        """``rows`` indexes ``self.cells``. Returns numpy src, input values, targets, masked, pad."""
        seqs = [self._cell(rng, *self.cells[i]) for i in rows]
        L = 1 + max(len(ids) for ids, _ in seqs)
        B = len(seqs)
        src = np.full((B, L), self.pad_id, dtype=np.int64)
        tgt = np.full((B, L), self.pad_value, dtype=np.float32)
        pad = np.ones((B, L), dtype=bool)
        masked = np.zeros((B, L), dtype=bool)
        for b, (ids, vals) in enumerate(seqs):
            n = len(ids)
            src[b, 0], tgt[b, 0], pad[b, : n + 1] = self.cls_id, 0.0, False
            src[b, 1 : n + 1], tgt[b, 1 : n + 1] = ids, vals
            n_mask = max(1, round(self.mask_ratio * n))
            masked[b, 1 + rng.choice(n, size=n_mask, replace=False)] = True
        inp = np.where(masked, np.float32(self.mask_value), tgt)
        return src, inp, tgt, masked, pad


def census_vocab(path: str | Path) -> dict[str, int]:
    """scGPT's census gene vocabulary with ``<pad>``, ``<cls>``, ``<eoc>`` appended (the ids of
    the official scGPT_human ``vocab.json``)."""
    vocab = json.loads(Path(path).read_text())
    if not isinstance(vocab, dict) or not all(isinstance(v, int) for v in vocab.values()):
        msg = f"{str(path)!r}: expected a JSON object gene symbol → integer id (scGPT's default_census_vocab.json)."
        raise ValueError(msg)
    n = max(vocab.values()) + 1
    for i, tok in enumerate(("<pad>", "<cls>", "<eoc>")):
        vocab.setdefault(tok, n + i)
    return vocab

