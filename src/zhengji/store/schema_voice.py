"""ORM tables of citizen requests, surveys and supervisors (issue 4).

Migration 0006 creates exactly these. See ``docs/voice.md``.

Requests: ``voice_requests`` holds what the citizen submitted (never updated);
``voice_requesters`` holds who submitted it, apart, so that public queries never touch a
person's identity; ``voice_events`` is the append-only lifecycle (受理 → 派单 → 签收 → 办理 →
办结 → 回访 → 重办 …): the current state of a request is its last event.

Surveys: the anonymity of a vote is structural. ``voice_survey_issuances`` records which
household received *a* token but never which one; ``voice_survey_tokens`` holds only SHA-256
hashes of tokens, keyed by the hash (no sequence, no time); ``voice_votes`` holds the answers
under a random id with a coarse time slot and no reference to the token. See docs/voice.md,
"Why a vote cannot be traced".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from zhengji.store.schema import Base

__all__ = [
    "APPEND_ONLY",
    "VoiceApiKeyRow",
    "VoiceEventRow",
    "VoiceLedgerMarkRow",
    "VoiceRequestRow",
    "VoiceRequesterRow",
    "VoiceSignoffRow",
    "VoiceSupervisorRow",
    "VoiceSurveyIssuanceRow",
    "VoiceSurveyRow",
    "VoiceSurveySpentRow",
    "VoiceSurveyTokenRow",
    "VoiceUnitRow",
    "VoiceVoteRow",
]

#: Tables whose rows carry responsibility or votes: the database refuses UPDATE and DELETE.
APPEND_ONLY: tuple[str, ...] = (
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


class VoiceUnitRow(Base):
    """A unit that receives requests: the city dispatch centre, a county, a township."""

    __tablename__ = "voice_units"
    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("voice_units.id"))
    level: Mapped[str]  # city | county | township | department
    lat: Mapped[float | None]
    long: Mapped[float | None]


class VoiceApiKeyRow(Base):
    """A client allowed to POST (a mini-program, the 12345 platform); only the key's hash."""

    __tablename__ = "voice_api_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column()


class VoiceRequestRow(Base):
    """What was asked, where, through which channel (append-only; the state is in events)."""

    __tablename__ = "voice_requests"
    __table_args__ = (Index("ix_voice_requests_requested", "requested_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[str] = mapped_column(ForeignKey("voice_units.id"))
    township_id: Mapped[str | None] = mapped_column(ForeignKey("voice_units.id"))
    service_code: Mapped[str]
    category: Mapped[str]
    channel: Mapped[str]
    description: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    address_id: Mapped[str | None]
    lat: Mapped[float | None]
    long: Mapped[float | None]
    media_url: Mapped[str | None] = mapped_column(Text)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("voice_api_keys.id"))
    idempotency_key: Mapped[str | None] = mapped_column(unique=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    requested_at: Mapped[dt.datetime] = mapped_column()
    response_due_at: Mapped[dt.datetime] = mapped_column()
    due_at: Mapped[dt.datetime] = mapped_column()
    recorded_at: Mapped[dt.datetime] = mapped_column()


class VoiceRequesterRow(Base):
    """Who asked: shown only to staff handling the request, never in public views."""

    __tablename__ = "voice_requesters"
    request_id: Mapped[int] = mapped_column(ForeignKey("voice_requests.id"), primary_key=True)
    name: Mapped[str | None]
    phone: Mapped[str | None]
    email: Mapped[str | None]
    device_id: Mapped[str | None]
    account_id: Mapped[str | None]


class VoiceEventRow(Base):
    """One step of a request's lifecycle, with actor and time (append-only)."""

    __tablename__ = "voice_events"
    __table_args__ = (Index("ix_voice_events_request", "request_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("voice_requests.id"))
    action: Mapped[str]
    state: Mapped[str]  # the state after this event
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("voice_units.id"))
    actor: Mapped[str]
    note: Mapped[str | None] = mapped_column(Text)
    resolved: Mapped[bool | None] = mapped_column(Boolean)
    satisfaction: Mapped[int | None]
    related_id: Mapped[int | None] = mapped_column(ForeignKey("voice_requests.id"))
    at: Mapped[dt.datetime] = mapped_column()
    recorded_at: Mapped[dt.datetime] = mapped_column()


class VoiceSurveyRow(Base):
    """A mass-evaluation round: Likert items, scale, and the key of its network tags."""

    __tablename__ = "voice_surveys"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(unique=True)
    title: Mapped[str]
    period: Mapped[str]
    items: Mapped[list[Any]] = mapped_column(JSON)
    scale: Mapped[int]
    tag_key: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str]
    created_at: Mapped[dt.datetime] = mapped_column()


class VoiceSurveyIssuanceRow(Base):
    """That a household of the sample received a token — never which token."""

    __tablename__ = "voice_survey_issuances"
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("voice_surveys.id"))
    unit_id: Mapped[str] = mapped_column(ForeignKey("voice_units.id"))
    household_ref: Mapped[str]
    issued_by: Mapped[str]
    issued_at: Mapped[dt.datetime] = mapped_column()


class VoiceSurveyTokenRow(Base):
    """A valid token, by hash only; no sequence number, no time (no link to issuance)."""

    __tablename__ = "voice_survey_tokens"
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("voice_surveys.id"))
    unit_id: Mapped[str] = mapped_column(ForeignKey("voice_units.id"))


