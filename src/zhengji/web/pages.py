"""How a page is declared: one view function, an HTML page and its JSON twin, a nav entry.

::

    router = APIRouter()

    @page(router, "/units/{unit_id}", "unit.html", audit="read:unit")
    def unit(unit_id: str, ctx: Ctx = require(ALL)) -> dict[str, Any]:
        ctx.check_unit(unit_id)
        return {...}          # what both the template and the JSON twin get

registers ``GET /units/{unit_id}`` (HTML, rendered with ``data`` = the dict) and
``GET /units/{unit_id}.json`` (the dict as JSON, in the OpenAPI schema) — datasette's twins
(the twin of ``/`` is ``/index.json``).
With ``audit=`` every read (HTML or JSON) appends an audit row naming the path parameters.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from zhengji.report.labels import fmt
from zhengji.web import audit as audit_log
from zhengji.web.roles import Role

__all__ = ["NAV", "NavItem", "nav", "page", "render", "templates"]

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.filters["num"] = fmt
templates.env.filters["pct"] = lambda v, d=1: "—" if v is None or v != v else f"{100 * v:.{d}f}%"
templates.env.globals["ROLE"] = Role


@dataclass(frozen=True)
class NavItem:
    path: str
    zh: str
    en: str
    roles: frozenset[Role]
    order: int


NAV: list[NavItem] = []


def nav(path: str, zh: str, en: str, roles: Iterable[Role], order: int = 50) -> None:
    """Add an entry to the top navigation, shown to ``roles`` only."""
    NAV[:] = sorted(
        [n for n in NAV if n.path != path] + [NavItem(path, zh, en, frozenset(roles), order)],
        key=lambda n: n.order,
    )


def render(ctx: Any, template: str, data: Any, status: int = 200) -> Response:
    """Render ``template`` with the page context (user, language, nav, CSRF token)."""
    from zhengji.demo import SYNTHETIC_LABEL

    context = {
        "ctx": ctx,
        "user": ctx.user,
        "tr": ctx.tr,
        "lang": ctx.lang,
        "data": data,
        "nav": [n for n in NAV if ctx.user.role in n.roles],
        "csrf_token": ctx.user.csrf_token,
        "synthetic_label": SYNTHETIC_LABEL,
        "path": ctx.request.url.path,
    }
    return templates.TemplateResponse(ctx.request, template, context, status_code=status)


def _audit(ctx: Any, action: str | None, kwargs: dict[str, Any]) -> None:
    if action is None:
        return
    target = ",".join(f"{k}={v}" for k, v in kwargs.items() if k != "ctx" and v is not None)
    with ctx.store.transaction() as s:
        audit_log.record(s, ctx.user, action, target or ctx.request.url.path, ctx.client)


def page(
    router: APIRouter, path: str, template: str, *, audit: str | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a view as an HTML page at ``path`` and its JSON twin at ``path + ".json"``."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def as_json(**kwargs: Any) -> Response:
            data = fn(**kwargs)
            _audit(kwargs["ctx"], audit, kwargs)
            return JSONResponse(jsonable_encoder(data))

        @functools.wraps(fn)
        def as_html(**kwargs: Any) -> Response:
            data = fn(**kwargs)
            _audit(kwargs["ctx"], audit, kwargs)
            return render(kwargs["ctx"], template, data)

        name = fn.__name__
        router.add_api_route(
            "/index.json" if path == "/" else path + ".json",
            as_json,
            methods=["GET"],
            name=f"{name}_json",
            response_model=None,
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
