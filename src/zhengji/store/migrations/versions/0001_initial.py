"""Initial tables and the append-only triggers.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

APPEND_ONLY = ("observations", "veto_events", "imports")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "scheme_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("scheme_id", sa.String(), nullable=False),
        sa.Column("version", sa.String(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False, unique=True),
        sa.Column("toml", sa.Text(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source_path", sa.Text(), nullable=False),
        sa.Column("bundle_fingerprint", sa.String(64), nullable=False),
        sa.Column(
            "scheme_version_id",
            sa.Integer(),
            sa.ForeignKey("scheme_versions.id"),
            nullable=False,
        ),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("rows_added", sa.Integer(), nullable=False),
        sa.Column("rows_unchanged", sa.Integer(), nullable=False),
        sa.Column("units_added", sa.Integer(), nullable=False),
        sa.Column("vetoes_added", sa.Integer(), nullable=False),
    )
    op.create_table(
        "units",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("parent_id", sa.String(), sa.ForeignKey("units.id"), nullable=True),
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("first_import_id", sa.Integer(), sa.ForeignKey("imports.id"), nullable=False),
    )
    op.create_table(
        "observations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("unit_id", sa.String(), sa.ForeignKey("units.id"), nullable=False),
        sa.Column("period", sa.String(), nullable=False),
        sa.Column("indicator_id", sa.String(), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("import_id", sa.Integer(), sa.ForeignKey("imports.id"), nullable=False),
        sa.Column(
            "supersedes_id",
            sa.Integer(),
            sa.ForeignKey("observations.id"),
            nullable=True,
            unique=True,
        ),
        sa.Column("recorded_at", _TS, nullable=False),
    )
    op.create_index("ix_observations_key", "observations", ["unit_id", "period", "indicator_id"])
    op.create_index("ix_observations_import_id", "observations", ["import_id"])
    op.create_table(
        "veto_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("unit_id", sa.String(), sa.ForeignKey("units.id"), nullable=False),
        sa.Column("period", sa.String(), nullable=False),
        sa.Column("veto_id", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("import_id", sa.Integer(), sa.ForeignKey("imports.id"), nullable=False),
        sa.Column(
            "supersedes_id",
            sa.Integer(),
            sa.ForeignKey("veto_events.id"),
            nullable=True,
            unique=True,
        ),
        sa.Column("recorded_at", _TS, nullable=False),
    )
    op.create_index("ix_veto_events_key", "veto_events", ["unit_id", "period", "veto_id"])
    op.create_index("ix_veto_events_import_id", "veto_events", ["import_id"])
    op.create_table(
        "assessment_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "scheme_version_id",
            sa.Integer(),
            sa.ForeignKey("scheme_versions.id"),
            nullable=False,
        ),
        sa.Column("period", sa.String(), nullable=False),
        sa.Column("input_fingerprint", sa.String(64), nullable=False),
        sa.Column("result_fingerprint", sa.String(64), nullable=False),
        sa.Column("as_of_import_id", sa.Integer(), sa.ForeignKey("imports.id"), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
    )
    _append_only_triggers()


def _append_only_triggers() -> None:
    """Refuse UPDATE and DELETE at the database level, whoever connects."""
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        for table in APPEND_ONLY:
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '只能追加 table {table} is append-only: "
                    f"{action} is not allowed'); END"
                )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION zhengji_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '只能追加 table % is append-only: % is not allowed', "
            "TG_TABLE_NAME, TG_OP; END $$"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION zhengji_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION zhengji_append_only()"
            )


def downgrade() -> None:
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        for table in APPEND_ONLY:
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
    elif dialect == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS zhengji_append_only()")
    for table in ("assessment_runs", "veto_events", "observations", "units", "imports"):
        op.drop_table(table)
    op.drop_table("scheme_versions")
