"""Citizens' pages 群众 (no account): file a request, follow it by number, rate it, answer a
survey with a one-time token.

Everything here is a thin shell over :mod:`zhengji.voice` (``requests.submit``,
``views.detail``, ``handling.callback``, ``surveys.cast_vote``). Without a session there is
no session CSRF token, so every form uses the login form's double-submit cookie (``zj_pre``
in the cookie and in the hidden ``pre`` field). A request form carries a fresh idempotency key
per render, so a double click or a resubmitted page returns the request already created.
Submissions, ratings and votes are rate-limited per client address (:class:`RateLimiter`).
Rating needs the request's token given at submission, never the number alone; a survey token
is spent by its one vote.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from zhengji.errors import PermissionDenied
from zhengji.store.schema_voice import VoiceSurveyTokenRow
from zhengji.voice import catalogue, handling, surveys
from zhengji.voice.context import VoiceContext, context
from zhengji.voice.lifecycle import ACTION_ZH, STATE_ZH
from zhengji.voice.limits import CHINA
from zhengji.voice.requests import Requester, Submission, now, submit
from zhengji.voice.views import PublicRequest, RequestNotFoundError, detail, find_by_token
from zhengji.web import audit as audit_log
from zhengji.web.deps import MAX_ID, CsrfError, PathId, client_of, wants_html
from zhengji.web.i18n import language, translator
from zhengji.web.pages import templates
from zhengji.web.routes.account import PRE_COOKIE
from zhengji.web.services import NotFoundError

__all__ = ["CITIZEN_ACTOR", "LIMITS", "RateLimiter", "public_request", "router"]

router = APIRouter()
templates.env.filters["cntime"] = lambda d: (
    "—" if not isinstance(d, dt.datetime) else d.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
)
CITIZEN_ACTOR = "群众 citizen (web)"

#: kind → (attempts, seconds) allowed per client address
LIMITS: Mapping[str, tuple[int, float]] = {
    "submit": (20, 600.0),
    "rate": (30, 600.0),
    "survey": (60, 600.0),
}

ACTION_EN = {
    "accept": "accepted",
    "dispatch": "dispatched",
    "answer": "answered directly",
    "sign": "signed for",
    "process": "in progress",
    "complete": "completed",
    "callback_satisfied": "callback (satisfied)",
    "callback_unsatisfied": "callback (not satisfied, redo)",
    "return": "returned",
    "merge": "merged",
    "flag": "flagged as malicious repeat",
    "escalate": "escalated",
    "note": "note",
}
STATE_EN = {
    "accepted": "accepted",
    "dispatched": "dispatched",
    "signed": "signed for",
    "processing": "in progress",
    "completed": "completed, awaiting callback",
    "closed": "closed after callback",
    "reopened": "reopened (redo)",
    "returned": "returned for re-dispatch",
    "merged": "merged",
}


class RateLimiter:
    """A sliding window of attempts per key (kind, address), in memory (pure given ``clock``)."""

    def __init__(
        self,
        limits: Mapping[str, tuple[int, float]] = LIMITS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits
        self.clock = clock
        self._seen: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, kind: str, address: str) -> bool:
        """Count one attempt; False when the window already holds the allowed number."""
        n, window = self.limits[kind]
        t = self.clock()
        with self._lock:
            q = self._seen.setdefault((kind, address), deque())
            while q and t - q[0] >= window:
                q.popleft()
            if len(q) >= n:
                return False
            q.append(t)
            return True


def _limit(request: Request, kind: str) -> None:
    state = request.app.state
    limiter = getattr(state, "citizen_limiter", None)
    if limiter is None:
        limiter = state.citizen_limiter = RateLimiter()
    if not limiter.allow(kind, client_of(request)):
        raise StarletteHTTPException(
            429, "提交过于频繁，请稍后再试 too many submissions from your address; try later"
        )


def citizen_form(request: Request, pre: Annotated[str | None, Form(max_length=64)] = None) -> None:
    """CSRF for anonymous forms: the ``pre`` field must equal the ``zj_pre`` cookie."""
    cookie = request.cookies.get(PRE_COOKIE, "")
    if not cookie or not pre or not secrets.compare_digest(cookie.encode(), pre.encode()):
        raise CsrfError(
            "表单已失效，请刷新页面后重试 missing or wrong CSRF token (the form expired); "
            "reload the page"
        )


CitizenForm = Depends(citizen_form)


async def _prefixed(request: Request, prefix: str) -> dict[str, Any]:
    form = await request.form()
    out: dict[str, Any] = {}
    for k in form:
        if k.startswith(prefix):
            vals = [v for v in form.getlist(k) if isinstance(v, str)]
            out[k[len(prefix) :]] = vals if len(vals) > 1 else (vals[0] if vals else "")
    return out


async def attributes_of(request: Request) -> dict[str, Any]:
    """The service's extra fields (``attr_<code>``), empty values left out."""
    return {k: v for k, v in (await _prefixed(request, "attr_")).items() if v not in ("", [])}


