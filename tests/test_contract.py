"""The bad-input matrix (docs/contract.md): every row through the Python API and, where it applies,
the CLI. A bad input gives one clear message (what was expected, what was found, how to fix it) and
leaves the AnnData as it was (same keys in var, varp, varm, uns, same X); a CLI run exits 2 with one
line and writes nothing. Rows that are valid inputs check the designed result instead."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil

import anndata
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from conftest import GENES

import scugrn
from scugrn.cli import main

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


# --- helpers -------------------------------------------------------------------------------------
def _toy():
    return scugrn.datasets.toy(n_tfs=4, n_targets=12, genes=GENES[:16], seed=1)


def _snapshot(ad):
    X = ad.X
    if ad.isbacked:
        X = np.asarray(X[:])
    X = X.copy() if sp.issparse(X) else np.array(X, copy=True)
    return {"var_names": list(ad.var_names), "obs_names": list(ad.obs_names), "var": list(ad.var.columns),
            "obs": list(ad.obs.columns), "varp": sorted(ad.varp.keys()), "varm": sorted(ad.varm.keys()),
            "uns": sorted(ad.uns.keys()), "layers": sorted(ad.layers.keys()), "X": X,
            "var_df": ad.var.copy()}


def _assert_unchanged(ad, snap):
    now = _snapshot(ad)
    for k in ("var_names", "obs_names", "var", "obs", "varp", "varm", "uns", "layers"):
        assert now[k] == snap[k], k
    pd.testing.assert_frame_equal(now["var_df"], snap["var_df"])
    a, b = now["X"], snap["X"]
    assert type(a) is type(b) and a.dtype == b.dtype and a.shape == b.shape
    if sp.issparse(a):
        assert a.format == b.format and (a != b).nnz == 0
    else:
        np.testing.assert_array_equal(a, b)  # NaN == NaN here


def _fails(call, ad, exc, *, expected, found, fix):
    """``call()`` raises ``exc`` with one line naming what was expected, found and the fix; ``ad``
    (or each AnnData of a tuple) is unchanged."""
    ads = ad if isinstance(ad, tuple) else (ad,)
    snaps = [_snapshot(a) for a in ads]
    with pytest.raises(exc) as e:
        call()
    msg = str(e.value).strip("'\"")  # KeyError quotes its message
    assert "\n" not in msg, msg
    for what, pat in (("expected", expected), ("found", found), ("fix", fix)):
        assert re.search(pat, msg), f"{what}: {pat!r} not in {msg!r}"
    for a, s in zip(ads, snaps):
        _assert_unchanged(a, s)
    return msg


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cli_fails(args, capsys, tmp_path, *, found, inputs=()):
    """The CLI exits 2 with one ``scugrn: error:`` line (no traceback) containing ``found``, leaves
    its input files as they were and writes no output."""
    before = {p: _sha(p) for p in inputs}
    outs = set(tmp_path.glob("out*"))
    capsys.readouterr()
    rc = main([*args, "-q"])
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.startswith("scugrn: error:")]
    assert rc == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert re.search(found, lines[0]), lines[0]
    assert {p: _sha(p) for p in inputs} == before
    assert set(tmp_path.glob("out*")) == outs  # nothing written
    return lines[0]


def _genes_file(tmp_path, genes, name="genes.txt"):
    f = tmp_path / name
    f.write_text("\n".join(genes) + ("\n" if genes else ""))
    return f


def _h5ad(tmp_path, ad, name="in.h5ad"):
    f = tmp_path / name
    ad.write_h5ad(f)
    return f


def _features_cli(tmp_path, src, ck, *extra):
    return ["features", *src, "--model", str(ck), "--out", str(tmp_path / "out.h5ad"), *extra]


@pytest.fixture(scope="module")
def vvp_translator(tiny_model, tmp_path_factory):
    """A translator trained on VVP features with the default M = 8 values, and its file."""
    ad = _toy()
    scugrn.tl.vvp(ad, model=tiny_model, verbose=False)
    tr = scugrn.tl.train_translator(ad, features="vvp", epochs=2, neg_ratio=None, verbose=False)
    return tr, tr.save(tmp_path_factory.mktemp("tr") / "vvp.safetensors")


# --- genes -----------------------------------------------------------------------------------------
def test_unknown_genes(tiny_model, tiny_ckpt, tmp_path, capsys):
    ad = scugrn.from_genes([*GENES[:4], "NOTAGENE"])
    _fails(lambda: scugrn.tl.vvp(ad, model=tiny_model), ad, ValueError,
           expected=r"vocabulary", found=r"NOTAGENE", fix=r"on_missing='drop'")
    f = _genes_file(tmp_path, [*GENES[:4], "NOTAGENE"])
    _cli_fails(_features_cli(tmp_path, ["--genes", str(f)], tiny_ckpt), capsys, tmp_path, found="NOTAGENE", inputs=[f])
    assert main([*_features_cli(tmp_path, ["--genes", str(f)], tiny_ckpt), "--on-missing", "drop", "-q"]) == 0


def test_duplicate_var_names(tiny_model, tiny_ckpt, tmp_path, capsys):
    ad = _toy()
    ad.var_names = [*GENES[:15], GENES[0]]
    for call in (lambda: scugrn.tl.vvp(ad, model=tiny_model), lambda: scugrn.pp.select(ad, tfs=GENES[:4]),
                 lambda: scugrn.tl.pert(ad, model=tiny_model)):
        _fails(call, ad, ValueError, expected="duplicates", found=GENES[0], fix=r"var_names_make_unique")
    f = _genes_file(tmp_path, [*GENES[:3], GENES[0]])
    _cli_fails(_features_cli(tmp_path, ["--genes", str(f)], tiny_ckpt), capsys, tmp_path, found="duplicates",
               inputs=[f])
    h = _h5ad(tmp_path, ad)
    _cli_fails(_features_cli(tmp_path, ["--h5ad", str(h)], tiny_ckpt), capsys, tmp_path,
               found="var_names_make_unique", inputs=[h])


def test_empty_gene_list(tiny_model, tiny_ckpt, tmp_path, capsys):
    with pytest.raises(ValueError, match=r"empty; expected at least 2 gene symbols.*one symbol per line"):
        scugrn.from_genes([])
    ad = anndata.AnnData(np.zeros((3, 0), dtype=np.float32))
    _fails(lambda: scugrn.tl.vvp(ad, model=tiny_model), ad, ValueError,
           expected=r"at least 2 genes", found=r"found 0", fix=r"2 or more genes")
    f = _genes_file(tmp_path, [])
    _cli_fails(_features_cli(tmp_path, ["--genes", str(f)], tiny_ckpt), capsys, tmp_path, found="empty", inputs=[f])


def test_one_gene(tiny_model, tiny_ckpt, tmp_path, capsys):
    """One gene has no pairs: an error, not an empty network."""
    ad = scugrn.from_genes(GENES[:1])
    _fails(lambda: scugrn.tl.gdt(ad, model=tiny_model), ad, ValueError,
           expected=r"at least 2 genes", found=r"found 1", fix=r"2 or more genes")
    cells = _toy()[:, :1].copy()
    _fails(lambda: scugrn.pp.select(cells, tfs=GENES[:1]), cells, ValueError,
           expected=r"at least 2 genes", found=r"found 1", fix=r"needs pairs")
    f = _genes_file(tmp_path, GENES[:1])
    _cli_fails(_features_cli(tmp_path, ["--genes", str(f)], tiny_ckpt), capsys, tmp_path, found="found 1",
               inputs=[f])


# --- X -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
def test_non_finite_x(bad, tiny_model, tiny_ckpt, tmp_path, capsys):
    ad = _toy()
    ad.X[0, 0] = bad
    for call in (lambda: scugrn.pp.select(ad, tfs=GENES[:4]), lambda: scugrn.tl.pert(ad, model=tiny_model)):
        _fails(call, ad, ValueError, expected="finite", found="NaN or inf", fix=r"Clean or impute")
    h = _h5ad(tmp_path, ad)
    _cli_fails(_features_cli(tmp_path, ["--h5ad", str(h)], tiny_ckpt, "--probe", "pert"), capsys, tmp_path,
               found="NaN or inf", inputs=[h])
    # designed: probes that never read X (vvp, gdt, emb) run, and X stays as it was
    snap = _snapshot(ad)
    scugrn.tl.vvp(ad, model=tiny_model, n_values=2, verbose=False)
    clean = _toy()
    scugrn.tl.vvp(clean, model=tiny_model, n_values=2, verbose=False)
    np.testing.assert_array_equal(ad.varp["vvp"], clean.varp["vvp"])
    np.testing.assert_array_equal(ad.X, snap["X"])


def test_negative_x(tiny_model, tiny_ckpt, tmp_path, capsys):
    ad = _toy()
    ad.X = ad.X - 1.0  # e.g. after sc.pp.scale
    _fails(lambda: scugrn.pp.select(ad, tfs=GENES[:4]), ad, ValueError,
           expected=r"log-normalised expression \(≥ 0\)", found=r"negative values \(min", fix=r"before sc.pp.scale")
    _fails(lambda: scugrn.tl.pert(ad, model=tiny_model), ad, ValueError,
           expected=r"≥ 0", found=r"negative values", fix=r"adata.raw|counts or log-normalised")
    h = _h5ad(tmp_path, ad)
    _cli_fails(_features_cli(tmp_path, ["--h5ad", str(h)], tiny_ckpt, "--probe", "pert"), capsys, tmp_path,
               found="negative values", inputs=[h])


def test_integer_x(tiny_model, tiny_ckpt, tmp_path):
    """Designed: counts are a valid input for the probes (scGPT bins each cell by rank, so counts and
    their log1p give the same features); pp.select, which needs log data for its dispersion, says so."""
    rng = np.random.default_rng(0)
    counts = _toy()
    counts.X = rng.poisson(3.0, size=counts.shape).astype(np.int64)
    logged = counts.copy()
    logged.X = np.log1p(logged.X).astype(np.float32)
    scugrn.tl.pert(counts, model=tiny_model, verbose=False)
    scugrn.tl.pert(logged, model=tiny_model, verbose=False)
    np.testing.assert_allclose(counts.varp["pert"], logged.varp["pert"], rtol=1e-5, atol=1e-6)
    assert np.isfinite(counts.varp["pert"]).all() and counts.X.dtype == np.int64
    ad = counts.copy()
    _fails(lambda: scugrn.pp.select(ad, tfs=GENES[:4]), ad, ValueError,
           expected=r"expects log-normalised", found=r"integer counts \(dtype int64", fix=r"sc.pp.log1p")
    h = _h5ad(tmp_path, counts)
    assert main(_features_cli(tmp_path, ["--h5ad", str(h)], tiny_ckpt, "--probe", "pert") + ["-q"]) == 0
    out = anndata.read_h5ad(tmp_path / "out.h5ad")
    np.testing.assert_allclose(out.varp["pert"], counts.varp["pert"], rtol=1e-6)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_x(fmt, tiny_model):
    """Designed: CSR and CSC X give the same results as dense X and stay sparse in their format."""
    dense = _toy()
    ad = dense.copy()
    ad.X = getattr(sp, f"{fmt}_matrix")(ad.X)
    snap = _snapshot(ad)
    got = scugrn.pp.select(ad, tfs=GENES[:4], n_top_genes=5, copy=True)
    want = scugrn.pp.select(dense, tfs=GENES[:4], n_top_genes=5, copy=True)
    pd.testing.assert_frame_equal(got.var, want.var)
    scugrn.tl.pert(ad, model=tiny_model, verbose=False)
    scugrn.tl.pert(dense, model=tiny_model, verbose=False)
    np.testing.assert_allclose(ad.varp["pert"], dense.varp["pert"], rtol=1e-6)
    assert sp.issparse(ad.X) and ad.X.format == fmt and (ad.X != snap["X"]).nnz == 0


def test_backed_anndata(tiny_model, tmp_path):
    """Designed: the probes read a backed AnnData (pert loads the mean cell from disk); pp.select,
    which subsets the genes, asks for it in memory."""
    mem = _toy()
    f = _h5ad(tmp_path, mem)
    sha = _sha(f)
    ad = anndata.read_h5ad(f, backed="r")
    scugrn.tl.vvp(ad, model=tiny_model, n_values=2, verbose=False)
    scugrn.tl.pert(ad, model=tiny_model, verbose=False)
    scugrn.tl.vvp(mem, model=tiny_model, n_values=2, verbose=False)
    scugrn.tl.pert(mem, model=tiny_model, verbose=False)
    np.testing.assert_array_equal(ad.varp["vvp"], mem.varp["vvp"])
    np.testing.assert_allclose(ad.varp["pert"], mem.varp["pert"], rtol=1e-6)
    ad2 = anndata.read_h5ad(f, backed="r")
    _fails(lambda: scugrn.pp.select(ad2, tfs=GENES[:4]), ad2, ValueError,
           expected=r"in memory", found=r"backed by", fix=r"adata.to_memory\(\)")
    ad.file.close()
    ad2.file.close()
    assert _sha(f) == sha


# --- species ---------------------------------------------------------------------------------------
def test_wrong_species(tiny_model, tiny_ckpt, tmp_path, capsys):
    ad = scugrn.from_genes(["Zfp1", "Zfp2", "Zfp3", "Gm123"], species="human")
    _fails(lambda: scugrn.tl.vvp(ad, model=tiny_model), ad, ValueError,
           expected=r"not in the .* vocabulary", found=r"species='human'", fix=r"Pass species='mouse'")
    ad = scugrn.from_genes(GENES[:4])
    _fails(lambda: scugrn.tl.vvp(ad, model=tiny_model, species="fish"), ad, ValueError,
           expected=r"one of \('human', 'mouse'\)", found="'fish'", fix="species must be")
    f = _genes_file(tmp_path, ["Zfp1", "Zfp2", "Zfp3", "Gm123"])
    _cli_fails(_features_cli(tmp_path, ["--genes", str(f), "--species", "human"], tiny_ckpt), capsys, tmp_path,
               found="species='mouse'", inputs=[f])


def test_beeline_upper_case_mouse_symbols(tiny_model, tmp_path):
    """Designed: BEELINE writes mouse genes in upper case (GATA1 for Gata1); with species='mouse'
    they are looked up in the ortholog table case-insensitively first (4 here), the rest fall back
    to the upper-case symbol (2), both recorded; the features equal those of the human symbols."""
    data = tmp_path / "data"
    (data / "orthologs").mkdir(parents=True)
    pd.DataFrame({"Gene name": ["Gata1", "Spi1", "Tal1", "Klf1"], "Human gene name": ["GATA1", "SPI1", "TAL1", "KLF1"],
                  "Human homology type": ["ortholog_one2one"] * 4}).to_csv(data / "orthologs" / "mouse_to_human.csv",
                                                                          index=False)
    genes = ["GATA1", "SPI1", "TAL1", "KLF1", "CEBPA", "MYC"]
    mouse = scugrn.from_genes(genes, species="mouse")
    scugrn.tl.vvp(mouse, model=tiny_model, n_values=2, data_dir=data, verbose=False)
    p = mouse.uns["vvp_params"]
    assert p["species"] == "mouse" and p["n_ortholog_case"] == 4 and p["n_uppercase"] == 2
    assert p["dropped"] == []
    human = scugrn.from_genes(genes)
    scugrn.tl.vvp(human, model=tiny_model, n_values=2, verbose=False)
    np.testing.assert_array_equal(mouse.varp["vvp"], human.varp["vvp"])
    # and proper mouse symbols go through the table
    proper = scugrn.from_genes(["Gata1", "Spi1", "Tal1", "Klf1"], species="mouse")
    scugrn.tl.vvp(proper, model=tiny_model, n_values=2, data_dir=data, verbose=False)
    assert proper.uns["vvp_params"]["n_ortholog"] == 4
    human4 = scugrn.from_genes(genes[:4])
    scugrn.tl.vvp(human4, model=tiny_model, n_values=2, verbose=False)
    np.testing.assert_array_equal(proper.varp["vvp"], human4.varp["vvp"])


# --- checkpoints -----------------------------------------------------------------------------------
def _broken_ckpt(tiny_ckpt, tmp_path, name):
    d = tmp_path / name
    shutil.copytree(tiny_ckpt, d)
    return d


@pytest.mark.parametrize("missing", ["args.json", "vocab.json", "best_model.pt"])
def test_checkpoint_missing_a_file(missing, tiny_ckpt, tmp_path, capsys):
    d = _broken_ckpt(tiny_ckpt, tmp_path, "ck")
    (d / missing).unlink()
    ad = scugrn.from_genes(GENES[:4])
    _fails(lambda: scugrn.tl.vvp(ad, model=d), ad, FileNotFoundError,
           expected=r"holds args.json, vocab.json and best_model.pt", found=re.escape(missing) + " not found",
           fix=r"copy the missing file")
    f = _genes_file(tmp_path, GENES[:4])
    _cli_fails(_features_cli(tmp_path, ["--genes", str(f)], d), capsys, tmp_path, found=re.escape(missing))


def test_truncated_weights(tiny_ckpt, tmp_path, capsys):
    d = _broken_ckpt(tiny_ckpt, tmp_path, "ck")
    w = (d / "best_model.pt").read_bytes()
    (d / "best_model.pt").write_bytes(w[: len(w) // 2])
    ad = scugrn.from_genes(GENES[:4])
    _fails(lambda: scugrn.tl.vvp(ad, model=d), ad, ValueError,
           expected=r"a dict of tensors", found=r"Could not read .*best_model.pt", fix=r"Re-download")
    f = _genes_file(tmp_path, GENES[:4])
    _cli_fails(_features_cli(tmp_path, ["--genes", str(f)], d), capsys, tmp_path, found="Could not read")


def test_vocab_not_matching_weights(tiny_ckpt, tmp_path, capsys):
    d = _broken_ckpt(tiny_ckpt, tmp_path, "ck")
    vocab = json.loads((d / "vocab.json").read_text())
    vocab["EXTRA1"] = max(vocab.values()) + 1
    (d / "vocab.json").write_text(json.dumps(vocab))
    ad = scugrn.from_genes(GENES[:4])
    _fails(lambda: scugrn.tl.vvp(ad, model=d), ad, ValueError,
           expected=r"gene embedding .* has 49 rows", found=r"vocab.json has 50 tokens", fix=r"different checkpoints")
    f = _genes_file(tmp_path, GENES[:4])
    _cli_fails(_features_cli(tmp_path, ["--genes", str(f)], d), capsys, tmp_path, found="vocab.json has 50 tokens")


@pytest.mark.parametrize(("field", "value", "found"), [
    ("nlayers", 3, r"missing weights \['transformer_encoder.layers.2"),
    ("MVC", False, r"unexpected weights \['mvc_decoder"),
    ("d_hid", 7, r"shape mismatches"),
    ("embsize", "big", r"embsize='big' \(expected an integer"),
    ("n_bins", 0, r"n_bins=0 \(expected an integer ≥ 2\)"),
    ("input_style", "raw", r"input_style='raw' \(expected one of"),
], ids=["nlayers", "MVC", "d_hid", "embsize-type", "n_bins", "input_style"])
def test_args_json_wrong_field(field, value, found, tiny_ckpt, tmp_path, capsys):
    d = _broken_ckpt(tiny_ckpt, tmp_path, "ck")
    args = json.loads((d / "args.json").read_text())
    args[field] = value
    (d / "args.json").write_text(json.dumps(args))
    ad = scugrn.from_genes(GENES[:4])
    _fails(lambda: scugrn.tl.vvp(ad, model=d), ad, ValueError,
           expected=r"architecture described by args.json|expected", found=found,
           fix=r"come from the same model|original args.json")
    f = _genes_file(tmp_path, GENES[:4])
    _cli_fails(_features_cli(tmp_path, ["--genes", str(f)], d), capsys, tmp_path, found=found)


def test_args_json_not_an_object(tiny_ckpt, tmp_path):
    d = _broken_ckpt(tiny_ckpt, tmp_path, "ck")
    (d / "args.json").write_text("[1, 2]")
    ad = scugrn.from_genes(GENES[:4])
    _fails(lambda: scugrn.tl.vvp(ad, model=d), ad, ValueError,
           expected=r"must hold a JSON object", found=r"found a list", fix=r"embsize, nheads")


# --- translators -----------------------------------------------------------------------------------
def test_corrupt_translator_file(tiny_model, tiny_ckpt, vvp_translator, tmp_path, capsys):
    _, good = vvp_translator
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(good.read_bytes()[:200])
    ad = _toy()
    scugrn.tl.vvp(ad, model=tiny_model, verbose=False)
    _fails(lambda: scugrn.tl.predict_grn(ad, translator=bad), ad, ValueError,
           expected=r"Expected a scugrn translator", found=r"cannot be read", fix=r"save it again")
    ens = tmp_path / "ens"
    ens.mkdir()
    (ens / "ensemble.json").write_text("{")
    _fails(lambda: scugrn.tl.predict_grn(ad, translator=ens), ad, ValueError,
           expected=r'\{"members"', found=r"cannot be read", fix=r"Ensemble.save")
    f = _genes_file(tmp_path, GENES[:6])
    _cli_fails(["infer", "--genes", str(f), "--model", str(tiny_ckpt), "--translator", str(bad), "--all-sources",
                "--out", str(tmp_path / "out.tsv")], capsys, tmp_path, found="cannot be read", inputs=[bad])


def test_features_made_with_other_settings(tiny_model, vvp_translator):
    """n_values=4 features against a translator trained on the default 8 (not a CLI row: `scugrn infer`
    computes the features with the translator's own settings)."""
    tr, _ = vvp_translator
    ad = _toy()
    scugrn.tl.vvp(ad, model=tiny_model, n_values=4, verbose=False)
    _fails(lambda: scugrn.tl.predict_grn(ad, translator=tr), ad, ValueError,
           expected=r"this translator expects target_values=\[", found=r"were made with target_values=\[",
           fix=r"Recompute them with the expected settings")
    other = scugrn.models.randomize(tiny_model, seed=3)  # same architecture, other weights
    assert other.info.sha256 != tiny_model.info.sha256
    ad2 = _toy()
    scugrn.tl.vvp(ad2, model=other, verbose=False)
    _fails(lambda: scugrn.tl.predict_grn(ad2, translator=tr), ad2, ValueError,
           expected=r"this translator expects", found=r"come from backbone", fix=r"Compute the features with")


# --- devices and precision -------------------------------------------------------------------------
@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is available here")
def test_cuda_without_cuda(tiny_model, tiny_ckpt, tmp_path, capsys):
    ad = scugrn.from_genes(GENES[:4])
    _fails(lambda: scugrn.tl.vvp(ad, model=tiny_model, device="cuda"), ad, ValueError,
           expected=r"device='cuda' was asked for", found=r"CUDA is not available", fix=r"device='cpu'")
    f = _genes_file(tmp_path, GENES[:4])
    _cli_fails(_features_cli(tmp_path, ["--genes", str(f)], tiny_ckpt, "--device", "cuda"), capsys, tmp_path,
               found="CUDA is not available")


def _no_cpu_low_precision():
    s = scugrn.settings
    return s.override(cpu_low_precision=False) if hasattr(s, "cpu_low_precision") else s.override()


def test_bf16_on_cpu(tiny_model, tiny_ckpt, tmp_path, capsys):
    ad = scugrn.from_genes(GENES[:4])
    with _no_cpu_low_precision():
        _fails(lambda: scugrn.tl.vvp(ad, model=tiny_model, dtype="bfloat16", device="cpu"), ad, ValueError,
               expected=r"bfloat16", found=r"cpu", fix=r"float32")
        f = _genes_file(tmp_path, GENES[:4])
        with scugrn.settings.override(dtype="bfloat16"):
            line = _cli_fails(_features_cli(tmp_path, ["--genes", str(f)], tiny_ckpt, "--device", "cpu"), capsys,
                              tmp_path, found="float32")
        assert "cpu" in line


# --- a long gene list ------------------------------------------------------------------------------
class _Stop(Exception):
    pass


@pytest.fixture(scope="module")
def ckpt_5000(tmp_path_factory):
    genes = [f"GENE{i}" for i in range(5000)]
    return scugrn.models.random_checkpoint(tmp_path_factory.mktemp("ck5k") / "ck", genes=genes, seed=0), genes


def test_5000_genes_say_time_and_memory_before_starting(ckpt_5000, tmp_path, caplog, monkeypatch, capsys):
    """The estimate is logged before any work starts (the run is stopped at its first step here),
    with time, memory, and on a CPU what to do instead; nothing is written."""
    import scugrn.probes

    def stop(*a, **k):
        raise _Stop

    monkeypatch.setattr(scugrn.probes, "run_probe", stop)
    monkeypatch.setattr(scugrn.probes, "run_probe_windowed", stop)
    ck, genes = ckpt_5000
    model = scugrn.models.load(ck, device="cpu")
    ad = scugrn.from_genes(genes)
    snap = _snapshot(ad)
    for probe in ("vvp", "gdt"):
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="scugrn"), pytest.raises(_Stop):
            getattr(scugrn.tl, probe)(ad, model=model)
        est = [r for r in caplog.records if "estimated time" in r.getMessage()]
        assert len(est) == 1 and est[0].levelno == logging.WARNING
        msg = est[0].getMessage()
        assert re.search(rf"tl.{probe} on 5,000 genes: estimated time ~[\d.]+ (min|h|days), peak memory ~[\d.]+ GiB", msg)
        assert "use a GPU (device='cuda')" in msg and "window=1199" in msg and "scugrn.pp.select" in msg
        _assert_unchanged(ad, snap)
    f = _genes_file(tmp_path, genes)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="scugrn"), pytest.raises(_Stop):
        main(_features_cli(tmp_path, ["--genes", str(f)], ck, "--probe", "vvp") + ["-q"])
    assert any("estimated time" in r.getMessage() for r in caplog.records)
    assert not (tmp_path / "out.h5ad").exists()


