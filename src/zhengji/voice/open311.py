"""Open311 GeoReport v2 server: ``router`` (mounted at ``/open311/v2``).

Endpoints (each with a ``.json`` or ``.xml`` suffix, as the spec has it): ``discovery``,
``services``, ``services/{service_code}``, ``requests`` (GET and POST), ``requests/{id}``,
``tokens/{token}``. Errors are ``[{"code": 400|403|404, "description": …}]``. Open311
``status`` stays ``open``/``closed``; our lifecycle state travels in ``status_notes`` and in
the extension object ``zhengji`` (state, category, channel, overdue, township).

POST needs ``api_key`` (``zhengji voice key add NAME``). A client that may retry sends an
``Idempotency-Key`` header (or ``idempotency_key`` field): the same key from the same client
returns the request it created the first time (HTTP 200 instead of 201), never a second one.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import unquote_plus

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from zhengji.errors import DataError
from zhengji.voice import catalogue, ledgering
from zhengji.voice.context import VoiceContext, context
from zhengji.voice.limits import CHINA
from zhengji.voice.requests import Accepted, GroupCommit, Requester, Submission, accept
from zhengji.voice.views import (
    PublicRequest,
    RequestNotFoundError,
    find_by_token,
    list_public,
    public,
)
from zhengji.voice.xml import to_xml

__all__ = ["PREFIX", "Open311Error", "render_request", "render_service", "router"]

PREFIX = "/open311/v2"
SPEC = "http://wiki.open311.org/GeoReport_v2"
MAX_DAYS = 90
LEDGER_STEP = 1_000  # ledger leaves a POST batch appends at most (a backlog drains in steps)
router = APIRouter(tags=["open311"])


async def _context(request: Request) -> VoiceContext:
    # async on purpose: FastAPI runs a plain-def dependency in the thread pool, a thread hop
    # per request that cost more than the POST's own checks (docs/benchmarks.md, Voice)
    return context(request)


Ctx = Annotated[VoiceContext, Depends(_context)]
_CT = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _fmt(fmt: str) -> str:
    if fmt not in _CT:
        raise Open311Error(404, f"不支持的格式 unsupported format '.{fmt}': use .json or .xml")
    return fmt


def _dump(fmt: str, root: str, data: Any, status: int = 200) -> Response:
    if fmt == "xml":
        body = to_xml(root, data)
    else:
        import json

        body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status_code=status, media_type=_CT[fmt])


def _error(fmt: str, exc: Open311Error) -> Response:
    data = [{"code": exc.status, "description": exc.description}]
    return _dump(fmt if fmt in _CT else "json", "errors", data, exc.status)


def _iso(t: dt.datetime | None) -> str | None:
    return None if t is None else t.astimezone(CHINA).isoformat(timespec="seconds")


def render_service(svc: catalogue.Service) -> dict[str, Any]:
    return {
        "service_code": svc.code,
        "service_name": svc.name,
        "description": svc.description,
        "metadata": bool(svc.attributes),
        "type": "realtime",
        "keywords": svc.keywords,
        "group": svc.group,
    }


def _definition(svc: catalogue.Service) -> dict[str, Any]:
    attrs = []
    for order, a in enumerate(svc.attributes, start=1):
        item: dict[str, Any] = {
            "variable": True,
            "code": a.code,
            "datatype": a.datatype,
            "required": a.required,
            "datatype_description": a.datatype_description,
            "order": order,
            "description": a.description,
        }
        if a.values:
            item["values"] = [{"key": k, "name": n} for k, n in a.values]
        attrs.append(item)
    return {"service_code": svc.code, "attributes": attrs}


def render_request(r: PublicRequest, at: dt.datetime) -> dict[str, Any]:
    """A request as Open311 shows it to anyone (no identity; see zhengji.voice.views)."""
    unit = r.unit_name or r.unit_id
    return {
        "service_request_id": str(r.id),
        "status": r.status,
        "status_notes": f"{r.state_zh} {r.state}" + (f" · {unit}" if unit else ""),
        "service_name": r.service_name,
        "service_code": r.service_code,
        "description": r.description,
        "agency_responsible": unit,
        "service_notice": None,
        "requested_datetime": _iso(r.requested_at),
        "updated_datetime": _iso(r.updated_at),
        "expected_datetime": _iso(r.due_at),
        "address": r.address,
        "address_id": r.township_id,
        "zipcode": None,
        "lat": r.lat,
        "long": r.long,
        "media_url": r.media_url,
        "zhengji": {
            "state": r.state,
            "state_zh": r.state_zh,
            "category": r.category,
            "channel": r.channel,
            "overdue": r.overdue(at),
            "jurisdiction_id": r.jurisdiction_id,
            "township_id": r.township_id,
        },
    }


def _jurisdiction(ctx: VoiceContext, jid: str | None) -> str | None:
    if jid is None:
        return None
    units = ctx.units()
    if jid not in units:
        units = ctx.units(refresh=True)
    if jid not in units or units[jid].level not in ("city", "county"):
        raise Open311Error(404, f"未知辖区 jurisdiction_id '{jid}' not found")
    return jid


async def _guard(fmt: str, call: Any) -> Response:
    try:
        _fmt(fmt)
        result: Response = await call()
        return result
    except Open311Error as exc:
        return _error(fmt, exc)
    except RequestNotFoundError as exc:
        return _error(fmt, Open311Error(404, str(exc)))
    except DataError as exc:
        return _error(fmt, Open311Error(400, str(exc)))


# The POST is registered first: routes are tried in order, and it is the hot path. ``fmt`` is
# read from the path by hand (below), so the OpenAPI document is told of it here.
_FMT_PARAM = {"name": "fmt", "in": "path", "required": True, "schema": {"type": "string"}}


@router.post("/requests.{fmt}", openapi_extra={"parameters": [_FMT_PARAM]})
async def post_request(request: Request) -> Response:
    # Only ``request`` as parameter: FastAPI's dependency solving for ``fmt`` and the context
    # cost more than the rest of the handler (docs/benchmarks.md, Voice)
    fmt = str(request.path_params["fmt"])

    async def run() -> Response:
        ctx = context(request)
        flat, multi = await _form(request)
        raw_key = request.headers.get("idempotency-key") or flat.get("idempotency_key")
        key = raw_key if isinstance(raw_key, str) and raw_key else None
        done = await _writer(request, ctx).submit(lambda: _accept(ctx, flat, multi, key))
        body = [
            {
                "service_request_id": done.service_request_id,
                "token": done.token,
                "service_notice": f"已受理并派单 accepted and dispatched; 办理时限 due "
                f"{_iso(done.due_at)}",
                "account_id": None,
            }
        ]
        return _dump(fmt, "service_requests", body, 200 if done.replayed else 201)

    return await _guard(fmt, run)


_URLENCODED = "application/x-www-form-urlencoded"
MAX_FIELDS = 1000  # Starlette's limits for request.form(), kept on the fast path below
MAX_FIELD_BYTES = 1024 * 1024


async def _form(request: Request) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The POST's fields: ``(last value by name, all values by name)``.

    A url-encoded body (what Open311 clients send) is split here by Starlette's rules for
    ``request.form()`` (``&``-separated, empty pieces skipped, name before the first ``=``,
    ``+`` and ``%XX`` decoded as UTF-8, the same limits) at a fraction of its cost on the hot
    path; any other body (multipart, with media) goes through ``request.form()``.
    """
    ctype = request.headers.get("content-type", "")
    if ctype.partition(";")[0].strip().lower() != _URLENCODED:
        form = await request.form()
        return dict(form.items()), {k: [str(v) for v in form.getlist(k)] for k in form}
    multi: dict[str, list[str]] = {}
    pieces = [x for x in (await request.body()).decode("latin-1").split("&") if x]
    if len(pieces) > MAX_FIELDS:
        raise Open311Error(400, f"字段过多 more than {MAX_FIELDS} fields")
    for piece in pieces:
        if len(piece) > MAX_FIELD_BYTES:
            raise Open311Error(400, "字段过大 a field is larger than 1 MB")
        name, _, value = piece.partition("=")
        multi.setdefault(unquote_plus(name), []).append(unquote_plus(value))
    return {k: v[-1] for k, v in multi.items()}, multi


