"""Gene symbols → a backbone's vocabulary, across species (docs/methods.md §6).

Human symbols match directly (then upper-case). Mouse symbols map through the Ensembl ortholog
table (one-to-one orthologs first), looked up as written and then case-insensitively (BEELINE writes
mouse genes upper case, ``GATA1``, while the table is keyed ``Gata1``), with the upper-case symbol as
the last fallback (:func:`in_vocab`, the one place that fallback lives). Genes that cannot be placed
are reported by name, and how many genes each step placed is counted (:func:`mapping_counts`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

logger = logging.getLogger("scugrn")

SPECIES = ("human", "mouse")
_WARNED: set[str] = set()
_MOUSE_LIKE = re.compile(r"^[A-Z][a-z0-9][a-z0-9\-\.]*$")  # Gata1, Klf4, Hist1h1c


def guess_species(symbols: Sequence[str]) -> str:
    """``"mouse"`` when most symbols look like ``Gata1`` (capitalised), else ``"human"``."""
    syms = [s for s in symbols if any(c.isalpha() for c in s)]
    if not syms:
        return "human"
    frac = sum(bool(_MOUSE_LIKE.match(s)) for s in syms) / len(syms)
    return "mouse" if frac > 0.5 else "human"


def check_species(species: str) -> str:
    s = str(species).lower()
    if s not in SPECIES:
        msg = f"species must be one of {SPECIES}, got {species!r}."
        raise ValueError(msg)
    return s


MAPPING_STEPS = ("exact", "ortholog", "ortholog_case", "uppercase", "missing")


@lru_cache(maxsize=4)
def _orthologs(path: str) -> tuple[dict[str, str], dict[str, str]]:
    """(mouse symbol → human symbol, UPPER-CASE mouse symbol → human symbol) from BioMart's table."""
    import pandas as pd

    df = pd.read_csv(path)
    need = {"Gene name", "Human gene name", "Human homology type"}
    if not need <= set(df.columns):
        msg = f"Ortholog table {path!r} lacks columns {sorted(need - set(df.columns))}; expected Ensembl BioMart's mouse→human export."
        raise ValueError(msg)
    df = df.dropna(subset=["Gene name", "Human gene name"])
    rank = {"ortholog_one2one": 0, "ortholog_one2many": 1, "ortholog_many2many": 2}
    # best homology type first; among equals, the human gene of the same name (mouse Ccl3 → CCL3, not CCL18)
    df = df.assign(_r=df["Human homology type"].map(rank).fillna(3),
                   _same=df["Human gene name"].str.upper() != df["Gene name"].str.upper())
    df = df.sort_values(["_r", "_same"], kind="stable").drop_duplicates("Gene name", keep="first")
    exact = dict(zip(df["Gene name"], df["Human gene name"]))
    folded = df.assign(_u=df["Gene name"].str.upper()).drop_duplicates("_u", keep="first")
    return exact, dict(zip(folded["_u"], folded["Human gene name"]))


def ortholog_table(data_dir: str | Path | None = None) -> dict[str, str]:
    """Mouse symbol → human symbol (Ensembl BioMart, one-to-one orthologs preferred)."""
    return _ortholog_tables(data_dir)[0]


def _ortholog_tables(data_dir):
    from .datasets import data_file

    return _orthologs(str(data_file("orthologs/mouse_to_human.csv", data_dir)))


def in_vocab(symbol: str, known) -> tuple[str | None, str]:
    """``symbol`` as written if ``known(symbol)``, else its upper-case form (mouse ``Gata1`` → ``GATA1``).
    Returns (the symbol found or None, ``"exact"`` | ``"uppercase"`` | ``"missing"``). ``known`` is a
    container (a vocabulary) or a predicate."""
    test = known if callable(known) else known.__contains__
    if test(symbol):
        return symbol, "exact"
    up = symbol.upper()
    if up != symbol and test(up):
        return up, "uppercase"
    return None, "missing"


def mapping_counts(how: Sequence[str]) -> dict[str, int]:
    """How many genes each step of :func:`map_symbols` placed (``n_exact``, ``n_ortholog``,
    ``n_ortholog_case``, ``n_uppercase``, ``n_missing``)."""
    return {f"n_{k}": sum(h == k for h in how) for k in MAPPING_STEPS}


def map_symbols(
    symbols: Sequence[str],
    vocab: dict[str, int],
    *,
    species: str,
    data_dir: str | Path | None = None,
) -> tuple[list[str | None], list[str]]:
    """Map ``symbols`` into ``vocab``. Returns (mapped symbol or None, how) per gene, where how is
    ``"exact"``, ``"ortholog"`` (the ortholog table, symbol as written), ``"ortholog_case"`` (the
    table looked up case-insensitively: BEELINE's ``GATA1`` as the table's ``Gata1``),
    ``"uppercase"`` or ``"missing"``. Human symbols: exact, then upper case. Mouse symbols: the
    ortholog table, as written then case-insensitively, then the upper-case symbol. The counts per
    step are logged (:func:`mapping_counts`)."""
    species = check_species(species)
    orth: dict[str, str] = {}
    folded: dict[str, str] = {}
    if species == "mouse":
        try:
            orth, folded = _ortholog_tables(data_dir)
        except FileNotFoundError as e:
            if str(e) not in _WARNED:
                _WARNED.add(str(e))
                logger.warning("No mouse→human ortholog table (%s); using upper-case symbols only.", e)
    mapped, how = [], []
    for s in symbols:
        if species == "mouse" and orth.get(s) in vocab:
            m, h = orth[s], "ortholog"
        elif species == "mouse" and s not in orth and folded.get(s.upper()) in vocab:
            m, h = folded[s.upper()], "ortholog_case"
        else:
            m, h = in_vocab(s, vocab)
            if species == "mouse" and h == "exact":
                h = "uppercase" if s == s.upper() else "exact"
        mapped.append(m)
        how.append(h)
    logger.debug("mapped %d %s symbols: %s", len(how), species, mapping_counts(how))
    return mapped, how
