"""Moved to :mod:`scugrn.benchmark.infosem` (a package: splits, methods, runner, cli); this name
re-exports its API so that old imports keep working."""

from __future__ import annotations

from .infosem import *
from .infosem import __all__  # noqa: F401
