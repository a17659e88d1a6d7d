"""Database-level append-only guards for migrations: UPDATE, DELETE and TRUNCATE are refused.

Every table that carries responsibility is append-only whoever connects (a correction is a new
row pointing at the old one). Migrations call :func:`create` after creating such tables and
:func:`drop` before dropping them. PostgreSQL uses ``zhengji_append_only()`` from migration 0001.
"""

from __future__ import annotations

from collections.abc import Iterable

from alembic import op

__all__ = ["create", "drop"]


def create(tables: Iterable[str]) -> None:
    dialect = op.get_context().dialect.name
    for table in tables:
        if dialect == "sqlite":
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '只能追加 table {table} is append-only: "
                    f"{action} is not allowed'); END"
                )
        elif dialect == "postgresql":
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION zhengji_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION zhengji_append_only()"
            )


def drop(tables: Iterable[str]) -> None:
    dialect = op.get_context().dialect.name
    for table in tables:
        if dialect == "sqlite":
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
        elif dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
