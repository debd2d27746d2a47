"""InfoSEM's unseen-gene benchmark (docs/methods.md §7; Cui et al. 2025, §4.2 and Fig. 2).

Protocol, per configuration (cell type × ground-truth network × TFs+N) and split seed:

1. **Genes.** The TFs are the sources of at least one known edge; the pairs scored are every
   TF → gene pair of the configuration (self pairs excluded; every pair that is not a known edge is
   a negative, BEELINE's convention). TFs are split 3:1 into seen / unseen, and so are the other
   genes; a gene is seen or unseen in both roles.
2. **Train / test.** Pairs seen TF → seen gene are split 3:1 into training and *test-seen*
   (unseen interactions between seen genes), stratified per TF and label as in GENELink-style
   splits. *Test-unseen* is every pair unseen TF → unseen gene. Pairs that mix seen and unseen
   genes are not used.
3. **Metrics** over all pairs of each test set: AUPRC (average precision) and Hit@1% — the share of
   known edges among the top 1 % scored pairs (InfoSEM §5: "number of positive interactions among
   the top 1 % predicted interactions", reported as a fraction so that a random ranking scores the
   density; ties at the cut-off are included), from :mod:`scugrn.benchmark.metrics`.
4. **Seeds.** Splits are repeated over seeds; tables report mean and standard error.

Methods are registered with their metadata (:data:`METHODS`) and run through one runner.
Supervised methods (one-hot LR, MatComp, InfoSEM-BC) are refitted per split on the training
pairs; unsupervised ones (GRNBoost2, DeepSEM, InfoSEM-B) never see labels, so one fit per
``model seed`` serves every split (split s uses model seed ``s mod n_model_seeds``) and their
fitted scores are cached on disk under ``out_dir/cache``.

Layout: :mod:`.splits` (configurations, the seen/unseen split), :mod:`.methods` (the method
registry and its methods), :mod:`.runner` (:func:`run_infosem_benchmark`, :func:`summarize`),
:mod:`.cli` (``scugrn bench infosem``). Matrix completion is a baseline
(:func:`scugrn.benchmark.baselines.matcomp_scores`).
"""

from __future__ import annotations

from .methods import (
    DEFAULT_METHODS,
    METHODS,
    SIGMA_L_GRID,
    SIGMA_W_GRID,
    BenchContext,
    BenchMethod,
    register_method,
)
from .runner import RESULT_COLUMNS, run_infosem_benchmark, sem_config_for, summarize
from .splits import BenchConfig, Split, make_split, truth_matrix

__all__ = [
    "DEFAULT_METHODS", "METHODS", "RESULT_COLUMNS", "SIGMA_L_GRID", "SIGMA_W_GRID",
    "BenchConfig", "BenchContext", "BenchMethod", "Split", "make_split",
    "register_method", "run_infosem_benchmark", "sem_config_for", "summarize", "truth_matrix",
]
