"""Gene symbols → vocabulary: BEELINE's upper-case mouse symbols through the ortholog table."""

from __future__ import annotations

import pytest

from scugrn._species import in_vocab, map_symbols, mapping_counts


def _table(tmp_path):
    (tmp_path / "orthologs").mkdir()
    (tmp_path / "orthologs" / "mouse_to_human.csv").write_text(
        "Gene name,Human gene name,Human homology type\n"
        "Gata1,GATA1,ortholog_one2one\n"
        "Car2,CA2,ortholog_one2one\n"
        "Ccl3,CCL18,ortholog_one2many\n"
        "Ccl3,CCL3,ortholog_one2many\n"
        "mt-Nd1,MT-ND1,ortholog_one2one\n")
    return tmp_path


def test_upper_case_mouse_symbols_find_their_ortholog(tmp_path):
    vocab = {g: i for i, g in enumerate(["GATA1", "CA2", "CCL3", "CCL18", "MT-ND1", "SPI1"])}
    genes = ["CAR2", "GATA1", "Gata1", "MT-ND1", "CCL3", "SPI1", "NOTAGENE"]
    mapped, how = map_symbols(genes, vocab, species="mouse", data_dir=_table(tmp_path))
    # CAR2 is Car2 in the table, whose human ortholog is CA2; upper case alone would miss it
    assert mapped == ["CA2", "GATA1", "GATA1", "MT-ND1", "CCL3", "SPI1", None]
    assert how == ["ortholog_case", "ortholog_case", "ortholog", "ortholog_case", "ortholog_case",
                   "uppercase", "missing"]
    assert mapping_counts(how) == {"n_exact": 0, "n_ortholog": 1, "n_ortholog_case": 4, "n_uppercase": 1,
                                   "n_missing": 1}


def test_human_symbols_exact_then_upper_case():
    vocab = {"GATA1": 0, "SPI1": 1}
    mapped, how = map_symbols(["GATA1", "spi1", "X"], vocab, species="human")
    assert mapped == ["GATA1", "SPI1", None]
    assert how == ["exact", "uppercase", "missing"]


@pytest.mark.parametrize("known", [{"GATA1"}, lambda s: s == "GATA1"])
def test_in_vocab_is_the_one_upper_case_fallback(known):
    assert in_vocab("GATA1", known) == ("GATA1", "exact")
    assert in_vocab("Gata1", known) == ("GATA1", "uppercase")
    assert in_vocab("Spi1", known) == (None, "missing")


@pytest.mark.shared_data
def test_beeline_mouse_genes_placed_through_orthologs(shared_data_dir):
    import json

    vocab = json.loads((shared_data_dir / "gene_vocab" / "default_census_vocab.json").read_text())
    mapped, how = map_symbols(["CAR2", "GATA1", "POU5F1"], vocab, species="mouse", data_dir=shared_data_dir)
    assert mapped == ["CA2", "GATA1", "POU5F1"]
    assert how == ["ortholog_case"] * 3
