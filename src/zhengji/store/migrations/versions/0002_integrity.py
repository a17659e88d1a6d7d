"""Integrity screening: screens, findings and their review events, all append-only.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from zhengji.store import appendonly

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

APPEND_ONLY = ("screens", "findings", "finding_events")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "screens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "scheme_version_id", sa.Integer(), sa.ForeignKey("scheme_versions.id"), nullable=False
        ),
        sa.Column("as_of_import_id", sa.Integer(), sa.ForeignKey("imports.id"), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("not_tested", sa.JSON(), nullable=False),
    )
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("screen_id", sa.Integer(), sa.ForeignKey("screens.id"), nullable=False),
        sa.Column("unit_id", sa.String(), sa.ForeignKey("units.id"), nullable=True),
        sa.Column("scope", sa.String(), nullable=False),
        sa.Column("indicator_id", sa.String(), nullable=False),
        sa.Column("periods", sa.JSON(), nullable=False),
        sa.Column("check", sa.String(), nullable=False),
        sa.Column("statistic", sa.Double(), nullable=True),
        sa.Column("p_value", sa.Double(), nullable=True),
        sa.Column("q_value", sa.Double(), nullable=True),
        sa.Column("severity", sa.String(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("summary_zh", sa.Text(), nullable=False),
        sa.Column("summary_en", sa.Text(), nullable=False),
        sa.Index("ix_findings_screen", "screen_id"),
    )
    op.create_table(
        "finding_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("finding_id", sa.Integer(), sa.ForeignKey("findings.id"), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("veto_import_id", sa.Integer(), sa.ForeignKey("imports.id"), nullable=True),
        sa.Column("recorded_at", _TS, nullable=False),
        sa.Index("ix_finding_events_finding", "finding_id"),
    )
    appendonly.create(APPEND_ONLY)


def downgrade() -> None:
    appendonly.drop(APPEND_ONLY)
    for table in ("finding_events", "findings", "screens"):
        op.drop_table(table)
