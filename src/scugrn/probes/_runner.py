"""The one runner that executes every probe.

A probe describes its work as *units* — one virtual cell each, unit ``u`` ↦ (source gene
``u // W``, channel ``u % W``) — and computes a batch of units at a time, returning one row
``(K,)`` per unit. The runner sizes batches from a memory budget (so memory stays flat as the
gene list grows), shows a progress bar, and scatters rows into ``out[source, :, channel]``.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from .._settings import settings

logger = logging.getLogger("scugrn")

MAX_BATCH = 1024


def _tqdm():
    """tqdm's progress bar, or a plain iterator where tqdm is not installed (a bare PyTorch machine)."""
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is a core dependency
        def tqdm(it, **_):
            return it
    return tqdm


CUDA_MEMORY_FRACTION = 0.5  # of the device memory free when the batch is sized
CUDA_MEMORY_RESERVE_MB = 2048  # left free on top of that, for the allocator, the kernels and the result
CUDA_MEMORY_CAP_MB = 32768  # more gave GDT no speed on the H200 (issue 12: 4 GiB vs 32 GiB budget)


def cuda_budget_mb(device) -> int:
    """Activation budget on a CUDA device from its free memory (``torch.cuda.mem_get_info``):
    ``min(CAP, FRACTION × (free − RESERVE))``, at least 256 MiB. The rule is in docs/defaults.md."""
    import torch

    free, _total = torch.cuda.mem_get_info(device)
    free_mb = free / 2**20
    return int(max(256, min(CUDA_MEMORY_CAP_MB, CUDA_MEMORY_FRACTION * (free_mb - CUDA_MEMORY_RESERVE_MB))))


