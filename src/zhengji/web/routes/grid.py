"""Pages of grassroots governance 一中心一张网十联户: the grid tree, one node, the centre's dispatch
view, the dispute lists and one dispute with its steps. The read models are
:mod:`zhengji.grid.views`; this module maps a role to what it may see and renders.

Who sees what (the rules of the steps themselves are :mod:`zhengji.grid.disputes`):

* ``centre`` (综治中心): grids and disputes of the townships under their unit; assigns,
  escalates, records follow-ups and closing; sees parties. It acts in the core as the person
  holding the ``centre`` role at its unit (the audit row names the web account);
* ``grid_worker`` (网格员): only their grid (``subject``): groups, households, visits, disputes
  located in it — never the parties or the notes;
* ``mediator`` (调解员): only disputes assigned to them (``subject`` = person id); records
  sessions, outcomes, follow-ups; escalates;
* ``admin``: everything, acting as the centre of the dispute's county; ``inspector``: reads all,
  never parties or notes, acts on nothing. Other roles: 403.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from zhengji.demo.grid import LABEL as DEMO_LABEL
from zhengji.errors import PermissionDenied
from zhengji.grid import disputes, mediation, views
from zhengji.grid.roster import Where, locate_grid
from zhengji.store.schema_grid import GridDisputeRow
from zhengji.web import audit as audit_log
from zhengji.web.deps import (
    Ctx,
    Limit,
    OptText,
    PathId,
    PathText,
    require,
    require_write,
    wants_html,
)
from zhengji.web.pages import nav, page
from zhengji.web.roles import Role
from zhengji.web.services import NotFoundError

__all__ = ["ASSIGNERS", "CASE_ROLES", "ESCALATORS", "PARTY_ROLES", "TREE_ROLES", "router"]

router = APIRouter()

#: The grid tree and a node's page.
TREE_ROLES = frozenset({Role.admin, Role.inspector, Role.centre, Role.grid_worker})
#: The centre's dispatch view.
DISPATCH_ROLES = frozenset({Role.admin, Role.inspector, Role.centre})
#: Dispute lists and one dispute (each scoped).
CASE_ROLES = frozenset({Role.admin, Role.inspector, Role.centre, Role.grid_worker, Role.mediator})
#: See parties, notes, summaries and people's names (the core decides parties case by case).
PARTY_ROLES = frozenset({Role.admin, Role.centre, Role.mediator})
#: Assign a mediator; record a step (sessions and outcomes: the handling mediator only, follow-up
#: and closing: also the centre — :func:`zhengji.grid.disputes.act` decides); escalate.
ASSIGNERS = frozenset({Role.admin, Role.centre})
RECORDERS = frozenset({Role.admin, Role.centre, Role.mediator})  # the core decides each step
ESCALATORS = frozenset({Role.admin, Role.centre, Role.mediator})
#: May see people's names (grid workers, lead households) on a node's page.
NAME_ROLES = frozenset({Role.admin, Role.centre, Role.grid_worker})

nav("/grid", "网格治理", "Grid governance", TREE_ROLES, order=70)
nav("/grid/dispatch", "纠纷调度", "Dispatch", DISPATCH_ROLES, order=71)
nav("/grid/disputes", "纠纷案件", "Disputes", CASE_ROLES, order=72)

MAIN_INDICATORS = ("grid_visit_coverage", "grid_found_first", "grid_mediation_success")
RECORD_ACTIONS = ("session", "agree", "refer", "follow_up", "close")
#: Levels the HTML tree shows below its top nodes; deeper ones load when a node is opened.
LAZY_DEPTH = 1
Depth = Annotated[int | None, Query(ge=0, le=4)]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _synthetic(s: Session) -> bool:
    return views.synthetic(s, DEMO_LABEL)


# ---- scope ---------------------------------------------------------------------------------


def _scope(ctx: Ctx, s: Session) -> views.Scope:
    """What this account may see, as the read models take it."""
    role = ctx.user.role
    if role is Role.mediator:
        return views.Scope(mediator=ctx.user.subject or "")
    if role is Role.grid_worker:
        return views.Scope(grid=ctx.user.subject or "")
    if role is not Role.centre:
        return views.Scope()
    towns = {t: c for t, c in views.townships(s).items() if ctx.can_see(t)}
    counties = {c for c in towns.values() if ctx.can_see(c)}
    roots = counties | {t for t, c in towns.items() if c not in counties}
    return views.Scope(roots=tuple(sorted(roots, key=views.natural)))


def _sees_grid(ctx: Ctx, w: Where) -> bool:
    role = ctx.user.role
    if role is Role.centre:
        return ctx.can_see(w.township_id)
    if role is Role.grid_worker:
        return w.grid_id == ctx.user.subject
    return role in (Role.admin, Role.inspector)


def _refuse(what: str) -> PermissionDenied:
    return PermissionDenied(
        f"无权访问 you may not see {what}: a centre sees its own unit's grids, a grid worker "
        "only their grid, a mediator only the disputes assigned to them"
    )


def _dispute(ctx: Ctx, s: Session, dispute_id: int) -> Where:
    """Where the dispute is, if this user may see it (404 unknown, 403 out of scope)."""
    d = s.get(GridDisputeRow, dispute_id)
    if d is None:
        raise NotFoundError(f"没有该纠纷 no dispute {dispute_id}")
    w = locate_grid(s, d.grid_id)
    if ctx.user.role is Role.mediator:
        ok = views.ever_assigned(s, dispute_id, ctx.user.subject or "")
    else:
        ok = _sees_grid(ctx, w)
    if not ok:
        raise _refuse(f"dispute {dispute_id}")
    return w


def _actor(ctx: Ctx, s: Session, w: Where) -> str:
    """The person id the core sees acting for this account."""
    if ctx.user.role is Role.mediator:
        return ctx.user.subject or ""
    if ctx.user.role is Role.centre:
        return views.centre_person(s, ctx.user.unit_id)
    if ctx.user.role is Role.admin:
        return views.centre_person(s, w.county_id)
    return ""  # reads only: never a person, so the core shows no parties


def _place(ctx: Ctx, s: Session, scope: views.Scope, unit_id: str) -> views.Place:
    """The unit's place if this user may see it (404 unknown, 403 out of scope)."""
    p = views.place(s, unit_id)
    if p is None:
        raise NotFoundError(
            f"没有该网格单位 no county, township, village, grid or group '{unit_id}'"
        )
    if not views.visible(scope, p):
        raise _refuse(f"unit '{unit_id}'")
    return p


