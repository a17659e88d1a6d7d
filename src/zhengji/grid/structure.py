"""The grid structure (一张网十联户) as plain values, and its validation (pure).

villages/communities → grids (网格) → ten-household groups (十联户) → households; people hold
roles at units of that tree (or at the township/county above it). :func:`check` returns every
problem with the table, row and column it comes from, so the importer can refuse the whole
file with exact places.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "ROLES",
    "Grid",
    "Group",
    "Household",
    "Person",
    "Role",
    "Structure",
    "Village",
    "check",
]

#: role → (中文 English, unit kinds it may sit at)
ROLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "grid_worker": ("网格员 grid worker", ("grid",)),
    "lead_household": ("联户长 lead household", ("group",)),
    "legal_literate": ("法律明白人 legally literate villager", ("village", "grid")),
    "mediator": ("调解员 mediator", ("village", "township", "county")),
    "volunteer": ("志愿者 volunteer", ("village", "grid")),
    "centre": ("综治中心 comprehensive governance centre staff", ("township", "county")),
}
MODES = ("full_time", "part_time")  # 专职 / 兼职 (mediators)
Problem = tuple[str, int | None, str | None, str]


@dataclass(frozen=True)
class Village:
    id: str
    name: str
    township_id: str
    kind: str  # village | community
    row: int = 0


@dataclass(frozen=True)
class Grid:
    id: str
    name: str
    village_id: str
    row: int = 0


@dataclass(frozen=True)
class Group:
    id: str
    name: str
    grid_id: str
    lead_household_id: str
    row: int = 0


@dataclass(frozen=True)
class Household:
    id: str
    group_id: str
    members: int
    row: int = 0


@dataclass(frozen=True)
class Person:
    id: str
    name: str | None
    phone: str | None
    household_id: str | None = None
    eco_holder_id: str | None = None
    row: int = 0


@dataclass(frozen=True)
class Role:
    person_id: str
    role: str
    unit_id: str
    mode: str | None = None
    row: int = 0


@dataclass(frozen=True)
class Structure:
    villages: tuple[Village, ...] = ()
    grids: tuple[Grid, ...] = ()
    groups: tuple[Group, ...] = ()
    households: tuple[Household, ...] = ()
    people: tuple[Person, ...] = ()
    roles: tuple[Role, ...] = ()


def _dupes(
    file: str, items: Sequence[Village | Grid | Group | Household | Person]
) -> list[Problem]:
    counts = Counter(i.id for i in items)
    return [
        (file, i.row, "id", f"编号重复 duplicate id '{i.id}': each must appear once")
        for i in items
        if counts[i.id] > 1
    ]


def check(s: Structure, townships: Mapping[str, str], counties: Sequence[str]) -> list[Problem]:
    """Every problem of ``s``; ``townships`` maps known township ids to their county."""
    out: list[Problem] = []
    for f, items in (
        ("villages", s.villages),
        ("grids", s.grids),
        ("groups", s.groups),
        ("households", s.households),
        ("people", s.people),
    ):
        out += _dupes(f, items)
    villages = {v.id for v in s.villages}
    grids = {g.id for g in s.grids}
    groups = {g.id: g for g in s.groups}
    households = {h.id: h for h in s.households}
    for v in s.villages:
        if v.township_id not in townships:
            out.append(
                ("villages", v.row, "township_id", f"未知乡镇 unknown township '{v.township_id}'")
            )
        if v.kind not in ("village", "community"):
            out.append(("villages", v.row, "kind", "须为 village 或 community"))
    for g in s.grids:
        if g.village_id not in villages:
            out.append(
                ("grids", g.row, "village_id", f"未知村/社区 unknown village '{g.village_id}'")
            )
    for gr in s.groups:
        if gr.grid_id not in grids:
            out.append(("groups", gr.row, "grid_id", f"未知网格 unknown grid '{gr.grid_id}'"))
        lead = households.get(gr.lead_household_id)
        if lead is None or lead.group_id != gr.id:
            out.append(
                (
                    "groups",
                    gr.row,
                    "lead_household_id",
                    f"联户长户 '{gr.lead_household_id}' 不在本联户组 "
                    "is not a household of this group",
                )
            )
    for h in s.households:
        if h.group_id not in groups:
            out.append(
                ("households", h.row, "group_id", f"未知联户组 unknown group '{h.group_id}'")
            )
        if h.members < 1:
            out.append(("households", h.row, "members", "人口须至少为 1 members must be ≥ 1"))
    members = Counter(h.group_id for h in s.households)
    for gr in s.groups:
        if members[gr.id] == 0:
            out.append(("groups", gr.row, "id", "联户组没有户 the group has no households"))
    used = {g.village_id for g in s.grids}
    for v in s.villages:
        if v.id not in used:
            out.append(("villages", v.row, "id", "村/社区没有网格 the village has no grid"))
    people = {p.id for p in s.people}
    units = {
        "village": villages,
        "grid": grids,
        "group": set(groups),
        "township": set(townships),
        "county": set(counties),
    }
    for r in s.roles:
        if r.person_id not in people:
            out.append(("people", r.row, "person_id", f"未知人员 unknown person '{r.person_id}'"))
        spec = ROLES.get(r.role)
        if spec is None:
            out.append(
                ("people", r.row, "role", f"未知角色 unknown role '{r.role}'; {sorted(ROLES)}")
            )
            continue
        if not any(r.unit_id in units[k] for k in spec[1]):
            out.append(
                (
                    "people",
                    r.row,
                    "unit_id",
                    f"{spec[0]} 须属于 must sit at a {'/'.join(spec[1])}, not '{r.unit_id}'",
                )
            )
        if r.role == "mediator" and r.mode not in MODES:
            out.append(("people", r.row, "mode", f"调解员须注明专职/兼职 mediator mode: {MODES}"))
    return out
