"""One registry shape for every kind of method (decoupler's ``MethodMeta`` habit).

Probes, embedding sources, InfoSEM variants, baselines, metrics and the InfoSEM benchmark's methods
each keep a :class:`Registry`: a ``dict`` from name to an entry (a frozen metadata dataclass, or a
tuple whose first item is one) that adds

- :meth:`Registry.register`: add an entry under its name, refusing a second, different entry under
  a name already taken (re-registering equal metadata, e.g. on a module reload, is allowed unless
  the registry is ``strict``);
- :meth:`Registry.get`: the entry for a name (or an alias), with a clear error listing the names;
- :meth:`Registry.frame`: the metadata as a DataFrame, one row per entry (callables left out).

The kinds keep their own decorators and names (``register``, ``register_baseline``, ...): they are
thin wrappers of :meth:`Registry.register`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

_MISSING = object()


class Registry(dict):
    """Named entries of one kind, each carrying its metadata.

    Parameters
    ----------
    kind
        What the entries are, for messages (``"probe"``, ``"baseline"``, ...).
    load
        Called once before the first lookup (imports the modules that register the built-ins).
    meta
        The metadata of an entry (default: the entry itself).
    case_insensitive
        Look names and aliases up ignoring case.
    hint
        Appended to the unknown-name error (what the names mean).
    strict
        Refuse every second registration of a name, equal metadata or not.
    """

    def __init__(self, kind: str, *, load: Callable[[], Any] | None = None,
                 meta: Callable[[Any], Any] | None = None, case_insensitive: bool = False, hint: str = "",
                 strict: bool = False):
        super().__init__()
        self.kind = kind
        self._load = load
        self._meta = meta or (lambda entry: entry)
        self._fold = str.lower if case_insensitive else str
        self._aliases: dict[str, str] = {}
        self._hint = hint
        self._strict = strict

    def __reduce__(self):  # pickled (worker processes) as a plain dict of its entries
        return (dict, (dict(self),))

    def _loaded(self) -> None:
        if self._load is not None:
            load, self._load = self._load, None
            load()

    def meta(self, name: str):
        """The metadata of entry ``name``."""
        return self._meta(self.get(name))

    def register(self, name: str, entry, *, aliases: Iterable[str] = ()):
        """Add ``entry`` under ``name`` (and its aliases); returns ``entry``.

        Raises ``ValueError`` when ``name`` already holds a different entry (any entry if strict).
        """
        if name in self and (self._strict or self._meta(self[name]) != self._meta(entry)):
            msg = f"A {self.kind} named {name!r} is already registered; pick another name."
            raise ValueError(msg)
        self[name] = entry
        for a in (name, *aliases):
            self._aliases[self._fold(a)] = name
        return entry

    def get(self, name: str, default=_MISSING):
        """The entry for ``name`` or one of its aliases.

        Without ``default``, an unknown name raises ``ValueError`` listing the registered names;
        with it, behaves as ``dict.get``.
        """
        self._loaded()
        key = self._aliases.get(self._fold(str(name)), name)
        if key in self:
            return self[key]
        if default is not _MISSING:
            return default
        msg = f"Unknown {self.kind} {name!r}; expected one of {sorted(self)}." + (
            f" {self._hint}" if self._hint else "")
        raise ValueError(msg)

    def frame(self):
        """The registered entries' metadata as a DataFrame: one row per entry, one column per
        metadata field that is shown (``repr``) and not a callable."""
        import pandas as pd

        self._loaded()
        rows = []
        for entry in self.values():
            m = self._meta(entry)
            rows.append({f.name: getattr(m, f.name) for f in dataclasses.fields(m)
                         if f.repr and not callable(getattr(m, f.name))})
        return pd.DataFrame(rows)
