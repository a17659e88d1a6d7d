"""Accounts, login sessions, rate limiting and lockout, as functions of a ``Session``.

A session cookie holds a random token; the database keeps only its SHA-256, so a leaked
database does not log anyone in. Each session carries its own CSRF token.

Lockout: :data:`LOCK_AFTER` failed attempts for one username within :data:`WINDOW` lock that
account until the window has passed since the last failure. Rate limit: more than
:data:`CLIENT_LIMIT` failed attempts from one client address within the window are refused
before any password is checked (argon2 is slow on purpose; this keeps it from being a DoS lever).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhengji.errors import StoreError, ZhengjiError
from zhengji.store.schema import UnitRecord
from zhengji.store.schema_web import LoginAttemptRow, WebSessionRow, WebUserRow
from zhengji.web.passwords import check_policy, hash_password, needs_rehash, verify_password
from zhengji.web.roles import SUBJECT_ROLES, UNIT_ROLES, Principal, Role

__all__ = [
    "CLIENT_LIMIT",
    "LOCK_AFTER",
    "SESSION_HOURS",
    "WINDOW",
    "LoginError",
    "LoginOutcome",
    "UserInfo",
    "add_user",
    "end_session",
    "list_users",
    "login",
    "open_session_for",
    "principal_for",
    "record_failure",
    "set_active",
    "set_password",
    "verify_current",
]

LOCK_AFTER = 5
CLIENT_LIMIT = 20
WINDOW = dt.timedelta(minutes=15)
SESSION_HOURS = 8
_DUMMY_HASH = hash_password("zhengji-dummy-password-for-timing")


class LoginError(ZhengjiError):
    """Wrong credentials, a locked account or too many attempts; ``status`` is the HTTP code."""

    def __init__(self, message: str, status: int = 401) -> None:
        self.status = status
        super().__init__(message)


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    display_name: str
    role: str
    unit_id: str | None
    active: bool
    created_at: dt.datetime
    subject: str | None = None


@dataclass(frozen=True)
class LoginOutcome:
    token: str
    principal: Principal


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(t: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes for timezone-aware columns; they were stored as UTC.
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _info(u: WebUserRow) -> UserInfo:
    return UserInfo(
        u.id, u.username, u.display_name, u.role, u.unit_id, u.active, u.created_at, u.subject
    )


def _user(session: Session, username: str) -> WebUserRow:
    u = session.scalar(select(WebUserRow).where(WebUserRow.username == username))
    if u is None:
        raise StoreError(f"没有该用户 no user '{username}'")
    return u


def add_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    unit_id: str | None = None,
    display_name: str | None = None,
    subject: str | None = None,
) -> UserInfo:
    """Create an account; unit- and record-scoped roles must name their scope, others must not.

    A reporter or a governance centre names an existing unit (``unit_id``); a cadre, grid
    worker or mediator names the person or grid the account is bound to (``subject``).
    """
    username = username.strip()
    if not username or len(username) > 64 or not username.isprintable() or " " in username:
        raise ZhengjiError("用户名无效 username must be 1–64 printable characters without spaces")
    try:
        r = Role(role)
    except ValueError:
        raise ZhengjiError(
            f"未知角色 unknown role '{role}'; use one of {', '.join(x.value for x in Role)}"
        ) from None
    unit_id = (unit_id or "").strip() or None
    subject = (subject or "").strip() or None
    if (r in UNIT_ROLES) != bool(unit_id):
        raise ZhengjiError(
            "填报员和综治中心须指定单位，其他角色不得指定 a reporter or a governance centre "
            "needs --unit; other roles take none"
        )
    if (r in SUBJECT_ROLES) != bool(subject):
        raise ZhengjiError(
            "干部、网格员和调解员须指定对象（人员或网格编号），其他角色不得指定 a cadre, grid "
            "worker or mediator needs --subject (their person id, or the grid id); other roles "
            "take none"
        )
    if subject and (len(subject) > 64 or not subject.isprintable()):
        raise ZhengjiError("对象编号无效 --subject must be 1–64 printable characters")
    if unit_id and session.get(UnitRecord, unit_id) is None:
        raise StoreError(
            f"库中没有该单位 no unit '{unit_id}' in the store: import its bundle first"
        )
    if session.scalar(select(WebUserRow.id).where(WebUserRow.username == username)) is not None:
        raise StoreError(f"用户已存在 user '{username}' already exists")
    check_policy(password, username)
    now = _now()
    row = WebUserRow(
        username=username,
        display_name=(display_name or username).strip(),
        password_hash=hash_password(password),
        role=r.value,
        unit_id=unit_id,
        subject=subject,
        active=True,
        created_at=now,
        password_changed_at=now,
    )
    session.add(row)
    session.flush()
    return _info(row)


def set_password(session: Session, username: str, password: str) -> None:
    """Change a password (policy checked) and end every open session of the account."""
    u = _user(session, username)
    check_policy(password, username)
    u.password_hash = hash_password(password)
    u.password_changed_at = _now()
    _end_all(session, u.id)


def verify_current(session: Session, username: str, password: str) -> bool:
    """Whether ``password`` is the account's current one (before a password change)."""
    return verify_password(_user(session, username).password_hash, password)