def _shallow(n: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in n.items() if k != "children"}


# ---- pages ---------------------------------------------------------------------------------


@page(router, "/grid", "grid_tree.html")
def tree(
    ctx: Annotated[Ctx, require(TREE_ROLES)],
    period: OptText = None,
    under: OptText = None,
    depth: Depth = None,
) -> dict[str, Any]:
    """The grid tree (county → township → village → grid → ten-household groups) this user may
    see, with counts, open and overdue disputes and the period's indicators; from ``under``
    when given, ``depth`` levels down (the HTML page: one level, the rest loads when a node is
    opened; the JSON twin: the whole tree unless ``depth`` is given)."""
    if depth is None and not ctx.request.url.path.endswith(".json"):
        depth = LAZY_DEPTH
    with ctx.store.transaction() as s:
        p = views.pick_period(s, period, _now())
        scope = _scope(ctx, s)
        if under:
            _place(ctx, s, scope, under)
        roots, _ = views.tree(s, scope, p, _now(), under=under or None, depth=depth)
        synthetic = _synthetic(s)
    return {
        "period": p,
        "under": under or None,
        "depth": depth,
        "tree": roots,
        "indicators": views.indicator_meta(ctx.lang),
        "main_indicators": list(MAIN_INDICATORS),
        "run": {"synthetic": synthetic},
    }


