"""The one training loop shared by DeepSEM, InfoSEM-B and InfoSEM-BC (torch; loaded on use).

DeepSEM's schedule: epochs alternate between ``k1`` epochs that train the networks (A fixed) and
``k2`` epochs that train A (networks fixed); RMSprop with lr for the networks (decayed by ``gamma``
every epoch) and ``lr * lr_adj_factor`` for A (not decayed). Two exact shortcuts of ours: while A is
fixed, (I − A)⁻¹ is computed once per epoch; while the networks are fixed, the encoder's outputs are
computed once per phase and no network gradients are formed (DeepSEM computes and discards them).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from tqdm.auto import tqdm

from .._settings import settings
from ._config import SEMConfig
from ._vae import SEMVAE

logger = logging.getLogger("scugrn")


def resolve_device(device: str | None = None) -> torch.device:
    """``device`` or ``scugrn.settings.device``; ``"auto"`` means CUDA when available, else CPU."""
    name = device if device is not None else settings.device
    if name in (None, "auto"):
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if str(name).startswith("cuda") and not torch.cuda.is_available():
        msg = f"Expected a CUDA device for device={name!r}, found none. Use device='cpu' or 'auto'."
        raise ValueError(msg)
    return torch.device(name)


@dataclass
class RunResult:
    adjacency: np.ndarray  # (G, G) signed A, source rows
    history: list[dict] = field(default_factory=list)
    seconds: float = 0.0


def train_sem(
    Xn: np.ndarray,
    mask: np.ndarray,
    make_prior: Callable[[torch.Generator], torch.nn.Module],
    cfg: SEMConfig,
    *,
    seed: int,
    device: str | None = None,
    desc: str = "DeepSEM",
) -> RunResult:
    """Fit one model on normalised expression ``Xn`` (cells x genes, float32)."""
    dev = resolve_device(device)
    t0 = time.perf_counter()
    gen = torch.Generator().manual_seed(int(seed))  # init and batch order (CPU)
    ngen = torch.Generator(device=dev).manual_seed(int(seed) + 7919)  # reparametrisation noise
    n_cells, n_genes = Xn.shape
    X = torch.from_numpy(np.ascontiguousarray(Xn, dtype=np.float32)).to(dev)
    M = torch.from_numpy(np.ascontiguousarray(mask, dtype=np.float32)).to(dev) if cfg.dropout_mask else None

    vae = SEMVAE(n_genes, cfg.n_hidden, generator=gen).to(dev)
    prior = make_prior(gen).to(dev)
    opt_nn = torch.optim.RMSprop(vae.parameters(), lr=cfg.lr)
    opt_adj = torch.optim.RMSprop(prior.adj_parameters(), lr=cfg.lr * cfg.lr_adj_factor)
    lab_params = prior.label_parameters()
    opt_lab = torch.optim.Adam(lab_params, lr=cfg.lr_label) if lab_params else None
    sched = torch.optim.lr_scheduler.StepLR(opt_nn, step_size=1, gamma=cfg.gamma)
    eye = torch.eye(n_genes, device=dev)
    n_entries = n_cells * n_genes
    history: list[dict] = []
    enc_cache: tuple[torch.Tensor, torch.Tensor] | None = None

    bar = tqdm(range(cfg.n_epochs), desc=desc, disable=not settings.verbose, leave=False)
    for epoch in bar:
        adj_phase = epoch % (cfg.k1 + cfg.k2) >= cfg.k1
        perm = torch.randperm(n_cells, generator=gen).to(dev)
        sums = {"rec": 0.0, "kl": 0.0, "prior": 0.0}
        n_batches = 0
        if adj_phase:
            vae.requires_grad_(False)
            if enc_cache is None:
                with torch.no_grad():
                    parts = [vae.encode(X[i : i + 256]) for i in range(0, n_cells, 256)]
                    enc_cache = (torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts]))
        else:
            vae.requires_grad_(True)
            enc_cache = None
            with torch.no_grad():
                ima_fixed = eye - prior.adjacency()
                inv_fixed = torch.linalg.inv(ima_fixed)
        for b in range(0, n_cells, cfg.batch_size):
            idx = perm[b : b + cfg.batch_size]
            x = X[idx]
            m = M[idx] if M is not None else None
            noise = torch.randn(x.shape, generator=ngen, device=dev)
            if adj_phase:
                ima = eye - prior.adjacency()
                rec, kl, _ = vae.loss(
                    x, enc_cache[0][idx], enc_cache[1][idx], ima,
                    inv_ima=None, noise=noise, mask=m, beta=cfg.beta,
                )
                pen = prior.penalty(cfg.alpha, n_entries)
                loss = rec + kl + pen
                opt_adj.zero_grad(set_to_none=True)
                if opt_lab is not None:
                    opt_lab.zero_grad(set_to_none=True)
                loss.backward()
                opt_adj.step()
                if opt_lab is not None:
                    opt_lab.step()
                sums["prior"] += float(pen.detach())
            else:
                mu_hat, logvar_hat = vae.encode(x)
                rec, kl, _ = vae.loss(
                    x, mu_hat, logvar_hat, ima_fixed,
                    inv_ima=inv_fixed, noise=noise, mask=m, beta=cfg.beta,
                )
                loss = rec + kl
                opt_nn.zero_grad(set_to_none=True)
                loss.backward()
                opt_nn.step()
            sums["rec"] += float(rec.detach())
            sums["kl"] += float(kl.detach())
            n_batches += 1
        sched.step()
        rec_mean = sums["rec"] / n_batches
        if not np.isfinite(rec_mean):
            msg = (
                f"{desc} diverged at epoch {epoch} (reconstruction loss {rec_mean}). Expected finite "
                "losses; lower lr / lr_label or check the input for extreme values."
            )
            raise FloatingPointError(msg)
        history.append(
            {"epoch": epoch, "phase": "A" if adj_phase else "nn", "rec": rec_mean,
             "kl": sums["kl"] / n_batches, "prior": sums["prior"] / n_batches}
        )
        bar.set_postfix(rec=f"{rec_mean:.4f}")
    vae.requires_grad_(True)
    with torch.no_grad():
        A = prior.adjacency().detach().cpu().numpy().astype(np.float32)
    secs = time.perf_counter() - t0
    logger.info("%s: %d epochs on %d cells x %d genes took %.1f s", desc, cfg.n_epochs, n_cells, n_genes, secs)
    return RunResult(adjacency=A, history=history, seconds=secs)
