"""Preprocessing: choose the genes to probe."""

from ._select import select

__all__ = ["select"]
