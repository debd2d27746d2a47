"""Pretraining a small scGPT-architecture backbone with scGPT's masked-value objective.

Used for the demo backbone shipped with scugrn (``benchmarks/pretrain_demo.py``) and for the
synthetic-universe positive control (``tests/test_synthetic_universe.py``). It is *not* meant to
produce a foundation model: it makes small, reproducible backbones on a CPU.

The objective follows scGPT's pretraining (Cui et al. 2024, ``scgpt/tasks`` + ``examples/pretrain``):

- every cell is binned per cell exactly as :meth:`ScGPTBackbone.to_input_scale` does (zeros → 0,
  non-zeros → 1..n_bins-1 by the cell's own quantiles);
- a sequence is ``<cls>`` followed by up to ``max_genes`` genes of the cell: its non-zero genes
  (sampled when there are more) plus a share ``zero_ratio`` of measured genes that are zero in that
  cell, so the model also sees zeros (the virtual cells of VVP/GDT are mostly zeros);
- a fraction ``mask_ratio`` of the gene positions get the input value ``mask_value`` (-1);
- loss = MSE of the expression decoder on the masked positions, plus (``mvc=True``) scGPT's
  GEPC/MVC loss: MSE of the MVC decoder (cell embedding · gene query) on the same positions.

Everything random is drawn from generators seeded with ``seed``; the global torch RNG is forked, so
calling :func:`pretrain` has no side effect on the caller's random state. On one machine with a fixed
thread count the result is bit-for-bit reproducible (CPU float reductions may differ across thread
counts or BLAS builds; the thread count is logged).
"""

from __future__ import annotations

import copy
import json
import logging
import math
import platform
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._keys import Key

logger = logging.getLogger("scugrn")

LOG_FILE = "train_log.json"


@dataclass
class _Corpus:
    """Pre-binned cells of one dataset: ``bins`` (n_cells, G) uint8 over the kept genes ``ids``."""

    name: str
    ids: np.ndarray  # (G,) token ids
    bins: np.ndarray  # (n_cells, G) uint8, 0..n_bins-1
    report: dict


def _bin_matrix(X, n_bins: int, *, chunk: int = 512) -> np.ndarray:
    """Per-cell scGPT binning (the function behind ``ScGPTBackbone.to_input_scale``) as uint8."""
    import scipy.sparse as sp

    from .scgpt import _bin_cell

    if n_bins - 1 > 255:
        msg = f"n_bins={n_bins} does not fit the uint8 cache; expected n_bins ≤ 256."
        raise ValueError(msg)
    out = np.zeros(X.shape, dtype=np.uint8)
    for s in range(0, X.shape[0], chunk):
        block = X[s : s + chunk]
        block = block.toarray() if sp.issparse(block) else np.asarray(block)
        block = block.astype(np.float32, copy=False)
        out[s : s + chunk] = np.stack([_bin_cell(r, n_bins) for r in block]).astype(np.uint8)
    return out


