"""scGPT as a :class:`~scugrn.models.Backbone`: strict loading of the official checkpoint folder.

An official scGPT checkpoint folder holds ``args.json`` (hyperparameters), ``vocab.json`` (gene
symbol → token id) and ``best_model.pt`` (a state dict). Weights load with
``torch.load(weights_only=True)``; every missing, unexpected or mis-shaped weight is an error.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import numpy as np
import torch

from ._base import Backbone, BackboneInfo
from ._scgpt_module import ContinuousValueEncoder, ScGPTConfig, ScGPTModule  # noqa: F401 (public name, for pretraining)

logger = logging.getLogger("scugrn")

ARGS_FILE, VOCAB_FILE, WEIGHTS_FILE = "args.json", "vocab.json", "best_model.pt"
CLS_TOKEN = "<cls>"


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while b := f.read(chunk):
            h.update(b)
    return h.hexdigest()


def _flash_to_torch(key: str) -> str:
    return key.replace("self_attn.Wqkv.weight", "self_attn.in_proj_weight").replace(
        "self_attn.Wqkv.bias", "self_attn.in_proj_bias"
    )


def _torch_to_flash(key: str) -> str:
    return key.replace("self_attn.in_proj_weight", "self_attn.Wqkv.weight").replace(
        "self_attn.in_proj_bias", "self_attn.Wqkv.bias"
    )


def _read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # corrupt file, pickled objects, not a torch file ...
        msg = (
            f"Could not read {str(path)!r} as a PyTorch state dict with weights_only=True "
            f"({type(e).__name__}: {str(e).splitlines()[0][:200]}). Expected scGPT's best_model.pt "
            "(a dict of tensors). Re-download the checkpoint if it is truncated or corrupt."
        )
        raise ValueError(msg) from e
    if isinstance(obj, dict) and "model_state_dict" in obj and isinstance(obj["model_state_dict"], dict):
        obj = obj["model_state_dict"]
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        msg = f"{str(path)!r} holds a {type(obj).__name__}, expected a dict of tensors (a state dict)."
        raise ValueError(msg)
    if obj and all(k.startswith("module.") for k in obj):  # saved from DistributedDataParallel
        obj = {k[len("module."):]: v for k, v in obj.items()}
    return obj


def _check_state_dict(module: torch.nn.Module, state: dict, where: str, *, args_name: str = ARGS_FILE) -> None:
    ours = module.state_dict()
    missing = sorted(set(ours) - set(state))
    unexpected = sorted(set(state) - set(ours))
    bad_shape = [
        f"{k}: checkpoint {tuple(state[k].shape)} vs model {tuple(ours[k].shape)}"
        for k in sorted(set(ours) & set(state))
        if state[k].shape != ours[k].shape
    ]
    problems = []
    if missing:
        problems.append(f"missing weights {missing[:12]}{' ...' if len(missing) > 12 else ''}")
    if unexpected:
        problems.append(f"unexpected weights {unexpected[:12]}{' ...' if len(unexpected) > 12 else ''}")
    if bad_shape:
        problems.append(f"shape mismatches {bad_shape[:8]}")
    if problems:
        msg = (
            f"The weights {where} do not match the architecture described by {args_name}: "
            + "; ".join(problems)
            + f". Check that {args_name}, the vocab and the weights come from the same model."
        )
        raise ValueError(msg)


def bin_cell(row: np.ndarray, n_bins: int) -> np.ndarray:
    """scGPT's per-cell value binning: zeros → 0; non-zeros → 1..n_bins-1 by quantiles of the
    cell's non-zero values (scgpt.preprocess.binning, without its random tie-breaking)."""
    out = np.zeros_like(row, dtype=np.float32)
    nz = row > 0
    if not nz.any():
        return out
    edges = np.quantile(row[nz], np.linspace(0, 1, n_bins - 1))
    out[nz] = np.digitize(row[nz], edges)  # 1..n_bins-1, as scGPT's _digitize
    return out


