"""scugrn.pl: each figure rendered to a PNG (Agg) and checked for what it draws."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from conftest import GENES
from matplotlib.patches import FancyArrowPatch

import scugrn
from scugrn import Key


@pytest.fixture(scope="module")
def grn(tiny_model):
    ad = scugrn.datasets.toy(n_tfs=4, n_targets=12, genes=GENES[:16], seed=1)
    scugrn.tl.vvp(ad, model=tiny_model, n_values=3, verbose=False)
    tr = scugrn.tl.train_translator(ad, features="vvp", epochs=3, neg_ratio=None)
    scugrn.tl.predict_grn(ad, translator=tr)
    return ad


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _png_ok(path):
    img = mpimg.imread(path)
    assert img.ndim == 3 and img.shape[0] > 100 and img.shape[1] > 100
    assert img[..., :3].std() > 0.01  # not a blank canvas


def _nodes(ax, label):
    pcs = [c for c in ax.collections if c.get_gid() == label]
    return sum(len(c.get_offsets()) for c in pcs)


def test_network_draws_the_top_edges_with_tfs_highlighted(grn, tmp_path):
    top = 12
    ax = scugrn.pl.network(grn, top=top, save=tmp_path / "net.png")
    _png_ok(tmp_path / "net.png")
    df = grn.uns[Key.GRN].nlargest(top, "weight")
    genes = set(df["source"]) | set(df["target"])
    tfs = set(grn.var_names[grn.var[Key.IS_TF]])
    assert _nodes(ax, "TF") == len(genes & tfs) > 0
    assert _nodes(ax, "TF") + _nodes(ax, "target") == len(genes)
    assert sum(isinstance(p, FancyArrowPatch) for p in ax.patches) == top
    assert {t.get_text() for t in ax.texts} == genes
    # other TFs highlighted when given; other layouts
    ax = scugrn.pl.network(grn, top=top, tfs=[df["target"].iloc[0]], layout="shell")
    assert _nodes(ax, "TF") == 1
    with pytest.raises(ValueError, match="layout must be one of"):
        scugrn.pl.network(grn, layout="hairball")


def test_weights_histogram_counts_every_edge(grn, tmp_path):
    ax = scugrn.pl.weights(grn, top=10, save=tmp_path / "w")  # no suffix: PNG
    _png_ok(tmp_path / "w.png")
    heights = [p.get_height() for p in ax.patches]
    assert sum(heights) == len(grn.uns[Key.GRN])
    assert ax.get_xlabel() == "edge weight" and ax.get_ylabel() == "edges"
    cut = np.sort(grn.uns[Key.GRN]["weight"].to_numpy())[::-1][9]
    assert ax.lines[0].get_xdata()[0] == pytest.approx(cut)


def test_pr_curve_against_the_truth(grn, tmp_path):
    from sklearn.metrics import average_precision_score

    ax = scugrn.pl.pr_curve(grn, save=tmp_path / "pr.png")
    _png_ok(tmp_path / "pr.png")
    df, truth = grn.uns[Key.GRN], grn.uns[Key.TRUTH]
    true = set(zip(truth["source"], truth["target"]))
    y = [(s, t) in true for s, t in zip(df["source"], df["target"])]
    want = average_precision_score(y, df["weight"])
    assert f"AP {want:.3f}" in ax.get_legend().get_texts()[0].get_text()
    assert ax.get_xlabel() == "recall" and ax.get_ylabel() == "precision"
    # a perfect ranking has AP 1; the chance line sits at the density
    perfect = grn.copy()
    perfect.uns[Key.GRN] = df.assign(weight=np.asarray(y, dtype=float))
    ax = scugrn.pl.pr_curve(perfect)
    assert "AP 1.000" in ax.get_legend().get_texts()[0].get_text()
    assert ax.lines[-1].get_ydata()[0] == pytest.approx(np.mean(y))


def test_pl_errors_are_clear(grn):
    empty = scugrn.from_genes(GENES[:5])
    with pytest.raises(KeyError, match=r"Run scugrn.tl.predict_grn"):
        scugrn.pl.network(empty)
    nope = grn.copy()
    del nope.uns[Key.TRUTH]
    with pytest.raises(KeyError, match="pass truth="):
        scugrn.pl.pr_curve(nope)
    with pytest.raises(ValueError, match="None of the 1 true edges"):
        scugrn.pl.pr_curve(grn, truth=pd.DataFrame({"source": ["X"], "target": ["Y"]}))
    with pytest.raises(ValueError, match="columns source, target"):
        scugrn.pl.pr_curve(grn, truth=pd.DataFrame({"tf": ["X"]}))
