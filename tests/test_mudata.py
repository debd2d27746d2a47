"""scverse inputs and outputs: MuData, an scGPT model in memory, decoupler and networkx on the edges."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import GENES
from test_scgpt_parity import _random_cells, _vocab, upstream  # noqa: F401 (fixture)

import scugrn
from scugrn import Key

mudata = pytest.importorskip("mudata")
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _toy():
    return scugrn.datasets.toy(n_tfs=4, n_targets=12, genes=GENES[:16], seed=1)


def _mdata(ad, name="rna"):
    other = scugrn.datasets.toy(n_tfs=2, n_targets=3, seed=2)
    other.var_names = [f"peak{i}" for i in range(other.n_vars)]
    other.obs_names = ad.obs_names
    return mudata.MuData({name: ad, "atac": other})


def _translator(model):
    ad = _toy()
    scugrn.tl.vvp(ad, model=model, n_values=3, verbose=False)
    return scugrn.tl.train_translator(ad, features="vvp", epochs=3, neg_ratio=None)


# --- MuData --------------------------------------------------------------------------------------
def test_tl_on_mudata_writes_into_the_rna_modality(tiny_model):
    ad = _toy()
    md = _mdata(ad)
    assert scugrn.tl.vvp(md, model=tiny_model, n_values=3, verbose=False) is None
    scugrn.tl.emb(md, model=tiny_model, verbose=False)
    ref = _toy()
    scugrn.tl.vvp(ref, model=tiny_model, n_values=3, verbose=False)
    np.testing.assert_array_equal(md.mod["rna"].varp["vvp"], ref.varp["vvp"])
    assert "vvp_params" in md.mod["rna"].uns and "emb" in md.mod["rna"].varm
    assert "vvp" not in md.mod["atac"].varp and "vvp_params" not in md.uns
    tr = _translator(tiny_model)
    scugrn.tl.predict_grn(md, translator=tr)
    assert list(md.mod["rna"].uns[Key.GRN].columns[:3]) == ["source", "target", "weight"]


def test_mudata_other_modality_name_and_copy(tiny_model):
    md = _mdata(_toy(), name="gex")
    with pytest.raises(ValueError, match=r"modality named 'rna'.*found modalities \['gex', 'atac'\].*mod="):
        scugrn.tl.vvp(md, model=tiny_model, n_values=2, verbose=False)
    with pytest.raises(ValueError, match=r"mod='prot' is not a modality.*\['gex', 'atac'\]"):
        scugrn.tl.gdt(md, model=tiny_model, n_values=2, verbose=False, mod="prot")
    assert "vvp" not in md.mod["gex"].varp and "gdt" not in md.mod["gex"].varp
    out = scugrn.tl.gdt(md, model=tiny_model, n_values=2, verbose=False, mod="gex", copy=True)
    assert isinstance(out, mudata.MuData) and "gdt" in out.mod["gex"].varp
    assert "gdt" not in md.mod["gex"].varp  # the original is untouched
    with pytest.raises(TypeError, match="mod='rna' selects a modality of a MuData.*AnnData"):
        scugrn.tl.vvp(_toy(), model=tiny_model, mod="rna")


def test_select_on_mudata_subsets_the_modality():
    ad = _toy()
    md = _mdata(ad)
    n_atac = md.mod["atac"].n_vars
    tfs = list(ad.var_names[:4])
    ref = scugrn.pp.select(_toy(), n_top_genes=5, tfs=tfs, copy=True)
    scugrn.pp.select(md, n_top_genes=5, tfs=tfs)
    rna = md.mod["rna"]
    assert list(rna.var_names) == list(ref.var_names) and rna.n_vars < 16
    pd.testing.assert_frame_equal(rna.var, ref.var)
    assert md.n_vars == rna.n_vars + n_atac  # the MuData's var follows the subset modality


# --- an scGPT model in memory -----------------------------------------------------------------------
def _upstream_model(upstream, *, fast, pre_norm=False, seed=1):  # noqa: F811
    vocab = _vocab()
    torch.manual_seed(seed)
    ref = upstream.TransformerModel(
        len(vocab), 32, 4, 48, 3, vocab=vocab, dropout=0.2, pad_token="<pad>", pad_value=-2,
        do_mvc=True, input_emb_style="continuous", use_fast_transformer=fast, pre_norm=pre_norm,
    ).eval()
    with torch.no_grad():  # non-trivial norms and biases so a mix-up cannot hide
        for name, p in ref.named_parameters():
            if "norm" in name or name.endswith("bias"):
                p.add_(0.1 * torch.randn_like(p))
    return ref, vocab


@pytest.mark.parametrize(("fast", "pre_norm"), [(False, False), (True, False), (True, True)],
                         ids=["torch-layers", "flash-post-norm", "flash-pre-norm"])
def test_from_scgpt_equals_upstream(upstream, fast, pre_norm):  # noqa: F811
    ref, vocab = _upstream_model(upstream, fast=fast, pre_norm=pre_norm)
    before = {k: v.clone() for k, v in ref.state_dict().items()}
    bb = scugrn.models.from_scgpt(ref, vocab)
    ids, values, pad = _random_cells(vocab)
    with torch.no_grad():
        want = ref(ids, values, pad, MVC=True)
        got = bb.module(ids, values, pad, mvc=True)
    keep = ~pad
    assert (want["mlm_output"] - got["mlm_output"])[keep].abs().max().item() < 1e-5
    assert (want["mvc_output"] - got["mvc_output"])[keep].abs().max().item() < 1e-5
    assert all(torch.equal(before[k], v) for k, v in ref.state_dict().items())  # upstream untouched
    assert bb.info.source == "memory" and len(bb.info.sha256) == 64
    # another seed: another identity, other outputs (the comparison above can fail)
    other = scugrn.models.from_scgpt(_upstream_model(upstream, fast=fast, pre_norm=pre_norm, seed=2)[0], vocab)
    assert other.info.sha256 != bb.info.sha256
    with torch.no_grad():
        assert (other.module(ids, values, pad)["mlm_output"] - got["mlm_output"])[keep].abs().max() > 1e-3


def test_in_memory_model_in_tl_and_gene_vocab_like(upstream):  # noqa: F811
    ref, vocab = _upstream_model(upstream, fast=True)

    class GeneVocabLike:  # scGPT's GeneVocab is a torchtext Vocab: get_stoi() gives the dict
        def get_stoi(self):
            return dict(vocab)

    ad = scugrn.from_genes(GENES[:10])
    scugrn.tl.vvp(ad, model=ref, vocab=GeneVocabLike(), n_values=2, verbose=False)
    want = scugrn.from_genes(GENES[:10])
    scugrn.tl.vvp(want, model=scugrn.models.from_scgpt(ref, vocab), n_values=2, verbose=False)
    np.testing.assert_array_equal(ad.varp["vvp"], want.varp["vvp"])
    assert ad.uns["vvp_params"]["backbone"]["source"] == "memory"
    with pytest.raises(ValueError, match="vocab="):
        scugrn.tl.vvp(scugrn.from_genes(GENES[:10]), model=ref, n_values=2)


def test_from_scgpt_is_strict(upstream):  # noqa: F811
    ref, vocab = _upstream_model(upstream, fast=False)
    state = ref.state_dict()
    args = {"embsize": 32, "nheads": 4, "d_hid": 48, "nlayers": 3, "MVC": True}
    assert scugrn.models.from_scgpt(state, vocab, args) is not None
    missing = {k: v for k, v in state.items() if "decoder.fc.0" not in k}
    with pytest.raises(ValueError, match=r"missing weights \['decoder.fc.0.bias', 'decoder.fc.0.weight'\]"):
        scugrn.models.from_scgpt(missing, vocab, args)
    extra = {**state, "batch_encoder.embedding.weight": torch.zeros(3, 32)}
    with pytest.raises(ValueError, match=r"unexpected weights \['batch_encoder.embedding.weight'\]"):
        scugrn.models.from_scgpt(extra, vocab, args)
    with pytest.raises(ValueError, match="nlayers|unexpected weights"):
        scugrn.models.from_scgpt(state, vocab, {**args, "nlayers": 2})
    small = {k: v for k, v in vocab.items() if v < 20}
    with pytest.raises(ValueError, match="different checkpoints"):
        scugrn.models.from_scgpt(ref, small)
    with pytest.raises(ValueError, match="needs args="):
        scugrn.models.from_scgpt(state, vocab)
    with pytest.raises(TypeError, match="GeneVocab or a dict"):
        scugrn.models.from_scgpt(ref, ["<pad>", "G0"])


# --- decoupler and networkx take the edges as they are ------------------------------------------
def _grn(tiny_model):
    ad = _toy()
    tr = _translator(tiny_model)
    scugrn.tl.vvp(ad, model=tiny_model, n_values=3, verbose=False)
    scugrn.tl.predict_grn(ad, translator=tr)
    return ad


def test_decoupler_ulm_on_the_edges(tiny_model):
    dc = pytest.importorskip("decoupler")
    from scipy import stats

    ad = _grn(tiny_model)
    net = ad.uns[Key.GRN]
    dc.mt.ulm(data=ad, net=net, tmin=3, verbose=False)
    scores = ad.obsm["score_ulm"]
    assert set(scores.columns) == set(net["source"])  # every TF scored (each has 15 targets)
    # ulm = t-value of a per-cell linear fit of expression on the edge weights (0 for genes that
    # are not the TF's targets) over the genes of the network: check one by hand
    tf = scores.columns[0]
    genes = sorted(set(net["target"]) & set(ad.var_names))
    w = net[net["source"] == tf].set_index("target")["weight"].reindex(genes, fill_value=0.0)
    t = stats.linregress(w.to_numpy(), np.asarray(ad[0, genes].X).ravel())
    want = t.slope / t.stderr
    np.testing.assert_allclose(scores.iloc[0][tf], want, rtol=1e-4)


def test_networkx_from_the_edges(tiny_model):
    import networkx as nx

    ad = _grn(tiny_model)
    df = ad.uns[Key.GRN]
    G = nx.from_pandas_edgelist(df, "source", "target", edge_attr="weight", create_using=nx.DiGraph)
    assert G.number_of_edges() == len(df) == 4 * 15
    s, t, w = df.iloc[0][["source", "target", "weight"]]
    assert G[s][t]["weight"] == pytest.approx(w)
    assert {n for n, d in G.out_degree() if d} == set(ad.var_names[ad.var[Key.IS_TF]])
    assert isinstance(df, pd.DataFrame)
