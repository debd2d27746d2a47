"""Priors on the weighted adjacency A: DeepSEM's Laplace, InfoSEM-B's embedding-informed Laplace and
InfoSEM-BC's A = Aᵉ ⊙ σ(Aˡ) with a label prior on the low-rank logits (torch; loaded on use).

Each prior owns the adjacency's parameters (all MAP estimates, as in the paper) and returns
``adjacency()`` (G, G, zero diagonal, source rows) and ``penalty(alpha, n_entries)``, the negative log
prior on the scale of DeepSEM's loss (see :mod:`scugrn.infosem._config`).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ._vae import logit


def deepsem_init(n_genes: int, noise: float, generator: torch.Generator) -> torch.Tensor:
    """DeepSEM's start: every off-diagonal entry 1/(G−1) plus U(0, noise), diagonal 0."""
    a = torch.full((n_genes, n_genes), 1.0 / (n_genes - 1))
    a += torch.rand(n_genes, n_genes, generator=generator) * noise
    a.fill_diagonal_(0.0)
    return a


class LaplacePrior(nn.Module):
    """DeepSEM: ``p(A) = Π Laplace(a_ik; 0, σ_a)``, i.e. ``alpha * mean|A|``."""

    def __init__(self, n_genes: int, *, init_noise: float, generator: torch.Generator):
        super().__init__()
        self.A = nn.Parameter(deepsem_init(n_genes, init_noise, generator))
        self.register_buffer("off", 1.0 - torch.eye(n_genes))

    def adjacency(self) -> torch.Tensor:
        return self.A * self.off

    def laplace_mean(self) -> torch.Tensor | float:
        return 0.0

    def effect(self) -> torch.Tensor:
        """The matrix the Laplace prior is placed on (A itself here, Aᵉ in InfoSEM-BC)."""
        return self.A * self.off

    def penalty(self, alpha: float, n_entries: int) -> torch.Tensor:
        return alpha * torch.mean(torch.abs(self.effect() - self.laplace_mean() * self.off))

    def adj_parameters(self) -> list[nn.Parameter]:
        """Parameters trained with A's learning rate."""
        return [self.A]

    def label_parameters(self) -> list[nn.Parameter]:
        """Parameters trained with ``lr_label`` (the low-rank logits of InfoSEM-BC)."""
        return []


def _scaled_embeddings(H: np.ndarray) -> torch.Tensor:
    """Embeddings scaled so that the mean row norm is 1 (direction kept, one scale for all
    sources, so that ``sigma_w`` and the learning rate mean the same for one-hot, random, text or
    backbone embeddings)."""
    H = np.asarray(H, dtype=np.float32)
    norm = float(np.linalg.norm(H, axis=1).mean())
    return torch.from_numpy(H / norm if norm > 0 else H)


class EmbeddingLaplacePrior(LaplacePrior):
    """InfoSEM-B (paper eq. 9): ``a_ik ~ Laplace([h_i, h_k] wᵀ, σ_a)``, ``w ~ N(0, σ_w²)`` (MAP).

    ``[h_i, h_k] wᵀ = h_i·w_src + h_k·w_tgt``, so the prior mean is a source effect plus a target
    effect predicted linearly from the gene embeddings.
    """

    def __init__(
        self,
        n_genes: int,
        embeddings: np.ndarray,
        *,
        sigma_w: float,
        init_noise: float,
        generator: torch.Generator,
    ):
        super().__init__(n_genes, init_noise=init_noise, generator=generator)
        H = _scaled_embeddings(embeddings)
        self.register_buffer("H", H)  # (G, d)
        self.w = nn.Parameter(torch.zeros(2, H.shape[1]))  # [w_src; w_tgt]
        self.sigma_w = float(sigma_w)

    def laplace_mean(self) -> torch.Tensor:
        u = self.H @ self.w[0]  # (G,) source effect
        v = self.H @ self.w[1]  # (G,) target effect
        return u[:, None] + v[None, :]  # (G, G)

    def penalty(self, alpha: float, n_entries: int) -> torch.Tensor:
        nlp_w = (self.w**2).sum() / (2.0 * self.sigma_w**2)
        return super().penalty(alpha, n_entries) + nlp_w / n_entries

    def adj_parameters(self) -> list[nn.Parameter]:
        return [self.A, self.w]


class LabelEmbeddingPrior(EmbeddingLaplacePrior):
    """InfoSEM-BC (paper eqs. 10–13): ``A = Aᵉ ⊙ σ(Aˡ_a Aˡ_b)``, Aᵉ with the InfoSEM-B prior,
    rank-h logits with ``N(logit 0.95, σ_l²)`` on known positives, ``N(logit 0.05, σ_l²)`` on known
    negatives and a flat prior elsewhere.
    """

    def __init__(
        self,
        n_genes: int,
        embeddings: np.ndarray,
        labels: tuple[np.ndarray, np.ndarray, np.ndarray],
        *,
        sigma_w: float,
        sigma_l: float,
        rank: int,
        label_pos: float,
        label_neg: float,
        init_noise: float,
        generator: torch.Generator,
    ):
        super().__init__(
            n_genes, embeddings, sigma_w=sigma_w, init_noise=init_noise, generator=generator
        )
        src, tgt, y = (np.asarray(a) for a in labels)
        self.register_buffer("lab_src", torch.as_tensor(src, dtype=torch.long))
        self.register_buffer("lab_tgt", torch.as_tensor(tgt, dtype=torch.long))
        target = np.where(np.asarray(y) > 0, logit(label_pos), logit(label_neg)).astype(np.float32)
        self.register_buffer("lab_target", torch.from_numpy(target))
        self.sigma_l = float(sigma_l)
        scale = 0.01
        self.La = nn.Parameter(torch.randn(n_genes, rank, generator=generator) * scale)
        self.Lb = nn.Parameter(torch.randn(rank, n_genes, generator=generator) * scale)

    def logits(self) -> torch.Tensor:
        return self.La @ self.Lb  # (G, G), rank h

    def adjacency(self) -> torch.Tensor:
        return self.A * torch.sigmoid(self.logits()) * self.off

    def penalty(self, alpha: float, n_entries: int) -> torch.Tensor:
        base = super().penalty(alpha, n_entries)
        if self.lab_src.numel() == 0:
            return base
        al = self.logits()[self.lab_src, self.lab_tgt]
        nlp_l = ((al - self.lab_target) ** 2).sum() / (2.0 * self.sigma_l**2)
        return base + nlp_l / n_entries

    def label_parameters(self) -> list[nn.Parameter]:
        return [self.La, self.Lb]
