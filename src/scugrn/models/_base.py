"""The backbone interface: what every single-cell foundation model must offer the probes.

A second scFM (Geneformer, scFoundation, ...) is added by subclassing :class:`Backbone`; the
probes only talk to this interface (docs/methods.md §1).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .._errors import name_list

if TYPE_CHECKING:  # pragma: no cover
    import torch


@dataclass(frozen=True)
class BackboneInfo:
    """Identity of a backbone, stored beside every result it produced."""

    name: str  # e.g. "scGPT"
    arch: str  # e.g. "scgpt-transformer"
    sha256: str  # of the weights file
    source: str  # folder or "random" / "demo"
    n_layers: int
    d_model: int
    value_range: tuple[float, float]

    def as_dict(self) -> dict:
        d = dict(self.__dict__)
        d["value_range"] = list(self.value_range)
        return d


class Backbone(ABC):
    """A frozen single-cell foundation model seen as a function of virtual cells.

    A *virtual cell* over a context of K genes is a vector of K input values in the backbone's own
    input scale (:attr:`value_range`). The backbone returns one reconstructed value per gene.
    """

    info: BackboneInfo
    vocab: dict[str, int]

    # --- vocabulary -------------------------------------------------------------------------
    def token_ids(self, symbols) -> np.ndarray:
        """Token ids of ``symbols`` (already mapped to the backbone's vocabulary).

        Raises ``ValueError`` naming every symbol that is not in the vocabulary.
        """
        missing = [s for s in symbols if s not in self.vocab]
        if missing:
            shown = name_list(missing, quote=True)
            msg = (
                f"{len(missing)} gene(s) are not in the {self.info.name} vocabulary "
                f"({len(self.vocab)} tokens): {shown}. Map them first (scugrn.models.vocab.map_context "
                "with species=..., which the scugrn.tl probes call) or drop them (on_missing='drop')."
            )
            raise ValueError(msg)
        return np.asarray([self.vocab[s] for s in symbols], dtype=np.int64)

    @property
    def value_range(self) -> tuple[float, float]:
        return self.info.value_range

    # --- computation ------------------------------------------------------------------------
    @property
    @abstractmethod
    def device(self) -> torch.device: ...

    @abstractmethod
    def to(self, device=None, dtype=None) -> Backbone: ...

    @abstractmethod
    def predict(self, token_ids: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
        """Reconstructed values ``(B, K)`` for virtual cells ``values`` ``(B, K)`` over the genes
        ``token_ids`` ``(K,)`` (shared by the batch). Differentiable in ``values`` (reverse and
        forward mode)."""

    def predict_jvp(self, token_ids: torch.Tensor, values: torch.Tensor, tangents: torch.Tensor) -> torch.Tensor:
        """Directional derivative of :meth:`predict`, ``d predict(values + ε·tangents)/dε`` at 0, ``(B, K)``.

        ``values`` (B or 1, K) — one primal cell may serve every tangent; ``tangents`` (B, K).
        This default uses PyTorch's forward-mode dual numbers; backbones may override it with
        something faster (scGPT: :mod:`scugrn.models._jvp`)."""
        import torch.autograd.forward_ad as fwAD

        vals = values.expand_as(tangents) if values.shape[0] == 1 else values
        with fwAD.dual_level():  # the tangent must be read before the level closes
            out = self.predict(token_ids, fwAD.make_dual(vals.contiguous(), tangents))
            return fwAD.unpack_dual(out).tangent

    def predict_rows(self, token_ids, base_values, rows, row_values, *, tangent: bool = False):
        """:meth:`predict` (with ``tangent=True``: :meth:`predict_jvp` along the changed gene) for B
        virtual cells equal to ``base_values`` (K,) except gene ``rows[b]`` ← ``row_values[b]``, where
        the backbone has a shortcut for such cells; ``None`` otherwise (callers then build the cells
        in full)."""
        return

    @abstractmethod
    def attention(self, token_ids: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
        """Per-layer attention ``(n_layers, B, K, K)`` (mean over heads, query → key) over the K
        genes."""

    @abstractmethod
    def gene_embedding_table(self, token_ids: torch.Tensor) -> torch.Tensor:
        """Gene-token embeddings ``(K, d)`` as used by the model's input."""

    @abstractmethod
    def to_input_scale(self, X) -> np.ndarray:
        """Cells × genes expression → the backbone's input values (e.g. scGPT's per-cell bins)."""

    def gene_embeddings(self, symbols) -> np.ndarray:
        """``(n, d)`` float32 numpy gene embeddings for vocabulary symbols."""
        import torch

        ids = torch.as_tensor(self.token_ids(symbols), device=self.device)
        with torch.no_grad():
            return self.gene_embedding_table(ids).float().cpu().numpy()
