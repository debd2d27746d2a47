"""Translators: small MLPs from probe features to regulation scores (docs/methods.md §4)."""

from .._common import tf_mask
from ._mlp import Ensemble, Translator, check_spec, feature_spec, load
from ._pairs import pair_matrix, pairs_by_name
from ._pretrained import pretrained
from ._train import fit_mlp

__all__ = ["Ensemble", "Translator", "check_spec", "feature_spec", "fit_mlp", "load", "pair_matrix", "pairs_by_name",
           "pretrained", "tf_mask"]
