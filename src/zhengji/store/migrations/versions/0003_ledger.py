"""Tables of the ledger (issue 3): leaves, precomputed nodes, checkpoints, all append-only.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from zhengji.store import appendonly

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

APPEND_ONLY = (
    "ledger_meta",
    "ledger_leaves",
    "ledger_nodes",
    "ledger_checkpoints",
    "ledger_cosignatures",
    "ledger_keys",
)
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ledger_meta",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("hash_suite", sa.String(16), nullable=False),
        sa.Column("origin", sa.String(200), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "ledger_leaves",
        sa.Column("idx", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("record_digest", sa.LargeBinary(32), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
    )
    op.create_table(
        "ledger_nodes",
        sa.Column("level", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("idx", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sqlite_with_rowid=False,  # clustered on (level, idx): one B-tree descent per read
    )
    op.create_table(
        "ledger_checkpoints",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "ledger_cosignatures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "checkpoint_id", sa.Integer(), sa.ForeignKey("ledger_checkpoints.id"), nullable=False
        ),
        sa.Column("key_name", sa.String(200), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Index("ix_ledger_cosignatures_checkpoint", "checkpoint_id"),
    )
    op.create_table(
        "ledger_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("algorithm", sa.String(32), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("vkey", sa.Text(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    appendonly.create(APPEND_ONLY)


def downgrade() -> None:
    appendonly.drop(APPEND_ONLY)
    for table in reversed(APPEND_ONLY):
        op.drop_table(table)
