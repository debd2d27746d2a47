"""InfoSEM-B (Cui et al. 2025, §3.2): DeepSEM with a gene-embedding-informed prior on A.

``a_ik ~ Laplace([h_i, h_k] wᵀ, σ_a)`` with ``w ~ N(0, σ_w² I)`` and w a MAP estimate, h the gene
embeddings (the paper: BioBERT embeddings of the gene's text; here any
:func:`scugrn.embeddings.gene_embeddings` source). Since ``[h_i, h_k] wᵀ = h_i·w_src + h_k·w_tgt``,
the prior mean is a linear source effect plus a linear target effect; genes with similar
embeddings get similar prior interaction effects, which is what lets it score genes that no label
covered. No labels are used.
"""

from __future__ import annotations

from ._registry import VariantMeta, register


def _make_prior(n_genes, cfg, embeddings, labels, generator):
    from ._priors import EmbeddingLaplacePrior

    return EmbeddingLaplacePrior(
        n_genes, embeddings, sigma_w=cfg.sigma_w, init_noise=cfg.init_noise, generator=generator
    )


META = register(
    VariantMeta(
        name="B",
        display="InfoSEM-B",
        desc="DeepSEM with a Laplace prior on A whose mean is linear in the two genes' embeddings.",
        reference="Cui et al. (2025) InfoSEM: a deep generative model with informative priors for GRN inference, eq. 9",
        needs_embeddings=True,
        needs_labels=False,
        make_prior=_make_prior,
        aliases=("infosem_b", "infosem-b", "infosemb"),
    )
)


def infosem_b(X, embeddings, *, config=None, preset: str = "celltype", seed: int = 0, n_runs: int = 1, device=None, genes=None):
    """Fit InfoSEM-B; ``embeddings`` is (genes, d). Shorthand for ``fit(X, variant="B", ...)``."""
    from ._fit import fit

    return fit(
        X, variant="B", embeddings=embeddings, config=config, preset=preset, seed=seed,
        n_runs=n_runs, device=device, genes=genes,
    )
