"""Staff pages of the people's voice 民生诉求: the request queue, a request with its actions,
the monthly 接诉即办 ranking and the survey results.

Who sees what: a reporter (county staff) sees only requests of their unit's subtree (the
responsible unit or the jurisdiction); the admin (考核办) acts as the dispatch centre and may do
every step; assessors and inspectors read. The requester's identity is shown only to staff
handling the request (``zhengji.voice.views.detail`` decides). Each step is one appended
event (``zhengji.voice.handling``) and one audit row, in one transaction.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy import select
from starlette.responses import Response

from zhengji.errors import PermissionDenied
from zhengji.store.schema_voice import VoiceSurveyRow
from zhengji.voice import handling, lifecycle, metrics, surveys
from zhengji.voice.context import VoiceContext, context
from zhengji.voice.facts import monthly_table
from zhengji.voice.requests import CHANNEL_ZH, now
from zhengji.voice.units import Unit
from zhengji.voice.views import (
    PublicRequest,
    RequestNotFoundError,
    Viewer,
    detail,
    list_public,
)
from zhengji.web import audit as audit_log
from zhengji.web.deps import MAX_ID, Ctx, Limit, OptText, PathId, require, require_write, wants_html
from zhengji.web.pages import nav, page
from zhengji.web.roles import STAFF, Role, subtree
from zhengji.web.routes.citizen import ACTION_EN, STATE_EN, public_request
from zhengji.web.services import NotFoundError

__all__ = ["HANDLERS", "router"]

router = APIRouter()
nav("/voice", "民生诉求", "Requests", STAFF, order=60)
nav("/voice/ranking", "接诉即办", "Response ranking", STAFF, order=62)
nav("/voice/surveys", "群众评议", "Mass evaluation", STAFF, order=64)

#: May act on requests: the dispatch centre (admin) and the units' staff (reporters).
HANDLERS = frozenset({Role.admin, Role.reporter})
_UNIT_ACTIONS = ("sign", "process", "complete", "return")
_CENTRE_ACTIONS = ("dispatch", "answer", "callback", "merge", "flag", "escalate")


def _clean(v: Any) -> Any:
    """NaN → None (JSON has no NaN)."""
    if isinstance(v, float) and math.isnan(v):
        return None
    if v is pd.NA:
        return None
    return v


def _viewer(ctx: Ctx, units: Mapping[str, Unit]) -> Viewer:
    actor = f"{ctx.user.display_name} ({ctx.user.username})"
    if ctx.user.role is Role.admin:
        return Viewer(actor, frozenset(units), dispatcher=True)
    if ctx.user.role is Role.reporter and ctx.user.unit_id:
        parents = {u.id: u.parent_id for u in units.values()}
        return Viewer(actor, subtree(ctx.user.unit_id, parents))
    return Viewer(actor)  # reads, handles nothing: never sees who asked


def _scope(ctx: Ctx, units: Mapping[str, Unit]) -> frozenset[str] | None:
    """The unit ids a scoped user may see, None for everyone else."""
    if not ctx.user.scoped:
        return None
    if not ctx.user.unit_id:
        return frozenset()
    return subtree(ctx.user.unit_id, {u.id: u.parent_id for u in units.values()})


def _visible(scope: frozenset[str] | None, unit_id: str | None, jurisdiction: str) -> bool:
    return scope is None or unit_id in scope or jurisdiction in scope


def _row(r: PublicRequest, at: Any, lang: str) -> dict[str, Any]:
    text = r.description or ""
    return {
        "id": r.id,
        "service_name": r.service_name,
        "category": r.category,
        "channel": r.channel,
        "state": r.state,
        "state_name": STATE_EN[r.state] if lang == "en" else lifecycle.STATE_ZH[r.state],
        "status": r.status,
        "unit_id": r.unit_id,
        "unit_name": r.unit_name,
        "jurisdiction_id": r.jurisdiction_id,
        "requested_at": r.requested_at,
        "due_at": r.due_at,
        "overdue": r.overdue(at),
        "summary": text[:80] + ("…" if len(text) > 80 else ""),
    }


@page(router, "/voice", "voice.html")
def queue(
    ctx: Annotated[Ctx, require(STAFF)],
    status: OptText = None,
    state: OptText = None,
    service: OptText = None,
    unit: OptText = None,
    overdue: bool = False,
    limit: Limit = 200,
) -> dict[str, Any]:
    """The request queue, newest first, filtered; overdue requests marked."""
    voice = context(ctx.request)
    units = voice.units()
    scope = _scope(ctx, units)
    area = None
    if scope is not None and ctx.user.unit_id in units:
        u = units[ctx.user.unit_id]
        area = u.id if u.level == "county" else u.parent_id
    at = now()
    with ctx.store.transaction() as s:
        rows = list_public(
            s,
            units,
            service_codes=[service] if service else None,
            statuses=[status] if status in ("open", "closed") else None,
            area=area,
            limit=5000 if (state or unit or overdue or scope is not None) else limit,
        )
    out = [
        _row(r, at, ctx.lang)
        for r in rows
        if _visible(scope, r.unit_id, r.jurisdiction_id)
        and (not state or r.state == state)
        and (not unit or r.unit_id == unit)
        and (not overdue or r.overdue(at))
    ][:limit]
    return {
        "requests": out,
        "filters": {
            "status": status,
            "state": state,
            "service": service,
            "unit": unit,
            "overdue": overdue,
        },
        "states": [
            {"id": k, "name": STATE_EN[k] if ctx.lang == "en" else v}
            for k, v in lifecycle.STATE_ZH.items()
        ],
        "units": [
            {"id": u.id, "name": u.name}
            for u in sorted(units.values(), key=lambda u: u.id)
            if scope is None or u.id in scope
        ],
    }


def _allowed_actions(state: str, unit_id: str | None, viewer: Viewer) -> list[str]:
    out = []
    for a in _UNIT_ACTIONS + _CENTRE_ACTIONS:
        if a in _UNIT_ACTIONS and unit_id not in viewer.unit_ids:
            continue
        if a in _CENTRE_ACTIONS and not viewer.dispatcher:
            continue
        if a == "callback":
            ok = state == "completed"
        elif a in lifecycle.TRANSITIONS:
            ok = state in lifecycle.TRANSITIONS[a][0]
        else:  # annotations
            ok = state not in ("closed", "merged")
        if ok:
            out.append(a)
    return out


def _load(ctx: Ctx, voice: VoiceContext, request_id: int) -> tuple[Any, Viewer]:
    units = voice.units()
    viewer = _viewer(ctx, units)
    with ctx.store.transaction() as s:
        try:
            d = detail(s, request_id, units, viewer)
        except RequestNotFoundError as exc:
            raise NotFoundError(str(exc)) from None
    if not _visible(_scope(ctx, units), d.request.unit_id, d.request.jurisdiction_id):
        raise PermissionDenied(
            f"无权查看该诉求 request {request_id} belongs to another unit "
            f"({d.request.unit_id}); you see only your own unit's requests"
        )
    return d, viewer


@page(router, "/voice/requests/{request_id}", "voice_request.html", audit="read:voice_request")
def request_detail(request_id: PathId, ctx: Annotated[Ctx, require(STAFF)]) -> dict[str, Any]:
    """One request for staff: history with actors and notes, the requester only for the staff
    handling it, the steps this user may take now."""
    voice = context(ctx.request)
    d, viewer = _load(ctx, voice, request_id)
    en = ctx.lang == "en"
    pub = public_request(d.request, (), now(), ctx.lang)
    req = d.requester
    return {
        "request": pub
        | {
            "unit_id": d.request.unit_id,
            "jurisdiction_id": d.request.jurisdiction_id,
            "channel": CHANNEL_ZH.get(d.request.channel, d.request.channel),
            "attributes": dict(d.attributes),
        },
        "requester": None
        if req is None
        else {"name": req.name, "phone": req.phone, "email": req.email},
        "events": [
            {
                "action": e.action,
                "action_name": ACTION_EN[e.action] if en else lifecycle.ACTION_ZH[e.action],
                "state_name": STATE_EN[e.state] if en else lifecycle.STATE_ZH[e.state],
                "unit_id": e.unit_id,
                "actor": e.actor,
                "note": e.note,
                "satisfaction": e.satisfaction,
                "resolved": e.resolved,
                "related_id": e.related_id,
                "at": e.at,
            }
            for e in d.events
        ],
        "actions": [
            {"id": a, "name": ACTION_EN.get(a, a) if en else lifecycle.ACTION_ZH.get(a, "回访")}
            for a in _allowed_actions(d.request.state, d.request.unit_id, viewer)
        ]
        if ctx.user.role in HANDLERS
        else [],
        "units": sorted(voice.units()) if viewer.dispatcher else [],
    }


@router.post("/voice/requests/{request_id}/act", include_in_schema=False)
def request_act(
    ctx: Annotated[Ctx, require_write(HANDLERS)],
    request: Request,
    request_id: PathId,
    action: Annotated[str, Form(max_length=32)],
    note: Annotated[str, Form(max_length=2000)] = "",
    unit_id: Annotated[str, Form(max_length=64)] = "",
    related_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
    satisfaction: Annotated[int | None, Form(ge=1, le=3)] = None,
    resolved: Annotated[bool, Form()] = False,
) -> Response:
    """One lifecycle step (签收/办理/办结/退回/派单/合并/回访 …) recorded with its actor."""
    voice = context(ctx.request)
    _d, viewer = _load(ctx, voice, request_id)
    units = voice.units()
    with ctx.store.transaction() as s:
        if action == "callback":
            state = handling.callback(
                s,
                request_id,
                viewer.actor,
                satisfaction=satisfaction or 0,
                resolved=resolved,
                note=note or None,
                viewer=viewer,
            )
        elif action == "merge":
            state = handling.merge(
                s, request_id, related_id or 0, viewer.actor, note=note or None, viewer=viewer
            )
        else:
            state = handling.act(
                s,
                request_id,
                action,
                viewer.actor,
                viewer=viewer,
                unit_id=unit_id or None,
                note=note or None,
                units=units,
            )
        audit_log.record(
            s, ctx.user, f"voice_{action}", f"request={request_id}", ctx.client, {"state": state}
        )
    if not wants_html(request):
        return JSONResponse({"request_id": request_id, "state": state})
    return RedirectResponse(f"/voice/requests/{request_id}", status_code=303)


@page(router, "/voice/ranking", "voice_ranking.html")
def ranking(
    ctx: Annotated[Ctx, require(STAFF)],
    month: OptText = None,
    level: OptText = None,
) -> dict[str, Any]:
    """The monthly 接诉即办 ranking: 响应率 / 解决率 / 满意率 and the composite, per level."""
    voice = context(ctx.request)
    units = voice.units()
    scope = _scope(ctx, units)
    lvl = level if level in ("county", "township") else "county"
    with ctx.store.transaction() as s:
        table = monthly_table(s, voice.limits)
    months = sorted({str(m) for m in table["month"]}, reverse=True) if len(table) else []
    chosen = month if month in months else (months[0] if months else None)
    rows = metrics.ranking(table, chosen, lvl) if chosen else table.iloc[0:0]
    cols = [
        "unit_id",
        "rank",
        "volume",
        "response_rate",
        "resolution_rate",
        "satisfaction_rate",
        "overdue_rate",
        "reopen_rate",
        "composite",
    ]
    out = [
        {c: _clean(r[c]) for c in cols}
        | {"name": units[r["unit_id"]].name if r["unit_id"] in units else r["unit_id"]}
        for r in rows.to_dict("records")
        if scope is None or r["unit_id"] in scope
    ]
    for r in out:
        r["rank"] = None if r["rank"] is None else int(r["rank"])
        r["volume"] = int(r["volume"])
    return {
        "months": months,
        "month": chosen,
        "level": lvl,
        "weights": dict(voice.limits.weights),
        "rows": out,
    }


@page(router, "/voice/surveys", "voice_surveys.html")
def survey_results(ctx: Annotated[Ctx, require(STAFF)], code: OptText = None) -> dict[str, Any]:
    """A survey's results per unit: respondents, mean 0–100 with its 95 % interval, the shrunk
    score and the response rate."""
    voice = context(ctx.request)
    units = voice.units()
    scope = _scope(ctx, units)
    with ctx.store.transaction() as s:
        listed = [
            {"code": c, "title": t, "period": p}
            for c, t, p in s.execute(
                select(VoiceSurveyRow.code, VoiceSurveyRow.title, VoiceSurveyRow.period).order_by(
                    VoiceSurveyRow.id.desc()
                )
            )
        ]
        codes = [x["code"] for x in listed]
        if code is not None and code not in codes:
            raise NotFoundError(f"没有评议 no survey '{code}'")
        chosen = code or (codes[0] if codes else None)
        table = surveys.results(s, chosen) if chosen else pd.DataFrame()
    rows = [
        {k: _clean(v) for k, v in r.items()}
        | {"name": units[r["unit_id"]].name if r["unit_id"] in units else r["unit_id"]}
        for r in table.to_dict("records")
        if scope is None or r["unit_id"] in scope
    ]
    for r in rows:
        r["issued"], r["n"] = int(r["issued"]), int(r["n"])
    return {"surveys": listed, "code": chosen, "rows": rows}