def set_active(session: Session, username: str, active: bool) -> None:
    u = _user(session, username)
    u.active = active
    if not active:
        _end_all(session, u.id)


def list_users(session: Session) -> list[UserInfo]:
    return [_info(u) for u in session.scalars(select(WebUserRow).order_by(WebUserRow.id))]


def _end_all(session: Session, user_id: int) -> None:
    now = _now()
    for s in session.scalars(
        select(WebSessionRow).where(
            WebSessionRow.user_id == user_id, WebSessionRow.ended_at.is_(None)
        )
    ):
        s.ended_at = now


def _failures(session: Session, since: dt.datetime, **where: str) -> int:
    q = select(func.count(LoginAttemptRow.id)).where(
        LoginAttemptRow.ok.is_(False), LoginAttemptRow.at >= since
    )
    for col, value in where.items():
        q = q.where(getattr(LoginAttemptRow, col) == value)
    return int(session.scalar(q) or 0)


def _last_success(session: Session, username: str) -> dt.datetime | None:
    t = session.scalar(
        select(func.max(LoginAttemptRow.at)).where(
            LoginAttemptRow.username == username, LoginAttemptRow.ok.is_(True)
        )
    )
    return None if t is None else _aware(t)


def login(session: Session, username: str, password: str, client: str) -> LoginOutcome:
    """Check credentials, record the attempt, open a session. Raises :class:`LoginError`.

    The caller must commit even when this raises, so the failed attempt is kept: use
    :func:`record_failure` in its own transaction (see ``zhengji.web.routes.account``).
    """
    now = _now()
    since = now - WINDOW
    username = username.strip()[:64]
    if _failures(session, since, client=client) >= CLIENT_LIMIT:
        raise LoginError(
            "尝试次数过多，请稍后再试 too many failed logins from this address; wait 15 minutes",
            429,
        )
    last_ok = _last_success(session, username)
    start = max(since, last_ok) if last_ok else since
    if _failures(session, start, username=username) >= LOCK_AFTER:
        raise LoginError(
            f"账户已临时锁定 account locked after {LOCK_AFTER} failed attempts; wait 15 minutes "
            "or ask the assessment office to reset the password",
            423,
        )
    u = session.scalar(select(WebUserRow).where(WebUserRow.username == username))
    ok = verify_password(u.password_hash if u else _DUMMY_HASH, password)
    if u is None or not ok or not u.active:
        raise LoginError("用户名或密码错误 wrong username or password")
    if needs_rehash(u.password_hash):
        u.password_hash = hash_password(password)
    session.add(LoginAttemptRow(username=username, client=client, ok=True, at=now))
    return _open_session(session, u, now)


def _open_session(session: Session, u: WebUserRow, now: dt.datetime) -> LoginOutcome:
    token = secrets.token_urlsafe(32)
    row = WebSessionRow(
        token_hash=_hash_token(token),
        user_id=u.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + dt.timedelta(hours=SESSION_HOURS),
        ended_at=None,
    )
    session.add(row)
    session.flush()
    return LoginOutcome(token, _principal(u, row))


def open_session_for(session: Session, username: str) -> LoginOutcome:
    """A session for an account already authenticated elsewhere (OIDC single sign-on)."""
    u = _user(session, username)
    if not u.active:
        raise LoginError("账户已停用 account disabled", 403)
    return _open_session(session, u, _now())


def record_failure(session: Session, username: str, client: str) -> None:
    session.add(
        LoginAttemptRow(username=username.strip()[:64], client=client[:64], ok=False, at=_now())
    )


def _principal(u: WebUserRow, s: WebSessionRow) -> Principal:
    return Principal(
        u.id, u.username, u.display_name, Role(u.role), u.unit_id, s.id, s.csrf_token, u.subject
    )


def principal_for(session: Session, token: str) -> Principal | None:
    """The user of a live session cookie, or None (unknown, ended, expired or disabled)."""
    row = session.scalar(
        select(WebSessionRow).where(WebSessionRow.token_hash == _hash_token(token))
    )
    if row is None or row.ended_at is not None or _aware(row.expires_at) <= _now():
        return None
    u = session.get(WebUserRow, row.user_id)
    if u is None or not u.active:
        return None
    return _principal(u, row)


def end_session(session: Session, session_id: int) -> None:
    row = session.get(WebSessionRow, session_id)
    if row is not None and row.ended_at is None:
        row.ended_at = _now()
