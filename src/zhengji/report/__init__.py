"""Renderers of an assessment: HTML (self-contained), XLSX, CSV and a JSON twin.

They format what :class:`zhengji.engine.result.Assessment` holds and compute nothing new.
"""

from zhengji.report.html import render_html, write_html
from zhengji.report.tabular import (
    ranking_columns,
    ranking_rows,
    to_json,
    write_csv,
    write_json,
)
from zhengji.report.xlsx import write_xlsx

__all__ = [
    "ranking_columns",
    "ranking_rows",
    "render_html",
    "to_json",
    "write_csv",
    "write_html",
    "write_json",
    "write_xlsx",
]
