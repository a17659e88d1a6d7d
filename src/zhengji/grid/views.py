"""Read models of the grid pages (and anything else that shows the grid): plain functions over a
``Session`` that return plain dicts and lists, so the web routes only decide who may see what
and render.

Who may see what comes in as a :class:`Scope` (the web maps roles to it): every unit, some
counties/townships (a 综治中心), one grid (a grid worker) or the disputes assigned to one
mediator. The tree is built from the top units asked for down to a depth, with counts per node
and the period's indicators computed for that subtree only
(:func:`zhengji.grid.facts.indicator_rows` with ``under``); a dispute's state is
:func:`zhengji.grid.mediation.replay` of its events.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from zhengji.errors import PermissionDenied
from zhengji.grid import disputes, mediation
from zhengji.grid.facts import indicator_rows
from zhengji.grid.indicators import CHINA, INDICATORS, period_bounds
from zhengji.grid.roster import Where
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

__all__ = [
    "ACTIVE",
    "DEPTH",
    "LEVEL_NAMES",
    "OPEN",
    "RISK_NAMES",
    "STATES",
    "Place",
    "Scope",
    "allowed",
    "cases",
    "centre_person",
    "dispute",
    "events",
    "ever_assigned",
    "households",
    "indicator_meta",
    "issues_found",
    "label",
    "level_unit",
    "mediators",
    "natural",
    "people",
    "pick_period",
    "place",
    "synthetic",
    "townships",
    "tree",
    "urgency",
    "visible",
    "visits",
]

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
LEVEL_NAMES = {"village": "村级 village", "township": "乡镇 township", "county": "县级 county"}
RISK_NAMES = {"low": "低 low", "medium": "中 medium", "high": "高 high", "major": "重大 major"}
#: Levels of the tree, top down (a node's depth).
DEPTH = {"county": 0, "township": 1, "village": 2, "grid": 3, "group": 4}
_ENDED = ("close", "petition")  # the only steps into closed / petitioned: open = neither yet
V, D, E = GridVillageRow, GridDisputeRow, GridDisputeEventRow


def label(text: str, lang: str) -> str:
    """The Chinese or English half of a "中文 English" label."""
    zh, _, en = text.partition(" ")
    return en if lang == "en" and en else zh


def natural(text: str) -> tuple[Any, ...]:
    """Sort key that puts ``h2`` before ``h10`` (numbers compared as numbers)."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"([0-9]+)", text))


def _utc(t: dt.datetime) -> dt.datetime:
    return t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t.astimezone(dt.UTC)


@dataclass(frozen=True)
class Scope:
    """What one reader may see. ``roots``: the counties or townships (None: all); ``grid``: only
    that grid; ``mediator``: only the open disputes assigned to that person."""

    roots: tuple[str, ...] | None = None
    grid: str | None = None
    mediator: str | None = None


@dataclass(frozen=True)
class Place:
    """Where a unit id sits: its level and the ids and names from the county down to it."""

    level: str
    chain: tuple[tuple[str, str, str], ...]  # (id, name, level), county first, the unit last

    @property
    def id(self) -> str:
        return self.chain[-1][0]

    def up(self, level: str) -> str | None:
        return next((i for i, _, lv in self.chain if lv == level), None)


def synthetic(s: Session, mark: str) -> bool:
    """Whether the stored villages are demo data (their names end in ``mark``)."""
    return s.scalar(select(V.id).where(V.name.like(f"%{mark}")).limit(1)) is not None


def townships(s: Session) -> dict[str, str]:
    """Township → county of every township with villages."""
    return {t: c for t, c in s.execute(select(V.township_id, V.county_id).distinct())}


def _unit_names(s: Session) -> dict[str, str]:
    return {u.id: u.name for u in load_units(s).values()}


