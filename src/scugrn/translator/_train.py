"""Fitting a translator: Adam lr 1e-3, batch 128, 50 epochs, BCE, seeded (docs/methods.md §4)."""

from __future__ import annotations

import numpy as np

from .._settings import settings
from ._mlp import _mlp


def fit_mlp(X: np.ndarray, y: np.ndarray, *, seed: int = 0, epochs: int = 50, lr: float = 1e-3,
            batch_size: int = 128, standardize: bool = True, verbose: bool | None = None):
    """Train the in→128→64→1 MLP on ``X`` (n, d) and 0/1 labels ``y``.

    Returns ``(net, mean, std)``; ``mean``/``std`` are ``None`` without standardisation.
    Deterministic given ``seed`` (no global RNG is touched).
    """
    import torch
    from tqdm.auto import trange

    X = np.asarray(X, dtype=np.float32)
    y = np.asarray(y, dtype=np.float32).ravel()
    if X.ndim != 2 or len(X) != len(y) or len(X) == 0:
        msg = f"Expected features (n, d) and n labels with n > 0; found X {X.shape}, y {y.shape}."
        raise ValueError(msg)
    if not np.all(np.isfinite(X)):
        msg = "Training features contain NaN/inf (genes dropped from the vocabulary?); drop those pairs."
        raise ValueError(msg)
    if set(np.unique(y)) - {0.0, 1.0} or len(np.unique(y)) < 2:
        msg = f"Labels must be 0/1 with both classes present; found values {np.unique(y)[:5]}."
        raise ValueError(msg)
    mean = std = None
    if standardize:
        mean = X.mean(0)
        std = X.std(0) + 1e-8
        X = (X - mean) / std
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = _mlp(X.shape[1])
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    verbose = settings.verbose if verbose is None else verbose
    net.train()
    for _ in trange(epochs, desc="translator", disable=not verbose, unit="epoch"):
        perm = torch.randperm(len(Xt), generator=g)
        for s in range(0, len(Xt), batch_size):
            b = perm[s : s + batch_size]
            opt.zero_grad()
            loss_fn(net(Xt[b]).squeeze(-1), yt[b]).backward()
            opt.step()
    return net.eval(), mean, std
