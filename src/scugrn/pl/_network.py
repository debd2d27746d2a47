"""``scugrn.pl.network``: the top of the network as a graph, TFs highlighted."""

from __future__ import annotations

import numpy as np

from .._keys import Key
from ._figure import edges_of, finish, new_ax

TF_COLOR, TARGET_COLOR = "#e8833a", "#9ecae1"
LAYOUTS = ("spring", "kamada_kawai", "circular", "shell")


def network(
    adata,
    *,
    key: str = Key.GRN,
    top: int = 30,
    tfs=None,
    column: str = "weight",
    layout: str = "spring",
    seed: int = 0,
    node_size: int = 300,
    font_size: int = 7,
    ax=None,
    show: bool | None = None,
    save=None,
):
    """Draw the ``top`` best edges of ``adata.uns[key]`` as a directed graph (networkx + matplotlib).

    Parameters
    ----------
    adata
        AnnData with an edge table (``tl.predict_grn``).
    key
        Edge table in ``adata.uns``; default ``"grn"``.
    top
        Number of edges to draw (the highest ``column``).
    tfs
        TF names to highlight; default ``adata.var['is_tf']`` when present, else the edges' sources.
    column
        Edge column ranking the edges and setting their width.
    layout
        ``"spring"`` (seeded), ``"kamada_kawai"``, ``"circular"`` or ``"shell"`` (TFs inside).
    seed
        Seed of the spring layout.
    node_size, font_size
        Node marker size and label size.
    ax, show, save
        Axes to draw into; show the figure (default: when matplotlib is interactive); save it to a path.

    Returns
    -------
    The Axes. TF nodes are its collection labelled ``"TF"``, the other nodes ``"target"``.
    """
    import networkx as nx

    if layout not in LAYOUTS:
        msg = f"layout must be one of {LAYOUTS}, got {layout!r}."
        raise ValueError(msg)
    if top < 1:
        msg = f"top must be ≥ 1, got {top}."
        raise ValueError(msg)
    df = edges_of(adata, key, column).nlargest(top, column, keep="first")
    if tfs is not None:
        tf_set = set(tfs)
    elif Key.IS_TF in adata.var:
        tf_set = set(adata.var_names[adata.var[Key.IS_TF].to_numpy(dtype=bool)])
    else:
        tf_set = set(df["source"])
    G = nx.from_pandas_edgelist(df, "source", "target", edge_attr=column, create_using=nx.DiGraph)
    if layout == "spring":
        pos = nx.spring_layout(G, seed=seed)
    elif layout == "shell":
        inner = [n for n in G if n in tf_set]
        pos = nx.shell_layout(G, nlist=[inner, [n for n in G if n not in tf_set]] if inner else None)
    else:
        pos = getattr(nx, f"{layout}_layout")(G)
    ax = new_ax(ax, figsize=(5, 5))
    for label, color, nodes in (("TF", TF_COLOR, [n for n in G if n in tf_set]),
                                ("target", TARGET_COLOR, [n for n in G if n not in tf_set])):
        if nodes:
            pc = nx.draw_networkx_nodes(G, pos, nodelist=nodes, node_color=color, node_size=node_size, ax=ax,
                                        label=label)
            pc.set_gid(label)
    w = np.array([G[u][v][column] for u, v in G.edges], dtype=float)
    width = 0.5 + 3 * (w - w.min()) / (np.ptp(w) + 1e-12) if len(w) else []
    nx.draw_networkx_edges(G, pos, ax=ax, width=width, arrowsize=8, node_size=node_size, edge_color="0.35")
    nx.draw_networkx_labels(G, pos, ax=ax, font_size=font_size)
    ax.set_title(f"top {G.number_of_edges()} edges of uns[{key!r}] ({column} {w.min():.3g}–{w.max():.3g})",
                 fontsize=8)
    ax.legend(loc="lower left", fontsize=7, frameon=False, markerscale=0.5)
    ax.set_axis_off()
    return finish(ax, show=show, save=save)