def place(s: Session, unit_id: str) -> Place | None:
    """The place of a county, township, village, grid or ten-household group id (None: none)."""
    names = _unit_names(s)

    def top(county: str, town: str | None) -> list[tuple[str, str, str]]:
        out = [(county, names.get(county, county), "county")]
        if town is not None:
            out.append((town, names.get(town, town), "township"))
        return out

    county = s.scalar(select(V.county_id).where(V.county_id == unit_id).limit(1))
    if county is not None:
        return Place("county", tuple(top(county, None)))
    row = s.execute(select(V.county_id).where(V.township_id == unit_id).limit(1)).first()
    if row is not None:
        return Place("township", tuple(top(row[0], unit_id)))
    v = s.get(V, unit_id)
    if v is not None:
        return Place("village", (*top(v.county_id, v.township_id), (v.id, v.name, "village")))
    group = s.get(GridGroupRow, unit_id)
    grid = s.get(GridRow, group.grid_id if group is not None else unit_id)
    if grid is None:
        return None
    v = s.get(V, grid.village_id)
    assert v is not None  # a foreign key
    chain = [*top(v.county_id, v.township_id), (v.id, v.name, "village")]
    chain.append((grid.id, grid.name, "grid"))
    if group is not None:
        chain.append((group.id, group.name, "group"))
    return Place(chain[-1][2], tuple(chain))


def visible(scope: Scope, p: Place) -> bool:
    """Whether ``scope`` may see the unit at ``p`` (and everything below it)."""
    ids = [i for i, _, _ in p.chain]
    if scope.mediator is not None:
        return False
    if scope.grid is not None:
        return scope.grid in ids
    return scope.roots is None or any(r in ids for r in scope.roots)


def pick_period(s: Session, period: str | None, now: dt.datetime) -> str:
    """The period asked for (checked: :func:`~zhengji.grid.indicators.period_bounds`), else the
    year of the latest visit (of the latest dispute without visits; ``now``'s without either)."""
    if period:
        period_bounds(period)
        return period
    last = s.scalar(func.max(GridVisitRow.visited_at)) or s.scalar(func.max(D.opened_at))
    return str(_utc(last or now).astimezone(CHINA).year)


def indicator_meta(lang: str) -> list[dict[str, Any]]:
    return [
        {"id": k, "name": en if lang == "en" else zh, "unit": u, "direction": d}
        for k, (zh, en, u, d) in INDICATORS.items()
    ]


# ---- disputes ------------------------------------------------------------------------------


def _grid_ids(s: Session, units: Sequence[str]) -> set[str]:
    """Grids in the subtree of any of ``units`` (county, township, village or grid ids)."""
    q = (
        select(GridRow.id)
        .join(V, GridRow.village_id == V.id)
        .where(
            or_(
                V.county_id.in_(units),
                V.township_id.in_(units),
                V.id.in_(units),
                GridRow.id.in_(units),
            )
        )
    )
    return set(s.scalars(q))


def _chunks(ids: Sequence[int], n: int = 5000) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), n):
        yield ids[i : i + n]


def cases(
    s: Session,
    scope: Scope,
    lang: str,
    now: dt.datetime,
    *,
    under: Sequence[str] | None = None,
    open_only: bool = False,
) -> list[dict[str, Any]]:
    """Dispute rows in ``scope`` (and under the units ``under``) with the state their events
    replay to; ``open_only`` skips closed and petitioned cases in the query. The scope and
    ``under`` become grid ids first, so the queries use the grid and dispute indexes."""
    grids: set[str] | None = None
    where: ColumnElement[bool] = true()
    if scope.mediator is not None:
        where = D.id.in_(disputes.mediator_cases(s, scope.mediator))
    elif scope.grid is not None:
        grids = {scope.grid}
    elif scope.roots is not None:
        grids = _grid_ids(s, scope.roots)
    if under is not None:
        below = _grid_ids(s, under)
        grids = below if grids is None else grids & below
    if grids is not None:
        where = and_(where, D.grid_id.in_(sorted(grids)))
    if open_only:
        ev2 = aliased(GridDisputeEventRow)
        ended = select(ev2.id).where(ev2.dispute_id == D.id, ev2.action.in_(_ENDED))
        where = and_(where, ~exists(ended.correlate(D)))
    base = (
        select(D.id, D.grid_id, D.kind, D.risk, D.source, D.opened_at, D.due_at, GridRow.name)
        .add_columns(V.id, V.name, V.township_id, V.county_id)
        .join(GridRow, D.grid_id == GridRow.id)
        .join(V, GridRow.village_id == V.id)
        .where(where)
        .order_by(D.id)
    )
    found = s.execute(base).all()
    history: dict[int, list[tuple[str, dt.datetime, str | None, str | None]]] = defaultdict(list)
    for ids in _chunks([r[0] for r in found]):
        ev = (
            select(E.dispute_id, E.action, E.at, E.mediator_id, E.outcome)
            .where(E.dispute_id.in_(ids))
            .order_by(E.dispute_id, E.seq)
        )
        for did, action, at, med, outcome in s.execute(ev):
            history[did].append((action, _utc(at), med, outcome))
    out = []
    for did, grid, kind, risk, source, opened, due, gname, vid, vname, town, county in found:
        case = mediation.replay(history[did])
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
                "kind_name": label(mediation.KINDS.get(kind, kind), lang),
                "risk": risk,
                "risk_name": label(RISK_NAMES.get(risk, risk), lang),
                "source": source,
                "opened_at": _utc(opened),
                "due_at": due,
                "state": case.state,
                "state_name": label(STATES[case.state], lang),
                "level": case.level,
                "level_name": label(LEVEL_NAMES[case.level], lang),
                "mediator_id": case.mediator_id,
                "sessions": case.sessions,
                "open": case.state in OPEN,
                "overdue": case.state in ACTIVE and now > due,
                "escalated": case.level != "village",
            }
        )
    return out


