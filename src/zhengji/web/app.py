"""The application factory: ``create_app(store) -> FastAPI``.

One place maps our errors to HTTP (Starlette's handler lookup by class): not signed in → 401
(a browser page is redirected to ``/login``), wrong role or unit → 403, CSRF → 403, unknown
record → 404, bad input (:class:`DataError`, :class:`SchemeError`, …) → 400/422 with the
problems. Every response carries a strict Content-Security-Policy: scripts and styles come
only from ``/static`` (the vendored htmx and ECharts), nothing from another origin.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from zhengji import __version__
from zhengji.errors import (
    DataError,
    PermissionDenied,
    SchemeError,
    StoreError,
    ZhengjiError,
)
from zhengji.store import Store
from zhengji.web.deps import CsrfError, NotSignedInError, SeeOtherError, wants_html
from zhengji.web.oidc import OidcConfig
from zhengji.web.pages import templates
from zhengji.web.services import NotFoundError, Views

__all__ = ["app_routes", "create_app"]

STATIC = Path(__file__).parent / "static"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def create_app(
    store: str | Store | None = None,
    *,
    oidc: OidcConfig | None = None,
    secure_cookies: bool = True,
) -> FastAPI:
    """The web application over ``store`` (a Store, a database URL, or the default URL).

    ``secure_cookies`` marks the session cookie ``Secure`` (browsers still send it to
    ``http://127.0.0.1``, which they treat as a secure context); turn it off only for a test
    client that speaks plain HTTP to a non-loopback name.
    """
    st = store if isinstance(store, Store) else Store.open(store)
    app = FastAPI(
        title="zhengji 政绩 — 考核评价 JSON API",
        version=__version__,
        description="Every page of the web app has a JSON twin at the same path + `.json`.",
        docs_url=None,  # Swagger UI loads from a CDN; the schema is at /openapi.json
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.store = st
    app.state.views = Views(st)
    app.state.oidc = oidc
    app.state.secure_cookies = secure_cookies
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _handlers(app)
    _headers(app)
    from zhengji.web.routes import ROUTERS

    for router in ROUTERS:
        app.include_router(router)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Commit citizens' request events to the ledger every few seconds while serving
    (``zhengji.voice.app.ledger_loop``), and what is left when the server stops."""
    import asyncio
    from contextlib import suppress

    from starlette.concurrency import run_in_threadpool

    from zhengji.voice import ledgering
    from zhengji.voice.app import ledger_loop
    from zhengji.voice.context import VoiceContext, install

    voice = getattr(app.state, "voice", None)
    if not isinstance(voice, VoiceContext):
        voice = install(app, app.state.store)
    task = asyncio.create_task(ledger_loop(voice)) if ledgering.enabled() else None
    yield
    if task is not None:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        await run_in_threadpool(voice.sync_ledger)


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/open311") and wants_html(request)


def _error(request: Request, status: int, message: str, problems: Any = None) -> Response:
    if _wants_html(request):
        from zhengji.web.i18n import language, translator

        lang = language(request)
        return templates.TemplateResponse(
            request,
            "error.html",
            {
                "status": status,
                "message": message,
                "problems": problems or [],
                "tr": translator(lang),
                "lang": lang,
                "user": None,
                "nav": [],
                "path": request.url.path,
            },
            status_code=status,
        )
    body: dict[str, Any] = {"error": message, "status": status}
    if problems:
        body["problems"] = problems
    return JSONResponse(body, status_code=status)


def _handlers(app: FastAPI) -> None:
    async def not_signed_in(request: Request, exc: Exception) -> Response:
        if _wants_html(request) and request.method == "GET":
            nxt = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
            return RedirectResponse(f"/login?next={nxt}", status_code=303)
        return _error(request, 401, str(exc))

    async def see_other(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SeeOtherError)
        return RedirectResponse(exc.location, status_code=303)

    async def forbidden(request: Request, exc: Exception) -> Response:
        return _error(request, 403, str(exc))

    async def not_found(request: Request, exc: Exception) -> Response:
        return _error(request, 404, str(exc))

    async def data_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DataError)
        problems = [{"file": f, "row": r, "column": c, "message": m} for f, r, c, m in exc.problems]
        return _error(request, 422, str(exc).split("\n")[0], problems)

    async def scheme_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SchemeError)
        problems = [{"key": k, "message": m} for k, m in exc.problems]
        return _error(request, 422, str(exc).split("\n")[0], problems)

    async def bad_input(request: Request, exc: Exception) -> Response:
        return _error(request, 400, str(exc))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return _error(request, exc.status_code, str(exc.detail))

    table: dict[type[Exception], Callable[[Request, Exception], Awaitable[Response]]] = {
        NotSignedInError: not_signed_in,
        SeeOtherError: see_other,
        PermissionDenied: forbidden,
        CsrfError: forbidden,
        NotFoundError: not_found,
        DataError: data_error,
        SchemeError: scheme_error,
        StoreError: bad_input,
        ZhengjiError: bad_input,
        StarletteHTTPException: http_error,
    }
    for cls, handler in table.items():
        app.add_exception_handler(cls, handler)


def _headers(app: FastAPI) -> None:
    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("X-Frame-Options", "DENY")
        if isinstance(response, HTMLResponse) or h.get("content-type", "").startswith("text/html"):
            h.setdefault("Cache-Control", "no-store")
        return response


def app_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every ``(method, path)`` the app serves (not static files), for tests and docs."""
    from fastapi.routing import APIRoute

    out: list[tuple[str, str]] = []

    def walk(routes: Any, prefix: str) -> None:
        for r in routes:
            if hasattr(r, "effective_route_contexts"):
                for c in r.effective_route_contexts():
                    if isinstance(c.original_route, APIRoute):
                        out.extend((m, c.path) for m in sorted(c.original_route.methods or ()))
            elif isinstance(r, APIRoute):
                out.extend((m, prefix + r.path) for m in sorted(r.methods or ()))

    walk(app.routes, "")
    return sorted(set(out))
