"""Benchmarks: BEELINE protocols of the UGRN paper (:mod:`.ugrn`), InfoSEM's unseen-gene benchmark
(:mod:`.infosem`), metrics (:mod:`.metrics`) and baselines (:mod:`.baselines`)."""

from __future__ import annotations

import importlib

_LAZY = {"run_transfer": ".ugrn", "protocol": ".ugrn", "markdown_table": ".ugrn", "Config": ".ugrn",
         "evaluate": ".metrics", "run_baseline": ".baselines", "FeatureCache": "._cache"}
__all__ = ["Config", "FeatureCache", "evaluate", "markdown_table", "protocol", "run_baseline", "run_transfer"]


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    msg = f"module 'scugrn.benchmark' has no attribute {name!r}"
    raise AttributeError(msg)
