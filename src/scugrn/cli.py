"""Command line: ``scugrn infer``, ``scugrn features``, ``scugrn checkpoint``, ``scugrn bench``.

Run ``scugrn COMMAND --help`` for every option.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

EPILOG = "Docs: docs/index.md. Models: a scGPT checkpoint folder (args.json, vocab.json, best_model.pt) or 'demo'."


def _add_input(p):
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--genes", type=Path, help="text file, one gene symbol per line (zero-expression mode)")
    g.add_argument("--h5ad", type=Path, help="AnnData file (cells × genes); all its genes are probed")
    p.add_argument("--species", choices=["human", "mouse"], default=None,
                   help="species of the gene symbols (default: guessed from their case)")
    p.add_argument("--model", required=True,
                   help="scGPT checkpoint folder (args.json, vocab.json, best_model.pt) or 'demo'")
    p.add_argument("--on-missing", choices=["error", "drop"], default="error",
                   help="genes outside the model vocabulary: stop with their names (error) or leave them out (drop)")
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:N (default: CUDA when available)")
    p.add_argument("--batch-size", type=int, default=None, help="virtual cells per forward pass (default: from a memory budget)")
    p.add_argument("--data-dir", type=Path, default=None,
                   help="folder with tf_lists/ and orthologs/ (shared/data layout); default SCUGRN_DATA_DIR or download")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")


def _read_input(a):
    import scugrn

    if a.genes is not None:
        return scugrn.from_genes(a.genes, species=a.species or _guess(a.genes))
    import anndata

    ad = anndata.read_h5ad(a.h5ad)
    if a.species:
        ad.uns[scugrn.Key.uns.SPECIES] = a.species
    return ad


def _guess(path):
    from scugrn._species import guess_species

    return guess_species([ln.strip() for ln in Path(path).read_text().splitlines() if ln.strip()])


def cmd_infer(a) -> int:
    import scugrn
    from scugrn.translator import Ensemble, load

    scugrn.settings.verbose = not a.quiet
    ad = _read_input(a)
    model = scugrn.models.load(a.model, device=a.device)
    if a.translator in {"demo", "demo-ens", "demo-vvp", "demo-gdt"}:
        tr = scugrn.translator.pretrained({"demo": "ens", "demo-ens": "ens"}.get(a.translator, a.translator[5:]))
    else:
        tr = load(a.translator)
    members = tr.members if isinstance(tr, Ensemble) else [tr]
    for m in members:
        spec: dict = m.spec
        meta, _ = scugrn.probes.get_probe(spec["probe"])
        params = {k: spec[k] for k in meta.value_keys if k in spec}
        getattr(scugrn.tl, spec["probe"])(ad, model=model, key_added=spec["key"], on_missing=a.on_missing,
                                          batch_size=a.batch_size, data_dir=a.data_dir, **params)
    tfs = None
    if not a.all_sources:
        if a.tfs is not None:
            tfs = [ln.strip() for ln in a.tfs.read_text().splitlines() if ln.strip()]
        elif scugrn.Key.var.IS_TF not in ad.var:
            sp = ad.uns.get(scugrn.Key.uns.SPECIES, "human")
            tfs = scugrn.datasets.tf_list(sp, path=a.data_dir)
    scugrn.tl.predict_grn(ad, translator=tr,
                          tf_only=not a.all_sources, tfs=tfs)
    df = ad.uns[scugrn.Key.uns.GRN]
    if a.top:
        df = df.head(a.top)
    df.to_csv(a.out, sep="\t", index=False)
    print(f"wrote {len(df)} edges to {a.out}", file=sys.stderr)
    return 0


def cmd_features(a) -> int:
    import scugrn

    scugrn.settings.verbose = not a.quiet
    ad = _read_input(a)
    model = scugrn.models.load(a.model, device=a.device)
    for probe in a.probe:
        kw = {}
        if a.n_values is not None and scugrn.probes.get_probe(probe)[0].value_keys:
            kw["n_values"] = a.n_values
        getattr(scugrn.tl, probe)(ad, model=model, on_missing=a.on_missing, batch_size=a.batch_size,
                                  data_dir=a.data_dir, **kw)
    ad.write_h5ad(a.out)
    print(f"wrote {', '.join(a.probe)} features to {a.out}", file=sys.stderr)
    return 0


def cmd_checkpoint(a) -> int:
    import scugrn

    genes = [ln.strip() for ln in a.genes.read_text().splitlines() if ln.strip()]
    out = scugrn.models.random_checkpoint(a.out, genes=genes, d_model=a.d_model, nlayers=a.nlayers,
                                          nhead=a.nhead, d_hid=a.d_hid or a.d_model, seed=a.seed)
    print(f"wrote a random-weight scGPT checkpoint to {out}", file=sys.stderr)
    return 0


def cmd_bench(a, rest) -> int:
    if a.which == "ugrn":
        from scugrn.benchmark.cli import main as bench_main
    else:
        from scugrn.benchmark.infosem.cli import main as bench_main
    return bench_main(rest)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="scugrn", description="Gene regulatory networks from single-cell foundation models.",
                                epilog=EPILOG)
    p.add_argument("-v", "--verbose", action="count", default=0, help="log more (-v info, -vv debug)")
    sub = p.add_subparsers(dest="command", required=True)

    inf = sub.add_parser("infer", help="predict a GRN (edges TSV) from a gene list or an AnnData",
                         description="Compute the features a translator needs and write scored edges "
                                     "(source, target, weight), best first.", epilog=EPILOG)
    _add_input(inf)
    inf.add_argument("--translator", required=True,
                     help="translator .safetensors file, ensemble folder, or demo / demo-vvp / demo-gdt")
    inf.add_argument("--out", required=True, type=Path, help="output TSV: source, target, weight")
    inf.add_argument("--tfs", type=Path, default=None, help="file of TF symbols (sources); default: BEELINE's TF list for the species")
    inf.add_argument("--all-sources", action="store_true", help="score every gene as a source, not only TFs")
    inf.add_argument("--top", type=int, default=None, help="keep only the N best edges")
    inf.set_defaults(func=cmd_infer)

    fe = sub.add_parser("features", help="compute probe features and write them into an .h5ad", epilog=EPILOG)
    _add_input(fe)
    fe.add_argument("--probe", nargs="+", default=["vvp", "gdt"],
                    choices=["vvp", "gdt", "emb", "pert", "origin_pert", "origin_attn"], help="probes to run")
    fe.add_argument("--n-values", type=int, default=None, help="M (vvp) / T (gdt) values (default 8)")
    fe.add_argument("--out", required=True, type=Path, help="output .h5ad")
    fe.set_defaults(func=cmd_features)

    ck = sub.add_parser("checkpoint", help="write a random-weight scGPT checkpoint (official format)")
    ck.add_argument("out", type=Path, help="output folder")
    ck.add_argument("--genes", type=Path, required=True, help="vocabulary genes, one per line")
    ck.add_argument("--d-model", type=int, default=64)
    ck.add_argument("--nlayers", type=int, default=2)
    ck.add_argument("--nhead", type=int, default=4)
    ck.add_argument("--d-hid", type=int, default=None)
    ck.add_argument("--seed", type=int, default=0)
    ck.set_defaults(func=cmd_checkpoint)

    be = sub.add_parser("bench", help="benchmarks: `scugrn bench ugrn --help`, `scugrn bench infosem --help`",
                        add_help=False)
    be.add_argument("which", choices=["ugrn", "infosem"])
    be.set_defaults(func=None)
    return p


def main(argv=None) -> int:
    p = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["bench"]:
        a, rest = p.parse_known_args(argv)
        return cmd_bench(a, rest)
    a = p.parse_args(argv)
    logging.basicConfig(level=[logging.WARNING, logging.INFO, logging.DEBUG][min(a.verbose, 2)],
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return a.func(a)
    except (ValueError, KeyError, FileNotFoundError, TypeError) as e:
        print(f"scugrn: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