def _prepare(adata, name: str, vocab: dict, *, n_bins: int, species: str | None, data_dir) -> _Corpus:
    """Map one AnnData's genes into ``vocab`` (species-aware) and bin its cells."""
    import scipy.sparse as sp

    from .._species import check_species, guess_species, map_symbols, mapping_counts

    names = [str(g) for g in adata.var_names]
    sp_name = check_species(species or adata.uns.get(Key.SPECIES) or guess_species(names))
    mapped, how = map_symbols(names, vocab, species=sp_name, data_dir=data_dir)
    keep, seen = [], set()
    for i, m in enumerate(mapped):
        if m is not None and m not in seen and not m.startswith("<"):
            keep.append(i)
            seen.add(m)
    if len(keep) < 2:
        msg = (
            f"Dataset {name!r}: only {len(keep)} of {len(names)} genes are in the vocabulary "
            f"(species={sp_name!r}, e.g. {names[:3]}). Expected gene symbols of the vocabulary; "
            "pass the right species (adata.uns['scugrn_species']) or rename the genes."
        )
        raise ValueError(msg)
    X = adata.X
    data = X.data if sp.issparse(X) else np.asarray(X)
    if data.size and (not np.all(np.isfinite(data)) or data.min() < 0):
        msg = f"Dataset {name!r}: expected finite, non-negative expression in .X (counts or log-normalised)."
        raise ValueError(msg)
    X = X[:, keep]
    if sp.issparse(X):
        X = sp.csr_matrix(X)
    bins = _bin_matrix(X, n_bins)
    expressed = bins.any(axis=1)
    bins = bins[expressed]
    ids = np.asarray([vocab[mapped[i]] for i in keep], dtype=np.int64)
    report = {
        "name": name, "species": sp_name, "n_cells": int(bins.shape[0]),
        "n_cells_empty_dropped": int((~expressed).sum()), "n_genes": len(names),
        "n_genes_in_vocab": len(keep), **mapping_counts(how),
        "mean_nonzero_genes_per_cell": float((bins > 0).sum(1).mean()) if len(bins) else 0.0,
    }
    return _Corpus(name, ids, bins, report)


class _Sampler:
    """Draws training sequences (seeded) from the pre-binned corpora."""

    def __init__(self, corpora, cells, *, max_genes, zero_ratio, mask_ratio, cls_id, pad_id,
                 pad_value, mask_value):
        self.corpora = corpora
        self.cells = cells  # (n, 2) int: (corpus index, row)
        self.max_genes, self.zero_ratio, self.mask_ratio = max_genes, zero_ratio, mask_ratio
        self.cls_id, self.pad_id = cls_id, pad_id
        self.pad_value, self.mask_value = pad_value, mask_value

    def _cell(self, rng, k, r):
        c = self.corpora[k]
        row = c.bins[r]
        nz = np.flatnonzero(row)
        G = row.shape[0]
        n_zero_avail = G - len(nz)
        n_zero = min(n_zero_avail, round(self.zero_ratio * self.max_genes))
        n_nz = min(len(nz), self.max_genes - n_zero)
        n_zero = min(n_zero_avail, self.max_genes - n_nz)  # fill up when the cell has few non-zeros
        pick = rng.choice(nz, size=n_nz, replace=False) if n_nz < len(nz) else nz
        if n_zero:
            if n_zero_avail <= 4 * n_zero:
                z = rng.choice(np.flatnonzero(row == 0), size=n_zero, replace=False)
            else:  # rejection sampling: cheap when zeros dominate (e.g. 36k measured genes)
                z = np.empty(0, dtype=np.int64)
                while len(z) < n_zero:
                    cand = rng.integers(0, G, size=2 * n_zero)
                    cand = cand[row[cand] == 0]
                    z = np.unique(np.concatenate([z, cand]))
                z = rng.permutation(z)[:n_zero]
            pick = np.concatenate([pick, z])
        return c.ids[pick], row[pick].astype(np.float32)

    def batch(self, rng, rows):
        """``rows`` indexes ``self.cells``. Returns numpy src, input values, targets, masked, pad."""
        seqs = [self._cell(rng, *self.cells[i]) for i in rows]
        L = 1 + max(len(ids) for ids, _ in seqs)
        B = len(seqs)
        src = np.full((B, L), self.pad_id, dtype=np.int64)
        tgt = np.full((B, L), self.pad_value, dtype=np.float32)
        pad = np.ones((B, L), dtype=bool)
        masked = np.zeros((B, L), dtype=bool)
        for b, (ids, vals) in enumerate(seqs):
            n = len(ids)
            src[b, 0], tgt[b, 0], pad[b, : n + 1] = self.cls_id, 0.0, False
            src[b, 1 : n + 1], tgt[b, 1 : n + 1] = ids, vals
            n_mask = max(1, round(self.mask_ratio * n))
            masked[b, 1 + rng.choice(n, size=n_mask, replace=False)] = True
        inp = np.where(masked, np.float32(self.mask_value), tgt)
        return src, inp, tgt, masked, pad


