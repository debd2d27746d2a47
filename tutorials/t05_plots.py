# %% [markdown]
# # Tutorial 5 — looking at a predicted network: `scugrn.pl`
#
# After `tl.predict_grn`, three figures answer the first questions: which edges are on top
# (`pl.network`, TFs highlighted), how the weights are spread (`pl.weights`), and how the ranking
# compares with a known network (`pl.pr_curve`). Runs offline on the demo backbone (a small model,
# not a foundation model: the figures illustrate the API, not biology). With the BEELINE data
# (`SCUGRN_DATA_DIR` pointing at a folder in the project's `shared/data` layout) it uses 100 genes of
# mDC with the STRING network as the truth — a cell type the demo translator was not trained on
# (it was trained on hESC); without it, a toy network. Executed in CI by `tests/test_tutorials.py`.

# %%
import os

import matplotlib

matplotlib.use("Agg")
import pandas as pd

import scugrn

scugrn.settings.verbose = False

# %%
data_dir = os.environ.get("SCUGRN_DATA_DIR")
if data_dir and os.path.isdir(os.path.join(data_dir, "beeline")):
    full = scugrn.datasets.beeline("mDC", network="STRING", size=500, path=data_dir)
    truth = full.uns["ground_truth"]
    tfs = truth["source"].value_counts().index[:15]  # the 15 TFs with the most known edges
    targets = truth[truth["source"].isin(tfs)]["target"].value_counts().index
    genes = list(dict.fromkeys([*tfs, *targets]))[:100]
    adata = full[:, genes].copy()
    adata.uns["ground_truth"] = truth[truth["source"].isin(genes) & truth["target"].isin(genes)]
    where = "BEELINE mDC / STRING (100 genes)"
else:
    genes = ["GATA1", "SPI1", "TAL1", "KLF1", "CEBPA", "RUNX1", "GFI1", "MYB", "HBB", "EPOR", "MPO", "ELANE",
             "CSF1R", "ITGA2B", "CD34", "KIT", "LYZ", "CD14"]
    adata = scugrn.datasets.toy(n_tfs=8, n_targets=10, genes=genes, seed=0)
    where = "toy network (18 genes)"
print(where, adata.shape)

# %% [markdown]
# Features from the demo backbone, then the shipped VVP translator scores every TF → gene pair.

# %%
scugrn.tl.vvp(adata, model="demo", on_missing="drop", data_dir=data_dir)
scugrn.tl.predict_grn(adata, translator=scugrn.translator.pretrained("vvp"))
edges = adata.uns["grn"]
print(edges.head(8).to_string(index=False))

# %% [markdown]
# The top of the network: TFs in orange, edge width by weight.

# %%
ax = scugrn.pl.network(adata, top=25, save="t05_network.png")

# %% [markdown]
# The weight distribution, with the cut of the 25 best edges:

# %%
ax = scugrn.pl.weights(adata, top=25, save="t05_weights.png")

# %% [markdown]
# Precision and recall against the known edges (the legend gives the average precision and the
# chance level, the density of true edges among the scored pairs):

# %%
ax = scugrn.pl.pr_curve(adata, save="t05_pr_curve.png")
print(pd.Series({"edges": len(edges), "true edges scored": int(edges.merge(adata.uns["ground_truth"]).shape[0])}))
