"""Every AnnData key scugrn reads or writes, defined once and nested by slot (cellrank's ``Key``
pattern): ``Key.var.IS_TF`` is a column of ``adata.var``, ``Key.varp.VVP`` a key of ``adata.varp``,
``Key.uns.TRUTH`` a key of ``adata.uns``."""

from __future__ import annotations


class _var:
    """Columns of ``adata.var``."""

    IS_TF = "is_tf"
    HIGHLY_VARIABLE = "highly_variable"
    SELECTED = "scugrn_selected"


class _varp:
    """Keys of ``adata.varp``: (n_vars, n_vars[, width]) pair features and scores."""

    PERT = "pert"
    VVP = "vvp"
    GDT = "gdt"
    ORIGIN_PERT = "origin_pert"
    ORIGIN_ATTN = "origin_attn"
    GRN = "grn"  # (n_vars, n_vars) translator scores, beside uns[GRN]
    INFOSEM = "infosem"  # (n_vars, n_vars) SEM scores, beside uns[INFOSEM]


class _varm:
    """Keys of ``adata.varm``: (n_vars, width) gene tables."""

    EMB = "emb"


class _uns:
    """Keys of ``adata.uns``."""

    GRN = _varp.GRN  # DataFrame source, target, weight
    INFOSEM = _varp.INFOSEM  # DataFrame source, target, weight
    SPECIES = "scugrn_species"
    TRUTH = "ground_truth"  # DataFrame source, target (known edges)
    BEELINE = "beeline"  # the BEELINE configuration a dataset was loaded from
    SELECT_PARAMS = "scugrn_select_params"


class Key:
    """Default keys, by slot. Results live in ``adata.varp[key]`` / ``adata.varm[key]`` /
    ``adata.uns[key]`` with their parameters in ``adata.uns[Key.params(key)]``.

    The flat names (``Key.IS_TF``, ...) are the same strings, kept for code written before the
    nesting; new code uses ``Key.<slot>.<NAME>``.
    """

    var = _var
    varp = _varp
    varm = _varm
    uns = _uns

    IS_TF = _var.IS_TF
    HIGHLY_VARIABLE = _var.HIGHLY_VARIABLE
    SELECTED = _var.SELECTED
    EMB = _varm.EMB
    PERT = _varp.PERT
    VVP = _varp.VVP
    GDT = _varp.GDT
    ORIGIN_PERT = _varp.ORIGIN_PERT
    ORIGIN_ATTN = _varp.ORIGIN_ATTN
    GRN = _uns.GRN
    INFOSEM = _uns.INFOSEM
    SPECIES = _uns.SPECIES
    TRUTH = _uns.TRUTH
    SELECT_PARAMS = _uns.SELECT_PARAMS

    @staticmethod
    def params(key: str) -> str:
        return f"{key}_params"
