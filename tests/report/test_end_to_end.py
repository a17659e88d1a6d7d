"""build_world → load_bundle → assess → HTML/XLSX/CSV/JSON: the demo path users take."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from zhengji.bundle import load_bundle
from zhengji.demo import build_world
from zhengji.engine.assess import assess
from zhengji.engine.result import Assessment
from zhengji.report import write_csv, write_html, write_json, write_xlsx
from zhengji.report.xlsx import SHEET_NAMES
from zhengji.scheme.model import Scheme

COUNTIES = (
    "碧江区",
    "万山区",
    "江口县",
    "玉屏侗族自治县",
    "石阡县",
    "思南县",
    "印江土家族苗族自治县",
    "德江县",
    "沿河土家族自治县",
    "松桃苗族自治县",
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Assessment, Scheme]:
    bundle = load_bundle(build_world(tmp_path_factory.mktemp("e2e") / "world"))
    return assess(bundle.scheme, bundle.panel), bundle.scheme


def test_html_report_of_the_demo(demo: tuple[Assessment, Scheme], tmp_path: Path) -> None:
    a, scheme = demo
    html = write_html(a, scheme, tmp_path / "demo.html").read_text(encoding="utf-8")
    assert "示例数据（模拟）" in html
    for name in COUNTIES:
        assert name in html
    assert "铜仁市县域高质量发展综合考核方案（示例）" in html
    assert "重大安全事故" in html and "极端值缩尾" in html and "缺失值插补" in html
    en = write_html(a, scheme, tmp_path / "demo_en.html", lang="en").read_text("utf-8")
    assert "Key ecological function zone" in en


def test_xlsx_report_of_the_demo(demo: tuple[Assessment, Scheme], tmp_path: Path) -> None:
    a, scheme = demo
    wb = openpyxl.load_workbook(write_xlsx(a, scheme, tmp_path / "demo.xlsx"))
    stages = [f"各阶段 {s}" for s in a.stages]
    assert wb.sheetnames == [
        SHEET_NAMES["ranking"],
        SHEET_NAMES["contributions"],
        *stages,
        SHEET_NAMES["treatments"],
        SHEET_NAMES["vetoes"],
        SHEET_NAMES["scheme"],
        SHEET_NAMES["about"],
    ]
    assert wb[SHEET_NAMES["ranking"]].max_row == 11
    assert wb[SHEET_NAMES["contributions"]].max_row == 11
    # + synthetic label; 39 indicators (7 derived from records, absent from the bare bundle)
    assert wb[SHEET_NAMES["contributions"]].max_column == 3 + 39 + 1
    assert all(wb[s].max_row == 11 for s in stages)
    assert wb[SHEET_NAMES["scheme"]].max_row == 40  # header + 39 indicators
    assert wb[SHEET_NAMES["vetoes"]].max_row == 1 + len(a.vetoes) == 2
    assert wb[SHEET_NAMES["treatments"]].max_row == 1 + len(a.treatments)
    names = {r[3] for r in wb[SHEET_NAMES["ranking"]].iter_rows(min_row=2, values_only=True)}
    assert names == set(COUNTIES)


def test_csv_and_json_of_the_demo(demo: tuple[Assessment, Scheme], tmp_path: Path) -> None:
    a, scheme = demo
    lines = write_csv(a, scheme, tmp_path / "d.csv").read_text("utf-8-sig").splitlines()
    assert len(lines) == 11 and all("示例数据（模拟）" in line for line in lines[1:])
    doc = json.loads(write_json(a, scheme, tmp_path / "d.json").read_text("utf-8"))
    assert doc["synthetic"] is True and len(doc["ranking"]) == 10
    jk = doc["ranking"][[r["unit_id"] for r in doc["ranking"]].index("jiangkou")]
    assert jk["category"] == "eco"
