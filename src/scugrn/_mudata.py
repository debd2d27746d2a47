"""MuData inputs: the user layer runs on one modality of a MuData and writes into its slots.

``mudata`` is optional: a MuData is recognised without importing it (only an object of a loaded
``mudata`` module can be one).
"""

from __future__ import annotations

import sys

DEFAULT_MOD = "rna"


def is_mudata(data) -> bool:
    md = sys.modules.get("mudata")
    return md is not None and isinstance(data, md.MuData)


def modality(mdata, mod: str | None):
    """The AnnData of modality ``mod`` (default ``"rna"``) of ``mdata``; a clear error otherwise."""
    names = list(mdata.mod.keys())
    if mod is None:
        if DEFAULT_MOD in mdata.mod:
            return mdata.mod[DEFAULT_MOD]
        msg = (
            f"Expected a modality named {DEFAULT_MOD!r} in the MuData, found modalities {names}. "
            f"Pass mod= with the one that holds gene expression, e.g. mod={names[0]!r}."
            if names
            else "Expected a MuData with a gene-expression modality, found one with no modalities."
        )
        raise ValueError(msg)
    if mod not in mdata.mod:
        msg = f"mod={mod!r} is not a modality of this MuData; found modalities {names}. Pass one of them."
        raise ValueError(msg)
    return mdata.mod[mod]


def check_mod(data, mod) -> None:
    """``mod=`` only means something for a MuData."""
    if mod is not None and not is_mudata(data):
        name = type(data).__name__
        msg = (
            f"mod={mod!r} selects a modality of a MuData, but found {'an' if name[0] in 'AEIOU' else 'a'} "
            f"{name}. Drop mod= for an AnnData."
        )
        raise TypeError(msg)


def on_modality(fn, mdata, *, mod: str | None, copy: bool, **kwargs):
    """Run ``fn(adata, copy=False, **kwargs)`` on a modality of ``mdata`` (of its copy when
    ``copy=True``); return ``None`` or the MuData copy."""
    name = _name(mdata, mod)  # checked before anything is copied or written
    out = mdata.copy() if copy else mdata
    adata = out.mod[name]
    n_vars = adata.n_vars
    fn(adata, copy=False, **kwargs)
    if adata.n_vars != n_vars:  # e.g. pp.select(subset=True): the MuData's global var follows
        out.update()
    return out if copy else None


def _name(mdata, mod):
    adata = modality(mdata, mod)
    return next(k for k, v in mdata.mod.items() if v is adata)
