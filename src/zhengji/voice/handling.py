"""Acting on requests: each step is one appended event, checked by the pure state machine.

Who may do what (checked when a ``Viewer`` is given; the web layer always gives one):
the dispatch centre dispatches, answers directly, merges, flags, calls back and escalates;
the responsible unit signs, processes, completes and returns (首接负责: only within
``lifecycle.RETURN_WINDOW`` of the dispatch).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from zhengji.errors import DataError, PermissionDenied
from zhengji.store.schema_voice import VoiceEventRow, VoiceRequesterRow, VoiceRequestRow
from zhengji.voice import ledgering, lifecycle
from zhengji.voice.limits import TimeLimits, add_working_days, to_utc
from zhengji.voice.requests import now
from zhengji.voice.units import Unit
from zhengji.voice.views import RequestNotFoundError, Viewer

__all__ = [
    "SATISFACTION",
    "act",
    "callback",
    "escalate_overdue",
    "flag_repeats",
    "merge",
]

#: Callback answers 回访: 3 满意 satisfied, 2 基本满意 basically satisfied, 1 不满意 not.
SATISFACTION = {3: "满意", 2: "基本满意", 1: "不满意"}
_TICK = dt.timedelta(microseconds=1)
_UNIT_ACTIONS = frozenset({"sign", "process", "complete", "return"})


@dataclass(frozen=True)
class _Current:
    state: str
    unit_id: str | None
    dispatched_at: dt.datetime | None


def _current(session: Session, request_id: int) -> _Current:
    rows = session.execute(
        select(VoiceEventRow.action, VoiceEventRow.state, VoiceEventRow.unit_id, VoiceEventRow.at)
        .where(VoiceEventRow.request_id == request_id)
        .order_by(VoiceEventRow.id)
    ).all()
    if not rows:
        raise RequestNotFoundError(f"没有编号为 {request_id} 的诉求 no request {request_id}")
    unit, at = None, None
    for action, _state, u, t in rows:
        if action == "dispatch":
            unit, at = u, to_utc(t)
    return _Current(rows[-1].state, unit, at)


def act(
    session: Session,
    request_id: int,
    action: str,
    actor: str,
    *,
    viewer: Viewer | None = None,
    unit_id: str | None = None,
    note: str | None = None,
    resolved: bool | None = None,
    satisfaction: int | None = None,
    related_id: int | None = None,
    at: dt.datetime | None = None,
    units: Mapping[str, Unit] | None = None,
) -> str:
    """Append one step; returns the new state. Raises if the state or the viewer forbids it."""
    cur = _current(session, request_id)
    when = to_utc(at or now())
    if viewer is not None:
        if action in _UNIT_ACTIONS and cur.unit_id not in viewer.unit_ids:
            raise PermissionDenied(
                f"只有承办单位可以{lifecycle.ACTION_ZH.get(action, action)} only the responsible "
                f"unit ({cur.unit_id}) may {action} request {request_id}"
            )
        if action not in _UNIT_ACTIONS and action != "note" and not viewer.dispatcher:
            raise PermissionDenied(
                f"只有派单中心可以{lifecycle.ACTION_ZH.get(action, action)} only the dispatch "
                f"centre may {action} request {request_id}"
            )
    if action == "dispatch" and (not unit_id or (units is not None and unit_id not in units)):
        raise DataError(f"派单需要有效单位 dispatch needs a known unit, got '{unit_id}'")
    nxt = lifecycle.step(cur.state, action, dispatched_at=cur.dispatched_at, at=when)
    event_unit = unit_id if action in ("dispatch", "escalate") else cur.unit_id
    values = {
        "request_id": request_id,
        "action": action,
        "state": nxt.state,
        "unit_id": event_unit,
        "actor": actor,
        "note": note,
        "resolved": resolved,
        "satisfaction": satisfaction,
        "related_id": related_id,
        "at": when,
        "recorded_at": now(),
    }
    session.execute(insert(VoiceEventRow).values(values))
    if ledgering.enabled():  # this step and (up to a bound) any backlog before it
        ledgering.sync(session, limit=ledgering.INLINE_LIMIT)
    return nxt.state


def callback(
    session: Session,
    request_id: int,
    actor: str,
    *,
    satisfaction: int,
    resolved: bool,
    note: str | None = None,
    viewer: Viewer | None = None,
    at: dt.datetime | None = None,
) -> str:
    """回访: record the citizen's verdict; 不满意 (1) sends the request back to be redone."""
    if satisfaction not in SATISFACTION:
        raise DataError(f"满意度应为 1–3 satisfaction must be 1, 2 or 3: {SATISFACTION}")
    action = "callback_satisfied" if satisfaction >= 2 else "callback_unsatisfied"
    return act(
        session,
        request_id,
        action,
        actor,
        viewer=viewer,
        note=note,
        resolved=resolved,
        satisfaction=satisfaction,
        at=at,
    )