async def answers_of(request: Request) -> dict[str, Any]:
    """The survey answers (``q<i>``)."""
    return await _prefixed(request, "q")


def _render(request: Request, template: str, data: Any, status: int = 200) -> Response:
    from zhengji.demo import SYNTHETIC_LABEL

    lang = language(request)
    pre = request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(24)
    resp = templates.TemplateResponse(
        request,
        template,
        {
            "tr": translator(lang),
            "lang": lang,
            "user": None,
            "nav": [],
            "data": data,
            "pre": pre,
            "synthetic_label": SYNTHETIC_LABEL,
            "path": request.url.path,
        },
        status_code=status,
    )
    resp.set_cookie(
        PRE_COOKIE,
        pre,
        httponly=True,
        samesite="strict",
        secure=bool(request.app.state.secure_cookies),
    )
    return resp


def _public_page(
    path: str, template: str
) -> Callable[[Callable[..., dict[str, Any]]], Callable[..., dict[str, Any]]]:
    """Like :func:`zhengji.web.pages.page` for pages without a session (HTML + JSON twin)."""

    def deco(fn: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        @functools.wraps(fn)
        def as_json(**kwargs: Any) -> Response:
            return JSONResponse(jsonable_encoder(fn(**kwargs)))

        @functools.wraps(fn)
        def as_html(**kwargs: Any) -> Response:
            return _render(kwargs["request"], template, fn(**kwargs))

        name = fn.__name__
        router.add_api_route(
            path + ".json", as_json, methods=["GET"], name=f"{name}_json", response_model=None
        )
        router.add_api_route(
            path,
            as_html,
            methods=["GET"],
            name=name,
            include_in_schema=False,
            response_class=HTMLResponse,
            response_model=None,
        )
        return fn

    return deco


Voice = Annotated[VoiceContext, Depends(context)]


def _service_row(svc: catalogue.Service) -> dict[str, Any]:
    return {
        "code": svc.code,
        "name": svc.name,
        "group": svc.group,
        "description": svc.description,
        "attributes": [
            {
                "code": a.code,
                "datatype": a.datatype,
                "description": a.description,
                "required": a.required,
                "values": [{"key": k, "name": n} for k, n in a.values],
            }
            for a in svc.attributes
        ],
    }


@_public_page("/citizen", "citizen.html")
def citizen_home(request: Request, voice: Voice, service: str | None = None) -> dict[str, Any]:
    """The citizens' start page: the services (Open311 catalogue) and, once one is chosen,
    the request form with its jurisdictions, townships and extra fields."""
    units = voice.units()
    chosen = catalogue.service(service) if service else None
    return {
        "services": [_service_row(s) for s in catalogue.SERVICES],
        "service": _service_row(chosen) if chosen else None,
        "jurisdictions": [
            {"id": u.id, "name": u.name}
            for u in sorted(units.values(), key=lambda u: (u.level != "city", u.id))
            if u.level in ("city", "county")
        ],
        "townships": [
            {"id": u.id, "name": u.name, "county": units[u.parent_id].name}
            for u in sorted(units.values(), key=lambda u: (u.parent_id or "", u.id))
            if u.level == "township" and u.parent_id in units
        ],
        "form_key": secrets.token_urlsafe(18),  # idempotency key of this rendering of the form
    }


@router.post("/citizen/requests", include_in_schema=False)
def citizen_submit(
    request: Request,
    voice: Voice,
    _csrf: Annotated[None, CitizenForm],
    attributes: Annotated[dict[str, Any], Depends(attributes_of)],
    service_code: Annotated[str, Form(max_length=64)],
    jurisdiction_id: Annotated[str, Form(max_length=64)],
    description: Annotated[str, Form(max_length=4000)] = "",
    address: Annotated[str, Form(max_length=200)] = "",
    address_id: Annotated[str, Form(max_length=64)] = "",
    name: Annotated[str, Form(max_length=100)] = "",
    phone: Annotated[str, Form(max_length=40)] = "",
    email: Annotated[str, Form(max_length=200)] = "",
    form_key: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """File a request (受理 and 派单 in one transaction with its audit row)."""
    _limit(request, "submit")
    sub = Submission(
        jurisdiction_id=jurisdiction_id,
        service_code=service_code,
        channel="web",
        actor=CITIZEN_ACTOR,
        description=description or None,
        address=address or None,
        address_id=address_id or None,
        attributes=attributes,
        requester=Requester(name=name or None, phone=phone or None, email=email or None),
        idempotency_key=f"web:{form_key}" if form_key else None,
    )
    units = voice.units()
    with voice.store.transaction() as s:
        done = submit(s, sub, units, voice.limits)
        if not done.replayed:
            audit_log.record(
                s, None, "voice_submit", f"request={done.id}", client_of(request), {"web": True}
            )
    out = {
        "service_request_id": done.id,
        "token": done.token,
        "unit_id": done.unit_id,
        "unit_name": units[done.unit_id].name if done.unit_id in units else done.unit_id,
        "due_at": done.due_at,
        "replayed": done.replayed,
    }
    if not wants_html(request):
        return JSONResponse(jsonable_encoder(out), status_code=200 if done.replayed else 201)
    return _render(request, "citizen_submitted.html", out)


def public_request(pub: PublicRequest, events: Any, at: dt.datetime, lang: str) -> dict[str, Any]:
    """The anonymised view: no requester, no token, no staff names or notes; free text masked."""
    en = lang == "en"
    return {
        "id": pub.id,
        "service_code": pub.service_code,
        "service_name": pub.service_name,
        "category": pub.category,
        "status": pub.status,
        "state": pub.state,
        "state_name": STATE_EN[pub.state] if en else STATE_ZH[pub.state],
        "unit_name": pub.unit_name,
        "description": pub.description,
        "address": pub.address,
        "requested_at": pub.requested_at,
        "updated_at": pub.updated_at,
        "due_at": pub.due_at,
        "overdue": pub.overdue(at),
        "events": [
            {
                "action": e.action,
                "action_name": ACTION_EN[e.action] if en else ACTION_ZH[e.action],
                "state_name": STATE_EN[e.state] if en else STATE_ZH[e.state],
                "at": e.at,
            }
            for e in events
        ],
    }


@_public_page("/citizen/requests/{request_id}", "citizen_request.html")
def citizen_request(request: Request, voice: Voice, request_id: PathId) -> dict[str, Any]:
    """Follow a request by its number: status, history, time limit (anonymised)."""
    with voice.store.transaction() as s:
        try:
            d = detail(s, request_id, voice.units(), None)
        except RequestNotFoundError as exc:
            raise NotFoundError(str(exc)) from None
    return {"request": public_request(d.request, d.events, now(), language(request))}


@router.get("/citizen/follow", include_in_schema=False)
def citizen_follow(request: Request, number: str | None = None) -> Response:
    """The "follow by number" form; with a number, go to that request's page."""
    n = (number or "").strip().lstrip("#")
    if n.isdigit() and 1 <= int(n) <= MAX_ID:
        return RedirectResponse(f"/citizen/requests/{int(n)}", status_code=303)
    error = "请输入诉求编号（数字） enter the request number (digits)" if number else None
    return _render(request, "citizen_follow.html", {"error": error}, 422 if error else 200)


@router.get("/citizen/rate", include_in_schema=False)
def citizen_rate_form(request: Request, number: str | None = None) -> Response:
    n = (number or "").strip()
    return _render(request, "citizen_rate.html", {"number": n if n.isdigit() else ""})


@router.post("/citizen/rate", include_in_schema=False)
def citizen_rate(
    request: Request,
    voice: Voice,
    _csrf: Annotated[None, CitizenForm],
    number: Annotated[int, Form(ge=1, le=MAX_ID)],
    token: Annotated[str, Form(min_length=1, max_length=64)],
    satisfaction: Annotated[int, Form(ge=1, le=3)],
    resolved: Annotated[bool, Form()],
    note: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """回访 by the citizen: the token given at submission must belong to this request."""
    _limit(request, "rate")
    with voice.store.transaction() as s:
        try:
            owner = find_by_token(s, token.strip())
        except RequestNotFoundError:
            owner = None
        if owner != number:
            raise PermissionDenied(
                f"评价码与诉求编号 {number} 不符 the rating code does not belong to request "
                f"{number}; use the code shown when the request was filed"
            )
        state = handling.callback(
            s,
            number,
            CITIZEN_ACTOR,
            satisfaction=satisfaction,
            resolved=resolved,
            note=note or None,
        )
        audit_log.record(
            s, None, "voice_rate", f"request={number}", client_of(request), {"state": state}
        )
    if not wants_html(request):
        return JSONResponse({"request_id": number, "state": state})
    return RedirectResponse(f"/citizen/requests/{number}?rated=1", status_code=303)


# --- surveys 群众评议 ---------------------------------------------------------------------------
@router.get("/survey", include_in_schema=False)
def survey_form(request: Request) -> Response:
    return _render(request, "survey.html", {})


def _refused(request: Request, status: str) -> Response:
    msg = {
        "spent": "该评议码已使用，每个评议码只能投票一次 this token has already been used: "
        "each token votes once",
        "unknown": "评议码无效，请核对后重新输入 unknown token: check it was typed correctly",
    }[status]
    code = 409 if status == "spent" else 404
    if not wants_html(request):
        return JSONResponse({"error": msg, "status": code, "token_status": status}, code)
    return _render(request, "survey_refused.html", {"message": msg, "status": status}, code)


@router.post("/survey", include_in_schema=False)
def survey_ballot(
    request: Request,
    voice: Voice,
    _csrf: Annotated[None, CitizenForm],
    token: Annotated[str, Form(min_length=1, max_length=64)],
) -> Response:
    """Check a token and show the ballot (Likert items about the token's township)."""
    _limit(request, "survey")
    with voice.store.transaction() as s:
        status, code = surveys.token_status(s, token)
        if status != "valid" or code is None:
            return _refused(request, status)
        survey = surveys.get_survey(s, code)
        row = s.get(VoiceSurveyTokenRow, surveys.token_hash(token))
        unit_id = row.unit_id if row is not None else None
    units = voice.units()
    data = {
        "token": token.strip(),
        "survey": {"code": survey.code, "title": survey.title, "period": survey.period},
        "unit_name": units[unit_id].name if unit_id in units else unit_id,
        "scale": list(range(1, survey.scale + 1)),
        "items": [{"code": c, "text": t} for c, t in survey.items],
        "started": now().isoformat(),
    }
    if not wants_html(request):
        return JSONResponse(jsonable_encoder(data))
    return _render(request, "survey_ballot.html", data)


@router.post("/survey/vote", include_in_schema=False)
def survey_vote(
    request: Request,
    voice: Voice,
    _csrf: Annotated[None, CitizenForm],
    answers: Annotated[dict[str, Any], Depends(answers_of)],
    token: Annotated[str, Form(min_length=1, max_length=64)],
    started: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Cast the one vote of a token; a second use is refused (409)."""
    _limit(request, "survey")
    try:
        values = [int(answers[k]) for k in sorted(answers, key=lambda k: int(k))]
    except (TypeError, ValueError):
        values = []
    try:
        started_at = dt.datetime.fromisoformat(started) if started else None
    except ValueError:
        started_at = None
    try:
        with voice.store.transaction() as s:
            code = surveys.cast_vote(
                s, token, values, started_at=started_at, address=client_of(request)
            )
    except surveys.TokenError:
        with voice.store.transaction() as s:
            status, _code = surveys.token_status(s, token)
        return _refused(request, "spent" if status == "spent" else "unknown")
    if not wants_html(request):
        return JSONResponse({"survey": code, "recorded": True}, status_code=201)
    return _render(request, "survey_thanks.html", {"survey": code})
