# %% [markdown]
# # Tutorial 2 — zero-expression prediction from a gene list
#
# VVP and GDT query the backbone with virtual cells, so a list of genes is enough.

# %%
import networkx as nx

import scugrn

scugrn.settings.verbose = False
genes = ["GATA1", "SPI1", "TAL1", "KLF1", "CEBPA", "RUNX1", "GFI1", "MYB", "HBB", "EPOR", "MPO", "ELANE", "CSF1R",
         "ITGA2B", "CD34", "KIT", "LYZ", "CD14"]
tfs = ["GATA1", "SPI1", "TAL1", "KLF1", "CEBPA", "RUNX1", "GFI1", "MYB"]
adata = scugrn.from_genes(genes, tfs=tfs)
scugrn.tl.vvp(adata, model="demo")
scugrn.tl.gdt(adata, model="demo")
scugrn.tl.predict_grn(adata, translator=scugrn.translator.pretrained("vvp"))
edges = adata.uns["grn"]
print(edges.head(10))

# %% [markdown]
# networkx takes the table as is; here the 15 best edges and each TF's out-degree among them.

# %%
G = nx.from_pandas_edgelist(edges.head(15), "source", "target", edge_attr="weight", create_using=nx.DiGraph)
print(sorted(G.out_degree, key=lambda x: -x[1])[:5])

# %% [markdown]
# Mouse symbols map through orthologs (`species="mouse"`); unknown genes are named in the error:

# %%
try:
    scugrn.tl.vvp(scugrn.from_genes(["GATA1", "NOT_A_GENE"]), model="demo")
except ValueError as e:
    print("ValueError:", str(e)[:120], "...")
