"""Where data files come from: an explicit folder, ``scugrn.settings.data_dir`` (env
``SCUGRN_DATA_DIR``), or a checksummed download with pooch into ``settings.cache_dir``.

The folder layout is the one of the project's ``shared/data`` (``beeline/``, ``tf_lists/``,
``orthologs/``, ``gene_vocab/``, ``gene_text/``). Nothing here hard-codes a local path.
"""

from __future__ import annotations

from pathlib import Path

from .._settings import settings

# Public sources for user downloads. The sha256 are those of the copies we test against
# (shared/data); a changed upstream file fails the checksum instead of silently differing.
REMOTE: dict[str, tuple[str, str]] = {
    "tf_lists/human-tfs.csv": (
        "https://raw.githubusercontent.com/Murali-group/Beeline/master/inputs/TF-lists/human-tfs.csv",
        "8f7d29d0cd4ee3c365cca33a9e52d0fd48431e70e5d64be2ee3971954936b03e",
    ),
    "tf_lists/mouse-tfs.csv": (
        "https://raw.githubusercontent.com/Murali-group/Beeline/master/inputs/TF-lists/mouse-tfs.csv",
        "2e8cd7c02b3f603e665ef0b9310a06680ad824182e82bb2b7af528dab024c18e",
    ),
    "gene_vocab/default_census_vocab.json": (
        "https://raw.githubusercontent.com/bowang-lab/scGPT/main/scgpt/tokenizer/default_census_vocab.json",
        "9fe73cf29929b5c66a5fffcfb2bcbdd3e38a3a086848cd12f8f918bcf458d75f",
    ),
}


def resolve_data_dir(path: str | Path | None = None) -> Path | None:
    """The data folder to read from: ``path`` if given, else ``settings.data_dir``, else ``None``."""
    if path is not None:
        p = Path(path)
        if not p.is_dir():
            msg = f"Data folder {str(p)!r} does not exist. Pass the folder that holds beeline/, tf_lists/, ..."
            raise FileNotFoundError(msg)
        return p
    return settings.data_dir


def data_file(relpath: str, path: str | Path | None = None) -> Path:
    """Return a local file for ``relpath`` (e.g. ``"tf_lists/human-tfs.csv"``).

    Looks in ``path`` / ``settings.data_dir`` first; otherwise downloads it with pooch
    (sha256-checked) into ``settings.cache_dir``. Raises ``FileNotFoundError`` saying where it
    looked and how to fix it.
    """
    root = resolve_data_dir(path)
    if root is not None:
        f = root / relpath
        if f.exists():
            return f
        msg = (
            f"Expected {relpath!r} under the data folder {str(root)!r}, but it is not there. "
            "Point `path=` / SCUGRN_DATA_DIR at a folder with the shared/data layout, or unset it "
            "to download."
        )
        raise FileNotFoundError(msg)
    cached = settings.cache_dir / "data" / relpath
    if cached.exists():
        return cached
    if relpath not in REMOTE:
        msg = (
            f"{relpath!r} is not available for download; pass `path=` or set SCUGRN_DATA_DIR to a "
            "folder that contains it."
        )
        raise FileNotFoundError(msg)
    import pooch

    url, sha = REMOTE[relpath]
    got = pooch.retrieve(
        url,
        known_hash=f"sha256:{sha}" if sha else None,
        path=cached.parent,
        fname=cached.name,
        progressbar=settings.verbose,
    )
    return Path(got)
