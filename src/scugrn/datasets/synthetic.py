"""Synthetic GRNs with simulated single cells: a ground truth that is known exactly.

:func:`synthetic_grn` draws a random sparse network with TF hubs and simulates cells at the steady
state of a Hill-function system; :func:`synthetic_universe` draws many such networks over one pool of
gene names (each network its own genes), the data of the synthetic-universe positive control
(``tests/test_synthetic_universe.py``, ``benchmarks/synthetic_universe.py``).

The model, per cell c and gene g (x ≥ 0, levels in arbitrary units):

.. math::

    x_{cg} = \\varepsilon_{cg} \\Big(b_g + u_{cg} + \\sum_{r \\to g} a_{rg}\\, H_{rg}(x_{cr})\\Big),
    \\qquad H^{+}(x) = \\frac{x^n}{K^n + x^n}, \\quad H^{-}(x) = \\frac{K^n}{K^n + x^n}

with basal rate :math:`b_g`, external input :math:`u_{cg}` (TFs only: on or off per cell, with an
on-probability set by the cell's state, times a log-normal level and noise), edge strength :math:`a_{rg}`, half-saturation :math:`K_{rg}`, Hill coefficient
:math:`n_{rg}` and log-normal intrinsic noise :math:`\\varepsilon_{cg}` — the steady state of
:math:`\\dot x = \\varepsilon\\,(b + u + \\sum a H) - x`, found by damped fixed-point iteration (TF→TF
edges may form cycles). Counts are negative-binomial around library size × relative level, then a
share ``dropout`` of the entries is zeroed (on top of sampling zeros); ``X`` is log1p of counts per
10,000.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._keys import Key

_DEFAULTS = {"n_states": 6, "repression": 0.3, "hill": (1.0, 4.0), "strength": (1.0, 3.0),
             "noise": 0.2, "tf_noise": 0.5, "library_size": 5000.0, "dispersion": 0.05,
             "dropout": 0.02, "power": 1.0}


def _edges(rng, n_genes: int, n_tfs: int, n_edges: int, power: float):
    """TF→gene edges: TF out-degree ∝ rank^-power (hubs), targets uniform, no self-loops."""
    w = np.arange(1, n_tfs + 1, dtype=float) ** -power
    w = rng.permutation(w / w.sum())
    src, tgt, seen = [], [], set()
    tries = 0
    while len(src) < n_edges and tries < 100 * n_edges:
        tries += 1
        t = int(rng.choice(n_tfs, p=w))
        g = int(rng.integers(n_genes))
        if g == t or (t, g) in seen:
            continue
        seen.add((t, g))
        src.append(t)
        tgt.append(g)
    return np.asarray(src), np.asarray(tgt)


def synthetic_grn(
    *,
    n_genes: int = 100,
    n_tfs: int = 20,
    n_cells: int = 500,
    density: float = 0.05,
    seed: int = 0,
    gene_names=None,
    n_states: int = _DEFAULTS["n_states"],
    repression: float = _DEFAULTS["repression"],
    hill: tuple[float, float] = _DEFAULTS["hill"],
    strength: tuple[float, float] = _DEFAULTS["strength"],
    noise: float = _DEFAULTS["noise"],
    tf_noise: float = _DEFAULTS["tf_noise"],
    library_size: float = _DEFAULTS["library_size"],
    dispersion: float = _DEFAULTS["dispersion"],
    dropout: float = _DEFAULTS["dropout"],
    power: float = _DEFAULTS["power"],
):
    """A random GRN with TF hubs and cells simulated from it.

    Parameters
    ----------
    n_genes, n_tfs, n_cells
        Genes (the first ``n_tfs`` of the network are TFs, then shuffled into ``var``), cells.
    density
        Edges / (n_tfs × (n_genes − 1)), i.e. the share of TF→gene pairs that are true edges.
    seed
        Seeds everything (``numpy.random.default_rng``).
    gene_names
        ``n_genes`` names, or a larger pool to draw ``n_genes`` distinct names from (seeded);
        default ``SYN<seed>-<i>``.
    n_states
        Cell states: each gives every TF a probability of being on (uniform in [0.2, 0.8]); a cell
        picks a state, then each TF is on or off (5 % leak) independently, at the TF's log-normal
        level times per-cell log-normal noise (σ = ``tf_noise``).
    repression
        Share of edges that repress.
    hill, strength
        Ranges (uniform) of the Hill coefficients and of the edge strengths a.
    noise
        σ of the log-normal intrinsic noise on every gene's production.
    library_size, dispersion, dropout
        Mean counts per cell (log-normal, σ 0.3), negative-binomial dispersion, and the share of
        entries zeroed on top of sampling zeros.
    power
        TF out-degree ∝ rank^-power (power-law hubs).

    Returns
    -------
    AnnData ``n_cells × n_genes``: ``X`` log1p(counts per 10k) float32, ``layers['counts']``,
    ``obs['state']``, ``var['is_tf']``, ``uns['ground_truth']`` (DataFrame ``source, target, sign``
    with sign +1 activation / −1 repression), ``uns['synthetic']`` (every parameter and the seed),
    ``uns['scugrn_species'] = 'human'`` (names are matched exactly, never through orthologs).

    Examples
    --------
    >>> import scugrn
    >>> adata = scugrn.datasets.synthetic_grn(n_genes=50, n_tfs=10, n_cells=100, seed=0)
    >>> adata.shape, adata.var["is_tf"].sum()
    ((100, 50), np.int64(10))
    """
    import anndata as ad

    for k, v in {"n_genes": n_genes, "n_tfs": n_tfs, "n_cells": n_cells, "n_states": n_states}.items():
        if int(v) < 1:
            msg = f"{k} must be ≥ 1, found {v}."
            raise ValueError(msg)
    if not 1 <= n_tfs < n_genes:
        msg = f"Expected 1 ≤ n_tfs < n_genes, found n_tfs={n_tfs}, n_genes={n_genes}."
        raise ValueError(msg)
    if not 0 < density <= 1:
        msg = f"density must lie in (0, 1], found {density}."
        raise ValueError(msg)
    for k, v in {"repression": repression, "dropout": dropout}.items():
        if not 0 <= v < 1:
            msg = f"{k} must lie in [0, 1), found {v}."
            raise ValueError(msg)
    rng = np.random.default_rng(seed)
    if gene_names is None:
        names = [f"SYN{seed}-{i}" for i in range(n_genes)]
    else:
        pool = [str(g) for g in gene_names]
        if len(set(pool)) != len(pool) or len(pool) < n_genes:
            msg = (f"gene_names must hold at least n_genes={n_genes} distinct names; found "
                   f"{len(pool)} ({len(set(pool))} distinct).")
            raise ValueError(msg)
        names = pool if len(pool) == n_genes else [pool[i] for i in rng.choice(len(pool), n_genes, replace=False)]

    n_edges = max(1, round(density * n_tfs * (n_genes - 1)))
    src, tgt = _edges(rng, n_genes, n_tfs, n_edges, power)
    E = len(src)
    sign = np.where(rng.random(E) < repression, -1, 1)
    a = rng.uniform(*strength, size=E)
    n_hill = rng.uniform(*hill, size=E)

    # TF inputs: per cell, each TF is on (with the probability its cell state gives it) or off
    # (5 % leak), at a TF-specific log-normal level times per-cell log-normal noise
    p_on = rng.uniform(0.2, 0.8, size=(n_states, n_tfs))  # (S, T)
    level = np.exp(rng.normal(0.0, 0.5, size=n_tfs))  # (T,)
    state = rng.integers(n_states, size=n_cells)
    on = rng.random((n_cells, n_tfs)) < p_on[state]  # (C, T)
    u = np.zeros((n_cells, n_genes))
    u[:, :n_tfs] = (np.where(on, 1.0, 0.05) * level
                    * np.exp(rng.normal(0.0, tf_noise, size=(n_cells, n_tfs))))
    basal = rng.uniform(0.05, 0.3, size=n_genes)
    eps = np.exp(rng.normal(0.0, noise, size=(n_cells, n_genes)))
    jitter = np.exp(rng.normal(0.0, 0.3, size=E))

    def produce(x, K):  # (C, G) -> (C, G)
        xs = x[:, src]  # (C, E)
        h = xs**n_hill / (K**n_hill + xs**n_hill)
        h = np.where(sign > 0, h, 1.0 - h)
        p = basal + u
        np.add.at(p.T, tgt, (a * h).T)  # p[:, tgt[e]] += a_e h_e
        return eps * p

    def steady(x, K):  # damped fixed point of dx/dt = produce(x) - x
        for _ in range(100):
            x_new = 0.5 * x + 0.5 * produce(x, K)
            if np.max(np.abs(x_new - x)) < 1e-6:
                return x_new
            x = x_new
        return x

    # half-saturation K at the regulator's median steady-state level (× jitter), so that every
    # edge works in its dynamic range; re-solved because TF→TF edges move the TFs' own levels
    x = eps * (basal + u)
    for _ in range(3):
        K = np.median(x[:, src], axis=0) * jitter
        x = steady(x, K)

    lib = library_size * np.exp(rng.normal(0.0, 0.3, size=(n_cells, 1)))
    mu = lib * x / x.sum(1, keepdims=True)
    lam = rng.gamma(1.0 / dispersion, mu * dispersion)
    counts = rng.poisson(lam).astype(np.float32)
    counts[rng.random(counts.shape) < dropout] = 0.0
    tot = counts.sum(1, keepdims=True)
    X = np.log1p(counts / np.maximum(tot, 1.0) * 1e4).astype(np.float32)

    order = rng.permutation(n_genes)  # TFs are not all first in var
    var_names = [names[i] for i in order]
    var = pd.DataFrame(index=pd.Index(var_names))
    var[Key.var.IS_TF] = order < n_tfs
    obs = pd.DataFrame({"state": pd.Categorical([f"state{s}" for s in state])},
                       index=[f"cell{i}" for i in range(n_cells)])
    adata = ad.AnnData(X=X[:, order], obs=obs, var=var)
    adata.layers["counts"] = counts[:, order]
    adata.uns[Key.uns.TRUTH] = pd.DataFrame({
        "source": [names[i] for i in src], "target": [names[j] for j in tgt], "sign": sign.astype(int),
    })
    adata.uns[Key.uns.SPECIES] = "human"
    adata.uns["synthetic"] = {
        "model": "Hill-function steady state + negative-binomial counts (scugrn.datasets.synthetic)",
        "n_genes": n_genes, "n_tfs": n_tfs, "n_cells": n_cells, "density": density,
        "n_edges": int(E), "seed": seed, "n_states": n_states, "repression": repression,
        "hill": list(hill), "strength": list(strength), "noise": noise, "tf_noise": tf_noise,
        "library_size": library_size, "dispersion": dispersion, "dropout": dropout, "power": power,
        "zero_fraction": float((counts == 0).mean()),
    }
    return adata


def synthetic_universe(
    n_networks: int = 8,
    *,
    n_genes: int = 60,
    n_tfs: int = 12,
    n_cells: int = 300,
    density: float = 0.08,
    seed: int = 0,
    prefix: str = "SYN",
    **kwargs,
):
    """Many synthetic networks over one pool of gene names, each network with its own genes.

    Network k is ``synthetic_grn(seed=[seed, k] hashed, gene_names=<its slice of the pool>)``; the
    pool is ``n_networks × n_genes`` names ``<prefix>0000, <prefix>0001, ...`` shuffled with
    ``seed``, so no gene belongs to two networks.

    Parameters
    ----------
    n_networks
        How many networks.
    n_genes, n_tfs, n_cells, density, **kwargs
        Passed to :func:`synthetic_grn` for every network.
    seed
        Seeds the pool split and every network.
    prefix
        Gene-name prefix (upper case, so that names are read as human symbols).

    Returns
    -------
    ``(adatas, vocab)``: the list of AnnData (``uns['synthetic']['network']`` = k) and a token
    vocabulary ``<pad>, <cls>, <eoc>`` + the pool, ready for :func:`scugrn.models.random_checkpoint`
    (``vocab=``) or :func:`scugrn.models.pretrain`.
    """
    if int(n_networks) < 1:
        msg = f"n_networks must be ≥ 1, found {n_networks}."
        raise ValueError(msg)
    width = max(4, len(str(n_networks * n_genes)))
    pool = [f"{prefix}{i:0{width}d}" for i in range(n_networks * n_genes)]
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(pool))
    seeds = np.random.SeedSequence(seed).generate_state(n_networks)
    adatas = []
    for k in range(n_networks):
        names = [pool[i] for i in perm[k * n_genes : (k + 1) * n_genes]]
        a = synthetic_grn(n_genes=n_genes, n_tfs=n_tfs, n_cells=n_cells, density=density,
                          seed=int(seeds[k]), gene_names=names, **kwargs)
        a.uns["synthetic"]["network"] = k
        a.uns["synthetic"]["universe_seed"] = seed
        adatas.append(a)
    vocab = {t: i for i, t in enumerate(["<pad>", "<cls>", "<eoc>", *pool])}
    return adatas, vocab