def _spread_value_init(module, generator) -> None:
    """Initialise the continuous value encoder's first layer as ReLU ramps whose knees are spread
    over the input range (a quarter of them in [-1.5, 0.5], separating the mask value -1 from 0).

    PyTorch's default init of ``linear1`` (1 → d) puts almost every knee near 0, so after
    ``linear2`` and the LayerNorm every bin ≥ 5 maps to nearly the same direction (cosine ≥ 0.99):
    the model starts blind to expression level, and a small pretraining run learns per-gene
    marginals only (measured on synthetic networks, docs/benchmarks_synthetic.md). Same
    architecture and weights layout; only the starting point differs.
    """
    import torch

    from ._scgpt_module import ContinuousValueEncoder

    enc = module.value_encoder
    if not isinstance(enc, ContinuousValueEncoder):
        return
    d = enc.linear1.out_features
    hi = float(module.cfg.n_bins - 1)
    n_low = d // 4
    knee = torch.cat([torch.empty(n_low).uniform_(-1.5, 0.5, generator=generator),
                      torch.empty(d - n_low).uniform_(0.5, hi, generator=generator)])
    w = torch.empty(d).uniform_(0.5, 1.5, generator=generator)
    with torch.no_grad():
        enc.linear1.weight.copy_(w[:, None])
        enc.linear1.bias.copy_(-w * knee)


def _lr_factor(step: int, steps: int, warmup: int, min_factor: float = 0.1) -> float:
    if step < warmup:
        return (step + 1) / warmup
    t = (step - warmup) / max(1, steps - warmup)
    return min_factor + (1 - min_factor) * 0.5 * (1 + math.cos(math.pi * t))


