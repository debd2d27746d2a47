"""Writes tests/data/beeline_small: one human configuration (hESC, Specific, TFs+500 layout) of 30
genes, 6 TFs and 40 cells, from a seeded linear SEM, for the equivalence test."""
import gzip
from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(2026)
G, nT, C = 30, 6, 40
genes = [f"TF{i+1}" for i in range(nT)] + [f"G{i+1}" for i in range(G - nT)]
A = np.zeros((G, G))
for t in range(nT):
    tg = rng.choice(np.setdiff1d(np.arange(G), [t]), size=rng.integers(3, 8), replace=False)
    A[t, tg] = rng.normal(0, 1, len(tg))
Z = rng.normal(size=(C, G))
X = Z @ np.linalg.inv(np.eye(G) - A)
X = np.round(np.exp(0.3 * X) * 10, 2)
root = Path(__file__).parent / "beeline"
cdir = root / "Benchmark Dataset" / "Specific Dataset" / "hESC" / "TFs+500"
cdir.mkdir(parents=True, exist_ok=True)
pd.DataFrame({"Gene": genes, "index": range(G)}).to_csv(cdir / "Target.csv")
pd.DataFrame({"TF": genes[:nT], "index": range(nT)}).to_csv(cdir / "TF.csv")
s, t = np.nonzero(A)
pd.DataFrame({"Gene1": [genes[i] for i in s], "Gene2": [genes[j] for j in t]}).to_csv(cdir / "BL--network.csv", index=False)
edir = root / "expression" / "hESC" / "TFs+500"
edir.mkdir(parents=True, exist_ok=True)
with gzip.GzipFile(edir / "BL--ExpressionData.csv.gz", "wb", mtime=0) as f:
    f.write(pd.DataFrame(X.T, index=genes, columns=[f"cell{i}" for i in range(C)]).to_csv().encode())
print(len(s), "edges")