class ScGPTBackbone(Backbone):
    """A loaded scGPT model. Build with :func:`scugrn.models.load`."""

    def __init__(
        self,
        module: ScGPTModule,
        vocab: dict[str, int],
        *,
        sha256: str,
        source: str,
        name: str = "scGPT",
        head: str = "mlm",
    ):
        if head not in {"mlm", "mvc"}:
            msg = f"head must be 'mlm' (expression decoder) or 'mvc', got {head!r}."
            raise ValueError(msg)
        self.module = module.eval().requires_grad_(False)
        self.cfg = module.cfg
        self.vocab = vocab
        self.head = head
        self.use_cls = CLS_TOKEN in vocab
        self._cls_id = vocab.get(CLS_TOKEN)
        hi = float(self.cfg.n_bins - 1) if self.cfg.input_style == "binned" else 10.0
        self.info = BackboneInfo(
            name=name,
            arch="scgpt-transformer",
            sha256=sha256,
            source=source,
            n_layers=self.cfg.nlayers,
            d_model=self.cfg.d_model,
            value_range=(0.0, hi),
        )
        self.autocast_dtype: torch.dtype | None = None
        #: ``"hand"``: the hand-written JVP (:mod:`._jvp`) where it applies; ``"dual"``: PyTorch's
        #: dual numbers always (the slow reference path, for benchmarks and tests).
        self.jvp_engine = "hand"

    def __repr__(self) -> str:
        c = self.cfg
        return (
            f"ScGPTBackbone({self.info.name!r}, layers={c.nlayers}, d={c.d_model}, heads={c.nhead}, "
            f"vocab={len(self.vocab)}, device={self.device}, sha256={self.info.sha256[:12]})"
        )

    # --- device -----------------------------------------------------------------------------
    @property
    def device(self) -> torch.device:
        return next(self.module.parameters()).device

    def to(self, device=None, dtype=None) -> ScGPTBackbone:
        """Move to ``device``; ``dtype`` bf16/fp16 runs the forward under autocast (on CPU only with
        ``scugrn.settings.cpu_low_precision``). Weights stay float32; features are float32."""
        from ._device import resolve_dtype

        if device is not None:
            self.module.to(device)
        if dtype is not None:
            dtype = resolve_dtype(dtype, self.device)  # checks the name and the CPU setting
            self.autocast_dtype = None if dtype == torch.float32 else dtype
        return self

    @property
    def dtype(self) -> torch.dtype:
        """The compute precision of the forward (float32 unless ``to(dtype=...)`` lowered it)."""
        return self.autocast_dtype or torch.float32

    def _autocast(self):
        from ._device import autocast

        return autocast(self.device, self.autocast_dtype)

    # --- computation ------------------------------------------------------------------------
    def _with_cls(self, token_ids, values):
        B = values.shape[0]
        if not self.use_cls:
            return token_ids[None, :], values
        cls = torch.full((1,), self._cls_id, dtype=token_ids.dtype, device=token_ids.device)
        ids = torch.cat([cls, token_ids])[None, :]  # (1, K+1)
        vals = torch.cat([values.new_zeros(B, 1), values], dim=1)  # (B, K+1); scGPT: cls value 0
        return ids, vals

    def _finish(self, out):
        """Per-gene outputs in float32, without the <cls> position."""
        out = out.float() if out.dtype in (torch.float16, torch.bfloat16) else out
        return out[:, 1:] if self.use_cls else out

    def predict(self, token_ids, values):
        ids, vals = self._with_cls(token_ids, values)
        m = self.module
        with self._autocast():
            gene_emb = m.encoder(ids)  # (1, L, d): shared by every virtual cell
            x = m.embed(gene_emb, vals)  # (B, L, d)
            h, _ = m.transformer_encoder(x)
            if self.head == "mlm":
                out = m.decoder(h)
            else:
                out = m.mvc_decoder(h[:, 0, :], gene_emb.expand(h.shape[0], -1, -1))
        return self._finish(out)

    def predict_rows(self, token_ids, base_values, rows, row_values, *, tangent: bool = False):
        """See :meth:`Backbone.predict_rows`: the first layer reuses the base cell's attention
        (:mod:`scugrn.models._rows`)."""
        from . import _rows

        if not _rows.supported(self.module, self.head, tangent):
            return None
        base = base_values.reshape(1, -1)
        ids, vals = self._with_cls(token_ids, base)
        r = rows + 1 if self.use_cls else rows
        with self._autocast():
            out = _rows.predict_rows(self.module, ids, vals, r, row_values.to(vals.dtype), tangent=tangent)
        out = out[1] if tangent else out
        return self._finish(out)

    def predict_jvp(self, token_ids, values, tangents):
        """See :meth:`Backbone.predict_jvp`: hand-written rules (:mod:`scugrn.models._jvp`) for the
        expression head, dual numbers otherwise."""
        from . import _jvp

        if self.jvp_engine not in {"hand", "dual"}:
            msg = f"jvp_engine must be 'hand' or 'dual', got {self.jvp_engine!r}."
            raise ValueError(msg)
        if self.jvp_engine == "dual" or not _jvp.supported(self.module, self.head):
            self.module.set_attn_impl("math")  # fused SDPA kernels have no forward-mode AD
            try:
                return super().predict_jvp(token_ids, values, tangents)
            finally:
                self.module.set_attn_impl("sdpa")
        ids, vals = self._with_cls(token_ids, values)
        _, tans = self._with_cls(token_ids, tangents)
        with self._autocast():
            _, d = _jvp.jvp_mlm(self.module, ids, vals, tans)
        return self._finish(d)

    def attention(self, token_ids, values):
        ids, vals = self._with_cls(token_ids, values)
        m = self.module
        with self._autocast():
            x = m.embed(m.encoder(ids), vals)
            _, w = m.transformer_encoder(x, need_weights=True)  # (n_layers, B, L, L)
        w = w.float()
        return w[:, :, 1:, 1:] if self.use_cls else w

    def gene_embedding_table(self, token_ids):
        return self.module.encoder.embedding(token_ids)

    def to_input_scale(self, X) -> np.ndarray:
        """scGPT input values: per-cell bins 0..n_bins-1 for ``input_style='binned'``."""
        import scipy.sparse as sp

        X = X.toarray() if sp.issparse(X) else np.asarray(X)
        X = X.astype(np.float32, copy=False)
        if self.cfg.input_style != "binned":
            return X
        return np.stack([bin_cell(r, self.cfg.n_bins) for r in X]) if len(X) else X

    def set_attn_impl(self, impl: str) -> None:
        self.module.set_attn_impl(impl)


