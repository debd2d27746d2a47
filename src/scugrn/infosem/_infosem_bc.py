"""InfoSEM-BC (Cui et al. 2025, §3.3): embeddings and known interactions as priors.

``A = Aᵉ ⊙ σ(Aˡ)``: Aᵉ (interaction effect) has InfoSEM-B's embedding prior; Aˡ (logit of the
probability of interaction) is low rank, ``Aˡ = Aˡ_a Aˡ_b`` with rank ``h`` (128 in the paper), with
``N(logit 0.95, σ_l²)`` on known positive pairs, ``N(logit 0.05, σ_l²)`` on known negative pairs and
a flat prior on unknown pairs. Labels are a prior, not a training target: the model is still fitted
to the expression by the ELBO. The edge score is ``|Aᵉ ⊙ σ(Aˡ)|``.
"""

from __future__ import annotations

from ._registry import VariantMeta, register


def _make_prior(n_genes, cfg, embeddings, labels, generator):
    from ._priors import LabelEmbeddingPrior

    return LabelEmbeddingPrior(
        n_genes, embeddings, labels,
        sigma_w=cfg.sigma_w, sigma_l=cfg.sigma_l, rank=cfg.rank,
        label_pos=cfg.label_pos, label_neg=cfg.label_neg,
        init_noise=cfg.init_noise, generator=generator,
    )


META = register(
    VariantMeta(
        name="BC",
        display="InfoSEM-BC",
        desc="A = Aᵉ ⊙ σ(Aˡ): embedding prior on Aᵉ, known-label prior on the low-rank logits Aˡ.",
        reference="Cui et al. (2025) InfoSEM: a deep generative model with informative priors for GRN inference, eqs. 10-13",
        needs_embeddings=True,
        needs_labels=True,
        make_prior=_make_prior,
        aliases=("infosem_bc", "infosem-bc", "infosembc"),
    )
)


def infosem_bc(X, embeddings, labels, *, config=None, preset: str = "celltype", seed: int = 0, n_runs: int = 1, device=None, genes=None):
    """Fit InfoSEM-BC; ``labels`` as in :func:`scugrn.infosem.fit`. Shorthand for
    ``fit(X, variant="BC", ...)``."""
    from ._fit import fit

    return fit(
        X, variant="BC", embeddings=embeddings, labels=labels, config=config, preset=preset,
        seed=seed, n_runs=n_runs, device=device, genes=genes,
    )