@router.get("/discovery.{fmt}")
async def discovery(request: Request, fmt: str) -> Response:
    async def run() -> Response:
        base = str(request.url_for("discovery", fmt=fmt)).rsplit("/", 1)[0]
        data = {
            "changeset": "2026-11-29T00:00:00+08:00",
            "contact": "12345 政务服务便民热线 · zhengji",
            "key_service": "联系派单中心申请 ask the dispatch centre for an api_key",
            "endpoints": [
                {
                    "specification": SPEC,
                    "url": base,
                    "changeset": "2026-11-29T00:00:00+08:00",
                    "type": "production",
                    "formats": ["application/json", "text/xml"],
                }
            ],
        }
        return _dump(fmt, "discovery", data)

    return await _guard(fmt, run)


@router.get("/services.{fmt}")
async def services(fmt: str, ctx: Ctx, jurisdiction_id: str | None = None) -> Response:
    async def run() -> Response:
        await run_in_threadpool(_jurisdiction, ctx, jurisdiction_id)
        return _dump(fmt, "services", [render_service(s) for s in catalogue.SERVICES])

    return await _guard(fmt, run)


@router.get("/services/{service_code}.{fmt}")
async def service_definition(
    service_code: str,
    fmt: str,
    ctx: Ctx,
    jurisdiction_id: str | None = None,
) -> Response:
    async def run() -> Response:
        await run_in_threadpool(_jurisdiction, ctx, jurisdiction_id)
        svc = catalogue.service(service_code)
        if svc is None:
            raise Open311Error(404, f"未知服务 service_code '{service_code}' not found")
        return _dump(fmt, "service_definition", _definition(svc))

    return await _guard(fmt, run)