# --- loading ------------------------------------------------------------------------------------
_INT_ARGS = {"embsize": 1, "nheads": 1, "d_hid": 1, "nlayers": 1, "n_layers_cls": 1, "n_bins": 2, "max_seq_len": 2}
_NUM_ARGS = ("dropout", "pad_value", "mask_value")
_BOOL_ARGS = ("MVC", "explicit_zero_prob", "pre_norm", "fast_transformer")
_CHOICE_ARGS = {"input_style": ("binned", "normed_raw", "log1p"),
                "input_emb_style": ("continuous", "category", "scaling")}


def check_args(args, where: str = ARGS_FILE) -> dict:
    """Check the fields of an scGPT ``args.json`` that build the module: each wrong field is named
    with what was expected and what was found."""
    if not isinstance(args, dict):
        msg = f"{where} must hold a JSON object (embsize, nheads, ...), found a {type(args).__name__}."
        raise ValueError(msg)  # noqa: TRY004 (a file's content, not an argument's type)
    problems = []
    for k, lo in _INT_ARGS.items():
        v = args.get(k)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < lo):
            problems.append(f"{k}={v!r} (expected an integer ≥ {lo})")
    for k in _NUM_ARGS:
        v = args.get(k)
        if k in args and (isinstance(v, bool) or not isinstance(v, (int, float))):
            problems.append(f"{k}={v!r} (expected a number)")
    if isinstance(args.get("dropout"), (int, float)) and not 0 <= args["dropout"] < 1:
        problems.append(f"dropout={args['dropout']!r} (expected 0 ≤ dropout < 1)")
    for k in _BOOL_ARGS:
        if k in args and not isinstance(args[k], bool):
            problems.append(f"{k}={args[k]!r} (expected true or false)")
    for k, choices in _CHOICE_ARGS.items():
        if k in args and args[k] not in choices:
            problems.append(f"{k}={args[k]!r} (expected one of {list(choices)})")
    if "pad_token" in args and not isinstance(args["pad_token"], str):
        problems.append(f"pad_token={args['pad_token']!r} (expected a token string such as '<pad>')")
    if problems:
        msg = (f"{where} has wrong fields: {'; '.join(problems)}. Fix them to the values the checkpoint "
               "was trained with (its original args.json).")
        raise ValueError(msg)
    return args


