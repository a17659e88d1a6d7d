"""The audit log: every read of a sensitive record and every write, who, when, from where.

Rows are append-only (database triggers). :func:`record` writes in the caller's transaction,
so an audited write and its audit row commit or roll back together. Each row is also committed
to the tamper-evident ledger (:func:`zhengji.ledger.log.append`, kind ``"audit"``) in the same
transaction; ``ledger_seq`` is its leaf index and :func:`ledger_record` rebuilds the exact
record that was hashed, so an auditor can check a row with ``verify_record``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhengji.ledger import log as ledger
from zhengji.ledger.records import register_records
from zhengji.store.schema_web import AuditRow
from zhengji.web.roles import Principal

__all__ = [
    "LEDGER_KIND",
    "AuditEntry",
    "ledger_record",
    "ledger_records",
    "list_audit",
    "record",
]

LEDGER_KIND = "audit"


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: dt.datetime
    actor: str
    role: str
    action: str
    target: str
    detail: Mapping[str, Any]
    client: str
    ledger_seq: int | None


def record(
    session: Session,
    who: Principal | str | None,
    action: str,
    target: str,
    client: str,
    detail: Mapping[str, Any] | None = None,
) -> int:
    """Append one audit row (in the caller's transaction); returns its id.

    ``who`` is the signed-in user, a name (a failed login, a CLI command) or None (anonymous).
    """
    if isinstance(who, Principal):
        actor, role = who.username, who.role.value
    else:
        actor, role = (who or "anonymous")[:64], "-"
    at = dt.datetime.now(dt.UTC)
    fields: dict[str, Any] = {
        "at": at,
        "actor": actor,
        "role": role,
        "action": action,
        "target": target,
        "detail": dict(detail or {}),
        "client": client[:64],
    }
    entry = ledger.append(session, LEDGER_KIND, ledger_record(**fields))
    row = AuditRow(**fields, ledger_seq=entry.index)
    session.add(row)
    session.flush()
    return row.id


def ledger_record(
    *,
    at: dt.datetime,
    actor: str,
    role: str,
    action: str,
    target: str,
    detail: Mapping[str, Any],
    client: str,
) -> dict[str, Any]:
    """The record committed to the ledger for an audit row (UTC time to the microsecond)."""
    utc = at.astimezone(dt.UTC) if at.tzinfo is not None else at
    return {
        "at": utc.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z",
        "actor": actor,
        "role": role,
        "action": action,
        "target": target,
        "detail": dict(detail),
        "client": client,
    }


def list_audit(session: Session, limit: int = 200, actor: str | None = None) -> list[AuditEntry]:
    """The newest ``limit`` rows, newest first (optionally of one actor)."""
    q = select(AuditRow).order_by(AuditRow.id.desc()).limit(max(1, min(limit, 5000)))
    if actor:
        q = q.where(AuditRow.actor == actor)
    return [
        AuditEntry(
            r.id, r.at, r.actor, r.role, r.action, r.target, dict(r.detail), r.client, r.ledger_seq
        )
        for r in session.scalars(q)
    ]


def ledger_records(session: Session) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """``(leaf index, record)`` of every audit row, so ``zhengji ledger verify`` recomputes
    them (registered below; ``zhengji.ledger.records.PROVIDERS`` imports this module)."""
    q = select(AuditRow).where(AuditRow.ledger_seq.is_not(None)).order_by(AuditRow.id)
    for r in session.scalars(q):
        assert r.ledger_seq is not None
        yield (
            r.ledger_seq,
            ledger_record(
                at=r.at,
                actor=r.actor,
                role=r.role,
                action=r.action,
                target=r.target,
                detail=dict(r.detail),
                client=r.client,
            ),
        )


register_records(LEDGER_KIND, ledger_records, source="zhengji.web.audit")
