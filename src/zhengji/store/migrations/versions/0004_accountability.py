"""Tables of accountability records (issue 3): tenures, decisions, projects, cases, dossiers.

Every record table has the same shape (see ``zhengji.store.schema_accountability``) and is
append-only; ``acc_people`` (erasable personal data) is not.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from zhengji.store import appendonly

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

RECORD_TABLES = (
    "acc_tenures",
    "acc_decisions",
    "acc_projects",
    "acc_responsibilities",
    "acc_milestones",
    "acc_acceptances",
    "acc_outcomes",
    "acc_audits",
    "acc_cases",
    "acc_rulings",
)
APPEND_ONLY = (*RECORD_TABLES, "acc_dossiers")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "acc_people",
        sa.Column("person_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("erased_at", _TS, nullable=True),
        sa.Column("erased_by", sa.String(200), nullable=True),
        sa.Column("erasure_reason", sa.Text(), nullable=True),
        sa.Column("erasure_ledger_index", sa.Integer(), nullable=True, unique=True),
    )
    for table in RECORD_TABLES:
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("code", sa.String(64), nullable=False),
            sa.Column("unit_id", sa.String(64), nullable=True),
            sa.Column("person_id", sa.String(64), nullable=True),
            sa.Column("ref_code", sa.String(64), nullable=True),
            sa.Column("record", sa.JSON(), nullable=False),
            sa.Column("reason", sa.Text(), nullable=False),
            sa.Column("ledger_index", sa.Integer(), nullable=False, unique=True),
            sa.Column("recorded_by", sa.String(200), nullable=False),
            sa.Column("recorded_at", _TS, nullable=False),
            sa.Column(
                "corrects_id",
                sa.Integer(),
                sa.ForeignKey(f"{table}.id"),
                nullable=True,
                unique=True,
            ),
        )
        for col in ("code", "unit_id", "person_id", "ref_code"):
            op.create_index(f"ix_{table}_{col}", table, [col])
    op.create_table(
        "acc_dossiers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("unit_id", sa.String(64), nullable=False),
        sa.Column("post", sa.String(32), nullable=False),
        sa.Column("outgoing_tenure", sa.String(64), nullable=False),
        sa.Column("incoming_tenure", sa.String(64), nullable=True),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("html_sha256", sa.String(64), nullable=False),
        sa.Column("pdf_sha256", sa.String(64), nullable=False),
        sa.Column("ledger_index", sa.Integer(), nullable=False, unique=True),
        sa.Column("generated_by", sa.String(200), nullable=False),
        sa.Column("generated_at", _TS, nullable=False),
    )
    op.create_index("ix_acc_dossiers_unit_id", "acc_dossiers", ["unit_id"])
    appendonly.create(APPEND_ONLY)


def downgrade() -> None:
    appendonly.drop(APPEND_ONLY)
    op.drop_table("acc_dossiers")
    for table in reversed(RECORD_TABLES):
        op.drop_table(table)
    op.drop_table("acc_people")
