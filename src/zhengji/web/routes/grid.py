"""Pages of grassroots governance 一中心一张网十联户: the grid tree, one node, the centre's dispatch
view, the dispute lists and one dispute with its steps.

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
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.orm import Session
from starlette.responses import Response

from zhengji.demo.grid import LABEL as DEMO_LABEL
from zhengji.errors import DataError, PermissionDenied
from zhengji.grid import disputes, mediation
from zhengji.grid.facts import indicator_rows
from zhengji.grid.indicators import INDICATORS, period_bounds
from zhengji.grid.roster import Where, locate_grid
from zhengji.store.schema_grid import (
    GridDisputeEventRow,
    GridDisputeRow,
    GridGroupRow,
    GridHouseholdRow,
    GridPersonRow,
    GridRoleRow,
    GridRow,
    GridVillageRow,
    GridVisitRow,
)
from zhengji.voice.units import load_units
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

nav("/grid", "网格治理", "Grid governance", TREE_ROLES, order=70)
nav("/grid/dispatch", "纠纷调度", "Dispatch", DISPATCH_ROLES, order=71)
nav("/grid/disputes", "纠纷案件", "Disputes", CASE_ROLES, order=72)

ACTIVE = ("registered", "assigned", "mediating")  # before agreement or referral: deadline runs
OPEN = (*ACTIVE, "agreed", "referred")  # not yet closed
STATES = {
    "registered": "待指派 registered",
    "assigned": "已指派 assigned",
    "mediating": "调解中 mediating",
    "agreed": "已达成协议 agreed",
    "referred": "已引导诉讼/仲裁 referred",
    "closed": "已结案 closed",
    "petitioned": "已转信访 petitioned",
}
LEVELS = {"village": "村级 village", "township": "乡镇 township", "county": "县级 county"}
RISKS = {"low": "低 low", "medium": "中 medium", "high": "高 high", "major": "重大 major"}
MAIN_INDICATORS = ("grid_visit_coverage", "grid_found_first", "grid_mediation_success")
RECORD_ACTIONS = ("session", "agree", "refer", "follow_up", "close")
V, D, E = GridVillageRow, GridDisputeRow, GridDisputeEventRow


def _name(text: str, lang: str) -> str:
    """The Chinese or English half of a "中文 English" label."""
    zh, _, en = text.partition(" ")
    return en if lang == "en" and en else zh


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _utc(t: dt.datetime) -> dt.datetime:
    return t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t.astimezone(dt.UTC)


def _synthetic(s: Session) -> bool:
    return s.scalar(select(V.id).where(V.name.like(f"%{DEMO_LABEL}")).limit(1)) is not None


# ---- scope ---------------------------------------------------------------------------------


def _towns(ctx: Ctx, s: Session) -> list[str] | None:
    """Townships a centre may see (None: every one)."""
    if ctx.user.role is not Role.centre:
        return None
    return [t for t in s.scalars(select(V.township_id).distinct()) if ctx.can_see(t)]


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


def _dispute(ctx: Ctx, s: Session, dispute_id: int) -> tuple[GridDisputeRow, Where]:
    """The dispute if this user may see it (404 unknown, 403 out of scope)."""
    d = s.get(D, dispute_id)
    if d is None:
        raise NotFoundError(f"没有该纠纷 no dispute {dispute_id}")
    w = locate_grid(s, d.grid_id)
    if ctx.user.role is Role.mediator:
        assigned = s.scalar(
            select(E.id).where(E.dispute_id == dispute_id, E.mediator_id == ctx.user.subject)
        )
        ok = assigned is not None
    else:
        ok = _sees_grid(ctx, w)
    if not ok:
        raise _refuse(f"dispute {dispute_id}")
    return d, w


def _centre_person(s: Session, unit_id: str | None) -> str:
    q = select(GridRoleRow.person_id).where(
        GridRoleRow.role == "centre", GridRoleRow.unit_id == (unit_id or "")
    )
    person = s.scalar(q.order_by(GridRoleRow.person_id).limit(1))
    if person is None:
        raise PermissionDenied(
            f"单位 '{unit_id}' 没有登记综治中心人员 no person holds the role 'centre' at "
            "this unit; import one (zhengji grid import) before acting on disputes"
        )
    return person


def _actor(ctx: Ctx, s: Session, w: Where) -> str:
    """The person id the core sees acting for this account."""
    if ctx.user.role is Role.mediator:
        return ctx.user.subject or ""
    if ctx.user.role is Role.centre:
        return _centre_person(s, ctx.user.unit_id)
    if ctx.user.role is Role.admin:
        return _centre_person(s, w.county_id)
    return ""  # reads only: never a person, so the core shows no parties


# ---- read models ---------------------------------------------------------------------------


def _case_filter(ctx: Ctx, s: Session) -> ColumnElement[bool]:
    role = ctx.user.role
    if role is Role.mediator:
        return D.id.in_(disputes.mediator_cases(s, ctx.user.subject or ""))
    if role is Role.grid_worker:
        return D.grid_id == (ctx.user.subject or "")
    towns = _towns(ctx, s)
    return true() if towns is None else V.township_id.in_(towns)


def _cases(s: Session, where: ColumnElement[bool], lang: str) -> list[dict[str, Any]]:
    """Dispute rows with the state their events replay to (:func:`mediation.replay`)."""
    base = (
        select(D.id, D.grid_id, D.kind, D.risk, D.source, D.opened_at, D.due_at, GridRow.name)
        .add_columns(V.id, V.name, V.township_id, V.county_id)
        .join(GridRow, D.grid_id == GridRow.id)
        .join(V, GridRow.village_id == V.id)
        .where(where)
    )
    ev = (
        select(E.dispute_id, E.action, E.at, E.mediator_id, E.outcome)
        .join(D, E.dispute_id == D.id)
        .join(GridRow, D.grid_id == GridRow.id)
        .join(V, GridRow.village_id == V.id)
        .where(where)
        .order_by(E.dispute_id, E.seq)
    )
    events: dict[int, list[tuple[str, dt.datetime, str | None, str | None]]] = defaultdict(list)
    for did, action, at, med, outcome in s.execute(ev):
        events[did].append((action, _utc(at), med, outcome))
    now = _now()
    out = []
    for did, grid, kind, risk, source, opened, due, gname, vid, vname, town, county in s.execute(
        base
    ):
        case = mediation.replay(events[did])
        if case is None:
            continue
        due = _utc(due)
        out.append(
            {
                "id": did,
                "grid_id": grid,
                "grid_name": gname,
                "village_id": vid,
                "village_name": vname,
                "township_id": town,
                "county_id": county,
                "kind": kind,
                "kind_name": _name(mediation.KINDS.get(kind, kind), lang),
                "risk": risk,
                "risk_name": _name(RISKS.get(risk, risk), lang),
                "source": source,
                "opened_at": _utc(opened),
                "due_at": due,
                "state": case.state,
                "state_name": _name(STATES[case.state], lang),
                "level": case.level,
                "level_name": _name(LEVELS[case.level], lang),
                "mediator_id": case.mediator_id,
                "sessions": case.sessions,
                "open": case.state in OPEN,
                "overdue": case.state in ACTIVE and now > due,
                "escalated": case.level != "village",
            }
        )
    return out


def _urgency(c: dict[str, Any]) -> tuple[Any, ...]:
    """Dispatch order: undecided cases first, by deadline, then the higher risk first."""
    return (c["state"] not in ACTIVE, c["due_at"], -mediation.RISKS.index(c["risk"]), c["id"])


def _mediators(s: Session, units: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """Mediators (id, name, mode) registered at each unit."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    q = (
        select(GridRoleRow.unit_id, GridRoleRow.person_id, GridRoleRow.mode, GridPersonRow.name)
        .join(GridPersonRow, GridRoleRow.person_id == GridPersonRow.id)
        .where(GridRoleRow.role == "mediator", GridRoleRow.unit_id.in_(sorted(set(units))))
        .order_by(GridRoleRow.person_id)
    )
    for unit, pid, mode, name in s.execute(q):
        out[unit].append({"id": pid, "name": name, "mode": mode})
    return out


