"""Gather the :class:`~zhengji.grid.indicators.Facts` of one period from the store (shell).

``citizen_first`` counts voice requests citizens submitted themselves (channels ``open311``,
``web``, ``phone``) per township; issues found by the grid are the visits whose issue became a
request. A dispute concludes at its first agreement, referral or petition.

``under`` limits the work to the subtrees of some units (a county, township, village or grid):
only their grids are read, and only their own rows are returned — identical to the rows the
whole-city computation gives those units, because every indicator of a unit depends on its own
grids (and, for ``grid_found_first``, its own townships) only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Collection
from typing import Any

from sqlalchemy import ColumnElement, distinct, func, or_, select, true
from sqlalchemy.orm import Session

from zhengji.bundle.model import ObservationRow
from zhengji.grid.indicators import DisputeFact, Facts, period_bounds, rows
from zhengji.store.schema_grid import (
    GridDisputeEventRow,
    GridDisputeRow,
    GridGroupRow,
    GridHouseholdRow,
    GridRow,
    GridVillageRow,
    GridVisitRow,
    GridVolunteerHoursRow,
)
from zhengji.store.schema_voice import VoiceRequestRow

__all__ = ["CITIZEN_CHANNELS", "gather", "indicator_rows", "subtree"]

CITIZEN_CHANNELS = ("open311", "web", "phone")
_CONCLUDE = {"agree": None, "refer": None, "petition": "petition"}


def _utc(t: dt.datetime) -> dt.datetime:
    return t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t.astimezone(dt.UTC)


def _under(under: Collection[str] | None) -> ColumnElement[bool]:
    """Grids (joined to their village) in the subtree of any of ``under``."""
    if under is None:
        return true()
    us = sorted(under)
    gv = GridVillageRow
    return or_(gv.county_id.in_(us), gv.township_id.in_(us), gv.id.in_(us), GridRow.id.in_(us))


def subtree(tree: dict[str, tuple[str, str, str]], under: Collection[str]) -> set[str]:
    """The units of ``under`` and every unit below them in ``tree`` (grid → (v, t, c))."""
    out: set[str] = set()
    roots = set(under)
    for g, (v, t, c) in tree.items():
        chain = (c, t, v, g)
        for i, u in enumerate(chain):
            if u in roots:
                out.update(chain[i:])
                break
    return out


def gather(session: Session, period: str, under: Collection[str] | None = None) -> Facts:
    """The period's facts of every grid, or only of the grids under the units ``under``."""
    a, b = period_bounds(period)
    gv = GridVillageRow
    tree = {
        g: (v, t, c)
        for g, v, t, c in session.execute(
            select(GridRow.id, gv.id, gv.township_id, gv.county_id)
            .join(gv, GridRow.village_id == gv.id)
            .where(_under(under))
        )
    }
    grids = select(GridRow.id).join(gv, GridRow.village_id == gv.id).where(_under(under))
    towns = sorted({t for _, t, _ in tree.values()})

    def mine(col: Any) -> ColumnElement[bool]:
        return true() if under is None else col.in_(grids)

    households = dict(
        session.execute(
            select(GridGroupRow.grid_id, func.count(GridHouseholdRow.id))
            .join(GridGroupRow, GridHouseholdRow.group_id == GridGroupRow.id)
            .where(mine(GridGroupRow.grid_id))
            .group_by(GridGroupRow.grid_id)
        ).all()
    )
    in_p = (GridVisitRow.visited_at >= a) & (GridVisitRow.visited_at < b)
    visited: dict[str, int] = {}
    found: dict[str, int] = {}
    for grid, homes, issues in session.execute(  # one scan: COUNT skips the NULLs
        select(
            GridVisitRow.grid_id,
            func.count(distinct(GridVisitRow.household_id)),
            func.count(GridVisitRow.request_id),
        )
        .where(in_p, mine(GridVisitRow.grid_id))
        .group_by(GridVisitRow.grid_id)
    ):
        if homes:
            visited[grid] = int(homes)
        if issues:
            found[grid] = int(issues)
    citizen = dict(
        session.execute(
            select(VoiceRequestRow.township_id, func.count(VoiceRequestRow.id))
            .where(
                VoiceRequestRow.channel.in_(CITIZEN_CHANNELS),
                VoiceRequestRow.requested_at >= a,
                VoiceRequestRow.requested_at < b,
                VoiceRequestRow.township_id.is_not(None)
                if under is None
                else VoiceRequestRow.township_id.in_(towns),
            )
            .group_by(VoiceRequestRow.township_id)
        ).all()
    )
    return Facts(
        tree,
        households,
        visited,
        found,
        {str(k): int(v) for k, v in citizen.items()},
        _disputes(session, a, b, mine),
        {},
        _volunteers(session, tree, a, b, mine),
    )


