"""Dispute mediation over the store: register, act, view — the thin shell around
:mod:`zhengji.grid.mediation`.

Every step is a new ``grid_dispute_events`` row with actor and time, committed to the ledger
(kind ``grid_dispute_event``; the record carries ids, never a party's name) in the caller's
transaction. Who may do what is checked here, not in the web or CLI:

* parties' names and phones: only the handling (currently assigned) mediator and the
  comprehensive governance centre (综治中心 staff of the dispute's township or county);
* session / agree / refer: the handling mediator; assign / escalate / close: the handling
  mediator or the centre; follow-up: the handling mediator or the grid's worker; petition: the
  centre.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from zhengji.errors import DataError, PermissionDenied, StoreError
from zhengji.grid import mediation as m
from zhengji.grid.deadlines import Deadlines
from zhengji.grid.roster import Where, has_role, locate_grid
from zhengji.ledger.log import append_many
from zhengji.store.schema_grid import (
    GridDisputeEventRow,
    GridDisputePartyRow,
    GridDisputeRow,
    GridPersonRow,
)

__all__ = [
    "LEDGER_KIND",
    "SOURCES",
    "CaseView",
    "Party",
    "act",
    "case_view",
    "erase_parties",
    "escalate_overdue",
    "event_row",
    "insert_events",
    "mediator_cases",
    "parties",
    "register",
]

LEDGER_KIND = "grid_dispute_event"
SOURCES = {
    "grid": "网格排查发现 found by the grid",
    "citizen": "群众反映 reported by a party or citizen",
    "referral": "部门移交 referred by another office",
}
SYSTEM_RISK = "system:risk"
SYSTEM_DEADLINE = "system:deadline"


@dataclass(frozen=True)
class Party:
    name: str
    phone: str | None = None
    household_id: str | None = None


@dataclass(frozen=True)
class CaseView:
    id: int
    grid_id: str
    kind: str
    risk: str
    opened_at: dt.datetime
    due_at: dt.datetime
    case: m.Case
    events: tuple[tuple[str, str, str, dt.datetime], ...]  # (action, state, actor, at)
    parties: tuple[Party, ...] | None  # None: the viewer may not see them


def _utc(t: dt.datetime) -> dt.datetime:
    return t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t.astimezone(dt.UTC)


def _events(session: Session, dispute_id: int) -> list[GridDisputeEventRow]:
    q = (
        select(GridDisputeEventRow)
        .where(GridDisputeEventRow.dispute_id == dispute_id)
        .order_by(GridDisputeEventRow.seq)
    )
    return list(session.scalars(q))


def _case(rows: Sequence[GridDisputeEventRow]) -> m.Case:
    case = m.replay([(r.action, _utc(r.at), r.mediator_id, r.outcome) for r in rows])
    if case is None:
        raise StoreError("纠纷没有登记事件 the dispute has no register event")
    return case


def _record(row: dict[str, Any]) -> dict[str, Any]:
    note = row.get("note")
    return {
        "dispute_id": row["dispute_id"],
        "seq": row["seq"],
        "action": row["action"],
        "state": row["state"],
        "level": row["level"],
        "mediator_id": row["mediator_id"],
        "outcome": row["outcome"],
        "note_sha256": hashlib.sha256(note.encode()).hexdigest() if note else None,
        "actor": row["actor"],
        "at": _utc(row["at"]).isoformat(),
    }


def insert_events(session: Session, rows: list[dict[str, Any]], ledger: bool = True) -> None:
    """Insert event rows (already validated), each committed to the ledger when ``ledger``."""
    if not rows:
        return
    now = dt.datetime.now(dt.UTC)
    if ledger:
        entries = append_many(session, [(LEDGER_KIND, _record(r)) for r in rows])
        for r, e in zip(rows, entries, strict=True):
            r["ledger_index"] = e.index
    for r in rows:
        r.setdefault("ledger_index", None)
        r.setdefault("note", None)
        r["recorded_at"] = now
    session.execute(cast(Table, GridDisputeEventRow.__table__).insert(), rows)


def event_row(did: int, seq: int, action: str, case: m.Case, actor: str, at: dt.datetime,
         note: str | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "dispute_id": did,
        "seq": seq,
        "action": action,
        "state": case.state,
        "level": case.level,
        "mediator_id": case.mediator_id,
        "outcome": case.outcome if action in ("agree", "refer") else None,
        "note": note,
        "actor": actor,
        "at": at,
    }


def register(
    session: Session,
    deadlines: Deadlines,
    *,
    grid_id: str,
    kind: str,
    risk: str,
    summary: str,
    parties_: Sequence[Party],
    by: str,
    at: dt.datetime,
    source: str = "grid",
) -> int:
    """Register a dispute (登记); high-risk ones go to the township centre at once."""
    problems = []
    if kind not in m.KINDS:
        problems.append(("kind", f"未知纠纷类型 unknown kind '{kind}'; {sorted(m.KINDS)}"))
    if risk not in m.RISKS:
        problems.append(("risk", f"未知风险等级 unknown risk '{risk}'; {m.RISKS}"))
    if source not in SOURCES:
        problems.append(("source", f"未知来源 unknown source '{source}'; {sorted(SOURCES)}"))
    if not parties_ or any(not p.name.strip() for p in parties_):
        problems.append(("parties", "至少一名有姓名的当事人 at least one named party"))
    if problems:
        raise DataError(
            "纠纷登记无效 invalid dispute", [("dispute", None, f, msg) for f, msg in problems]
        )
    locate_grid(session, grid_id)  # the grid must exist
    if session.get(GridPersonRow, by) is None:
        raise PermissionDenied(f"未登记的人员 '{by}' is not a registered person")
    at = _utc(at)
    row = GridDisputeRow(
        grid_id=grid_id,
        kind=kind,
        risk=risk,
        source=source,
        summary=summary,
        opened_at=at,
        due_at=deadlines.due(risk, at),
        opened_by=by,
        recorded_at=dt.datetime.now(dt.UTC),
    )
    session.add(row)
    session.flush()
    session.execute(
        insert(GridDisputePartyRow),
        [
            {
                "dispute_id": row.id,
                "name": p.name,
                "phone": p.phone,
                "household_id": p.household_id,
                "erased_at": None,
            }
            for p in parties_
        ],
    )
    case = m.step(None, "register", at)
    events = [event_row(row.id, 1, "register", case, by, at)]
    if deadlines.rules[risk].report_to_centre:
        case = m.step(case, "escalate", at)
        events.append(
            event_row(row.id, 2, "escalate", case, SYSTEM_RISK, at, "高风险即报 high risk")
        )
    insert_events(session, events)
    return row.id


def _level_unit(w: Where, level: str) -> str:
    return {"village": w.village_id, "township": w.township_id, "county": w.county_id}[level]


def _is_centre(session: Session, person: str, w: Where) -> bool:
    return has_role(session, person, "centre", (w.township_id, w.county_id))


def act(
    session: Session,
    dispute_id: int,
    action: str,
    *,
    actor: str,
    at: dt.datetime,
    mediator_id: str | None = None,
    outcome: str | None = None,
    note: str | None = None,
) -> m.Case:
    """One mediation step by ``actor``; refused (nothing written) when not allowed."""
    d = session.get(GridDisputeRow, dispute_id)
    if d is None:
        raise DataError(f"未知纠纷 unknown dispute {dispute_id}")
    rows = _events(session, dispute_id)
    case = _case(rows)
    w = locate_grid(session, d.grid_id)
    handling = case.mediator_id is not None and actor == case.mediator_id
    centre = _is_centre(session, actor, w)
    ok = {
        "session": handling,
        "agree": handling,
        "refer": handling,
        "assign": handling
        or centre
        or has_role(session, actor, "mediator", (_level_unit(w, case.level),)),
        "escalate": handling or centre,
        "close": handling or centre,
        "follow_up": handling or centre or has_role(session, actor, "grid_worker", (w.grid_id,)),
        "petition": centre,
    }.get(action, True)
    if not ok:
        raise PermissionDenied(
            f"'{actor}' 无权对纠纷 {dispute_id} 执行 '{action}' may not do this step"
        )
    if action == "assign":
        unit = _level_unit(w, case.level)
        if not mediator_id or not has_role(session, mediator_id, "mediator", (unit,)):
            raise DataError(
                f"'{mediator_id}' 不是 {unit} 的调解员 "
                f"is not a mediator at the case's level ({case.level})"
            )
    at = _utc(at)
    if rows and at < _utc(rows[-1].at):
        raise DataError("时间早于上一步 the step is earlier than the previous one")
    new = m.step(case, action, at, mediator_id=mediator_id, outcome=outcome)
    insert_events(session, [event_row(dispute_id, len(rows) + 1, action, new, actor, at, note)])
    return new


def _may_see(session: Session, viewer: str, case: m.Case, w: Where) -> bool:
    return (case.mediator_id is not None and viewer == case.mediator_id) or _is_centre(
        session, viewer, w
    )


def parties(session: Session, dispute_id: int, viewer: str) -> tuple[Party, ...]:
    """The parties, for the handling mediator and the centre only (PermissionDenied else)."""
    d = session.get(GridDisputeRow, dispute_id)
    if d is None:
        raise DataError(f"未知纠纷 unknown dispute {dispute_id}")
    case = _case(_events(session, dispute_id))
    if not _may_see(session, viewer, case, locate_grid(session, d.grid_id)):
        raise PermissionDenied(
            f"'{viewer}' 无权查看纠纷 {dispute_id} 当事人信息 "
            "only the handling mediator and the centre may see the parties"
        )
    q = (
        select(GridDisputePartyRow)
        .where(GridDisputePartyRow.dispute_id == dispute_id)
        .order_by(GridDisputePartyRow.id)
    )
    return tuple(
        Party(r.name or "（已删除 erased）", r.phone, r.household_id) for r in session.scalars(q)
    )


def case_view(session: Session, dispute_id: int, viewer: str) -> CaseView:
    """The case for anyone with a role; parties only for those :func:`parties` allows."""
    d = session.get(GridDisputeRow, dispute_id)
    if d is None:
        raise DataError(f"未知纠纷 unknown dispute {dispute_id}")
    rows = _events(session, dispute_id)
    case = _case(rows)
    w = locate_grid(session, d.grid_id)
    shown = parties(session, dispute_id, viewer) if _may_see(session, viewer, case, w) else None
    return CaseView(
        d.id, d.grid_id, d.kind, d.risk, _utc(d.opened_at), _utc(d.due_at), case,
        tuple((r.action, r.state, r.actor, _utc(r.at)) for r in rows), shown,
    )  # fmt: skip


def mediator_cases(session: Session, mediator_id: str) -> list[int]:
    """Open cases whose handling mediator is ``mediator_id`` (a mediator's case list)."""
    q = (
        select(GridDisputeEventRow.dispute_id)
        .where(GridDisputeEventRow.mediator_id == mediator_id)
        .distinct()
    )
    out = []
    for did in sorted(session.scalars(q)):
        case = _case(_events(session, did))
        if case.mediator_id == mediator_id and case.state in (
            "assigned",
            "mediating",
            "agreed",
            "referred",
        ):
            out.append(did)
    return out


def escalate_overdue(session: Session, now: dt.datetime) -> list[int]:
    """Escalate to the township centre every village-level case past its deadline without an
    agreement or referral (actor ``system:deadline``); returns the case ids."""
    now = _utc(now)
    out = []
    q = select(GridDisputeRow.id, GridDisputeRow.due_at).where(GridDisputeRow.due_at < now)
    for did, due in session.execute(q).all():
        rows = _events(session, did)
        case = _case(rows)
        if case.level != "village" or case.state not in ("registered", "assigned", "mediating"):
            continue
        at = max(_utc(due), _utc(rows[-1].at))
        new = m.step(case, "escalate", at)
        insert_events(
            session,
            [
                event_row(
                    did, len(rows) + 1, "escalate", new, SYSTEM_DEADLINE, at, "超期上报 overdue"
                )
            ],
        )
        out.append(did)
    return out


def erase_parties(session: Session, dispute_id: int, by: str, reason: str) -> int:
    """Erase the parties' names and phones (PIPL); the case and its events stay."""
    if not by.strip() or not reason.strip():
        raise StoreError("须注明经办人和依据 give who erases (by) and the legal basis (reason)")
    now = dt.datetime.now(dt.UTC)
    rows = list(
        session.scalars(
            select(GridDisputePartyRow).where(GridDisputePartyRow.dispute_id == dispute_id)
        )
    )
    for r in rows:
        r.name, r.phone, r.erased_at = None, None, now
    session.flush()
    return len(rows)
