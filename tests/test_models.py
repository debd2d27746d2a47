"""Checkpoint loading is strict: every corrupt or mismatched input is an explained error."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch
from conftest import GENES

import scugrn
from scugrn.models.scgpt import ARGS_FILE, VOCAB_FILE, WEIGHTS_FILE


@pytest.fixture
def ck(tiny_ckpt, tmp_path):
    dst = tmp_path / "ck"
    shutil.copytree(tiny_ckpt, dst)
    return dst


def _edit_state(ck, fn):
    sd = torch.load(ck / WEIGHTS_FILE, weights_only=True)
    fn(sd)
    torch.save(sd, ck / WEIGHTS_FILE)


def test_loads_and_reports(tiny_model, tiny_ckpt):
    assert tiny_model.info.sha256 == scugrn.models.scgpt.sha256_file(tiny_ckpt / WEIGHTS_FILE)
    assert "scGPT" in repr(tiny_model)
    keys = torch.load(tiny_ckpt / WEIGHTS_FILE, weights_only=True).keys()
    assert any("Wqkv" in k for k in keys)  # written in scGPT's released (flash) layout


def test_missing_weight(ck):
    _edit_state(ck, lambda sd: sd.pop("transformer_encoder.layers.1.linear2.bias"))
    with pytest.raises(ValueError, match=r"missing weights \['transformer_encoder.layers.1.linear2.bias'\]"):
        scugrn.models.load(ck)


def test_unexpected_weight(ck):
    _edit_state(ck, lambda sd: sd.__setitem__("flag_encoder.weight", torch.zeros(2, 32)))
    with pytest.raises(ValueError, match=r"unexpected weights \['flag_encoder.weight'\]"):
        scugrn.models.load(ck)


def test_shape_mismatch(ck):
    _edit_state(ck, lambda sd: sd.__setitem__("decoder.fc.0.weight", torch.zeros(32, 16)))
    with pytest.raises(ValueError, match=r"decoder.fc.0.weight: checkpoint \(32, 16\) vs model \(32, 32\)"):
        scugrn.models.load(ck)


def test_vocab_mismatch(ck):
    vocab = json.loads((ck / VOCAB_FILE).read_text())
    vocab["EXTRA"] = max(vocab.values()) + 1
    (ck / VOCAB_FILE).write_text(json.dumps(vocab))
    with pytest.raises(ValueError, match="vocab.json has .* tokens .* gene embedding .* rows"):
        scugrn.models.load(ck)


def test_args_mismatch(ck):
    args = json.loads((ck / ARGS_FILE).read_text())
    args["nlayers"] = 3
    (ck / ARGS_FILE).write_text(json.dumps(args))
    with pytest.raises(ValueError, match="missing weights .*layers.2"):
        scugrn.models.load(ck)


def test_unsupported_args(ck):
    args = json.loads((ck / ARGS_FILE).read_text())
    args["use_batch_labels"] = True
    (ck / ARGS_FILE).write_text(json.dumps(args))
    with pytest.raises(ValueError, match="use_batch_labels"):
        scugrn.models.load(ck)


def test_corrupt_weights(ck):
    data = (ck / WEIGHTS_FILE).read_bytes()
    (ck / WEIGHTS_FILE).write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="Could not read .* weights_only=True"):
        scugrn.models.load(ck)


def test_pickled_object_is_refused(ck):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    torch.save({"x": Evil()}, ck / WEIGHTS_FILE)
    with pytest.raises(ValueError, match="weights_only=True"):
        scugrn.models.load(ck)


def test_sha256_check(ck):
    with pytest.raises(ValueError, match="sha256 of .* expected 0000"):
        scugrn.models.load(ck, sha256="0000")


def test_missing_files(ck, tmp_path):
    (ck / VOCAB_FILE).unlink()
    with pytest.raises(FileNotFoundError, match="vocab.json not found"):
        scugrn.models.load(ck)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        scugrn.models.load(tmp_path / "nowhere")
    (ck / VOCAB_FILE).write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        scugrn.models.load(ck)


def test_pytorch_layout_and_ddp_prefix_load(tiny_model, ck):
    from scugrn.models.scgpt import _flash_to_torch

    _edit_state(ck, lambda sd: [sd.__setitem__("module." + _flash_to_torch(k), sd.pop(k)) for k in list(sd)])
    m = scugrn.models.load(ck)
    ids = torch.as_tensor(m.token_ids(GENES[:6]))
    v = torch.rand(2, 6) * 50
    with torch.no_grad():
        np.testing.assert_array_equal(m.predict(ids, v).numpy(), tiny_model.predict(ids, v).numpy())


def test_randomize_changes_weights_not_architecture(tiny_model):
    rnd = scugrn.models.randomize(tiny_model, seed=1)
    assert rnd.cfg.nlayers == tiny_model.cfg.nlayers and rnd.vocab == tiny_model.vocab
    assert rnd.info.sha256 != tiny_model.info.sha256
    ids = torch.as_tensor(tiny_model.token_ids(GENES[:6]))
    v = torch.rand(2, 6) * 50
    with torch.no_grad():
        assert not torch.allclose(rnd.predict(ids, v), tiny_model.predict(ids, v))


def test_binning_matches_scgpt_rule(tiny_model):
    X = np.array([[0, 1, 2, 3, 4, 0], [0, 0, 0, 0, 0, 0], [5, 5, 5, 0, 0, 1]], dtype=np.float32)
    B = tiny_model.to_input_scale(X)
    assert (B[X == 0] == 0).all() and (B[X > 0] >= 1).all() and B.max() <= 50
    assert B[0, 4] == 50 and B[0, 1] == 1  # the cell's max gets the top bin, its min the first
    assert (np.diff(B[0, 1:5]) > 0).all()


def test_gene_embeddings_and_unknown_tokens(tiny_model):
    E = tiny_model.gene_embeddings(GENES[:3])
    assert E.shape == (3, 32)
    with pytest.raises(ValueError, match="'NOPE'"):
        tiny_model.token_ids(["GATA1", "NOPE"])
