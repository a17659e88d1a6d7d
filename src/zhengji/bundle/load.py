"""Load a bundle (CSV directory or XLSX workbook), validate it, and build its :class:`Panel`.

Every rule in :mod:`zhengji.bundle.validate` runs over every row; if anything is wrong one
:class:`DataError` lists all problems and nothing is returned.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl

from zhengji.bundle.model import Bundle, ObservationRow, UnitRow, value_key
from zhengji.bundle.tables import RawTable, read_csv_table, read_sheet_table
from zhengji.bundle.validate import Problems, check_observations, check_units, check_vetoes
from zhengji.engine.panel import Panel, VetoEvent
from zhengji.errors import DataError
from zhengji.scheme import parse_scheme, scheme_fingerprint
from zhengji.scheme.model import Scheme

__all__ = ["build_panel", "bundle_fingerprint", "load_bundle"]

_SHEETS = ("units", "observations", "vetoes", "scheme")


def load_bundle(path: str | Path) -> Bundle:
    """Load ``path``: a directory of CSVs + ``scheme.toml``, an ``.xlsx``, or a directory
    holding one ``.xlsx`` (+ ``scheme.toml``). Raises SchemeError or DataError."""
    p = Path(path).resolve()
    if not p.exists():
        raise DataError(f"数据包不存在 bundle not found: {p}")
    if p.is_dir():
        if (p / "units.csv").exists() or (p / "observations.csv").exists():
            return _load_csv_dir(p)
        books = sorted(x for x in p.glob("*.xlsx") if not x.name.startswith("~$"))
        if len(books) == 1:
            return _load_workbook(books[0], source=p)
        if len(books) > 1:
            names = ", ".join(b.name for b in books)
            raise DataError(f"{p}: 目录中有多个工作簿 more than one .xlsx ({names}); keep one")
        raise DataError(
            f"{p}: 不是数据包 not a bundle: expected units.csv, observations.csv and scheme.toml "
            "(optional vetoes.csv), or one .xlsx workbook"
        )
    if p.suffix.lower() == ".xlsx":
        return _load_workbook(p, source=p)
    hint = ""
    if p.suffix.lower() in {".xls", ".ods", ".et", ".numbers", ".xlsm", ".xlsb"}:
        hint = "; 请在表格软件中另存为 .xlsx save it as an Excel .xlsx workbook"
    raise DataError(f"{p}: 不支持的文件 expected a bundle directory or an .xlsx workbook{hint}")


def _load_csv_dir(d: Path) -> Bundle:
    problems = Problems()
    for name in ("units.csv", "observations.csv", "scheme.toml"):
        if not (d / name).exists():
            problems.add(name, None, None, f"缺少文件 missing file (expected in {d})")
    if problems.items:
        raise DataError(f"{d}: 数据包不完整 incomplete bundle", problems.final())
    scheme_text = _read_text(d / "scheme.toml")
    scheme = parse_scheme(scheme_text, source=str(d / "scheme.toml"))
    tables: dict[str, RawTable | None] = {}
    for name in ("units", "observations", "vetoes"):
        f = d / f"{name}.csv"
        if not f.exists():
            tables[name] = None
            continue
        tables[name], found = read_csv_table(f)
        problems.extend(found)
    return _assemble(d, scheme, scheme_text, tables, problems)


def _load_workbook(book: Path, source: Path) -> Bundle:
    try:
        wb = openpyxl.load_workbook(book, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise DataError(f"{book}: 无法读取工作簿 cannot read the workbook: {exc}") from None
    sheets = {ws.title.strip().lower(): ws for ws in wb.worksheets}
    problems = Problems()
    for name in ("units", "observations"):
        if name not in sheets:
            have = ", ".join(ws.title for ws in wb.worksheets)
            problems.add(
                f"{book.name}[{name}]",
                None,
                None,
                f"缺少工作表 missing sheet '{name}' (sheets: {have})",
            )
    scheme_text = _scheme_text_for_book(book, sheets.get("scheme"), problems)
    if problems.items or scheme_text is None:
        raise DataError(f"{book}: 数据包不完整 incomplete bundle", problems.final())
    scheme = parse_scheme(scheme_text, source=f"{book.name}[scheme]")
    tables: dict[str, RawTable | None] = {}
    for name in ("units", "observations", "vetoes"):
        if name not in sheets:
            tables[name] = None
            continue
        tables[name], found = read_sheet_table(sheets[name], f"{book.name}[{name}]")
        problems.extend(found)
    wb.close()
    return _assemble(source, scheme, scheme_text, tables, problems)


def _scheme_text_for_book(book: Path, sheet: Any, problems: Problems) -> str | None:
    """Scheme from sheet ``scheme`` (A1, or one TOML line per row of column A) or a file."""
    in_sheet: str | None = None
    if sheet is not None:
        lines = [
            "" if r[0] is None else str(r[0]) for r in sheet.iter_rows(max_col=1, values_only=True)
        ]
        in_sheet = "\n".join(lines).strip() + "\n"
        if not in_sheet.strip():
            in_sheet = None
    beside = book.parent / "scheme.toml"
    on_disk = _read_text(beside) if beside.exists() else None
    if in_sheet is None and on_disk is None:
        problems.add(
            f"{book.name}[scheme]",
            None,
            None,
            "缺少考核方案 no scheme: put the TOML "
            "text in cell A1 of a sheet 'scheme', or scheme.toml next to the workbook",
        )
        return None
    if in_sheet is not None and on_disk is not None:
        a = scheme_fingerprint(parse_scheme(in_sheet, source=f"{book.name}[scheme]"))
        b = scheme_fingerprint(parse_scheme(on_disk, source=str(beside)))
        if a != b:
            problems.add(
                f"{book.name}[scheme]",
                None,
                None,
                f"方案不一致 the sheet 'scheme' and {beside} hold different schemes; keep one",
            )
            return None
    return in_sheet if in_sheet is not None else on_disk


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: 不是 UTF-8 编码 not UTF-8 text ({exc}); save as UTF-8") from None


def _assemble(
    source: Path,
    scheme: Scheme,
    scheme_text: str,
    tables: dict[str, RawTable | None],
    problems: Problems,
) -> Bundle:
    units: list[UnitRow] = []
    unit_ids: set[str] | None = None
    if tables["units"] is not None:
        units = check_units(tables["units"], scheme, problems)
        if "unit_id" in tables["units"].columns:
            unit_ids = {u.unit_id for u in units}
    observations: list[ObservationRow] = []
    fmt: str | None = None
    if tables["observations"] is not None:
        observations, fmt = check_observations(tables["observations"], scheme, unit_ids, problems)
    events: list[VetoEvent] = []
    if tables["vetoes"] is not None:
        events = check_vetoes(tables["vetoes"], scheme, unit_ids, fmt, problems)
    if problems.items:
        n = len(problems.items) + problems.dropped
        raise DataError(
            f"{source}: 数据包有 {n} 个问题 bundle has {n} problem{'s' if n != 1 else ''}",
            problems.final(),
        )
    return Bundle(
        scheme=scheme,
        scheme_text=scheme_text,
        panel=build_panel(scheme, units, observations, events),
        units=tuple(units),
        observations=tuple(observations),
        events=tuple(events),
        source_path=source,
        fingerprint=bundle_fingerprint(scheme, units, observations, events),
    )


def build_panel(
    scheme: Scheme,
    units: Sequence[UnitRow],
    observations: Iterable[ObservationRow],
    events: Iterable[VetoEvent] = (),
) -> Panel:
    """The panel for ``units`` (in the given order): variables are the scheme's indicators then
    denominators, periods sorted, NaN where nothing was observed. The store calls this too, so
    a panel rebuilt from the database is built by the same code as the bundle's."""
    variables = tuple(i.id for i in scheme.indicators) + tuple(d.id for d in scheme.denominators)
    u_index = {u.unit_id: k for k, u in enumerate(units)}
    v_index = {v: k for k, v in enumerate(variables)}
    kept = [o for o in observations if o.unit_id in u_index and o.indicator_id in v_index]
    periods = tuple(sorted({o.period for o in kept}))
    p_index = {p: k for k, p in enumerate(periods)}
    values = np.full((len(periods), len(units), len(variables)), np.nan, dtype=np.float64)
    for o in kept:
        values[p_index[o.period], u_index[o.unit_id], v_index[o.indicator_id]] = o.value
    names = list(dict.fromkeys(k for u in units for k in u.attributes))
    attributes = {k: tuple(u.attributes.get(k, "") for u in units) for k in names}
    vetoes = {v.id for v in scheme.vetoes}
    kept_events = sorted(
        (e for e in events if e.unit_id in u_index and e.veto_id in vetoes),
        key=lambda e: (e.period, e.unit_id, e.veto_id),
    )
    return Panel(
        unit_ids=tuple(u.unit_id for u in units),
        unit_names=tuple(u.name for u in units),
        categories=tuple(u.category for u in units),
        periods=periods,
        variables=variables,
        values=values,
        attributes=attributes,
        parents=tuple(u.parent_id for u in units),
        levels=tuple(u.level for u in units),
        events=tuple(kept_events),
        synthetic=scheme.synthetic,
    )


def bundle_fingerprint(
    scheme: Scheme,
    units: Iterable[UnitRow],
    observations: Iterable[ObservationRow],
    events: Iterable[VetoEvent] = (),
) -> str:
    """SHA-256 of a canonical JSON form; row order and file type (CSV/XLSX) do not matter.

    Values enter as :func:`value_key` (exact shortest repr), so a CSV and the XLSX written
    from it by :func:`write_workbook` hash equal.
    """
    canon = {
        "scheme": scheme_fingerprint(scheme),
        "units": sorted(
            [u.unit_id, u.name, u.parent_id, u.level, u.category, sorted(u.attributes.items())]
            for u in units
        ),
        "observations": sorted(
            [
                o.unit_id,
                o.period,
                o.indicator_id,
                value_key(o.value),
                o.source,
                sorted(o.extra.items()),
            ]
            for o in observations
        ),
        "vetoes": sorted([e.unit_id, e.period, e.veto_id, e.reason, e.evidence] for e in events),
    }
    blob = json.dumps(canon, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
