"""Plots after ``tl.predict_grn`` (scanpy style: ``ax=``, ``show=``, ``save=``; each returns the Axes).

- :func:`network` — the top of the network as a graph, TFs highlighted;
- :func:`weights` — the distribution of the edge weights;
- :func:`pr_curve` — precision-recall against a truth network;
- :func:`trajectory` — the VVP / GDT feature curves behind one pair;
- :func:`pr_curves`, :func:`transfer_heatmap` — benchmark figures.
"""

from ._benchmark import pr_curves, transfer_heatmap
from ._network import network
from ._pr import pr_curve
from ._trajectory import trajectory
from ._weights import weights

__all__ = ["network", "pr_curve", "pr_curves", "trajectory", "transfer_heatmap", "weights"]