def merge(
    session: Session,
    duplicate_id: int,
    into_id: int,
    actor: str,
    *,
    note: str | None = None,
    viewer: Viewer | None = None,
    at: dt.datetime | None = None,
) -> str:
    """合并: the duplicate closes pointing at the request that carries on."""
    if duplicate_id == into_id:
        raise DataError("不能与自身合并 a request cannot be merged into itself")
    _current(session, into_id)  # must exist
    return act(
        session, duplicate_id, "merge", actor, viewer=viewer, related_id=into_id, note=note, at=at
    )


def flag_repeats(
    session: Session,
    actor: str,
    *,
    window: dt.timedelta = dt.timedelta(days=7),
    threshold: int = 5,
    at: dt.datetime | None = None,
) -> list[int]:
    """恶意重复: flag requests from one phone/device that repeat the same service at the same
    place ``threshold`` or more times within ``window``; returns the ids newly flagged.

    The first request of a run stays unflagged (it may be genuine); flagged ones are left out
    of the unit metrics (docs/voice.md) but stay on record.
    """
    rows = session.execute(
        select(
            VoiceRequestRow.id,
            VoiceRequestRow.service_code,
            VoiceRequestRow.township_id,
            VoiceRequestRow.jurisdiction_id,
            VoiceRequestRow.requested_at,
            VoiceRequesterRow.phone,
            VoiceRequesterRow.device_id,
        )
        .join(VoiceRequesterRow, VoiceRequesterRow.request_id == VoiceRequestRow.id)
        .order_by(VoiceRequestRow.requested_at, VoiceRequestRow.id)
    ).all()
    already = set(
        session.scalars(select(VoiceEventRow.request_id).where(VoiceEventRow.action == "flag"))
    )
    groups: dict[tuple[object, ...], list[tuple[int, dt.datetime]]] = defaultdict(list)
    for r in rows:
        who = r.phone or r.device_id
        if who:
            place = r.township_id or r.jurisdiction_id
            groups[(who, r.service_code, place)].append((r.id, to_utc(r.requested_at)))
    flagged: list[int] = []
    for items in groups.values():
        start = 0
        for end in range(len(items)):
            while items[end][1] - items[start][1] > window:
                start += 1
            if end - start + 1 >= threshold:
                for rid, _ in items[start + 1 : end + 1]:
                    if rid not in already:
                        already.add(rid)
                        flagged.append(rid)
    for rid in flagged:
        act(
            session,
            rid,
            "flag",
            actor,
            note=f"恶意重复 {threshold}+ 次/{window.days} 天 repeated submissions",
            at=at,
        )
    return flagged


def escalate_overdue(
    session: Session,
    limits: TimeLimits,
    units: Mapping[str, Unit],
    actor: str,
    *,
    at: dt.datetime | None = None,
) -> list[tuple[int, str]]:
    """督办: open requests past ``due + escalation.after_days`` working days go to the
    responsible unit's parent; once per request. Returns ``(request id, unit escalated to)``."""
    when = to_utc(at or now())
    rows = session.execute(
        select(VoiceRequestRow.id, VoiceRequestRow.due_at).where(VoiceRequestRow.due_at < when)
    ).all()
    done = set(
        session.scalars(select(VoiceEventRow.request_id).where(VoiceEventRow.action == "escalate"))
    )
    out = []
    for rid, due in rows:
        if rid in done:
            continue
        # a due time of 24:00 belongs to the day before: count from that day
        if add_working_days(to_utc(due) - _TICK, limits.escalate_after_days) > when:
            continue
        cur = _current(session, rid)
        if lifecycle.open311_status(cur.state) == "closed":
            continue
        parent = units[cur.unit_id].parent_id if cur.unit_id and cur.unit_id in units else None
        target = parent or cur.unit_id or ""
        act(
            session,
            rid,
            "escalate",
            actor,
            unit_id=target,
            at=when,
            note="超期督办 overdue: escalated to the supervising unit",
        )
        out.append((rid, target))
    return out
