"""A weight-compatible re-implementation of scGPT's ``TransformerModel`` (bowang-lab/scGPT).

Parameter names and shapes are those of upstream ``scgpt.model.TransformerModel`` built with
PyTorch's ``nn.TransformerEncoderLayer`` (``self_attn.in_proj_weight`` ...). Checkpoints saved with
flash-attention (``self_attn.Wqkv.*``) are renamed on load (same packed [q; k; v] layout).
No torchtext, no flash-attn: attention is PyTorch's scaled-dot-product attention, or written out
(``attn_impl="math"``), which forward-mode AD (GDT's JVPs) can differentiate.

``tests/test_scgpt_parity.py`` proves equality with the upstream forward on the same weights.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from ._precision import mm32, up


class LayerNorm(nn.LayerNorm):
    """``nn.LayerNorm`` that always normalises in float32 (same weights and names): under
    autocast its output stays float32 on CPU and CUDA alike (the precision policy, _precision.py)."""

    def forward(self, x):
        return F.layer_norm(up(x), self.normalized_shape, self.weight, self.bias, self.eps)


@dataclass
class ScGPTConfig:
    """Hyperparameters of a scGPT checkpoint (the official ``args.json`` names in comments)."""

    ntoken: int
    d_model: int = 512  # embsize
    nhead: int = 8  # nheads
    d_hid: int = 512  # d_hid
    nlayers: int = 12  # nlayers
    nlayers_cls: int = 3  # n_layers_cls
    n_cls: int = 1
    dropout: float = 0.2  # dropout
    pad_token: str = "<pad>"  # pad_token
    pad_value: float = -2  # pad_value
    mask_value: float = -1  # mask_value
    n_bins: int = 51  # n_bins
    input_style: str = "binned"  # input_style
    input_emb_style: str = "continuous"  # input_emb_style
    do_mvc: bool = True  # MVC
    mvc_decoder_style: str = "inner product"
    explicit_zero_prob: bool = False  # explicit_zero_prob
    pre_norm: bool = False  # pre_norm (only honoured by flash-attention layers upstream)
    fast_transformer: bool = True  # fast_transformer (weights in Wqkv layout)
    max_seq_len: int = 1200  # max_seq_len
    extra: dict = field(default_factory=dict)

    # args.json name -> our field
    _ARGS: ClassVar[dict[str, str]] = {
        "embsize": "d_model",
        "nheads": "nhead",
        "d_hid": "d_hid",
        "nlayers": "nlayers",
        "n_layers_cls": "nlayers_cls",
        "dropout": "dropout",
        "pad_token": "pad_token",
        "pad_value": "pad_value",
        "mask_value": "mask_value",
        "n_bins": "n_bins",
        "input_style": "input_style",
        "input_emb_style": "input_emb_style",
        "MVC": "do_mvc",
        "explicit_zero_prob": "explicit_zero_prob",
        "pre_norm": "pre_norm",
        "fast_transformer": "fast_transformer",
        "max_seq_len": "max_seq_len",
    }
    # args that would change the architecture in ways we do not implement
    _UNSUPPORTED: ClassVar[dict[str, bool]] = {"use_batch_labels": False, "DSBN": False, "do_dab": False, "ADV": False}

    @classmethod
    def from_args(cls, args: dict, *, ntoken: int) -> ScGPTConfig:
        for k, ok in cls._UNSUPPORTED.items():
            if args.get(k, ok) not in (ok, None):
                msg = (
                    f"args.json sets {k}={args[k]!r}; scugrn supports scGPT checkpoints without "
                    f"{k} (expected {ok!r}). Batch-label/DSBN heads are fine-tuning heads, not "
                    "the pretrained foundation model."
                )
                raise ValueError(msg)
        kw = {ours: args[theirs] for theirs, ours in cls._ARGS.items() if theirs in args}
        missing = [t for t in ("embsize", "nheads", "d_hid", "nlayers") if t not in args]
        if missing:
            msg = f"args.json lacks {missing}; expected scGPT's official args.json with these keys."
            raise ValueError(msg)
        extra = {k: v for k, v in args.items() if k not in cls._ARGS}
        return cls(ntoken=ntoken, extra=extra, **kw)

    def to_args(self) -> dict:
        """The official ``args.json`` form of this config."""
        d = asdict(self)
        out = {theirs: d[ours] for theirs, ours in self._ARGS.items()}
        out.update(self.extra)
        return out

    def validate(self) -> None:
        if self.d_model % self.nhead:
            msg = f"embsize={self.d_model} must be divisible by nheads={self.nhead}."
            raise ValueError(msg)
        if self.input_emb_style not in {"continuous", "category", "scaling"}:
            msg = (
                f"input_emb_style={self.input_emb_style!r}; expected 'continuous', 'category' or "
                "'scaling'."
            )
            raise ValueError(msg)
        if self.mvc_decoder_style != "inner product":
            msg = f"MVC decoder style {self.mvc_decoder_style!r} is not supported (only 'inner product')."
            raise ValueError(msg)


class GeneEncoder(nn.Module):
    def __init__(self, ntoken: int, d: int, padding_idx: int | None):
        super().__init__()
        self.embedding = nn.Embedding(ntoken, d, padding_idx=padding_idx)
        self.enc_norm = LayerNorm(d)

    def forward(self, x):
        return self.enc_norm(self.embedding(x))


class ContinuousValueEncoder(nn.Module):
    def __init__(self, d: int, dropout: float, max_value: float = 512):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.linear1 = nn.Linear(1, d)
        self.linear2 = nn.Linear(d, d)
        self.norm = LayerNorm(d)
        self.max_value = max_value

    def forward(self, x):  # (B, L) -> (B, L, d)
        x = torch.clamp(x.unsqueeze(-1), max=self.max_value)
        return self.dropout(self.norm(self.linear2(F.relu(self.linear1(x)))))


class CategoryValueEncoder(nn.Module):
    def __init__(self, n_bins: int, d: int, padding_idx):
        super().__init__()
        self.embedding = nn.Embedding(n_bins, d, padding_idx=padding_idx)
        self.enc_norm = LayerNorm(d)

    def forward(self, x):
        return self.enc_norm(self.embedding(x.long()))


class SelfAttention(nn.Module):
    """Packed-projection multi-head self-attention with ``nn.MultiheadAttention``'s names."""

    def __init__(self, d: int, nhead: int, dropout: float):
        super().__init__()
        self.nhead = nhead
        self.in_proj_weight = nn.Parameter(torch.empty(3 * d, d))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * d))
        self.out_proj = nn.Linear(d, d)
        self.dropout = dropout
        nn.init.xavier_uniform_(self.in_proj_weight)
        nn.init.zeros_(self.out_proj.bias)
        self.attn_impl = "sdpa"  # "sdpa" | "math"

    def forward(self, x, key_padding_mask=None, need_weights: bool = False):
        B, L, d = x.shape
        h = self.nhead
        qkv = F.linear(x, self.in_proj_weight, self.in_proj_bias)  # (B, L, 3d)
        q, k, v = qkv.view(B, L, 3, h, d // h).permute(2, 0, 3, 1, 4)  # 3 x (B, h, L, dh)
        mask = None
        if key_padding_mask is not None:
            mask = ~key_padding_mask[:, None, None, :]  # (B, 1, 1, L), True = attend
        p = self.dropout if self.training else 0.0
        weights = None
        if need_weights or self.attn_impl == "math":
            scores = mm32(q, k.transpose(-2, -1)) / math.sqrt(d // h)  # (B, h, L, L), float32
            if mask is not None:
                scores = scores.masked_fill(~mask, float("-inf"))
            attn = torch.softmax(scores, dim=-1)
            weights = attn.mean(dim=1) if need_weights else None  # (B, L, L)
            if p:
                attn = F.dropout(attn, p)
            out = mm32(attn, v)
        else:
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p)
        out = out.transpose(1, 2).reshape(B, L, d)
        return up(self.out_proj(out)), weights  # joins the float32 residual stream


class EncoderLayer(nn.Module):
    """Post-norm layer of ``nn.TransformerEncoderLayer`` (ReLU); pre-norm follows scGPT's
    ``FlashTransformerEncoderLayer`` exactly (its residual starts from the normalised input)."""

    def __init__(self, d: int, nhead: int, d_hid: int, dropout: float, pre_norm: bool):
        super().__init__()
        self.self_attn = SelfAttention(d, nhead, dropout)
        self.linear1 = nn.Linear(d, d_hid)
        self.linear2 = nn.Linear(d_hid, d)
        self.norm1 = LayerNorm(d)
        self.norm2 = LayerNorm(d)
        self.dropout = nn.Dropout(dropout)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.pre_norm = pre_norm

    def _ff(self, x):
        return up(self.linear2(self.dropout(F.relu(self.linear1(x)))))

    def forward(self, x, key_padding_mask=None, need_weights=False):
        if self.pre_norm:
            x = self.norm1(x)
            a, w = self.self_attn(x, key_padding_mask, need_weights)
            x = self.norm2(x + self.dropout1(a))
            x = x + self.dropout2(self._ff(x))
        else:
            a, w = self.self_attn(x, key_padding_mask, need_weights)
            x = self.norm1(x + self.dropout1(a))
            x = self.norm2(x + self.dropout2(self._ff(x)))
        return x, w


class TransformerEncoder(nn.Module):
    def __init__(self, cfg: ScGPTConfig):
        super().__init__()
        self.layers = nn.ModuleList(
            EncoderLayer(cfg.d_model, cfg.nhead, cfg.d_hid, cfg.dropout, cfg.pre_norm)
            for _ in range(cfg.nlayers)
        )

    def forward(self, x, key_padding_mask=None, need_weights=False):
        weights = []
        for layer in self.layers:
            x, w = layer(x, key_padding_mask, need_weights)
            weights.append(w)
        return x, (torch.stack(weights) if need_weights else None)


def _mlp3(d_in: int, d: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(d_in, d), nn.LeakyReLU(), nn.Linear(d, d), nn.LeakyReLU(), nn.Linear(d, 1))


class ExprDecoder(nn.Module):
    def __init__(self, d: int, explicit_zero_prob: bool):
        super().__init__()
        self.fc = _mlp3(d, d)
        if explicit_zero_prob:
            self.zero_logit = _mlp3(d, d)

    def forward(self, x):  # (B, L, d) -> (B, L); float32 even under autocast (models/_jvp._decoder)
        with torch.autocast(x.device.type, enabled=False):
            return self.fc(up(x)).squeeze(-1)


class ClsDecoder(nn.Module):
    def __init__(self, d: int, n_cls: int, nlayers: int):
        super().__init__()
        self._decoder = nn.ModuleList()
        for _ in range(nlayers - 1):
            self._decoder.extend([nn.Linear(d, d), nn.ReLU(), LayerNorm(d)])
        self.out_layer = nn.Linear(d, n_cls)

    def forward(self, x):
        for layer in self._decoder:
            x = layer(x)
        return self.out_layer(x)


class MVCDecoder(nn.Module):
    """scGPT's 'inner product' MVC decoder: value_j = <W σ(Q e_j), cell_emb>."""

    def __init__(self, d: int, explicit_zero_prob: bool):
        super().__init__()
        self.gene2query = nn.Linear(d, d)
        self.W = nn.Linear(d, d, bias=False)
        if explicit_zero_prob:
            self.W_zero_logit = nn.Linear(d, d)

    def forward(self, cell_emb, gene_embs):  # (B, d), (B, L, d) -> (B, L)
        q = torch.sigmoid(self.gene2query(gene_embs))
        return torch.bmm(self.W(q), cell_emb.unsqueeze(2)).squeeze(2)


class ScGPTModule(nn.Module):
    """scGPT ``TransformerModel`` (pretraining heads: expression decoder and MVC)."""

    def __init__(self, cfg: ScGPTConfig, pad_token_id: int):
        super().__init__()
        cfg.validate()
        self.cfg = cfg
        d = cfg.d_model
        self.encoder = GeneEncoder(cfg.ntoken, d, padding_idx=pad_token_id)
        if cfg.input_emb_style == "continuous":
            self.value_encoder = ContinuousValueEncoder(d, cfg.dropout)
        elif cfg.input_emb_style == "category":
            self.value_encoder = CategoryValueEncoder(cfg.n_bins, d, padding_idx=int(cfg.pad_value))
        else:
            self.value_encoder = nn.Identity()
        self.transformer_encoder = TransformerEncoder(cfg)
        self.decoder = ExprDecoder(d, cfg.explicit_zero_prob)
        self.cls_decoder = ClsDecoder(d, cfg.n_cls, cfg.nlayers_cls)
        if cfg.do_mvc:
            self.mvc_decoder = MVCDecoder(d, cfg.explicit_zero_prob)
        nn.init.uniform_(self.encoder.embedding.weight, -0.1, 0.1)  # as upstream init_weights

    def set_attn_impl(self, impl: str) -> None:
        if impl not in {"sdpa", "math"}:
            msg = f"attn_impl must be 'sdpa' or 'math', got {impl!r}."
            raise ValueError(msg)
        for layer in self.transformer_encoder.layers:
            layer.self_attn.attn_impl = impl

    def embed(self, gene_emb, values):
        """``gene_emb`` (B or 1, L, d) already encoded; ``values`` (B, L)."""
        v = self.value_encoder(values)
        if self.cfg.input_emb_style == "scaling":
            return gene_emb * values.unsqueeze(2)
        return gene_emb + v  # (B, L, d)

    def forward(
        self,
        src,
        values,
        src_key_padding_mask=None,
        *,
        mvc: bool = False,
        need_weights: bool = False,
    ) -> dict:
        """Same inputs and ``mlm_output`` as upstream ``TransformerModel.forward``."""
        gene_emb = self.encoder(src)  # (B, L, d)
        x = self.embed(gene_emb, values)
        h, weights = self.transformer_encoder(x, src_key_padding_mask, need_weights)
        out = {"mlm_output": self.decoder(h), "cell_emb": h[:, 0, :]}
        if mvc:
            if not self.cfg.do_mvc:
                msg = "This checkpoint has no MVC decoder (args.json MVC=false); use head='mlm'."
                raise ValueError(msg)
            out["mvc_output"] = self.mvc_decoder(h[:, 0, :], gene_emb)
        if need_weights:
            out["attn"] = weights  # (n_layers, B, L, L)
        return out
