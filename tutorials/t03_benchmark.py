# %% [markdown]
# # Tutorial 3 — the UGRN benchmark and its plots
#
# Train translators on one BEELINE configuration and evaluate them on another, with the random-weight
# and permuted-label controls and the baselines. Here on the tiny BEELINE-layout fixture in `tests/data`
# so it runs anywhere in seconds. Its genes have made-up names (G1, TF1, ...), so this tutorial uses a
# tiny random-weight scGPT over them; with the full data (the project's `shared/data`, or
# `SCUGRN_DATA_DIR`) use `scugrn bench ugrn --backbone demo` for the real tables.

# %%
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import scugrn
from scugrn.benchmark.ugrn import markdown_table, run_transfer

scugrn.settings.verbose = False
DATA = Path(os.environ.get("SCUGRN_TUTORIAL_DATA", Path(scugrn.__file__).parents[2] / "tests" / "data" / "beeline_tiny"))
genes = set()
for cell, net in (("hESC", "Specific"), ("mDC", "STRING")):
    genes |= set(scugrn.datasets.beeline(cell, network=net, size=500, path=DATA).var_names.str.upper())
ck = scugrn.models.random_checkpoint("tiny_ckpt", genes=sorted(genes), d_model=16, nlayers=1, nhead=2, d_hid=16)
res = run_transfer(backbone=ck, train="hESC/Specific/500", test=["mDC/STRING/500"], seeds=range(3), epochs=20,
                   data_dir=DATA, baselines=("random", "pearson"), verbose=False)
print(markdown_table(res))  # 8 genes, a few pairs: these numbers are noise, the layout is the point

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
scugrn.pl.transfer_heatmap(res.assign(train=res["method"]), ax=axes[0])
axes[0].set_ylabel("method")
ad = scugrn.datasets.beeline("mDC", network="STRING", size=500, path=DATA)
scugrn.tl.vvp(ad, model=ck); scugrn.tl.gdt(ad, model=ck)
scugrn.tl.predict_grn(ad, translator=scugrn.tl.train_translator(ad, features="gdt", epochs=20), tf_only=True)
truth = set(zip(ad.uns["ground_truth"]["source"], ad.uns["ground_truth"]["target"]))
e = ad.uns["grn"]
y = [(s, t) in truth for s, t in zip(e.source, e.target)]
scugrn.pl.pr_curves({"GDT translator (in-sample, random weights)": (y, e.weight)}, ax=axes[1], baseline=sum(y) / len(y))
fig.savefig("t03_benchmark.png", dpi=80, bbox_inches="tight")
