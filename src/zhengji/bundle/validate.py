"""The rules a bundle must pass. Each rule adds problems; nothing stops at the first one.

Users fix spreadsheets in one pass when they see every bad cell at once, so the checks collect
``(file, row, column, message)`` and the loader raises one :class:`DataError` at the end.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from zhengji.bundle.model import (
    OBSERVATION_COLUMNS,
    UNIT_COLUMNS,
    VETO_COLUMNS,
    VETO_OPTIONAL_COLUMNS,
    ObservationRow,
    UnitRow,
)
from zhengji.bundle.tables import Problem, RawTable
from zhengji.engine.panel import VetoEvent
from zhengji.scheme.model import SOURCES, Scheme

__all__ = [
    "MAX_PROBLEMS",
    "Problems",
    "check_observations",
    "check_units",
    "check_vetoes",
    "parse_number",
    "period_format",
]

MAX_PROBLEMS = 1000
_NUMBER = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
_PERIODS = {
    "YYYY": re.compile(r"^[0-9]{4}$"),
    "YYYY-Qn": re.compile(r"^[0-9]{4}-Q[1-4]$"),
    "YYYY-MM": re.compile(r"^[0-9]{4}-(?:0[1-9]|1[0-2])$"),
}
_SOURCES_TEXT = ", ".join(SOURCES)


@dataclass
class Problems:
    """A capped list of problems (the first :data:`MAX_PROBLEMS`, then a count)."""

    items: list[Problem] = field(default_factory=list)
    dropped: int = 0

    def add(self, file: str, row: int | None, column: str | None, msg: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append((file, row, column, msg))
        else:
            self.dropped += 1

    def extend(self, problems: list[Problem]) -> None:
        for p in problems:
            self.add(*p)

    def final(self) -> list[Problem]:
        if not self.dropped:
            return list(self.items)
        note = f"另有 {self.dropped} 个问题未列出 {self.dropped} more problems not listed"
        return [*self.items, ("…", None, None, note)]


def parse_number(text: str) -> float | str:
    """A finite float, or the reason the text is not one.

    Only plain decimals and scientific notation are accepted: ``1,234`` is ambiguous
    (thousands or decimal comma) and Python's ``float`` would accept ``1_000``, ``nan``
    and full-width digits, none of which belong in official statistics.
    """
    if text == "":
        return "值为空 empty value: omit the row for a missing value"
    if "," in text or "，" in text:
        return (
            f"'{text}' 含逗号 contains a comma: write plain numbers without thousands separators "
            "(e.g. 1234.5)"
        )
    if not _NUMBER.match(text):
        return f"'{text}' 不是数字 is not a number (use plain decimals such as 12.5 or 1.2e6)"
    value = float(text)
    if not math.isfinite(value):
        return f"'{text}' 超出范围 is too large to be a finite number"
    return value


def period_format(text: str) -> str | None:
    """``YYYY``, ``YYYY-Qn`` or ``YYYY-MM``, or None if the text is none of these."""
    for name, pattern in _PERIODS.items():
        if pattern.match(text):
            return name
    return None


def _missing_columns(table: RawTable, required: tuple[str, ...], out: Problems) -> bool:
    missing = [c for c in required if c not in table.columns]
    for c in missing:
        have = ", ".join(table.columns) or "none"
        out.add(table.label, 1, c, f"缺少必填列 missing required column '{c}' (columns: {have})")
    return bool(missing)


def check_units(table: RawTable, scheme: Scheme, out: Problems) -> list[UnitRow]:
    """Units: unique non-empty ids, known parents without cycles, declared categories."""
    if _missing_columns(table, UNIT_COLUMNS, out):
        return []
    f = table.label
    extra = [c for c in table.columns if c not in UNIT_COLUMNS]
    cats = {c.id for c in scheme.categories}
    first_row: dict[str, int] = {}
    units: list[UnitRow] = []
    for num, cells in table.rows:
        uid = cells["unit_id"]
        if not uid:
            out.add(f, num, "unit_id", "单位编号为空 unit_id is empty")
            continue
        if uid in first_row:
            out.add(
                f,
                num,
                "unit_id",
                f"单位编号重复 duplicate unit_id '{uid}' (first on row {first_row[uid]})",
            )
            continue
        first_row[uid] = num
        if not cells["name"]:
            out.add(f, num, "name", f"单位名称为空 name is empty for unit '{uid}'")
        cat = cells["category"]
        # A unit of a level the scheme does not assess is context (e.g. the county above
        # assessed townships): its category belongs to another scheme.
        assessed = not scheme.levels or cells["level"] in scheme.levels
        if assessed and cats and not cat:
            out.add(
                f,
                num,
                "category",
                "缺少类别 the scheme declares categories, so every unit "
                f"needs one of: {', '.join(sorted(cats))}",
            )
        elif assessed and cats and cat not in cats:
            out.add(
                f,
                num,
                "category",
                f"未声明的类别 category '{cat}' is not declared in the "
                f"scheme (declared: {', '.join(sorted(cats))})",
            )
        units.append(
            UnitRow(
                unit_id=uid,
                name=cells["name"],
                parent_id=cells["parent_id"],
                level=cells["level"],
                category=cat,
                attributes={c: cells[c] for c in extra},
                row=num,
            )
        )
    parent_of = {u.unit_id: u.parent_id for u in units}
    for u in units:
        if not u.parent_id:
            continue
        if u.parent_id == u.unit_id:
            msg = f"上级单位不能是自己 unit '{u.unit_id}' is its own parent"
            out.add(f, u.row, "parent_id", msg)
        elif u.parent_id not in parent_of:
            out.add(
                f,
                u.row,
                "parent_id",
                f"未知的上级单位 parent_id '{u.parent_id}' is not a unit_id in this file",
            )
        else:
            seen, cur = {u.unit_id}, u.parent_id
            while cur and cur in parent_of and cur not in seen:
                seen.add(cur)
                cur = parent_of[cur]
            if cur == u.unit_id:
                out.add(
                    f,
                    u.row,
                    "parent_id",
                    f"上级关系成环 unit '{u.unit_id}' is its own ancestor (parents form a cycle)",
                )
    return units


def check_observations(
    table: RawTable, scheme: Scheme, unit_ids: set[str] | None, out: Problems
) -> tuple[list[ObservationRow], str | None]:
    """Observations and the period format they share. ``unit_ids=None``: units unreadable."""
    if _missing_columns(table, OBSERVATION_COLUMNS, out):
        return [], None
    f = table.label
    declared = {i.id: i.source for i in scheme.indicators}
    denominators = {d.id for d in scheme.denominators}
    extra = [c for c in table.columns if c not in OBSERVATION_COLUMNS]
    fmt: tuple[str, str] | None = None
    first_row: dict[tuple[str, str, str], int] = {}
    rows: list[ObservationRow] = []
    for num, cells in table.rows:
        ok = True
        uid, period, ind, src = (
            cells["unit_id"],
            cells["period"],
            cells["indicator_id"],
            cells["source"],
        )
        if not uid:
            out.add(f, num, "unit_id", "单位编号为空 unit_id is empty")
            ok = False
        elif unit_ids is not None and uid not in unit_ids:
            out.add(f, num, "unit_id", f"未知单位 unknown unit_id '{uid}' (not in units)")
            ok = False
        pf = _check_period(f, num, period, fmt, out)
        if pf is None:
            ok = False
        elif fmt is None:
            fmt = (pf, f"row {num}")
        if not ind:
            out.add(f, num, "indicator_id", "指标编号为空 indicator_id is empty")
            ok = False
        elif ind not in declared and ind not in denominators:
            out.add(
                f,
                num,
                "indicator_id",
                f"未知指标 '{ind}' is not an indicator or denominator of the scheme",
            )
            ok = False
        value = parse_number(cells["value"])
        if isinstance(value, str):
            out.add(f, num, "value", value)
            ok = False
        if src not in SOURCES:
            out.add(f, num, "source", f"未知来源 source '{src}' is not one of: {_SOURCES_TEXT}")
            ok = False
        elif ind in declared and src != declared[ind]:
            out.add(
                f,
                num,
                "source",
                f"来源不符 indicator '{ind}' is declared with source "
                f"'{declared[ind]}' in the scheme, but this row says '{src}'",
            )
            ok = False
        key = (uid, period, ind)
        if key in first_row:
            out.add(
                f,
                num,
                "indicator_id",
                f"重复观测 duplicate observation for unit '{uid}', "
                f"period '{period}', indicator '{ind}' (first on row {first_row[key]})",
            )
            ok = False
        else:
            first_row[key] = num
        if ok and isinstance(value, float):
            kept = {c: cells[c] for c in extra if cells[c]}
            rows.append(ObservationRow(uid, period, ind, value, src, kept, num))
    return rows, fmt[0] if fmt else None


def _check_period(
    f: str, num: int, period: str, fmt: tuple[str, str] | None, out: Problems
) -> str | None:
    pf = period_format(period)
    if pf is None:
        hint = ""
        if re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}", period):
            hint = " (Excel may have turned it into a date: format the column as Text)"
        out.add(
            f,
            num,
            "period",
            f"期间格式错误 bad period '{period}': use YYYY, YYYY-Qn or "
            f"YYYY-MM (e.g. 2024, 2024-Q1, 2024-06){hint}",
        )
        return None
    if fmt is not None and pf != fmt[0]:
        out.add(
            f,
            num,
            "period",
            f"期间格式不一致 period '{period}' is {pf} but {fmt[1]} "
            f"uses {fmt[0]}: all rows must use one format",
        )
        return None
    return pf


def check_vetoes(
    table: RawTable,
    scheme: Scheme,
    unit_ids: set[str] | None,
    fmt: str | None,
    out: Problems,
) -> list[VetoEvent]:
    """Confirmed veto events: known unit, declared veto, same period format, a reason."""
    if _missing_columns(table, VETO_COLUMNS, out):
        return []
    f = table.label
    allowed = VETO_COLUMNS + VETO_OPTIONAL_COLUMNS
    for c in table.columns:
        if c not in allowed:
            out.add(f, 1, c, f"未知列 unknown column '{c}' (allowed: {', '.join(allowed)})")
    declared = {v.id for v in scheme.vetoes}
    first_row: dict[tuple[str, str, str], int] = {}
    events: list[VetoEvent] = []
    for num, cells in table.rows:
        ok = True
        uid, period, vid = cells["unit_id"], cells["period"], cells["veto_id"]
        if unit_ids is not None and uid not in unit_ids:
            out.add(f, num, "unit_id", f"未知单位 unknown unit_id '{uid}' (not in units)")
            ok = False
        if _check_period(f, num, period, (fmt, "observations") if fmt else None, out) is None:
            ok = False
        if vid not in declared:
            known = ", ".join(sorted(declared)) or "none declared"
            out.add(
                f,
                num,
                "veto_id",
                f"未声明的否决项 veto_id '{vid}' is not in the scheme's [[vetoes]] ({known})",
            )
            ok = False
        if not cells["reason"]:
            out.add(f, num, "reason", "缺少理由 give the reason (e.g. the decision document)")
            ok = False
        key = (uid, period, vid)
        if key in first_row:
            out.add(
                f,
                num,
                "veto_id",
                f"重复的否决记录 duplicate veto '{vid}' for unit '{uid}', "
                f"period '{period}' (first on row {first_row[key]})",
            )
            ok = False
        first_row.setdefault(key, num)
        if ok:
            events.append(VetoEvent(uid, period, vid, cells["reason"], cells.get("evidence", "")))
    return events