@page(router, "/grid/units/{unit_id}", "grid_unit.html", audit="read:grid_unit")
def unit(
    unit_id: PathText,
    ctx: Annotated[Ctx, require(TREE_ROLES)],
    period: OptText = None,
    limit: Limit = 200,
) -> dict[str, Any]:
    """One node of the tree: counts, every indicator, its children; for a grid (or a group) its
    groups, households, role holders, the period's visits and issues found; its disputes."""
    now = _now()
    with ctx.store.transaction() as s:
        p = views.pick_period(s, period, now)
        scope = _scope(ctx, s)
        where = _place(ctx, s, scope, unit_id)
        grid = where.up("grid")
        top = grid if where.level == "group" and grid else unit_id
        nodes = views.tree(s, scope, p, now, under=top, depth=1)[1]
        n = nodes.get(unit_id)
        if n is None:  # a unit without grids under it
            raise NotFoundError(f"该单位下没有网格 no grid under '{unit_id}'")
        path = [
            {"id": i, "name": name, "level": level}
            for k, (i, name, level) in enumerate(where.chain[:-1])
            if views.visible(scope, views.Place(level, where.chain[: k + 1]))
        ]
        groups = (
            [n] if n["level"] == "group" else [c for c in n["children"] if c["level"] == "group"]
        )
        homes = views.households(s, [g["id"] for g in groups]) if grid else {}
        names = ctx.user.role in NAME_ROLES
        people = views.people(s, [grid, *(g["id"] for g in groups)], names) if grid else []
        visits = views.visits(s, grid, p, limit) if grid else []
        issues = views.issues_found(s, grid, p) if grid else None
        cases = sorted(views.cases(s, scope, ctx.lang, now, under=[top]), key=views.urgency)
        synthetic = _synthetic(s)
    return {
        "period": p,
        "unit": _shallow(n),
        "path": path,
        "children": [_shallow(c) for c in n["children"]],
        "groups": [_shallow(g) | {"households_list": homes.get(g["id"], [])} for g in groups],
        "people": people,
        "names_shown": names,
        "visits": visits,
        "issues_found": issues,
        "disputes": cases[:limit],
        "indicators": views.indicator_meta(ctx.lang),
        "run": {"synthetic": synthetic},
    }


@page(router, "/grid/dispatch", "grid_dispatch.html")
def dispatch(ctx: Annotated[Ctx, require(DISPATCH_ROLES)], limit: Limit = 500) -> dict[str, Any]:
    """The centre's dispatch view: open disputes in scope, undecided ones first by deadline and
    risk, overdue and escalated marked, with the mediators each may be assigned to."""
    with ctx.store.transaction() as s:
        rows = views.cases(s, _scope(ctx, s), ctx.lang, _now(), open_only=True)
        cases = sorted(rows, key=views.urgency)[:limit]
        meds = views.mediators(s, {views.level_unit(c) for c in cases})
        synthetic = _synthetic(s)
    may_assign = ctx.user.role in ASSIGNERS
    for c in cases:
        c["assignable"] = may_assign and views.allowed(c["state"], "assign")
        c["mediators"] = meds.get(views.level_unit(c), []) if c["assignable"] else []
    return {
        "disputes": cases,
        "counts": {
            "open": len(cases),
            "unassigned": sum(c["state"] == "registered" for c in cases),
            "overdue": sum(c["overdue"] for c in cases),
            "escalated": sum(c["escalated"] for c in cases),
        },
        "run": {"synthetic": synthetic},
    }


@page(router, "/grid/disputes", "grid_disputes.html")
def dispute_list(
    ctx: Annotated[Ctx, require(CASE_ROLES)],
    status: OptText = None,
    unit: OptText = None,
    limit: Limit = 500,
) -> dict[str, Any]:
    """A mediator's open cases (:func:`zhengji.grid.disputes.mediator_cases`); for the centre
    every dispute in scope, a grid worker those of their grid; ``status`` open | closed."""
    with ctx.store.transaction() as s:
        rows = views.cases(
            s, _scope(ctx, s), ctx.lang, _now(), under=[unit] if unit else None,
            open_only=status == "open",
        )  # fmt: skip
        synthetic = _synthetic(s)
    if status in ("open", "closed"):
        rows = [c for c in rows if c["open"] == (status == "open")]
    rows.sort(key=lambda c: (0, *views.urgency(c)) if c["open"] else (1, -c["id"]))
    return {
        "disputes": rows[:limit],
        "total": len(rows),
        "status": status if status in ("open", "closed") else None,
        "unit": unit,
        "mine": ctx.user.role is Role.mediator,
        "run": {"synthetic": synthetic},
    }


def _actions(ctx: Ctx, v: disputes.CaseView) -> list[str]:
    """The steps this user may try now (the core checks again when they are taken)."""
    role, case = ctx.user.role, v.case
    if role in ASSIGNERS:
        wanted: tuple[str, ...] = ("assign", "escalate", "follow_up", "close")
    elif role is Role.mediator and case.mediator_id == ctx.user.subject:
        wanted = (*RECORD_ACTIONS, "escalate")
    else:
        return []
    return [
        a
        for a in wanted
        if views.allowed(case.state, a, case.level, case.follow_ups)
        and not (a == "escalate" and case.level == "county")
    ]


