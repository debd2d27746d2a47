"""Every AnnData key scugrn reads or writes, defined once (cellrank's ``Key`` pattern)."""

from __future__ import annotations


class Key:
    """Default keys. Results live in ``adata.varp[key]`` / ``adata.varm[key]`` / ``adata.uns[key]``
    with their parameters in ``adata.uns[Key.params(key)]``."""

    # .var columns
    IS_TF = "is_tf"
    HIGHLY_VARIABLE = "highly_variable"
    SELECTED = "scugrn_selected"
    VOCAB_ID = "scugrn_token"  # backbone token id of each var (after species mapping)
    MAPPED_SYMBOL = "scugrn_symbol"  # the backbone-vocabulary symbol a var maps to

    # feature keys (varp unless stated)
    EMB = "emb"  # varm
    PERT = "pert"
    VVP = "vvp"
    GDT = "gdt"
    ORIGIN_PERT = "origin_pert"
    ORIGIN_ATTN = "origin_attn"

    # predictions
    GRN = "grn"  # uns: DataFrame source, target, weight
    GRN_SCORES = "grn_scores"  # varp: (n_vars, n_vars) score matrix
    INFOSEM = "infosem"

    # uns
    SPECIES = "scugrn_species"
    TRUTH = "ground_truth"  # uns: DataFrame source, target (known edges)
    SELECT_PARAMS = "scugrn_select_params"

    @staticmethod
    def params(key: str) -> str:
        return f"{key}_params"

    @staticmethod
    def scores(key: str) -> str:
        return f"{key}_scores"
