"""Backbones: single-cell foundation models behind one interface.

>>> import scugrn
>>> model = scugrn.models.load("path/to/scGPT_human")  # args.json, vocab.json, best_model.pt
"""

from __future__ import annotations

from pathlib import Path

from ._base import Backbone, BackboneInfo
from ._random import random_checkpoint, randomize

__all__ = ["Backbone", "BackboneInfo", "from_scgpt", "fused_attention_available", "load", "random_checkpoint", "randomize",
           "resolve"]


def fused_attention_available(device) -> bool:
    """Whether the fused Triton attention JVP (``settings.attention_jvp='triton'``) can run on ``device``."""
    try:
        from . import _attn_triton
    except ImportError:
        return False
    try:
        return bool(_attn_triton.available(device))
    except Exception:  # noqa: BLE001 - any failure means: not available
        return False


def load(path: str | Path, *, sha256: str | None = None, device: str | None = None, head: str = "mlm"):
    """Load a backbone from a checkpoint folder (scGPT's official format) or ``"demo"``.

    Parameters
    ----------
    path
        scGPT checkpoint folder (``args.json``, ``vocab.json``, ``best_model.pt``), or ``"demo"``
        for the small demo backbone shipped with scugrn.
    sha256
        Expected sha256 of ``best_model.pt``; a mismatch is an error.
    device
        ``"cpu"``, ``"cuda"``...; default ``scugrn.settings.device``.
    head
        Which output is M(v): ``"mlm"`` (expression decoder) or ``"mvc"``.
    """
    if str(path) == "demo":
        from ._demo import demo

        return demo(device=device)
    from .scgpt import load_scgpt

    return load_scgpt(path, sha256=sha256, device=device, head=head)


def from_scgpt(model, vocab, args: dict | None = None, *, head: str = "mlm", device: str | None = None,
               name: str = "scGPT"):
    """A backbone from an scGPT ``TransformerModel`` in memory (+ its vocab), weights copied
    strictly; see :func:`scugrn.models.scgpt.from_scgpt`."""
    from .scgpt import from_scgpt as _from_scgpt

    return _from_scgpt(model, vocab, args, head=head, device=device, name=name)


def resolve(model, *, vocab=None) -> Backbone:
    """``model=`` argument of the ``tl`` functions: a Backbone, a folder path, ``"demo"``, or an
    scGPT ``TransformerModel`` in memory together with ``vocab``."""
    import torch

    if vocab is not None and not isinstance(model, torch.nn.Module):
        msg = (
            f"vocab= goes with an scGPT model in memory, but model= is a {type(model).__name__}, which "
            "carries its own vocabulary. Drop vocab=."
        )
        raise ValueError(msg)
    if isinstance(model, Backbone):
        return model
    if isinstance(model, (str, Path)):
        return load(model)

    if isinstance(model, torch.nn.Module):
        if vocab is None:
            msg = (
                f"model= is a {type(model).__name__} in memory; its vocabulary is needed too: pass "
                "vocab= (scGPT's GeneVocab or a dict gene symbol → token id)."
            )
            raise ValueError(msg)
        return from_scgpt(model, vocab)
    msg = (
        "model= expects a checkpoint folder path, 'demo', a loaded backbone (scugrn.models.load) or an "
        f"scGPT TransformerModel with vocab=; got {type(model).__name__}."
    )
    raise TypeError(msg)
