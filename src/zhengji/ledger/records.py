"""Where verification finds the records behind the leaves: loaders registered per kind.

The ledger never stores records, so it cannot know which table holds a "decision". The domain
that appends records of a kind registers a loader that yields ``(leaf index, record)`` for every
such record that still exists (erased ones are simply not yielded); ``zhengji ledger verify``
then recomputes each leaf from its record. Typical loader: rows carry the ``Entry.index`` that
``append`` returned, and the loader rebuilds the same mapping that was appended.

Provider modules listed in :data:`PROVIDERS` are imported (if installed) before verifying, so
their ``register_records`` calls have run.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

__all__ = [
    "PROVIDERS",
    "RecordLoader",
    "load_providers",
    "loaders",
    "register_records",
    "unregister_records",
]

RecordLoader = Callable[[Session], Iterable[tuple[int, Mapping[str, Any]]]]
"""Yields ``(leaf index, record mapping)`` for every still-existing record of one kind."""

PROVIDERS: tuple[str, ...] = ("zhengji.accountability", "zhengji.cadres", "zhengji.eco")
"""Modules that register loaders when imported (missing ones are skipped)."""

_LOADERS: dict[str, RecordLoader] = {}


def register_records(kind: str, loader: RecordLoader) -> None:
    """Register (or replace) the loader of records of ``kind``."""
    _LOADERS[kind] = loader


def unregister_records(kind: str) -> None:
    """Forget the loader of ``kind`` (tests; a provider being unloaded)."""
    _LOADERS.pop(kind, None)


def loaders() -> dict[str, RecordLoader]:
    """A copy of the registered loaders by kind."""
    return dict(_LOADERS)


def load_providers() -> None:
    """Import the provider modules so their loaders are registered."""
    for name in PROVIDERS:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not name.startswith(exc.name):
                raise
