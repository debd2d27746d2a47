"""Configurations and the seen/unseen split of InfoSEM's benchmark (InfoSEM §4.2; the protocol is
in the package docstring, :mod:`scugrn.benchmark.infosem`).

:func:`make_split` is the one place the runner takes a split from; a new split protocol replaces it
here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class BenchConfig:
    """One BEELINE configuration: cell type, ground-truth network, TFs+size."""

    name: str
    network: str
    size: int = 500

    @classmethod
    def parse(cls, spec) -> BenchConfig:
        """From a BenchConfig, a tuple ``(name, network[, size])`` or ``"name/network[/size]"``."""
        if isinstance(spec, BenchConfig):
            return spec
        if isinstance(spec, str):
            spec = tuple(p for p in spec.split("/") if p)
        spec = tuple(spec)
        if len(spec) not in (2, 3):
            msg = (
                f"Expected a configuration as (name, network[, size]) or 'name/network[/size]', found "
                f"{spec!r}; e.g. ('mDC', 'Specific', 500) or 'mDC/Specific/500'."
            )
            raise ValueError(msg)
        return cls(str(spec[0]), str(spec[1]), int(spec[2]) if len(spec) == 3 else 500)

    @property
    def label(self) -> str:
        return f"{self.name}/{self.network}/TFs+{self.size}"


@dataclass
class Split:
    """One seen/unseen split. Pair arrays are ``(source index, target index, label)``."""

    seed: int
    seen_tfs: np.ndarray
    unseen_tfs: np.ndarray
    seen_genes: np.ndarray
    unseen_genes: np.ndarray
    train: tuple[np.ndarray, np.ndarray, np.ndarray]
    test_seen: tuple[np.ndarray, np.ndarray, np.ndarray]
    test_unseen: tuple[np.ndarray, np.ndarray, np.ndarray]

    @property
    def tests(self) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        return {"seen": self.test_seen, "unseen": self.test_unseen}


def truth_matrix(genes: Sequence[str], truth: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``(Y (G, G) bool, tf indices)``: known edges inside the gene set and their sources."""
    index = {g: i for i, g in enumerate(genes)}
    src = truth["source"].astype(str).map(index)
    tgt = truth["target"].astype(str).map(index)
    ok = src.notna() & tgt.notna()
    src, tgt = src[ok].to_numpy(dtype=np.int64), tgt[ok].to_numpy(dtype=np.int64)
    keep = src != tgt
    Y = np.zeros((len(genes), len(genes)), dtype=bool)
    Y[src[keep], tgt[keep]] = True
    return Y, np.flatnonzero(Y.any(1))


def _pairs(Y: np.ndarray, rows: np.ndarray, cols: np.ndarray):
    s = np.repeat(rows, len(cols))
    t = np.tile(cols, len(rows))
    keep = s != t
    s, t = s[keep], t[keep]
    return s, t, Y[s, t].astype(np.int8)


def make_split(Y: np.ndarray, tfs: np.ndarray, seed: int, *, unseen_frac: float = 0.25, test_frac: float = 0.25) -> Split:
    """The seen/unseen split of InfoSEM §4.2 (see :mod:`scugrn.benchmark.infosem`)."""
    rng = np.random.default_rng(int(seed))
    n = Y.shape[0]
    tfs = np.asarray(tfs)
    others = np.setdiff1d(np.arange(n), tfs)

    def cut(a):
        a = rng.permutation(a)
        k = round(len(a) * unseen_frac)
        return np.sort(a[k:]), np.sort(a[:k])

    seen_tfs, unseen_tfs = cut(tfs)
    seen_oth, unseen_oth = cut(others)
    seen_genes = np.union1d(seen_tfs, seen_oth)
    unseen_genes = np.union1d(unseen_tfs, unseen_oth)
    s, t, y = _pairs(Y, seen_tfs, seen_genes)
    is_test = np.zeros(len(s), dtype=bool)
    for tf in seen_tfs:  # stratified per TF and label
        for lab in (0, 1):
            idx = np.flatnonzero((s == tf) & (y == lab))
            if len(idx):
                k = round(len(idx) * test_frac)
                is_test[rng.choice(idx, size=k, replace=False)] = True
    train = (s[~is_test], t[~is_test], y[~is_test])
    test_seen = (s[is_test], t[is_test], y[is_test])
    test_unseen = _pairs(Y, unseen_tfs, unseen_genes)
    return Split(int(seed), seen_tfs, unseen_tfs, seen_genes, unseen_genes, train, test_seen, test_unseen)
