"""Helpers for error messages."""

from __future__ import annotations


def name_list(names, *, n: int = 20, quote: bool = False) -> str:
    """The first ``n`` of ``names`` joined by commas, ``...`` if there are more."""
    names = list(names)
    shown = map(repr, names[:n]) if quote else map(str, names[:n])
    return ", ".join(shown) + (" ..." if len(names) > n else "")
