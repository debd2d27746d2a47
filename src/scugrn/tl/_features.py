"""``scugrn.tl.{emb,pert,vvp,gdt,origin_pert,origin_attn}``: probe features into AnnData."""

from __future__ import annotations

import logging
from collections import Counter

import numpy as np

from .._keys import Key
from .._settings import settings
from ..models.vocab import map_context, mean_input

logger = logging.getLogger("scugrn")


def _check_adata(adata) -> None:
    from anndata import AnnData

    if not isinstance(adata, AnnData):
        msg = (
            f"Expected an AnnData (or a MuData with mod=), found {type(adata).__name__}. "
            "For a gene list use scugrn.from_genes(genes)."
        )
        raise TypeError(msg)
    if adata.n_vars < 2:
        msg = (
            f"Expected at least 2 genes in adata.var, found {adata.n_vars}. A network needs pairs of "
            "genes: pass an AnnData (or scugrn.from_genes list) with 2 or more genes."
        )
        raise ValueError(msg)
    dups = [g for g, c in Counter(adata.var_names).items() if c > 1]
    if dups:
        msg = f"adata.var_names has duplicates {dups[:10]}; call adata.var_names_make_unique() or drop them."
        raise ValueError(msg)


def _version() -> str:
    from .. import __version__

    return __version__


def compute_features(
    adata,
    probe: str,
    *,
    model,
    key_added: str | None = None,
    species: str | None = None,
    on_missing: str = "error",
    batch_size: int | None = None,
    device: str | None = None,
    dtype: str | None = None,
    copy: bool = False,
    verbose: bool | None = None,
    data_dir=None,
    window: int | None = None,
    vocab=None,
    mod: str | None = None,
    **probe_params,
):
    from .._mudata import check_mod, is_mudata, on_modality
    from ..models import resolve
    from ..models._device import resolve_device, resolve_dtype
    from ..probes import default_params, get_probe, run_probe, run_probe_windowed

    if is_mudata(adata):
        return on_modality(compute_features, adata, mod=mod, copy=copy, probe=probe, model=model,
                           key_added=key_added, species=species, on_missing=on_missing,
                           batch_size=batch_size, device=device, dtype=dtype, verbose=verbose,
                           data_dir=data_dir, window=window, vocab=vocab, **probe_params)
    check_mod(adata, mod)
    _check_adata(adata)
    meta, _ = get_probe(probe)
    key = key_added or probe
    adata = adata.copy() if copy else adata
    bb = resolve(model, vocab=vocab)
    dev = resolve_device(device) if device is not None else bb.device
    bb.to(dev, resolve_dtype(dtype, dev))
    keep, syms, sp, report = map_context(adata, bb, species=species, on_missing=on_missing, data_dir=data_dir)
    params = default_params(probe, bb, **probe_params)
    x_bar = mean_input(adata, bb, keep) if meta.needs_expression else None
    if meta.needs_expression and x_bar is None:
        msg = (
            f"tl.{probe} needs expression (the mean cell), but adata has no cells. Use tl.vvp, "
            "tl.gdt or tl.emb for a gene list."
        )
        raise ValueError(msg)
    K = len(syms)
    ctx_max = getattr(getattr(bb, "cfg", None), "max_seq_len", None)
    if window is None and ctx_max and K + 1 > ctx_max and meta.slot == "varp":
        logger.warning("%d genes exceed %s's training context (%d tokens); consider window=%d.",
                       K, bb.info.name, ctx_max, ctx_max - 1)
    unit_probe = meta.slot == "varp" and not hasattr(get_probe(probe)[1], "full")
    if unit_probe and hasattr(bb, "cfg"):
        from ._estimate import announce

        width = len(params.get("target_values") or params.get("base_values") or [0])
        announce(probe, bb, K, width, n_vars=adata.n_vars, window=window)
    if window is not None and K > window and unit_probe:
        res = run_probe_windowed(probe, bb, bb.token_ids(syms), window=window, params=params, x_bar=x_bar,
                                 batch_size=batch_size, verbose=verbose)
    else:
        res = run_probe(probe, bb, bb.token_ids(syms), params=params, x_bar=x_bar,
                        batch_size=batch_size, verbose=verbose)
    fid = None
    if getattr(bb, "autocast_dtype", None) is not None and meta.slot == "varp":
        from ..probes import check_fidelity

        if window is not None and K > window:
            fid = {"dtype": str(bb.autocast_dtype).removeprefix("torch."), "checked": False,
                   "reason": "windowed run: re-probe a window in float32 to check"}
        else:
            fid = check_fidelity(probe, bb, bb.token_ids(syms), res, params=params, x_bar=x_bar,
                                 batch_size=batch_size)
    idx = np.flatnonzero(keep)
    n = adata.n_vars
    if meta.slot == "varm":
        full = np.full((n, res.shape[1]), np.nan, dtype=np.float32)
        full[idx] = res
        adata.varm[key] = full
    else:
        full = np.full((n, n, res.shape[2]), np.nan, dtype=np.float32)
        full[np.ix_(idx, idx)] = res
        adata.varp[key] = full
    adata.uns[Key.SPECIES] = sp
    adata.uns[Key.params(key)] = {
        "probe": probe,
        **params,
        "backbone": bb.info.as_dict(),
        "head": getattr(bb, "head", "mlm"),
        "dtype": str(dtype or settings.dtype),
        "window": int(window) if window else 0,
        **({"fidelity_vs_float32": fid} if fid is not None else {}),
        **report,
        "scugrn_version": _version(),
    }
    return adata if copy else None


