"""The BEELINE benchmark (Pratapa et al. 2020) in GENELink's layout, as AnnData.

A data folder (``path=``, ``scugrn.settings.data_dir`` / ``SCUGRN_DATA_DIR``) holds ``beeline/``::

    beeline/Benchmark Dataset/<Net> Dataset/<cell>/TFs+<N>/Target.csv      # Gene,index: all genes
    beeline/Benchmark Dataset/<Net> Dataset/<cell>/TFs+<N>/TF.csv          # TF,index: the TFs
    beeline/Benchmark Dataset/<Net> Dataset/<cell>/TFs+<N>/BL--network.csv # Gene1,Gene2: true edges
    beeline/expression/<cell>/TFs+<N>/BL--ExpressionData.csv.gz            # genes x cells (optional)

``<Net>`` is one of STRING, Non-Specific, Specific, Lofgof (Lofgof: mESC only), ``<cell>`` one of
hESC, hHEP, mDC, mESC, mHSC-E, mHSC-GM, mHSC-L and ``<N>`` 500 or 1000. Sources: GENELink
(github.com/zpliulab/GENELink, MIT), derived from BEELINE; expression as in BEELINE (log-normalised).

Download: not wired yet. Without a local folder the loader raises ``FileNotFoundError`` telling
you to pass ``path=`` (the pinned URLs and sha256 of the upstream files still need to be recorded;
no checksum is guessed).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .._keys import Key
from .._settings import settings

logger = logging.getLogger("scugrn")

CELL_TYPES = ("hESC", "hHEP", "mDC", "mESC", "mHSC-E", "mHSC-GM", "mHSC-L")
NETWORKS = ("STRING", "Non-Specific", "Specific", "Lofgof")
SIZES = (500, 1000)

_NET_ALIASES = {
    "string": "STRING",
    "nonspecific": "Non-Specific",
    "noncelltypespecific": "Non-Specific",
    "nonspecificchipseq": "Non-Specific",
    "specific": "Specific",
    "celltypespecific": "Specific",
    "cellspecific": "Specific",
    "specificchipseq": "Specific",
    "celltypespecificchipseq": "Specific",
    "lofgof": "Lofgof",
}
_EXPR_NAME = "BL--ExpressionData.csv"


def _squash(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(s).lower())


def _check_network(network: str) -> str:
    key = _squash(network)
    if key not in _NET_ALIASES:
        msg = (
            f"Unknown BEELINE network {network!r}; expected one of {list(NETWORKS)} (case-insensitive; "
            "aliases such as 'non-specific', 'cell-type-specific' are accepted)."
        )
        raise ValueError(msg)
    return _NET_ALIASES[key]


def _check_name(name: str) -> str:
    by_key = {_squash(c): c for c in CELL_TYPES}
    key = _squash(name)
    if key not in by_key:
        msg = f"Unknown BEELINE cell type {name!r}; expected one of {list(CELL_TYPES)}."
        raise ValueError(msg)
    return by_key[key]


def _check_size(size) -> int:
    m = re.fullmatch(r"(?:tfs\+)?(\d+)", str(size).strip().lower())
    if m is None or int(m.group(1)) not in SIZES:
        msg = f"Unknown BEELINE size {size!r}; expected one of {list(SIZES)} (the 'TFs+<N>' folders)."
        raise ValueError(msg)
    return int(m.group(1))


def _beeline_root(path: str | Path | None) -> Path:
    """The ``beeline`` folder: ``path`` (a data folder or the beeline folder itself) or settings."""
    if path is not None:
        p = Path(path)
        if not p.is_dir():
            msg = (
                f"BEELINE data folder {str(p)!r} does not exist. Pass the folder that holds beeline/ "
                "(the shared/data layout) or the beeline/ folder itself."
            )
            raise FileNotFoundError(msg)
        source = "path="
    elif settings.data_dir is not None:
        p = Path(settings.data_dir)
        source = "scugrn.settings.data_dir (SCUGRN_DATA_DIR)"
    else:
        msg = (
            "No BEELINE data folder: pass path= (a folder holding beeline/Benchmark Dataset/..., GENELink's "
            "layout) or set scugrn.settings.data_dir / SCUGRN_DATA_DIR. The automatic download from "
            "GENELink is not wired yet; get the files from github.com/zpliulab/GENELink (Dataset/)."
        )
        raise FileNotFoundError(msg)
    for cand in (p, p / "beeline"):
        if (cand / "Benchmark Dataset").is_dir():
            return cand
    msg = (
        f"Expected 'beeline/Benchmark Dataset/' (or 'Benchmark Dataset/') under {str(p)!r} given by "
        f"{source}, found neither. Point it at the folder with the GENELink layout."
    )
    raise FileNotFoundError(msg)


def _config_dir(root: Path, network: str, name: str, size: int) -> Path:
    return root / "Benchmark Dataset" / f"{network} Dataset" / name / f"TFs+{size}"


def _expression_file(root: Path, network: str, name: str, size: int) -> Path | None:
    for f in (
        root / "expression" / name / f"TFs+{size}" / f"{_EXPR_NAME}.gz",
        root / "expression" / name / f"TFs+{size}" / _EXPR_NAME,
        _config_dir(root, network, name, size) / _EXPR_NAME,
        _config_dir(root, network, name, size) / f"{_EXPR_NAME}.gz",
    ):
        if f.is_file():
            return f
    return None


def _read_csv(f: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    df = pd.read_csv(f)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        msg = (
            f"Malformed BEELINE file {str(f)!r}: expected columns {list(columns)}, found "
            f"{list(df.columns)} (missing {missing}). Re-download it from GENELink (Dataset/Benchmark Dataset)."
        )
        raise ValueError(msg)
    for c in columns:
        if df[c].isna().any():
            msg = f"Malformed BEELINE file {str(f)!r}: column {c!r} has {int(df[c].isna().sum())} empty entries."
            raise ValueError(msg)
        df[c] = df[c].astype(str)
    return df


def _read_expression(f: Path, genes: list[str]) -> pd.DataFrame:
    """Genes x cells, rows reordered to ``genes`` (matched by name, not by row order)."""
    expr = pd.read_csv(f, index_col=0)
    expr.index = expr.index.astype(str)
    if not expr.index.is_unique:
        dups = expr.index[expr.index.duplicated()].unique().tolist()
        msg = f"Malformed expression file {str(f)!r}: duplicated gene rows {dups[:10]}; expected one row per gene."
        raise ValueError(msg)
    missing = [g for g in genes if g not in expr.index]
    if missing:
        msg = (
            f"Expression file {str(f)!r} lacks {len(missing)} of the configuration's {len(genes)} genes "
            f"(e.g. {missing[:5]}); expected a row for every gene of Target.csv. Use the expression of "
            "the same cell type and TFs+<N>."
        )
        raise ValueError(msg)
    extra = len(expr.index) - len(genes)
    if extra:
        logger.info("beeline: %d expression rows are not genes of the configuration; dropped.", extra)
    bad = [c for c in expr.columns if not pd.api.types.is_numeric_dtype(expr[c])]
    if bad:
        msg = f"Malformed expression file {str(f)!r}: non-numeric cell columns {bad[:5]}; expected genes x cells numbers."
        raise ValueError(msg)
    return expr.loc[genes]


def beeline(
    name: str,
    *,
    network: str = "STRING",
    size: int = 500,
    path: str | Path | None = None,
):
    """One BEELINE configuration (cell type × ground-truth network × TFs+N) as AnnData.

    Parameters
    ----------
    name
        Cell type: ``"hESC"``, ``"hHEP"``, ``"mDC"``, ``"mESC"``, ``"mHSC-E"``, ``"mHSC-GM"`` or
        ``"mHSC-L"`` (case-insensitive).
    network
        Ground truth: ``"STRING"``, ``"Non-Specific"`` (non-cell-type-specific ChIP-seq),
        ``"Specific"`` (cell-type-specific ChIP-seq) or ``"Lofgof"`` (mESC only). Case and
        punctuation are ignored; ``"cell-type-specific"``, ``"nonspecific"`` ... are accepted.
    size
        ``500`` or ``1000``: all significantly varying TFs plus the top-N variable genes.
    path
        The data folder holding ``beeline/`` (or the ``beeline`` folder itself); default
        ``scugrn.settings.data_dir`` (env ``SCUGRN_DATA_DIR``).

    Returns
    -------
    AnnData ``n_cells × n_genes`` with

    - ``X``: float32 expression (BEELINE's log-normalised values, rows matched by gene name), or
      no cells (``n_obs == 0``) when the folder has no expression for this cell type and size;
    - ``var_names``: gene symbols in ``Target.csv`` order; ``var['is_tf']`` (``Key.var.IS_TF``);
    - ``uns['ground_truth']`` (``Key.uns.TRUTH``): DataFrame ``source, target`` of the known edges
      (self loops and duplicates dropped);
    - ``uns['beeline']``: ``name, network, size, species, has_expression``;
    - ``uns['scugrn_species']`` (``Key.uns.SPECIES``): ``"human"`` for h*, ``"mouse"`` for m*.

    Examples
    --------
    >>> import scugrn
    >>> adata = scugrn.datasets.beeline("mDC", network="STRING", size=500)  # doctest: +SKIP
    >>> adata.shape, int(adata.var["is_tf"].sum())  # doctest: +SKIP
    ((383, 821), 321)
    """
    import anndata as ad

    name = _check_name(name)
    network = _check_network(network)
    size = _check_size(size)
    root = _beeline_root(path)
    cdir = _config_dir(root, network, name, size)
    if not cdir.is_dir():
        have = beeline_configs(path=root)
        avail = have.loc[have["name"] == name, ["network", "size"]].drop_duplicates()
        avail_s = ", ".join(f"{n}/TFs+{s}" for n, s in avail.itertuples(index=False)) or "none"
        msg = (
            f"BEELINE configuration {name} / {network} / TFs+{size} not found: expected the folder "
            f"{str(cdir)!r}. Available for {name}: {avail_s}."
        )
        raise FileNotFoundError(msg)
    files = {k: cdir / k for k in ("Target.csv", "TF.csv", "BL--network.csv")}
    absent = [k for k, f in files.items() if not f.is_file()]
    if absent:
        msg = f"BEELINE folder {str(cdir)!r} lacks {absent}; expected Target.csv, TF.csv and BL--network.csv."
        raise FileNotFoundError(msg)

    target = _read_csv(files["Target.csv"], ("Gene",))
    genes = target["Gene"].tolist()
    if len(set(genes)) != len(genes):
        dups = target["Gene"][target["Gene"].duplicated()].unique().tolist()
        msg = f"Malformed {str(files['Target.csv'])!r}: duplicated genes {dups[:10]}; expected each gene once."
        raise ValueError(msg)
    tfs = _read_csv(files["TF.csv"], ("TF",))["TF"]
    stray = sorted(set(tfs) - set(genes))
    if stray:
        msg = (
            f"Malformed {str(files['TF.csv'])!r}: {len(stray)} TFs are not genes of Target.csv "
            f"(e.g. {stray[:5]}); expected TF.csv to list a subset of Target.csv."
        )
        raise ValueError(msg)
    net = _read_csv(files["BL--network.csv"], ("Gene1", "Gene2"))
    truth = pd.DataFrame({"source": net["Gene1"].to_numpy(), "target": net["Gene2"].to_numpy()})
    n_raw = len(truth)
    truth = truth[truth["source"] != truth["target"]].drop_duplicates(ignore_index=True)
    if len(truth) != n_raw:
        logger.info("beeline: dropped %d self loops / duplicated edges of %d.", n_raw - len(truth), n_raw)
    outside = int((~truth["source"].isin(genes) | ~truth["target"].isin(genes)).sum())
    if outside:
        logger.info("beeline: %d of %d edges leave the gene set (kept in the truth, never labelled).", outside, len(truth))

    var = pd.DataFrame(index=pd.Index(genes))
    var[Key.var.IS_TF] = var.index.isin(set(tfs))
    efile = _expression_file(root, network, name, size)
    if efile is not None:
        expr = _read_expression(efile, genes)  # (G, C)
        X = np.ascontiguousarray(expr.to_numpy(dtype=np.float32).T)  # (C, G)
        obs = pd.DataFrame(index=pd.Index(expr.columns.astype(str)))
    else:
        logger.info(
            "beeline: no expression for %s TFs+%d under %s; returning genes only (0 cells).",
            name, size, str(root / "expression"),
        )
        X = np.zeros((0, len(genes)), dtype=np.float32)
        obs = pd.DataFrame(index=pd.Index([], dtype=str))
    adata = ad.AnnData(X=X, obs=obs, var=var)
    species = "human" if name.startswith("h") else "mouse"
    adata.uns[Key.uns.TRUTH] = truth
    adata.uns[Key.uns.SPECIES] = species
    adata.uns[Key.uns.BEELINE] = {
        "name": name,
        "network": network,
        "size": size,
        "species": species,
        "has_expression": efile is not None,
    }
    return adata


def beeline_configs(path: str | Path | None = None) -> pd.DataFrame:
    """Every BEELINE configuration found in the data folder.

    Parameters
    ----------
    path
        The data folder holding ``beeline/`` (or the ``beeline`` folder itself); default
        ``scugrn.settings.data_dir``.

    Returns
    -------
    DataFrame ``name, network, size, has_expression``, one row per folder with ``Target.csv``,
    ``TF.csv`` and ``BL--network.csv``, sorted by name, network, size.
    """
    root = _beeline_root(path)
    rows = []
    for network in NETWORKS:
        for name in CELL_TYPES:
            for size in SIZES:
                cdir = _config_dir(root, network, name, size)
                if all((cdir / f).is_file() for f in ("Target.csv", "TF.csv", "BL--network.csv")):
                    has = _expression_file(root, network, name, size) is not None
                    rows.append((name, network, size, has))
    df = pd.DataFrame(rows, columns=["name", "network", "size", "has_expression"])
    return df.sort_values(["name", "network", "size"], ignore_index=True)