def test_estimate_formula_matches_the_benchmark_and_scales(tiny_model, caplog):
    """The FLOP count is the benchmark's own (benchmarks/probe_speed.py), and the estimate grows as
    the counted work: ×(K ratio) sources × per-cell cost."""
    import importlib.util
    from pathlib import Path

    from scugrn.tl._estimate import estimate, flops_per_cell

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "probe_speed.py"
    if script.exists():
        spec = importlib.util.spec_from_file_location("_probe_speed", script)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for args in ((500, 12, 512, 512, "gdt"), (5000, 4, 64, 128, "vvp"), (100, 2, 32, 64, "gdt")):
            assert flops_per_cell(*args) == mod.flops_per_cell(*args)
    a, b = estimate("gdt", tiny_model, 1000, 8), estimate("gdt", tiny_model, 2000, 8)
    c = tiny_model.cfg
    want = 2 * flops_per_cell(2000, c.nlayers, c.d_model, c.d_hid, "gdt") / flops_per_cell(1000, c.nlayers, c.d_model,
                                                                                           c.d_hid, "gdt")
    assert b["seconds"] / a["seconds"] == pytest.approx(want)
    assert b["bytes"] > a["bytes"]
    with caplog.at_level(logging.INFO, logger="scugrn"):  # a small job says its estimate quietly
        scugrn.tl.vvp(_toy(), model=tiny_model, n_values=2, verbose=False)
    est = [r for r in caplog.records if "estimated time" in r.getMessage()]
    assert len(est) == 1 and est[0].levelno == logging.INFO
