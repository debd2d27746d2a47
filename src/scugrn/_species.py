"""Gene symbols → a backbone's vocabulary, across species (docs/methods.md §6).

Human symbols match directly (then upper-case). Mouse symbols map through the Ensembl ortholog
table (one-to-one orthologs first), with the upper-case symbol as the fallback. Genes that cannot
be placed are reported by name.
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


@lru_cache(maxsize=4)
def _orthologs(path: str) -> dict[str, str]:
    import pandas as pd

    df = pd.read_csv(path)
    need = {"Gene name", "Human gene name", "Human homology type"}
    if not need <= set(df.columns):
        msg = f"Ortholog table {path!r} lacks columns {sorted(need - set(df.columns))}; expected Ensembl BioMart's mouse→human export."
        raise ValueError(msg)
    df = df.dropna(subset=["Gene name", "Human gene name"])
    rank = {"ortholog_one2one": 0, "ortholog_one2many": 1, "ortholog_many2many": 2}
    df = df.assign(_r=df["Human homology type"].map(rank).fillna(3)).sort_values("_r", kind="stable")
    df = df.drop_duplicates("Gene name", keep="first")
    return dict(zip(df["Gene name"], df["Human gene name"]))


def ortholog_table(data_dir: str | Path | None = None) -> dict[str, str]:
    """Mouse symbol → human symbol (Ensembl BioMart, one-to-one orthologs preferred)."""
    from .datasets._paths import data_file

    return _orthologs(str(data_file("orthologs/mouse_to_human.csv", data_dir)))


def map_symbols(
    symbols: Sequence[str],
    vocab: dict[str, int],
    *,
    species: str,
    data_dir: str | Path | None = None,
) -> tuple[list[str | None], list[str]]:
    """Map ``symbols`` into ``vocab``. Returns (mapped symbol or None, how) per gene, where how is
    ``"exact"``, ``"ortholog"``, ``"uppercase"`` or ``"missing"``."""
    species = check_species(species)
    orth: dict[str, str] = {}
    if species == "mouse":
        try:
            orth = ortholog_table(data_dir)
        except FileNotFoundError as e:
            if str(e) not in _WARNED:
                _WARNED.add(str(e))
                logger.warning("No mouse→human ortholog table (%s); using upper-case symbols only.", e)
    mapped, how = [], []
    for s in symbols:
        if species == "mouse" and orth.get(s) in vocab:
            mapped.append(orth[s])
            how.append("ortholog")
        elif species == "human" and s in vocab:
            mapped.append(s)
            how.append("exact")
        elif s.upper() in vocab:
            mapped.append(s.upper())
            how.append("uppercase")
        else:
            mapped.append(None)
            how.append("missing")
    return mapped, how
