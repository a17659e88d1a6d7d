"""The SQL store: append-only history of imported values and recorded assessment runs.

See ``docs/store.md``. ``Store.open(url)`` is the entry point; the functions in
:mod:`zhengji.store.ops` take a SQLAlchemy ``Session`` for callers that manage their own.
"""

# Importing the domain table modules registers every table on ``Base.metadata`` (one schema,
# one migration chain), so ``compare_metadata`` and the ORM see the whole database.
from zhengji.store import (  # noqa: F401
    schema_accountability,
    schema_analysis,
    schema_cadres,
    schema_eco,
    schema_grid,
    schema_ledger,
    schema_voice,
    schema_web,
)
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
