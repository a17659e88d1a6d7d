"""The cadre and case commands as a user runs them, on a copy of the demo
store, real files, exit codes; the feedback sheet and the digest are real PDFs with the CJK
font embedded."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from accountability import pdfread  # tests/accountability/pdfread.py (PDF fonts and text)
from zhengji.accountability.service import person_names
from zhengji.cli import app
from zhengji.demo import SYNTHETIC_LABEL

from .conftest import Demo


def zhengji(*args: str, cwd: Path, db: str) -> Result:
    """Run the CLI in this process (the imports are paid once; each command opens the store
    itself as in a real process)."""
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "160", "ZHENGJI_DATABASE_URL": db})


@pytest.fixture
def copy(demo: Demo, tmp_path: Path) -> tuple[Path, str]:
    """A copy of the demo database (SQLite's backup API: the WAL of the open store included)."""
    with sqlite3.connect(demo.root / "demo.db") as src, sqlite3.connect(tmp_path / "z.db") as dst:
        src.backup(dst)
    return tmp_path, f"sqlite:///{tmp_path / 'z.db'}"


def test_explain_lists_decide_verify(demo: Demo, copy: tuple[Path, str]) -> None:
    root, db = copy
    mover = demo.summary.mover  # type: ignore[attr-defined]
    term = str(demo.summary.term_batch)  # type: ignore[attr-defined]
    r = zhengji("cadres", "explain", mover, "--batch", term, "--json", cwd=root, db=db)
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["kind"] == "term" and any("形象工程" in x["zh"] for x in data["result"]["lines"])
    r = zhengji("cadres", "lists", "--batch", "2", "--json", cwd=root, db=db)
    entries = json.loads(r.stdout)["entries"]
    remind = next(e for e in entries if e["list"] == "remind")
    r = zhengji("cadres", "decide", remind["person_id"], "--list", "remind", "--decision",
                "accept", "--reviewer", "组织部", "--reason", "谈话提醒", "--batch", "2",
                cwd=root, db=db)  # fmt: skip
    assert r.exit_code == 0 and "账本 ledger #" in r.stdout, r.stderr
    r = zhengji("cadres", "verify", "2", cwd=root, db=db)
    assert r.exit_code == 0 and "重算一致" in r.stdout
    r = zhengji("ledger", "verify", cwd=root, db=db)
    assert r.exit_code == 0, r.stdout + r.stderr


def test_assess_bundle_and_bad_csv(demo: Demo, copy: tuple[Path, str]) -> None:
    root, db = copy
    new = demo.summary.routine_batches[-1] + 1  # type: ignore[attr-defined]
    b = root / "bundle"
    b.mkdir()
    (b / "cadres.toml").write_text("[grades]\nexcellent = 84.0\n", encoding="utf-8")
    (b / "evaluations.csv").write_text("person_id,period,source,score\nP001,2025,party,88\n")
    r = zhengji("cadres", "assess", str(b), "--kind", "annual", "--period", "2025", "--by", "t",
                cwd=root, db=db)  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert "评价 1 行" in r.stdout and f"批次 batch {new}" in r.stdout
    (b / "evaluations.csv").write_text("person_id,period,source,score\nP001,2025,party,188\n")
    r = zhengji("cadres", "assess", str(b), "--period", "2025", "--by", "t", cwd=root, db=db)
    assert r.exit_code == 2
    assert "evaluations.csv" in r.stderr and "score" in r.stderr


def test_feedback_sheet_pdf_embeds_cjk_font_and_names_the_person(
    demo: Demo, copy: tuple[Path, str]
) -> None:
    root, db = copy
    pid = demo.summary.eco_deputy  # type: ignore[attr-defined]
    with demo.store.transaction() as s:
        name = person_names(s)[pid]
    assert name
    out = root / "sheet.pdf"
    term = str(demo.summary.term_batch)  # type: ignore[attr-defined]
    r = zhengji("cadres", "feedback", pid, "--batch", term, "--out", str(out), cwd=root, db=db)
    assert r.exit_code == 0, r.stderr
    pdf = out.read_bytes()
    cjk = [f for f in pdfread.fonts(pdf) if "CJK" in f.base_font]
    assert cjk and all(f.embedded for f in cjk)
    text = pdfread.text(pdf)
    assert "示例数据（模拟）" in text
    assert name in text and "考核结果反馈" in text and "潜绩记功" in text


def test_cases_search_public_digest(demo: Demo, copy: tuple[Path, str]) -> None:
    root, db = copy
    r = zhengji("cases", "search", "--tag", "形象工程", "--json", cwd=root, db=db)
    assert r.exit_code == 0 and len(json.loads(r.stdout)) == 1
    r = zhengji("cases", "public", "--json", cwd=root, db=db)
    public = json.loads(r.stdout)
    assert [v["unit"] for v in public["cases"]] == ["某县（区）"]
    assert public["synthetic"] == SYNTHETIC_LABEL
    out = root / "digest.pdf"
    r = zhengji("cases", "digest", "--out", str(out), cwd=root, db=db)
    assert r.exit_code == 0, r.stderr
    text = pdfread.text(out.read_bytes())
    assert (
        "示例数据（模拟）" in text
        and "警示教育案例汇编" in text
        and "一言堂" in text
        and "形象工程" in text
    )
    with demo.store.transaction() as s:
        names = [n for n in person_names(s).values() if n]
    assert not any(n in text for n in names)
