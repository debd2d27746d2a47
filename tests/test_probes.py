"""Probe numerics against slow, obvious references (docs/methods.md §2)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import GENES

import scugrn
from scugrn.probes import default_params, list_probes, run_probe

K = 20


@pytest.fixture(scope="module")
def ctx(tiny_model):
    genes = GENES[:K]
    return tiny_model, tiny_model.token_ids(genes)


def _predict(model, ids, v):
    return model.predict(torch.as_tensor(ids), torch.as_tensor(v, dtype=torch.float32))


def test_registry_metadata():
    df = list_probes()
    assert set(df["name"]) == {"emb", "pert", "vvp", "gdt", "origin_pert", "origin_attn"}
    assert df.set_index("name").loc["pert", "needs_expression"]
    assert not df.set_index("name").loc["gdt", "needs_expression"]


@pytest.mark.parametrize("background", [0.0, "base"])
def test_gdt_matches_per_pair_autograd(ctx, background):
    model, ids = ctx
    p = default_params("gdt", model, n_values=3, background=background)
    feats = run_probe("gdt", model, ids, params=p, verbose=False, batch_size=7)
    ref = np.full_like(feats, np.nan)
    sources = (0, 7, K - 1)
    for t, b in enumerate(p["base_values"]):
        for i in sources:
            bg = b if background == "base" else background
            v = torch.full((1, K), float(bg))
            v[0, i] = b
            v.requires_grad_(True)
            out = _predict(model, ids, v)[0]
            for j in range(K):  # the slow reference: one backward pass per target
                (g,) = torch.autograd.grad(out[j], v, retain_graph=True)
                ref[i, j, t] = g[0, i]
    rel = np.abs(feats[sources,] - ref[sources,]).max() / np.abs(ref[sources,]).max()
    assert rel < 1e-4, rel


def test_gdt_matches_finite_differences(ctx):
    model, ids = ctx
    p = default_params("gdt", model, n_values=2)
    feats = run_probe("gdt", model, ids, params=p, verbose=False)
    h = 1e-2
    i, t = 4, 1
    b = p["base_values"][t]
    v = np.full((2, K), p["background"], dtype=np.float64)
    v[:, i] = [b + h, b - h]
    with torch.no_grad():
        model.module.double()
        try:
            o = model.predict(torch.as_tensor(ids), torch.as_tensor(v)).numpy()
        finally:
            model.module.float()
    fd = (o[0] - o[1]) / (2 * h)
    np.testing.assert_allclose(feats[i, :, t], fd, rtol=2e-2, atol=1e-5 * np.abs(fd).max())


def test_vvp_matches_hand_built_differences(ctx):
    model, ids = ctx
    p = default_params("vvp", model, n_values=4, base_value=3.0)
    feats = run_probe("vvp", model, ids, params=p, verbose=False, batch_size=5)
    with torch.no_grad():
        base = _predict(model, ids, np.full((1, K), 3.0))[0].numpy()
        for i in (0, 7, K - 1):
            for m, vp in enumerate(p["target_values"]):
                v = np.full((1, K), 3.0)
                v[0, i] = vp
                want = _predict(model, ids, v)[0].numpy() - base
                np.testing.assert_allclose(feats[i, :, m], want, atol=1e-6)


def test_pert_and_attention_on_mean_cell(ctx, rng):
    model, ids = ctx
    x = rng.uniform(0, 50, K).astype(np.float32)
    feats = run_probe("pert", model, ids, params={}, x_bar=x, verbose=False)
    with torch.no_grad():
        base = _predict(model, ids, x[None])[0].numpy()
        v = x.copy()
        v[5] = 0
        want = base - _predict(model, ids, v[None])[0].numpy()
    np.testing.assert_allclose(feats[5, :, 0], want, atol=1e-6)
    attn = run_probe("origin_attn", model, ids, params={}, x_bar=x, verbose=False)
    assert attn.shape == (K, K, 1)
    # each layer's attention rows sum to one over the K genes + <cls>; K genes get < n_layers
    assert np.all(attn.sum(1) <= model.cfg.nlayers + 1e-5)


def test_needs_expression_error(ctx):
    model, ids = ctx
    with pytest.raises(ValueError, match="needs expression"):
        run_probe("pert", model, ids, params={}, verbose=False)


def test_batching_and_determinism(ctx):
    model, ids = ctx
    p = default_params("gdt", model, n_values=3)
    a = run_probe("gdt", model, ids, params=p, verbose=False, batch_size=1)
    b = run_probe("gdt", model, ids, params=p, verbose=False, batch_size=64)
    c = run_probe("gdt", model, ids, params=p, verbose=False, batch_size=64)
    np.testing.assert_allclose(a, b, atol=1e-6)
    np.testing.assert_array_equal(b, c)


def test_values_outside_range_rejected(tiny_model):
    with pytest.raises(ValueError, match="outside the backbone's input range"):
        default_params("vvp", tiny_model, target_values=[1, 99])
    with pytest.raises(TypeError, match="Unknown parameter"):
        default_params("gdt", tiny_model, target_values=[1])
    with pytest.raises(ValueError, match="finite"):
        default_params("gdt", tiny_model, base_values=[1, float("nan")])


def test_auto_batch_size_shrinks_with_context(tiny_model):
    from scugrn.probes import auto_batch_size

    small = auto_batch_size(tiny_model, 100, forward_ad=True, memory_mb=64)
    big = auto_batch_size(tiny_model, 2000, forward_ad=True, memory_mb=64)
    assert big < small
    assert big >= 1


def test_both_directions_concat(tiny_model):
    from scugrn.translator import pair_matrix

    ad = scugrn.from_genes(GENES[:6])
    scugrn.tl.vvp(ad, model=tiny_model, n_values=3, verbose=False)
    F = ad.varp["vvp"]
    X = pair_matrix(ad, "vvp", np.array([1, 4]), np.array([2, 0]))
    np.testing.assert_array_equal(X[0], np.concatenate([F[1, 2], F[2, 1]]))
    np.testing.assert_array_equal(X[1], np.concatenate([F[4, 0], F[0, 4]]))
    scugrn.tl.emb(ad, model=tiny_model)
    E = pair_matrix(ad, "emb", np.array([1]), np.array([2]))
    np.testing.assert_allclose(E[0], ad.varm["emb"][1] + ad.varm["emb"][2])


@pytest.mark.parametrize("K,window", [(10, 4), (11, 6), (20, 8), (5, 10)])
def test_window_contexts_cover_every_pair_once(K, window):
    from scugrn.probes import window_contexts

    count = np.zeros((K, K), dtype=int)
    for ctx, own in window_contexts(K, window):
        assert len(ctx) <= window
        for rows, cols in own:
            assert set(range(rows.start, rows.stop)) <= set(ctx) and set(range(cols.start, cols.stop)) <= set(ctx)
            count[rows, cols] += 1
    assert (count == 1).all()


def test_windowed_equals_full_when_window_covers_all(ctx):
    from scugrn.probes import run_probe_windowed

    model, ids = ctx
    p = default_params("vvp", model, n_values=2)
    full = run_probe("vvp", model, ids, params=p, verbose=False)
    same = run_probe_windowed("vvp", model, ids, window=2 * K, params=p, verbose=False)
    np.testing.assert_allclose(same, full, atol=1e-6)
    win = run_probe_windowed("vvp", model, ids, window=8, params=p, verbose=False)
    assert np.isfinite(win).all()
    # features depend on the context, but a pair's features stay correlated across windows
    r = np.corrcoef(win.ravel(), full.ravel())[0, 1]
    assert r > 0.5, r


@pytest.mark.parametrize("pre_norm", [False, True])
@pytest.mark.parametrize("style", ["continuous", "scaling"])
def test_hand_written_jvp_equals_torch_func_jvp(tmp_path, pre_norm, style):
    """The explicit (primal, tangent) rules of models._jvp against PyTorch's own forward-mode AD,
    for per-cell primals and for one primal shared by a batch of tangents."""
    import torch

    from scugrn.models import load, random_checkpoint
    from scugrn.models._jvp import jvp_mlm

    genes = [f"G{i}" for i in range(30)]
    m = load(random_checkpoint(tmp_path / "c", genes=genes, pre_norm=pre_norm, nhead=2, seed=3))
    m.module.cfg.input_emb_style = style
    ids = torch.arange(3, 33)[None, :]
    g = torch.Generator().manual_seed(0)
    vals = torch.rand(4, 30, generator=g) * 10
    tans = torch.randn(4, 30, generator=g)
    m.module.set_attn_impl("math")

    def f(x):
        return m.module(ids, x)["mlm_output"]

    ref = torch.func.jvp(f, (vals,), (tans,))[1]
    assert float(ref.abs().max()) > 1e-3  # a derivative that is not trivially zero
    _, d = jvp_mlm(m.module, ids, vals, tans)
    torch.testing.assert_close(d, ref, rtol=1e-4, atol=1e-5)
    # one primal cell shared by every tangent (broadcast path)
    ref1 = torch.func.vmap(lambda t: torch.func.jvp(f, (vals[:1],), (t[None],))[1][0])(tans)
    _, d1 = jvp_mlm(m.module, ids, vals[:1], tans)
    torch.testing.assert_close(d1, ref1, rtol=1e-4, atol=1e-5)
    # attention in query blocks (memory flat in K) changes nothing
    import scugrn.models._jvp as J

    old, J.QUERY_BLOCK_BYTES = J.QUERY_BLOCK_BYTES, 4 * 4 * 2 * 31 * 7  # blocks of 7 query rows
    try:
        torch.testing.assert_close(jvp_mlm(m.module, ids, vals, tans)[1], d, rtol=1e-5, atol=1e-6)
    finally:
        J.QUERY_BLOCK_BYTES = old


def test_gdt_falls_back_to_dual_numbers(ctx, monkeypatch):
    """Configurations without hand-written rules (e.g. the MVC head) use PyTorch's dual numbers and
    give the same features as the hand-written path where both apply; the engine paths are chosen
    by settings (first_layer) and the backbone's jvp_engine, not by patching modules."""
    model, ids = ctx
    for background in (0.0, "base"):
        p = default_params("gdt", model, n_values=2, background=background)
        fast = run_probe("gdt", model, ids, params=p, verbose=False)
        model.jvp_engine = "dual"
        try:
            with scugrn.settings.override(first_layer="full"):
                slow = run_probe("gdt", model, ids, params=p, verbose=False)
        finally:
            model.jvp_engine = "hand"
        np.testing.assert_allclose(fast, slow, rtol=1e-4, atol=1e-6)
    p = default_params("vvp", model, n_values=2)
    full = run_probe("vvp", model, ids, params=p, verbose=False)
    with scugrn.settings.override(first_layer="rows"):
        np.testing.assert_allclose(run_probe("vvp", model, ids, params=p, verbose=False), full, rtol=1e-4, atol=1e-6)
    with pytest.raises(ValueError, match="first_layer must be one of"):
        scugrn.settings.first_layer = "fast"


