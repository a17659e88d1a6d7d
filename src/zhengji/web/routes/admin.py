"""Accounts (the assessment office) and the audit log (office and inspectors)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.responses import Response

from zhengji.web import accounts
from zhengji.web import audit as audit_log
from zhengji.web.deps import Ctx, Limit, OptText, require, require_write, wants_html
from zhengji.web.pages import nav, page
from zhengji.web.roles import ROLE_NAMES, Role

__all__ = ["router"]

router = APIRouter()
ADMIN = frozenset({Role.admin})
AUDITORS = frozenset({Role.admin, Role.inspector})
nav("/admin/users", "账户", "Accounts", ADMIN, order=80)
nav("/audit", "审计日志", "Audit log", AUDITORS, order=90)


def _done(request: Request, body: dict[str, Any], to: str) -> Response:
    if not wants_html(request):
        return JSONResponse(body)
    return RedirectResponse(to, status_code=303)


@page(router, "/admin/users", "users.html", audit="read:users")
def users(ctx: Annotated[Ctx, require(ADMIN)]) -> dict[str, Any]:
    with ctx.store.transaction() as s:
        rows = accounts.list_users(s)
    return {
        "users": rows,
        "roles": [
            {"id": r.value, "name": ROLE_NAMES[r][1 if ctx.lang == "en" else 0]} for r in Role
        ],
    }


@router.post("/admin/users", include_in_schema=False)
def add_user(
    ctx: Annotated[Ctx, require_write(ADMIN)],
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    role: Annotated[str, Form(max_length=16)],
    unit_id: Annotated[str, Form(max_length=64)] = "",
    display_name: Annotated[str, Form(max_length=128)] = "",
    subject: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    with ctx.store.transaction() as s:
        info = accounts.add_user(
            s, username, password, role, unit_id or None, display_name or None, subject or None
        )
        audit_log.record(
            s,
            ctx.user,
            "user_add",
            username,
            ctx.client,
            {"role": role, "unit_id": unit_id, "subject": subject},
        )
    return _done(request, {"user_id": info.id}, "/admin/users")


@router.post("/admin/users/{username}/password", include_in_schema=False)
def reset_password(
    ctx: Annotated[Ctx, require_write(ADMIN)],
    request: Request,
    username: str,
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    with ctx.store.transaction() as s:
        accounts.set_password(s, username, password)
        audit_log.record(s, ctx.user, "user_password", username, ctx.client)
    return _done(request, {"username": username}, "/admin/users")


@router.post("/admin/users/{username}/active", include_in_schema=False)
def set_active(
    ctx: Annotated[Ctx, require_write(ADMIN)],
    request: Request,
    username: str,
    active: Annotated[bool, Form()],
) -> Response:
    with ctx.store.transaction() as s:
        accounts.set_active(s, username, active)
        audit_log.record(s, ctx.user, "user_active", username, ctx.client, {"active": active})
    return _done(request, {"username": username, "active": active}, "/admin/users")


@page(router, "/audit", "audit.html", audit="read:audit")
def audit(
    ctx: Annotated[Ctx, require(AUDITORS)], actor: OptText = None, limit: Limit = 200
) -> dict[str, Any]:
    """The newest audit rows (who read or changed what, when, from where)."""
    with ctx.store.transaction() as s:
        return {"entries": audit_log.list_audit(s, limit, actor), "actor": actor}
