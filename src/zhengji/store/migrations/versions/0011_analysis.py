"""Stored analysis results of recorded runs (issue 6): uncertainty and sensitivity.

``analysis_results`` is append-only (database triggers). See
``zhengji.store.schema_analysis``.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from zhengji.store import appendonly

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None

APPEND_ONLY = ("analysis_results",)


def upgrade() -> None:
    op.create_table(
        "analysis_results",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("assessment_runs.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
    )
    op.create_index("ix_analysis_results_run_kind", "analysis_results", ["run_id", "kind"])
    appendonly.create(APPEND_ONLY)


def downgrade() -> None:
    appendonly.drop(APPEND_ONLY)
    op.drop_index("ix_analysis_results_run_kind", table_name="analysis_results")
    op.drop_table("analysis_results")
