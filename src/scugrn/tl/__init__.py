"""Tools: probe features, translators, predictions, InfoSEM."""

from ._features import emb, gdt, origin_attn, origin_pert, pert, vvp
from ._translate import predict_grn, train_translator

__all__ = ["emb", "gdt", "infosem", "origin_attn", "origin_pert", "pert", "predict_grn", "train_translator", "vvp"]


def __getattr__(name):
    if name == "infosem":
        from ._infosem import infosem

        return infosem
    msg = f"module 'scugrn.tl' has no attribute {name!r}"
    raise AttributeError(msg)
