"""Splits of the gene universe: which pairs a benchmark may train on and which it may test on.

A translator (or one-hot LR, or a TF's degree) can score well on a test set that shares genes
with its training set without knowing anything about pairs: hub TFs recur across BEELINE
datasets. The splits here take that shortcut away step by step:

``dataset``
    Leave one dataset out (the UGRN paper's protocol): every pair of the training configurations
    trains, every pair of the test configurations tests; genes are shared freely.
``tf-disjoint``
    The TFs of the training configurations are split (seeded) into training TFs and held-out
    TFs. Training uses only pairs whose source is a training TF; testing only pairs whose source
    is not one: no test TF appears as a source in training (it may appear as a target).
``gene-disjoint``
    The genes of the training configurations are split (seeded; TFs and other genes separately,
    so both sides keep TFs) into training genes and held-out genes. Training uses pairs whose
    source and target are both training genes; testing pairs whose source and target are both
    not: no test gene of either role appears in training.

Genes are matched across configurations and species by their *identity key*
(:func:`gene_keys`): the human symbol, through the Ensembl ortholog table for mouse genes, in
upper case — so a mouse ``Car2`` in a test set and a human ``CA2`` in training count as the same
gene. The seeded cut (:func:`cut`) is the one InfoSEM's seen/unseen split uses too.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._keys import Key

logger = logging.getLogger("scugrn")

SPLITS = ("dataset", "tf-disjoint", "gene-disjoint")
_WARNED: set[str] = set()


def check_split(kind: str) -> str:
    if kind not in SPLITS:
        msg = f"Unknown split {kind!r}; expected one of {list(SPLITS)}."
        raise ValueError(msg)
    return kind


def cut(items, frac: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Shuffle ``items`` with ``rng`` and hold out ``round(len × frac)`` of them.

    Returns ``(kept, held_out)``, each sorted. InfoSEM's seen/unseen split and the UGRN splits
    both cut with this function.
    """
    if not 0 <= frac <= 1:
        msg = f"Expected a held-out fraction in [0, 1]; found {frac!r}."
        raise ValueError(msg)
    a = rng.permutation(np.asarray(items))
    k = round(len(a) * frac)
    return np.sort(a[k:]), np.sort(a[:k])


def gene_keys(names: Sequence[str], *, species: str = "human", data_dir=None) -> np.ndarray:
    """Identity keys of genes across datasets and species: the upper-case human symbol.

    Mouse symbols go through the Ensembl ortholog table (case-insensitively: BEELINE writes
    ``GATA1`` where the table has ``Gata1``); a mouse gene without an ortholog keeps its own
    upper-case symbol. Without the ortholog table every key is the upper-case symbol (logged).
    """
    from .._species import _ortholog_tables, check_species

    species = check_species(species)
    names = [str(g) for g in names]
    if species == "mouse":
        try:
            exact, folded = _ortholog_tables(data_dir)
        except FileNotFoundError as e:
            if str(e) not in _WARNED:
                _WARNED.add(str(e))
                logger.warning("gene_keys: no mouse→human ortholog table (%s); matching mouse genes by upper case.", e)
        else:
            return np.array([(exact.get(g) or folded.get(g.upper()) or g).upper() for g in names], dtype=object)
    return np.array([g.upper() for g in names], dtype=object)


def adata_keys(adata, *, data_dir=None) -> np.ndarray:
    """:func:`gene_keys` of ``adata.var_names`` with the species in ``uns['scugrn_species']``."""
    return gene_keys(adata.var_names, species=adata.uns.get(Key.SPECIES, "human"), data_dir=data_dir)


@dataclass(frozen=True)
class GeneSplit:
    """A seeded split of the gene universe (identity keys, :func:`gene_keys`).

    Attributes
    ----------
    kind
        ``"tf-disjoint"`` or ``"gene-disjoint"``.
    seed
        Seed of the cut.
    train
        Keys training may use: training TFs (as sources; ``tf-disjoint``) or training genes
        (``gene-disjoint``). Everything else is held out for testing.
    sizes
        ``n_universe`` (keys over every configuration); ``n_train_tfs`` and ``n_test_tfs`` (TFs of
        the universe outside ``train``); ``n_train_genes`` and ``n_test_genes``: the genes each
        side may use in either role (``tf-disjoint`` does not constrain targets, so there they
        are every gene of the training configurations and every gene of the universe).
    """

    kind: str
    seed: int
    train: frozenset
    sizes: dict

    def _in_train(self, keys: np.ndarray) -> np.ndarray:
        return np.fromiter((k in self.train for k in keys), dtype=bool, count=len(keys))

    def train_mask(self, keys: np.ndarray, S: np.ndarray, T: np.ndarray) -> np.ndarray:
        """Which pairs (var indices ``S → T`` of a dataset with gene keys ``keys``) may train."""
        inside = self._in_train(keys)
        if self.kind == "tf-disjoint":
            return inside[S]
        return inside[S] & inside[T]

    def test_mask(self, keys: np.ndarray, S: np.ndarray, T: np.ndarray) -> np.ndarray:
        """Which pairs may be tested: no test gene (of the split's roles) is used in training."""
        inside = self._in_train(keys)
        if self.kind == "tf-disjoint":
            return ~inside[S]
        return ~inside[S] & ~inside[T]


def make_split(kind: str, train_ads, test_ads=(), *, seed: int = 0, test_frac: float = 0.5,
               data_dir=None) -> GeneSplit | None:
    """The split ``kind`` of the genes of ``train_ads`` (AnnData with ``var['is_tf']``).

    ``"dataset"`` returns ``None`` (no gene constraint). For the disjoint splits, ``test_frac`` of
    the training configurations' TFs (``tf-disjoint``) or of their TFs and of their other genes
    (``gene-disjoint``) are held out, seeded by ``seed``; genes only the test configurations have
    are held out by construction. The sizes are logged and stored in :attr:`GeneSplit.sizes`.
    """
    check_split(kind)
    if kind == "dataset":
        return None
    rng = np.random.default_rng(int(seed))
    tr_keys, tr_tfs, uni, uni_tfs = set(), set(), set(), set()
    for i, ad in enumerate([*train_ads, *test_ads]):
        keys = adata_keys(ad, data_dir=data_dir)
        is_tf = ad.var[Key.IS_TF].to_numpy(bool)
        uni |= set(keys)
        uni_tfs |= set(keys[is_tf])
        if i < len(train_ads):
            tr_keys |= set(keys)
            tr_tfs |= set(keys[is_tf])
    tfs_kept, _ = cut(sorted(tr_tfs), test_frac, rng)
    if kind == "tf-disjoint":
        train = frozenset(tfs_kept)
        sizes = {"n_universe": len(uni), "n_train_tfs": len(train), "n_test_tfs": len(uni_tfs - train),
                 "n_train_genes": len(tr_keys), "n_test_genes": len(uni)}
    else:
        others_kept, _ = cut(sorted(tr_keys - tr_tfs), test_frac, rng)
        train = frozenset(tfs_kept) | frozenset(others_kept)
        sizes = {"n_universe": len(uni), "n_train_tfs": len(tfs_kept), "n_test_tfs": len(uni_tfs - train),
                 "n_train_genes": len(train), "n_test_genes": len(uni - train)}
    if not train:
        msg = (f"The {kind} split (seed {seed}, test_frac {test_frac}) left no training gene; expected "
               "test_frac < 1 and training configurations with TFs.")
        raise ValueError(msg)
    logger.info("%s split, seed %d: %s", kind, seed, sizes)
    return GeneSplit(kind, int(seed), train, sizes)
