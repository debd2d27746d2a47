"""Score predicted edges against any truth network a user brings (a ChIP or perturbation screen):
the metrics of the UGRN harness, with the same handling of pairs a method did not score.

The evaluated pairs are every candidate TF → gene pair (self pairs excluded): TFs ``tfs``
(default: the sources of the predictions) × genes ``genes`` (default: every gene of the
predictions). Truth edges outside those pairs cannot be scored and are counted, not used. A
candidate pair without a prediction (e.g. a gene outside the backbone's vocabulary) gets a score
drawn at random from the method's other scores — it guesses, as in the harness (ranking such
pairs last would reward methods whose missing genes are rare among true edges).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

logger = logging.getLogger("scugrn")


def _read(obj, cols, what) -> pd.DataFrame:
    if isinstance(obj, (str, Path)):
        p = Path(obj)
        if not p.exists():
            msg = f"{what}: no file {str(p)!r}; expected a table with columns {list(cols)} (TSV or CSV)."
            raise FileNotFoundError(msg)
        obj = pd.read_csv(p, sep=None, engine="python")
    if not isinstance(obj, pd.DataFrame) or not set(cols) <= set(obj.columns):
        found = list(obj.columns) if isinstance(obj, pd.DataFrame) else type(obj).__name__
        msg = f"{what} must be a DataFrame (or file) with columns {list(cols)}; found {found}."
        raise ValueError(msg)
    df = obj.copy()
    for c in ("source", "target"):
        df[c] = df[c].astype(str)
    return df


def evaluate_network(edges, truth, *, tfs=None, genes=None, neg_ratio: float = 1, seed: int = 0,
                     min_pos: int = 5) -> dict:
    """Metrics of predicted ``edges`` against a ``truth`` network.

    Parameters
    ----------
    edges
        Predictions: DataFrame (or TSV/CSV file) ``source, target, weight``.
    truth
        Known edges: DataFrame (or file) ``source, target``; every other candidate pair is a negative.
    tfs, genes
        The candidate regulators and genes (default: the predictions' sources and all their genes).
    neg_ratio, seed
        N/P of the evaluation sample (AUROC, AUPRC, balanced AUPRC) and its seed.
    min_pos
        TFs need this many true targets to enter the per-TF AUPRC.

    Returns
    -------
    ``{metric: value}`` (``auroc``, ``auprc``, ``balanced_auprc``, ``auprc_ratio``, ``epr``,
    ``hit_at_1pct``, ``per_tf_auprc``, ``per_tf_auprc_ratio``, ``n_tfs_scored``) and counts:
    ``n_pairs``, ``n_pos``, ``n_missing_pairs`` (guessed), ``n_truth_outside`` (truth edges not
    among the candidate pairs).
    """
    from .ugrn import _impute_missing, _masked_sample, _metrics

    edges = _read(edges, ("source", "target", "weight"), "edges")
    truth = _read(truth, ("source", "target"), "truth")
    if edges.duplicated(["source", "target"]).any():
        msg = "edges has duplicated (source, target) rows; expected one weight per pair (e.g. edges.drop_duplicates)."
        raise ValueError(msg)
    w = pd.to_numeric(edges["weight"], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(w).all():
        msg = f"edges has {int((~np.isfinite(w)).sum())} weights that are not finite numbers; expected numbers."
        raise ValueError(msg)
    tfs = pd.unique(edges["source"]) if tfs is None else pd.unique(pd.Series(list(tfs), dtype=str))
    genes = pd.unique(pd.concat([edges["source"], edges["target"]])) if genes is None \
        else pd.unique(pd.Series(list(genes), dtype=str))
    tfs, genes = np.sort(tfs.astype(str)), pd.Index(np.sort(genes.astype(str)))  # the sample: independent of row order
    tf_idx = genes.get_indexer(tfs)
    if (tf_idx < 0).any():
        genes = genes.append(pd.Index([t for t, i in zip(tfs, tf_idx) if i < 0]))
        tf_idx = genes.get_indexer(tfs)
    n = len(genes)
    S = np.repeat(tf_idx, n)
    T = np.tile(np.arange(n), len(tf_idx))
    keep = S != T
    S, T = S[keep], T[keep]
    codes = S.astype(np.int64) * n + T
    ts, tt = genes.get_indexer(truth["source"]), genes.get_indexer(truth["target"])
    tcode = np.unique(ts.astype(np.int64) * n + tt)
    inside = np.isin(codes, tcode)
    y = inside.astype(np.int8)
    tpairs = pd.unique(pd.Series(list(zip(truth["source"], truth["target"]))))
    n_out = len(tpairs) - int(y.sum())
    if n_out:
        logger.info("evaluate_network: %d of %d truth edges are not candidate pairs (TF × gene); not scored.",
                    n_out, len(tpairs))
    if not y.any() or y.all():
        msg = (f"Expected true edges and non-edges among the {len(y)} candidate pairs; found {int(y.sum())} true "
               "edges. Check that truth and predictions name genes the same way (and pass tfs=/genes=).")
        raise ValueError(msg)
    es, et = genes.get_indexer(edges["source"]), genes.get_indexer(edges["target"])
    lut = pd.Series(w, index=es.astype(np.int64) * n + et)
    s = lut.reindex(codes).to_numpy(dtype=float)
    missing = ~np.isfinite(s)
    s = _impute_missing(s, missing, seed=seed)
    out = _metrics(y, s, _masked_sample(y, neg_ratio, seed), seed, sources=S)
    if min_pos != 5:
        from .metrics import per_tf

        out.update(per_tf(y, s, S, min_pos=min_pos))
    out.update({"n_pairs": len(y), "n_pos": int(y.sum()), "n_missing_pairs": int(missing.sum()),
                "n_truth_outside": int(n_out)})
    return out


def main(argv=None) -> int:
    """``scugrn bench eval --pred edges.tsv --truth truth.tsv``: the metrics as JSON."""
    import argparse
    import json

    p = argparse.ArgumentParser(prog="scugrn bench eval",
                                description="Score predicted edges (source, target, weight) against a truth "
                                            "network (source, target) with the UGRN harness's metrics.")
    p.add_argument("--pred", required=True, type=Path, help="predicted edges: TSV/CSV with source, target, weight")
    p.add_argument("--truth", required=True, type=Path, help="known edges: TSV/CSV with source, target")
    p.add_argument("--tfs", type=Path, default=None, help="candidate regulators, one per line (default: the "
                                                          "predictions' sources)")
    p.add_argument("--neg-ratio", type=float, default=1)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    tfs = None
    if a.tfs is not None:
        tfs = [ln.strip() for ln in a.tfs.read_text().splitlines() if ln.strip()]
    out = evaluate_network(a.pred, a.truth, tfs=tfs, neg_ratio=a.neg_ratio, seed=a.seed)
    print(json.dumps(out, indent=2))
    return 0
