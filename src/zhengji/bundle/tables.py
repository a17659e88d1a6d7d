"""Read the tables of a bundle (CSV files or XLSX sheets) into plain strings with row numbers.

Everything downstream sees ``(row, {column: text})`` with the row number a spreadsheet shows
(header = row 1), whatever the file type, so every message can point at the exact cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "Problem",
    "RawTable",
    "cell_text",
    "read_csv_table",
    "read_sheet_table",
    "table_from_rows",
]

Problem = tuple[str, int | None, str | None, str]


@dataclass(frozen=True)
class RawTable:
    """A table as text: ``label`` names it in messages (``units.csv``, ``book.xlsx[units]``)."""

    label: str
    columns: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, str]], ...]


def cell_text(value: Any) -> str:
    """One spreadsheet cell as text; numbers keep every digit (``repr`` round-trips floats).

    Excel stores ``2024`` typed into a cell as the number 2024.0; it must read back as
    ``"2024"``, not ``"2024.0"``. Dates are written out so the period check can say what
    happened instead of silently guessing a period.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return str(value).strip()


def table_from_rows(
    label: str, rows: Iterable[tuple[int, list[str]]]
) -> tuple[RawTable | None, list[Problem]]:
    """Turn numbered rows (first = header) into a :class:`RawTable`, noting shape problems."""
    problems: list[Problem] = []
    it = iter(rows)
    header_row: list[str] | None = None
    for _num, cells in it:
        header_row = [c.strip() for c in cells]
        break
    if header_row is None or not any(header_row):
        return None, [(label, 1, None, "表头为空 the first row must hold the column names")]
    while header_row and not header_row[-1]:
        header_row.pop()
    seen: set[str] = set()
    for i, name in enumerate(header_row):
        if not name:
            problems.append((label, 1, None, f"第{i + 1}列没有列名 column {i + 1} has no name"))
        elif name in seen:
            problems.append((label, 1, name, f"列名重复 duplicate column name '{name}'"))
        seen.add(name)
    width = len(header_row)
    out: list[tuple[int, dict[str, str]]] = []
    for num, raw in it:
        cells = [c.strip() for c in raw]
        if not any(cells):
            continue  # blank rows (common at the end of a sheet) carry nothing
        if len(cells) > width and any(cells[width:]):
            problems.append(
                (label, num, None, f"多余的单元格 {len(cells)} cells but only {width} column names")
            )
        cells = (cells + [""] * width)[:width]
        out.append((num, {name: cells[i] for i, name in enumerate(header_row) if name}))
    columns = tuple(dict.fromkeys(n for n in header_row if n))
    return RawTable(label, columns, tuple(out)), problems


def read_csv_table(path: Path) -> tuple[RawTable | None, list[Problem]]:
    """Read a CSV file saved as UTF-8, with or without a BOM (Excel's "CSV UTF-8")."""
    label = path.name
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        hint = ""
        try:
            data.decode("gb18030")
            hint = " (looks like GBK/GB18030: in Excel use 另存为 → 'CSV UTF-8')"
        except UnicodeDecodeError:
            pass
        msg = f"不是 UTF-8 编码 not UTF-8 text at byte {exc.start}{hint}"
        return None, [(label, None, None, msg)]
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    try:
        for i, cells in enumerate(reader, start=1):
            rows.append((i, cells))
    except csv.Error as exc:
        return None, [(label, len(rows) + 1, None, f"CSV 格式错误 malformed CSV: {exc}")]
    return table_from_rows(label, rows)


def read_sheet_table(sheet: Any, label: str) -> tuple[RawTable | None, list[Problem]]:
    """Read an openpyxl worksheet; row numbers are the sheet's own."""
    rows = (
        (i, [cell_text(v) for v in values])
        for i, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)
    )
    return table_from_rows(label, rows)
