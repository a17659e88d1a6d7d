"""Reading requests: the public (anonymised) view and the staff view with the requester.

Who may see the requester (privacy rule, docs/voice.md): the city dispatch centre
(``Viewer.dispatcher``) and staff of a unit the request was ever dispatched to. Everyone else
— the Open311 API, the public pages — gets :class:`PublicRequest`, which has no identity
fields at all, with phone/ID/e-mail patterns masked in free text and coordinates rounded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhengji.errors import ZhengjiError
from zhengji.store.schema_voice import VoiceEventRow, VoiceRequesterRow, VoiceRequestRow
from zhengji.voice import catalogue
from zhengji.voice.lifecycle import STATE_ZH, open311_status
from zhengji.voice.limits import to_utc
from zhengji.voice.requests import Requester, mask_pii
from zhengji.voice.units import Unit

__all__ = [
    "Event",
    "PublicRequest",
    "RequestDetail",
    "RequestNotFoundError",
    "Viewer",
    "detail",
    "events",
    "find_by_token",
    "list_public",
    "may_see_requester",
    "public",
]


class RequestNotFoundError(ZhengjiError):
    """No request with that number (or token)."""


@dataclass(frozen=True)
class Viewer:
    """Who is looking: the dispatch centre sees everything; unit staff see their requests."""

    actor: str
    unit_ids: frozenset[str] = frozenset()
    dispatcher: bool = False


@dataclass(frozen=True)
class Event:
    id: int
    action: str
    state: str
    unit_id: str | None
    actor: str
    note: str | None
    resolved: bool | None
    satisfaction: int | None
    related_id: int | None
    at: dt.datetime


@dataclass(frozen=True)
class PublicRequest:
    """What anyone may see (Open311 fields plus our state as an extension)."""

    id: int
    service_code: str
    service_name: str | None
    category: str
    channel: str
    jurisdiction_id: str
    township_id: str | None
    state: str
    unit_id: str | None
    unit_name: str | None
    description: str | None
    address: str | None
    lat: float | None
    long: float | None
    media_url: str | None
    requested_at: dt.datetime
    updated_at: dt.datetime
    due_at: dt.datetime
    token: str

    @property
    def status(self) -> str:
        return open311_status(self.state)

    @property
    def state_zh(self) -> str:
        return STATE_ZH[self.state]

    def overdue(self, at: dt.datetime) -> bool:
        return self.status == "open" and to_utc(at) > self.due_at


@dataclass(frozen=True)
class RequestDetail:
    request: PublicRequest
    events: tuple[Event, ...]
    requester: Requester | None  # None: the viewer may not see who asked
    attributes: Mapping[str, object]
    extra: Mapping[str, object]


def _public_rows(session: Session, where: Sequence[object], limit: int | None) -> list[object]:
    # correlated look-ups on the (request_id, id) index: cheap per returned request, instead
    # of grouping the whole event log
    ev = VoiceEventRow.__table__.alias("ev")
    last_id = (
        select(func.max(ev.c.id))
        .where(ev.c.request_id == VoiceRequestRow.id)
        .correlate(VoiceRequestRow)
        .scalar_subquery()
    )
    disp_id = (
        select(func.max(ev.c.id))
        .where(ev.c.request_id == VoiceRequestRow.id, ev.c.action == "dispatch")
        .correlate(VoiceRequestRow)
        .scalar_subquery()
    )
    ev_last = VoiceEventRow.__table__.alias("ev_last")
    ev_disp = VoiceEventRow.__table__.alias("ev_disp")
    stmt = (
        select(VoiceRequestRow, ev_last.c.state, ev_last.c.at, ev_disp.c.unit_id)
        .select_from(VoiceRequestRow)
        .join(ev_last, ev_last.c.id == last_id)
        .outerjoin(ev_disp, ev_disp.c.id == disp_id)
        .where(*where)  # type: ignore[arg-type]
        .order_by(VoiceRequestRow.id.desc())
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.execute(stmt).all())


def _to_public(row: Any, units: Mapping[str, Unit]) -> PublicRequest:
    r: VoiceRequestRow = row[0]
    state: str = row[1]
    updated: dt.datetime = row[2]
    unit_id: str | None = row[3]
    svc = catalogue.service(r.service_code)
    return PublicRequest(
        id=r.id,
        service_code=r.service_code,
        service_name=svc.name if svc else None,
        category=r.category,
        channel=r.channel,
        jurisdiction_id=r.jurisdiction_id,
        township_id=r.township_id,
        state=state,
        unit_id=unit_id,
        unit_name=units[unit_id].name if unit_id is not None and unit_id in units else unit_id,
        description=mask_pii(r.description),
        address=mask_pii(r.address),
        lat=None if r.lat is None else round(r.lat, 3),
        long=None if r.long is None else round(r.long, 3),
        media_url=r.media_url,
        requested_at=to_utc(r.requested_at),
        updated_at=to_utc(updated),
        due_at=to_utc(r.due_at),
        token=r.token,
    )


def public(session: Session, request_id: int, units: Mapping[str, Unit]) -> PublicRequest:
    rows = _public_rows(session, [VoiceRequestRow.id == request_id], 1)
    if not rows:
        raise RequestNotFoundError(f"没有编号为 {request_id} 的诉求 no request {request_id}")
    return _to_public(rows[0], units)


def find_by_token(session: Session, token: str) -> int:
    rid = session.scalar(select(VoiceRequestRow.id).where(VoiceRequestRow.token == token))
    if rid is None:
        raise RequestNotFoundError(f"令牌无效 unknown token '{token}'")
    return int(rid)


def list_public(
    session: Session,
    units: Mapping[str, Unit],
    *,
    ids: Sequence[int] | None = None,
    service_codes: Sequence[str] | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    statuses: Sequence[str] | None = None,
    area: str | None = None,
    limit: int = 1000,
) -> list[PublicRequest]:
    """Requests newest first, filtered as Open311 ``GET requests`` asks.

    ``area`` keeps requests of that jurisdiction (a county; the city means all).
    """
    where: list[object] = []
    if ids is not None:
        where.append(VoiceRequestRow.id.in_(ids))
    if service_codes:
        where.append(VoiceRequestRow.service_code.in_(service_codes))
    if start is not None:
        where.append(VoiceRequestRow.requested_at >= start)
    if end is not None:
        where.append(VoiceRequestRow.requested_at <= end)
    if area is not None and units.get(area) is not None and units[area].level != "city":
        where.append(VoiceRequestRow.jurisdiction_id == area)
    rows = [_to_public(r, units) for r in _public_rows(session, where, None if statuses else limit)]
    if statuses:
        rows = [r for r in rows if r.status in statuses][:limit]
    return rows


def events(session: Session, request_id: int) -> tuple[Event, ...]:
    rows = session.scalars(
        select(VoiceEventRow)
        .where(VoiceEventRow.request_id == request_id)
        .order_by(VoiceEventRow.id)
    ).all()
    return tuple(
        Event(
            e.id,
            e.action,
            e.state,
            e.unit_id,
            e.actor,
            e.note,
            e.resolved,
            e.satisfaction,
            e.related_id,
            to_utc(e.at),
        )
        for e in rows
    )


def may_see_requester(viewer: Viewer | None, evs: Sequence[Event]) -> bool:
    if viewer is None:
        return False
    if viewer.dispatcher:
        return True
    handled = {e.unit_id for e in evs if e.action == "dispatch"}
    return bool(handled & viewer.unit_ids)


def detail(
    session: Session, request_id: int, units: Mapping[str, Unit], viewer: Viewer | None
) -> RequestDetail:
    """A request with its events; the requester only if ``viewer`` handles it."""
    pub = public(session, request_id, units)
    evs = events(session, request_id)
    requester = None
    if may_see_requester(viewer, evs):
        row = session.get(VoiceRequesterRow, request_id)
        requester = (
            Requester(row.name, row.phone, row.email, row.device_id, row.account_id)
            if row is not None
            else Requester()
        )
    raw = session.get(VoiceRequestRow, request_id)
    assert raw is not None
    return RequestDetail(pub, evs, requester, dict(raw.attributes), dict(raw.extra))
