"""The pretraining loop: :func:`pretrain` trains on a corpus with a :class:`PretrainConfig` and
writes an official scGPT checkpoint with its training log."""

from __future__ import annotations

import copy
import json
import logging
import math
import platform
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .config import PretrainConfig
from .corpus import Sampler, prepare_corpus

logger = logging.getLogger("scugrn")

LOG_FILE = "train_log.json"


def spread_value_init(module, generator) -> None:
    """Initialise the continuous value encoder's first layer as ReLU ramps whose knees are spread
    over the input range (a quarter of them in [-1.5, 0.5], separating the mask value -1 from 0).

    PyTorch's default init of ``linear1`` (1 → d) puts almost every knee near 0, so after
    ``linear2`` and the LayerNorm every bin ≥ 5 maps to nearly the same direction (cosine ≥ 0.99):
    the model starts blind to expression level, and a small pretraining run learns per-gene
    marginals only (measured on synthetic networks, docs/benchmarks_synthetic.md). Same
    architecture and weights layout; only the starting point differs.
    """
    import torch

    from ..models.scgpt import ContinuousValueEncoder

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
    config: PretrainConfig | None = None,
    species: str | None = None,
    data_dir: str | Path | None = None,
    name: str = "scugrn-pretrain",
    verbose: bool = True,
    **settings,
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
    config
        The run's settings (default :class:`PretrainConfig`'s).
    **settings
        Fields of :class:`PretrainConfig` that change ``config`` (``steps=``, ``d_model=``, ``seed=``, ...).
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

    from ..models.scgpt import CLS_TOKEN, build_module, save_checkpoint, sha256_file

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
    cfg_run = (config or PretrainConfig()).replace(**settings).validate()
    d_model, nlayers, nhead, d_hid = cfg_run.d_model, cfg_run.nlayers, cfg_run.nhead, cfg_run.d_hid
    dropout, n_bins, steps, batch_size = cfg_run.dropout, cfg_run.n_bins, cfg_run.steps, cfg_run.batch_size
    max_genes, zero_ratio, mask_ratio = cfg_run.max_genes, cfg_run.zero_ratio, cfg_run.mask_ratio
    lr, warmup, grad_clip, balance = cfg_run.lr, cfg_run.warmup, cfg_run.grad_clip, cfg_run.balance
    val_fraction, val_max, eval_every = cfg_run.val_fraction, cfg_run.val_max, cfg_run.eval_every
    mvc, value_init, seed = cfg_run.mvc, cfg_run.value_init, cfg_run.seed

    corpora = []
    for nm, ad in adatas.items():
        if not isinstance(ad, AnnData):
            msg = f"Dataset {nm!r}: expected an AnnData, found {type(ad).__name__}."
            raise TypeError(msg)
        c = prepare_corpus(ad, str(nm), vocab, n_bins=n_bins, species=species, data_dir=data_dir)
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
        spread_value_init(module, torch.Generator().manual_seed(seed))
    common = {"max_genes": max_genes, "zero_ratio": zero_ratio, "mask_ratio": mask_ratio,
              "cls_id": vocab[CLS_TOKEN], "pad_id": vocab[cfg.pad_token], "pad_value": cfg.pad_value,
              "mask_value": cfg.mask_value}
    train = Sampler(corpora, train_cells, **common)
    val_batches = []
    if n_val:
        vrng = np.random.default_rng([seed, 1])
        vs = Sampler(corpora, val_cells, **common)
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
        "config": {**{k: v for k, v in cfg_run.to_dict().items() if k != "seed"}, "n_tokens": len(vocab),
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