def _attributes(form: Mapping[str, Any], multi: Mapping[str, list[str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in form:
        if key.startswith("attribute[") and key.endswith("]"):
            inner = key[len("attribute[") : -1]
            if inner.endswith("]["):  # attribute[code][]
                out[inner[:-2]] = multi[key]
            else:
                values = multi[key]
                out[inner] = values[0] if len(values) == 1 else values
    return out


def _float(form: Mapping[str, Any], name: str) -> float | None:
    v = form.get(name)
    if v in (None, ""):
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        raise Open311Error(400, f"{name} 应为数字 must be a number, got '{v}'") from None


def _submission(
    form: Mapping[str, Any], multi: Mapping[str, list[str]], key: str | None, client: int, jid: str
) -> Submission:
    def s(name: str) -> str | None:
        v = form.get(name)
        return None if v in (None, "") else str(v)

    names = [x for x in (s("last_name"), s("first_name")) if x]
    return Submission(
        jurisdiction_id=jid,
        service_code=s("service_code") or "",
        channel="open311",
        actor=f"open311:client-{client}",
        description=s("description"),
        address=s("address_string"),
        address_id=s("address_id"),
        lat=_float(form, "lat"),
        long=_float(form, "long"),
        media_url=s("media_url"),
        attributes=_attributes(form, multi),
        requester=Requester(
            name="".join(names) or None,
            phone=s("phone"),
            email=s("email"),
            device_id=s("device_id"),
            account_id=s("account_id"),
        ),
        idempotency_key=key,
        client_id=client,
    )


def _accept(
    ctx: VoiceContext, form: Mapping[str, Any], multi: Mapping[str, list[str]], key: str | None
) -> Accepted:
    """Everything a POST checks and decides before writing (runs on the writer thread)."""
    api_key = form.get("api_key")
    if not api_key:
        raise Open311Error(403, "需要 api_key api_key is required to post requests")
    client = ctx.client_id(str(api_key))
    if client is None:
        raise Open311Error(403, "api_key 无效 invalid api_key")
    if not form.get("service_code"):
        raise Open311Error(400, "需要 service_code service_code is required")
    jid = (
        _jurisdiction(ctx, str(form.get("jurisdiction_id") or ""))
        if form.get("jurisdiction_id")
        else _default_jurisdiction(ctx)
    )
    assert jid is not None
    sub = _submission(form, multi, key, client, jid)
    return accept(sub, ctx.units(), ctx.limits)


_WRITER_LOCK = threading.Lock()


def _writer(request: Request, ctx: VoiceContext) -> GroupCommit:
    """The app's group-commit writer for POSTs (made on first use, kept on ``app.state``)."""
    state = request.app.state
    w = getattr(state, "voice_writer", None)
    if w is None:
        with _WRITER_LOCK:
            w = getattr(state, "voice_writer", None)
            if w is None:
                after = _ledger_step if ledgering.enabled() else None
                w = state.voice_writer = GroupCommit(ctx.store.transaction, after=after)
    assert isinstance(w, GroupCommit)
    return w


def _ledger_step(session: Session) -> None:
    ledgering.sync(session, limit=LEDGER_STEP)


def _default_jurisdiction(ctx: VoiceContext) -> str:
    cities = [u.id for u in ctx.units().values() if u.level == "city"]
    if len(cities) != 1:
        raise Open311Error(400, "需要 jurisdiction_id jurisdiction_id is required")
    return cities[0]


def _date(name: str, v: str | None) -> dt.datetime | None:
    if v is None or v == "":
        return None
    try:
        t = dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name} 应为 W3C 时间 must be a W3C date-time: '{v}'") from None
    return t if t.tzinfo else t.replace(tzinfo=CHINA)


@router.get("/requests.{fmt}")
async def get_requests(
    fmt: str,
    ctx: Ctx,
    service_request_id: str | None = None,
    service_code: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    status: str | None = None,
    jurisdiction_id: str | None = None,
) -> Response:
    async def run() -> Response:
        now = dt.datetime.now(dt.UTC)
        ids = None
        if service_request_id:
            try:
                ids = [int(x) for x in service_request_id.split(",") if x.strip()]
            except ValueError:
                raise Open311Error(400, "service_request_id 应为编号列表 must be ids") from None
        start, end = _date("start_date", start_date), _date("end_date", end_date)
        if ids is None and start is None:
            start = (end or now) - dt.timedelta(days=MAX_DAYS)
        if start is not None and end is not None and end - start > dt.timedelta(days=MAX_DAYS):
            raise Open311Error(400, f"日期范围不能超过 {MAX_DAYS} 天 range longer than 90 days")
        statuses = [x.strip() for x in status.split(",")] if status else None
        if statuses and set(statuses) - {"open", "closed"}:
            raise Open311Error(400, "status 只能为 open 或 closed status must be open or closed")
        codes = [x.strip() for x in service_code.split(",")] if service_code else None

        def query() -> list[PublicRequest]:
            area = _jurisdiction(ctx, jurisdiction_id)
            with ctx.store.transaction() as s:
                return list_public(
                    s,
                    ctx.units(),
                    ids=ids,
                    service_codes=codes,
                    start=start,
                    end=end,
                    statuses=statuses,
                    area=area,
                )

        rows = await run_in_threadpool(query)
        return _dump(fmt, "service_requests", [render_request(r, now) for r in rows])

    return await _guard(fmt, run)


@router.get("/requests/{service_request_id}.{fmt}")
async def get_request(
    service_request_id: str,
    fmt: str,
    ctx: Ctx,
    jurisdiction_id: str | None = None,
) -> Response:
    async def run() -> Response:
        if not service_request_id.isdigit():
            raise Open311Error(
                404, f"没有该诉求 service_request_id '{service_request_id}' not found"
            )

        def query() -> PublicRequest:
            _jurisdiction(ctx, jurisdiction_id)
            with ctx.store.transaction() as s:
                return public(s, int(service_request_id), ctx.units())

        r = await run_in_threadpool(query)
        return _dump(fmt, "service_requests", [render_request(r, dt.datetime.now(dt.UTC))])

    return await _guard(fmt, run)


@router.get("/tokens/{token}.{fmt}")
async def get_token(token: str, fmt: str, ctx: Ctx) -> Response:
    async def run() -> Response:
        def query() -> int:
            with ctx.store.transaction() as s:
                return find_by_token(s, token)

        rid = await run_in_threadpool(query)
        return _dump(fmt, "service_requests", [{"service_request_id": str(rid), "token": token}])

    return await _guard(fmt, run)
