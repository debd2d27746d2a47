"""Proof of weight compatibility: our forward equals upstream scGPT's ``TransformerModel``.

Upstream's ``scgpt/model/model.py`` is loaded straight from the ``scgpt`` wheel on PyPI (0.2.4),
without the package's torchtext-dependent ``__init__``. The wheel is found via ``SCUGRN_SCGPT_WHEEL``
or ``.cache/wheels/`` (``scripts/setup.sh`` downloads it).
"""

from __future__ import annotations

import importlib.util
import os
import sys
import types
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import GENES, ROOT

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _find_wheel() -> Path | None:
    env = os.environ.get("SCUGRN_SCGPT_WHEEL")
    if env and Path(env).exists():
        return Path(env)
    found = sorted((ROOT / ".cache" / "wheels").glob("scgpt-*.whl"))
    return found[-1] if found else None


class _StubFlashMHA(torch.nn.Module):
    """Stand-in for flash_attn's FlashMHA (same parameter names, same mask convention: True =
    keep) so upstream's FlashTransformerEncoderLayer — and its pre-norm scheme — can run here."""

    def __init__(self, embed_dim, num_heads, batch_first=True, attention_dropout=0.0, **kw):
        super().__init__()
        self.h = self.num_heads = num_heads
        self.Wqkv = torch.nn.Linear(embed_dim, 3 * embed_dim)
        self.out_proj = torch.nn.Linear(embed_dim, embed_dim)
        self.batch_first = batch_first

    def forward(self, x, key_padding_mask=None, **kw):
        B, L, d = x.shape
        q, k, v = self.Wqkv(x).view(B, L, 3, self.h, d // self.h).permute(2, 0, 3, 1, 4)
        s = q @ k.transpose(-1, -2) / (d // self.h) ** 0.5
        if key_padding_mask is not None:
            s = s.masked_fill(~key_padding_mask[:, None, None, :], float("-inf"))
        o = (s.softmax(-1) @ v).transpose(1, 2).reshape(B, L, d)
        return self.out_proj(o), None


@pytest.fixture(scope="module")
def upstream(tmp_path_factory):
    whl = _find_wheel()
    if whl is None:
        pytest.skip(
            "upstream scgpt wheel not found: run `pip download --no-deps scgpt==0.2.4 -d .cache/wheels` "
            "(scripts/setup.sh does) or set SCUGRN_SCGPT_WHEEL"
        )
    out = tmp_path_factory.mktemp("upstream")
    with zipfile.ZipFile(whl) as z:
        for name in ("model.py", "dsbn.py", "grad_reverse.py"):
            (out / name).write_bytes(z.read(f"scgpt/model/{name}"))
    fake_flash = types.ModuleType("flash_attn")
    fake_flash_sub = types.ModuleType("flash_attn.flash_attention")
    fake_flash_sub.FlashMHA = _StubFlashMHA
    saved = {k: sys.modules.get(k) for k in ("flash_attn", "flash_attn.flash_attention")}
    sys.modules["flash_attn"], sys.modules["flash_attn.flash_attention"] = fake_flash, fake_flash_sub
    try:
        pkg = types.ModuleType("_upstream_scgpt")
        pkg.__path__ = [str(out)]
        sys.modules["_upstream_scgpt"] = pkg
        mods = {}
        for name in ("dsbn", "grad_reverse", "model"):
            spec = importlib.util.spec_from_file_location(f"_upstream_scgpt.{name}", out / f"{name}.py")
            mod = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = mod
            spec.loader.exec_module(mod)
            mods[name] = mod
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    return mods["model"]


def _vocab():
    return {t: i for i, t in enumerate(["<pad>", "<cls>", "<eoc>", *GENES])}


def _random_cells(vocab, B=5, L=24, n_pad=(0, 3, 7, 0, 11), seed=0):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(3, len(vocab), (B, L), generator=g)
    ids[:, 0] = vocab["<cls>"]
    values = torch.randint(0, 51, (B, L), generator=g).float()
    values[:, 0] = 0
    pad = torch.zeros(B, L, dtype=torch.bool)
    for b, n in enumerate(n_pad):
        if n:
            pad[b, -n:] = True
            ids[b, -n:] = vocab["<pad>"]
            values[b, -n:] = -2
    return ids, values, pad


@pytest.mark.parametrize(
    ("fast", "pre_norm", "layout"),
    [(False, False, "pytorch"), (False, False, "flash"), (True, False, "flash"), (True, True, "flash")],
    ids=["torch-layers/in_proj", "torch-layers/Wqkv", "flash-layers/post-norm", "flash-layers/pre-norm"],
)
def test_forward_equals_upstream(upstream, tmp_path, fast, pre_norm, layout):
    import json

    import scugrn
    from scugrn.models.scgpt import ARGS_FILE, VOCAB_FILE, WEIGHTS_FILE, _torch_to_flash

    vocab = _vocab()
    torch.manual_seed(1)
    ref = upstream.TransformerModel(
        len(vocab), 32, 4, 48, 3, vocab=vocab, dropout=0.2, pad_token="<pad>", pad_value=-2,
        do_mvc=True, input_emb_style="continuous", use_fast_transformer=fast, pre_norm=pre_norm,
    ).eval()
    with torch.no_grad():  # non-trivial layer norms and biases, so a mix-up cannot hide
        for name, p in ref.named_parameters():
            if "norm" in name or name.endswith("bias"):
                p.add_(0.1 * torch.randn_like(p))
    state = ref.state_dict()
    if fast:
        assert any("Wqkv" in k for k in state)  # upstream's own flash layout
    elif layout == "flash":
        state = {_torch_to_flash(k): v for k, v in state.items()}
    ck = tmp_path / "ck"
    ck.mkdir()
    torch.save(state, ck / WEIGHTS_FILE)
    (ck / VOCAB_FILE).write_text(json.dumps(vocab))
    args = {"embsize": 32, "nheads": 4, "d_hid": 48, "nlayers": 3, "n_layers_cls": 3, "dropout": 0.2,
            "pad_token": "<pad>", "pad_value": -2, "n_bins": 51, "input_emb_style": "continuous",
            "MVC": True, "fast_transformer": fast, "pre_norm": pre_norm}
    (ck / ARGS_FILE).write_text(json.dumps(args))

    ours = scugrn.models.load(ck, device="cpu")
    ids, values, pad = _random_cells(vocab)
    with torch.no_grad():
        want = ref(ids, values, pad, MVC=True)
        got = ours.module(ids, values, pad, mvc=True)
    keep = ~pad  # upstream's fast path returns zeros at padded positions; only real genes matter
    diff = (want["mlm_output"] - got["mlm_output"])[keep].abs().max().item()
    diff_mvc = (want["mvc_output"] - got["mvc_output"])[keep].abs().max().item()
    scale = want["mlm_output"][keep].abs().max().item()
    print(f"[parity {layout} fast={fast} pre_norm={pre_norm}] max|Δ mlm|={diff:.2e} "
          f"max|Δ mvc|={diff_mvc:.2e} (|mlm| up to {scale:.2f})")
    assert diff < 1e-5
    assert diff_mvc < 1e-5
    # and the probing entry point agrees with the raw forward on an unpadded cell
    row = 0
    with torch.no_grad():
        pred = ours.predict(ids[row, 1:], values[row : row + 1, 1:])
    np.testing.assert_allclose(pred.numpy(), want["mlm_output"][row : row + 1, 1:].numpy(), atol=1e-5)


def test_random_init_differs_from_upstream_shape_only(upstream):
    """Guard against a vacuous parity test: different weights give different outputs."""
    import scugrn.models.scgpt as S

    vocab = _vocab()
    a = S.build_module(vocab, seed=0, d_model=32, nhead=4, d_hid=48, nlayers=3).eval()
    b = S.build_module(vocab, seed=1, d_model=32, nhead=4, d_hid=48, nlayers=3).eval()
    ids, values, pad = _random_cells(vocab)
    with torch.no_grad():
        d = (a(ids, values, pad)["mlm_output"] - b(ids, values, pad)["mlm_output"]).abs().max()
    assert d > 1e-3
