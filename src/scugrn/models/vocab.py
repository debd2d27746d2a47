"""Vocabulary mapping: a dataset's genes placed in a backbone's vocabulary (species-aware, via
orthologs), and the mean cell in the backbone's input scale. Duck-typed on AnnData (``var_names``,
``uns``, ``X``, ``n_obs``): no anndata import."""

from __future__ import annotations

import logging
from collections import Counter

import numpy as np

from .._errors import name_list
from .._keys import Key

logger = logging.getLogger("scugrn")


def map_context(adata, backbone, *, species=None, on_missing="error", data_dir=None):
    """Map ``adata.var_names`` into the backbone vocabulary.

    Returns ``(keep, symbols, species, report)``: boolean mask over vars, mapped symbols of kept
    vars, the species used, and a dict recording how each gene was placed and what was dropped.
    """
    from .._species import check_species, guess_species, map_symbols

    if on_missing not in {"error", "drop"}:
        msg = f"on_missing must be 'error' or 'drop', got {on_missing!r}."
        raise ValueError(msg)
    names = list(map(str, adata.var_names))
    guessed = guess_species(names)
    sp = species or adata.uns.get(Key.uns.SPECIES) or guessed
    sp = check_species(sp)
    mapped, how = map_symbols(names, backbone.vocab, species=sp, data_dir=data_dir)
    missing = [g for g, m in zip(names, mapped) if m is None]
    if missing and sp != guessed and len(missing) > 0.5 * len(names):
        msg = (
            f"{len(missing)} of {len(names)} genes are not in the {backbone.info.name} vocabulary with "
            f"species={sp!r}, and the symbols look {guessed} (e.g. {names[:3]}). Pass species={guessed!r}."
        )
        raise ValueError(msg)
    if missing and on_missing == "error":
        shown = name_list(missing)
        msg = (
            f"{len(missing)} gene(s) cannot be placed in the {backbone.info.name} vocabulary "
            f"(species={sp!r}): {shown}. Pass on_missing='drop' to leave them out (they get NaN "
            "features and are listed in the params), or rename them."
        )
        raise ValueError(msg)
    keep = np.array([m is not None for m in mapped])
    if keep.sum() < 2:
        msg = f"Fewer than 2 genes could be placed in the vocabulary (found {int(keep.sum())})."
        raise ValueError(msg)
    syms = [m for m in mapped if m is not None]
    dup_syms = [s for s, c in Counter(syms).items() if c > 1]
    if dup_syms:
        logger.warning("Several genes map to the same vocabulary symbol: %s", dup_syms[:10])
    report = {"species": sp, "dropped": missing, "n_exact": how.count("exact"),
              "n_ortholog": how.count("ortholog"), "n_uppercase": how.count("uppercase")}
    return keep, syms, sp, report


def mean_input(adata, backbone, keep) -> np.ndarray:
    """x̄: the mean cell in the backbone's input scale (over the kept genes)."""
    import scipy.sparse as sp

    if adata.n_obs == 0:
        return None
    X = adata.X
    data = X.data if sp.issparse(X) else np.asarray(X)
    if not np.all(np.isfinite(data)):
        msg = "adata.X contains NaN or inf; expected finite expression values. Clean or impute them first."
        raise ValueError(msg)
    if (data < 0).any():
        msg = "adata.X has negative values; expected counts or log-normalised expression (≥ 0)."
        raise ValueError(msg)
    Xk = X[:, np.flatnonzero(keep)]
    return backbone.to_input_scale(Xk).mean(axis=0)
