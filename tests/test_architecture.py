"""The rooms of the package and what each may import (docs/architecture.md), read from the source."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "scugrn"
ROOMS = sorted(p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists())

# room -> the sibling rooms it may import (top-level modules such as scugrn._keys are shared by all)
ALLOWED = {
    "models": set(),
    "probes": set(),
    "translator": set(),
    "infosem": set(),
    "datasets": set(),
    "pl": set(),
    "embeddings": {"datasets"},
    "pretrain": {"models"},
    "pp": {"datasets"},
    "tl": {"datasets", "embeddings", "infosem", "models", "probes", "translator"},
    "benchmark": {"datasets", "embeddings", "infosem", "models", "pretrain", "probes", "tl", "translator"},
}


# Lines other branches are editing now; public names for them land after those merges (issue 15).
PENDING = {
    "benchmarks/probe_speed.py:147 imports scugrn.models._jvp",
    "benchmarks/probe_speed.py:147 imports scugrn.models._rows",
    "src/scugrn/_species.py:58 imports scugrn.datasets._paths",
    "src/scugrn/tl/_features.py:56 imports scugrn.models._device",
}


def _module(path: Path) -> list[str]:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _imports(path: Path):
    """``(line, dotted target)`` of every import of scugrn code in ``path`` (relative ones resolved;
    ``from a import b`` yields ``a`` and ``a.b``)."""
    in_src = SRC in path.parents
    pkg = _module(path) if path.name == "__init__.py" else _module(path)[:-1] if in_src else []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield node.lineno, a.name
        elif isinstance(node, ast.ImportFrom):
            base = pkg[: len(pkg) - node.level + 1] if node.level else []
            mod = ".".join(base + (node.module.split(".") if node.module else []))
            yield node.lineno, mod
            for a in node.names:
                yield node.lineno, f"{mod}.{a.name}"


def _src_files():
    return sorted(SRC.rglob("*.py"))


def test_rooms_are_known():
    assert set(ROOMS) == set(ALLOWED), "a new room needs its import rule here and in docs/architecture.md"


@pytest.mark.parametrize("room", ROOMS)
def test_room_imports_only_what_it_may(room):
    bad = []
    for f in sorted((SRC / room).rglob("*.py")):
        for line, target in _imports(f):
            parts = target.split(".")
            if parts[0] == "scugrn" and len(parts) > 1 and parts[1] in ROOMS and parts[1] != room \
                    and parts[1] not in ALLOWED[room]:
                bad.append(f"{f.relative_to(ROOT)}:{line} imports scugrn.{parts[1]}")
    assert not bad, f"{room} may import only {sorted(ALLOWED[room]) or 'no sibling room'}:\n" + "\n".join(bad)


def test_no_private_module_imported_from_outside_its_package():
    """src/ and benchmarks/ reach other packages through public names only (tests may test internals)."""
    bad = []
    for f in _src_files() + sorted((ROOT / "benchmarks").glob("*.py")):
        here = ".".join(_module(f)) if SRC in f.parents else ""
        for line, target in _imports(f):
            parts = target.split(".")
            if parts[0] != "scugrn":
                continue
            for i, p in enumerate(parts[1:], start=1):
                if p.startswith("_") and not p.startswith("__"):
                    # a private module or name belongs to the package that holds it
                    holder = parts[:i] if (SRC.parent.joinpath(*parts[:i])).is_dir() else parts[: i - 1]
                    owner = ".".join(holder)
                    if owner != "scugrn" and not (here == owner or here.startswith(owner + ".")):
                        bad.append(f"{f.relative_to(ROOT)}:{line} imports {'.'.join(parts[: i + 1])}")
                    break
    bad = sorted(set(bad) - PENDING)
    assert not bad, "private modules imported from outside their package:\n" + "\n".join(bad)


def test_methods_citations_point_into_the_repo():
    """Every "docs/methods.md §N" the code cites exists; nothing cites the shared folder's METHODS."""
    text = (ROOT / "docs" / "methods.md").read_text()
    sections = set(re.findall(r"^## (\d+)\.", text, flags=re.MULTILINE))
    cited, stale = set(), []
    for f in _src_files() + sorted((ROOT / "benchmarks").glob("*.py")) + sorted((ROOT / "tests").glob("*.py")):
        s = f.read_text()
        for m in re.finditer(r"methods\.md §(\d+)(?:[–-](\d+))?", s):
            cited |= {str(n) for n in range(int(m[1]), int(m[2] or m[1]) + 1)}
        if re.search(r"METHODS(\.md)? ?§", s):
            stale.append(str(f.relative_to(ROOT)))
    assert not stale, f"cite docs/methods.md §N, not METHODS: {stale}"
    assert cited and cited <= sections, f"cited sections {sorted(cited - sections)} are not in docs/methods.md"


def test_no_reference_to_functions_that_do_not_exist():
    for f in _src_files():
        assert "pp.map_genes" not in f.read_text(), f"{f}: scugrn.pp.map_genes does not exist"
