"""Grassroots-governance indicators (pure): observation rows with source ``derived`` per grid,
village, township and county, for the engine's latent governance-foundation pillar.

Exact definitions (period P: ``YYYY``, ``YYYY-Qn`` or ``YYYY-MM`` in China time) are in
``docs/grid.md``; a unit gets a row only when the indicator's denominator is positive there.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from zhengji.bundle.model import ObservationRow
from zhengji.errors import DataError

__all__ = [
    "INDICATORS",
    "YEARS",
    "DisputeFact",
    "Facts",
    "period_bounds",
    "rows",
]

CHINA = dt.timezone(dt.timedelta(hours=8), "CST")

#: id → (中文, English, unit, direction: +1 higher is better, -1 lower is better)
INDICATORS: dict[str, tuple[str, str, str, int]] = {
    "grid_visit_coverage": ("走访覆盖率", "Household visit coverage", "%", 1),
    "grid_found_first": (
        "网格先发现率（排查发现占比）",
        "Issues found by the grid before citizens reported them",
        "%",
        1,
    ),
    "grid_mediation_success": ("调解成功率", "Mediation success rate", "%", 1),
    "grid_resolved_in_village": ("小事不出村", "Disputes settled within the village", "%", 1),
    "grid_resolved_in_township": ("大事不出镇", "Disputes settled within the township", "%", 1),
    "grid_petition_rate": ("矛盾上交率（转信访）", "Disputes escalated to petitions", "%", -1),
    "grid_volunteer_participation": (
        "志愿者参与度（每百户）",
        "Active volunteers per 100 households",
        "人/百户",
        1,
    ),
}


_PERIOD = re.compile(r"([0-9]{4})(?:-Q([0-9])|-([0-9]{2}))?")
#: Years a period may name: enough for any record, and far from datetime's limits (year 1 in
#: China time is before datetime's first instant in UTC).
YEARS = (1900, 2999)


def period_bounds(period: str) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in UTC of a period given as ``YYYY``, ``YYYY-Qn`` or ``YYYY-MM``."""
    m = _PERIOD.fullmatch(period)
    y = int(m.group(1)) if m else 0
    q = int(m.group(2)) if m and m.group(2) else None
    mo = int(m.group(3)) if m and m.group(3) else None
    if (
        m is None
        or not YEARS[0] <= y <= YEARS[1]
        or (q is not None and not 1 <= q <= 4)
        or (mo is not None and not 1 <= mo <= 12)
    ):
        raise DataError(
            f"期间格式无效 invalid period '{period}': use YYYY, YYYY-Qn (n = 1–4) or YYYY-MM "
            f"(MM = 01–12), with a year from {YEARS[0]} to {YEARS[1]}, e.g. 2025, 2025-Q2, "
            "2025-06"
        )
    if q is not None:
        first, months = 3 * q - 2, 3
    elif mo is not None:
        first, months = mo, 1
    else:
        first, months = 1, 12
    end = first - 1 + months  # months since January of y, 1–12
    a = dt.datetime(y, first, 1, tzinfo=CHINA)
    b = dt.datetime(y + end // 12, end % 12 + 1, 1, tzinfo=CHINA)
    return a.astimezone(dt.UTC), b.astimezone(dt.UTC)


@dataclass(frozen=True)
class DisputeFact:
    grid_id: str
    opened_in_period: bool
    concluded_in_period: bool
    outcome: str | None  # agreement | court | arbitration | None
    concluded_level: str | None  # village | township | county
    petitioned: bool


@dataclass(frozen=True)
class Facts:
    """What the store holds for one period (see :mod:`zhengji.grid.facts`)."""

    tree: Mapping[str, tuple[str, str, str]]  # grid → (village, township, county)
    households: Mapping[str, int]  # grid → number of households
    visited: Mapping[str, int]  # grid → households visited at least once in P
    found: Mapping[str, int]  # grid → issues found by the grid in P (citizen requests made)
    citizen_first: Mapping[str, int]  # township → requests citizens submitted in P
    disputes: Sequence[DisputeFact]
    volunteers: Mapping[str, int]  # grid → volunteers with hours in P (counted once per unit)
    volunteer_units: Mapping[str, int] | None = None  # unit → distinct volunteers, if given


def _up(tree: Mapping[str, tuple[str, str, str]], grid: str) -> tuple[str, ...]:
    v, t, c = tree[grid]
    return (grid, v, t, c)


def _sum(tree: Mapping[str, tuple[str, str, str]], per_grid: Mapping[str, int]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for g, n in per_grid.items():
        if g in tree:
            for u in _up(tree, g):
                out[u] += n
    return out


def _pct(num: Mapping[str, int | float], den: Mapping[str, int]) -> Iterable[tuple[str, float]]:
    for u in sorted(den):
        if den[u] > 0:
            yield u, 100.0 * num.get(u, 0) / den[u]


def rows(f: Facts, period: str, only: Collection[str] | None = None) -> list[ObservationRow]:
    """Every indicator of :data:`INDICATORS` for every unit with a positive denominator (of
    ``only`` when given: the units whose grids ``f`` holds completely)."""
    out: list[ObservationRow] = []

    def emit(ind: str, pairs: Iterable[tuple[str, float]]) -> None:
        out.extend(
            ObservationRow(u, period, ind, round(v, 6), "derived")
            for u, v in pairs
            if only is None or u in only
        )

    hh = _sum(f.tree, f.households)
    emit("grid_visit_coverage", _pct(_sum(f.tree, f.visited), hh))
    found = _sum(f.tree, f.found)
    towns = {t for _, t, _ in f.tree.values()}
    county_of = {t: c for _, t, c in f.tree.values()}
    counties = set(county_of.values())
    cit: dict[str, int] = defaultdict(int)
    for t, n in f.citizen_first.items():
        if t in towns:
            cit[t] += n
            cit[county_of[t]] += n
    emit(
        "grid_found_first",
        _pct(found, {u: found.get(u, 0) + cit[u] for u in set(cit) | towns | counties}),
    )
    concluded: dict[str, int] = defaultdict(int)
    agreed: dict[str, int] = defaultdict(int)
    in_village: dict[str, int] = defaultdict(int)
    in_town: dict[str, int] = defaultdict(int)
    opened: dict[str, int] = defaultdict(int)
    petitioned: dict[str, int] = defaultdict(int)
    for d in f.disputes:
        if d.grid_id not in f.tree:
            continue
        units = _up(f.tree, d.grid_id)
        for u in units:
            if d.concluded_in_period:
                concluded[u] += 1
                if d.outcome == "agreement":
                    agreed[u] += 1
                    in_village[u] += d.concluded_level == "village"
                    in_town[u] += d.concluded_level in ("village", "township")
            if d.opened_in_period:
                opened[u] += 1
                petitioned[u] += d.petitioned
    emit("grid_mediation_success", _pct(agreed, concluded))
    emit("grid_resolved_in_village", _pct(in_village, concluded))
    emit("grid_resolved_in_township", _pct(in_town, concluded))
    emit("grid_petition_rate", _pct(petitioned, opened))
    vols = f.volunteer_units if f.volunteer_units is not None else _sum(f.tree, f.volunteers)
    emit("grid_volunteer_participation", _pct(vols, hh))
    return out
