"""Integrity findings and their review: explain (the unit), confirm or dismiss (the office).

Workflow rules and the veto on confirmation are :mod:`zhengji.store.findings`; this module
adds who may do what: a reporter sees and explains only their own unit's findings, the
assessment office confirms or dismisses, inspectors and assessors read.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy import func, select
from starlette.responses import Response

from zhengji.errors import PermissionDenied
from zhengji.store import findings as findings_ops
from zhengji.store.findings import STATE_ZH, StoredFinding
from zhengji.store.schema import FindingRow, SchemeVersionRow, ScreenRow
from zhengji.web import audit as audit_log
from zhengji.web.deps import Ctx, OptId, PathId, require, require_write, wants_html
from zhengji.web.evidence import evidence_chart
from zhengji.web.pages import nav, page
from zhengji.web.roles import STAFF, Role
from zhengji.web.services import NotFoundError

__all__ = ["router"]

router = APIRouter()
nav("/findings", "数据核查", "Integrity", STAFF, order=50)
WHO_MAY = {
    "explain": frozenset({Role.admin, Role.reporter}),
    "confirm": frozenset({Role.admin}),
    "dismiss": frozenset({Role.admin}),
    "withdraw": frozenset({Role.admin}),
}
STATE_EN = {
    "open": "open",
    "explained": "explained",
    "confirmed": "confirmed",
    "dismissed": "dismissed",
    "withdrawn": "withdrawn",
}


def _row(f: StoredFinding, lang: str) -> dict[str, Any]:
    return {
        "id": f.id,
        "screen_id": f.screen_id,
        "unit_id": f.unit_id,
        "indicator_id": f.indicator_id,
        "periods": list(f.periods),
        "check": f.check,
        "statistic": f.statistic,
        "p_value": f.p_value,
        "q_value": f.q_value,
        "severity": f.severity,
        "summary": f.summary_en if lang == "en" else f.summary_zh,
        "state": f.state,
        "state_name": STATE_EN[f.state] if lang == "en" else STATE_ZH[f.state],
    }


def _screens(ctx: Ctx) -> list[dict[str, Any]]:
    with ctx.store.transaction() as s:
        q = (
            select(
                ScreenRow.id,
                SchemeVersionRow.scheme_id,
                ScreenRow.created_at,
                func.count(FindingRow.id),
            )
            .join(SchemeVersionRow, ScreenRow.scheme_version_id == SchemeVersionRow.id)
            .outerjoin(FindingRow, FindingRow.screen_id == ScreenRow.id)
            .group_by(ScreenRow.id, SchemeVersionRow.scheme_id, ScreenRow.created_at)
            .order_by(ScreenRow.id.desc())
        )
        return [
            {"id": i, "scheme_id": sid, "created_at": at, "findings": n}
            for i, sid, at, n in s.execute(q)
        ]


@page(router, "/findings", "findings.html", audit="read:findings")
def findings(ctx: Annotated[Ctx, require(STAFF)], screen: OptId = None) -> dict[str, Any]:
    """Findings of a screen (default: the newest) that this user may see, with their state."""
    screens = _screens(ctx)
    rows = ctx.store.findings(screen) if screens else []
    if screen is not None and not any(s["id"] == screen for s in screens):
        raise NotFoundError(f"没有该筛查 no screen {screen}")
    visible = [_row(f, ctx.lang) for f in rows if ctx.can_see(f.unit_id)]
    return {
        "screens": screens,
        "screen": screen or (screens[0]["id"] if screens else None),
        "findings": visible,
    }


def _finding(ctx: Ctx, finding_id: int) -> StoredFinding:
    found = ctx.store.findings(finding_id=finding_id)
    if not found:
        raise NotFoundError(f"没有该线索 no finding #{finding_id}")
    f = found[0]
    ctx.check_unit(f.unit_id)
    return f


@page(router, "/findings/{finding_id}", "finding.html", audit="read:finding")
def finding(finding_id: PathId, ctx: Annotated[Ctx, require(STAFF)]) -> dict[str, Any]:
    f = _finding(ctx, finding_id)
    allowed = [a for a, roles in WHO_MAY.items() if ctx.user.role in roles]
    actions = [a for a in allowed if f.state in findings_ops.ACTIONS[a][0]]
    if f.unit_id.startswith("*"):
        actions = [a for a in actions if a != "confirm"]
    return {
        "finding": _row(f, ctx.lang) | {"evidence": dict(f.evidence)},
        "chart": evidence_chart(f.check, f.evidence),
        "events": [
            {"action": a, "actor": who, "text": text, "at": at} for a, who, text, at in f.events
        ],
        "actions": actions,
    }


@router.post("/findings/{finding_id}/{action}", include_in_schema=False)
def act(
    ctx: Annotated[Ctx, require_write(STAFF)],
    request: Request,
    finding_id: PathId,
    action: str,
    text: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Record a review step (one transaction with its audit row); confirm records the veto."""
    if action not in WHO_MAY:
        raise NotFoundError(f"未知操作 unknown action '{action}'")
    if ctx.user.role not in WHO_MAY[action]:
        raise PermissionDenied(
            f"无权操作 your role ({ctx.user.role.value}) may not {action} a finding"
        )
    _finding(ctx, finding_id)
    actor = f"{ctx.user.display_name} ({ctx.user.username})"
    with ctx.store.transaction() as s:
        state = findings_ops.act_on_finding(s, None, finding_id, action, actor, text)
        audit_log.record(
            s, ctx.user, f"finding_{action}", f"finding={finding_id}", ctx.client, {"state": state}
        )
    if not wants_html(request):
        return JSONResponse({"finding_id": finding_id, "state": state})
    return RedirectResponse(f"/findings/{finding_id}", status_code=303)