_DOC = """Compute ``{probe}`` features ({desc}).

Parameters
----------
adata
    AnnData with genes as ``var`` (cells optional{needs}); from :func:`scugrn.from_genes` for a
    gene list. Or a MuData: the modality ``mod`` is used and written to.
model
    A checkpoint folder, ``"demo"``, a backbone from :func:`scugrn.models.load`, or an scGPT
    ``scgpt.model.TransformerModel`` in memory (with ``vocab=``, see :func:`scugrn.models.from_scgpt`).
vocab
    With an in-memory scGPT model: its ``GeneVocab`` or a dict symbol → token id.
mod
    With a MuData: the modality to use; default ``"rna"``.
key_added
    Where to write; default ``"{probe}"``.
species
    ``"human"`` or ``"mouse"``; default ``adata.uns['scugrn_species']`` or guessed from symbols.
on_missing
    ``"error"`` (default): genes outside the vocabulary raise ``ValueError`` naming them;
    ``"drop"``: they get NaN features and are listed in the params under ``dropped``.
batch_size, device, dtype, verbose
    Runner settings; defaults from :data:`scugrn.settings`.
window
    Probe gene lists longer than this in context windows of at most ``window`` genes that always
    hold both genes of a pair (for lists longer than the backbone's training context; scGPT_human:
    1,200 tokens). Default: the whole list in one context.
copy
    Return a modified copy (of the MuData, for a MuData) instead of writing in place.
**params
    Probe values: {params}

Returns
-------
``None``, or the copy if ``copy=True``. Writes
``adata.{slot}['{probe}' | key_added]`` {shape} and ``adata.uns['{probe}_params' | key_added + '_params']``.
"""


def _make(probe: str, desc: str, params_doc: str, shape: str, slot: str = "varp", needs: bool = False):
    def fn(adata, *, model, key_added=None, species=None, on_missing="error", batch_size=None,
           device=None, dtype=None, copy=False, verbose=None, data_dir=None, window=None, vocab=None,
           mod=None, **params):
        return compute_features(adata, probe, model=model, key_added=key_added, species=species,
                                on_missing=on_missing, batch_size=batch_size, device=device,
                                dtype=dtype, copy=copy, verbose=verbose, data_dir=data_dir,
                                window=window, vocab=vocab, mod=mod, **params)

    fn.__name__ = fn.__qualname__ = probe
    fn.__doc__ = _DOC.format(probe=probe, desc=desc, params=params_doc, shape=shape, slot=slot,
                             needs="; required for this probe" if needs else "")
    return fn


vvp = _make("vvp", "virtual value perturbation, docs/methods.md §2",
            "``base_value`` (v_b), ``target_values`` (v_p grid) or ``n_values`` (M, default 8).",
            "float32 (n_vars, n_vars, M): [i, j, m] = response of target j to source i at v_p,m")
gdt = _make("gdt", "gradient trajectory by forward-mode JVP, docs/methods.md §2",
            "``base_values`` (the T values v_b,t) or ``n_values`` (T, default 8), ``background`` "
            "(value of the other genes, a number or ``'base'`` = same as v_b,t).",
            "float32 (n_vars, n_vars, T): [i, j, t] = ∂M_j/∂v_i at the t-th base value")
pert = _make("pert", "knock-out of each gene on the mean cell x̄", "none.",
             "float32 (n_vars, n_vars, 1)", needs=True)
origin_pert = _make("origin_pert", "zero-shot knock-out score", "none.",
                    "float32 (n_vars, n_vars, 1)", needs=True)
origin_attn = _make("origin_attn", "zero-shot attention score summed over layers", "none.",
                    "float32 (n_vars, n_vars, 1)", needs=True)
emb = _make("emb", "gene-token embeddings", "none.", "float32 (n_vars, d)", slot="varm")
