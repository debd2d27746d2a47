"""Benchmark figures: precision-recall curves of several scorers, a train → test heatmap."""

from __future__ import annotations

import numpy as np

from ._figure import finish, new_ax


def pr_curves(curves: dict, *, ax=None, baseline: float | None = None, show: bool | None = None, save=None):
    """Precision-recall curves. ``curves``: name → (y_true, y_score)."""
    from sklearn.metrics import average_precision_score, precision_recall_curve

    ax = new_ax(ax)
    for name, (y, s) in curves.items():
        prec, rec, _ = precision_recall_curve(y, s)
        ax.plot(rec, prec, label=f"{name} (AP {average_precision_score(y, s):.3f})")
    if baseline is not None:
        ax.axhline(baseline, color="0.6", ls=":", label=f"chance {baseline:.2f}")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.legend(fontsize=7, frameon=False)
    return finish(ax, show=show, save=save)


def transfer_heatmap(table, *, value: str = "balanced_auprc", ax=None, cmap: str = "viridis",
                     show: bool | None = None, save=None):
    """Train → test heatmap from a tidy results table with columns ``train``, ``test``, ``value``."""
    ax = new_ax(ax, figsize=(6, 4.5))
    piv = table.pivot_table(index="train", columns="test", values=value, aggfunc="mean")
    im = ax.imshow(piv.to_numpy(), cmap=cmap, aspect="auto")
    ax.set_xticks(range(piv.shape[1]), piv.columns, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(piv.shape[0]), piv.index, fontsize=7)
    for (r, c), v in np.ndenumerate(piv.to_numpy()):
        if np.isfinite(v):
            ax.text(c, r, f"{v:.2f}", ha="center", va="center", fontsize=6, color="w")
    ax.figure.colorbar(im, ax=ax, label=value)
    ax.set_xlabel("test")
    ax.set_ylabel("train")
    return finish(ax, show=show, save=save)
