"""Where data files come from: an explicit folder, ``scugrn.settings.data_dir`` (env
``SCUGRN_DATA_DIR``), or a checksummed download with pooch into ``settings.cache_dir``.

The folder layout is the one of the project's ``shared/data`` (``beeline/``, ``tf_lists/``,
``orthologs/``, ``gene_vocab/``, ``gene_text/``). Nothing here hard-codes a local path.
"""

from __future__ import annotations

import logging
from pathlib import Path

from .._settings import settings

logger = logging.getLogger("scugrn")

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
            msg = (f"Data folder {str(p)!r} does not exist. Pass the folder that holds beeline/, tf_lists/, "
                   "orthologs/ ... (the shared/data layout).")
            raise FileNotFoundError(msg)
        return p
    return settings.data_dir


def _ways_around(relpath: str, hint: str | None) -> str:
    own = f"{hint}, or " if hint else ""
    return (f"Ways around it: {own}point --data-dir (Python: data_dir=/path=) or SCUGRN_DATA_DIR at a "
            f"folder holding {relpath}, or copy the file to {settings.cache_dir / 'data' / relpath}.")


def _reason(e: BaseException) -> str:
    """A short cause: the HTTP status, else the exception's type (requests' messages run for lines)."""
    status = getattr(getattr(e, "response", None), "status_code", None)
    return f"HTTP {status}" if status else type(e).__name__


def data_file(relpath: str, path: str | Path | None = None, *, hint: str | None = None) -> Path:
    """Return a local file for ``relpath`` (e.g. ``"tf_lists/human-tfs.csv"``).

    Looks in ``path`` / ``settings.data_dir`` first; otherwise takes the copy cached in
    ``settings.cache_dir`` or downloads it with pooch, both checked against the sha256 in
    :data:`REMOTE`.

    Parameters
    ----------
    relpath
        The file's path in the shared/data layout.
    path
        A data folder (shared/data layout); default ``settings.data_dir`` (``SCUGRN_DATA_DIR``).
    hint
        How the caller lets the user give the file's content directly (e.g. ``"--tfs FILE"``),
        named first among the ways around a failed download.

    Raises
    ------
    scugrn.MissingDataError
        (a ``FileNotFoundError``) with a one-line message naming the file, the URL and the ways
        around it, when the file is not in the data folder, or cannot be downloaded (offline, or
        a checksum mismatch).
    """
    from .._errors import MissingDataError

    root = resolve_data_dir(path)
    if root is not None:
        f = root / relpath
        if f.exists():
            return f
        msg = (
            f"Expected {relpath!r} under the data folder {str(root)!r}, but it is not there. "
            "Point --data-dir / `path=` / SCUGRN_DATA_DIR at a folder with the shared/data layout, "
            "or unset it to download" + (f", or {hint}." if hint else ".")
        )
        raise MissingDataError(msg)
    cached = settings.cache_dir / "data" / relpath
    if relpath not in REMOTE:
        if cached.exists():
            return cached
        msg = f"{relpath!r} has no public download. " + _ways_around(relpath, hint)
        raise MissingDataError(msg)
    import pooch

    url, sha = REMOTE[relpath]
    stale = cached.exists() and pooch.file_hash(str(cached)) != sha
    plog = pooch.get_logger()
    level = plog.level
    plog.setLevel(logging.WARNING)  # its "Downloading ..." line would precede an offline error
    try:
        logger.info("downloading %s from %s", relpath, url)
        got = pooch.retrieve(url, known_hash=f"sha256:{sha}", path=cached.parent, fname=cached.name,
                             progressbar=settings.verbose)
    except Exception as e:  # requests' ConnectionError/Timeout/HTTPError, OSError, pooch's hash ValueError
        if "hash" in str(e).lower():
            what = f"the downloaded file's sha256 is not the expected {sha[:12]}…"
        elif stale:
            what = f"the cached copy's sha256 is not the expected {sha[:12]}… and the download failed"
        else:
            what = "the download failed"
        msg = f"Could not get {relpath!r} from {url} ({what}; {_reason(e)}). " + _ways_around(relpath, hint)
        raise MissingDataError(msg) from e
    finally:
        plog.setLevel(level)
    return Path(got)
