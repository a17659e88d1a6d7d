"""The analysis commands end to end: table, JSON/HTML/XLSX outputs with charts, Chinese text."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from zhengji.cli import app
from zhengji.demo import SYNTHETIC_LABEL
from zhengji.report.analysis import demo_robustness_sentence


def _run(*args: str) -> str:
    res = CliRunner().invoke(app, list(args))
    assert res.exit_code == 0, res.output
    return res.output


def test_uncertainty_command(world: Path, tmp_path: Path) -> None:
    out = _run(
        "uncertainty", str(world), "--replications", "200", "--out", str(tmp_path / "u.json")
    )
    assert "排名区间" in out and "不稳健" in out
    data = json.loads((tmp_path / "u.json").read_text(encoding="utf-8"))["uncertainty"]
    assert data["replications"] == 200 and data["label"] == SYNTHETIC_LABEL
    assert {"median_rank", "rank_low", "rank_high", "grade_prob"} <= set(data["units"][0])
    _run("uncertainty", str(world), "--replications", "100", "--out", str(tmp_path / "u.html"))
    html = (tmp_path / "u.html").read_text(encoding="utf-8")
    assert 'aria-label="rank intervals"' in html and SYNTHETIC_LABEL in html
    assert "<script" not in html and "http" not in html.split("<body>")[1]


def test_sensitivity_command(world: Path, tmp_path: Path) -> None:
    out = _run("sensitivity", str(world), "--samples", "32", "--out", str(tmp_path / "s.xlsx"))
    assert "Sobol" in out and "remove one pillar" in out
    wb = load_workbook(tmp_path / "s.xlsx")
    assert "敏感性 Sobol" in wb.sheetnames
    _run("sensitivity", str(world), "--samples", "32", "--out", str(tmp_path / "s.html"))
    assert 'aria-label="Sobol indices"' in (tmp_path / "s.html").read_text(encoding="utf-8")


def test_diagnose_command(world: Path, tmp_path: Path) -> None:
    out = _run("diagnose", str(world), "--out", str(tmp_path / "d.html"))
    assert "Cronbach" in out and "博弈迹象" in out
    html = (tmp_path / "d.html").read_text(encoding="utf-8")
    assert "correlation heat map" in html and "<rect" in html
    _run("diagnose", str(world), "--out", str(tmp_path / "d.xlsx"))
    assert "有效权重 effective weights" in load_workbook(tmp_path / "d.xlsx").sheetnames


def test_bad_output_suffix_is_a_clear_error(world: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["diagnose", str(world), "--out", str(tmp_path / "d.pdf")])
    assert res.exit_code == 2
    assert "unsupported output" in res.output


def test_demo_sentence(world: Path) -> None:
    text = demo_robustness_sentence(world)
    assert text.startswith(SYNTHETIC_LABEL) and "不稳健" in text
