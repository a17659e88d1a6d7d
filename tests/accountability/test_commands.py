"""The accountability commands as a user runs them: a real process, real files, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from zhengji.demo.accountability import LEADER_FIRST, VANITY_PROJECT, accountability_files


def zhengji(*args: str, cwd: Path, db: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "160", "ZHENGJI_DATABASE_URL": db}
    return subprocess.run(
        [sys.executable, "-m", "zhengji.cli", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("cli")
    d = root / "acc"
    d.mkdir()
    for name, data in accountability_files(prefix="").items():
        (d / name).write_bytes(data)
    db = f"sqlite:///{root / 'z.db'}"
    r = zhengji("records", "import", str(d), "--by", "录入员", cwd=root, db=db)
    assert r.returncode == 0, r.stderr
    assert "新增 added 401" in r.stdout
    return root, db


def test_decisions_check_exits_1_and_lists_the_planted_ones(imported: tuple[Path, str]) -> None:
    root, db = imported
    r = zhengji("decisions", "check", "--json", cwd=root, db=db)
    assert r.returncode == 1
    found = json.loads(r.stdout)
    assert {v["subject"] for v in found if v["check"] == "last_word"} == {
        f"decision:{c}" for c in LEADER_FIRST
    }
    assert all(v["reason_zh"] and v["reason_en"] for v in found)
    r = zhengji("decisions", "check", "--unit", "jiangkou", cwd=root, db=db)
    assert r.returncode == 0 and "0 项 items" in r.stdout


def test_projects_tenures_and_who(imported: tuple[Path, str]) -> None:
    root, db = imported
    r = zhengji("projects", "check", "--json", cwd=root, db=db)
    assert r.returncode == 0  # signals only
    assert [v["subject"] for v in json.loads(r.stdout)] == [f"project:{VANITY_PROJECT}"]
    r = zhengji("tenures", "turnover", cwd=root, db=db)
    assert r.returncode == 0 and "dejiang" in r.stdout and "2024" in r.stdout
    r = zhengji("who", "P064", "--json", cwd=root, db=db)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["deduction"] == 8.0
    assert {i["unit_id"] for i in data["items"] if i["kind"] == "tenure"} == {"dejiang", "yanhe"}
    r = zhengji("who", "NOBODY", cwd=root, db=db)
    assert r.returncode == 2 and "no such person" in r.stderr


def test_dossier_case_erase_verify(imported: tuple[Path, str]) -> None:
    root, db = imported
    out = root / "dossiers"
    r = zhengji("dossier", "dejiang", "--by", "组织部", "--out", str(out), cwd=root, db=db)
    assert r.returncode == 0, r.stderr
    assert len(list(out.glob("*.pdf"))) == 1 and len(list(out.glob("*.html"))) == 1
    r = zhengji(
        "case", "open", "C-2025-009", "--outcome", "O-dejiang-04b", "--person", "P064",
        "--failure", "广场闲置", "--facts", "private_gain,public_interest", "--by", "审查组",
        cwd=root, db=db,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "不予容错" in r.stdout and "谋取私利" in r.stdout
    r = zhengji(
        "case", "rule", "C-2025-009", "--ruling", "not_eligible", "--reviewer", "审查组",
        "--reason", "存在私利", "--ruled-on", "2025-12-01", cwd=root, db=db,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    r = zhengji("case", "show", "C-2025-009", cwd=root, db=db)
    assert "不予容错" in r.stdout and "审查组" in r.stdout
    r = zhengji("case", "open", "C-X", "--outcome", "O-dejiang-04b", "--person", "P064",
                "--failure", "x", "--facts", "bravery", "--by", "x", cwd=root, db=db)  # fmt: skip
    assert r.returncode == 2 and "unknown criteria" in r.stderr
    r = zhengji("person", "erase", "P064", "--by", "专员", "--reason", "个人信息保护法第47条",
                cwd=root, db=db)  # fmt: skip
    assert r.returncode == 0, r.stderr
    r = zhengji("records", "verify", cwd=root, db=db)
    assert r.returncode == 0 and "every record matches" in r.stdout
    r = zhengji("ledger", "verify", cwd=root, db=db)
    assert r.returncode == 0, r.stdout + r.stderr
    r = zhengji("who", "P064", cwd=root, db=db)
    assert r.returncode == 0 and "erased" in r.stdout


def test_records_derive_writes_observations(imported: tuple[Path, str]) -> None:
    root, db = imported
    out = root / "derived.csv"
    r = zhengji("records", "derive", "--periods", "2024,2025", "--units", "dejiang,sinan",
                "--out", str(out), cwd=root, db=db)  # fmt: skip
    assert r.returncode == 0, r.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "unit_id,period,indicator_id,value,source" and len(lines) == 1 + 8
    assert "dejiang,2025,accountability_deduction,8,derived" in lines