def urgency(c: dict[str, Any]) -> tuple[Any, ...]:
    """Dispatch order: undecided cases first, by deadline, then the higher risk first."""
    return (c["state"] not in ACTIVE, c["due_at"], -mediation.RISKS.index(c["risk"]), c["id"])


def level_unit(c: dict[str, Any]) -> str:
    """The unit whose mediators may take the case at its current level."""
    return str(
        {"village": c["village_id"], "township": c["township_id"]}.get(c["level"]) or c["county_id"]
    )


def mediators(s: Session, units: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
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


def ever_assigned(s: Session, dispute_id: int, mediator_id: str) -> bool:
    """Whether the dispute was ever assigned to this mediator (they may read its course)."""
    q = select(E.id).where(E.dispute_id == dispute_id, E.mediator_id == mediator_id)
    return s.scalar(q.limit(1)) is not None


def centre_person(s: Session, unit_id: str | None) -> str:
    """The person (first by id) holding the role ``centre`` at the unit."""
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


def allowed(state: str, action: str, level: str = "village", follow_ups: int = 1) -> bool:
    """Whether the state machine allows ``action`` now (asks :func:`mediation.step`)."""
    case = mediation.Case(state, level, "x", follow_ups=follow_ups)
    try:
        mediation.step(case, action, dt.datetime.now(dt.UTC), mediator_id="x", outcome="court")
    except mediation.StepError:
        return False
    return True


def events(s: Session, dispute_id: int, notes: bool, lang: str) -> list[dict[str, Any]]:
    """The dispute's steps, oldest first (notes only when ``notes``)."""
    q = select(E).where(E.dispute_id == dispute_id).order_by(E.seq)
    return [
        {
            "seq": e.seq,
            "action": e.action,
            "action_name": label(mediation.ACTIONS[e.action], lang),
            "state": e.state,
            "state_name": label(STATES[e.state], lang),
            "level": e.level,
            "level_name": label(LEVEL_NAMES[e.level], lang),
            "mediator_id": e.mediator_id,
            "outcome": e.outcome,
            "outcome_name": label(mediation.OUTCOMES[e.outcome], lang) if e.outcome else None,
            "actor": e.actor,
            "at": _utc(e.at),
            "note": e.note if notes else None,
            "ledger_index": e.ledger_index,
        }
        for e in s.scalars(q)
    ]


def dispute(
    s: Session, v: disputes.CaseView, w: Where, shown: bool, lang: str, now: dt.datetime
) -> dict[str, Any]:
    """One dispute's facts (the summary only when ``shown``)."""
    d = s.get(D, v.id)
    assert d is not None  # case_view found it
    return {
        "id": v.id,
        "grid_id": w.grid_id,
        "grid_name": w.grid_name,
        "village_id": w.village_id,
        "village_name": w.village_name,
        "township_id": w.township_id,
        "county_id": w.county_id,
        "kind": v.kind,
        "kind_name": label(mediation.KINDS.get(v.kind, v.kind), lang),
        "risk": v.risk,
        "risk_name": label(RISK_NAMES.get(v.risk, v.risk), lang),
        "source": d.source,
        "source_name": label(disputes.SOURCES.get(d.source, d.source), lang),
        "summary": d.summary if shown else None,
        "opened_at": v.opened_at,
        "due_at": v.due_at,
        "state": v.case.state,
        "state_name": label(STATES[v.case.state], lang),
        "level": v.case.level,
        "level_name": label(LEVEL_NAMES[v.case.level], lang),
        "mediator_id": v.case.mediator_id,
        "sessions": v.case.sessions,
        "follow_ups": v.case.follow_ups,
        "outcome": v.case.outcome,
        "overdue": v.case.state in ACTIVE and now > v.due_at,
        "escalated": v.case.level != "village",
    }


# ---- the tree ------------------------------------------------------------------------------


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
        "more": False,
        "children": [],
    }


