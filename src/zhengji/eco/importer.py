"""Import eco-account records and GEP inputs from CSV files (all or nothing).

A directory may hold ``people.csv``, ``holders.csv``, ``awards.csv`` and ``gep_inputs.csv``
(columns in :data:`COLUMNS`; docs/eco.md). Every problem is reported with file, row and
column before anything is written; the caller's transaction then writes everything or nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, aliased

from zhengji.eco.gep import SERVICES, GepAccount, PriceTable, account
from zhengji.eco.rulebook import HOLDER_KINDS, Rulebook
from zhengji.eco.service import AwardInput, add_holder, add_person, award_many
from zhengji.eco.units import Quantity, dimension_of
from zhengji.errors import DataError, MethodError
from zhengji.store.schema import UnitRecord
from zhengji.store.schema_eco import (
    EcoEntryRow,
    EcoGepInputRow,
    EcoHolderRow,
    EcoPersonRow,
    EcoRuleItemRow,
)

__all__ = [
    "COLUMNS",
    "GDP",
    "ImportCounts",
    "gep_accounts",
    "gep_inputs",
    "gep_left_out",
    "import_dir",
    "read_gep_csv",
    "store_gep_inputs",
]

GDP = "gdp"
"""Reserved service name in ``gep_inputs.csv``: the unit's GDP (元), for the GEP/GDP ratio."""
CHINA = dt.timezone(dt.timedelta(hours=8))
_YEAR = re.compile(r"[0-9]{4}")
COLUMNS: dict[str, tuple[str, ...]] = {
    "people.csv": ("person_id", "household_id", "name"),
    "holders.csv": (
        "holder_id",
        "kind",
        "village_id",
        "township_id",
        "county_id",
        "household_id",
        "person_id",
        "name",
    ),
    "awards.csv": (
        "holder_id",
        "item_id",
        "period",
        "inspector_id",
        "awarded_at",
        "photo_ref",
        "lat",
        "lon",
        "evidence_at",
        "device_id",
        "signed_by",
        "signed_at",
    ),
    "gep_inputs.csv": ("unit_id", "year", "service", "quantity", "unit", "source"),
}
Problems = list[tuple[str, int | None, str | None, str]]


@dataclass(frozen=True)
class ImportCounts:
    people: int
    holders: int
    awards: int
    gep_inputs: int


