"""Random-weight backbones: tiny test checkpoints and the random-weight control."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def random_checkpoint(
    folder: str | Path,
    *,
    genes: Sequence[str] | None = None,
    vocab: dict[str, int] | None = None,
    d_model: int = 32,
    nlayers: int = 2,
    nhead: int = 4,
    d_hid: int = 64,
    n_bins: int = 51,
    do_mvc: bool = True,
    pre_norm: bool = False,
    layout: str = "flash",
    seed: int = 0,
) -> Path:
    """Write a randomly initialised scGPT checkpoint in the official format.

    The vocabulary is ``vocab`` or ``<pad>, <cls>, <eoc>`` followed by ``genes``. Used by the tests,
    the benchmarks (a 12-layer d=512 random model) and as the random-weight control.
    """
    from .scgpt import build_module, save_checkpoint

    if vocab is None:
        if not genes:
            msg = "Pass genes= (a list of symbols) or vocab= (symbol -> id) to build a checkpoint."
            raise ValueError(msg)
        vocab = {t: i for i, t in enumerate(["<pad>", "<cls>", "<eoc>", *genes])}
    module = build_module(
        vocab, seed=seed, d_model=d_model, nlayers=nlayers, nhead=nhead, d_hid=d_hid,
        n_bins=n_bins, do_mvc=do_mvc, pre_norm=pre_norm,
    )
    return save_checkpoint(module, vocab, folder, layout=layout)


def randomize(model, *, seed: int = 0):
    """The same architecture and vocabulary as ``model`` with freshly initialised weights
    (the benchmark's random-weight control)."""
    import dataclasses

    from .scgpt import ScGPTBackbone, build_module

    if not isinstance(model, ScGPTBackbone):
        msg = f"randomize supports scGPT backbones, got {type(model).__name__}."
        raise TypeError(msg)
    cfg = {
        f.name: getattr(model.cfg, f.name)
        for f in dataclasses.fields(model.cfg)
        if f.name not in {"ntoken", "extra"}
    }
    module = build_module(model.vocab, seed=seed, **cfg)
    bb = ScGPTBackbone(
        module, model.vocab, sha256=f"random-init-seed{seed}-of-{model.info.sha256[:16]}",
        source=f"randomized({model.info.source})", name=f"{model.info.name}-random", head=model.head,
    )
    return bb.to(model.device)