def _level_unit(c: dict[str, Any]) -> str:
    return str(
        {"village": c["village_id"], "township": c["township_id"]}.get(c["level"]) or c["county_id"]
    )


_PERIOD = re.compile(r"(19|2[0-9])[0-9]{2}(-Q[1-4]|-[01][0-9])?")


def _period(s: Session, period: str | None) -> str:
    """The period asked for (checked), else the year of the latest visit (of the latest
    dispute without visits; this year without either)."""
    if period:
        if not _PERIOD.fullmatch(period):
            raise DataError(
                f"期间格式无效 invalid period '{period}': use YYYY, YYYY-Qn or YYYY-MM "
                "(years 1900–2999)"
            )
        period_bounds(period)  # DataError (422) for a month outside 01–12
        return period
    last = s.scalar(func.max(GridVisitRow.visited_at)) or s.scalar(func.max(D.opened_at))
    last = _utc(last) if last else _now()
    return str(last.astimezone(dt.timezone(dt.timedelta(hours=8))).year)


def _indicators(s: Session, period: str) -> dict[str, dict[str, float]]:
    """unit → indicator → value, exactly :func:`zhengji.grid.facts.indicator_rows`."""
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for r in indicator_rows(s, period):
        out[r.unit_id][r.indicator_id] = r.value
    return out