def _read(
    path: Path, problems: Problems, kind: str | None = None
) -> list[tuple[int, dict[str, str]]]:
    """Rows of ``path`` with their line numbers; ``kind`` (a key of :data:`COLUMNS`, default
    the file's name) says which columns it needs, so any file name works."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS[kind or path.name] if c not in (reader.fieldnames or [])]
        if missing:
            problems.append((path.name, 1, ", ".join(missing), "缺少列 missing columns"))
            return []
        return [
            (n, {k: (v or "").strip() for k, v in row.items() if k})
            for n, row in enumerate(reader, start=2)
        ]


def _time(v: str) -> dt.datetime:
    t = dt.datetime.fromisoformat(v)
    return t if t.tzinfo else t.replace(tzinfo=CHINA)


def _opt(v: str) -> str | None:
    return v or None


def import_dir(
    session: Session, folder: str | Path, rb_pk: int, rb: Rulebook, by: str
) -> ImportCounts:
    d = Path(folder)
    if not d.is_dir():
        raise DataError(f"不是目录 not a directory: {d}")
    pr: Problems = []
    people = _read(d / "people.csv", pr)
    holders = _read(d / "holders.csv", pr)
    awards = _read(d / "awards.csv", pr)
    gep = _read(d / "gep_inputs.csv", pr)
    household: dict[str, str | None] = {
        p: h for p, h in session.execute(select(EcoPersonRow.id, EcoPersonRow.household_id))
    }
    known_holders = {
        h: (hh, p)
        for h, hh, p in session.execute(
            select(EcoHolderRow.id, EcoHolderRow.household_id, EcoHolderRow.person_id)
        )
    }
    for n, r in people:
        if not r["person_id"]:
            pr.append(("people.csv", n, "person_id", "为空 empty"))
        household[r["person_id"]] = _opt(r["household_id"])
    for n, r in holders:
        if r["kind"] not in HOLDER_KINDS:
            pr.append(("holders.csv", n, "kind", f"须为 must be one of {', '.join(HOLDER_KINDS)}"))
        if r["holder_id"] in known_holders:
            pr.append(("holders.csv", n, "holder_id", f"已存在 holder '{r['holder_id']}' exists"))
        if r["person_id"] and r["person_id"] not in household:
            pr.append(("holders.csv", n, "person_id", f"无此人 unknown person '{r['person_id']}'"))
        for c in ("holder_id", "village_id", "township_id", "county_id"):
            if not r[c]:
                pr.append(("holders.csv", n, c, "为空 empty"))
        known_holders[r["holder_id"]] = (_opt(r["household_id"]), _opt(r["person_id"]))
    items = {i.id: i for i in rb.items}
    now = dt.datetime.now(dt.UTC)
    inputs: list[AwardInput] = []
    lines: list[int] = []  # the line of each input, for the cap check
    for n, r in awards:
        f = "awards.csv"
        try:
            at = _time(r["awarded_at"])
            ev = _time(r["evidence_at"]) if r["evidence_at"] else None
            signed = _time(r["signed_at"]) if r["signed_at"] else None
            lat = float(r["lat"]) if r["lat"] else None
            lon = float(r["lon"]) if r["lon"] else None
        except ValueError as exc:
            pr.append((f, n, None, f"日期或坐标无效 bad date or coordinate: {exc}"))
            continue
        bad = len(pr)
        if not _YEAR.fullmatch(r["period"]):
            pr.append(
                (
                    f,
                    n,
                    "period",
                    f"年度须为四位数字年份 period must be a four-digit year such as 2025, "
                    f"got '{r['period']}'",
                )
            )
        for col, v, lim in (("lat", lat, 90.0), ("lon", lon, 180.0)):
            if v is not None and not (math.isfinite(v) and -lim <= v <= lim):
                pr.append(
                    (
                        f,
                        n,
                        col,
                        f"坐标超出范围 {col} must be between -{lim:g} and {lim:g}, got {v:g}",
                    )
                )
        if ev is not None and ev > now:
            pr.append(
                (
                    f,
                    n,
                    "evidence_at",
                    f"取证时间在未来 evidence dated in the future: {ev.isoformat()}",
                )
            )
        if signed is not None and signed < at:
            pr.append(
                (
                    f,
                    n,
                    "signed_at",
                    f"复核早于记分 the sign-off ({signed.isoformat()}) is dated before the award "
                    f"({at.isoformat()})",
                )
            )
        item = items.get(r["item_id"])
        if item is None:
            pr.append((f, n, "item_id", f"细则中无此项目 unknown item; valid: {', '.join(items)}"))
            continue
        need = {
            "photo": r["photo_ref"],
            "location": r["lat"] and r["lon"],
            "time": r["evidence_at"],
        }
        for kind in item.evidence:
            if not need[kind]:
                pr.append(
                    (
                        f,
                        n,
                        {"photo": "photo_ref", "location": "lat", "time": "evidence_at"}[kind],
                        f"此项目须提供证据 the item needs evidence: {kind}",
                    )
                )
        hold = known_holders.get(r["holder_id"])
        if hold is None:
            pr.append((f, n, "holder_id", f"无此账户 unknown holder '{r['holder_id']}'"))
            continue
        insp = r["inspector_id"]
        if insp not in household:
            pr.append((f, n, "inspector_id", f"无此人 unknown person '{insp}'"))
        elif insp == hold[1] or (hold[0] is not None and household[insp] == hold[0]):
            pr.append(
                (
                    f,
                    n,
                    "inspector_id",
                    "核查人不得是受益人或其家庭成员 "
                    "inspector is the beneficiary or of their household",
                )
            )
        sb = r["signed_by"]
        if sb and (
            sb == insp
            or sb not in household
            or sb == hold[1]
            or (hold[0] is not None and household[sb] == hold[0])
        ):
            pr.append(
                (
                    f,
                    n,
                    "signed_by",
                    "复核人须为另一人且非受益家庭成员 "
                    "the sign-off must be by another, unrelated person",
                )
            )
        if len(pr) > bad:
            continue  # a row with problems does not count towards the caps below
        lines.append(n)
        inputs.append(
            AwardInput(
                r["holder_id"],
                r["item_id"],
                r["period"],
                insp,
                at,
                _opt(r["photo_ref"]),
                lat,
                lon,
                ev,
                _opt(r["device_id"]),
                _opt(sb),
                signed,
            )
        )
    pr.extend(_cap_problems(session, rb, inputs, lines))
    units = _store_units(session) | {u for _, r in holders for u in _holder_units(r)}
    gep_rows = _gep_rows(gep, pr, "gep_inputs.csv", units)
    if pr:
        raise DataError(f"导入失败，未写入任何数据 nothing imported from {d}", pr)
    for _, r in people:
        add_person(session, r["person_id"], _opt(r["household_id"]), _opt(r["name"]))
    for _, r in holders:
        add_holder(
            session,
            r["holder_id"],
            r["kind"],
            r["village_id"],
            r["township_id"],
            r["county_id"],
            _opt(r["household_id"]),
            _opt(r["person_id"]),
            _opt(r["name"]),
        )
    award_many(session, rb_pk, rb, inputs, by)
    store_gep_inputs(session, gep_rows)
    return ImportCounts(len(people), len(holders), len(inputs), len(gep_rows))


def _holder_units(r: Mapping[str, str]) -> list[str]:
    return [r["village_id"], r["township_id"], r["county_id"]]


def _store_units(session: Session) -> set[str]:
    """Units GEP inputs may name: the assessed units and the units of the eco-account holders."""
    known = set(session.scalars(select(UnitRecord.id)))
    for v, t, c in session.execute(
        select(EcoHolderRow.village_id, EcoHolderRow.township_id, EcoHolderRow.county_id)
    ):
        known.update((v, t, c))
    return known


def _cap_problems(
    session: Session, rb: Rulebook, inputs: list[AwardInput], lines: list[int]
) -> Problems:
    """Item, dimension and total caps per holder and period, over the live awards stored and
    the rows before in the file (the database triggers stay as the last guard)."""
    if not inputs:
        return []
    items = {i.id: i for i in rb.items}
    dim_cap = {d.id: d.cap for d in rb.dimensions}
    by_item: dict[tuple[str, str, str], int] = defaultdict(int)
    by_dim: dict[tuple[str, str, str], int] = defaultdict(int)
    total: dict[tuple[str, str], int] = defaultdict(int)
    rev = aliased(EcoEntryRow)
    ids = sorted({a.holder_id for a in inputs})
    for k in range(0, len(ids), 500):
        q = (
            select(
                EcoEntryRow.holder_id,
                EcoEntryRow.period,
                EcoEntryRow.item_id,
                EcoRuleItemRow.dimension_id,
                EcoEntryRow.points,
            )
            .join(
                EcoRuleItemRow,
                (EcoRuleItemRow.rulebook_pk == EcoEntryRow.rulebook_pk)
                & (EcoRuleItemRow.item_id == EcoEntryRow.item_id),
            )
            .where(
                EcoEntryRow.kind == "award",
                EcoEntryRow.holder_id.in_(ids[k : k + 500]),
                ~select(rev.id).where(rev.reverses_id == EcoEntryRow.id).exists(),
            )
        )
        for h, p, item, dim, pts in session.execute(q):
            by_item[h, p, item] += pts
            by_dim[h, p, dim] += pts
            total[h, p] += pts
    out: Problems = []
    for n, a in zip(lines, inputs, strict=True):
        it = items[a.item_id]
        h, p = a.holder_id, a.period
        over = None
        if by_item[h, p, it.id] + it.points > it.cap:
            over = f"项目 item {it.id} cap {it.cap}", by_item[h, p, it.id]
        elif by_dim[h, p, it.dimension] + it.points > dim_cap[it.dimension]:
            over = (
                f"维度 dimension {it.dimension} cap {dim_cap[it.dimension]}",
                by_dim[h, p, it.dimension],
            )
        elif total[h, p] + it.points > rb.total_cap:
            over = f"总分 total cap {rb.total_cap}", total[h, p]
        if over is not None:
            out.append(
                (
                    "awards.csv",
                    n,
                    "item_id",
                    f"超过年度上限 {over[0]} for holder {h} in period {p} would be exceeded "
                    f"(already {over[1]} points, this row adds {it.points})",
                )
            )
            continue
        by_item[h, p, it.id] += it.points
        by_dim[h, p, it.dimension] += it.points
        total[h, p] += it.points
    return out


def _gep_rows(
    rows: list[tuple[int, dict[str, str]]], pr: Problems, f: str, units: set[str] | None
) -> list[dict[str, Any]]:
    """Checked GEP rows of file ``f``; ``units``: the unit ids a row may name (None: any
    non-empty id, when no database is read)."""
    out = []
    seen: dict[tuple[str, str, str], int] = {}
    for n, r in rows:
        bad = len(pr)
        uid, year, svc = r["unit_id"], r["year"], r["service"]
        if not uid:
            pr.append((f, n, "unit_id", "为空 empty: give the unit's id"))
        elif units is not None and uid not in units:
            pr.append(
                (
                    f,
                    n,
                    "unit_id",
                    f"未知单位 unknown unit '{uid}': not among the store's units nor the units "
                    "of the eco-account holders; check the id or load the units first",
                )
            )
        if not _YEAR.fullmatch(year):
            pr.append(
                (
                    f,
                    n,
                    "year",
                    f"年份须为四位数字 year must be four digits such as 2024, got '{year}'",
                )
            )
        if svc != GDP and svc not in SERVICES:
            pr.append(
                (f, n, "service", f"未知服务 unknown service; valid: {GDP}, {', '.join(SERVICES)}")
            )
            continue
        try:
            q = float(r["quantity"])
        except ValueError:
            pr.append((f, n, "quantity", f"不是数字 not a number: '{r['quantity']}'"))
            q = None
        if q is not None and not (math.isfinite(q) and (q > 0 if svc == GDP else q >= 0)):
            need = (
                "GDP 须大于0 GDP must be above 0"
                if svc == GDP
                else "须为有限且不小于0的数 must be finite and 0 or more"
            )
            pr.append((f, n, "quantity", f"{need}, got '{r['quantity']}'"))
        try:
            dim = dimension_of(r["unit"])
        except MethodError as exc:
            pr.append((f, n, "unit", str(exc)))
        else:
            want = dimension_of("元" if svc == GDP else SERVICES[svc].unit)
            if dim != want:
                pr.append(
                    (f, n, "unit", f"单位量纲不对 {svc} needs a {want} unit, got {r['unit']}")
                )
        key = (uid, year, svc)
        if key in seen:
            pr.append(
                (
                    f,
                    n,
                    "service",
                    f"第{seen[key]}行与第{n}行重复 rows {seen[key]} and {n} give the same unit, "
                    f"year and service ({uid}, {year}, {svc}): keep one",
                )
            )
        seen.setdefault(key, n)
        if len(pr) > bad or q is None:
            continue
        out.append(
            {
                "unit_id": uid,
                "year": year,
                "service": svc,
                "quantity": q,
                "unit": r["unit"],
                "source": r["source"] or "import",
            }
        )
    return out


def read_gep_csv(path: Path) -> dict[tuple[str, str], dict[str, Quantity]]:
    """A ``gep_inputs.csv`` file read and checked without a database: (unit, year) → service →
    quantity."""
    pr: Problems = []
    rows = _gep_rows(_read(path, pr, "gep_inputs.csv"), pr, path.name, None)
    if not path.exists():
        pr.append((path.name, None, None, f"找不到文件 file not found: {path}"))
    if pr:
        raise DataError("GEP 输入有误 invalid GEP inputs", pr)
    out: dict[tuple[str, str], dict[str, Quantity]] = {}
    for r in rows:
        out.setdefault((r["unit_id"], r["year"]), {})[r["service"]] = Quantity(
            r["quantity"], r["unit"]
        )
    return out


def store_gep_inputs(session: Session, rows: list[dict[str, Any]]) -> int:
    """Append GEP inputs; a row for a (unit, year, service) already present supersedes it."""
    if not rows:
        return 0
    latest = {
        (u, y, s): i
        for i, u, y, s in session.execute(
            select(
                EcoGepInputRow.id,
                EcoGepInputRow.unit_id,
                EcoGepInputRow.year,
                EcoGepInputRow.service,
            ).order_by(EcoGepInputRow.id)
        )
    }
    now = dt.datetime.now(dt.UTC)
    session.execute(
        insert(EcoGepInputRow),
        [
            {
                **r,
                "supersedes_id": latest.get((r["unit_id"], r["year"], r["service"])),
                "recorded_at": now,
            }
            for r in rows
        ],
    )
    return len(rows)


def gep_inputs(session: Session) -> dict[tuple[str, str], dict[str, Quantity]]:
    """Current (not superseded) inputs: (unit, year) → service → quantity (GDP included)."""
    superseded = set(
        session.scalars(
            select(EcoGepInputRow.supersedes_id).where(EcoGepInputRow.supersedes_id.is_not(None))
        )
    )
    out: dict[tuple[str, str], dict[str, Quantity]] = {}
    for r in session.scalars(select(EcoGepInputRow).order_by(EcoGepInputRow.id)):
        if r.id not in superseded:
            out.setdefault((r.unit_id, r.year), {})[r.service] = Quantity(r.quantity, r.unit)
    return out


def gep_left_out(
    inputs: Mapping[tuple[str, str], Mapping[str, Quantity]],
) -> list[tuple[str, str, str]]:
    """(unit, year, why) of the unit-years :func:`gep_accounts` leaves out: a year that is not
    four digits (stored by an older version, which did not check) or GDP without any service
    (a GEP of 0 would read as a collapse)."""
    out = []
    for (unit, year), svc in sorted(inputs.items()):
        if not _YEAR.fullmatch(year):
            out.append((unit, year, "年份不是四位数字 the year is not four digits"))
        elif not any(k != GDP for k in svc):
            out.append((unit, year, "只有GDP没有生态服务 GDP but no ecosystem service"))
    return out


def gep_accounts(
    inputs: Mapping[tuple[str, str], Mapping[str, Quantity]], prices: PriceTable
) -> tuple[list[GepAccount], dict[str, dict[str, float]]]:
    """GEP accounts per (unit, year) and GDP (元) per unit and year; the unit-years of
    :func:`gep_left_out` are left out (no account, not a zero)."""
    accs: list[GepAccount] = []
    gdp: dict[str, dict[str, float]] = {}
    for (unit, year), svc in sorted(inputs.items()):
        if not _YEAR.fullmatch(year):
            continue
        if GDP in svc:
            gdp.setdefault(unit, {})[year] = svc[GDP].to("元").value
        services = {k: v for k, v in svc.items() if k != GDP}
        if services:
            accs.append(account(unit, year, services, prices))
    return accs, gdp
