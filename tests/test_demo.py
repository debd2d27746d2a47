"""The demo backbone and the translators shipped with scugrn (package data, no shared data needed)."""

from __future__ import annotations

import json

import numpy as np
import pytest

GENES = ["GATA1", "SPI1", "TAL1", "KLF1", "CEBPA", "MYC", "RUNX1", "FLI1"]
TFS = ["GATA1", "SPI1", "TAL1", "CEBPA", "RUNX1"]


@pytest.fixture(scope="module")
def demo():
    import scugrn

    return scugrn.models.load("demo", device="cpu")


def test_demo_backbone_is_the_recorded_one(demo):
    from scugrn.models._demo import DEMO_DIR, DEMO_SHA256

    log = json.loads((DEMO_DIR / "train_log.json").read_text())
    assert demo.info.name == "scugrn-demo"
    assert demo.info.sha256 == DEMO_SHA256 == log["sha256"]
    assert (DEMO_DIR / "best_model.pt").stat().st_size < 20e6
    # scGPT_human's token ids: census vocabulary + <pad>, <cls>, <eoc>
    assert len(demo.vocab) == 60697
    assert (demo.vocab["<pad>"], demo.vocab["<cls>"], demo.vocab["<eoc>"]) == (60694, 60695, 60696)
    assert demo.cfg.d_model == log["config"]["d_model"] and demo.cfg.nlayers == log["config"]["nlayers"]


def test_demo_says_it_is_a_demo():
    from scugrn.models._demo import demo

    assert "not a foundation model" in " ".join(demo.__doc__.split())


def test_demo_predicts(demo):
    import torch

    ids = torch.as_tensor(demo.token_ids(GENES))
    v = torch.zeros(2, len(GENES))
    v[1, 0] = 30.0
    out = demo.predict(ids, v)
    assert out.shape == (2, len(GENES)) and torch.isfinite(out).all()
    assert not torch.allclose(out[0], out[1])


def _need(name):
    from scugrn.translator._pretrained import _FILES, PRETRAINED_DIR

    if not (PRETRAINED_DIR / _FILES[name]).exists():
        pytest.skip(f"the pretrained {name!r} translator is not bundled in this version (see docs/demo_backbone.md)")


def test_pretrained_translators_belong_to_the_demo():
    from scugrn.models._demo import DEMO_SHA256
    from scugrn.translator import Ensemble, Translator
    from scugrn.translator._pretrained import _FILES, PRETRAINED_DIR, pretrained

    with pytest.raises(ValueError, match="expected one of"):
        pretrained("attn")
    _need("vvp")
    if (PRETRAINED_DIR / _FILES["ens"]).exists():
        ens = pretrained("ens")
        assert isinstance(ens, Ensemble) and ens.keys == ["vvp", "gdt"]
    for name in ("vvp", "gdt"):
        if not (PRETRAINED_DIR / _FILES[name]).exists():
            continue
        tr = pretrained(name)
        assert isinstance(tr, Translator) and tr.n_in == 16 and tr.spec["probe"] == name
        assert tr.spec["backbone"]["sha256"] == DEMO_SHA256


def test_pretrained_ensemble_end_to_end(demo):
    import scugrn
    from scugrn.translator._pretrained import pretrained

    _need("ens")
    ad = scugrn.from_genes(GENES, tfs=TFS)
    scugrn.tl.vvp(ad, model=demo, verbose=False)
    scugrn.tl.gdt(ad, model=demo, verbose=False)
    scugrn.tl.predict_grn(ad, translator=pretrained("ens"))
    grn = ad.uns["grn"]
    assert list(grn.columns) == ["source", "target", "weight", "score", "rank"]
    assert len(grn) == len(TFS) * (len(GENES) - 1)
    assert set(grn["source"]) == set(TFS) and np.all((grn["weight"] >= 0) & (grn["weight"] <= 1))


def test_pretrained_translator_refuses_other_backbones(tmp_path):
    import scugrn
    from scugrn.translator._pretrained import pretrained

    _need("vvp")
    ck = scugrn.models.random_checkpoint(tmp_path / "ck", genes=GENES, d_model=16, nlayers=1, nhead=2, d_hid=16)
    ad = scugrn.from_genes(GENES, tfs=TFS)
    scugrn.tl.vvp(ad, model=ck, verbose=False)
    with pytest.raises(ValueError, match="backbone"):
        scugrn.tl.predict_grn(ad, translator=pretrained("vvp"))


def test_toy_runs_end_to_end_on_the_demo(demo):
    """datasets.toy() has real symbols, all in the demo vocabulary: the README's Python example."""
    import scugrn
    from scugrn.datasets._genes import TOY_TARGETS, TOY_TFS

    assert set(TOY_TFS + TOY_TARGETS) <= set(demo.vocab) and len(set(TOY_TARGETS)) == len(TOY_TARGETS)
    ad = scugrn.datasets.toy(seed=0)
    assert list(ad.var_names[:5]) == list(TOY_TFS[:5]) and ad.var["is_tf"].sum() == 5
    scugrn.tl.vvp(ad, model=demo, verbose=False)
    scugrn.tl.gdt(ad, model=demo, verbose=False)
    assert len(ad.uns["vvp_params"]["dropped"]) == 0 and ad.uns["vvp_params"]["n_exact"] == 30
    scugrn.tl.predict_grn(ad, translator=pretrained_ens())
    grn = ad.uns["grn"]
    assert len(grn) == 5 * 29 and np.isfinite(grn["score"]).all()
    with pytest.raises(ValueError, match="at most 10 TFs"):
        scugrn.datasets.toy(n_tfs=11)


def pretrained_ens():
    from scugrn.translator._pretrained import pretrained

    return pretrained("ens")


def test_readme_python_example_runs():
    """The README's Python block, as written, on the demo (no network, no shared data)."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    code = re.search(r"## In Python.*?```python\n(.*?)```", readme, re.DOTALL).group(1)
    env: dict = {}
    exec(compile(code, "README.md", "exec"), env)  # noqa: S102 (our own README)
    edges = env["edges"]
    assert list(edges.columns) == ["source", "target", "weight", "score", "rank"]
    assert (edges.groupby("source").size() == 10).all() and len(edges) == 5 * 10
    assert env["genes"].n_vars == 4
