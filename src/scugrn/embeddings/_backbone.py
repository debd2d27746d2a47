"""Gene embeddings read out of a loaded backbone (a single-cell foundation model's gene-token table).

The backbone object must have ``gene_embeddings(symbols) -> np.ndarray (n, d)`` that raises
``KeyError`` for symbols outside its vocabulary. A symbol that is missing is retried uppercase
(mouse ``Gata1`` → ``GATA1``, the fallback of docs/methods.md §6).
"""

from __future__ import annotations

import numpy as np

from ._registry import SourceMeta, register_source


def _known(model, symbol: str) -> bool:
    try:
        model.gene_embeddings([symbol])
    except (KeyError, ValueError):  # scugrn backbones raise ValueError naming unknown genes
        return False
    return True


def _backbone(genes, *, model=None, dim=None, seed=0, path=None):
    if model is None:
        msg = (
            "source='backbone' needs the loaded backbone, found model=None. Pass "
            "`model=scugrn.models.load(...)` (any object with gene_embeddings(symbols))."
        )
        raise ValueError(msg)
    if not callable(getattr(model, "gene_embeddings", None)):
        msg = (
            f"Expected a backbone with a gene_embeddings(symbols) method, found "
            f"{type(model).__name__} without one."
        )
        raise TypeError(msg)
    genes = [str(g) for g in genes]
    try:
        mat = np.asarray(model.gene_embeddings(genes), dtype=np.float32)
        used, how = genes, ["symbol"] * len(genes)
    except (KeyError, ValueError):
        used, how = [], []
        for g in genes:  # find the unknown ones (only on this slow path)
            if _known(model, g):
                used.append(g), how.append("symbol")
            elif g.upper() != g and _known(model, g.upper()):
                used.append(g.upper()), how.append("uppercase")
            else:
                used.append(None), how.append("missing")
        ok = [u for u in used if u is not None]
        sub = np.asarray(model.gene_embeddings(ok), dtype=np.float32) if ok else None
        d = sub.shape[1] if sub is not None else 0
        mat = np.zeros((len(genes), d), dtype=np.float32)
        if sub is not None:
            mat[[i for i, u in enumerate(used) if u is not None]] = sub
    if mat.ndim != 2 or mat.shape[0] != len(genes):
        msg = (
            f"Expected model.gene_embeddings to return ({len(genes)}, d), found shape {mat.shape}."
        )
        raise ValueError(msg)
    if dim is not None and int(dim) != mat.shape[1]:
        msg = f"The backbone's embeddings have {mat.shape[1]} dimensions; expected dim=None or {mat.shape[1]}, found {dim}."
        raise ValueError(msg)
    found = np.array([h != "missing" for h in how])
    info = {
        "dim": int(mat.shape[1]),
        "model": getattr(model, "name", type(model).__name__),
        "matched_by": {k: how.count(k) for k in ("symbol", "uppercase", "missing")},
    }
    return mat, found, info


register_source(
    SourceMeta(
        name="backbone",
        desc="The backbone's gene-token embedding table (e.g. scGPT's encoder.embedding).",
        reference="docs/methods.md §1 (backbone) / §2 emb feature; UGRN paper eq. 7",
        needs_model=True,
        default_dim=None,
        fn=_backbone,
    )
)
