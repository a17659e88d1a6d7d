"""``zhengji eco …`` end to end on a real SQLite file (in-process Typer runner)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
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


def test_gep_inputs_file_of_any_name(tmp_path: Path) -> None:
    """`--inputs gep_good.csv` used to stop with KeyError: 'gep_good.csv'."""
    f = tmp_path / "gep_good.csv"
    f.write_text(GEP, encoding="utf-8")
    out = ok("eco", "gep", "account", "--inputs", str(f))
    assert "jiangkou" in out and "20.17" in out
    obs = tmp_path / "obs.csv"
    ok("eco", "gep", "indicators", "--inputs", str(f), "--out", str(obs))
    got = {r["indicator_id"] for r in csv.DictReader(obs.read_text(encoding="utf-8").splitlines())}
    assert "eco_gep_two_way" in got
    d = write(tmp_path / "dir", gep_inputs=GEP)  # a folder means folder/gep_inputs.csv
    assert "20.17" in ok("eco", "gep", "account", "--inputs", str(d))


def test_gep_account_says_what_it_leaves_out(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("unit_id,year,service,quantity,unit,source\n", encoding="utf-8")
    assert "no GEP inputs found" in ok("eco", "gep", "account", "--inputs", str(empty))
    only_gdp = tmp_path / "g.csv"
    only_gdp.write_text(GEP + "jiangkou,2026,gdp,130,亿元,统计年鉴\n", encoding="utf-8")
    out = ok("eco", "gep", "account", "--inputs", str(only_gdp))
    assert "left out" in out and "2026" in out and "GDP but no ecosystem service" in out


def test_score_period_sets_the_as_of_and_counts_every_holder(tmp_path: Path) -> None:
    """--period 1999 used to write the same values as 2025 (balances as of now); the tier table
    said "holders N" but counted only holders with entries."""
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    holders = HOLDERS + "X3,household,v1,t1,jiangkou,hh3,,王某户\n"
    ok("eco", "import", str(write(tmp_path / "in", people=PEOPLE, holders=holders, awards=AWARDS)),
       "--db", db)  # fmt: skip

    def score(period: str) -> tuple[str, dict[str, float]]:
        obs = tmp_path / f"s{period}.csv"
        out = ok("eco", "score", "--period", period, "--db", db, "--out", str(obs))
        rows = csv.DictReader(obs.read_text(encoding="utf-8").splitlines())
        return out, {r["indicator_id"]: float(r["value"]) for r in rows if r["unit_id"] == "v1"}

    out, v = score("1999")
    assert "1999-12-31 24:00" in out and v["eco_participation"] == 0.0
    out, v = score("2025")
    assert "2025-12-31 24:00" in out and v["eco_participation"] == pytest.approx(200 / 3)
    assert "holders 3" in out
    tier0 = next(ln for ln in out.splitlines() if ln.strip("│ ").startswith("0 "))
    assert [c.strip() for c in tier0.split("│")][3] == "3"  # X1 (5), X2 (12) and X3 (0 points)


@pytest.mark.parametrize(
    "args",
    [
        ["eco", "score", "--period", "2025", "--as-of", "2025-13-01"],
        ["eco", "statement", "X1", "--as-of", "2025-13-01"],
        ["eco", "screen", "--period", "2025", "--as-of", "2025-13-01"],
    ],
)
def test_bad_as_of_is_a_clear_error(tmp_path: Path, args: list[str]) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    ok("eco", "import", str(write(tmp_path / "in", people=PEOPLE, holders=HOLDERS)), "--db", db)
    r = runner.invoke(app, [*args, "--db", db])
    assert (r.exit_code == 2 and r.exception is None) or isinstance(r.exception, SystemExit)
    assert "--as-of" in r.output and "YYYY-MM-DD" in r.output and "2025-13-01" in r.output


def test_score_period_must_be_a_year(tmp_path: Path) -> None:
    r = runner.invoke(app, ["eco", "score", "--period", "2025年"])
    assert r.exit_code == 2 and "four-digit year" in r.output


def test_rulebook_check_warns_of_a_cap_that_is_not_a_multiple_of_the_points(
    tmp_path: Path,
) -> None:
    """A cap of 42 at 10 points stops at 40 (awards are whole): ``rulebook check`` still says
    the file is valid, and warns with the line and key of the cap."""
    from importlib import resources

    text = (resources.files("zhengji.eco") / "rulebook.toml").read_text(encoding="utf-8")
    block = text[text.index('id = "eco_tourism"') :]
    cap_line = next(ln for ln in block.splitlines() if ln.startswith("cap = "))
    assert cap_line == "cap = 40"
    start = text.index('id = "eco_tourism"')
    changed = text[:start] + block.replace(cap_line, "cap = 42", 1)
    f = tmp_path / "rulebook.toml"
    f.write_text(changed, encoding="utf-8")
    res = CliRunner().invoke(app, ["eco", "rulebook", "check", str(f)])
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert "警告 warning" in out and "cap" in out and "40" in out
    assert "细则有效 rulebook valid" in out
