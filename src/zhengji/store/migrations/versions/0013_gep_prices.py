"""Stored GEP price tables (issue 8): an office stores its own versioned, cited price table
once and every surface (CLI, web, derived indicators) values GEP with the one in force.

``eco_gep_price_tables`` keeps the exact TOML text and its SHA-256, one row per version; it is
append-only (a table is never replaced: a change is a new version).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from zhengji.store import appendonly

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | None = None
depends_on: str | None = None

APPEND_ONLY = ("eco_gep_price_tables",)


def upgrade() -> None:
    op.create_table(
        "eco_gep_price_tables",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.String(), nullable=False, unique=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("toml", sa.Text(), nullable=False),
        sa.Column("source_name", sa.String(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("ledger_index", sa.Integer(), nullable=False),
    )
    appendonly.create(APPEND_ONLY)


def downgrade() -> None:
    appendonly.drop(APPEND_ONLY)
    op.drop_table("eco_gep_price_tables")
