"""Hyperparameters of DeepSEM / InfoSEM, in one dataclass, with DeepSEM's published presets.

DeepSEM's defaults are those of its reference implementation (Shu et al. 2021, *Nat. Comput.
Sci.* 1:491; github.com/HantaoShu/DeepSEM, ``main.py`` with ``--setting default`` and
``src/DeepSEM_cell_type_{,non_}specific_GRN_model.py``):

=======================  ===================  ===================  ==================================
field                    ``celltype``         ``non_celltype``     DeepSEM name / where
=======================  ===================  ===================  ==================================
``n_epochs``             120                  120                  ``--n_epochs`` (main.py default)
``batch_size``           64                   64                   ``--batch_size``
``lr``                   1e-4                 1e-4                 ``--lr`` (RMSprop, MLPs)
``lr_adj_factor``        0.2                  0.2                  A's RMSprop lr is ``lr * 0.2``
``gamma``                0.95                 0.95                 ``--gamma`` (StepLR on the MLPs)
``n_hidden``             128                  128                  ``--n_hidden``
``alpha``                10                   100                  ``--alpha`` (L1 weight on A)
``beta``                 0.1                  1                    ``--beta`` (KL weight)
``k1`` / ``k2``          1 / 2                1 / 2                ``--K1`` / ``--K2`` (alternation)
``normalize``            ``"nonzero"``        ``"standard"``       per-gene z-score of non-zeros,
                                                                   clipped to [-10, 10] / plain z
``dropout_mask``         True                 False                MSE only on non-zero entries
``init_noise``           2e-4                 2e-4                 A = 1/(G-1) + U(0, 2e-4)
=======================  ===================  ===================  ==================================

DeepSEM's ``Hyperparameter.MD`` lists the cross-validated values of its paper's figures
(cell-type specific: alpha=1, beta=0.1, 150 epochs; non-specific: alpha=100, beta=1, 90 epochs) and
says they differ from the defaults by less than 0.5 %. DeepSEM recommends an ensemble of 10 runs
(mean of |A|), see ``n_runs`` of :func:`scugrn.infosem.fit`.

InfoSEM's own hyperparameters (Cui et al. 2025, Appendix C) were cross-validated per dataset:
``sigma_w`` in {0.1, 1, 10} (cell-type ChIP-seq) and 100 (non-specific ChIP-seq), ``sigma_l`` in
{0.1, sqrt(0.1)}, rank ``h = 128``. Their learning rates are not given in the paper: w is trained with A (same RMSprop
learning rate, embeddings scaled to mean row norm 1 so that w lives on A's scale) and the low-rank
logit factors A^l_a, A^l_b with ``lr_label`` (Adam; ours). Measured consequence: at these learning
rates the fit is insensitive to ``sigma_w`` over 0.1–100 and to ``sigma_l`` over {0.1, sqrt(0.1)}
(RMSprop and Adam move w and the logits by about their learning rate per step whatever the prior's
scale; on BEELINE the fits across the grid correlate at r >= 0.9994), so their cross-validation is moot
here (docs/benchmarks_infosem.md).

Scale of the loss. DeepSEM minimises ``mse_mean + beta * kl_mean + alpha * mean|A|`` (means over the
batch's entries and over the G x G entries of A). We keep that scale and add InfoSEM's Gaussian
priors as ``-log p / (n_cells * n_genes)``, i.e. divided by the number of expression entries the
data term averages over, which is where they sit in the per-entry negative ELBO.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Literal

PRESETS = ("celltype", "non_celltype")


@dataclass(frozen=True)
class SEMConfig:
    """Hyperparameters of one DeepSEM / InfoSEM fit (see the module docstring for the sources)."""

    n_epochs: int = 120
    batch_size: int = 64
    lr: float = 1e-4
    lr_adj_factor: float = 0.2
    lr_label: float = 1e-2
    gamma: float = 0.95
    n_hidden: int = 128
    alpha: float = 10.0
    beta: float = 0.1
    k1: int = 1
    k2: int = 2
    normalize: Literal["nonzero", "standard"] = "nonzero"
    dropout_mask: bool = True
    init_noise: float = 2e-4
    # InfoSEM
    sigma_w: float = 10.0
    sigma_l: float = 0.1**0.5
    rank: int = 128
    label_pos: float = 0.95
    label_neg: float = 0.05

    def __post_init__(self):
        checks = {
            "n_epochs": self.n_epochs >= 1,
            "batch_size": self.batch_size >= 1,
            "n_hidden": self.n_hidden >= 1,
            "k1": self.k1 >= 1,
            "k2": self.k2 >= 1,
            "rank": self.rank >= 1,
            "lr": self.lr > 0,
            "lr_label": self.lr_label > 0,
            "sigma_w": self.sigma_w > 0,
            "sigma_l": self.sigma_l > 0,
            "alpha": self.alpha >= 0,
            "beta": self.beta >= 0,
        }
        bad = [k for k, ok in checks.items() if not ok]
        if bad:
            msg = (
                f"Invalid SEMConfig values: {', '.join(f'{k}={getattr(self, k)!r}' for k in bad)}. "
                "Expected positive epochs, batch size, hidden size, rank, k1/k2, learning rates and "
                "sigmas, and non-negative alpha/beta."
            )
            raise ValueError(msg)
        if self.normalize not in ("nonzero", "standard"):
            msg = f"Expected normalize in ('nonzero', 'standard'), found {self.normalize!r}."
            raise ValueError(msg)
        if not (0 < self.label_neg < self.label_pos < 1):
            msg = (
                f"Expected 0 < label_neg < label_pos < 1, found label_neg={self.label_neg}, "
                f"label_pos={self.label_pos}."
            )
            raise ValueError(msg)

    def replace(self, **kwargs) -> SEMConfig:
        """A copy with some fields changed (unknown names raise ``TypeError``)."""
        return replace(self, **kwargs)

    def to_dict(self) -> dict:
        return asdict(self)


def preset(name: str = "celltype", **overrides) -> SEMConfig:
    """DeepSEM's default hyperparameters for ``"celltype"`` (cell-type-specific GRN) or
    ``"non_celltype"`` (non-specific GRN), with ``overrides`` applied.

    ``None`` values in ``overrides`` are ignored, so callers can pass optional arguments through.
    """
    if name == "celltype":
        cfg = SEMConfig(alpha=10.0, beta=0.1, normalize="nonzero", dropout_mask=True)
    elif name == "non_celltype":
        cfg = SEMConfig(alpha=100.0, beta=1.0, normalize="standard", dropout_mask=False)
    else:
        msg = f"Expected preset in {PRESETS}, found {name!r}."
        raise ValueError(msg)
    overrides = {k: v for k, v in overrides.items() if v is not None}
    return cfg.replace(**overrides) if overrides else cfg