def _indicator_meta(lang: str) -> list[dict[str, Any]]:
    return [
        {"id": k, "name": en if lang == "en" else zh, "unit": u, "direction": d}
        for k, (zh, en, u, d) in INDICATORS.items()
    ]


def _node(id_: str, name: str, level: str) -> dict[str, Any]:
    return {
        "id": id_,
        "name": name,
        "level": level,
        "villages": 0,
        "grids": 0,
        "groups": 0,
        "households": 0,
        "members": 0,
        "open": 0,
        "overdue": 0,
        "indicators": {},
        "children": [],
    }


def _forest(
    ctx: Ctx, s: Session, period: str, county: str | None = None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The tree this user may see (roots) and every node of it by id, with counts and the
    period's indicators; only one county's part when ``county`` is given."""
    towns = _towns(ctx, s)
    vq = select(V).order_by(V.county_id, V.township_id, V.id)
    gq = select(GridRow).join(V, GridRow.village_id == V.id).order_by(GridRow.id)
    if county is not None:
        vq, gq = vq.where(V.county_id == county), gq.where(V.county_id == county)
    if towns is not None:
        vq, gq = vq.where(V.township_id.in_(towns)), gq.where(V.township_id.in_(towns))
    if ctx.user.role is Role.grid_worker:
        w = locate_grid(s, ctx.user.subject or "")
        vq, gq = vq.where(V.id == w.village_id), gq.where(GridRow.id == w.grid_id)
    names = {u.id: u.name for u in load_units(s).values()}
    nodes: dict[str, dict[str, Any]] = {}
    parent: dict[str, str] = {}

    def add(id_: str, name: str, level: str, up: str | None) -> dict[str, Any]:
        if id_ not in nodes:
            nodes[id_] = _node(id_, name, level)
            if up is not None:
                parent[id_] = up
                nodes[id_]["parent_id"] = up
                nodes[up]["children"].append(nodes[id_])
        return nodes[id_]

    for v in s.scalars(vq):
        add(v.county_id, names.get(v.county_id, v.county_id), "county", None)
        add(v.township_id, names.get(v.township_id, v.township_id), "township", v.county_id)
        add(v.id, v.name, "village", v.township_id)["villages"] = 1
    grids = [g for g in s.scalars(gq) if g.village_id in nodes]
    for g in grids:
        add(g.id, g.name, "grid", g.village_id)["grids"] = 1
    gids = [g.id for g in grids]
    sizes = {
        k: (n, m)
        for k, n, m in s.execute(
            select(
                GridGroupRow.id, func.count(GridHouseholdRow.id), func.sum(GridHouseholdRow.members)
            )
            .join(GridHouseholdRow, GridHouseholdRow.group_id == GridGroupRow.id)
            .where(GridGroupRow.grid_id.in_(gids))
            .group_by(GridGroupRow.id)
        )
    }
    for k in s.scalars(
        select(GridGroupRow).where(GridGroupRow.grid_id.in_(gids)).order_by(GridGroupRow.id)
    ):
        n = add(k.id, k.name, "group", k.grid_id)
        n["groups"] = 1
        n["households"], n["members"] = (int(x or 0) for x in sizes.get(k.id, (0, 0)))
        n["lead_household_id"] = k.lead_household_id
    where = _case_filter(ctx, s)
    for c in _cases(s, where if county is None else and_(where, V.county_id == county), ctx.lang):
        if c["grid_id"] in nodes:
            nodes[c["grid_id"]]["open"] += c["open"]
            nodes[c["grid_id"]]["overdue"] += c["overdue"]
    for n in sorted(nodes.values(), key=lambda n: -_DEPTH[n["level"]]):  # leaves first
        if n["id"] in parent:
            up = nodes[parent[n["id"]]]
            for key in ("villages", "grids", "groups", "households", "members", "open", "overdue"):
                up[key] += n[key]
    values = _indicators(s, period)
    for n in nodes.values():
        n["indicators"] = values.get(n["id"], {})
    roots = [n for n in nodes.values() if n["id"] not in parent]
    if ctx.user.role is Role.grid_worker:
        roots = [nodes[g] for g in (ctx.user.subject,) if g in nodes]
    elif ctx.user.role is Role.centre and not ctx.can_see(roots[0]["id"] if roots else None):
        roots = [t for r in roots for t in r["children"]]  # a township centre: its townships
    return roots, _visible(roots)


_DEPTH = {"county": 0, "township": 1, "village": 2, "grid": 3, "group": 4}


def _visible(roots: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    todo = list(roots)
    while todo:
        n = todo.pop()
        out[n["id"]] = n
        todo.extend(n["children"])
    return out


def _shallow(n: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in n.items() if k != "children"}


@page(router, "/grid", "grid_tree.html")
def tree(ctx: Annotated[Ctx, require(TREE_ROLES)], period: OptText = None) -> dict[str, Any]:
    """The grid tree (county → township → village → grid → ten-household groups) this user may
    see, with counts, open and overdue disputes and the period's indicators."""
    with ctx.store.transaction() as s:
        p = _period(s, period)
        roots, _ = _forest(ctx, s, p)
        synthetic = _synthetic(s)
    return {
        "period": p,
        "tree": roots,
        "indicators": _indicator_meta(ctx.lang),
        "main_indicators": list(MAIN_INDICATORS),
        "run": {"synthetic": synthetic},
    }


#: May see people's names (grid workers, lead households) on a node's page.
NAME_ROLES = frozenset({Role.admin, Role.centre, Role.grid_worker})
_UNDER = {
    "county": V.county_id,
    "township": V.township_id,
    "village": V.id,
    "grid": D.grid_id,
}


def _county_of(s: Session, unit_id: str) -> str | None:
    """The county of a county, township, village, grid or group id (None: no such unit)."""
    for q in (
        select(V.county_id).where((V.county_id == unit_id) | (V.township_id == unit_id)),
        select(V.county_id).where(V.id == unit_id),
        select(V.county_id).join(GridRow, GridRow.village_id == V.id).where(GridRow.id == unit_id),
        select(V.county_id)
        .join(GridRow, GridRow.village_id == V.id)
        .join(GridGroupRow, GridGroupRow.grid_id == GridRow.id)
        .where(GridGroupRow.id == unit_id),
    ):
        found = s.scalar(q.limit(1))
        if found is not None:
            return str(found)
    return None


def _people(s: Session, units: list[str], names: bool) -> list[dict[str, Any]]:
    q = (
        select(GridRoleRow.person_id, GridRoleRow.role, GridRoleRow.unit_id, GridPersonRow.name)
        .join(GridPersonRow, GridRoleRow.person_id == GridPersonRow.id)
        .where(GridRoleRow.unit_id.in_(units))
        .order_by(GridRoleRow.unit_id, GridRoleRow.role, GridRoleRow.person_id)
    )
    return [
        {
            "id": pid,
            "role": role,
            "unit_id": unit,
            "name": (name or "（已删除 erased）") if names else None,
        }
        for pid, role, unit, name in s.execute(q)
    ]


def _households(s: Session, groups: list[str]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    q = (
        select(GridHouseholdRow.id, GridHouseholdRow.group_id, GridHouseholdRow.members)
        .where(GridHouseholdRow.group_id.in_(groups))
        .order_by(GridHouseholdRow.group_id, GridHouseholdRow.id)
    )
    for hid, gid, members in s.execute(q):
        out[gid].append({"id": hid, "members": members})
    return out


def _visits(s: Session, grid_id: str, period: str, limit: int) -> list[dict[str, Any]]:
    a, b = period_bounds(period)
    q = (
        select(GridVisitRow)
        .where(
            GridVisitRow.grid_id == grid_id,
            GridVisitRow.visited_at >= a,
            GridVisitRow.visited_at < b,
        )
        .order_by(GridVisitRow.visited_at.desc(), GridVisitRow.id.desc())
        .limit(limit)
    )
    return [
        {
            "id": v.id,
            "kind": v.kind,
            "household_id": v.household_id,
            "actor_id": v.actor_id,
            "visited_at": _utc(v.visited_at),
            "request_id": v.request_id,
        }
        for v in s.scalars(q)
    ]


def _issues_found(s: Session, grid_id: str, period: str) -> int:
    """Visits of the period whose issue became a citizen request (found by the grid)."""
    a, b = period_bounds(period)
    q = select(func.count(GridVisitRow.id)).where(
        GridVisitRow.grid_id == grid_id,
        GridVisitRow.request_id.is_not(None),
        GridVisitRow.visited_at >= a,
        GridVisitRow.visited_at < b,
    )
    return int(s.scalar(q) or 0)


@page(router, "/grid/units/{unit_id}", "grid_unit.html", audit="read:grid_unit")
def unit(
    unit_id: PathText,
    ctx: Annotated[Ctx, require(TREE_ROLES)],
    period: OptText = None,
    limit: Limit = 200,
) -> dict[str, Any]:
    """One node of the tree: counts, every indicator, its children; for a grid (or a group) its
    groups, households, role holders, the period's visits and issues found; its disputes."""
    with ctx.store.transaction() as s:
        p = _period(s, period)
        county = _county_of(s, unit_id)
        nodes = _forest(ctx, s, p, county)[1] if county else {}
        n = nodes.get(unit_id)
        if n is None:
            if county is not None:
                raise _refuse(f"unit '{unit_id}'")
            raise NotFoundError(
                f"没有该网格单位 no county, township, village, grid or group '{unit_id}'"
            )
        path: list[dict[str, Any]] = []
        up = n.get("parent_id")
        while up in nodes:
            path.insert(0, {"id": up, "name": nodes[up]["name"], "level": nodes[up]["level"]})
            up = nodes[up].get("parent_id")
        grid = (
            n["id"]
            if n["level"] == "grid"
            else n.get("parent_id")
            if n["level"] == "group"
            else None
        )
        groups = (
            [n] if n["level"] == "group" else [c for c in n["children"] if c["level"] == "group"]
        )
        homes = _households(s, [g["id"] for g in groups]) if grid else {}
        names = ctx.user.role in NAME_ROLES
        people = _people(s, [grid, *(g["id"] for g in groups)], names) if grid else []
        visits = _visits(s, grid, p, limit) if grid else []
        issues = _issues_found(s, grid, p) if grid else None
        where = _case_filter(ctx, s)
        if n["level"] in _UNDER:
            where = and_(where, _UNDER[n["level"]] == n["id"])
        else:
            where = and_(where, D.grid_id == grid)
        cases = sorted(_cases(s, where, ctx.lang), key=_urgency)[:limit]
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
        "disputes": cases,
        "indicators": _indicator_meta(ctx.lang),
        "run": {"synthetic": synthetic},
    }


@page(router, "/grid/dispatch", "grid_dispatch.html")
def dispatch(ctx: Annotated[Ctx, require(DISPATCH_ROLES)], limit: Limit = 500) -> dict[str, Any]:
    """The centre's dispatch view: open disputes in scope, undecided ones first by deadline and
    risk, overdue and escalated marked, with the mediators each may be assigned to."""
    with ctx.store.transaction() as s:
        cases = sorted(
            (c for c in _cases(s, _case_filter(ctx, s), ctx.lang) if c["open"]), key=_urgency
        )[:limit]
        meds = _mediators(s, {_level_unit(c) for c in cases})
        synthetic = _synthetic(s)
    may_assign = ctx.user.role in ASSIGNERS
    for c in cases:
        c["assignable"] = may_assign and _possible(c["state"], "assign")
        c["mediators"] = meds.get(_level_unit(c), []) if c["assignable"] else []
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


def _possible(state: str, action: str, level: str = "village", follow_ups: int = 1) -> bool:
    """Whether the state machine allows ``action`` now (asks :func:`mediation.step`)."""
    case = mediation.Case(state, level, "x", follow_ups=follow_ups)
    try:
        mediation.step(case, action, _now(), mediator_id="x", outcome="court")
    except mediation.StepError:
        return False
    return True


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
        where = _case_filter(ctx, s)
        if unit:
            at = (V.county_id == unit, V.township_id == unit, V.id == unit, D.grid_id == unit)
            where = and_(where, or_(*at))
        rows = _cases(s, where, ctx.lang)
        synthetic = _synthetic(s)
    if status in ("open", "closed"):
        rows = [c for c in rows if c["open"] == (status == "open")]
    rows.sort(key=lambda c: (0, *_urgency(c)) if c["open"] else (1, -c["id"]))  # open, then newest
    return {
        "disputes": rows[:limit],
        "total": len(rows),
        "status": status if status in ("open", "closed") else None,
        "unit": unit,
        "mine": ctx.user.role is Role.mediator,
        "run": {"synthetic": synthetic},
    }


def _events(s: Session, dispute_id: int, notes: bool, lang: str) -> list[dict[str, Any]]:
    q = select(E).where(E.dispute_id == dispute_id).order_by(E.seq)
    return [
        {
            "seq": e.seq,
            "action": e.action,
            "action_name": _name(mediation.ACTIONS[e.action], lang),
            "state": e.state,
            "state_name": _name(STATES[e.state], lang),
            "level": e.level,
            "level_name": _name(LEVELS[e.level], lang),
            "mediator_id": e.mediator_id,
            "outcome": e.outcome,
            "outcome_name": _name(mediation.OUTCOMES[e.outcome], lang) if e.outcome else None,
            "actor": e.actor,
            "at": _utc(e.at),
            "note": e.note if notes else None,
            "ledger_index": e.ledger_index,
        }
        for e in s.scalars(q)
    ]


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
        if _possible(case.state, a, case.level, case.follow_ups)
        and not (a == "escalate" and case.level == "county")
    ]


