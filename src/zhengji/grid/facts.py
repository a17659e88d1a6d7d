"""Gather the :class:`~zhengji.grid.indicators.Facts` of one period from the store (shell).

``citizen_first`` counts voice requests citizens submitted themselves (channels ``open311``,
``web``, ``phone``) per township; issues found by the grid are the visits whose issue became a
request. A dispute concludes at its first agreement, referral or petition.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import distinct, func, select
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

__all__ = ["CITIZEN_CHANNELS", "gather", "indicator_rows"]

CITIZEN_CHANNELS = ("open311", "web", "phone")
_CONCLUDE = {"agree": None, "refer": None, "petition": "petition"}


def _utc(t: dt.datetime) -> dt.datetime:
    return t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t.astimezone(dt.UTC)


def gather(session: Session, period: str) -> Facts:
    a, b = period_bounds(period)
    gv = GridVillageRow
    tree = {
        g: (v, t, c)
        for g, v, t, c in session.execute(
            select(GridRow.id, gv.id, gv.township_id, gv.county_id).join(
                gv, GridRow.village_id == gv.id
            )
        )
    }
    households = dict(
        session.execute(
            select(GridGroupRow.grid_id, func.count(GridHouseholdRow.id))
            .join(GridGroupRow, GridHouseholdRow.group_id == GridGroupRow.id)
            .group_by(GridGroupRow.grid_id)
        ).all()
    )
    in_p = (GridVisitRow.visited_at >= a) & (GridVisitRow.visited_at < b)
    visited = dict(
        session.execute(
            select(GridVisitRow.grid_id, func.count(distinct(GridVisitRow.household_id)))
            .where(in_p, GridVisitRow.household_id.is_not(None))
            .group_by(GridVisitRow.grid_id)
        ).all()
    )
    found = dict(
        session.execute(
            select(GridVisitRow.grid_id, func.count(GridVisitRow.id))
            .where(in_p, GridVisitRow.request_id.is_not(None))
            .group_by(GridVisitRow.grid_id)
        ).all()
    )
    citizen = dict(
        session.execute(
            select(VoiceRequestRow.township_id, func.count(VoiceRequestRow.id))
            .where(
                VoiceRequestRow.channel.in_(CITIZEN_CHANNELS),
                VoiceRequestRow.requested_at >= a,
                VoiceRequestRow.requested_at < b,
                VoiceRequestRow.township_id.is_not(None),
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
        _disputes(session, a, b),
        {},
        _volunteers(session, tree, a, b),
    )


def _disputes(session: Session, a: dt.datetime, b: dt.datetime) -> list[DisputeFact]:
    ds = {
        i: (g, a <= _utc(o) < b)
        for i, g, o in session.execute(
            select(GridDisputeRow.id, GridDisputeRow.grid_id, GridDisputeRow.opened_at).where(
                GridDisputeRow.opened_at < b
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
        .where(GridDisputeEventRow.action.in_(list(_CONCLUDE)))
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
    session: Session, tree: dict[str, tuple[str, str, str]], a: dt.datetime, b: dt.datetime
) -> dict[str, int]:
    days = (
        a.astimezone(dt.timezone(dt.timedelta(hours=8))).date(),
        b.astimezone(dt.timezone(dt.timedelta(hours=8))).date(),
    )
    per: dict[str, set[str]] = defaultdict(set)
    for pid, grid in session.execute(
        select(GridVolunteerHoursRow.person_id, GridVolunteerHoursRow.grid_id)
        .where(GridVolunteerHoursRow.day >= days[0], GridVolunteerHoursRow.day < days[1])
        .distinct()
    ):
        if grid in tree:
            for u in (grid, *tree[grid]):
                per[u].add(pid)
    return {u: len(s) for u, s in per.items()}


def indicator_rows(session: Session, period: str) -> list[ObservationRow]:
    """The period's indicator rows (see :func:`zhengji.grid.indicators.rows`)."""
    return rows(gather(session, period), period)
