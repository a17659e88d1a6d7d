"""Tables of grids, ten-household groups, roles and dispute mediation (issue 10).

Visits, disputes, dispute events, volunteer hours and eco conversions are append-only
(database triggers); people and dispute parties are erasable. See
``zhengji.store.schema_grid``.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from zhengji.store import appendonly

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None

APPEND_ONLY = (
    "grid_visits",
    "grid_disputes",
    "grid_dispute_events",
    "grid_volunteer_hours",
    "grid_eco_conversions",
)
_TS = sa.DateTime(timezone=True)
_ID = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "grid_villages",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("township_id", _ID, nullable=False, index=True),
        sa.Column("county_id", _ID, nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
    )
    op.create_table(
        "grid_grids",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("village_id", _ID, sa.ForeignKey("grid_villages.id"), nullable=False, index=True),
    )
    op.create_table(
        "grid_groups",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("grid_id", _ID, sa.ForeignKey("grid_grids.id"), nullable=False, index=True),
        sa.Column("lead_household_id", _ID, nullable=False),
    )
    op.create_table(
        "grid_households",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("group_id", _ID, sa.ForeignKey("grid_groups.id"), nullable=False, index=True),
        sa.Column("members", sa.Integer(), nullable=False),
    )
    op.create_table(
        "grid_people",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("household_id", _ID, nullable=True),
        sa.Column("eco_holder_id", _ID, nullable=True),
        sa.Column("erased_at", _TS, nullable=True),
    )
    op.create_table(
        "grid_roles",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", _ID, sa.ForeignKey("grid_people.id"), nullable=False, index=True),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("unit_id", _ID, nullable=False, index=True),
        sa.Column("mode", sa.String(16), nullable=True),
    )
    op.create_table(
        "grid_visits",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("grid_id", _ID, sa.ForeignKey("grid_grids.id"), nullable=False, index=True),
        sa.Column("household_id", _ID, nullable=True),
        sa.Column("actor_id", _ID, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("visited_at", _TS, nullable=False, index=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", _TS, nullable=False),
    )
    op.create_table(
        "grid_disputes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("grid_id", _ID, sa.ForeignKey("grid_grids.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("risk", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("opened_at", _TS, nullable=False, index=True),
        sa.Column("due_at", _TS, nullable=False),
        sa.Column("opened_by", _ID, nullable=False),
        sa.Column("recorded_at", _TS, nullable=False),
    )
    op.create_table(
        "grid_dispute_parties",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "dispute_id",
            sa.Integer(),
            sa.ForeignKey("grid_disputes.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("household_id", _ID, nullable=True),
        sa.Column("erased_at", _TS, nullable=True),
    )
    op.create_table(
        "grid_dispute_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "dispute_id",
            sa.Integer(),
            sa.ForeignKey("grid_disputes.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("mediator_id", _ID, nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor", _ID, nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("ledger_index", sa.Integer(), nullable=True),
        sa.Column("recorded_at", _TS, nullable=False),
    )
    op.create_table(
        "grid_volunteer_hours",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", _ID, sa.ForeignKey("grid_people.id"), nullable=False, index=True),
        sa.Column("grid_id", _ID, sa.ForeignKey("grid_grids.id"), nullable=False, index=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("hours", sa.Double(), nullable=False),
        sa.Column("activity", sa.String(32), nullable=False),
        sa.Column("photo_ref", sa.String(300), nullable=True),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("recorded_by", _ID, nullable=False),
        sa.Column("recorded_at", _TS, nullable=False),
    )
    op.create_table(
        "grid_eco_conversions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", _ID, sa.ForeignKey("grid_people.id"), nullable=False, index=True),
        sa.Column("hours_used", sa.Double(), nullable=False),
        sa.Column("eco_entry_ids", sa.JSON(), nullable=False),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("by", _ID, nullable=False),
        sa.Column("at", _TS, nullable=False),
    )
    appendonly.create(APPEND_ONLY)


def downgrade() -> None:
    appendonly.drop(APPEND_ONLY)
    for table in (
        "grid_eco_conversions",
        "grid_volunteer_hours",
        "grid_dispute_events",
        "grid_dispute_parties",
        "grid_disputes",
        "grid_visits",
        "grid_roles",
        "grid_people",
        "grid_households",
        "grid_groups",
        "grid_grids",
        "grid_villages",
    ):
        op.drop_table(table)
