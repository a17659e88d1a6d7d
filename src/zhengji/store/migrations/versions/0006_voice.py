"""Tables of citizen requests, surveys and supervisors (issue 4).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from zhengji.store import appendonly

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

APPEND_ONLY = (
    "voice_requests",
    "voice_requesters",
    "voice_events",
    "voice_surveys",
    "voice_survey_issuances",
    "voice_survey_tokens",
    "voice_survey_spent",
    "voice_votes",
    "voice_supervisors",
    "voice_signoffs",
    "voice_ledger_marks",
)
_TS = sa.DateTime(timezone=True)
_UNIT = "voice_units.id"


def upgrade() -> None:
    op.create_table(
        "voice_units",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("parent_id", sa.String(), sa.ForeignKey(_UNIT), nullable=True),
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("long", sa.Double(), nullable=True),
    )
    op.create_table(
        "voice_api_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "voice_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("jurisdiction_id", sa.String(), sa.ForeignKey(_UNIT), nullable=False),
        sa.Column("township_id", sa.String(), sa.ForeignKey(_UNIT), nullable=True),
        sa.Column("service_code", sa.String(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("address_id", sa.String(), nullable=True),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("long", sa.Double(), nullable=True),
        sa.Column("media_url", sa.Text(), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("voice_api_keys.id"), nullable=True),
        sa.Column("idempotency_key", sa.String(), nullable=True, unique=True),
        sa.Column("token", sa.String(32), nullable=False, unique=True),
        sa.Column("requested_at", _TS, nullable=False),
        sa.Column("response_due_at", _TS, nullable=False),
        sa.Column("due_at", _TS, nullable=False),
        sa.Column("recorded_at", _TS, nullable=False),
        sa.Index("ix_voice_requests_requested", "requested_at"),
    )
    op.create_table(
        "voice_requesters",
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("voice_requests.id"), primary_key=True),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("phone", sa.String(), nullable=True),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("device_id", sa.String(), nullable=True),
        sa.Column("account_id", sa.String(), nullable=True),
    )
    op.create_table(
        "voice_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("voice_requests.id"), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("unit_id", sa.String(), sa.ForeignKey(_UNIT), nullable=True),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("resolved", sa.Boolean(), nullable=True),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        sa.Column("related_id", sa.Integer(), sa.ForeignKey("voice_requests.id"), nullable=True),
        sa.Column("at", _TS, nullable=False),
        sa.Column("recorded_at", _TS, nullable=False),
        sa.Index("ix_voice_events_request", "request_id", "id"),
    )
    op.create_table(
        "voice_surveys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(), nullable=False, unique=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("period", sa.String(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("scale", sa.Integer(), nullable=False),
        sa.Column("tag_key", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "voice_survey_issuances",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("survey_id", sa.Integer(), sa.ForeignKey("voice_surveys.id"), nullable=False),
        sa.Column("unit_id", sa.String(), sa.ForeignKey(_UNIT), nullable=False),
        sa.Column("household_ref", sa.String(), nullable=False),
        sa.Column("issued_by", sa.String(), nullable=False),
        sa.Column("issued_at", _TS, nullable=False),
    )
    op.create_table(
        "voice_survey_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("survey_id", sa.Integer(), sa.ForeignKey("voice_surveys.id"), nullable=False),
        sa.Column("unit_id", sa.String(), sa.ForeignKey(_UNIT), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "voice_survey_spent",
        sa.Column(
            "token_hash",
            sa.String(64),
            sa.ForeignKey("voice_survey_tokens.token_hash"),
            primary_key=True,
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "voice_votes",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("survey_id", sa.Integer(), sa.ForeignKey("voice_surveys.id"), nullable=False),
        sa.Column("unit_id", sa.String(), sa.ForeignKey(_UNIT), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("cast_day", sa.String(10), nullable=False),
        sa.Column("cast_slot", sa.Integer(), nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=True),
        sa.Column("network_tag", sa.Integer(), nullable=True),
        sa.Index("ix_voice_votes_survey", "survey_id", "unit_id"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "voice_supervisors",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("unit_id", sa.String(), sa.ForeignKey(_UNIT), nullable=False),
        sa.Column("phone", sa.String(), nullable=True),
        sa.Column("appointed_by", sa.String(), nullable=False),
        sa.Column("term_start", sa.Date(), nullable=False),
        sa.Column("term_end", sa.Date(), nullable=True),
        sa.Column("recorded_at", _TS, nullable=False),
    )
    op.create_table(
        "voice_signoffs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("project_id", sa.String(), nullable=False),
        sa.Column(
            "supervisor_id", sa.String(), sa.ForeignKey("voice_supervisors.id"), nullable=False
        ),
        sa.Column("verdict", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("recorded_at", _TS, nullable=False),
        sa.Index("ix_voice_signoffs_project", "project_id"),
    )
    op.create_table(
        "voice_ledger_marks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.Column("first_index", sa.Integer(), nullable=False),
        sa.Column("leaves", sa.Integer(), nullable=False),
        sa.Column("at", _TS, nullable=False),
    )
    appendonly.create(APPEND_ONLY)


def downgrade() -> None:
    appendonly.drop(APPEND_ONLY)
    for table in (
        "voice_ledger_marks",
        "voice_signoffs",
        "voice_supervisors",
        "voice_votes",
        "voice_survey_spent",
        "voice_survey_tokens",
        "voice_survey_issuances",
        "voice_surveys",
        "voice_events",
        "voice_requesters",
        "voice_requests",
        "voice_api_keys",
        "voice_units",
    ):
        op.drop_table(table)
