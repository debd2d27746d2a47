"""DeepSEM's β-VAE whose latent passes through (I − A)⁻¹ (torch; loaded only on use).

Notation (paper convention, cells as rows): ``A[i, k]`` is the effect of gene i on gene k
(source rows, target columns). For a batch of cells ``x`` (B, G):

- inference: per-entry MLP ``x_bg -> (mu_hat, logvar_hat)``; ``Z = Ẑ (I − A)`` so the posterior of Z
  has mean ``mu_hat @ (I − A)`` and log-variance ``logvar_hat @ (I − A)`` (DeepSEM's code);
- generation: ``Ẑ = Z (I − A)⁻¹`` and a per-entry MLP ``ẑ_bg -> x̂_bg``;
- prior of Z: ``N(m @ (I − A), exp(s @ (I − A)))`` with learned vectors m, s (G,). This is
  DeepSEM's prior network with one mixture component (``K = 1``), where the Gumbel-softmax
  category is constant and its network reduces to these two vectors.

DeepSEM's code stores A transposed (target rows) and writes ``mu @ (I − Aᵀ)``; the model is the same.
We use the closed-form Gaussian KL where DeepSEM uses its one-sample estimate (same expectation,
lower variance).
"""

from __future__ import annotations

import math

import torch
from torch import nn


class ElementMLP(nn.Module):
    """Scalar -> ``n_out`` MLP shared by every (cell, gene) entry: 1 → H → H → n_out, tanh."""

    def __init__(self, n_hidden: int, n_out: int):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(1, n_hidden),
            nn.Tanh(),
            nn.Linear(n_hidden, n_hidden),
            nn.Tanh(),
            nn.Linear(n_hidden, n_out),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, G) -> (B, G, n_out)
        return self.net(x.unsqueeze(-1))


class SEMVAE(nn.Module):
    """Encoder, decoder and Z-prior of DeepSEM (the adjacency lives in an ``AdjacencyPrior``)."""

    def __init__(self, n_genes: int, n_hidden: int, generator: torch.Generator | None = None):
        super().__init__()
        self.encoder = ElementMLP(n_hidden, 2)  # -> (mu_hat, logvar_hat)
        self.decoder = ElementMLP(n_hidden, 1)
        self.prior_mu = nn.Parameter(torch.zeros(n_genes))
        self.prior_logvar = nn.Parameter(torch.zeros(n_genes))
        for m in self.modules():  # DeepSEM: xavier_normal_ weights, zero biases
            if isinstance(m, nn.Linear):
                nn.init.xavier_normal_(m.weight, generator=generator)
                nn.init.zeros_(m.bias)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.encoder(x)  # (B, G, 2)
        return out[..., 0], out[..., 1]

    def decode(self, zhat: torch.Tensor) -> torch.Tensor:
        return self.decoder(zhat)[..., 0]  # (B, G)

    def loss(
        self,
        x: torch.Tensor,
        mu_hat: torch.Tensor,
        logvar_hat: torch.Tensor,
        ima: torch.Tensor,
        *,
        inv_ima: torch.Tensor | None,
        noise: torch.Tensor,
        mask: torch.Tensor | None,
        beta: float,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Reconstruction MSE and KL (both per-entry means) for one batch.

        ``ima = I − A`` (G, G); ``inv_ima`` its inverse when A is fixed (else a solve is used so
        gradients reach A); ``noise`` (B, G) standard normal draws.
        """
        mean = mu_hat @ ima  # (B, G)
        logvar = logvar_hat @ ima
        var = torch.exp(logvar)
        z = mean + noise * torch.sqrt(var + 1e-10)
        zhat = z @ inv_ima if inv_ima is not None else torch.linalg.solve(ima, z, left=False)
        xrec = self.decode(zhat)
        if mask is None:
            rec = torch.mean((x - xrec) ** 2)
        else:
            rec = torch.sum((x - xrec) ** 2 * mask) / mask.sum().clamp_min(1.0)
        p_mean = self.prior_mu @ ima  # (G,)
        p_logvar = self.prior_logvar @ ima
        kl = 0.5 * (p_logvar - logvar + (var + (mean - p_mean) ** 2) / torch.exp(p_logvar) - 1.0)
        return rec, beta * kl.mean(), xrec


def logit(p: float) -> float:
    return math.log(p / (1.0 - p))
