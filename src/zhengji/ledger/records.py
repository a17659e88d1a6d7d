"""Where verification finds the records behind the leaves: loaders registered per kind.

The ledger never stores records, so it cannot know which table holds a "decision". The domain
that appends records of a kind registers a loader that yields ``(leaf index, record)`` for every
such record that still exists (erased ones are simply not yielded); ``zhengji ledger verify``
then recomputes each leaf from its record. Typical loader: rows carry the ``Entry.index`` that
``append`` returned, and the loader rebuilds the same mapping that was appended.

Provider modules listed in :data:`PROVIDERS` are imported (if installed) before verifying, so
their ``register_records`` calls have run.

A loader only sees rows that point at a leaf, so a row inserted behind the code's back with no
leaf index would pass unseen. A domain whose writer commits *every* row of a table to the
ledger declares it with :func:`register_ledgered_table`; verification then reports each row of
that table whose leaf index is NULL.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

__all__ = [
    "PROVIDERS",
    "RecordLoader",
    "ledgered_tables",
    "load_providers",
    "loaders",
    "register_ledgered_table",
    "register_records",
    "unregister_records",
]

RecordLoader = Callable[[Session], Iterable[tuple[int, Mapping[str, Any]]]]
"""Yields ``(leaf index, record mapping)`` for every still-existing record of one kind."""

PROVIDERS: tuple[str, ...] = (
    "zhengji.accountability",
    "zhengji.cadres",
    "zhengji.eco",
    "zhengji.web.audit",
    "zhengji.voice.ledgering",
)
"""Modules that register loaders when imported (missing ones are skipped)."""

_LOADERS: dict[str, dict[str, RecordLoader]] = {}
_LEDGERED: dict[str, tuple[str, str]] = {}
_NAME = re.compile(r"[a-z_][a-z0-9_]*")


def register_records(kind: str, loader: RecordLoader, *, source: str | None = None) -> None:
    """Register (or replace) the loader of records of ``kind`` from ``source``.

    Two domains may commit the same kind (the web audit log and the accountability audits
    both write ``"audit"``): each registers under its own ``source`` (default: the loader's
    module) and verification reads both. Registering the same source again replaces it.
    """
    _LOADERS.setdefault(kind, {})[source or loader.__module__] = loader


def unregister_records(kind: str, source: str | None = None) -> None:
    """Forget the loaders of ``kind`` (all, or the one of ``source``)."""
    if source is None:
        _LOADERS.pop(kind, None)
    else:
        _LOADERS.get(kind, {}).pop(source, None)


def _chain(parts: list[RecordLoader]) -> RecordLoader:
    def load(session: Session) -> Iterable[tuple[int, Mapping[str, Any]]]:
        for part in parts:
            yield from part(session)

    return load


def loaders() -> dict[str, RecordLoader]:
    """The registered loaders by kind (several sources of one kind chained into one)."""
    out: dict[str, RecordLoader] = {}
    for kind, by_source in _LOADERS.items():
        parts = [by_source[k] for k in sorted(by_source)]
        if parts:
            out[kind] = parts[0] if len(parts) == 1 else _chain(parts)
    return out


def register_ledgered_table(table: str, column: str = "ledger_index", key: str = "id") -> None:
    """Declare that every row of ``table`` carries its leaf index in ``column`` (rows named by
    ``key`` in reports). Only for tables whose writer ledgers each row, always: a NULL there
    means the row was written around the ledger."""
    for name in (table, column, key):
        if not _NAME.fullmatch(name):
            raise ValueError(f"not a plain SQL name: {name!r}")
    _LEDGERED[table] = (column, key)


def ledgered_tables() -> dict[str, tuple[str, str]]:
    """Table → (leaf index column, key column) of every table declared fully ledgered."""
    return dict(_LEDGERED)


def load_providers() -> None:
    """Import the provider modules so their loaders are registered."""
    for name in PROVIDERS:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not name.startswith(exc.name):
                raise
