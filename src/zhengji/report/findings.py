"""Integrity findings as CSV, JSON, XLSX or a self-contained HTML page (no computation here)."""

from __future__ import annotations

import csv
import html
import io
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from zhengji.bundle.write import exact_floats
from zhengji.integrity.screen import ScreenResult

__all__ = ["COLUMNS", "finding_rows", "write_findings"]

# (key, header) — the CSV contract of `zhengji screen` (issue 11) plus names and English text.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("unit_id", "unit_id"),
    ("unit", "单位 unit"),
    ("indicator_id", "indicator_id"),
    ("period", "period"),
    ("check", "check"),
    ("statistic", "statistic"),
    ("p_value", "p_value"),
    ("q_value", "q_value"),
    ("severity", "severity"),
    ("summary", "summary"),
    ("summary_en", "summary_en"),
)
_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}


def _num(x: float) -> float | None:
    return None if x is None or math.isnan(x) else float(x)


def finding_rows(result: ScreenResult, names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Every finding, the most serious first (then by q)."""
    rows = [
        {
            "unit_id": f.unit_id,
            "unit": "全体 all units"
            if f.unit_id.startswith("*")
            else names.get(f.unit_id, f.unit_id),
            "indicator_id": f.indicator_id,
            "period": ",".join(f.periods),
            "check": f.check,
            "statistic": _num(f.statistic),
            "p_value": _num(f.p_value),
            "q_value": _num(f.q_value),
            "severity": f.severity,
            "summary": f.summary_zh,
            "summary_en": f.summary_en,
        }
        for f in result.findings
    ]
    return sorted(
        rows, key=lambda r: (_ORDER[r["severity"]], r["q_value"] is None, r["q_value"] or 0)
    )


def write_findings(
    result: ScreenResult, path: Path, fmt: str, names: Mapping[str, str], label: str | None
) -> Path:
    """Write the findings in ``fmt`` (csv, json, xlsx, html); ``label`` marks synthetic data."""
    rows = finding_rows(result, names)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow([k for k, _ in COLUMNS] + (["data"] if label else []))
        for r in rows:
            w.writerow(
                [("" if r[k] is None else r[k]) for k, _ in COLUMNS] + ([label] if label else [])
            )
        path.write_text(buf.getvalue(), encoding="utf-8-sig")
    elif fmt == "json":
        doc = {"label": label, "period": result.period, "findings": rows}
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    elif fmt == "xlsx":
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = "疑点 Findings"
        ws.append([h for _, h in COLUMNS] + (["数据性质 data"] if label else []))
        for r in rows:
            ws.append([r[k] for k, _ in COLUMNS] + ([label] if label else []))
        with exact_floats():
            wb.save(path)
    elif fmt == "html":
        path.write_text(_html(rows, result, label), encoding="utf-8")
    else:
        raise ValueError(f"unknown format {fmt}")
    return path


def _cell(v: Any) -> str:
    if v is None:
        return ""
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def _html(rows: list[dict[str, Any]], result: ScreenResult, label: str | None) -> str:
    esc = html.escape
    banner = f'<p class="banner">{esc(label)}</p>' if label else ""
    head = "".join(f"<th>{esc(h)}</th>" for _, h in COLUMNS if _ != "summary_en")
    body = []
    for r in rows:
        if r["severity"] == "info":
            continue
        cells = "".join(f"<td>{esc(_cell(r[k]))}</td>" for k, _ in COLUMNS if k != "summary_en")
        body.append(f'<tr class="{esc(r["severity"])}">{cells}</tr>')
    untested = "".join(
        f"<li>{esc(f.summary_zh)} {esc(f.summary_en)}</li>" for f in result.not_tested
    )
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>数据真实性核查 Integrity screen {esc(result.period)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 6px;font-size:13px;vertical-align:top}}
.banner{{background:#fff3cd;border:2px solid #c90;padding:8px;font-weight:bold;text-align:center}}
tr.high{{background:#fde2e1}}tr.medium{{background:#fff1d6}}</style></head><body>
<h1>数据真实性核查 Integrity screen</h1>{banner}
<p>疑点 {len(result.flagged)} 项 flagged · 检验 {len(result.findings)} 项 tests in all
(Benjamini–Hochberg q across the run) · 未能检验 {len(result.not_tested)} 项 not tested</p>
<table><tr>{head}</tr>{"".join(body)}</table>
<h2>未能检验 Not tested</h2><ul>{untested}</ul></body></html>
"""
