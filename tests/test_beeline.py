"""The BEELINE loader (GENELink layout) and labelled pairs (docs/methods.md §5).

Offline tests read ``tests/data/beeline_tiny`` (8 genes, 3 TFs, same layout as GENELink); the
shared-data tests read ``../shared/data`` (or ``SCUGRN_DATA_DIR``) and skip without it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import scugrn
from scugrn import Key
from scugrn.datasets.beeline import beeline, beeline_configs
from scugrn.datasets.labels import labelled_pairs, tf_gene_pairs

TINY = Path(__file__).parent / "data" / "beeline_tiny"
GENES = ["G1", "TF1", "G2", "TF2", "G3", "TF3", "G4", "G5"]
CODE = {g: i for i, g in enumerate(GENES)}


# --- loader, offline ---------------------------------------------------------------------------

def test_tiny_with_expression():
    ad = beeline("mDC", network="STRING", size=500, path=TINY)
    assert ad.shape == (6, 8)
    assert list(ad.var_names) == GENES  # Target.csv order, not the expression file's row order
    assert ad.X.dtype == np.float32
    # expression rows are matched by name: value = 10 * code(g) + c * (1 + code % 3) / 4
    c = np.arange(6)
    for g in GENES:
        k = CODE[g]
        np.testing.assert_allclose(ad[:, g].X.ravel(), 10 * k + c * (1 + k % 3) / 4, rtol=0, atol=1e-4)
    assert ad.var[Key.var.IS_TF].dtype == bool
    assert ad.var_names[ad.var[Key.var.IS_TF]].tolist() == ["TF1", "TF2", "TF3"]
    truth = ad.uns[Key.uns.TRUTH]
    assert list(truth.columns) == ["source", "target"]
    # the self loop TF3->TF3 and the duplicated TF1->G1 are dropped
    assert sorted(map(tuple, truth.to_numpy())) == [("TF1", "G1"), ("TF1", "TF2"), ("TF2", "G3"), ("TF3", "G4")]
    assert ad.uns["beeline"] == {"name": "mDC", "network": "STRING", "size": 500, "species": "mouse",
                                 "has_expression": True}
    assert ad.uns[Key.uns.SPECIES] == "mouse"


def test_tiny_without_expression_has_no_cells():
    ad = beeline("hesc", network="cell-type-specific", size="TFs+500", path=TINY / "beeline")
    assert ad.n_obs == 0 and ad.n_vars == 8
    assert ad.uns["beeline"]["has_expression"] is False
    assert ad.uns["beeline"]["species"] == "human" and ad.uns["beeline"]["network"] == "Specific"


@pytest.mark.parametrize(("alias", "canonical"), [
    ("string", "STRING"), ("STRING", "STRING"), ("non-specific", "Non-Specific"),
    ("nonspecific", "Non-Specific"), ("Non_Specific", "Non-Specific"), ("specific", "Specific"),
    ("cell-type-specific", "Specific"), ("lofgof", "Lofgof"),
])
def test_network_aliases(alias, canonical):
    from scugrn.datasets.beeline import _check_network

    assert _check_network(alias) == canonical


def test_configs_tiny():
    df = beeline_configs(TINY)
    assert list(df.columns) == ["name", "network", "size", "has_expression"]
    assert df.to_dict("records") == [
        {"name": "hESC", "network": "Specific", "size": 500, "has_expression": False},
        {"name": "mDC", "network": "STRING", "size": 500, "has_expression": True},
    ]


@pytest.mark.parametrize(("kw", "err", "match"), [
    ({"name": "hBrain"}, ValueError, "Unknown BEELINE cell type"),
    ({"network": "ChIP"}, ValueError, "Unknown BEELINE network"),
    ({"size": 750}, ValueError, "Unknown BEELINE size"),
    ({"network": "Lofgof"}, FileNotFoundError, "Available for mDC: STRING/TFs\\+500"),
    ({"size": 1000}, FileNotFoundError, "not found"),
])
def test_bad_arguments(kw, err, match):
    args = {"name": "mDC", "network": "STRING", "size": 500, **kw}
    with pytest.raises(err, match=match):
        beeline(args.pop("name"), path=TINY, **args)


def test_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        beeline("mDC", path=tmp_path / "nope")
    with pytest.raises(FileNotFoundError, match="Benchmark Dataset"):
        beeline("mDC", path=tmp_path)
    with scugrn.settings.override(data_dir=None), pytest.raises(FileNotFoundError, match="pass path="):
        beeline("mDC")


def test_settings_data_dir_is_used():
    with scugrn.settings.override(data_dir=TINY):
        assert beeline("mDC").shape == (6, 8)


def _copy_tiny(tmp_path) -> Path:
    dst = tmp_path / "data"
    shutil.copytree(TINY, dst)
    return dst


@pytest.mark.parametrize(("fname", "text", "match"), [
    ("Target.csv", ",Name,index\n0,G1,0\n", "expected columns \\['Gene'\\]"),
    ("TF.csv", ",Gene,index\n0,TF1,1\n", "expected columns \\['TF'\\]"),
    ("BL--network.csv", "source,target\nTF1,G1\n", "expected columns \\['Gene1', 'Gene2'\\]"),
    ("TF.csv", ",TF,index\n0,NOTAGENE,1\n", "not genes of Target.csv"),
    ("Target.csv", ",Gene,index\n0,G1,0\n1,G1,1\n", "duplicated genes"),
])
def test_malformed_files(tmp_path, fname, text, match):
    root = _copy_tiny(tmp_path)
    f = root / "beeline" / "Benchmark Dataset" / "STRING Dataset" / "mDC" / "TFs+500" / fname
    f.write_text(text)
    with pytest.raises(ValueError, match=match):
        beeline("mDC", path=root)


def test_missing_network_file(tmp_path):
    root = _copy_tiny(tmp_path)
    (root / "beeline" / "Benchmark Dataset" / "STRING Dataset" / "mDC" / "TFs+500" / "TF.csv").unlink()
    with pytest.raises(FileNotFoundError, match="lacks \\['TF.csv'\\]"):
        beeline("mDC", path=root)


def test_expression_missing_a_gene(tmp_path):
    root = _copy_tiny(tmp_path)
    f = root / "beeline" / "expression" / "mDC" / "TFs+500" / "BL--ExpressionData.csv.gz"
    df = pd.read_csv(f, index_col=0).drop(index="G4")
    f.unlink()
    df.to_csv(f.with_suffix(""))  # plain .csv is read too
    with pytest.raises(ValueError, match="lacks 1 of the configuration's 8 genes"):
        beeline("mDC", path=root)


def test_roundtrip_h5ad(tmp_path):
    import anndata as ad

    a = beeline("mDC", path=TINY)
    a.write_h5ad(tmp_path / "x.h5ad")
    b = ad.read_h5ad(tmp_path / "x.h5ad")
    pd.testing.assert_frame_equal(b.uns[Key.uns.TRUTH], a.uns[Key.uns.TRUTH])
    assert bool(b.uns["beeline"]["has_expression"]) is True


def test_package_attribute_is_the_function():
    """Importing the submodule must not shadow the public function on the package."""
    import importlib

    importlib.import_module("scugrn.datasets.beeline")
    assert callable(scugrn.datasets.beeline)


# --- labelled pairs ----------------------------------------------------------------------------

def test_tf_gene_pairs():
    ad = beeline("mDC", path=TINY)
    pairs = tf_gene_pairs(ad)
    assert len(pairs) == 3 * 7
    assert set(pairs.source) == {"TF1", "TF2", "TF3"}
    assert not (pairs.source == pairs.target).any()
    assert not pairs.duplicated().any()


def test_labelled_pairs_all_negatives():
    ad = beeline("mDC", path=TINY)
    lp = labelled_pairs(ad, neg_ratio=None)
    assert list(lp.columns) == ["source", "target", "label"]
    assert len(lp) == 21 and int(lp.label.sum()) == 4
    pos = set(map(tuple, lp.loc[lp.label == 1, ["source", "target"]].to_numpy()))
    assert pos == {("TF1", "G1"), ("TF1", "TF2"), ("TF2", "G3"), ("TF3", "G4")}
    assert lp.label.iloc[:4].eq(1).all()  # positives first


def test_labelled_pairs_ratio_and_seed():
    ad = beeline("mDC", path=TINY)
    a = labelled_pairs(ad, neg_ratio=2, seed=0)
    assert (a.label == 1).sum() == 4 and (a.label == 0).sum() == 8
    pd.testing.assert_frame_equal(a, labelled_pairs(ad, neg_ratio=2, seed=0))
    draws = {tuple(map(tuple, labelled_pairs(ad, neg_ratio=1, seed=s).iloc[4:, :2].to_numpy())) for s in range(10)}
    assert len(draws) > 1  # the seed changes the negatives
    # more negatives asked for than exist: all 17 kept
    assert (labelled_pairs(ad, neg_ratio=100).label == 0).sum() == 17


def test_labelled_pairs_excludes_non_tf_and_outside_edges():
    ad = beeline("mDC", path=TINY)
    ad.uns[Key.uns.TRUTH] = pd.DataFrame({"source": ["TF1", "G1", "TF2", "TF1", "OUT"],
                                      "target": ["G2", "G2", "TF2", "OUT", "G1"]})
    lp = labelled_pairs(ad, neg_ratio=None)
    assert lp.loc[lp.label == 1, ["source", "target"]].to_numpy().tolist() == [["TF1", "G2"]]
    assert len(lp) == 21  # G1 is not a TF: its pairs are never candidates


@pytest.mark.parametrize(("setup", "err", "match"), [
    (lambda a: a.uns.pop(Key.uns.TRUTH), KeyError, "Expected the known edges"),
    (lambda a: a.uns.__setitem__(Key.uns.TRUTH, pd.DataFrame({"a": [1]})), ValueError, "columns source, target"),
    (lambda a: a.var.drop(columns=Key.var.IS_TF, inplace=True), KeyError, "is_tf"),
    (lambda a: a.var.__setitem__(Key.var.IS_TF, False), ValueError, "marks no gene as a TF"),
    (lambda a: a.uns.__setitem__(Key.uns.TRUTH, pd.DataFrame({"source": ["X"], "target": ["Y"]})), ValueError, "No truth edge"),
])
def test_labelled_pairs_errors(setup, err, match):
    ad = beeline("mDC", path=TINY)
    setup(ad)
    with pytest.raises(err, match=match):
        labelled_pairs(ad)


@pytest.mark.parametrize("bad", [0, -1, float("nan")])
def test_labelled_pairs_bad_ratio(bad):
    with pytest.raises(ValueError, match="neg_ratio"):
        labelled_pairs(beeline("mDC", path=TINY), neg_ratio=bad)


# --- shared data -------------------------------------------------------------------------------

@pytest.mark.shared_data
def test_shared_configs(shared_data_dir):
    df = beeline_configs(shared_data_dir)
    assert len(df) == 44  # data/README.md
    assert set(df.name) == {"hESC", "hHEP", "mDC", "mESC", "mHSC-E", "mHSC-GM", "mHSC-L"}
    assert df.loc[df.network == "Lofgof", "name"].unique().tolist() == ["mESC"]
    with_expr = df.loc[df.has_expression, ["name", "size"]].drop_duplicates()
    assert len(with_expr) == 8


@pytest.mark.shared_data
def test_shared_mdc(shared_data_dir):
    ad = beeline("mDC", network="STRING", size=500, path=shared_data_dir)
    assert ad.shape == (383, 821)
    assert int(ad.var[Key.var.IS_TF].sum()) == 321
    assert len(ad.uns[Key.uns.TRUTH]) == 4815
    # the expression matches GENELink's own copy in the configuration folder, row by row by name
    own = pd.read_csv(shared_data_dir / "beeline" / "Benchmark Dataset" / "STRING Dataset" / "mDC" / "TFs+500"
                      / "BL--ExpressionData.csv", index_col=0)
    np.testing.assert_allclose(ad.X, own.loc[ad.var_names, ad.obs_names].to_numpy().T, rtol=1e-6)
    lp = labelled_pairs(ad, neg_ratio=1, seed=3)
    assert (lp.label == 1).sum() == (lp.label == 0).sum() == 4815
    assert lp.source.isin(ad.var_names[ad.var[Key.var.IS_TF]]).all()
    assert not (lp.source == lp.target).any() and not lp.duplicated(["source", "target"]).any()


@pytest.mark.shared_data
def test_shared_no_expression(shared_data_dir):
    ad = beeline("hESC", network="Non-Specific", size=1000, path=shared_data_dir)
    assert ad.n_obs == 0 and ad.n_vars == 1410
    assert ad.uns["beeline"]["species"] == "human" and not ad.uns["beeline"]["has_expression"]
