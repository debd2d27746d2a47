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
# Case evidence per symbol. Mouse: capitalised with lower-case letters (Gata1, Hist1h1c, Mir21a),
# RIKEN clones (0610005C13Rik), Ensembl mouse ids. Human: two or more letters, all upper case
# (GATA1, HBB, C1QA), the CxorfN names, Ensembl human ids. A symbol with a single letter ("G0",
# "T") or mixed case ("SYN0-a", "Foo-BAR") is evidence for neither.
_HUMAN_SPECIAL = re.compile(r"^(?:C\d+orf\d+|ENSG\d+(?:\.\d+)?)$")
_MOUSE_LIKE = re.compile(r"^(?:[A-Z][a-z0-9.\-]*[a-z][a-z0-9.\-]*|[0-9A-Za-z]+Rik[0-9]?|ENSMUSG\d+(?:\.\d+)?)$")
_HUMAN_LIKE = re.compile(r"^(?=(?:[^A-Za-z]*[A-Z]){2})[A-Z0-9.\-]+$")


def _looks(s: str) -> str:
    if _HUMAN_SPECIAL.match(s):
        return "human"
    if _MOUSE_LIKE.match(s):
        return "mouse"
    return "human" if _HUMAN_LIKE.match(s) else "neither"


def species_evidence(symbols: Sequence[str]) -> dict:
    """How many ``symbols`` look human, mouse, or neither by their case, and the verdict.

    Returns ``{"human": n, "mouse": n, "neither": n, "verdict": "human" | "mouse" | "unknown"}``;
    the verdict is the species of more than half of the symbols, else ``"unknown"``.

    Examples
    --------
    >>> species_evidence(["Gata1", "Spi1", "HBB"])["verdict"]
    'mouse'
    >>> species_evidence(["G0", "G1", "G2"])
    {'human': 0, 'mouse': 0, 'neither': 3, 'verdict': 'unknown'}
    """
    looks = [_looks(str(s)) for s in symbols]
    n, n_mouse, n_human = len(looks), looks.count("mouse"), looks.count("human")
    verdict = "mouse" if n_mouse > n / 2 else "human" if n_human > n / 2 else "unknown"
    return {"human": n_human, "mouse": n_mouse, "neither": n - n_mouse - n_human, "verdict": verdict}


def evidence_text(ev: dict) -> str:
    """``"look mouse (2 mouse-like, 1 human-like, 0 neither of 3)"`` from :func:`species_evidence`."""
    n = ev["human"] + ev["mouse"] + ev["neither"]
    look = ("look like neither human nor mouse symbols" if ev["verdict"] == "unknown"
            else f"look {ev['verdict']}")
    return f"{look} ({ev['human']} human-like, {ev['mouse']} mouse-like, {ev['neither']} neither, of {n})"


def guess_species(symbols: Sequence[str]) -> str:
    """``"mouse"`` when most symbols look like ``Gata1`` (:func:`species_evidence`), else
    ``"human"`` — also when the case says neither, as the backbones' vocabularies are human."""
    return "mouse" if species_evidence(symbols)["verdict"] == "mouse" else "human"


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
