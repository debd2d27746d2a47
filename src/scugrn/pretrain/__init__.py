"""``scugrn.pretrain``: pretraining a small scGPT-architecture backbone with scGPT's masked-value
objective.

Split as nanoGPT splits its trainer: the settings are one dataclass (:class:`PretrainConfig`,
:mod:`.config`), the data a corpus of pre-binned cells (:mod:`.corpus`), and the loop a function of
both (:func:`pretrain`, :mod:`.loop`).

Used for the demo backbone shipped with scugrn (``benchmarks/pretrain_demo.py``) and for the
synthetic-universe positive control (``tests/test_synthetic_universe.py``). It is *not* meant to
produce a foundation model: it makes small, reproducible backbones on a CPU.

The objective follows scGPT's pretraining (Cui et al. 2024, ``scgpt/tasks`` + ``examples/pretrain``):

- every cell is binned per cell exactly as :meth:`ScGPTBackbone.to_input_scale` does (zeros → 0,
  non-zeros → 1..n_bins-1 by the cell's own quantiles);
- a sequence is ``<cls>`` followed by up to ``max_genes`` genes of the cell: its non-zero genes
  (sampled when there are more) plus a share ``zero_ratio`` of measured genes that are zero in that
  cell, so the model also sees zeros (the virtual cells of VVP/GDT are mostly zeros);
- a fraction ``mask_ratio`` of the gene positions get the input value ``mask_value`` (-1);
- loss = MSE of the expression decoder on the masked positions, plus (``mvc=True``) scGPT's
  GEPC/MVC loss: MSE of the MVC decoder (cell embedding · gene query) on the same positions.

Everything random is drawn from generators seeded with ``seed``; the global torch RNG is forked, so
calling :func:`pretrain` has no side effect on the caller's random state. On one machine with a fixed
thread count the result is bit-for-bit reproducible (CPU float reductions may differ across thread
counts or BLAS builds; the thread count is logged).
"""

from __future__ import annotations

from .config import PretrainConfig
from .corpus import census_vocab
from .loop import LOG_FILE, pretrain

__all__ = ["LOG_FILE", "PretrainConfig", "census_vocab", "pretrain"]
