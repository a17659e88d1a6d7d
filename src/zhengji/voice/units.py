"""Units that receive requests (the city dispatch centre, counties, townships) and routing.

``route`` is pure: which unit is responsible for a request of a service at a place. The unit
ids are the assessment's unit ids (``zhengji.demo.world`` uses the same), so the metrics join
the engine's panel; ``voice_units`` exists so the citizen API can run without any bundle.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhengji.errors import DataError
from zhengji.store.schema_voice import VoiceUnitRow
from zhengji.voice.catalogue import Service

__all__ = ["LEVELS", "Unit", "county_of", "load_units", "locate", "register_units", "route"]

LEVELS = ("city", "county", "township", "department")


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    parent_id: str | None
    level: str
    lat: float | None = None
    long: float | None = None


def register_units(session: Session, units: Iterable[Unit]) -> int:
    """Add units not yet known (known ids are left as they are); returns how many were added."""
    known = set(session.scalars(select(VoiceUnitRow.id)))
    new = [u for u in units if u.id not in known]
    for u in new:
        if u.level not in LEVELS:
            raise DataError(f"未知单位层级 unknown unit level '{u.level}' of '{u.id}'; {LEVELS}")
    # parents first, so the foreign key holds whatever order the caller used
    order = {lvl: i for i, lvl in enumerate(LEVELS)}
    for u in sorted(new, key=lambda u: order[u.level]):
        session.add(VoiceUnitRow(**u.__dict__))
        session.flush()
    return len(new)


def load_units(session: Session) -> dict[str, Unit]:
    rows = session.scalars(select(VoiceUnitRow)).all()
    return {r.id: Unit(r.id, r.name, r.parent_id, r.level, r.lat, r.long) for r in rows}


def county_of(units: Mapping[str, Unit], unit_id: str) -> str | None:
    """The county a unit belongs to (itself if a county), None for the city."""
    u = units.get(unit_id)
    while u is not None and u.level not in ("county", "city"):
        u = units.get(u.parent_id or "")
    return u.id if u is not None and u.level == "county" else None


def _within(units: Mapping[str, Unit], unit_id: str, area: str) -> bool:
    u = units.get(unit_id)
    while u is not None:
        if u.id == area:
            return True
        u = units.get(u.parent_id or "")
    return False


def locate(
    units: Mapping[str, Unit],
    jurisdiction_id: str,
    address_id: str | None,
    lat: float | None,
    long: float | None,
) -> str | None:
    """The township of a request: ``address_id`` naming one, else the nearest township centre
    within the jurisdiction (equirectangular distance is plenty at county scale)."""
    if address_id and address_id in units and units[address_id].level == "township":
        return address_id if _within(units, address_id, jurisdiction_id) else None
    if lat is None or long is None:
        return None
    best, best_d = None, math.inf
    for u in units.values():
        if u.level != "township" or u.lat is None or u.long is None:
            continue
        if not _within(units, u.id, jurisdiction_id):
            continue
        dx = (u.long - long) * math.cos(math.radians(lat))
        d = dx * dx + (u.lat - lat) ** 2
        if d < best_d:
            best, best_d = u.id, d
    return best


def route(
    units: Mapping[str, Unit], svc: Service, jurisdiction_id: str, township_id: str | None
) -> str:
    """The responsible unit: the township for township matters, else its county; a request
    that cannot be placed goes to the jurisdiction itself (the city centre routes it by hand)."""
    if township_id is not None:
        if svc.scope == "township":
            return township_id
        return county_of(units, township_id) or jurisdiction_id
    return jurisdiction_id
