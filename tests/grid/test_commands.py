"""``zhengji grid …`` end to end on a real SQLite file (in-process Typer runner)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from tests.grid.conftest import FILES, UNITS, write_files
from typer.testing import CliRunner

from zhengji.cli import app
from zhengji.store import Store
from zhengji.voice.units import register_units

runner = CliRunner()


def ok(*args: str) -> str:
    r = runner.invoke(app, list(args))
    assert r.exit_code == 0, r.output
    return r.output


def test_import_tree_visit_dispute_indicators(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'g.db'}"
    with Store.open(db) as st, st.transaction() as s:
        register_units(s, UNITS)
    src = write_files(tmp_path / "grid", FILES)
    assert "户 households 6" in ok("grid", "import", str(src), "--db", db)
    assert "网格员 worker: w1" in ok("grid", "tree", "--db", db)
    out = ok(
        "grid", "visit", "--grid", "g1", "--actor", "w1", "--household", "h1",
        "--service", "suggestion", "--description", "路灯不亮", "--at", "2025-05-01T10:00",
        "--db", db,
    )  # fmt: skip
    assert "诉求 request #1" in out
    out = ok(
        "grid", "dispute", "register", "--grid", "g1", "--kind", "land", "--risk", "low",
        "--party", "张某", "--party", "李某", "--actor", "w1", "--at", "2025-05-02T09:00",
        "--db", db,
    )  # fmt: skip
    assert "#1" in out
    ok("grid", "dispute", "act", "1", "assign", "--actor", "z1", "--mediator", "m1",
       "--at", "2025-05-02T10:00", "--db", db)  # fmt: skip
    assert "张某" in ok("grid", "dispute", "show", "1", "--as", "m1", "--db", db)
    hidden = ok("grid", "dispute", "show", "1", "--as", "w1", "--db", db)
    assert "张某" not in hidden and "parties hidden" in hidden
    r = runner.invoke(app, ["grid", "dispute", "act", "1", "agree", "--actor", "w1", "--db", db])
    assert r.exit_code == 2 and "w1" in r.output
    out_csv = tmp_path / "obs.csv"
    ok("grid", "indicators", "--period", "2025", "--out", str(out_csv), "--db", db)
    with out_csv.open(encoding="utf-8") as f:
        rows = {(r["unit_id"], r["indicator_id"]): r for r in csv.DictReader(f)}
    assert rows[("g1", "grid_visit_coverage")]["source"] == "derived"
    assert float(rows[("g1", "grid_visit_coverage")]["value"]) == pytest.approx(100 / 3, abs=1e-6)
    assert float(rows[("t1", "grid_found_first")]["value"]) == 100.0


def test_hours_and_eco_conversion(tmp_path: Path) -> None:
    from zhengji.eco import service as eco
    from zhengji.eco.rulebook import default_rulebook

    db = f"sqlite:///{tmp_path / 'g.db'}"
    with Store.open(db) as st, st.transaction() as s:
        register_units(s, UNITS)
        eco.install_rulebook(s, default_rulebook())
        eco.add_holder(s, "H1", "household", "v1", "t1", "c1")
    ok("grid", "import", str(write_files(tmp_path / "grid", FILES)), "--db", db)
    base = ["grid", "hours", "--person", "vol1", "--grid", "g1", "--day", "2025-06-01",
            "--activity", "eco_patrol", "--by", "law1", "--db", db]  # fmt: skip
    ok(*base, "--hours", "5", "--photo", "p.jpg", "--lat", "27.7", "--lon", "109.2")
    r = runner.invoke(app, [*base[:-2], "--hours", "5", "--person", "w1", "--db", db])
    assert r.exit_code == 2 and "not a volunteer" in r.output
    assert "awards made: 1 for 1" in ok(
        "grid", "eco-convert", "--period", "2025", "--by", "law1", "--db", db
    )
    assert "awards made: 0" in ok(
        "grid", "eco-convert", "--period", "2025", "--by", "law1", "--db", db
    )
