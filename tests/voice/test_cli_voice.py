"""The voice commands end to end on a real SQLite file (in-process Typer runner)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from zhengji.cli import app
from zhengji.store import Store
from zhengji.store.schema_voice import VoiceEventRow
from zhengji.voice.ledgering import event_records

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> str:
    units = tmp_path / "units.csv"
    units.write_text(
        "unit_id,name,parent_id,level,lat,long\n"
        "tongren,铜仁市,,city,27.7,109.2\nbijiang,碧江区,tongren,county,27.7,109.2\n"
        "bijiang_t1,甲镇,bijiang,township,27.71,109.21\nbijiang_t2,乙镇,bijiang,township,27.8,109.3\n",
        encoding="utf-8",
    )
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    r = runner.invoke(app, ["voice", "units", str(units), "--db", url])
    assert r.exit_code == 0 and "4" in r.output, r.output
    return url


def ok(*args: str) -> str:
    r = runner.invoke(app, list(args))
    assert r.exit_code == 0, r.output
    return r.output


def test_requests_commands(db: str, tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    export.write_text(
        "工单编号,受理时间,服务类型,区县,乡镇,诉求内容,电话,签收时间,办结时间,满意度,是否解决\n"
        "A1,2025-03-03 09:00,road_repair,bijiang,bijiang_t1,路灯,13700000000,2025-03-03 10:00,2025-03-04 10:00,3,是\n"
        "A2,2025-03-03 10:00,sanitation,bijiang,bijiang_t2,垃圾,,2025-03-04 10:00,,,\n",
        encoding="utf-8",
    )
    imported = ok("requests", "import", str(export), "--db", db)
    assert "2 新增" in imported
    # the events are ledgered after the import's own commit, in short transactions: all of
    # them (accept, dispatch, sign, complete, callback of A1; accept, dispatch, sign of A2)
    assert "已入账 committed" in imported
    with Store.open(db) as st, st.transaction() as s:
        n_events = s.scalar(select(func.count()).select_from(VoiceEventRow))
        assert n_events and len(list(event_records(s))) == n_events
    out = ok("requests", "ranking", "--month", "2025-03", "--db", db)
    assert "碧江区" in out and "2025-03" in out
    out = ok("requests", "ranking", "--month", "2025-03", "--level", "township", "--db", db)
    assert "甲镇" in out and "乙镇" in out
    shown = ok("requests", "show", "1", "--db", db)
    assert "13700000000" not in shown and "hidden" in shown
    assert "13700000000" in ok("requests", "show", "1", "--unit", "bijiang_t1", "--db", db)
    assert "已办结待回访" in ok("requests", "act", "2", "complete", "--by", "乙镇", "--db", db)
    assert "重办" in ok("requests", "callback", "2", "1", "--no-resolved", "--db", db)
    bad = runner.invoke(app, ["requests", "act", "2", "process", "--by", "x", "--db", db])
    assert bad.exit_code == 2 and "cannot process" in bad.output
    out = ok(
        "requests",
        "visit",
        "bijiang_t1",
        "sanitation",
        "垃圾清运",
        "--visitor",
        "王干部",
        "--place",
        "三组",
        "--at",
        "2025-03-05T10:00",
        "--db",
        db,
    )
    assert "#3" in out
    obs = tmp_path / "obs.csv"
    ok("requests", "metrics", str(obs), "--db", db)
    rows = list(csv.DictReader(obs.read_text(encoding="utf-8").splitlines()))
    assert {r["indicator_id"] for r in rows} >= {"voice_response_rate", "voice_volume"}
    assert {r["period"] for r in rows} == {"2025-03"}
    ok("requests", "metrics", str(obs), "--yearly", "--db", db)
    rows = list(csv.DictReader(obs.read_text(encoding="utf-8").splitlines()))
    assert {r["period"] for r in rows} == {"2025"}
    assert "api_key =" in ok("voice", "add-key", "12345平台", "--db", db)


def test_survey_and_supervisor_commands(db: str, tmp_path: Path) -> None:
    frame = tmp_path / "households.csv"
    frame.write_text(
        "household_ref,township_id\n" + "".join(f"h{i},bijiang_t{1 + i % 2}\n" for i in range(30)),
        encoding="utf-8",
    )
    ok("survey", "create", "s25", "--title", "2025评议", "--period", "2025", "--db", db)
    tokens = tmp_path / "tokens.csv"
    assert "issued 10" in ok(
        "survey",
        "issue",
        "s25",
        str(frame),
        "--out",
        str(tokens),
        "--per-township",
        "5",
        "--db",
        db,
    )
    toks = list(csv.DictReader(tokens.read_text(encoding="utf-8").splitlines()))
    assert len(toks) == 10 and "household" not in tokens.read_text(encoding="utf-8")
    out = ok("survey", "tokens", str(tokens), "--out", str(tmp_path / "print"))
    sheet = (tmp_path / "print" / "tokens.html").read_text(encoding="utf-8")
    assert sheet.count("<svg") == 10 and toks[0]["token"] in sheet and "10" in out
    for i, t in enumerate(toks):
        ok("survey", "vote", t["token"], f"{1 + i % 5},4,4,3,5", "--db", db)
    again = runner.invoke(app, ["survey", "vote", toks[0]["token"], "5,5,5,5,5", "--db", db])
    assert again.exit_code == 2 and "already" in again.output
    res = ok("survey", "results", "s25", "--db", db)
    assert "bijiang_t1" in res and "bijiang" in res
    ok(
        "supervisor",
        "add",
        "sv1",
        "王监督",
        "--unit",
        "bijiang_t1",
        "--by",
        "人大",
        "--start",
        "2025-01-01",
        "--db",
        db,
    )
    assert "王监督" in ok("supervisor", "list", "--db", db)
    assert "not accepted" in ok(
        "supervisor", "sign", "P1", "sv1", "--reason", "未完工", "--object", "--db", db
    )
    assert "accepted" in ok("supervisor", "sign", "P1", "sv1", "--reason", "已整改", "--db", db)


def test_ledger_sync_command(db: str, tmp_path: Path) -> None:
    export = tmp_path / "e.csv"
    export.write_text(
        "工单编号,受理时间,服务类型,区县,乡镇\nB1,2025-03-03 09:00,noise,bijiang,bijiang_t1\n",
        encoding="utf-8",
    )
    assert "1 新增" in ok("requests", "import", str(export), "--db", db)
    assert "committed 0" in ok("voice", "ledger-sync", "--db", db)  # the import synced itself
    ok("voice", "add-key", "x", "--db", db)
    ok("requests", "act", "1", "sign", "--by", "甲镇", "--db", db)
    assert "committed 0" in ok("voice", "ledger-sync", "--db", db)  # staff steps sync at once
    from zhengji.ledger.log import size
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        assert size(s) == 4  # import leaf + accept + dispatch + sign
