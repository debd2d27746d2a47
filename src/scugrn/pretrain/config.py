"""The settings of a pretraining run, one dataclass (nanoGPT's config/train split)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class PretrainConfig:
    """Architecture, objective and optimisation of :func:`scugrn.pretrain.pretrain`.

    Attributes
    ----------
    d_model, nlayers, nhead, d_hid, dropout, n_bins
        Architecture (scGPT's ``embsize``, ``nlayers``, ``nheads``, ``d_hid``, ``dropout``,
        ``n_bins``).
    steps, batch_size, lr, warmup, grad_clip
        Adam with linear warm-up (default 5 % of ``steps``) and cosine decay to 10 % of ``lr``;
        gradient norm clipped at ``grad_clip``.
    max_genes, zero_ratio, mask_ratio
        Genes per sequence (plus ``<cls>``), the share of them drawn from the cell's zero genes, and
        the share of gene positions whose value is masked.
    balance
        Datasets are drawn with probability ∝ n_cells^balance, cells uniformly within: 1 = every
        cell equally often (scGPT), 0 = every dataset equally often, 0.5 = in between.
    val_fraction, val_max, eval_every
        Held-out cells (a share, at most ``val_max``; held out of training) for the validation loss
        (fixed masks), evaluated every ``eval_every`` steps (default ``steps // 20``);
        ``best_model.pt`` holds the weights with the lowest validation loss.
    mvc
        Add scGPT's MVC (GEPC) loss on the same masked positions.
    value_init
        ``"spread"`` (default): start the value encoder with ReLU knees spread over the bin range
        so that expression levels are distinguishable from step 0
        (:func:`scugrn.pretrain.loop.spread_value_init`); ``"default"``: PyTorch's default
        initialisation, as upstream scGPT.
    seed
        Seeds initialisation, dropout, cell/gene sampling, masks and the validation split.
    """

    d_model: int = 64
    nlayers: int = 4
    nhead: int = 4
    d_hid: int = 128
    dropout: float = 0.1
    n_bins: int = 51
    steps: int = 2000
    batch_size: int = 32
    max_genes: int = 256
    zero_ratio: float = 0.25
    mask_ratio: float = 0.4
    lr: float = 1e-3
    warmup: int | None = None
    grad_clip: float = 1.0
    balance: float = 1.0
    val_fraction: float = 0.05
    val_max: int = 256
    eval_every: int | None = None
    mvc: bool = True
    value_init: str = "spread"
    seed: int = 0

    def replace(self, **changes) -> PretrainConfig:
        """A copy with ``changes``; an unknown name is a ``TypeError`` listing the fields."""
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - names)
        if unknown:
            msg = f"Unknown pretraining setting(s) {unknown}; expected fields of PretrainConfig: {sorted(names)}."
            raise TypeError(msg)
        return dataclasses.replace(self, **changes)

    def validate(self) -> PretrainConfig:
        """Checked, with ``warmup`` and ``eval_every`` resolved (default ``steps // 20``, at least 1)."""
        for k in ("steps", "batch_size", "max_genes"):
            if int(getattr(self, k)) < 1:
                msg = f"{k} must be ≥ 1, found {getattr(self, k)}."
                raise ValueError(msg)
        if self.value_init not in {"spread", "default"}:
            msg = f"value_init must be 'spread' or 'default', found {self.value_init!r}."
            raise ValueError(msg)
        if not 0 <= self.balance <= 1:
            msg = f"balance must lie in [0, 1], found {self.balance}."
            raise ValueError(msg)
        if not 0 < self.mask_ratio < 1 or not 0 <= self.zero_ratio < 1:
            msg = (f"Expected 0 < mask_ratio < 1 and 0 ≤ zero_ratio < 1; found {self.mask_ratio}, "
                   f"{self.zero_ratio}.")
            raise ValueError(msg)
        every = max(1, self.steps // 20)
        return dataclasses.replace(self, warmup=every if self.warmup is None else int(self.warmup),
                                   eval_every=every if self.eval_every is None else int(self.eval_every))

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)
