"""Plots: where looking beats reading (matplotlib; each returns the Axes)."""

from __future__ import annotations

import numpy as np

from .._keys import Key


def _ax(ax, figsize=(4, 3.5)):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def trajectory(adata, *, source: str, target: str, keys=(Key.VVP, Key.GDT), both_directions: bool = True, ax=None):
    """Feature trajectory of one pair: e.g. GDT's ∂M_target/∂v_source at each base value.

    Parameters
    ----------
    adata
        AnnData with pair features in ``varp`` (``tl.vvp`` / ``tl.gdt``).
    source, target
        Gene names.
    keys
        Feature keys to draw; the x axis is the probe's values read from ``uns[f"{key}_params"]``.
    both_directions
        Also draw target → source, dashed.
    """
    ax = _ax(ax)
    names = list(adata.var_names)
    for g in (source, target):
        if g not in names:
            msg = f"{g!r} is not in adata.var_names."
            raise ValueError(msg)
    i, j = names.index(source), names.index(target)
    for key in [keys] if isinstance(keys, str) else keys:
        if key not in adata.varp:
            continue
        p = adata.uns.get(Key.params(key), {})
        x = np.asarray(p.get("base_values", p.get("target_values", np.arange(adata.varp[key].shape[2]))))
        (line,) = ax.plot(x, adata.varp[key][i, j], marker="o", label=f"{key}: {source}→{target}")
        if both_directions:
            ax.plot(x, adata.varp[key][j, i], ls="--", color=line.get_color(), label=f"{key}: {target}→{source}")
    ax.axhline(0, color="0.7", lw=0.8)
    ax.set_xlabel("input value (backbone scale)")
    ax.set_ylabel("feature")
    ax.legend(fontsize=7, frameon=False)
    return ax


def pr_curves(curves: dict, *, ax=None, baseline: float | None = None):
    """Precision-recall curves. ``curves``: name → (y_true, y_score)."""
    from sklearn.metrics import average_precision_score, precision_recall_curve

    ax = _ax(ax)
    for name, (y, s) in curves.items():
        prec, rec, _ = precision_recall_curve(y, s)
        ax.plot(rec, prec, label=f"{name} (AP {average_precision_score(y, s):.3f})")
    if baseline is not None:
        ax.axhline(baseline, color="0.6", ls=":", label=f"chance {baseline:.2f}")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.legend(fontsize=7, frameon=False)
    return ax


def transfer_heatmap(table, *, value: str = "balanced_auprc", ax=None, cmap: str = "viridis"):
    """Train → test heatmap from a tidy results table with columns ``train``, ``test``, ``value``."""
    ax = _ax(ax, figsize=(6, 4.5))
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
    return ax


def network(adata, *, key: str = Key.GRN, top: int = 30, ax=None):
    """Draw the ``top`` best edges of ``adata.uns[key]`` with networkx."""
    import networkx as nx

    ax = _ax(ax, figsize=(5, 5))
    df = adata.uns[key].head(top)
    G = nx.from_pandas_edgelist(df, "source", "target", edge_attr="weight", create_using=nx.DiGraph)
    pos = nx.spring_layout(G, seed=0)
    w = np.array([G[u][v]["weight"] for u, v in G.edges])
    nx.draw_networkx(G, pos, ax=ax, node_size=300, font_size=7, width=1 + 3 * (w - w.min()) / (np.ptp(w) + 1e-9),
                     arrowsize=8, node_color="#cde")
    ax.set_axis_off()
    return ax


__all__ = ["network", "pr_curves", "trajectory", "transfer_heatmap"]