class VoiceSurveySpentRow(Base):
    """A token that has voted (its hash only; one vote per token)."""

    __tablename__ = "voice_survey_spent"
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012
    token_hash: Mapped[str] = mapped_column(
        String(64), ForeignKey("voice_survey_tokens.token_hash"), primary_key=True
    )


class VoiceVoteRow(Base):
    """One anonymous answer sheet under a random id; time kept only as day + 10-minute slot."""

    __tablename__ = "voice_votes"
    __table_args__ = (
        Index("ix_voice_votes_survey", "survey_id", "unit_id"),
        {"sqlite_with_rowid": False},
    )
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("voice_surveys.id"))
    unit_id: Mapped[str] = mapped_column(ForeignKey("voice_units.id"))
    answers: Mapped[list[Any]] = mapped_column(JSON)
    cast_day: Mapped[str] = mapped_column(String(10))
    cast_slot: Mapped[int]
    duration_s: Mapped[int | None]
    network_tag: Mapped[int | None]


class VoiceSupervisorRow(Base):
    """A citizen supervisor 监督员: who, for which area, appointed by whom and for how long."""

    __tablename__ = "voice_supervisors"
    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    unit_id: Mapped[str] = mapped_column(ForeignKey("voice_units.id"))
    phone: Mapped[str | None]
    appointed_by: Mapped[str]
    term_start: Mapped[dt.date] = mapped_column()
    term_end: Mapped[dt.date | None] = mapped_column()
    recorded_at: Mapped[dt.datetime] = mapped_column()


class VoiceSignoffRow(Base):
    """A supervisor's sign-off of, or recorded objection to, a project's acceptance."""

    __tablename__ = "voice_signoffs"
    __table_args__ = (Index("ix_voice_signoffs_project", "project_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[str]
    supervisor_id: Mapped[str] = mapped_column(ForeignKey("voice_supervisors.id"))
    verdict: Mapped[str]  # approve | object
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column()
    recorded_at: Mapped[dt.datetime] = mapped_column()


class VoiceLedgerMarkRow(Base):
    """One ledger sync: every event up to ``last_event_id`` is committed to the ledger."""

    __tablename__ = "voice_ledger_marks"
    id: Mapped[int] = mapped_column(primary_key=True)
    last_event_id: Mapped[int]
    first_index: Mapped[int]
    leaves: Mapped[int]
    at: Mapped[dt.datetime] = mapped_column()
