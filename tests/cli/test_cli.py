"""The command line end to end, as a user runs it: a real process, real files, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

ROOT = Path(__file__).resolve().parents[2]
ASEM = ROOT / "examples" / "asem"


def zhengji(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "COLUMNS": "160", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "zhengji.cli", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_version(tmp_path: Path) -> None:
    from zhengji import __version__

    r = zhengji("--version", cwd=tmp_path)
    assert r.returncode == 0
    assert __version__ in r.stdout


def test_assess_asem_prints_ranking_and_records_run(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    r = zhengji("assess", str(ASEM), "--db", db, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    first = next(line for line in lines if "Switzerland" in line)
    assert "68.4" in first and first.strip().startswith("│") and " 1 " in first
    assert "recorded as run 1" in r.stderr
    again = zhengji("reproduce", "1", "--db", db, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "reproduced" in again.stdout
    listed = zhengji("runs", "--db", db, cwd=tmp_path)
    assert "asem" in listed.stdout


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx", "html"])
def test_assess_writes_each_format(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "out"
    r = zhengji("assess", str(ASEM), "--no-store", "--format", fmt, "--out", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    (path,) = out.glob(f"*.{fmt}")
    if fmt == "json":
        data = json.loads(path.read_text(encoding="utf-8"))
        assert "CHE" in json.dumps(data)
    elif fmt == "xlsx":
        wb = openpyxl.load_workbook(path, read_only=True)
        assert len(wb.sheetnames) >= 5
    else:
        text = path.read_text(encoding="utf-8-sig")
        assert "Switzerland" in text or "CHE" in text


def test_bad_bundle_exits_2_with_file_row_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in ("units.csv", "scheme.toml"):
        (bad / f).write_bytes((ASEM / f).read_bytes())
    lines = (ASEM / "observations.csv").read_text(encoding="utf-8-sig").splitlines()
    parts = lines[5].split(",")
    parts[3] = "abc"
    lines[5] = ",".join(parts)
    (bad / "observations.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = zhengji("assess", str(bad), cwd=tmp_path)
    assert r.returncode == 2
    assert "observations.csv" in r.stderr and "6" in r.stderr and "value" in r.stderr
    assert "Traceback" not in r.stderr
    runs = zhengji("runs", cwd=tmp_path)
    assert "asem" not in runs.stdout


def test_scheme_check_good_and_bad(tmp_path: Path) -> None:
    ok = zhengji("scheme", "check", str(ASEM / "scheme.toml"), cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "valid" in ok.stdout and "Connectivity" in ok.stdout
    broken = tmp_path / "s.toml"
    broken.write_text(
        (ASEM / "scheme.toml")
        .read_text(encoding="utf-8")
        .replace('direction = "lower"', 'direction = "down"', 1),
        encoding="utf-8",
    )
    bad = zhengji("scheme", "check", str(broken), cwd=tmp_path)
    assert bad.returncode == 2
    assert "direction" in bad.stderr and "not allowed" in bad.stderr


def _copy_bundle(dst: Path) -> Path:
    dst.mkdir()
    for f in ("units.csv", "observations.csv", "scheme.toml"):
        (dst / f).write_bytes((ASEM / f).read_bytes())
    return dst


def test_a_run_always_reproduces_even_when_the_bundle_omits_stored_values(tmp_path: Path) -> None:
    """Omitting a row does not retract a stored value: the run uses the store's record."""
    b = _copy_bundle(tmp_path / "b")
    db = f"sqlite:///{tmp_path / 'r.db'}"
    assert zhengji("assess", str(b), "--db", db, cwd=tmp_path).returncode == 0
    lines = (b / "observations.csv").read_text(encoding="utf-8-sig").splitlines()
    (b / "observations.csv").write_text("\n".join(lines[:5] + lines[6:]) + "\n", encoding="utf-8")
    second = zhengji("assess", str(b), "--db", db, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "1 values the bundle omits" in second.stderr
    for run in ("1", "2"):
        r = zhengji("reproduce", run, "--db", db, cwd=tmp_path)
        assert r.returncode == 0, r.stderr


def test_error_text_with_brackets_is_printed_verbatim(tmp_path: Path) -> None:
    b = _copy_bundle(tmp_path / "b")
    lines = (b / "observations.csv").read_text(encoding="utf-8-sig").splitlines()
    parts = lines[3].split(",")
    parts[0] = "[/foo]"
    lines[3] = ",".join(parts)
    (b / "observations.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = zhengji("assess", str(b), "--no-store", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert "[/foo]" in r.stderr and "Traceback" not in r.stderr


def test_unknown_period_is_bad_input(tmp_path: Path) -> None:
    r = zhengji("assess", str(ASEM), "--no-store", "--period", "2030", cwd=tmp_path)
    assert r.returncode == 2
    assert "2030" in r.stderr and "2018" in r.stderr and "Traceback" not in r.stderr


def test_scheme_check_accepts_the_bundle_directory(tmp_path: Path) -> None:
    r = zhengji("scheme", "check", str(ASEM), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "valid" in r.stdout


def test_a_file_in_the_way_is_a_friendly_error(tmp_path: Path) -> None:
    blocker = tmp_path / "out"
    blocker.write_text("not a directory", encoding="utf-8")
    r = zhengji(
        "assess", str(ASEM), "--no-store", "--format", "csv", "--out", str(blocker), cwd=tmp_path
    )
    assert r.returncode == 2
    assert "文件错误 file error" in r.stderr and "Traceback" not in r.stderr


def test_history_shows_every_version_of_a_corrected_value(tmp_path: Path) -> None:
    b = _copy_bundle(tmp_path / "b")
    db = f"sqlite:///{tmp_path / 'h.db'}"
    assert zhengji("assess", str(b), "--db", db, cwd=tmp_path).returncode == 0
    text = (b / "observations.csv").read_text(encoding="utf-8-sig")
    assert "AUT,2018,LPI,4.097985,statistics" in text
    (b / "observations.csv").write_text(
        text.replace("AUT,2018,LPI,4.097985,", "AUT,2018,LPI,4.2,"), encoding="utf-8"
    )
    assert zhengji("assess", str(b), "--db", db, cwd=tmp_path).returncode == 0
    r = zhengji("history", "AUT", "2018", "LPI", "--db", db, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    first = next(line for line in r.stdout.splitlines() if "4.097985" in line)
    second = next(line for line in r.stdout.splitlines() if "4.2 " in line)
    assert "—" in first and " 1 " in second  # the correction supersedes row 1
    missing = zhengji("history", "AUT", "2018", "NOPE", "--db", db, cwd=tmp_path)
    assert missing.returncode == 2 and "no stored value" in missing.stderr


def test_finding_review_from_the_command_line_vetoes_the_next_run(tmp_path: Path) -> None:
    from dataclasses import dataclass, field

    from zhengji.bundle import load_bundle
    from zhengji.store import Store

    @dataclass(frozen=True)
    class Found:
        unit_id: str = "CHE"
        indicator_id: str = "LPI"
        periods: tuple[str, ...] = ("2018",)
        check: str = "last_digit"
        statistic: float = 30.0
        p_value: float = 0.001
        q_value: float = 0.01
        severity: str = "high"
        evidence: dict[str, float] = field(default_factory=dict)
        summary_zh: str = "末位数字异常"
        summary_en: str = "last digits odd"

    b = _copy_bundle(tmp_path / "b")
    text = (b / "scheme.toml").read_text(encoding="utf-8")
    (b / "scheme.toml").write_text(
        text + '\n[[vetoes]]\nid = "falsification"\nname = "数据造假"\ncap = "较差"\n\n'
        '[integrity]\nveto = "falsification"\n',
        encoding="utf-8",
    )
    db = f"sqlite:///{tmp_path / 'f.db'}"
    assert zhengji("assess", str(b), "--db", db, cwd=tmp_path).returncode == 0
    bundle = load_bundle(b)
    with Store.open(db) as st:
        st.record_screen(bundle.scheme, [Found()], None)
    listed = zhengji("findings", "--db", db, cwd=tmp_path)
    assert "CHE" in listed.stdout and "待核实" in listed.stdout
    bad = zhengji(
        "finding", "confirm", "1", "--by", "王", "--reason", " ", "--db", db, cwd=tmp_path
    )
    assert bad.returncode == 2 and "needs a reason" in bad.stderr
    ok = zhengji(
        "finding",
        "confirm",
        "1",
        "--by",
        "市考核办 王",
        "--reason",
        "核查属实",
        "--db",
        db,
        cwd=tmp_path,
    )
    assert ok.returncode == 0 and "已确认造假" in ok.stdout
    again = zhengji(
        "assess", str(b), "--db", db, "--format", "json", "--out", str(tmp_path / "o"), cwd=tmp_path
    )
    assert again.returncode == 0, again.stderr
    first = next(line for line in again.stdout.splitlines() if "Switzerland" in line)
    assert "较差" in first and "⚑" in first


def test_screen_writes_the_findings_csv_and_records_them(tmp_path: Path) -> None:
    import csv as _csv

    db = f"sqlite:///{tmp_path / 's.db'}"
    out = tmp_path / "flags.csv"
    r = zhengji("screen", str(ASEM), "--db", db, "--out", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "recorded as screen 1" in r.stderr
    rows = list(_csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    need = {
        "unit_id",
        "indicator_id",
        "period",
        "check",
        "statistic",
        "p_value",
        "q_value",
        "severity",
        "summary",
    }
    assert need <= set(rows[0])
    assert len(rows) == 51 * 6  # per country: five last-digit tests and number duplication
    listed = zhengji("findings", "--db", db, cwd=tmp_path)
    assert listed.returncode == 0 and "digits." in listed.stdout
