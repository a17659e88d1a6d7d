"""Tables of cadre assessments, recommendation lists and warning-education cases (issue 9).

All append-only (database triggers); see ``zhengji.store.schema_cadres``.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from zhengji.store import appendonly

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

APPEND_ONLY = (
    "cadre_evaluations",
    "cadre_batches",
    "cadre_results",
    "cadre_decisions",
    "cadre_cases",
    "cadre_case_disclosures",
)
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cadre_evaluations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.String(64), nullable=False, index=True),
        sa.Column("period", sa.String(32), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("raters", sa.Integer(), nullable=True),
        sa.Column("file", sa.String(300), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", _TS, nullable=False),
    )
    op.create_table(
        "cadre_batches",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("config_toml", sa.Text(), nullable=False),
        sa.Column("config_fingerprint", sa.String(64), nullable=False),
        sa.Column("as_of", sa.String(10), nullable=False),
        sa.Column("result_fingerprint", sa.String(64), nullable=False),
        sa.Column("ledger_index", sa.Integer(), nullable=False, unique=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "cadre_results",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "batch_id", sa.Integer(), sa.ForeignKey("cadre_batches.id"), nullable=False, index=True
        ),
        sa.Column("person_id", sa.String(64), nullable=False, index=True),
        sa.Column("grade", sa.String(16), nullable=False),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("inputs_fingerprint", sa.String(64), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("result_fingerprint", sa.String(64), nullable=False),
    )
    op.create_table(
        "cadre_decisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "batch_id", sa.Integer(), sa.ForeignKey("cadre_batches.id"), nullable=False, index=True
        ),
        sa.Column("person_id", sa.String(64), nullable=False, index=True),
        sa.Column("list_kind", sa.String(32), nullable=False),
        sa.Column("decision", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("reviewer", sa.String(200), nullable=False),
        sa.Column("decided_at", _TS, nullable=False),
        sa.Column("ledger_index", sa.Integer(), nullable=False, unique=True),
        sa.Column(
            "supersedes_id",
            sa.Integer(),
            sa.ForeignKey("cadre_decisions.id"),
            nullable=True,
            unique=True,
        ),
    )
    op.create_table(
        "cadre_cases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(64), nullable=False, unique=True),
        sa.Column("source_kind", sa.String(32), nullable=False),
        sa.Column("source_ref", sa.String(200), nullable=False, unique=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("ledger_index", sa.Integer(), nullable=False, unique=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "cadre_case_disclosures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_code", sa.String(64), nullable=False, index=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("reviewer", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_at", _TS, nullable=False),
        sa.Column("ledger_index", sa.Integer(), nullable=False, unique=True),
    )
    appendonly.create(APPEND_ONLY)


def downgrade() -> None:
    appendonly.drop(APPEND_ONLY)
    for table in reversed(APPEND_ONLY):
        op.drop_table(table)
