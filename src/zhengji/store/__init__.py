"""The SQL store: append-only history of imported values and recorded assessment runs.

See ``docs/store.md``. ``Store.open(url)`` is the entry point; the functions in
:mod:`zhengji.store.ops` take a SQLAlchemy ``Session`` for callers that manage their own.
"""

from zhengji.store.api import Store
from zhengji.store.db import DEFAULT_URL, ENV_VAR, make_engine, migrate, resolve_url
from zhengji.store.ops import (
    ImportInfo,
    ImportSummary,
    ObservationVersion,
    RunRecord,
    get_run,
    history,
    import_bundle,
    list_imports,
    list_runs,
    load_panel,
    record_run,
)

__all__ = [
    "DEFAULT_URL",
    "ENV_VAR",
    "ImportInfo",
    "ImportSummary",
    "ObservationVersion",
    "RunRecord",
    "Store",
    "get_run",
    "history",
    "import_bundle",
    "list_imports",
    "list_runs",
    "load_panel",
    "make_engine",
    "migrate",
    "record_run",
    "resolve_url",
]
