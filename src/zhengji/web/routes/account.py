"""Signing in and out, the language switch, one's own account, optional OIDC sign-on."""

from __future__ import annotations

import json
import secrets
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from zhengji.errors import ZhengjiError
from zhengji.web import accounts
from zhengji.web import audit as audit_log
from zhengji.web.deps import SESSION_COOKIE, CsrfError, Ctx, client_of, require, require_write
from zhengji.web.i18n import LANGS, language, translator
from zhengji.web.oidc import OidcConfig, authorization_request, client
from zhengji.web.pages import page, templates
from zhengji.web.roles import ALL, ROLE_NAMES

__all__ = ["router"]

router = APIRouter()
PRE_COOKIE = "zj_pre"  # login-form CSRF (double submit) before there is a session
OIDC_COOKIE = "zj_oidc"


def safe_next(nxt: str | None) -> str:
    """Only a local path may follow a login (no open redirect to another site)."""
    if not nxt or not nxt.startswith("/") or nxt.startswith("//") or "\\" in nxt:
        return "/"
    return nxt


def _login_page(request: Request, status: int = 200, error: str | None = None) -> Response:
    lang = language(request)
    pre = request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(24)
    resp = templates.TemplateResponse(
        request,
        "login.html",
        {
            "tr": translator(lang),
            "lang": lang,
            "user": None,
            "nav": [],
            "pre": pre,
            "error": error,
            "next": safe_next(request.query_params.get("next")),
            "oidc": request.app.state.oidc is not None,
            "path": "/login",
        },
        status_code=status,
    )
    resp.set_cookie(PRE_COOKIE, pre, httponly=True, samesite="strict", secure=_secure(request))
    return resp


def _secure(request: Request) -> bool:
    return bool(request.app.state.secure_cookies)


def _set_session(request: Request, resp: Response, token: str) -> None:
    resp.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=accounts.SESSION_HOURS * 3600,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/",
    )


@router.get("/login", include_in_schema=False)
def login_form(request: Request) -> Response:
    return _login_page(request)


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    pre: Annotated[str, Form(max_length=64)] = "",
    next: Annotated[str, Form(max_length=2048)] = "/",
) -> Response:
    """Sign in (form CSRF: the hidden ``pre`` field must equal the ``zj_pre`` cookie)."""
    cookie = request.cookies.get(PRE_COOKIE, "")
    if not cookie or not secrets.compare_digest(cookie.encode(), pre.encode()):
        raise CsrfError("表单已失效，请刷新页面后重试 the login form expired; reload the page")
    store = request.app.state.store
    client_addr = client_of(request)
    try:
        with store.transaction() as s:
            outcome = accounts.login(s, username, password, client_addr)
            audit_log.record(s, outcome.principal, "login", username, client_addr)
    except accounts.LoginError as exc:
        with store.transaction() as s:
            if exc.status == 401:
                accounts.record_failure(s, username, client_addr)
            audit_log.record(
                s, username, "login_failed", username, client_addr, {"status": exc.status}
            )
        return _login_page(request, exc.status, str(exc))
    resp = RedirectResponse(safe_next(next), status_code=303)
    _set_session(request, resp, outcome.token)
    resp.delete_cookie(PRE_COOKIE)
    return resp


@router.post("/logout", include_in_schema=False)
def logout(ctx: Annotated[Ctx, require_write(ALL)]) -> Response:
    with ctx.store.transaction() as s:
        accounts.end_session(s, ctx.user.session_id)
        audit_log.record(s, ctx.user, "logout", ctx.user.username, ctx.client)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


@router.get("/lang/{code}", include_in_schema=False)
def set_language(request: Request, code: str, next: str = "/") -> Response:
    resp = RedirectResponse(safe_next(next), status_code=303)
    if code in LANGS:
        resp.set_cookie("lang", code, samesite="strict", secure=_secure(request), httponly=True)
    return resp


