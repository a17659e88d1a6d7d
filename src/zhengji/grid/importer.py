"""Import the grid structure from CSV files (a directory) or one XLSX workbook (a sheet per
table): ``villages``, ``grids``, ``groups``, ``households``, ``people``.

Every problem names file, row and column; on any problem nothing is stored (one transaction,
checked before the first insert). Columns are listed in ``docs/grid.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl

from zhengji.bundle.tables import RawTable, read_csv_table, read_sheet_table
from zhengji.errors import DataError
from zhengji.grid.structure import (
    Grid,
    Group,
    Household,
    Person,
    Problem,
    Role,
    Structure,
    Village,
)

__all__ = ["COLUMNS", "read_structure"]

COLUMNS: dict[str, tuple[str, ...]] = {
    "villages": ("village_id", "name", "township_id", "kind"),
    "grids": ("grid_id", "name", "village_id"),
    "groups": ("group_id", "name", "grid_id", "lead_household_id"),
    "households": ("household_id", "group_id", "members"),
    "people": ("person_id", "name", "phone", "role", "unit_id"),
}
_OPTIONAL = {"people": ("household_id", "eco_holder_id", "mode")}


def _tables(path: Path) -> tuple[dict[str, RawTable], list[Problem]]:
    out: dict[str, RawTable] = {}
    problems: list[Problem] = []
    if path.is_dir():
        for name in COLUMNS:
            f = path / f"{name}.csv"
            if not f.exists():
                problems.append((f.name, None, None, "缺少文件 missing file"))
                continue
            t, p = read_csv_table(f)
            problems += p
            if t is not None:
                out[name] = t
        return out, problems
    if path.suffix.lower() != ".xlsx":
        raise DataError(f"须为目录或 .xlsx 文件 give a directory of CSV files or an .xlsx: {path}")
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for name in COLUMNS:
            label = f"{path.name}[{name}]"
            if name not in wb.sheetnames:
                problems.append((label, None, None, "缺少工作表 missing sheet"))
                continue
            t, p = read_sheet_table(wb[name], label)
            problems += p
            if t is not None:
                out[name] = t
    finally:
        wb.close()
    return out, problems


def _int(t: RawTable, row: int, col: str, text: str, problems: list[Problem]) -> int:
    try:
        return int(text)
    except ValueError:
        problems.append((t.label, row, col, f"须为整数 not an integer: '{text}'"))
        return 0


def read_structure(path: Path) -> Structure:
    """Read and shape the tables (the hierarchy is checked by ``structure.check`` on store)."""
    tables, problems = _tables(path)
    for name, t in tables.items():
        for col in COLUMNS[name]:
            if col not in t.columns:
                problems.append((t.label, 1, col, "缺少列 missing column"))
    if problems:
        raise DataError("网格结构文件无效 invalid grid structure files", problems)
    rows: dict[str, list[Any]] = {k: [] for k in COLUMNS}
    labels = {k: t.label for k, t in tables.items()}
    for name, t in tables.items():
        for num, r in t.rows:
            for col in COLUMNS[name]:
                if col not in ("phone", "name") and not r.get(col):
                    problems.append((t.label, num, col, "不能为空 must not be empty"))
            if name == "villages":
                rows[name].append(
                    Village(r["village_id"], r["name"], r["township_id"], r["kind"], num)
                )
            elif name == "grids":
                rows[name].append(Grid(r["grid_id"], r["name"], r["village_id"], num))
            elif name == "groups":
                rows[name].append(
                    Group(r["group_id"], r["name"], r["grid_id"], r["lead_household_id"], num)
                )
            elif name == "households":
                members = _int(t, num, "members", r["members"], problems)
                rows[name].append(Household(r["household_id"], r["group_id"], members, num))
            else:
                rows[name].append(r | {"_row": num})
    people: dict[str, Person] = {}
    roles: list[Role] = []
    for r in rows["people"]:
        p = Person(
            r["person_id"],
            r["name"] or None,
            r["phone"] or None,
            r.get("household_id") or None,
            r.get("eco_holder_id") or None,
            r["_row"],
        )
        seen = people.get(p.id)
        if seen is not None and (seen.name, seen.phone) != (p.name, p.phone):
            problems.append(
                (
                    labels["people"],
                    p.row,
                    "name",
                    f"同一人员 '{p.id}' 的姓名或电话前后不一致 differs from row {seen.row}",
                )
            )
        people.setdefault(p.id, p)
        roles.append(Role(p.id, r["role"], r["unit_id"], r.get("mode") or None, r["_row"]))
    if problems:
        raise DataError("网格结构文件无效 invalid grid structure files", problems)
    return Structure(
        tuple(rows["villages"]),
        tuple(rows["grids"]),
        tuple(rows["groups"]),
        tuple(rows["households"]),
        tuple(people.values()),
        tuple(roles),
    )