def _tops(s: Session, scope: Scope, under: str | None) -> list[str]:
    if under is not None:
        p = place(s, under)
        return [under] if p is not None and visible(scope, p) else []
    if scope.mediator is not None:
        return []
    if scope.grid is not None:
        return [scope.grid] if s.get(GridRow, scope.grid) is not None else []
    if scope.roots is not None:
        return list(scope.roots)
    return sorted(set(s.scalars(select(V.county_id).distinct())), key=natural)


def tree(
    s: Session,
    scope: Scope,
    period: str,
    now: dt.datetime,
    *,
    under: str | None = None,
    depth: int | None = None,
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """The tree this scope may see (its roots, and every node by id): from ``under`` (a county,
    township, village or grid id; default the scope's top units) down ``depth`` levels (None:
    to the ten-household groups). Each node has its counts (villages, grids, groups,
    households, members — of its whole subtree), open and overdue disputes, the period's
    indicators and ``more`` (it has children not built here). Only the subtree's grids are
    read, for the indicators too."""
    tops = _tops(s, scope, under)
    if not tops:
        return [], {}
    names = _unit_names(s)
    cond = or_(V.county_id.in_(tops), V.township_id.in_(tops), V.id.in_(tops), GridRow.id.in_(tops))
    grid_rows = s.execute(
        select(GridRow.id, GridRow.name, V.id, V.name, V.township_id, V.county_id)
        .join(V, GridRow.village_id == V.id)
        .where(cond)
    ).all()
    grid_ids = select(GridRow.id).join(V, GridRow.village_id == V.id).where(cond)
    sizes = {
        g: (int(k), int(n), int(m or 0))
        for g, k, n, m in s.execute(
            select(
                GridGroupRow.grid_id,
                func.count(func.distinct(GridGroupRow.id)),
                func.count(GridHouseholdRow.id),
                func.sum(GridHouseholdRow.members),
            )
            .join(GridHouseholdRow, GridHouseholdRow.group_id == GridGroupRow.id)
            .where(GridGroupRow.grid_id.in_(grid_ids))
            .group_by(GridGroupRow.grid_id)
        )
    }
    full = {
        gid: [
            (county, names.get(county, county), "county"),
            (town, names.get(town, town), "township"),
            (vid, vname, "village"),
            (gid, gname, "grid"),
        ]
        for gid, gname, vid, vname, town, county in grid_rows
    }
    start = {g: next(i for i, c in enumerate(ch) if c[0] in tops) for g, ch in full.items()}
    top_level = min(start.values(), default=0)
    deepest = DEPTH["group"] if depth is None else min(top_level + depth, DEPTH["group"])
    nodes: dict[str, dict[str, Any]] = {}
    chains: dict[str, list[str]] = {}  # grid → ids shown, from the top down to the grid
    for gid, chain in full.items():
        kept = [c for c in chain[start[gid] :] if DEPTH[c[2]] <= deepest]
        up = None if start[gid] == 0 else chain[start[gid] - 1][0]
        for u, name, level in kept:
            if u not in nodes:
                nodes[u] = _node(u, name, level)
                if up is not None:
                    nodes[u]["parent_id"] = up
                nodes[u]["more"] = DEPTH[level] == deepest and level != "group"
            up = u
        chains[gid] = [u for u, _, _ in kept]
        groups, homes, members = sizes.get(gid, (0, 0, 0))
        for u in chains[gid]:
            nodes[u]["groups"] += groups
            nodes[u]["households"] += homes
            nodes[u]["members"] += members
            nodes[u]["grids"] += 1
    _count_villages(nodes, grid_rows, chains)
    if deepest >= DEPTH["group"]:
        _add_groups(s, nodes, grid_ids)
    for c in cases(s, scope, "zh", now, under=tops, open_only=True):
        for u in chains.get(c["grid_id"], ()):
            nodes[u]["open"] += 1
            nodes[u]["overdue"] += c["overdue"]
    values: dict[str, dict[str, float]] = defaultdict(dict)
    for r in indicator_rows(s, period, tops):
        values[r.unit_id][r.indicator_id] = r.value
    for n in nodes.values():
        n["indicators"] = values.get(n["id"], {})
        up = n.get("parent_id")
        if up in nodes:
            nodes[up]["children"].append(n)
    for n in nodes.values():
        n["children"].sort(key=lambda c: natural(c["id"]))
    roots = [nodes[t] for t in tops if t in nodes]
    return roots, nodes


def _count_villages(
    nodes: dict[str, dict[str, Any]], grid_rows: Sequence[Any], chains: dict[str, list[str]]
) -> None:
    seen: set[tuple[str, str]] = set()
    for gid, _gname, vid, *_ in grid_rows:
        for u in chains[gid]:
            if DEPTH[nodes[u]["level"]] <= DEPTH["village"] and (u, vid) not in seen:
                seen.add((u, vid))
                nodes[u]["villages"] += 1


def _add_groups(s: Session, nodes: dict[str, dict[str, Any]], grid_ids: Any) -> None:
    sizes = {
        k: (int(n), int(m or 0))
        for k, n, m in s.execute(
            select(
                GridGroupRow.id, func.count(GridHouseholdRow.id), func.sum(GridHouseholdRow.members)
            )
            .join(GridHouseholdRow, GridHouseholdRow.group_id == GridGroupRow.id)
            .where(GridGroupRow.grid_id.in_(grid_ids))
            .group_by(GridGroupRow.id)
        )
    }
    for k in s.scalars(select(GridGroupRow).where(GridGroupRow.grid_id.in_(grid_ids))):
        if k.grid_id not in nodes:
            continue
        n = nodes[k.id] = _node(k.id, k.name, "group")
        n["parent_id"] = k.grid_id
        n["groups"] = 1
        n["households"], n["members"] = sizes.get(k.id, (0, 0))
        n["lead_household_id"] = k.lead_household_id


# ---- one grid ------------------------------------------------------------------------------


def people(s: Session, units: list[str], names: bool) -> list[dict[str, Any]]:
    """Role holders at the units (names only when ``names``; erased ones marked)."""
    q = (
        select(GridRoleRow.person_id, GridRoleRow.role, GridRoleRow.unit_id, GridPersonRow.name)
        .join(GridPersonRow, GridRoleRow.person_id == GridPersonRow.id)
        .where(GridRoleRow.unit_id.in_(units))
    )
    rows = sorted(s.execute(q), key=lambda r: (natural(r[2]), r[1], natural(r[0])))
    return [
        {
            "id": pid,
            "role": role,
            "unit_id": unit,
            "name": (name or "（已删除 erased）") if names else None,
        }
        for pid, role, unit, name in rows
    ]


def households(s: Session, groups: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Households of each group in natural order (h1, h2, …, h10)."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    q = select(GridHouseholdRow.id, GridHouseholdRow.group_id, GridHouseholdRow.members).where(
        GridHouseholdRow.group_id.in_(groups)
    )
    for hid, gid, members in sorted(s.execute(q), key=lambda r: (natural(r[1]), natural(r[0]))):
        out[gid].append({"id": hid, "members": members})
    return out


def visits(s: Session, grid_id: str, period: str, limit: int) -> list[dict[str, Any]]:
    """The grid's visits of the period, newest first."""
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


def issues_found(s: Session, grid_id: str, period: str) -> int:
    """Visits of the period whose issue became a citizen request (found by the grid)."""
    a, b = period_bounds(period)
    q = select(func.count(GridVisitRow.id)).where(
        GridVisitRow.grid_id == grid_id,
        GridVisitRow.request_id.is_not(None),
        GridVisitRow.visited_at >= a,
        GridVisitRow.visited_at < b,
    )
    return int(s.scalar(q) or 0)
