"""ORM tables of web accounts, sessions, login attempts and the audit log (issue 5).

Migration 0005 creates exactly these. ``web_login_attempts`` and ``web_audit_log`` are
append-only (database triggers): who tried to log in, who read a sensitive record and who
changed what can never be rewritten. Accounts and sessions change state (a new password, a
logout), and every such change is itself an audit row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from zhengji.store.schema import Base

__all__ = ["AuditRow", "LoginAttemptRow", "WebSessionRow", "WebUserRow"]


class WebUserRow(Base):
    """A local account: argon2id hash, one role, the unit or record (``subject``) it serves."""

    __tablename__ = "web_users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str]
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("units.id"))
    # The person or grid a cadre / grid-worker / mediator account is bound to (migration 0012).
    subject: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime] = mapped_column()
    password_changed_at: Mapped[dt.datetime] = mapped_column()


class WebSessionRow(Base):
    """A login session; only the SHA-256 of the cookie token is stored."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("web_users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column()
    expires_at: Mapped[dt.datetime] = mapped_column()
    ended_at: Mapped[dt.datetime | None] = mapped_column()


class LoginAttemptRow(Base):
    """One login attempt (append-only): the base of rate limiting and lockout."""

    __tablename__ = "web_login_attempts"
    __table_args__ = (Index("ix_web_login_attempts_user", "username", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64), index=True)
    ok: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[dt.datetime] = mapped_column()


class AuditRow(Base):
    """One audited read or write (append-only); ``ledger_seq`` is its ledger entry, if any."""

    __tablename__ = "web_audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    client: Mapped[str] = mapped_column(String(64))
    ledger_seq: Mapped[int | None] = mapped_column()
