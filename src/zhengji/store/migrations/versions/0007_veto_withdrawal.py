"""Veto withdrawal: a veto event version may withdraw the veto (e.g. a confirmed finding
reversed on appeal). The new version supersedes the old one; nothing is updated.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column(
        "veto_events",
        sa.Column("withdrawn", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("veto_events") as batch:
        batch.drop_column("withdrawn")
