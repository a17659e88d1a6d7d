"""Write bundles: CSV directories (UTF-8 with BOM, which Excel on Chinese Windows opens
correctly) and XLSX workbooks that ``load_bundle`` reads back to the same fingerprint."""

from __future__ import annotations

import contextlib
import csv
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.cell import _writer as openpyxl_cell_writer

from zhengji.bundle.model import (
    OBSERVATION_COLUMNS,
    UNIT_COLUMNS,
    VETO_COLUMNS,
    VETO_OPTIONAL_COLUMNS,
    Bundle,
    ObservationRow,
    UnitRow,
)
from zhengji.engine.panel import VetoEvent

__all__ = ["write_bundle", "write_workbook"]

_EXCEL_CELL_MAX = 32767


def write_bundle(
    directory: str | Path,
    units_rows: Iterable[UnitRow | Mapping[str, Any]],
    observation_rows: Iterable[ObservationRow | Mapping[str, Any]],
    scheme_text: str,
    vetoes: Iterable[VetoEvent | Mapping[str, Any]] | None = None,
) -> Path:
    """Write ``units.csv``, ``observations.csv``, ``scheme.toml`` (and ``vetoes.csv``).

    Rows are dataclasses or plain mappings (column → value); floats are written with ``repr``
    so they read back bit-for-bit. Returns the directory.
    """
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    _write_csv(d / "units.csv", UNIT_COLUMNS, [_unit_dict(u) for u in units_rows])
    _write_csv(
        d / "observations.csv",
        OBSERVATION_COLUMNS,
        [_observation_dict(o) for o in observation_rows],
    )
    if vetoes is not None:
        _write_csv(
            d / "vetoes.csv", VETO_COLUMNS + VETO_OPTIONAL_COLUMNS, [_veto_dict(v) for v in vetoes]
        )
    (d / "scheme.toml").write_text(scheme_text, encoding="utf-8")
    return d


def write_workbook(path: str | Path, bundle: Bundle) -> Path:
    """Write ``bundle`` as one workbook with sheets units, observations, vetoes and scheme."""
    p = Path(path)
    wb = openpyxl.Workbook()
    first = wb.active
    if first is not None:
        wb.remove(first)
    _write_sheet(wb.create_sheet("units"), UNIT_COLUMNS, [_unit_dict(u) for u in bundle.units])
    _write_sheet(
        wb.create_sheet("observations"),
        OBSERVATION_COLUMNS,
        [_observation_dict(o) for o in bundle.observations],
    )
    if bundle.events:
        _write_sheet(
            wb.create_sheet("vetoes"),
            VETO_COLUMNS + VETO_OPTIONAL_COLUMNS,
            [_veto_dict(v) for v in bundle.events],
        )
    ws = wb.create_sheet("scheme")
    text = bundle.scheme_text
    lines = [text] if len(text) <= _EXCEL_CELL_MAX else text.splitlines()
    for i, line in enumerate(lines, start=1):
        _set_text(ws.cell(row=i, column=1), line)
    p.parent.mkdir(parents=True, exist_ok=True)
    with exact_floats():
        wb.save(p)
    return p


@contextlib.contextmanager
def exact_floats() -> Iterator[None]:
    """Save workbooks with every float's shortest exact form instead of openpyxl's ``%.16g``.

    openpyxl rounds numbers to 16 significant digits on write, so a figure can come back
    changed in its last digit; Excel itself writes 17 and reads these exactly. A reported
    figure must survive a round trip through a workbook unchanged.
    """
    original = openpyxl_cell_writer.safe_string

    def safe_string(value: Any) -> str:
        if isinstance(value, float) and math.isfinite(value):
            return repr(value)
        return str(original(value))

    openpyxl_cell_writer.safe_string = safe_string
    try:
        yield
    finally:
        openpyxl_cell_writer.safe_string = original


def _unit_dict(u: UnitRow | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(u, UnitRow):
        return {c: getattr(u, c) for c in UNIT_COLUMNS} | dict(u.attributes)
    return dict(u)


def _observation_dict(o: ObservationRow | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(o, ObservationRow):
        return {c: getattr(o, c) for c in OBSERVATION_COLUMNS} | dict(o.extra)
    return dict(o)


def _veto_dict(v: VetoEvent | Mapping[str, Any]) -> dict[str, Any]:
    return asdict(v) if isinstance(v, VetoEvent) else dict(v)


def _columns(required: Sequence[str], rows: list[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys([*required, *(k for r in rows for k in r)]))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _write_csv(path: Path, required: Sequence[str], rows: list[dict[str, Any]]) -> None:
    columns = _columns(required, rows)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        for r in rows:
            w.writerow([_text(r.get(c)) for c in columns])


def _set_text(cell: Any, text: str) -> None:
    """Store text as text: openpyxl would otherwise treat a leading '=' as a formula."""
    cell.value = text
    cell.data_type = "s"


def _write_sheet(ws: Any, required: Sequence[str], rows: list[dict[str, Any]]) -> None:
    columns = _columns(required, rows)
    for j, name in enumerate(columns, start=1):
        _set_text(ws.cell(row=1, column=j), name)
    for i, r in enumerate(rows, start=2):
        for j, name in enumerate(columns, start=1):
            v = r.get(name)
            if v is None or v == "":
                continue
            cell = ws.cell(row=i, column=j)
            if isinstance(v, int | float) and not isinstance(v, bool):
                cell.value = float(v) if name == "value" else v
            else:
                _set_text(cell, str(v))