@page(router, "/account", "account.html")
def account(ctx: Annotated[Ctx, require(ALL)]) -> dict[str, Any]:
    """One's own account: name, role, unit scope."""
    u = ctx.user
    zh, en = ROLE_NAMES[u.role]
    return {
        "username": u.username,
        "display_name": u.display_name,
        "role": u.role.value,
        "role_name": en if ctx.lang == "en" else zh,
        "unit_id": u.unit_id,
    }


@router.post("/account/password", include_in_schema=False)
def change_password(
    ctx: Annotated[Ctx, require_write(ALL)],
    current: Annotated[str, Form(max_length=1024)],
    new: Annotated[str, Form(max_length=1024)],
) -> Response:
    with ctx.store.transaction() as s:
        ok = accounts.verify_current(s, ctx.user.username, current)
    if not ok:
        raise ZhengjiError("当前密码错误 the current password is wrong")
    with ctx.store.transaction() as s:
        accounts.set_password(s, ctx.user.username, new)
        audit_log.record(s, ctx.user, "password_changed", ctx.user.username, ctx.client)
    return RedirectResponse("/login", status_code=303)


# --- optional OIDC single sign-on ----------------------------------------------------------------
def _oidc(request: Request) -> OidcConfig:
    cfg: OidcConfig | None = request.app.state.oidc
    if cfg is None:
        from zhengji.web.services import NotFoundError

        raise NotFoundError("未启用单点登录 single sign-on is not configured")
    return cfg


async def _metadata(cfg: OidcConfig) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=10) as h:
        r = await h.get(cfg.metadata_url)
        r.raise_for_status()
        data: dict[str, Any] = r.json()
        return data


@router.get("/login/oidc", include_in_schema=False)
async def oidc_start(request: Request) -> Response:
    cfg = _oidc(request)
    meta = await _metadata(cfg)
    url, remember = authorization_request(cfg, meta, str(request.url_for("oidc_callback")))
    resp = RedirectResponse(url, status_code=303)
    resp.set_cookie(
        OIDC_COOKIE, remember, max_age=600, httponly=True, samesite="lax", secure=_secure(request)
    )
    return resp


@router.get("/login/oidc/callback", include_in_schema=False, name="oidc_callback")
async def oidc_callback(request: Request, code: str = "", state: str = "") -> Response:
    from joserfc import jwt
    from joserfc.jwk import KeySet

    cfg = _oidc(request)
    try:
        remembered = json.loads(request.cookies.get(OIDC_COOKIE, "{}"))
    except ValueError:
        remembered = {}
    if not state or not secrets.compare_digest(
        state.encode(), str(remembered.get("state", "")).encode()
    ):
        raise CsrfError("单点登录状态不符 OIDC state mismatch; start the sign-in again")
    meta = await _metadata(cfg)
    c = client(cfg, str(request.url_for("oidc_callback")))
    token = await c.fetch_token(
        meta["token_endpoint"], code=code, code_verifier=remembered.get("verifier")
    )
    async with httpx.AsyncClient(timeout=10) as h:
        jwks = (await h.get(meta["jwks_uri"])).json()
    decoded = jwt.decode(token["id_token"], KeySet.import_key_set(jwks))
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": meta.get("issuer", cfg.issuer)},
        aud={"essential": True, "value": cfg.client_id},
        nonce={"essential": True, "value": remembered.get("nonce")},
        exp={"essential": True},
    ).validate(decoded.claims)
    claims = decoded.claims
    username = str(claims.get(cfg.username_claim, ""))
    store = request.app.state.store
    with store.transaction() as s:
        outcome = accounts.open_session_for(s, username)
        audit_log.record(s, outcome.principal, "login_oidc", username, client_of(request))
    resp = RedirectResponse("/", status_code=303)
    _set_session(request, resp, outcome.token)
    resp.delete_cookie(OIDC_COOKIE)
    return resp