def _read_json(path: Path, what: str) -> dict:
    if not path.exists():
        msg = (
            f"{what} not found: expected {str(path)!r}. An scGPT checkpoint folder holds "
            f"{ARGS_FILE}, {VOCAB_FILE} and {WEIGHTS_FILE}; copy the missing file from the same "
            "checkpoint (or download the checkpoint again)."
        )
        raise FileNotFoundError(msg)
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as e:
        msg = f"{str(path)!r} is not valid JSON ({e}); re-download the checkpoint."
        raise ValueError(msg) from e


def load_scgpt(
    folder: str | Path,
    *,
    sha256: str | None = None,
    device: str | None = None,
    head: str = "mlm",
    name: str = "scGPT",
) -> ScGPTBackbone:
    """Load an official scGPT checkpoint folder strictly.

    Parameters
    ----------
    folder
        Folder with ``args.json``, ``vocab.json`` and ``best_model.pt``.
    sha256
        If given, the weights file must have this sha256.
    device
        Torch device; default ``scugrn.settings.device`` (CUDA when available).
    head
        ``"mlm"`` (expression decoder, default) or ``"mvc"`` as the model output M(v).
    """
    folder = Path(folder)
    if not folder.is_dir():
        msg = f"Checkpoint folder {str(folder)!r} does not exist (expected a folder with {ARGS_FILE}, {VOCAB_FILE}, {WEIGHTS_FILE})."
        raise FileNotFoundError(msg)
    args = check_args(_read_json(folder / ARGS_FILE, "args.json"), str(folder / ARGS_FILE))
    vocab = _read_json(folder / VOCAB_FILE, "vocab.json")
    if not isinstance(vocab, dict) or not all(isinstance(v, int) for v in vocab.values()):
        msg = (
            f"{VOCAB_FILE} must map gene symbols to integer token ids; found a {type(vocab).__name__}"
            f"{' with non-integer ids' if isinstance(vocab, dict) else ''}. Use the checkpoint's own vocab.json."
        )
        raise ValueError(msg)
    wfile = folder / WEIGHTS_FILE
    if not wfile.exists():
        msg = (
            f"{WEIGHTS_FILE} not found: expected {str(wfile)!r}. An scGPT checkpoint folder holds "
            f"{ARGS_FILE}, {VOCAB_FILE} and {WEIGHTS_FILE}; copy the missing file from the same "
            "checkpoint (or download the checkpoint again)."
        )
        raise FileNotFoundError(msg)
    digest = sha256_file(wfile)
    if sha256 is not None and digest != sha256.lower():
        msg = f"sha256 of {str(wfile)!r} is {digest}, expected {sha256}. The file is corrupt or a different checkpoint."
        raise ValueError(msg)
    state = {_flash_to_torch(k): v for k, v in _read_state_dict(wfile).items()}

    module = _build_checked(args, vocab, state, f"in {str(wfile)!r}", vocab_name=VOCAB_FILE, args_name=ARGS_FILE)
    bb = ScGPTBackbone(module, vocab, sha256=digest, source=str(folder), head=head, name=name)
    from ._device import resolve_device

    bb.to(resolve_device(device))
    return bb


# --- an scGPT model already in memory ------------------------------------------------------------
def _vocab_dict(vocab) -> dict[str, int]:
    """``GeneVocab`` (torchtext ``Vocab``: ``get_stoi()``) or a mapping → dict symbol → id."""
    if hasattr(vocab, "get_stoi"):
        vocab = vocab.get_stoi()
    if not hasattr(vocab, "items"):
        msg = (
            f"vocab= expects scGPT's GeneVocab or a dict gene symbol → token id; found "
            f"{type(vocab).__name__}. Pass the vocab the model was trained with (e.g. "
            "GeneVocab.from_file('vocab.json'))."
        )
        raise TypeError(msg)
    out = dict(vocab.items())
    bad = [k for k, v in out.items() if not isinstance(v, int) or isinstance(v, bool)][:5]
    if not out or bad:
        msg = f"vocab must map gene symbols to integer token ids; found {len(out)} entries, bad: {bad}."
        raise ValueError(msg)
    return out


