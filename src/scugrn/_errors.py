"""Helpers for error messages."""

from __future__ import annotations


def name_list(names, *, n: int = 20, quote: bool = False) -> str:
    """The first ``n`` of ``names`` joined by commas, ``...`` if there are more."""
    names = list(names)
    shown = map(repr, names[:n]) if quote else map(str, names[:n])
    return ", ".join(shown) + (" ..." if len(names) > n else "")


class ScugrnError(Exception):
    """Base of scugrn's own errors; the CLI prints their message as one line and exits 2."""


class MissingDataError(ScugrnError, FileNotFoundError):
    """A data file scugrn needs is neither local nor downloadable (offline, or a checksum mismatch).

    A ``FileNotFoundError``, so code that falls back when a file is missing keeps working.
    """
