"""Import eco-account records and GEP inputs from CSV files (all or nothing).

A directory may hold ``people.csv``, ``holders.csv``, ``awards.csv`` and ``gep_inputs.csv``
(columns in :data:`COLUMNS`; docs/eco.md). Every problem is reported with file, row and
column before anything is written; the caller's transaction then writes everything or nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from zhengji.eco.gep import SERVICES, GepAccount, PriceTable, account
from zhengji.eco.rulebook import HOLDER_KINDS, Rulebook
from zhengji.eco.service import AwardInput, add_holder, add_person, award_many
from zhengji.eco.units import Quantity, dimension_of
from zhengji.errors import DataError, MethodError
from zhengji.store.schema_eco import EcoGepInputRow, EcoHolderRow, EcoPersonRow

__all__ = [
    "COLUMNS",
    "GDP",
    "ImportCounts",
    "gep_accounts",
    "gep_inputs",
    "import_dir",
    "read_gep_csv",
    "store_gep_inputs",
]

GDP = "gdp"
"""Reserved service name in ``gep_inputs.csv``: the unit's GDP (元), for the GEP/GDP ratio."""
CHINA = dt.timezone(dt.timedelta(hours=8))
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


def _read(path: Path, problems: Problems) -> list[tuple[int, dict[str, str]]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS[path.name] if c not in (reader.fieldnames or [])]
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
    inputs: list[AwardInput] = []
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
    gep_rows = _gep_rows(gep, pr)
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


def _gep_rows(rows: list[tuple[int, dict[str, str]]], pr: Problems) -> list[dict[str, Any]]:
    out = []
    for n, r in rows:
        f = "gep_inputs.csv"
        svc = r["service"]
        if svc != GDP and svc not in SERVICES:
            pr.append(
                (f, n, "service", f"未知服务 unknown service; valid: {GDP}, {', '.join(SERVICES)}")
            )
            continue
        try:
            q = float(r["quantity"])
            dim = dimension_of(r["unit"])
        except ValueError:
            pr.append((f, n, "quantity", "不是数字 not a number"))
            continue
        except MethodError as exc:
            pr.append((f, n, "unit", str(exc)))
            continue
        want = dimension_of("元" if svc == GDP else SERVICES[svc].unit)
        if dim != want:
            pr.append((f, n, "unit", f"单位量纲不对 {svc} needs a {want} unit, got {r['unit']}"))
            continue
        out.append(
            {
                "unit_id": r["unit_id"],
                "year": r["year"],
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
    rows = _gep_rows(_read(path, pr), pr)
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


def gep_accounts(
    inputs: Mapping[tuple[str, str], Mapping[str, Quantity]], prices: PriceTable
) -> tuple[list[GepAccount], dict[str, dict[str, float]]]:
    """GEP accounts per (unit, year) and GDP (元) per unit and year."""
    accs: list[GepAccount] = []
    gdp: dict[str, dict[str, float]] = {}
    for (unit, year), svc in sorted(inputs.items()):
        accs.append(account(unit, year, {k: v for k, v in svc.items() if k != GDP}, prices))
        if GDP in svc:
            gdp.setdefault(unit, {})[year] = svc[GDP].to("元").value
    return accs, gdp
