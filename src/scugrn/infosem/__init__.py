"""DeepSEM and InfoSEM: GRNs from a β-VAE with a linear SEM in latent space, with informative priors.

- :func:`deepsem` — DeepSEM (Shu et al. 2021), Laplace prior on A;
- :func:`infosem_b` — InfoSEM-B, Laplace prior with mean ``[h_i, h_k]·w`` from gene
  embeddings;
- :func:`infosem_bc` — InfoSEM-BC, ``A = Aᵉ ⊙ σ(Aˡ)`` with a known-label prior on
  the low-rank logits.

All three run through :func:`fit` (one training loop, hyperparameters in :class:`SEMConfig`,
DeepSEM's published defaults via :func:`preset`). The AnnData front end is
:func:`scugrn.tl.infosem`. Importing this package does not import torch.
"""

from __future__ import annotations

from ._config import PRESETS, SEMConfig, preset
from ._deepsem import deepsem  # each import registers its variant
from ._fit import SEMResult, edges_frame, fit, labels_to_index
from ._infosem_b import infosem_b
from ._infosem_bc import infosem_bc
from ._registry import VARIANTS, VariantMeta, get_variant

__all__ = [
    "PRESETS",
    "VARIANTS",
    "SEMConfig",
    "SEMResult",
    "VariantMeta",
    "deepsem",
    "edges_frame",
    "fit",
    "get_variant",
    "infosem_b",
    "infosem_bc",
    "labels_to_index",
    "preset",
]
