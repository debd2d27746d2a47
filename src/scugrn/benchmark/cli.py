"""``scugrn bench ugrn``: the UGRN benchmark from the command line."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

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
    p.add_argument("--baselines", nargs="*", default=["random", "pearson", "spearman", "onehot_lr"],
                   help="random pearson spearman grnboost2 onehot_lr")
    p.add_argument("--no-controls", action="store_true", help="skip the random-weight / permuted-label controls")
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--n-values", type=int, default=8, help="M (VVP) and T (GDT)")
    p.add_argument("--epochs", type=int, default=50)
    p.add_argument("--data-dir", type=Path, default=None, help="folder with beeline/ (shared/data layout)")
    p.add_argument("--cache-dir", type=Path, default=Path("_cache/features"))
    p.add_argument("--out", type=Path, default=Path("results/ugrn"))
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

    from .ugrn import Config, markdown_table, protocol, run_transfer, save

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
    parts = []
    for sp in splits:
        parts.append(run_transfer(
            backbone=bb, train=sp["train"], test=sp["test"], features=a.features, zero_shot=zero_shot,
            baselines=a.baselines, controls=not a.no_controls, seeds=range(a.seeds), neg_ratio=sp["neg_ratio"],
            n_values=a.n_values, epochs=a.epochs, data_dir=a.data_dir, cache_dir=a.cache_dir, verbose=not a.quiet))
    res = pd.concat(parts, ignore_index=True)
    wall = time.perf_counter() - t0
    out = save(res, a.out, name=a.protocol)
    meta = {"argv": sys.argv, "wall_s": wall, "backbone": bb.info.as_dict()}
    (out / f"{a.protocol}.json").write_text(json.dumps(meta, indent=2, default=str))
    print(markdown_table(res))
    print(f"\nwall time {wall:.0f} s; results in {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
