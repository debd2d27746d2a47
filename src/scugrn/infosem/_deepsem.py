"""DeepSEM (Shu et al. 2021): β-VAE whose latent passes through (I − A)⁻¹, Laplace (L1) prior on A.

Generative model (InfoSEM paper eqs. 4–5): ``A ~ Π Laplace(a_ik; 0, σ_a)``, ``Z ~ N(0, σ_z²)``,
``Ẑ = Z (I − A)⁻¹`` (cells as rows), ``X ~ N(f_θ(Ẑ), g_θ(Ẑ))``; A is a MAP estimate, the networks are
trained on the ELBO with the KL weighted by β. The edge score of i → k is ``|A[i, k]|``; with
``n_runs > 1`` the scores of independently seeded runs are averaged, DeepSEM's recommended ensemble
(10 runs in its paper). Hyperparameters: :mod:`scugrn.infosem._config` (DeepSEM's published defaults
with their source).
"""

from __future__ import annotations

from ._registry import VariantMeta, register


def _make_prior(n_genes, cfg, embeddings, labels, generator):
    from ._priors import LaplacePrior

    return LaplacePrior(n_genes, init_noise=cfg.init_noise, generator=generator)


META = register(
    VariantMeta(
        name="deepsem",
        display="DeepSEM",
        desc="β-VAE with a linear SEM layer (I − A)⁻¹ in latent space and an L1 (Laplace) prior on A.",
        reference="Shu et al. (2021) Nat. Comput. Sci. 1:491-501; github.com/HantaoShu/DeepSEM",
        needs_embeddings=False,
        needs_labels=False,
        make_prior=_make_prior,
    )
)


def deepsem(X, *, config=None, preset: str = "celltype", seed: int = 0, n_runs: int = 1, device=None, genes=None):
    """Fit DeepSEM on a (cells x genes) matrix; returns a :class:`~scugrn.infosem.SEMResult`.

    Shorthand for ``scugrn.infosem.fit(X, variant="deepsem", ...)``; see :func:`scugrn.infosem.fit`.
    """
    from ._fit import fit

    return fit(X, variant="deepsem", config=config, preset=preset, seed=seed, n_runs=n_runs, device=device, genes=genes)
