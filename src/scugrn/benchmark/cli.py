"""``scugrn bench ugrn``: the UGRN benchmark from the command line."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from .splits import SPLITS
from .ugrn import ZERO_SHOT


def build_parser():
    p = argparse.ArgumentParser(
        prog="scugrn bench ugrn",
        description="UGRN benchmark on BEELINE (docs/methods.md §6): train translators on one configuration, "
                    "evaluate on the others, with random-weight and permuted-label controls and baselines.")
    p.add_argument("--backbone", required=True,
                   help="scGPT checkpoint folder, 'demo', or 'random:L,d' (a random-weight scGPT with L layers, "
                        "width d, over every BEELINE gene)")
    p.add_argument("--protocol", default="loo", choices=["loo", "cross-species", "cross-network", "imbalance"],
                   help="loo = Tables 1-2; imbalance = Table 6 (N/P 1, 2, 5, 10)")
    p.add_argument("--train", default="hESC/STRING/500", help="training configuration cell/network/size")
    p.add_argument("--test", nargs="*", default=None, help="test configurations (default: from the protocol)")
    p.add_argument("--size", type=int, default=500, choices=[500, 1000], help="TFs+N gene sets")
    p.add_argument("--features", nargs="+", default=["emb", "vvp", "gdt", "ens"],
                   choices=["emb", "vvp", "gdt", "ens", "pert"])
    p.add_argument("--zero-shot", nargs="*", default=None, choices=ZERO_SHOT,
                   help="zero-shot scorers on test sets with expression (default, or the flag alone: both)")
    p.add_argument("--no-zero-shot", action="store_true", help="skip the zero-shot scorers")
    p.add_argument("--baselines", nargs="*", default=["random", "pearson", "spearman", "onehot_lr", "tf_degree",
                                                       "target_degree"],
                   help="random pearson spearman grnboost2 onehot_lr tf_degree target_degree")
    p.add_argument("--split", nargs="+", default=["dataset"], choices=list(SPLITS),
                   help="dataset = leave one dataset out (the paper); tf-disjoint = no test TF is a source in "
                        "training; gene-disjoint = no test gene is in training (seeded per seed; several "
                        "splits reuse the features)")
    p.add_argument("--test-frac", type=float, default=0.5,
                   help="share of the training genes (TFs) held out by the disjoint splits")
    p.add_argument("--no-controls", action="store_true", help="skip the random-weight / permuted-label controls")
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--n-values", type=int, default=8, help="M (VVP) and T (GDT)")
    p.add_argument("--epochs", type=int, default=50)
    p.add_argument("--data-dir", type=Path, default=None, help="folder with beeline/ (shared/data layout)")
    p.add_argument("--cache-dir", type=Path, default=Path("_cache/features"))
    p.add_argument("--out", type=Path, default=Path("results/ugrn"))
    p.add_argument("--features-only", action="store_true",
                   help="only compute (and cache) the features of the protocol's configurations, then stop")
    p.add_argument("-q", "--quiet", action="store_true")
    return p


def zero_shot_from(args) -> list[str]:
    """The zero-shot scorers asked for: ``--zero-shot`` alone (argparse's ``[]``) means both."""
    if args.no_zero_shot:
        return []
    return list(args.zero_shot or ZERO_SHOT)


def resolve_backbone(spec: str, data_dir):
    import scugrn

    if not spec.startswith("random:"):
        return scugrn.models.load(spec)
    L, d = (int(x) for x in spec.split(":", 1)[1].split(","))
    genes = set()
    cfgs = scugrn.datasets.beeline_configs(data_dir)
    for r in cfgs.itertuples():
        ad = scugrn.datasets.beeline(r.name, network=r.network, size=int(r.size), path=data_dir)
        genes |= {g.upper() for g in ad.var_names}
    folder = Path("_cache") / f"random_{L}x{d}"
    if not (folder / "best_model.pt").exists():
        scugrn.models.random_checkpoint(folder, genes=sorted(genes), d_model=d, nlayers=L,
                                        nhead=max(1, d // 16), d_hid=d, seed=0)
    return scugrn.models.load(folder)


def main(argv=None) -> int:
    import time

    from .ugrn import Config, compute_features, markdown_table, protocol, run_transfer, save

    a = build_parser().parse_args(argv)
    zero_shot = zero_shot_from(a)
    logging.basicConfig(level=logging.WARNING if a.quiet else logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    bb = resolve_backbone(a.backbone, a.data_dir)
    if a.test:
        splits = [{"train": [Config.parse(a.train)], "test": [Config.parse(t) for t in a.test], "neg_ratio": 1}]
    else:
        splits = protocol(a.protocol, size=a.size, train=a.train, data_dir=a.data_dir)
    import pandas as pd

    t0 = time.perf_counter()
    if a.features_only:
        cfgs = list(dict.fromkeys(str(c) for sp in splits for c in [*sp["train"], *sp["test"]]))
        compute_features(bb, cfgs, features=a.features, zero_shot=zero_shot, controls=not a.no_controls,
                         n_values=a.n_values, data_dir=a.data_dir, cache_dir=a.cache_dir, verbose=not a.quiet)
        print(f"features of {len(cfgs)} configurations in {a.cache_dir}; wall time "
              f"{time.perf_counter() - t0:.0f} s", file=sys.stderr)
        return 0
    for split in dict.fromkeys(a.split):
        t1 = time.perf_counter()
        parts = []
        for sp in splits:
            parts.append(run_transfer(
                backbone=bb, train=sp["train"], test=sp["test"], features=a.features, zero_shot=zero_shot,
                baselines=a.baselines, controls=not a.no_controls, seeds=range(a.seeds), neg_ratio=sp["neg_ratio"],
                n_values=a.n_values, epochs=a.epochs, split=split, test_frac=a.test_frac, data_dir=a.data_dir,
                cache_dir=a.cache_dir, verbose=not a.quiet))
        res = pd.concat(parts, ignore_index=True)
        wall = time.perf_counter() - t1
        name = a.protocol if split == "dataset" else f"{a.protocol}_{split}"
        out = save(res, a.out, name=name)
        meta = {"argv": sys.argv, "split": split, "wall_s": wall, "wall_s_since_start": time.perf_counter() - t0,
                "backbone": bb.info.as_dict()}
        if split != "dataset":
            sizes = [c for c in ("n_universe", "n_train_genes", "n_test_genes", "n_train_tfs", "n_test_tfs")
                     if c in res]
            meta["split_sizes_per_seed"] = res.groupby("seed")[sizes].first().reset_index().to_dict("records")
        (out / f"{name}.json").write_text(json.dumps(meta, indent=2, default=str))
        print(f"## split: {split}\n")
        print(markdown_table(res))
        print(f"\n{split}: wall time {wall:.0f} s; results in {out}/{name}.*", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