def _state_sha256(state: dict[str, torch.Tensor]) -> str:
    """sha256 of a state dict's tensors (names, dtypes, shapes, bytes), independent of any file."""
    h = hashlib.sha256()
    for k in sorted(state):
        t = state[k].detach().cpu().contiguous()
        h.update(f"{k}|{t.dtype}|{tuple(t.shape)}|".encode())
        h.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def _args_from_upstream(model, vocab: dict[str, int]) -> dict:
    """The ``args.json`` fields of an upstream ``TransformerModel``, read from its attributes."""
    try:
        layers = list(model.transformer_encoder.layers)
        layer = layers[0]
        emb = model.encoder.embedding
        attn = layer.self_attn
        nhead = getattr(attn, "num_heads", None) or getattr(attn, "nhead", None)
        args = {
            "embsize": int(model.d_model),
            "nheads": int(nhead),
            "d_hid": int(layer.linear1.out_features),
            "nlayers": len(layers),
            "n_layers_cls": sum(isinstance(m, torch.nn.Linear) for m in model.cls_decoder._decoder) + 1,
            "input_emb_style": model.input_emb_style,
            "MVC": hasattr(model, "mvc_decoder"),
            "explicit_zero_prob": bool(model.explicit_zero_prob),
            "fast_transformer": bool(getattr(model, "use_fast_transformer", False)),
            # upstream honours pre_norm only in its flash layers
            "pre_norm": bool(getattr(model, "use_fast_transformer", False)) and model.norm_scheme == "pre",
            "use_batch_labels": bool(getattr(model, "use_batch_labels", False)),
            "DSBN": bool(getattr(model, "domain_spec_batchnorm", False)),
            "do_dab": bool(getattr(model, "do_dab", False)),
        }
    except (AttributeError, IndexError, TypeError) as e:
        msg = (
            f"Could not read the architecture of this {type(model).__name__} ({type(e).__name__}: {e}). "
            "Expected scgpt.model.TransformerModel; pass args= (the run's args.json as a dict)."
        )
        raise ValueError(msg) from e
    pad = [t for t, i in vocab.items() if i == emb.padding_idx]
    if pad:
        args["pad_token"] = pad[0]
    if args["MVC"]:
        args["mvc_decoder_style"] = getattr(model.mvc_decoder, "arch_style", "inner product")
    if args["input_emb_style"] == "category":
        args["n_bins"] = int(model.value_encoder.embedding.num_embeddings)
    if getattr(model, "cell_emb_style", "cls") != "cls":
        args["cell_emb_style"] = model.cell_emb_style
    return args


def from_scgpt(
    model,
    vocab,
    args: dict | None = None,
    *,
    head: str = "mlm",
    device: str | None = None,
    name: str = "scGPT",
) -> ScGPTBackbone:
    """A backbone from an scGPT ``TransformerModel`` in memory (e.g. after fine-tuning).

    The weights are copied strictly into scugrn's weight-compatible module: a missing, unexpected
    or mis-shaped weight is an error. The upstream model is not changed.

    Parameters
    ----------
    model
        ``scgpt.model.TransformerModel`` (PyTorch or flash-attention layers), or its state dict.
    vocab
        Its vocabulary: scGPT's ``GeneVocab`` or a dict gene symbol → token id.
    args
        The run's ``args.json`` as a dict (``embsize``, ``nheads``, ``n_bins``, ...). Default: read
        from the model's attributes, with scGPT_human's ``n_bins=51``, ``pad_value=-2`` and
        ``max_seq_len=1200`` for what the model does not store. Needed with a state dict.
    head
        ``"mlm"`` (expression decoder, default) or ``"mvc"`` as the model output M(v).
    device
        Default: the device of the model's weights.
    name
        Backbone name recorded in results.

    Returns
    -------
    :class:`~scugrn.models.scgpt.ScGPTBackbone` whose ``info.sha256`` is the sha256 of the state
    dict's tensors (``info.source = "memory"``): results and translators made with it name these
    exact weights. (A checkpoint folder's identity is the sha256 of its ``best_model.pt`` file,
    so the same weights loaded from a folder carry another identity.)
    """
    vocab = _vocab_dict(vocab)
    if isinstance(model, torch.nn.Module):
        raw = model.state_dict()
        if args is None:
            args = _args_from_upstream(model, vocab)
        dev = next(model.parameters()).device if device is None else device
    elif isinstance(model, dict) and all(isinstance(v, torch.Tensor) for v in model.values()):
        raw = model
        dev = device
        if args is None:
            msg = "from_scgpt(state_dict, vocab) needs args= (the run's args.json as a dict) to build the module."
            raise ValueError(msg)
    else:
        msg = (
            f"Expected scgpt.model.TransformerModel (or its state dict), found {type(model).__name__}. "
            "For a checkpoint folder use scugrn.models.load(folder)."
        )
        raise TypeError(msg)
    if not isinstance(args, dict):
        msg = f"args= expects a dict in args.json form (embsize, nheads, ...); found {type(args).__name__}."
        raise TypeError(msg)
    check_args(args, "args=")
    state = {_flash_to_torch(k): v.detach().cpu() for k, v in raw.items()}
    if args.get("cell_emb_style", "cls") != "cls" and head == "mvc":
        msg = (f"head='mvc' reads the <cls> cell embedding, but this model uses cell_emb_style="
               f"{args['cell_emb_style']!r}. Use head='mlm'.")
        raise ValueError(msg)
    module = _build_checked(args, vocab, state, "of the model in memory", args_name="its args")
    bb = ScGPTBackbone(module, vocab, sha256=_state_sha256(state), source="memory", head=head, name=name)
    from ._device import resolve_device

    bb.to(resolve_device(dev))
    return bb