def auto_batch_size(model, K: int, *, forward_ad: bool, memory_mb: int | None = None) -> int:
    """Virtual cells per batch so the live activations of one layer stay under ``memory_mb``
    (default ``settings.memory_mb``, else 128 MiB on CPU and :func:`cuda_budget_mb` on CUDA)."""
    cfg = model.cfg
    L = K + 1
    per_cell = 4 * L * (3 * cfg.nhead * L + 10 * cfg.d_model + 2 * cfg.d_hid)  # bytes, one layer
    if forward_ad:
        per_cell *= 2  # primal + tangent
    mb = memory_mb or settings.memory_mb
    if not mb:
        mb = cuda_budget_mb(model.device) if model.device.type == "cuda" else 128
    budget = mb * 2**20
    return int(max(1, min(MAX_BATCH, budget // per_cell)))


def run_probe(
    name: str,
    model,
    token_ids,
    *,
    params: dict,
    x_bar: np.ndarray | None = None,
    out=None,
    sources=None,
    batch_size: int | None = None,
    verbose: bool | None = None,
) -> np.ndarray:
    """Run probe ``name`` over the K genes ``token_ids`` of ``model``.

    Returns ``(K, K, W)`` float32 for pair probes (``out[i, j, c]``: source i, target j, channel c)
    or ``(K, W)`` for gene probes (``emb``). ``out`` may be any array-like supporting slice
    assignment of that shape (numpy, numpy.memmap, zarr). ``sources`` (indices into the K genes)
    restricts the work to those source rows; the other rows of a new ``out`` are NaN.
    """
    import torch

    from ._registry import get_probe

    tqdm = _tqdm()

    _, cls = get_probe(name)
    verbose = settings.verbose if verbose is None else verbose
    ids = torch.as_tensor(np.asarray(token_ids), dtype=torch.long, device=model.device)
    K = int(ids.shape[0])
    if K == 0:
        msg = "The gene context is empty; expected at least 2 genes."
        raise ValueError(msg)
    xb = None
    if x_bar is not None:
        xb = torch.as_tensor(np.asarray(x_bar, dtype=np.float32), device=model.device)
    probe = cls(model, ids, params, xb)
    t0 = time.perf_counter()
    with torch.no_grad():
        if hasattr(probe, "full"):
            res = probe.full()
            if out is None:
                return res
            out[...] = res
            return out
        W = probe.width
        src_rows = torch.arange(K, device=model.device) if sources is None else torch.as_tensor(
            np.asarray(sources, dtype=np.int64), device=model.device)
        n_units = len(src_rows) * W
        if out is None:
            out = np.full((K, K, W), np.nan, dtype=np.float32) if sources is not None else np.empty((K, K, W), dtype=np.float32)
        bs = batch_size or settings.batch_size or auto_batch_size(model, K, forward_ad=probe.forward_ad)
        probe.setup()
        starts = range(0, n_units, bs)
        for u0 in tqdm(starts, desc=f"{name} (K={K}, batch={bs})", disable=not verbose, unit="batch"):
            local = torch.arange(u0, min(u0 + bs, n_units), device=model.device)
            units = src_rows[local // W] * W + local % W  # global unit ids: source * W + channel
            rows = probe.compute(units).float().cpu().numpy()  # (B, K)
            u = units.cpu().numpy()
            if isinstance(out, np.ndarray):
                out[u // W, :, u % W] = rows
            else:
                for r, uu in enumerate(u):
                    out[uu // W, :, uu % W] = rows[r]
    logger.info("probe %s: K=%d, %d units in %.2f s", name, K, n_units, time.perf_counter() - t0)
    return out


def window_contexts(K: int, window: int) -> list[tuple[np.ndarray, list[tuple[slice, slice]]]]:
    """Split K genes into blocks of ``window // 2``; every context is the union of two blocks, so
    each (source, target) pair shares at least one context. Returns, per context, its gene indices
    and the (rows, cols) blocks of the full matrix it is responsible for (each pair written once)."""
    if window < 4:
        msg = f"window must be ≥ 4 genes, got {window}."
        raise ValueError(msg)
    half = window // 2
    starts = list(range(0, K, half))
    blocks = [np.arange(s, min(K, s + half)) for s in starts]
    if len(blocks) == 1:
        return [(blocks[0], [(slice(0, K), slice(0, K))])]
    out = []
    for a in range(len(blocks)):
        for b in range(a + 1, len(blocks)):
            ctx = np.concatenate([blocks[a], blocks[b]])
            sa = slice(blocks[a][0], blocks[a][-1] + 1)
            sb = slice(blocks[b][0], blocks[b][-1] + 1)
            own = [(sa, sb), (sb, sa)]
            if b == a + 1:  # diagonal blocks: block a in its first context, the last block too
                own.append((sa, sa))
                if b == len(blocks) - 1:
                    own.append((sb, sb))
            out.append((ctx, own))
    return out


def source_window_contexts(K: int, sources, window: int):
    """Contexts for ``sources`` × all K targets: a block of ≤ window/2 sources joined with a block of
    targets filling the window, so each (source, target) pair is computed in exactly one context.
    Yields ``(context gene indices, source rows, target columns, positions of those columns)``."""
    if window < 4:
        msg = f"window must be ≥ 4 genes, got {window}."
        raise ValueError(msg)
    src = np.asarray(sources, dtype=np.int64)
    half = window // 2
    for a in range(0, len(src), half):
        sa = src[a:a + half]
        in_sa = np.zeros(K, dtype=bool)
        in_sa[sa] = True
        fill = window - len(sa)
        rest = np.flatnonzero(~in_sa)
        tblocks = [rest[b:b + fill] for b in range(0, len(rest), fill)] or [rest]
        for t, tb in enumerate(tblocks):
            ctx = np.concatenate([sa, tb])
            cols = np.concatenate([sa, tb]) if t == 0 else tb  # source×source pairs in the first context
            pos = np.arange(len(ctx)) if t == 0 else np.arange(len(sa), len(ctx))
            yield ctx, np.arange(a, a + len(sa)), cols, pos


RESUME_ATTR = "scugrn_windowed"  # in the zarr array's attributes: the job spec and the windows done


def _window_spec(name, ids, params, window, sources) -> dict:
    import hashlib
    import json

    h = hashlib.sha256(np.asarray(ids, dtype=np.int64).tobytes())
    h.update(json.dumps(params, sort_keys=True, default=str).encode())
    if sources is not None:
        h.update(np.asarray(sources, dtype=np.int64).tobytes())
    return {"probe": name, "window": int(window), "K": len(ids),
            "n_sources": None if sources is None else len(sources), "digest": h.hexdigest()[:16]}


class _Progress:
    """Which windows of a run are written, kept in ``out.attrs`` when ``out`` has attributes (zarr),
    so a run into the same store after an interruption skips them."""

    def __init__(self, out, spec):
        self.out, self.spec, self.done = out, spec, set()
        if out is None or not hasattr(out, "attrs"):
            self.out = None
            return
        old = dict(out.attrs).get(RESUME_ATTR)
        if old is not None:
            if old.get("spec") != spec:
                msg = (f"The output store holds windows of a different job (spec {old.get('spec')}); expected "
                       f"{spec}. Use a new store (or delete it) to start this job.")
                raise ValueError(msg)
            self.done = set(old.get("done", []))
        else:
            out.attrs[RESUME_ATTR] = {"spec": spec, "done": []}

    def mark(self, n: int) -> None:
        self.done.add(n)
        if self.out is not None:  # written after the window's data: a window marked done is complete
            self.out.attrs[RESUME_ATTR] = {"spec": self.spec, "done": sorted(self.done)}


def run_probe_windowed(name: str, model, token_ids, *, window: int, params: dict, x_bar=None,
                       batch_size=None, verbose=None, out=None, sources=None) -> np.ndarray:
    """Run a pair probe over a gene list longer than the backbone's context, in windows of at most
    ``window`` genes that always contain both the source and the target (see
    :func:`window_contexts`). Features of a pair depend on the other genes in its window; see
    docs/performance.md for how much they move with window composition.

    ``sources`` (indices into the K genes, e.g. the TFs) restricts the work to those rows and
    returns ``(n_sources, K, W)`` instead of ``(K, K, W)`` (:func:`source_window_contexts`): for
    1,600 TFs against 20,000 genes that is 12× less work and memory than the full square.

    With a zarr array as ``out`` the run is resumable: each finished window is recorded in the
    array's attributes (``scugrn_windowed``), and a run into the same array skips the windows
    already written (a store of a different job is an error)."""
    tqdm = _tqdm()

    ids = np.asarray(token_ids)
    K = len(ids)
    verbose = settings.verbose if verbose is None else verbose
    prog = _Progress(out, _window_spec(name, ids, params, window, sources))
    if sources is not None:
        ctxs = list(source_window_contexts(K, sources, window))
        for n, (ctx, rows, cols, pos) in enumerate(tqdm(
                ctxs, desc=f"{name} windows (K={K}, {len(sources)} sources, window={window})", disable=not verbose)):
            if n in prog.done:
                continue
            xb = None if x_bar is None else np.asarray(x_bar)[ctx]
            n_src = len(rows)
            res = run_probe(name, model, ids[ctx], params=params, x_bar=xb, batch_size=batch_size, verbose=False,
                            sources=np.arange(n_src))
            if out is None:
                out = np.full((len(sources), K, res.shape[2]), np.nan, dtype=np.float32)
            order = np.argsort(cols)
            block = res[:n_src][:, pos[order]]
            if hasattr(out, "oindex"):  # zarr: orthogonal selection
                out.oindex[rows[0]:rows[-1] + 1, cols[order]] = block
            else:
                out[rows[0]:rows[-1] + 1, cols[order]] = block
            prog.mark(n)
        return out
    ctxs = window_contexts(K, window)
    for n, (ctx, own) in enumerate(tqdm(ctxs, desc=f"{name} windows (K={K}, window={window})", disable=not verbose)):
        if n in prog.done:
            continue
        xb = None if x_bar is None else np.asarray(x_bar)[ctx]
        res = run_probe(name, model, ids[ctx], params=params, x_bar=xb, batch_size=batch_size, verbose=False)
        if out is None:
            out = np.full((K, K, res.shape[2]), np.nan, dtype=np.float32)
        pos = {g: k for k, g in enumerate(ctx)}
        for rows, cols in own:
            r = np.array([pos[i] for i in range(rows.start, rows.stop)])
            c = np.array([pos[j] for j in range(cols.start, cols.stop)])
            out[rows, cols] = res[np.ix_(r, c)]
        prog.mark(n)
    return out


FIDELITY_R_MIN, FIDELITY_REL_MAX = 0.999, 2e-2  # the precision policy (docs/defaults.md)


def fidelity(f: np.ndarray, ref: np.ndarray) -> dict:
    """Pearson r and relative Frobenius error ‖f − ref‖ / ‖ref‖ over the finite entries."""
    ok = np.isfinite(ref) & np.isfinite(f)
    a, b = f[ok].astype(np.float64), ref[ok].astype(np.float64)
    r = float(np.corrcoef(a, b)[0, 1]) if a.size > 1 and a.std() > 0 and b.std() > 0 else float("nan")
    rel = float(np.linalg.norm(a - b) / max(float(np.linalg.norm(b)), 1e-30))
    return {"r": r, "rel_err": rel}


def check_fidelity(name: str, model, token_ids, res: np.ndarray, *, params: dict, x_bar=None,
                   n_sources: int = 3, batch_size: int | None = None) -> dict:
    """Re-probe ``n_sources`` source genes (spread over the list) in float32 and compare them with
    the low-precision result ``res`` (K, K, W). Returns ``{"dtype", "r", "rel_err", "sources",
    "meets_policy"}`` and logs a warning when r < 0.999 or the relative error > 2e-2."""
    K = res.shape[0]
    src = np.unique(np.linspace(0, K - 1, min(n_sources, K)).round().astype(int))
    low = getattr(model, "autocast_dtype", None)
    model.to(dtype="float32")
    try:
        ref = run_probe(name, model, token_ids, params=params, x_bar=x_bar, sources=src, batch_size=batch_size,
                        verbose=False)[src]
    finally:
        model.autocast_dtype = low
    fid = fidelity(res[src], ref)
    ok = bool(fid["r"] >= FIDELITY_R_MIN and fid["rel_err"] <= FIDELITY_REL_MAX)
    out = {"dtype": str(low).removeprefix("torch."), **fid, "sources": src.tolist(), "meets_policy": ok}
    if not ok:
        logger.warning(
            "%s features in %s differ from float32 beyond the precision policy (r = %.5f, relative error "
            "%.2e on %d re-probed sources; policy: r ≥ %s, error ≤ %s). Use dtype='float32' for these "
            "features (docs/defaults.md, precision policy).", name, out["dtype"], fid["r"], fid["rel_err"],
            len(src), FIDELITY_R_MIN, FIDELITY_REL_MAX)
    return out
