"""Store the grid structure and the people who hold roles in it; erase people (PIPL).

``store_structure`` checks the whole structure (with what is already stored) before writing
anything; a row identical to a stored one is left alone, a row that contradicts a stored one
is an error (change the structure with a new id, never in place).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from zhengji.errors import DataError, StoreError
from zhengji.grid import structure as st
from zhengji.grid.units import townships
from zhengji.store.schema_grid import (
    GridGroupRow,
    GridHouseholdRow,
    GridPersonRow,
    GridRoleRow,
    GridRow,
    GridVillageRow,
)

__all__ = ["Stored", "Where", "erase_person", "has_role", "locate_grid", "store_structure"]


@dataclass(frozen=True)
class Stored:
    villages: int
    grids: int
    groups: int
    households: int
    people: int
    roles: int


@dataclass(frozen=True)
class Where:
    """A grid's place: its village, township and county."""

    grid_id: str
    grid_name: str
    village_id: str
    village_name: str
    township_id: str
    county_id: str


def _stored(session: Session) -> st.Structure:
    return st.Structure(
        tuple(
            st.Village(r.id, r.name, r.township_id, r.kind)
            for r in session.scalars(select(GridVillageRow))
        ),
        tuple(st.Grid(r.id, r.name, r.village_id) for r in session.scalars(select(GridRow))),
        tuple(
            st.Group(r.id, r.name, r.grid_id, r.lead_household_id)
            for r in session.scalars(select(GridGroupRow))
        ),
        tuple(
            st.Household(r.id, r.group_id, r.members)
            for r in session.scalars(select(GridHouseholdRow))
        ),
        tuple(
            st.Person(r.id, r.name, r.phone, r.household_id, r.eco_holder_id)
            for r in session.scalars(select(GridPersonRow))
        ),
        tuple(
            st.Role(r.person_id, r.role, r.unit_id, r.mode)
            for r in session.scalars(select(GridRoleRow))
        ),
    )


def _key(x: Any) -> tuple[Any, ...]:
    d = dict(x.__dict__)
    d.pop("row", None)
    return tuple(d.values())


def store_structure(
    session: Session, s: st.Structure, labels: Mapping[str, str] | None = None
) -> Stored:
    """Check ``s`` together with the stored structure, then add what is new."""
    old = _stored(session)
    labels = labels or {}
    problems: list[st.Problem] = []
    new: dict[str, list[Any]] = {}
    for name in ("villages", "grids", "groups", "households", "people"):
        known = {x.id: x for x in getattr(old, name)}
        fresh = []
        for x in getattr(s, name):
            k = known.get(x.id)
            if k is None:
                fresh.append(x)
            elif name != "people" and _key(k) != _key(x):
                problems.append(
                    (
                        name,
                        x.row,
                        "id",
                        f"已存在且内容不同 '{x.id}' exists with other values; use a new id",
                    )
                )
        new[name] = fresh
    old_roles = {(r.person_id, r.role, r.unit_id) for r in old.roles}
    new_roles = [r for r in s.roles if (r.person_id, r.role, r.unit_id) not in old_roles]
    tw = townships(session)
    merged = st.Structure(
        old.villages + tuple(new["villages"]),
        old.grids + tuple(new["grids"]),
        old.groups + tuple(new["groups"]),
        old.households + tuple(new["households"]),
        old.people + tuple(new["people"]),
        old.roles + tuple(new_roles),
    )
    problems += st.check(merged, tw, sorted(set(tw.values())))
    if problems:
        shown = [(labels.get(f, f), row, col, msg) for f, row, col, msg in problems]
        raise DataError(
            "网格结构无效，未导入任何数据 invalid grid structure, nothing stored", shown
        )
    if new["villages"]:
        session.execute(
            insert(GridVillageRow),
            [
                {
                    "id": v.id,
                    "name": v.name,
                    "township_id": v.township_id,
                    "county_id": tw[v.township_id],
                    "kind": v.kind,
                }
                for v in new["villages"]
            ],
        )
    for name, table, cols in (
        ("grids", GridRow, ("id", "name", "village_id")),
        ("groups", GridGroupRow, ("id", "name", "grid_id", "lead_household_id")),
        ("households", GridHouseholdRow, ("id", "group_id", "members")),
        ("people", GridPersonRow, ("id", "name", "phone", "household_id", "eco_holder_id")),
    ):
        if new[name]:
            rows = [{c: getattr(x, c) for c in cols} for x in new[name]]
            if name == "people":
                rows = [r | {"erased_at": None} for r in rows]
            session.execute(insert(table), rows)
    if new_roles:
        session.execute(
            insert(GridRoleRow),
            [
                {"person_id": r.person_id, "role": r.role, "unit_id": r.unit_id, "mode": r.mode}
                for r in new_roles
            ],
        )
    n = {k: len(v) for k, v in new.items()}
    return Stored(
        n["villages"], n["grids"], n["groups"], n["households"], n["people"], len(new_roles)
    )


def has_role(session: Session, person_id: str, role: str, units: tuple[str, ...]) -> bool:
    q = select(GridRoleRow.id).where(
        GridRoleRow.person_id == person_id, GridRoleRow.role == role, GridRoleRow.unit_id.in_(units)
    )
    return session.scalar(q.limit(1)) is not None


def locate_grid(session: Session, grid_id: str) -> Where:
    row = session.execute(
        select(
            GridRow.name,
            GridVillageRow.id,
            GridVillageRow.name,
            GridVillageRow.township_id,
            GridVillageRow.county_id,
        )
        .join(GridVillageRow, GridRow.village_id == GridVillageRow.id)
        .where(GridRow.id == grid_id)
    ).first()
    if row is None:
        raise DataError(f"未知网格 unknown grid '{grid_id}'")
    return Where(grid_id, row[0], row[1], row[2], row[3], row[4])


def erase_person(session: Session, person_id: str, by: str, reason: str) -> None:
    """Erase a person's name and phone (PIPL); ids, roles and records stay."""
    if not by.strip() or not reason.strip():
        raise StoreError("须注明经办人和依据 give who erases (by) and the legal basis (reason)")
    row = session.get(GridPersonRow, person_id)
    if row is None:
        raise DataError(f"未知人员 unknown person '{person_id}'")
    row.name, row.phone, row.erased_at = None, None, dt.datetime.now(dt.UTC)
    session.flush()
