"""Citizen supervisors 监督员: the register, and their sign-off of (or objection to) a project's
acceptance — the function the accountability records call.

A project is accepted only with at least one sign-off by a supervisor in term and no objection
standing (an objection stands until the same supervisor signs off later). Every sign-off and
objection is an append-only row with reason and time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from zhengji.errors import DataError
from zhengji.store.schema_voice import VoiceSignoffRow, VoiceSupervisorRow, VoiceUnitRow

__all__ = [
    "VERDICTS",
    "Acceptance",
    "Signoff",
    "Supervisor",
    "acceptance",
    "get",
    "list_supervisors",
    "register",
    "sign_off",
    "signoffs",
]

VERDICTS = {"approve": "同意验收", "object": "提出异议"}


@dataclass(frozen=True)
class Supervisor:
    id: str
    name: str
    unit_id: str
    phone: str | None
    appointed_by: str
    term_start: dt.date
    term_end: dt.date | None

    def in_term(self, day: dt.date) -> bool:
        return self.term_start <= day and (self.term_end is None or day <= self.term_end)


@dataclass(frozen=True)
class Signoff:
    id: int
    project_id: str
    supervisor_id: str
    verdict: str
    reason: str
    at: dt.datetime


@dataclass(frozen=True)
class Acceptance:
    accepted: bool
    approvals: tuple[Signoff, ...]
    objections: tuple[Signoff, ...]  # standing objections
    reason: str


def _sup(r: VoiceSupervisorRow) -> Supervisor:
    return Supervisor(r.id, r.name, r.unit_id, r.phone, r.appointed_by, r.term_start, r.term_end)


def register(
    session: Session,
    supervisor_id: str,
    name: str,
    unit_id: str,
    appointed_by: str,
    term_start: dt.date,
    term_end: dt.date | None = None,
    phone: str | None = None,
) -> Supervisor:
    """Appoint a supervisor (群众代表担任监督员) for an area."""
    if session.get(VoiceUnitRow, unit_id) is None:
        raise DataError(f"未知单位 unknown unit '{unit_id}'")
    if session.get(VoiceSupervisorRow, supervisor_id) is not None:
        raise DataError(f"监督员编号已存在 supervisor '{supervisor_id}' already registered")
    if term_end is not None and term_end < term_start:
        raise DataError("任期结束早于开始 term ends before it starts")
    row = VoiceSupervisorRow(
        id=supervisor_id,
        name=name,
        unit_id=unit_id,
        phone=phone,
        appointed_by=appointed_by,
        term_start=term_start,
        term_end=term_end,
        recorded_at=dt.datetime.now(dt.UTC),
    )
    session.add(row)
    session.flush()
    return _sup(row)


def get(session: Session, supervisor_id: str) -> Supervisor | None:
    """The supervisor with this id, or None (for the accountability records)."""
    row = session.get(VoiceSupervisorRow, supervisor_id)
    return None if row is None else _sup(row)


def list_supervisors(session: Session, unit_id: str | None = None) -> list[Supervisor]:
    stmt = select(VoiceSupervisorRow).order_by(VoiceSupervisorRow.id)
    if unit_id is not None:
        stmt = stmt.where(VoiceSupervisorRow.unit_id == unit_id)
    return [_sup(r) for r in session.scalars(stmt)]


def sign_off(
    session: Session,
    project_id: str,
    supervisor_id: str,
    verdict: str,
    reason: str,
    *,
    at: dt.datetime | None = None,
) -> Signoff:
    """Record a supervisor's ``approve`` or ``object`` (with a reason) on a project."""
    if verdict not in VERDICTS:
        raise DataError(f"意见应为 verdict must be one of {sorted(VERDICTS)}, got '{verdict}'")
    if not reason.strip():
        raise DataError("需要说明理由 a reason is required (what was inspected, what is wrong)")
    sup = get(session, supervisor_id)
    if sup is None:
        raise DataError(f"未登记的监督员 unknown supervisor '{supervisor_id}'")
    when = at or dt.datetime.now(dt.UTC)
    if not sup.in_term(when.date()):
        raise DataError(f"监督员 {supervisor_id} 不在任期内 is not in term on {when.date()}")
    sid = session.execute(
        insert(VoiceSignoffRow)
        .values(
            project_id=project_id,
            supervisor_id=supervisor_id,
            verdict=verdict,
            reason=reason,
            at=when,
            recorded_at=dt.datetime.now(dt.UTC),
        )
        .returning(VoiceSignoffRow.id)
    ).scalar_one()
    return Signoff(int(sid), project_id, supervisor_id, verdict, reason, when)


def signoffs(session: Session, project_id: str) -> list[Signoff]:
    rows = session.scalars(
        select(VoiceSignoffRow)
        .where(VoiceSignoffRow.project_id == project_id)
        .order_by(VoiceSignoffRow.id)
    )
    return [Signoff(r.id, r.project_id, r.supervisor_id, r.verdict, r.reason, r.at) for r in rows]


def acceptance(session: Session, project_id: str) -> Acceptance:
    """Whether supervisors accept the project: ≥ 1 approval and no standing objection
    (each supervisor's latest verdict counts)."""
    latest: dict[str, Signoff] = {}
    for s in signoffs(session, project_id):
        latest[s.supervisor_id] = s
    approvals = tuple(s for s in latest.values() if s.verdict == "approve")
    objections = tuple(s for s in latest.values() if s.verdict == "object")
    if objections:
        reason = f"{len(objections)} 名监督员有异议 supervisors object"
    elif not approvals:
        reason = "尚无监督员签字 no supervisor has signed off yet"
    else:
        reason = f"{len(approvals)} 名监督员同意验收 supervisors approve"
    return Acceptance(bool(approvals) and not objections, approvals, objections, reason)