@page(router, "/grid/disputes/{dispute_id}", "grid_dispute.html", audit="read:dispute")
def dispute_detail(dispute_id: PathId, ctx: Annotated[Ctx, require(CASE_ROLES)]) -> dict[str, Any]:
    """One dispute: its facts, the timeline of its steps, the parties (only for the handling
    mediator, the centre and the admin: :func:`zhengji.grid.disputes.case_view` decides) and the
    steps this user may take."""
    with ctx.store.transaction() as s:
        d, w = _dispute(ctx, s, dispute_id)
        viewer = _actor(ctx, s, w) if ctx.user.role in PARTY_ROLES else ""
        v = disputes.case_view(s, dispute_id, viewer)
        shown = v.parties is not None and ctx.user.role in PARTY_ROLES
        events = _events(s, dispute_id, shown, ctx.lang)
        actions = _actions(ctx, v)
        unit = {"village": w.village_id, "township": w.township_id}.get(v.case.level, w.county_id)
        meds = _mediators(s, [unit])[unit] if "assign" in actions else []
        synthetic = _synthetic(s)
    now, lang = _now(), ctx.lang
    return {
        "dispute": {
            "id": v.id,
            "grid_id": w.grid_id,
            "grid_name": w.grid_name,
            "village_id": w.village_id,
            "village_name": w.village_name,
            "township_id": w.township_id,
            "county_id": w.county_id,
            "kind": v.kind,
            "kind_name": _name(mediation.KINDS.get(v.kind, v.kind), lang),
            "risk": v.risk,
            "risk_name": _name(RISKS.get(v.risk, v.risk), lang),
            "source": d.source,
            "source_name": _name(disputes.SOURCES.get(d.source, d.source), lang),
            "summary": d.summary if shown else None,
            "opened_at": v.opened_at,
            "due_at": v.due_at,
            "state": v.case.state,
            "state_name": _name(STATES[v.case.state], lang),
            "level": v.case.level,
            "level_name": _name(LEVELS[v.case.level], lang),
            "mediator_id": v.case.mediator_id,
            "sessions": v.case.sessions,
            "follow_ups": v.case.follow_ups,
            "outcome": v.case.outcome,
            "overdue": v.case.state in ACTIVE and now > v.due_at,
            "escalated": v.case.level != "village",
        },
        "parties": [
            {"name": p.name, "phone": p.phone, "household_id": p.household_id}
            for p in (v.parties or ())
        ]
        if shown
        else None,
        "events": events,
        "actions": [{"id": a, "name": _name(mediation.ACTIONS[a], lang)} for a in actions],
        "mediators": meds,
        "outcomes": [
            {"id": k, "name": _name(t, lang)}
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
        _d, w = _dispute(ctx, s, dispute_id)
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
