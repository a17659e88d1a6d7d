"""Visits (走访) and hazard/issue checks (排查) by grid workers and lead households.

An issue found becomes a citizen request through the voice workflow
(:func:`zhengji.voice.requests.submit`, channel ``visit``) located at the grid: the address
names the village and grid, ``address_id`` the township (the voice routing unit) and the
request's ``extra`` carries ``grid_id``; the visit row keeps the request id. So the issue gets
the same routing, time limits and events as any request, and the indicators can tell issues
found by the grid from issues citizens reported first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from zhengji.errors import DataError, PermissionDenied
from zhengji.grid.roster import Where, locate_grid
from zhengji.store.schema_grid import GridGroupRow, GridHouseholdRow, GridRoleRow, GridVisitRow
from zhengji.voice.limits import TimeLimits
from zhengji.voice.requests import Submission, submit
from zhengji.voice.units import Unit

__all__ = ["KINDS", "Issue", "Visit", "record_visits", "visitors_of"]

KINDS = {"visit": "走访 visit", "hazard": "排查 hazard or issue check"}


@dataclass(frozen=True)
class Issue:
    """What was found: a voice service code and a description (no personal data)."""

    service_code: str
    description: str


@dataclass(frozen=True)
class Visit:
    grid_id: str
    actor_id: str
    kind: str
    at: dt.datetime
    household_id: str | None = None
    issue: Issue | None = None


def visitors_of(session: Session, grid_id: str) -> set[str]:
    """People who may record visits in the grid: its grid workers and its groups' leads."""
    groups = select(GridGroupRow.id).where(GridGroupRow.grid_id == grid_id)
    q = select(GridRoleRow.person_id).where(
        ((GridRoleRow.role == "grid_worker") & (GridRoleRow.unit_id == grid_id))
        | ((GridRoleRow.role == "lead_household") & GridRoleRow.unit_id.in_(groups))
    )
    return set(session.scalars(q))


def record_visits(
    session: Session,
    visits: Sequence[Visit],
    units: Mapping[str, Unit],
    limits: TimeLimits,
    *,
    at: dt.datetime | None = None,
) -> list[int | None]:
    """Record visits (all checked first; nothing written on a problem); returns, per visit,
    the id of the citizen request its issue became (None without an issue)."""
    places: dict[str, Where] = {}
    allowed: dict[str, set[str]] = {}
    homes: dict[str, set[str]] = {}
    for v in visits:
        if v.kind not in KINDS:
            raise DataError(f"未知走访类型 unknown visit kind '{v.kind}'; {sorted(KINDS)}")
        if v.grid_id not in places:
            places[v.grid_id] = locate_grid(session, v.grid_id)
            allowed[v.grid_id] = visitors_of(session, v.grid_id)
            homes[v.grid_id] = set(
                session.scalars(
                    select(GridHouseholdRow.id)
                    .join(GridGroupRow, GridHouseholdRow.group_id == GridGroupRow.id)
                    .where(GridGroupRow.grid_id == v.grid_id)
                )
            )
        if v.actor_id not in allowed[v.grid_id]:
            raise PermissionDenied(
                f"'{v.actor_id}' 不是网格 '{v.grid_id}' 的网格员或联户长 "
                "is neither a grid worker nor a lead household of this grid"
            )
        if v.household_id is not None and v.household_id not in homes[v.grid_id]:
            raise DataError(f"户 '{v.household_id}' 不在网格 '{v.grid_id}' not in the grid")
    recorded = at or dt.datetime.now(dt.UTC)
    rows: list[dict[str, object]] = []
    ids: list[int | None] = []
    for v in visits:
        rid = None
        if v.issue is not None:
            rid = _submit(session, places[v.grid_id], v, units, limits, recorded)
        ids.append(rid)
        rows.append(
            {
                "grid_id": v.grid_id,
                "household_id": v.household_id,
                "actor_id": v.actor_id,
                "kind": v.kind,
                "visited_at": v.at,
                "request_id": rid,
                "recorded_at": recorded,
            }
        )
    if rows:
        session.execute(insert(GridVisitRow), rows)
    return ids


def _submit(
    session: Session,
    w: Where,
    v: Visit,
    units: Mapping[str, Unit],
    limits: TimeLimits,
    recorded: dt.datetime,
) -> int:
    assert v.issue is not None
    sub = Submission(
        jurisdiction_id=w.county_id,
        service_code=v.issue.service_code,
        channel="visit",
        actor=f"grid:{v.actor_id}",
        description=v.issue.description,
        address=f"{w.village_name} {w.grid_name}",
        address_id=w.township_id,
        requested_at=v.at,
        extra={"grid_id": w.grid_id, "found_by": v.actor_id, "kind": v.kind},
    )
    return submit(session, sub, units, limits, at=recorded).id
