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