@pytest.mark.parametrize("pre_norm", [False, True])
def test_rows_first_layer_equals_full_cells(tmp_path, pre_norm):
    """models._rows (first layer reused from the base cell) against cells built in full: the primal
    against predict, the tangent against predict_jvp, including a changed logit large enough to
    need the overflow shift."""
    import torch

    from scugrn.models import load, random_checkpoint

    genes = [f"G{i}" for i in range(25)]
    m = load(random_checkpoint(tmp_path / "c", genes=genes, pre_norm=pre_norm, nhead=2, seed=5))
    ids = m.token_ids(genes)
    ids = torch.as_tensor(ids)
    base = torch.full((25,), 2.0)
    rows = torch.tensor([0, 3, 3, 24, 10])
    vals = torch.tensor([0.0, 7.0, 50.0, 1.0, 300.0])
    full = base.repeat(5, 1)
    full[torch.arange(5), rows] = vals
    tang = torch.zeros(5, 25)
    tang[torch.arange(5), rows] = 1.0
    torch.testing.assert_close(m.predict_rows(ids, base, rows, vals), m.predict(ids, full), rtol=1e-4, atol=1e-5)
    d = m.predict_rows(ids, base, rows, vals, tangent=True)
    ref = m.predict_jvp(ids, full, tang)
    assert float(ref.abs().max()) > 1e-3
    torch.testing.assert_close(d, ref, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(("K", "n_src", "window"), [(20, 5, 8), (31, 12, 10), (9, 9, 4), (40, 3, 64)])
def test_source_windows_cover_each_pair_once(K, n_src, window):
    from scugrn.probes._runner import source_window_contexts

    src = np.random.default_rng(K).choice(K, n_src, replace=False)
    count = np.zeros((n_src, K), dtype=int)
    for ctx, rows, cols, pos in source_window_contexts(K, src, window):
        assert len(ctx) <= window and len(set(ctx.tolist())) == len(ctx)
        assert set(src[rows].tolist()) <= set(ctx.tolist())
        np.testing.assert_array_equal(ctx[pos], cols)
        count[np.ix_(rows, cols)] += 1
    np.testing.assert_array_equal(count, 1)


def test_source_windows_equal_full_context_when_window_covers_all(ctx):
    from scugrn.probes import run_probe_windowed

    model, ids = ctx
    p = default_params("gdt", model, n_values=2)
    src = np.array([3, 0, 7])
    full = run_probe("gdt", model, ids, params=p, verbose=False)
    w = run_probe_windowed("gdt", model, ids, window=2 * K, params=p, sources=src, verbose=False)
    assert w.shape == (3, K, 2)
    np.testing.assert_allclose(w, full[src], rtol=1e-4, atol=1e-6)
    small = run_probe_windowed("gdt", model, ids, window=8, params=p, sources=src, verbose=False)
    assert np.isfinite(small).all()


def test_cuda_batch_budget_from_free_memory(tiny_model, monkeypatch):
    """On CUDA the activation budget follows torch.cuda.mem_get_info (mocked: CI has no GPU)."""
    import types

    from scugrn.probes import _runner

    free = {"b": 0}
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=None: (free["b"], 140 * 2**30))
    fake = types.SimpleNamespace(cfg=tiny_model.cfg, device=torch.device("cuda", 0))
    free["b"] = 100 * 2**30  # 100 GiB free: half of (free - 2 GiB) = 49 GiB, capped at 32 GiB
    assert _runner.cuda_budget_mb(fake.device) == 32768
    free["b"] = 10 * 2**30  # 10 GiB free: 4 GiB
    assert _runner.cuda_budget_mb(fake.device) == 4096
    free["b"] = 1 * 2**30  # nearly full card: the 256 MiB floor
    assert _runner.cuda_budget_mb(fake.device) == 256
    K = 1400
    free["b"] = 10 * 2**30
    b10 = _runner.auto_batch_size(fake, K, forward_ad=True)
    assert b10 == _runner.auto_batch_size(fake, K, forward_ad=True, memory_mb=4096)
    free["b"] = 100 * 2**30
    assert _runner.auto_batch_size(fake, K, forward_ad=True) == _runner.auto_batch_size(
        fake, K, forward_ad=True, memory_mb=32768) > 4 * b10
    with scugrn.settings.override(memory_mb=64):  # an explicit budget wins over the card
        assert _runner.auto_batch_size(fake, K, forward_ad=True) == _runner.auto_batch_size(
            fake, K, forward_ad=True, memory_mb=64)