Mine = Callable[[Any], ColumnElement[bool]]


def _disputes(session: Session, a: dt.datetime, b: dt.datetime, mine: Mine) -> list[DisputeFact]:
    ds = {
        i: (g, a <= _utc(o) < b)
        for i, g, o in session.execute(
            select(GridDisputeRow.id, GridDisputeRow.grid_id, GridDisputeRow.opened_at).where(
                GridDisputeRow.opened_at < b, mine(GridDisputeRow.grid_id)
            )
        )
    }
    first: dict[int, tuple[str, dt.datetime, str | None, str]] = {}
    petitioned: set[int] = set()
    q = (
        select(
            GridDisputeEventRow.dispute_id,
            GridDisputeEventRow.action,
            GridDisputeEventRow.at,
            GridDisputeEventRow.outcome,
            GridDisputeEventRow.level,
        )
        .join(GridDisputeRow, GridDisputeEventRow.dispute_id == GridDisputeRow.id)
        .where(GridDisputeEventRow.action.in_(list(_CONCLUDE)), mine(GridDisputeRow.grid_id))
        .order_by(GridDisputeEventRow.dispute_id, GridDisputeEventRow.seq)
    )
    for did, action, at, outcome, level in session.execute(q):
        if action == "petition":
            petitioned.add(did)
        if did not in first:
            first[did] = (action, _utc(at), outcome or _CONCLUDE[action], level)
    out = []
    for did, (grid, opened_in) in ds.items():
        c = first.get(did)
        concluded_in = c is not None and a <= c[1] < b
        out.append(
            DisputeFact(
                grid,
                opened_in,
                concluded_in,
                c[2] if c else None,
                c[3] if c else None,
                did in petitioned,
            )
        )
    return out


def _volunteers(
    session: Session,
    tree: dict[str, tuple[str, str, str]],
    a: dt.datetime,
    b: dt.datetime,
    mine: Mine,
) -> dict[str, int]:
    days = (
        a.astimezone(dt.timezone(dt.timedelta(hours=8))).date(),
        b.astimezone(dt.timezone(dt.timedelta(hours=8))).date(),
    )
    per: dict[str, set[str]] = defaultdict(set)
    for pid, grid in session.execute(
        select(GridVolunteerHoursRow.person_id, GridVolunteerHoursRow.grid_id)
        .where(
            GridVolunteerHoursRow.day >= days[0],
            GridVolunteerHoursRow.day < days[1],
            mine(GridVolunteerHoursRow.grid_id),
        )
        .distinct()
    ):
        if grid in tree:
            for u in (grid, *tree[grid]):
                per[u].add(pid)
    return {u: len(s) for u, s in per.items()}


def indicator_rows(
    session: Session, period: str, under: Collection[str] | None = None
) -> list[ObservationRow]:
    """The period's indicator rows (see :func:`zhengji.grid.indicators.rows`): every unit's, or
    only those of the units ``under`` and the units below them (reading only their grids)."""
    f = gather(session, period, under)
    return rows(f, period, None if under is None else subtree(dict(f.tree), under))
