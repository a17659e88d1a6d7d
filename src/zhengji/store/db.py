"""Engines and migrations: where the database is and how it is brought up to date.

Migrations ship inside the package and run in code (no ``alembic.ini`` on disk), so a fresh
SQLite file or an empty PostgreSQL database is usable after :func:`migrate`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from zhengji.errors import StoreError

__all__ = [
    "DEFAULT_URL",
    "ENV_VAR",
    "alembic_config",
    "current_revision",
    "head_revision",
    "make_engine",
    "migrate",
    "resolve_url",
]

ENV_VAR = "ZHENGJI_DATABASE_URL"
DEFAULT_URL = "sqlite:///zhengji.db"
MIGRATIONS = Path(__file__).parent / "migrations"


def resolve_url(url: str | None = None) -> str:
    """The URL given, else ``$ZHENGJI_DATABASE_URL``, else ``zhengji.db`` here.

    An explicit URL wins over the environment so a ``--db`` option always means what it says.
    """
    return url or os.environ.get(ENV_VAR) or DEFAULT_URL


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLite ignores foreign keys unless asked on every connection; WAL lets readers (the web
    # view) work while an import writes.
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite connections get foreign keys and WAL."""
    try:
        engine = create_engine(url)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise StoreError(f"数据库地址无效 invalid database URL '{url}': {exc}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at the migrations inside the package."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships a migration
        raise StoreError("no migrations found in the package")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` in one transaction."""
    cfg = alembic_config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    except SQLAlchemyError as exc:
        url = engine.url.render_as_string(hide_password=True)
        raise StoreError(f"数据库迁移失败 cannot migrate the database at {url}: {exc}") from exc