def pretrain(
    adatas,
    *,
    vocab: Mapping[str, int],
    out_dir: str | Path,
    d_model: int = 64,
    nlayers: int = 4,
    nhead: int = 4,
    d_hid: int = 128,
    dropout: float = 0.1,
    n_bins: int = 51,
    steps: int = 2000,
    batch_size: int = 32,
    max_genes: int = 256,
    zero_ratio: float = 0.25,
    mask_ratio: float = 0.4,
    lr: float = 1e-3,
    warmup: int | None = None,
    grad_clip: float = 1.0,
    balance: float = 1.0,
    val_fraction: float = 0.05,
    val_max: int = 256,
    eval_every: int | None = None,
    mvc: bool = True,
    value_init: str = "spread",
    seed: int = 0,
    species: str | None = None,
    data_dir: str | Path | None = None,
    name: str = "scugrn-pretrain",
    verbose: bool = True,
) -> Path:
    """Pretrain a scGPT-architecture backbone with scGPT's masked-value objective.

    Parameters
    ----------
    adatas
        AnnData, a list of AnnData, or a dict name → AnnData: cells × genes, counts or log-normalised
        (binning is per cell and rank-based, so either works). Gene symbols are mapped into
        ``vocab`` (mouse symbols through orthologs, species from ``uns['scugrn_species']``, the
        ``species`` argument, or guessed); genes outside it are dropped and counted.
    vocab
        Gene symbol → token id; must contain ``<pad>`` and ``<cls>``.
    out_dir
        Folder to write: ``args.json``, ``vocab.json``, ``best_model.pt`` (scGPT's official format,
        flash-attention key layout) and ``train_log.json``.
    d_model, nlayers, nhead, d_hid, dropout, n_bins
        Architecture (scGPT's ``embsize``, ``nlayers``, ``nheads``, ``d_hid``, ``dropout``,
        ``n_bins``).
    steps, batch_size, lr, warmup, grad_clip
        Adam with linear warm-up (default 5 % of ``steps``) and cosine decay to 10 % of ``lr``;
        gradient norm clipped at ``grad_clip``.
    max_genes, zero_ratio, mask_ratio
        Genes per sequence (plus ``<cls>``), the share of them drawn from the cell's zero genes, and
        the share of gene positions whose value is masked.
    balance
        Datasets are drawn with probability ∝ n_cells^balance, cells uniformly within: 1 = every
        cell equally often (scGPT), 0 = every dataset equally often, 0.5 = in between.
    val_fraction, val_max, eval_every
        Held-out cells (a share, at most ``val_max``; held out of training) for the validation loss
        (fixed masks), evaluated every ``eval_every`` steps
        (default ``steps // 20``); ``best_model.pt`` holds the weights with the lowest validation
        loss.
    mvc
        Add scGPT's MVC (GEPC) loss on the same masked positions.
    value_init
        ``"spread"`` (default): start the value encoder with ReLU knees spread over the bin range
        so that expression levels are distinguishable from step 0 (see :func:`_spread_value_init`);
        ``"default"``: PyTorch's default initialisation, as upstream scGPT.
    seed
        Seeds initialisation, dropout, cell/gene sampling, masks and the validation split.
    species, data_dir
        Species of all datasets (default: per dataset) and the data folder for the ortholog table.
    name
        Recorded in ``train_log.json``.
    verbose
        Progress bar.

    Returns
    -------
    The checkpoint folder ``out_dir``. ``train_log.json`` holds the data report, configuration,
    loss curve (training loss averaged over each evaluation interval, validation MLM loss and the
    MSE of predicting one constant bin on the validation positions, for scale), seed, wall time,
    thread count and the sha256 of ``best_model.pt``.
    """
    import torch
    from anndata import AnnData
    from tqdm.auto import trange

    from .scgpt import CLS_TOKEN, build_module, save_checkpoint, sha256_file

    t_start = time.perf_counter()
    if isinstance(adatas, AnnData):
        adatas = {"data": adatas}
    elif not isinstance(adatas, Mapping):
        adatas = {f"data{i}": a for i, a in enumerate(adatas)}
    if not adatas:
        msg = "Expected at least one AnnData to pretrain on; found none."
        raise ValueError(msg)
    vocab = {str(k): int(v) for k, v in vocab.items()}
    for tok in ("<pad>", CLS_TOKEN):
        if tok not in vocab:
            msg = f"vocab lacks the special token {tok!r}; expected scGPT's vocabulary with <pad>, <cls>, <eoc>."
            raise ValueError(msg)
    for k, v in {"steps": steps, "batch_size": batch_size, "max_genes": max_genes}.items():
        if int(v) < 1:
            msg = f"{k} must be ≥ 1, found {v}."
            raise ValueError(msg)
    if value_init not in {"spread", "default"}:
        msg = f"value_init must be 'spread' or 'default', found {value_init!r}."
        raise ValueError(msg)
    if not 0 <= balance <= 1:
        msg = f"balance must lie in [0, 1], found {balance}."
        raise ValueError(msg)
    if not 0 < mask_ratio < 1 or not 0 <= zero_ratio < 1:
        msg = f"Expected 0 < mask_ratio < 1 and 0 ≤ zero_ratio < 1; found {mask_ratio}, {zero_ratio}."
        raise ValueError(msg)
    warmup = max(1, steps // 20) if warmup is None else int(warmup)
    eval_every = max(1, steps // 20) if eval_every is None else int(eval_every)

    corpora = []
    for nm, ad in adatas.items():
        if not isinstance(ad, AnnData):
            msg = f"Dataset {nm!r}: expected an AnnData, found {type(ad).__name__}."
            raise TypeError(msg)
        c = _prepare(ad, str(nm), vocab, n_bins=n_bins, species=species, data_dir=data_dir)
        logger.info("pretrain data %s: %d cells, %d/%d genes in vocab", nm, c.report["n_cells"],
                    c.report["n_genes_in_vocab"], c.report["n_genes"])
        corpora.append(c)
    cells = np.concatenate([np.stack([np.full(len(c.bins), k), np.arange(len(c.bins))], 1)
                            for k, c in enumerate(corpora)])
    if len(cells) < 2:
        msg = f"Expected at least 2 cells with expression to pretrain on; found {len(cells)}."
        raise ValueError(msg)
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(cells))
    n_val = min(round(val_fraction * len(cells)), int(val_max))
    val_cells, train_cells = cells[perm[:n_val]], cells[perm[n_val:]]
    n_per = np.bincount(train_cells[:, 0], minlength=len(corpora)).astype(float)
    w_set = np.where(n_per > 0, n_per, 1.0) ** balance * (n_per > 0)
    p_cell = (w_set / w_set.sum() / np.where(n_per > 0, n_per, 1.0))[train_cells[:, 0]]
    p_cell = p_cell / p_cell.sum()

    module = build_module(vocab, seed=seed, d_model=d_model, nlayers=nlayers, nhead=nhead,
                          d_hid=d_hid, dropout=dropout, n_bins=n_bins, do_mvc=mvc,
                          max_seq_len=max_genes + 1)
    cfg = module.cfg
    if value_init == "spread":
        _spread_value_init(module, torch.Generator().manual_seed(seed))
    common = {"max_genes": max_genes, "zero_ratio": zero_ratio, "mask_ratio": mask_ratio,
              "cls_id": vocab[CLS_TOKEN], "pad_id": vocab[cfg.pad_token], "pad_value": cfg.pad_value,
              "mask_value": cfg.mask_value}
    train = _Sampler(corpora, train_cells, **common)
    val_batches = []
    if n_val:
        vrng = np.random.default_rng([seed, 1])
        vs = _Sampler(corpora, val_cells, **common)
        val_batches = [vs.batch(vrng, np.arange(s, min(s + batch_size, n_val)))
                       for s in range(0, n_val, batch_size)]

    def to_t(b):
        src, inp, tgt, masked, pad = b
        return (torch.from_numpy(src), torch.from_numpy(inp), torch.from_numpy(tgt),
                torch.from_numpy(masked), torch.from_numpy(pad))

    def losses(batch):
        src, inp, tgt, masked, pad = to_t(batch)
        out = module(src, inp, pad, mvc=mvc)
        mlm = torch.nn.functional.mse_loss(out["mlm_output"][masked], tgt[masked])
        tot = mlm
        if mvc:
            tot = tot + torch.nn.functional.mse_loss(out["mvc_output"][masked], tgt[masked])
        return tot, mlm

    def evaluate():
        if not val_batches:
            return None
        module.eval()
        num = den = 0.0
        with torch.no_grad():
            for b in val_batches:
                _, mlm = losses(b)
                k = float(b[3].sum())
                num, den = num + float(mlm) * k, den + k
        module.train()
        return num / den

    mean_pred = None
    if val_batches:  # MSE of one constant (the mean masked validation bin) on those positions, for scale
        mu = np.mean([b[2][b[3]].mean() for b in val_batches])
        mean_pred = float(np.mean(np.concatenate([(b[2][b[3]] - mu) ** 2 for b in val_batches])))

    curve, window = [], []
    best = (math.inf, None, -1)
    n_threads = torch.get_num_threads()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        opt = torch.optim.Adam(module.parameters(), lr=lr)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: _lr_factor(s, steps, warmup))
        module.train()
        bar = trange(steps, desc=f"pretrain {name}", disable=not verbose, unit="step")
        for step in bar:
            rows = rng.choice(len(train_cells), size=batch_size, p=p_cell)
            tot, mlm = losses(train.batch(rng, rows))
            opt.zero_grad(set_to_none=True)
            tot.backward()
            if grad_clip:
                torch.nn.utils.clip_grad_norm_(module.parameters(), grad_clip)
            opt.step()
            sched.step()
            window.append((tot.detach().item(), mlm.detach().item()))
            if (step + 1) % eval_every == 0 or step + 1 == steps:
                v = evaluate()
                w = np.asarray(window)
                curve.append({"step": step + 1, "train_loss": float(w[:, 0].mean()),
                              "train_mlm": float(w[:, 1].mean()), "val_mlm": v,
                              "lr": float(sched.get_last_lr()[0]),
                              "wall_s": round(time.perf_counter() - t_start, 1)})
                window = []
                score = v if v is not None else curve[-1]["train_mlm"]
                if score < best[0]:
                    best = (score, copy.deepcopy(module.state_dict()), step + 1)
                bar.set_postfix(train=f"{curve[-1]['train_mlm']:.2f}",
                                val="-" if v is None else f"{v:.2f}")
    if best[1] is None:
        msg = (f"Pretraining {name!r} diverged: the loss is {curve[-1]['train_mlm']} after {steps} steps. "
               "Lower lr= or keep grad_clip= on.")
        raise FloatingPointError(msg)
    module.load_state_dict(best[1])
    module.eval()
    out_dir = Path(out_dir)
    save_checkpoint(module, vocab, out_dir, layout="flash")
    digest = sha256_file(out_dir / "best_model.pt")
    wall = time.perf_counter() - t_start
    log = {
        "name": name,
        "objective": "scGPT masked-value MSE on masked positions" + (" + MVC (GEPC) MSE" if mvc else ""),
        "data": [c.report for c in corpora],
        "n_cells_train": len(train_cells), "n_cells_val": int(n_val),
        "config": {"d_model": d_model, "nlayers": nlayers, "nhead": nhead, "d_hid": d_hid,
                   "dropout": dropout, "n_bins": n_bins, "steps": steps, "batch_size": batch_size,
                   "max_genes": max_genes, "zero_ratio": zero_ratio, "mask_ratio": mask_ratio,
                   "lr": lr, "warmup": warmup, "grad_clip": grad_clip, "balance": balance,
                   "val_fraction": val_fraction, "val_max": val_max,
                   "eval_every": eval_every, "mvc": mvc, "value_init": value_init, "n_tokens": len(vocab),
                   "n_parameters": int(sum(p.numel() for p in module.parameters()))},
        "seed": seed,
        "best_step": best[2], "best_val_mlm": best[0] if val_batches else None,
        "val_mean_predictor_mse": mean_pred,
        "loss_curve": curve,
        "wall_time_s": round(wall, 1),
        "torch_threads": n_threads,
        "platform": {"python": platform.python_version(), "torch": torch.__version__,
                     "machine": platform.machine(), "processor": platform.processor()},
        "sha256": digest,
        "best_model_bytes": (out_dir / "best_model.pt").stat().st_size,
    }
    (out_dir / LOG_FILE).write_text(json.dumps(log, indent=1))
    logger.info("pretrain %s: %d steps in %.0f s, best val MLM %.3f at step %d (mean predictor %.3f); %s",
                name, steps, wall, best[0], best[2], mean_pred or float("nan"), out_dir)
    return out_dir


def census_vocab(path: str | Path) -> dict[str, int]:
    """scGPT's census gene vocabulary with ``<pad>``, ``<cls>``, ``<eoc>`` appended (the ids of
    the official scGPT_human ``vocab.json``)."""
    vocab = json.loads(Path(path).read_text())
    if not isinstance(vocab, dict) or not all(isinstance(v, int) for v in vocab.values()):
        msg = f"{str(path)!r}: expected a JSON object gene symbol → integer id (scGPT's default_census_vocab.json)."
        raise ValueError(msg)
    n = max(vocab.values()) + 1
    for i, tok in enumerate(("<pad>", "<cls>", "<eoc>")):
        vocab.setdefault(tok, n + i)
    return vocab

