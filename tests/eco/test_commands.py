"""``zhengji eco …`` end to end on a real SQLite file (in-process Typer runner)."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from zhengji.cli import app
from zhengji.eco import pricebook
from zhengji.eco.rulebook import default_rulebook

from .test_importer import AWARDS, GEP, HOLDERS, PEOPLE, write

runner = CliRunner()


def ok(*args: str) -> str:
    r = runner.invoke(app, list(args))
    assert r.exit_code == 0, r.output
    return r.output


def test_rulebook_check_and_show(tmp_path: Path) -> None:
    good = tmp_path / "rb.toml"
    good.write_text(default_rulebook().toml, encoding="utf-8")
    assert "rulebook valid" in ok("eco", "rulebook", "check", str(good))
    bad = tmp_path / "bad.toml"
    bad.write_text(
        default_rulebook().toml.replace("total_cap = 500", 'total_cap = "many"'), encoding="utf-8"
    )
    r = runner.invoke(app, ["eco", "rulebook", "check", str(bad)])
    assert r.exit_code == 2
    line = 1 + next(
        n for n, ln in enumerate(default_rulebook().toml.splitlines()) if ln.startswith("total_cap")
    )
    assert "bad.toml" in r.output and "total_cap" in r.output and f"第{line}行" in r.output
    out = ok("eco", "rulebook", "show")
    assert "柴灶改电" in out and "140,000" in out and "4.65" in out


def test_import_score_statement_gep(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    d = write(tmp_path / "in", people=PEOPLE, holders=HOLDERS, awards=AWARDS, gep_inputs=GEP)
    assert "awards 2" in ok("eco", "import", str(d), "--db", db, "--by", "录入员")
    obs = tmp_path / "obs.csv"
    ok("eco", "score", "--period", "2025", "--as-of", "2025-06-30", "--db", db, "--out", str(obs))
    rows = {
        (r["unit_id"], r["indicator_id"]): float(r["value"])
        for r in csv.DictReader(obs.read_text(encoding="utf-8").splitlines())
    }
    assert rows["jiangkou", "eco_participation"] == 100.0
    assert rows["jiangkou", "eco_mean_score"] == 8.5  # (5 + 12) / 2
    assert rows["t1", "eco_points_eco_business"] == 6.0
    pdf = tmp_path / "X1.pdf"
    assert "statement" in ok(
        "eco", "statement", "X1", "--db", db, "--out", str(pdf), "--as-of", "2025-06-30"
    )
    assert pdf.read_bytes().startswith(b"%PDF")
    out = ok("eco", "gep", "account", "--db", db)
    assert "jiangkou" in out and "20.17" in out  # 3.3e8 m³ × 6.1107 元/m³ = 20.17 亿元
    builtin = pricebook.builtin().info  # no table stored: the built-in one, named with its hash
    assert f"v{builtin.version} (sha256 {builtin.short}, 内置 built-in)" in out
    gobs = tmp_path / "gep.csv"
    ok("eco", "gep", "indicators", "--db", db, "--out", str(gobs))
    grows = {
        (r["period"], r["indicator_id"]): float(r["value"])
        for r in csv.DictReader(gobs.read_text(encoding="utf-8").splitlines())
    }
    assert abs(grows["2025", "eco_gep_growth"] - 10.0) < 1e-9
    assert abs(grows["2025", "eco_gep_two_way"] - 5.0) < 1e-9  # GDP +5 %, GEP +10 %
    assert "LY/T 1721" in ok("eco", "gep", "prices")
    ok("eco", "reverse", "1", "--reason", "核实有误", "--db", db)
    r = runner.invoke(app, ["eco", "reverse", "1", "--reason", "again", "--db", db])
    assert r.exit_code == 2 and "already reversed" in r.output
