# %% [markdown]
# # Tutorial 1 — a GRN from an AnnData in a scanpy workflow
#
# Runs offline on the demo backbone and its translators (a small model trained on ~15k cells, not a
# foundation model: the edges illustrate the API, not biology). Executed in CI by
# `tests/test_tutorials.py`.

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import scanpy as sc

import scugrn

scugrn.settings.verbose = False

# %% [markdown]
# scanpy ships a small PBMC dataset; its `.raw` holds log-normalised expression of 765 genes.

# %%
adata = sc.datasets.pbmc68k_reduced().raw.to_adata()
candidates = ["SPI1", "CEBPB", "CEBPD", "IRF8", "IRF7", "TCF7", "LEF1", "GATA3", "TBX21", "PAX5", "EBF1", "KLF4",
              "KLF6", "JUN", "JUNB", "FOS", "FOSB", "EGR1", "ATF3", "STAT1", "IRF1", "NFKBIA", "ID2", "MAFB", "POU2AF1"]
tfs = [g for g in candidates if g in adata.var_names]
scugrn.pp.select(adata, n_top_genes=60, tfs=tfs, species="human", tf_pvalue=1.0)
print(adata)

# %% [markdown]
# Probe the demo backbone with virtual cells (VVP and GDT), then score TF → gene pairs with the
# shipped ensemble translator. Parameters are stored beside each result.

# %%
# a few PBMC symbols are outdated (IGJ, HIST1H4C, ...): drop them, they are recorded in the params
scugrn.tl.vvp(adata, model="demo", on_missing="drop")
scugrn.tl.gdt(adata, model="demo", on_missing="drop")
print("dropped:", adata.uns["vvp_params"]["dropped"])
scugrn.tl.predict_grn(adata, translator=scugrn.translator.pretrained("vvp"))
edges = adata.uns["grn"]
print(edges.head(10))
print({k: adata.uns["gdt_params"][k] for k in ("probe", "base_values", "background")})

# %% [markdown]
# The edges are decoupler's network format; plot the best ones and the curves behind the top edge.

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
scugrn.pl.network(adata, top=25, ax=axes[0])
top = edges.iloc[0]
scugrn.pl.trajectory(adata, source=top.source, target=top.target, ax=axes[1])
fig.savefig("t01_network.png", dpi=80, bbox_inches="tight")
