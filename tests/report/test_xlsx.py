"""The XLSX workbook: expected sheets, one header row, one row per unit or record."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import openpyxl

from zhengji.demo import SYNTHETIC_LABEL
from zhengji.engine.result import Assessment
from zhengji.report import write_xlsx
from zhengji.report.xlsx import SHEET_NAMES, stage_sheet_name
from zhengji.scheme.model import Scheme


def test_sheets_and_rows(assessment: Assessment, scheme: Scheme, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(write_xlsx(assessment, scheme, tmp_path / "r.xlsx"))
    assert wb.sheetnames == [
        "排名 Ranking",
        "贡献 Contributions",
        "各阶段 raw",
        "各阶段 normalised",
        "处理记录 Treatments",
        "否决 Vetoes",
        "方案 Scheme",
        "说明 About",
    ]
    ranking = wb[SHEET_NAMES["ranking"]]
    assert ranking.max_row == 1 + 4
    assert ranking["A2"].value == "u3" and ranking["B2"].value == 1
    assert ranking["B5"].value is None  # the screened-out unit has no rank
    contrib = wb[SHEET_NAMES["contributions"]]
    assert contrib.max_row == 5 and contrib.max_column == 3 + 4 + 1  # + synthetic label column
    assert contrib.cell(row=1, column=8).value == "数据性质 data"
    assert contrib.cell(row=3, column=8).value == "示例数据（模拟） / synthetic data"
    assert contrib["D2"].value == 0 and contrib["E2"].value == 42.0  # u3: gdp weight 0, rd 70×0.6
    raw = wb[stage_sheet_name("raw")]
    assert raw["C2"].value is None and raw["E2"].value == 17000
    assert wb[SHEET_NAMES["treatments"]].max_row == 3
    vetoes = wb[SHEET_NAMES["vetoes"]]
    assert [c.value for c in vetoes[2]][:3] == ["u2", "乙县", "falsification"]
    assert wb[SHEET_NAMES["scheme"]].max_row == 1 + len(scheme.indicators)
    about = {r[0]: r[1] for r in wb[SHEET_NAMES["about"]].iter_rows(values_only=True)}
    assert about["数据性质 data"] == SYNTHETIC_LABEL
    assert about["方案指纹 Scheme fingerprint"] == "f" * 64
    assert ranking.oddHeader.center.text == SYNTHETIC_LABEL


def test_no_label_for_real_data(assessment: Assessment, scheme: Scheme, tmp_path: Path) -> None:
    real = dataclasses.replace(assessment, synthetic=False)
    wb = openpyxl.load_workbook(write_xlsx(real, scheme, tmp_path / "r.xlsx"))
    about = {r[0]: r[1] for r in wb[SHEET_NAMES["about"]].iter_rows(values_only=True)}
    assert "数据性质 data" not in about