@page(router, "/grid/disputes/{dispute_id}", "grid_dispute.html", audit="read:dispute")
def dispute_detail(dispute_id: PathId, ctx: Annotated[Ctx, require(CASE_ROLES)]) -> dict[str, Any]:
    """One dispute: its facts, the timeline of its steps, the parties (only for the handling
    mediator, the centre and the admin: :func:`zhengji.grid.disputes.case_view` decides) and the
    steps this user may take."""
    lang = ctx.lang
    with ctx.store.transaction() as s:
        w = _dispute(ctx, s, dispute_id)
        viewer = _actor(ctx, s, w) if ctx.user.role in PARTY_ROLES else ""
        v = disputes.case_view(s, dispute_id, viewer)
        shown = v.parties is not None and ctx.user.role in PARTY_ROLES
        facts = views.dispute(s, v, w, shown, lang, _now())
        events = views.events(s, dispute_id, shown, lang)
        actions = _actions(ctx, v)
        unit = {"village": w.village_id, "township": w.township_id}.get(v.case.level, w.county_id)
        meds = views.mediators(s, [unit])[unit] if "assign" in actions else []
        synthetic = _synthetic(s)
    return {
        "dispute": facts,
        "parties": [
            {"name": p.name, "phone": p.phone, "household_id": p.household_id}
            for p in (v.parties or ())
        ]
        if shown
        else None,
        "events": events,
        "actions": [{"id": a, "name": views.label(mediation.ACTIONS[a], lang)} for a in actions],
        "mediators": meds,
        "outcomes": [
            {"id": k, "name": views.label(t, lang)}
            for k, t in mediation.OUTCOMES.items()
            if k != "agreement"
        ],
        "run": {"synthetic": synthetic},
    }


# ---- steps ---------------------------------------------------------------------------------


def _step(
    ctx: Ctx,
    request: Request,
    dispute_id: int,
    action: str,
    *,
    mediator_id: str | None = None,
    outcome: str | None = None,
    note: str | None = None,
) -> Response:
    """One step through :func:`zhengji.grid.disputes.act` and its audit row, one transaction."""
    with ctx.store.transaction() as s:
        w = _dispute(ctx, s, dispute_id)
        actor = _actor(ctx, s, w)
        case = disputes.act(
            s, dispute_id, action, actor=actor, at=_now(), mediator_id=mediator_id,
            outcome=outcome, note=note,
        )  # fmt: skip
        audit_log.record(
            s,
            ctx.user,
            f"grid_{action}",
            f"dispute={dispute_id}",
            ctx.client,
            {"as": actor, "state": case.state, "level": case.level, "mediator": case.mediator_id},
        )
    if not wants_html(request):
        return JSONResponse(
            {
                "dispute_id": dispute_id,
                "action": action,
                "state": case.state,
                "level": case.level,
                "mediator_id": case.mediator_id,
            }
        )
    return RedirectResponse(f"/grid/disputes/{dispute_id}", status_code=303)


Note = Annotated[str, Form(max_length=2000)]


@router.post("/grid/disputes/{dispute_id}/assign", include_in_schema=False)
def assign(
    ctx: Annotated[Ctx, require_write(ASSIGNERS)],
    request: Request,
    dispute_id: PathId,
    mediator_id: Annotated[str, Form(min_length=1, max_length=64)],
    note: Note = "",
) -> Response:
    """指派调解员 Assign a mediator of the case's level (the centre, the admin)."""
    return _step(ctx, request, dispute_id, "assign", mediator_id=mediator_id, note=note or None)


@router.post("/grid/disputes/{dispute_id}/record", include_in_schema=False)
def record(
    ctx: Annotated[Ctx, require_write(RECORDERS)],
    request: Request,
    dispute_id: PathId,
    action: Annotated[Literal["session", "agree", "refer", "follow_up", "close"], Form()],
    outcome: Annotated[Literal["court", "arbitration"] | None, Form()] = None,
    note: Note = "",
) -> Response:
    """调解/协议/引导/回访/结案 A session, an outcome, a follow-up or closing, by the handling
    mediator."""
    return _step(
        ctx, request, dispute_id, action, outcome=outcome if action == "refer" else None,
        note=note or None,
    )  # fmt: skip


@router.post("/grid/disputes/{dispute_id}/escalate", include_in_schema=False)
def escalate(
    ctx: Annotated[Ctx, require_write(ESCALATORS)],
    request: Request,
    dispute_id: PathId,
    note: Annotated[str, Form(min_length=1, max_length=2000)],
) -> Response:
    """上报 Escalate one level (the handling mediator, the centre, the admin); a reason is
    required."""
    return _step(ctx, request, dispute_id, "escalate", note=note)
