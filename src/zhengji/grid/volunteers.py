"""Volunteer service hours (志愿服务时长) and their conversion into eco public-welfare points.

Conversion rule (:class:`EcoRule`): for each volunteer with an eco account (``eco_holder_id``)
and each eco activity, every full ``hours_per_award`` hours not yet converted give one award of
the mapped rulebook item (e.g. 4 h of patrol → one ``volunteer_patrol`` award, 3 points in the
default rulebook). The remainder carries over. Only hours recorded with check-in evidence
(photo reference and place) count, because the eco rulebook requires photo, location and time
for these items; the awards carry the latest such evidence (time: noon, China time, of its
day). Each conversion is an append-only row listing the eco entries it created; the awards go
through :mod:`zhengji.grid.ecopoints`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from zhengji.errors import DataError, PermissionDenied
from zhengji.grid.ecopoints import PointsAward, award_points, known_items
from zhengji.grid.roster import locate_grid
from zhengji.store.schema_grid import (
    GridEcoConversionRow,
    GridPersonRow,
    GridRoleRow,
    GridVolunteerHoursRow,
)

_CHINA = dt.timezone(dt.timedelta(hours=8))

__all__ = ["ACTIVITIES", "EcoRule", "Hours", "convert_to_eco", "record_hours"]

ACTIVITIES = {
    "eco_patrol": "护林巡河 forest or river patrol",
    "tree_planting": "义务植树 tree planting",
    "community": "社区服务 community service",
    "safety_patrol": "治安巡逻 safety patrol",
    "mediation_aid": "协助调解 helping mediation",
    "legal_publicity": "普法宣传 legal publicity",
}


@dataclass(frozen=True)
class EcoRule:
    hours_per_award: float = 4.0

    def __post_init__(self) -> None:
        if not (self.hours_per_award > 0 and math.isfinite(self.hours_per_award)):
            raise DataError("每次积分所需小时须为正数 hours_per_award must be positive")

    items: Mapping[str, str] = field(
        default_factory=lambda: {"eco_patrol": "volunteer_patrol", "tree_planting": "tree_planting"}
    )


@dataclass(frozen=True)
class Hours:
    person_id: str
    grid_id: str
    day: dt.date
    hours: float
    activity: str
    photo_ref: str | None = None  # check-in evidence (photo, place); needed for eco points
    lat: float | None = None
    lon: float | None = None


def record_hours(session: Session, entries: Sequence[Hours], by: str) -> int:
    """Record hours of volunteers at their grid or its village (all checked first)."""
    rows = []
    vols: dict[str, set[str]] = defaultdict(set)
    for pid, unit in session.execute(
        select(GridRoleRow.person_id, GridRoleRow.unit_id).where(GridRoleRow.role == "volunteer")
    ):
        vols[pid].add(unit)
    now = dt.datetime.now(dt.UTC)
    for i, e in enumerate(entries, start=1):
        if e.activity not in ACTIVITIES:
            raise DataError(f"第{i}条 entry {i}: 未知活动 unknown activity '{e.activity}'")
        if not (0 < e.hours <= 24) or not math.isfinite(e.hours):
            raise DataError(f"第{i}条 entry {i}: 时长须在 0–24 小时 hours must be in (0, 24]")
        w = locate_grid(session, e.grid_id)
        if not vols[e.person_id] & {w.grid_id, w.village_id}:
            raise PermissionDenied(
                f"'{e.person_id}' 不是网格 {e.grid_id} 的志愿者 is not a volunteer of this grid"
            )
        rows.append({**e.__dict__, "recorded_by": by, "recorded_at": now})
    if rows:
        session.execute(insert(GridVolunteerHoursRow), rows)
    return len(rows)


def _evidence(session: Session, pid: str, activity: str) -> tuple[str, float, float, dt.datetime]:
    h = GridVolunteerHoursRow
    r = session.execute(
        select(h.photo_ref, h.lat, h.lon, h.day)
        .where(h.person_id == pid, h.activity == activity, h.photo_ref.is_not(None))
        .where(h.lat.is_not(None), h.lon.is_not(None))
        .order_by(h.day.desc(), h.id.desc())
        .limit(1)
    ).one()
    noon = dt.datetime.combine(r[3], dt.time(12), _CHINA).astimezone(dt.UTC)
    return str(r[0]), float(r[1] or 0.0), float(r[2] or 0.0), noon


def convert_to_eco(
    session: Session, rule: EcoRule, *, period: str, by: str, at: dt.datetime
) -> dict[str, int]:
    """Convert unconverted eco hours into awards; returns person id → awards made."""
    items = known_items(session)
    missing = sorted(set(rule.items.values()) - items)
    if missing:
        raise DataError(f"生态细则中没有这些项目 the eco rulebook has no items {missing}")
    done: dict[tuple[str, str], float] = defaultdict(float)
    for pid, rj, used in session.execute(
        select(
            GridEcoConversionRow.person_id,
            GridEcoConversionRow.rule,
            GridEcoConversionRow.hours_used,
        )
    ):
        done[(pid, str(rj.get("activity")))] += used
    q = (
        select(
            GridVolunteerHoursRow.person_id,
            GridVolunteerHoursRow.activity,
            func.sum(GridVolunteerHoursRow.hours),
        )
        .where(
            GridVolunteerHoursRow.activity.in_(list(rule.items)),
            GridVolunteerHoursRow.photo_ref.is_not(None),
            GridVolunteerHoursRow.lat.is_not(None),
            GridVolunteerHoursRow.lon.is_not(None),
        )
        .group_by(GridVolunteerHoursRow.person_id, GridVolunteerHoursRow.activity)
    )
    holders = dict(
        session.execute(
            select(GridPersonRow.id, GridPersonRow.eco_holder_id).where(
                GridPersonRow.eco_holder_id.is_not(None)
            )
        ).all()
    )
    out: dict[str, int] = {}
    for pid, activity, total in sorted(session.execute(q).all()):
        holder = holders.get(pid)
        if holder is None:
            continue
        n = int((float(total) - done[(pid, activity)]) // rule.hours_per_award)
        if n <= 0:
            continue
        ev = _evidence(session, pid, activity)
        awards = [PointsAward(holder, rule.items[activity], period, at, *ev)] * n
        ids = award_points(session, awards, by)
        session.execute(
            insert(GridEcoConversionRow),
            [
                {
                    "person_id": pid,
                    "hours_used": n * rule.hours_per_award,
                    "eco_entry_ids": ids,
                    "rule": {
                        "activity": activity,
                        "item": rule.items[activity],
                        "hours_per_award": rule.hours_per_award,
                    },
                    "by": by,
                    "at": at,
                }
            ],
        )
        out[pid] = out.get(pid, 0) + n
    return out