def _build_checked(args: dict, vocab: dict[str, int], state: dict, where: str, *,
                   vocab_name: str = "the vocab", args_name: str = "args") -> ScGPTModule:
    """ScGPTModule for ``args`` with ``state`` loaded strictly (every mismatch is an error)."""
    ntoken = max(vocab.values()) + 1
    emb = state.get("encoder.embedding.weight")
    if emb is not None and emb.shape[0] != ntoken:
        msg = (
            f"{vocab_name} has {len(vocab)} tokens (max id {ntoken - 1}) but the gene embedding of the "
            f"weights {where} has {emb.shape[0]} rows. The vocab and the weights come from different "
            "checkpoints."
        )
        raise ValueError(msg)
    cfg = ScGPTConfig.from_args(args, ntoken=ntoken)
    if "cls_decoder.out_layer.weight" in state:  # a fine-tuning head scugrn never uses: size from weights
        cfg.n_cls = state["cls_decoder.out_layer.weight"].shape[0]
    pad = cfg.pad_token
    if pad not in vocab:
        msg = f"pad token {pad!r} (args.json pad_token) is not in {vocab_name}; expected it among the special tokens."
        raise ValueError(msg)
    module = ScGPTModule(cfg, pad_token_id=vocab[pad])
    _check_state_dict(module, state, where, args_name=args_name)
    module.load_state_dict(state, strict=True)
    return module


def save_checkpoint(
    module: ScGPTModule, vocab: dict[str, int], folder: str | Path, *, layout: str = "flash"
) -> Path:
    """Write ``module`` as an official scGPT checkpoint folder (``layout="flash"`` stores
    ``self_attn.Wqkv.*`` as scGPT's released checkpoints do; ``"pytorch"`` stores ``in_proj_*``)."""
    if layout not in {"flash", "pytorch"}:
        msg = f"layout must be 'flash' or 'pytorch', got {layout!r}."
        raise ValueError(msg)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    args = module.cfg.to_args()
    args["fast_transformer"] = layout == "flash"
    (folder / ARGS_FILE).write_text(json.dumps(args, indent=2))
    (folder / VOCAB_FILE).write_text(json.dumps(vocab))
    state = {k: v.detach().cpu().contiguous() for k, v in module.state_dict().items()}
    if layout == "flash":
        state = {_torch_to_flash(k): v for k, v in state.items()}
    torch.save(state, folder / WEIGHTS_FILE)
    return folder


def build_module(vocab: dict[str, int], *, seed: int = 0, **config) -> ScGPTModule:
    """A freshly initialised scGPT module (seeded, no global RNG side effects)."""
    cfg = ScGPTConfig(ntoken=max(vocab.values()) + 1, **config)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return ScGPTModule(cfg, pad_token_id=vocab[cfg.pad_token])
