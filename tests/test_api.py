"""The AnnData contract: signatures, keys, copy/in-place, params, errors, round trips."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import GENES

import scugrn
from scugrn import Key


def test_import_is_light():
    code = "import sys, scugrn; print(','.join(m for m in ('torch','scanpy','anndata') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_all_names_resolve():
    import scugrn.benchmark as bench

    assert set(scugrn.__all__) == {"Key", "settings", "from_genes"} | scugrn._SUBMODULES
    assert set(bench.__all__) == set(bench._LAZY)
    for mod in (scugrn, bench):
        for name in mod.__all__:
            assert getattr(mod, name) is not None, name


# signatures of every public function: tests/test_package_structure.py (read from __all__)


def _toy():
    return scugrn.datasets.toy(n_tfs=4, n_targets=12, genes=GENES[:16], seed=1)


def test_features_in_place_and_copy(tiny_model):
    ad = _toy()
    assert scugrn.tl.gdt(ad, model=tiny_model, n_values=3, verbose=False) is None
    F = ad.varp[Key.varp.GDT]
    assert F.shape == (16, 16, 3) and F.dtype == np.float32
    p = ad.uns[Key.params(Key.varp.GDT)]
    assert p["background"] == 0.0 and len(p["base_values"]) == 3
    assert p["backbone"]["sha256"] == tiny_model.info.sha256
    ad2 = scugrn.tl.vvp(ad, model=tiny_model, key_added="v2", copy=True, verbose=False)
    assert "v2" in ad2.varp and "v2" not in ad.varp


def test_model_from_path(tiny_ckpt):
    ad = scugrn.from_genes(GENES[:5])
    scugrn.tl.emb(ad, model=tiny_ckpt)
    assert ad.varm["emb"].shape == (5, 32)


def test_from_genes_errors():
    with pytest.raises(ValueError, match="empty"):
        scugrn.from_genes([])
    with pytest.raises(ValueError, match="duplicates"):
        scugrn.from_genes(["A", "B", "A"])
    with pytest.raises(ValueError, match="non-empty strings"):
        scugrn.from_genes(["A", float("nan")])
    with pytest.raises(ValueError, match="species"):
        scugrn.from_genes(["A", "B"], species="fish")


def test_unknown_genes_error_names_them_and_drop_records(tiny_model):
    ad = scugrn.from_genes([*GENES[:4], "NOTAGENE1", "NOTAGENE2"])
    with pytest.raises(ValueError, match="NOTAGENE1.*NOTAGENE2"):
        scugrn.tl.vvp(ad, model=tiny_model, verbose=False)
    scugrn.tl.vvp(ad, model=tiny_model, on_missing="drop", n_values=2, verbose=False)
    assert ad.uns["vvp_params"]["dropped"] == ["NOTAGENE1", "NOTAGENE2"]
    F = ad.varp["vvp"]
    assert np.isnan(F[4]).all() and np.isnan(F[:, 5]).all() and np.isfinite(F[:4, :4]).all()


def test_wrong_species_is_explained(tiny_model):
    ad = scugrn.from_genes(["Gata1", "Spi1", "Tal1", "Klf1"], species="human")
    scugrn.tl.emb(ad, model=tiny_model)  # upper-case fallback places them
    mouse_only = scugrn.from_genes(["Zfp1", "Zfp2", "Zfp3", "Gm123"], species="human")
    with pytest.raises(ValueError, match="species='mouse'"):
        scugrn.tl.emb(mouse_only, model=tiny_model)


def test_nan_expression_rejected(tiny_model):
    ad = _toy()
    ad.X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN or inf"):
        scugrn.tl.pert(ad, model=tiny_model, verbose=False)


def test_pert_needs_cells(tiny_model):
    with pytest.raises(ValueError, match="needs expression"):
        scugrn.tl.pert(scugrn.from_genes(GENES[:4]), model=tiny_model)


def test_bad_model_argument():
    with pytest.raises(TypeError, match="checkpoint folder path"):
        scugrn.tl.vvp(scugrn.from_genes(GENES[:4]), model=42)


def _trained(tiny_model, feats="gdt"):
    ad = _toy()
    getattr(scugrn.tl, feats)(ad, model=tiny_model, n_values=3, verbose=False)
    tr = scugrn.tl.train_translator(ad, features=feats, neg_ratio=1, epochs=3, verbose=False)
    return ad, tr


def test_predict_grn_contract(tiny_model, tmp_path):
    import networkx as nx

    ad, tr = _trained(tiny_model)
    scugrn.tl.predict_grn(ad, translator=tr)
    df = ad.uns[Key.uns.GRN]
    assert list(df.columns) == ["source", "target", "weight"]
    assert df["weight"].is_monotonic_decreasing
    assert set(df["source"]) <= set(ad.var_names[ad.var[Key.var.IS_TF]])
    assert (df["source"] != df["target"]).all()
    assert len(df) == 4 * 15
    G = nx.from_pandas_edgelist(df, "source", "target", edge_attr="weight", create_using=nx.DiGraph)
    assert G.number_of_edges() == len(df)
    S = ad.varp[Key.varp.GRN]
    i, j = ad.var_names.get_loc(df.source[0]), ad.var_names.get_loc(df.target[0])
    assert S[i, j] == pytest.approx(df.weight[0])
    # save / load gives the same predictions
    f = tr.save(tmp_path / "t.safetensors")
    ad2 = scugrn.tl.predict_grn(ad, translator=f, key_added="grn2", copy=True)
    pd.testing.assert_frame_equal(ad2.uns["grn2"], df)


def test_translator_refuses_other_settings(tiny_model):
    ad, tr = _trained(tiny_model)
    other = scugrn.from_genes(list(ad.var_names))
    other.var[Key.var.IS_TF] = ad.var[Key.var.IS_TF].to_numpy()
    scugrn.tl.gdt(other, model=tiny_model, n_values=4, verbose=False)
    with pytest.raises(ValueError, match="base_values"):
        scugrn.tl.predict_grn(other, translator=tr)
    scugrn.tl.gdt(other, model=tiny_model, n_values=3, background="base", verbose=False)
    with pytest.raises(ValueError, match="background"):
        scugrn.tl.predict_grn(other, translator=tr)
    scugrn.tl.gdt(other, model=tiny_model, n_values=3, window=8, verbose=False)
    with pytest.raises(ValueError, match="window"):
        scugrn.tl.predict_grn(other, translator=tr)
    rnd = scugrn.models.randomize(tiny_model, seed=3)
    scugrn.tl.gdt(other, model=rnd, n_values=3, verbose=False)
    with pytest.raises(ValueError, match="backbone"):
        scugrn.tl.predict_grn(other, translator=tr)


def test_translator_training_is_deterministic(tiny_model):
    ad, tr1 = _trained(tiny_model)
    tr2 = scugrn.tl.train_translator(ad, features="gdt", neg_ratio=1, epochs=3, verbose=False)
    X = np.random.default_rng(0).normal(size=(10, tr1.n_in)).astype(np.float32)
    np.testing.assert_array_equal(tr1.logits(X), tr2.logits(X))


def test_ensemble(tiny_model, tmp_path):
    ad, tg = _trained(tiny_model, "gdt")
    scugrn.tl.vvp(ad, model=tiny_model, n_values=3, verbose=False)
    tv = scugrn.tl.train_translator(ad, features="vvp", epochs=3, verbose=False)
    ens = scugrn.translator.Ensemble([tv, tg])
    scugrn.tl.predict_grn(ad, translator=ens, key_added="ens")
    scugrn.tl.predict_grn(ad, translator=tv, key_added="v")
    scugrn.tl.predict_grn(ad, translator=tg, key_added="g")
    logit = lambda p: np.log(p / (1 - p))
    want = 1 / (1 + np.exp(-(logit(ad.varp["v"]) + logit(ad.varp["g"])) / 2))
    np.testing.assert_allclose(ad.varp["ens"], want, rtol=1e-4)
    loaded = scugrn.translator.load(ens.save(tmp_path / "ens"))
    assert [m.spec["probe"] for m in loaded.members] == ["vvp", "gdt"]


def test_predict_without_tf_flag(tiny_model):
    ad, tr = _trained(tiny_model)
    del ad.var[Key.var.IS_TF]
    with pytest.raises(KeyError, match="is_tf"):
        scugrn.tl.predict_grn(ad, translator=tr)
    scugrn.tl.predict_grn(ad, translator=tr, tf_only=False)
    assert len(ad.uns[Key.uns.GRN]) == 16 * 15


def test_h5ad_and_mudata_round_trip(tiny_model, tmp_path):
    import anndata
    import mudata

    ad, tr = _trained(tiny_model)
    scugrn.tl.emb(ad, model=tiny_model)
    scugrn.tl.predict_grn(ad, translator=tr)
    ad.write_h5ad(tmp_path / "a.h5ad")
    back = anndata.read_h5ad(tmp_path / "a.h5ad")
    np.testing.assert_array_equal(back.varp["gdt"], ad.varp["gdt"])
    pd.testing.assert_frame_equal(back.uns["grn"], ad.uns["grn"])
    scugrn.tl.predict_grn(back, translator=tr, key_added="again")  # params survive the round trip
    np.testing.assert_allclose(back.varp["again"], ad.varp["grn"])
    md = mudata.MuData({"rna": ad})
    md.write(tmp_path / "m.h5mu")
    mback = mudata.read_h5mu(tmp_path / "m.h5mu")
    np.testing.assert_array_equal(mback["rna"].varp["gdt"], ad.varp["gdt"])


def test_select_marks_tfs_and_keeps_top_genes():
    ad = scugrn.datasets.toy(n_tfs=5, n_targets=40, seed=0)
    tfs = ["G0", "G1", "G2"]
    out = scugrn.pp.select(ad, n_top_genes=10, tfs=tfs, species="human", copy=True)
    n_sig = out.uns[Key.uns.SELECT_PARAMS]["n_tfs"]  # significant TFs, beyond the variable-gene budget
    assert out.n_vars == n_sig + 10
    assert set(out.var_names[out.var[Key.var.IS_TF]]) <= set(tfs)
    marked = scugrn.pp.select(ad, n_top_genes=10, tfs=tfs, species="human", subset=False, copy=True)
    assert marked.n_vars == ad.n_vars and marked.var[Key.var.SELECTED].sum() == out.n_vars
    disp = marked.var["dispersions_norm"]
    dropped = ~marked.var[Key.var.SELECTED]
    assert disp[out.var_names].drop(tfs, errors="ignore").min() >= disp[dropped].max()
    gl = scugrn.from_genes(["G0", "X1"])
    scugrn.pp.select(gl, tfs=tfs)
    assert gl.var[Key.var.IS_TF].tolist() == [True, False]


@pytest.mark.shared_data
def test_select_with_beeline_tf_list(shared_data_dir):
    ad = scugrn.datasets.toy(n_tfs=2, n_targets=8, genes=["GATA1", "SPI1", *GENES[:8]], seed=0)
    scugrn.pp.select(ad, n_top_genes=3, species="human", data_dir=shared_data_dir, tf_pvalue=1.0)
    assert set(ad.var_names[ad.var[Key.var.IS_TF]]) == {"GATA1", "SPI1"}


@pytest.mark.shared_data
def test_mouse_genes_map_through_orthologs(shared_data_dir, tmp_path):
    import json

    from scugrn._species import map_symbols

    vocab = json.loads((shared_data_dir / "gene_vocab" / "default_census_vocab.json").read_text())
    mapped, how = map_symbols(["Gata1", "Pou5f1", "Notarealgene"], vocab, species="mouse",
                              data_dir=shared_data_dir)
    assert mapped[:2] == ["GATA1", "POU5F1"] and mapped[2] is None
    assert how == ["ortholog", "ortholog", "missing"]


def test_plots(tiny_model):
    import matplotlib

    matplotlib.use("Agg")
    ad, tr = _trained(tiny_model)
    scugrn.tl.vvp(ad, model=tiny_model, n_values=3, verbose=False)
    scugrn.tl.predict_grn(ad, translator=tr)
    ax = scugrn.pl.trajectory(ad, source=ad.var_names[0], target=ad.var_names[5])
    assert len(ax.lines) == 5  # 2 keys × 2 directions + zero line
    ax = scugrn.pl.network(ad, top=10)
    assert ax.figure is not None
    res = pd.DataFrame({"train": ["a", "a", "b"], "test": ["b", "c", "a"], "balanced_auprc": [0.6, 0.7, 0.5]})
    scugrn.pl.transfer_heatmap(res)
    y = np.array([0, 1, 0, 1])
    scugrn.pl.pr_curves({"x": (y, np.array([0.1, 0.9, 0.2, 0.8]))}, baseline=0.5)
    with pytest.raises(ValueError, match="not in adata.var_names"):
        scugrn.pl.trajectory(ad, source="nope", target=ad.var_names[0])


def test_cli_help_and_infer(tiny_model, tiny_ckpt, tmp_path, capsys):
    from scugrn.cli import build_parser, main

    for cmd in ("infer", "features", "checkpoint"):
        with pytest.raises(SystemExit):
            build_parser().parse_args([cmd, "--help"])
        assert "--" in capsys.readouterr().out
    ad, tr = _trained(tiny_model)
    trf = tr.save(tmp_path / "t.safetensors")
    genes = tmp_path / "genes.txt"
    genes.write_text("\n".join(ad.var_names))
    tfs = tmp_path / "tfs.txt"
    tfs.write_text("\n".join(ad.var_names[ad.var[Key.var.IS_TF]]))
    out = tmp_path / "edges.tsv"
    rc = main(["infer", "--genes", str(genes), "--model", str(tiny_ckpt), "--translator", str(trf),
               "--tfs", str(tfs), "--out", str(out), "-q"])
    assert rc == 0
    df = pd.read_csv(out, sep="\t")
    assert list(df.columns) == ["source", "target", "weight"] and len(df) == 4 * 15
    genes.write_text("\n".join([*ad.var_names, "NOTAGENE"]))
    rc = main(["infer", "--genes", str(genes), "--model", str(tiny_ckpt), "--translator", str(trf),
               "--tfs", str(tfs), "--out", str(out), "-q"])
    assert rc == 2 and "NOTAGENE" in capsys.readouterr().err


def test_window_option(tiny_model):
    ad = scugrn.from_genes(GENES[:12])
    scugrn.tl.vvp(ad, model=tiny_model, n_values=2, window=6, verbose=False)
    assert np.isfinite(ad.varp["vvp"]).all() and ad.uns["vvp_params"]["window"] == 6
