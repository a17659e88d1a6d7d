"""The database itself refuses what the rules forbid: raw SQL, bypassing zhengji's code, on
SQLite and PostgreSQL (migration 0008's triggers and constraints, 0014's guards without NULL
holes: foreign keys off, free-text periods)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from zhengji.cli import app
from zhengji.eco import service as sv
from zhengji.eco.rulebook import default_rulebook
from zhengji.errors import StoreError
from zhengji.ledger.verify import verify_ledger
from zhengji.store.db import alembic_config, make_engine, migrate

from .conftest import T0, World, award_input

COLS = (
    "kind", "rulebook_pk", "item_id", "period", "holder_id", "debit_account", "credit_account",
    "points", "inspector_id", "photo_ref", "lat", "lon", "evidence_at", "awarded_at",
    "valid_until", "posted_at", "objection_until", "reverses_id", "recorded_by", "recorded_at",
)  # fmt: skip


def _accounts(w: World) -> dict[str, int]:
    with w.store.transaction() as s:
        rows = s.execute(text("SELECT id, kind, holder_id, programme FROM eco_accounts")).all()
    return {(h if k == "holder" else "programme"): i for i, k, h, _ in rows}


def _values(rb_pk: int, acc: dict[str, int], **over: Any) -> dict[str, Any]:
    vals: dict[str, Any] = {
        "kind": "award", "rulebook_pk": rb_pk, "item_id": "fruit_trees", "period": "2025",
        "holder_id": "H1", "debit_account": acc["programme"], "credit_account": acc["H1"],
        "points": 10, "inspector_id": "i1", "photo_ref": "p.jpg", "lat": 27.7, "lon": 108.8,
        "evidence_at": T0, "awarded_at": T0, "valid_until": T0 + dt.timedelta(days=365),
        "posted_at": T0, "objection_until": T0 + dt.timedelta(days=7), "reverses_id": None,
        "recorded_by": "raw", "recorded_at": T0,
    }  # fmt: skip
    vals.update(over)
    return vals


INSERT = f"INSERT INTO eco_entries ({', '.join(COLS)}) VALUES ({', '.join(':' + c for c in COLS)})"


def _raw(w: World, **over: Any) -> None:
    with w.store.transaction() as s:
        s.execute(text(INSERT), _values(w.rb_pk, _accounts(w), **over))


def _refused(w: World, match: str, **over: Any) -> None:
    with pytest.raises(StoreError, match=match):
        _raw(w, **over)


def test_a_well_formed_raw_award_is_accepted(world: World) -> None:
    _raw(world)  # the control: the guards below refuse for their reason, not for any insert
    with world.store.transaction() as s:
        assert s.scalar(text("SELECT COUNT(*) FROM eco_entries")) == 1


def test_points_are_not_transferable(world: World) -> None:
    acc = _accounts(world)
    _refused(world, "programme account", debit_account=acc["H2"], credit_account=acc["H1"])
    _refused(world, "own account", credit_account=acc["H2"])  # credit someone else
    _refused(world, "differ from the rulebook", points=50)
    _refused(world, "differ from the rulebook|ck_eco_entry_points|CHECK constraint", points=-10)


def test_inspector_cannot_be_beneficiary_or_household(world: World) -> None:
    _refused(world, "inspector is the beneficiary", inspector_id="p1")
    _refused(world, "inspector is the beneficiary", inspector_id="p2")  # same household hh1
    _raw(world, inspector_id="p3")  # another household may inspect


def test_evidence_required_by_the_rulebook(world: World) -> None:
    _refused(world, "evidence", photo_ref=None)
    _refused(world, "evidence", lat=None)
    _refused(world, "evidence", evidence_at=None)


def test_item_cap_per_year(world: World) -> None:
    for _ in range(4):  # fruit_trees: 10 points, cap 40 a year
        _raw(world)
    _refused(world, "item cap")
    _raw(world, period="2026")  # caps are per scoring year


SMALL = (
    'id = "small"\nversion = "1"\nname = "小"\ntotal_cap = 20\nbase_rate = 5.5\n'
    + "".join(
        f'[[dimensions]]\nid = "d{k}"\nname = "维{k}"\ncap = {15 if k == 1 else 20}\n'
        for k in range(1, 6)
    )
    + "".join(
        f'[[items]]\nid = "i{k}"\ndimension = "{dim}"\nname = "项{k}"\npoints = 10\ncap = 10\n'
        f"validity_years = 1\nevidence = []\n"
        for k, dim in ((1, "d1"), (2, "d1"), (3, "d2"), (4, "d3"))
    )
)


def test_dimension_and_total_caps(eco_url: str) -> None:
    """d1 (cap 15) holds i1 and i2 (10 points each): the second is refused by the dimension cap;
    dimensions allow 95 points but the total cap is 20: the third counted award is refused."""
    from zhengji.eco.rulebook import parse_rulebook
    from zhengji.store import Store

    rb = parse_rulebook(SMALL, "small.toml")
    store = Store.open(eco_url)
    try:
        with store.transaction() as s:
            pk = sv.install_rulebook(s, rb)
            sv.add_person(s, "i1", None, None)
            sv.add_holder(s, "H1", "enterprise", "v", "t", "c")
        w = World(store, rb, pk)
        _raw(w, item_id="i1", rulebook_pk=pk)
        _refused(w, "dimension cap", item_id="i2", rulebook_pk=pk)
        _raw(w, item_id="i3", rulebook_pk=pk)
        _refused(w, "total cap", item_id="i4", rulebook_pk=pk)
    finally:
        store.close()


def test_reversal_must_mirror_its_award_once(world: World) -> None:
    acc = _accounts(world)
    _raw(world)
    with world.store.transaction() as s:
        first = s.scalar(text("SELECT MIN(id) FROM eco_entries"))
    mirror = {"kind": "reversal", "reverses_id": first, "debit_account": acc["H1"],
              "credit_account": acc["programme"]}  # fmt: skip
    _refused(world, "mirror", **{**mirror, "points": 5})
    _refused(world, "mirror", **{**mirror, "debit_account": acc["H2"]})
    _refused(
        world, "mirror|ck_eco_entry_reversal|CHECK constraint", kind="reversal"
    )  # no reverses_id
    _raw(world, **mirror)
    _refused(world, "UNIQUE|unique|duplicate", **mirror)  # a second reversal of the same award


def test_entries_are_append_only(world: World) -> None:
    with world.store.transaction() as s:
        sv.award(s, world.rb_pk, world.rb, award_input(), "t")
    for sql in ("UPDATE eco_entries SET points = 500", "DELETE FROM eco_entries",
                "UPDATE eco_signoffs SET person_id = 'i1'", "DELETE FROM eco_rule_items"):  # fmt: skip
        with pytest.raises(StoreError, match="append-only"), world.store.transaction() as s:
            s.execute(text(sql))


def test_second_signoff_by_someone_else(world: World) -> None:
    with world.store.transaction() as s:
        eid = sv.award(s, world.rb_pk, world.rb, award_input(signed_by=None), "t")
    for person in ("i1", "p1", "p2"):  # inspector, beneficiary, household member
        with pytest.raises(StoreError, match="someone else"), world.store.transaction() as s:
            s.execute(text("INSERT INTO eco_signoffs (entry_id, person_id, signed_at) VALUES (:e, :p, :t)"),
                      {"e": eid, "p": person, "t": T0})  # fmt: skip
    with world.store.transaction() as s:
        s.execute(text("INSERT INTO eco_signoffs (entry_id, person_id, signed_at) VALUES (:e, 'r1', :t)"),
                  {"e": eid, "t": T0})  # fmt: skip


def test_balances_always_balance(world: World) -> None:
    """Double entry: Σ debits = Σ credits over the journal, and no holder goes negative."""
    with world.store.transaction() as s:
        ids = sv.award_many(
            s, world.rb_pk, world.rb, [award_input(item="fruit_trees") for _ in range(3)], "t"
        )
        sv.reverse(s, ids[0], "r1", "核实有误")
        rows = s.execute(text(
            "SELECT a.id, COALESCE((SELECT SUM(points) FROM eco_entries WHERE credit_account = a.id), 0)"
            " - COALESCE((SELECT SUM(points) FROM eco_entries WHERE debit_account = a.id), 0),"
            " a.kind FROM eco_accounts a")).all()  # fmt: skip
    assert sum(b for _, b, _ in rows) == 0
    holders = [b for _, b, k in rows if k == "holder"]
    assert all(b >= 0 for b in holders) and sorted(holders) == [0, 20]


# --- migration 0014: no NULL holes, four-digit periods, nothing around the ledger ---------------
SIGN = "INSERT INTO eco_signoffs (entry_id, person_id, signed_at) VALUES (:e, :p, :t)"
NOT_A_YEAR = ("2025年", "FY2025", "2025 ", " 2025", "2025\n", "２０２５", "25", "20250", "")


def test_period_is_a_year_of_four_digits(world: World) -> None:
    """Caps count per exact period text: '2025 ' or '2025年' would have caps of their own."""
    for _ in range(4):  # fruit_trees: 10 points, cap 40 a year: 2025 is full
        _raw(world)
    _refused(world, "item cap")
    for period in NOT_A_YEAR:
        _refused(world, "four digits", period=period)
    _raw(world, period="2026")  # the control: another year is accepted


def test_guards_do_not_rely_on_foreign_keys(world: World, eco_url: str) -> None:
    """The sqlite3 shell connects with foreign keys off: the triggers refuse by themselves what
    the foreign keys would (made-up item worth 400, ghost inspector, ghost sign-off)."""
    with world.store.transaction() as s:
        eid = sv.award(s, world.rb_pk, world.rb, award_input(signed_by=None), "t")
    acc = _accounts(world)
    shell = create_engine(eco_url)  # no PRAGMA foreign_keys=ON: SQLite's default, off

    def refused(match: str, sql: str, params: dict[str, Any]) -> None:
        with pytest.raises(DBAPIError, match=match), shell.begin() as conn:
            if shell.dialect.name == "sqlite":
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
            conn.execute(text(sql), params)

    try:
        refused(
            "unknown rulebook item", INSERT, _values(world.rb_pk, acc, item_id="bogus", points=400)
        )
        refused("unknown rulebook item", INSERT, _values(999, acc))
        refused(
            "inspector is not in eco_people",
            INSERT,
            _values(world.rb_pk, acc, inspector_id="ghost-inspector"),
        )
        refused("unknown holder", INSERT, _values(world.rb_pk, acc, holder_id="ghost-holder"))
        refused("programme account", INSERT, _values(world.rb_pk, acc, debit_account=999))
        refused("sign-off person is not in eco_people", SIGN, {"e": eid, "p": "ghost2", "t": T0})
        refused("existing award", SIGN, {"e": 999, "p": "r1", "t": T0})
        with shell.begin() as conn:  # the controls: well-formed rows pass on this connection
            conn.execute(text(INSERT), _values(world.rb_pk, acc))
            conn.execute(text(SIGN), {"e": eid, "p": "r1", "t": T0})
    finally:
        shell.dispose()
    with world.store.transaction() as s:
        assert s.scalar(text("SELECT COUNT(*) FROM eco_entries")) == 2
        assert s.scalar(text("SELECT COUNT(*) FROM eco_signoffs")) == 1


# Explicit ids: the service gives them, so PostgreSQL's sequences are not where it left off.
OBJECT = (
    "INSERT INTO eco_objections (id, entry_id, raised_by, text, raised_at) "
    "VALUES (:id, :e, '村民', 'x', :t)"
)
RULE = (
    "INSERT INTO eco_objection_rulings (id, objection_id, upheld, person_id, reason, "
    "reversal_id, ruled_at) VALUES (:id, :o, :u, :p, 'x', :r, :t)"
)


def test_objections_and_rulings_do_not_rely_on_foreign_keys(world: World, eco_url: str) -> None:
    """0008 left objections and rulings to foreign keys: with them off (the sqlite3 shell) an
    objection to no entry or to a reversal, a ruling on no objection, by a ghost, dated before
    its objection or pointing at another entry's reversal all passed. PostgreSQL enforces its
    foreign keys always; there the triggers refuse first, with their own messages."""
    day = dt.timedelta(days=1)
    with world.store.transaction() as s:
        a, b = sv.award_many(s, world.rb_pk, world.rb, [award_input(item="fruit_trees")] * 2, "t")
        oa = sv.object_to(s, a, "村民", "没有种树", T0 + day)
        ob = sv.object_to(s, b, "村民", "存疑", T0 + day)
        rev_b = sv.reverse(s, b, "r1", "核实有误", T0 + day)
    shell = create_engine(eco_url)  # no PRAGMA foreign_keys=ON: SQLite's default, off
    sqlite = shell.dialect.name == "sqlite"
    # 09:00 UTC, an hour before the objection; as text, 'T' sorts after ' ' and it looked later
    early: Any = "2025-03-02T11:00:00+02:00" if sqlite else T0 + day - dt.timedelta(hours=1)

    def refused(match: str, sql: str, params: dict[str, Any]) -> None:
        with pytest.raises(DBAPIError, match=match), shell.begin() as conn:
            if sqlite:
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
            conn.execute(text(sql), params)

    def ruling(**over: Any) -> dict[str, Any]:
        return {"id": 10, "o": oa, "u": False, "p": "r1", "r": None, "t": T0 + 2 * day} | over

    try:
        refused("existing award", OBJECT, {"id": 10, "e": 999, "t": T0 + day})
        refused("not to a reversal", OBJECT, {"id": 10, "e": rev_b, "t": T0 + day})
        refused("existing objection", RULE, ruling(o=999))
        refused("ruling person is not in eco_people", RULE, ruling(p="ghost-judge"))
        refused("before its objection", RULE, ruling(t=early))
        refused("reverse the award objected to", RULE, ruling(u=True, r=rev_b))  # b's, not a's
        refused("reverse the award objected to", RULE, ruling(u=True, r=a))  # an award
        refused("reverse the award objected to", RULE, ruling(u=True, r=999))
        with shell.begin() as conn:  # the controls: well-formed rows pass on this connection
            conn.execute(text(OBJECT), {"id": 10, "e": a, "t": T0 + day})
            conn.execute(text(RULE), ruling(t=T0 + day))  # at the objection's instant
            conn.execute(text(RULE), ruling(id=11, o=ob, u=True, r=rev_b))
        refused("UNIQUE|unique|duplicate", RULE, ruling(id=12))  # UNIQUE since 0008
    finally:
        shell.dispose()
    with world.store.transaction() as s:
        assert s.scalar(text("SELECT COUNT(*) FROM eco_objections")) == 3
        assert s.scalar(text("SELECT COUNT(*) FROM eco_objection_rulings")) == 2


def _guard_sources(engine: Engine) -> list[tuple[str, str]]:
    sql = (
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'eco%guard%'"
        if engine.dialect.name == "sqlite"
        else "SELECT t.tgname, p.prosrc FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
        "WHERE t.tgname LIKE 'eco%guard%'"
    )
    with engine.connect() as conn:
        return sorted((str(n), str(src)) for n, src in conn.execute(text(sql)))


def test_upgrade_keeps_bad_rows_and_downgrade_restores_0008(
    eco_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(eco_url)
    try:
        migrate(engine, "0013")
        old = _guard_sources(engine)
        assert [n for n, _ in old] == (
            ["eco_entries_guard_award", "eco_entries_guard_reversal", "eco_signoffs_guard_all"]
            if engine.dialect.name == "sqlite"
            else ["eco_entries_guard", "eco_signoffs_guard"]
        )
        with Session(engine) as s, s.begin():
            pk = sv.install_rulebook(s, default_rulebook())
            sv.add_person(s, "i1", None, None)
            sv.add_holder(s, "H1", "enterprise", "v", "t", "c")
            acc = {(h or "programme"): i for i, h in s.execute(
                text("SELECT id, holder_id FROM eco_accounts"))}  # fmt: skip
        with engine.begin() as conn:  # accepted before 0014: a row the upgrade must survive
            conn.execute(text(INSERT), _values(pk, acc, period="2025年"))
        with caplog.at_level(logging.WARNING):
            migrate(engine)
        assert "1 entries have a period that is not four digits" in caplog.text
        assert _guard_sources(engine) != old
        with pytest.raises(DBAPIError, match="four digits"), engine.begin() as conn:
            conn.execute(text(INSERT), _values(pk, acc, period="2026年"))
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0013")
        assert _guard_sources(engine) == old  # 0008's guards exactly
        with engine.begin() as conn:
            conn.execute(text(INSERT), _values(pk, acc, period="2027年"))
        migrate(engine)  # and up again over two bad rows
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT COUNT(*) FROM eco_entries")) == 2
    finally:
        engine.dispose()


def test_ledger_verify_reports_rows_written_around_the_ledger(world: World, eco_url: str) -> None:
    """Loaders only yield rows with a leaf index: a raw row without one was invisible and
    ``zhengji ledger verify`` said OK. Every eco table written only through the ledger now
    reports such rows; a rogue price table row is still caught by its leaf's kind."""
    with world.store.transaction() as s:
        eid = sv.award(s, world.rb_pk, world.rb, award_input(signed_by=None), "t")
        assert verify_ledger(s).ok
    with world.store.transaction() as s:  # entry 2 (the service gives ids: no sequence on PG)
        s.execute(text(INSERT.replace("(kind,", "(id, kind,").replace("(:kind,", "(2, :kind,")),
                  _values(world.rb_pk, _accounts(world)))  # fmt: skip
        s.execute(text(SIGN), {"e": eid, "p": "r1", "t": T0})
        s.execute(
            text("INSERT INTO eco_objections (entry_id, raised_by, text, raised_at) "
                 "VALUES (:e, '村民', '异议', :t)"), {"e": eid, "t": T0})  # fmt: skip
        s.execute(
            text("INSERT INTO eco_objection_rulings (objection_id, upheld, person_id, reason, "
                 "ruled_at) VALUES (1, :f, 'r1', '不成立', :t)"), {"f": False, "t": T0})  # fmt: skip
        s.execute(
            text("INSERT INTO eco_gep_price_tables (version, sha256, toml, source_name, "
                 "imported_at, imported_by, note, ledger_index) VALUES ('9.9', :h, 'x', 'x.toml', "
                 ":t, 'raw', '', 0)"), {"h": "0" * 64, "t": T0})  # fmt: skip
        report = verify_ledger(s)
    problems = "\n".join(str(p) for p in report.problems)
    for table, key in (("eco_entries", 2), ("eco_signoffs", 1), ("eco_objections", 1),
                       ("eco_objection_rulings", 1)):  # fmt: skip
        assert f"table {table} has 1 row(s) with no ledger index (id {key})" in problems
    assert "a eco_gep_prices record points at entry 0" in problems
    assert report.problem_count == 5
    r = CliRunner().invoke(app, ["ledger", "verify", "--db", eco_url])
    assert r.exit_code == 1 and "eco_objection_rulings has 1 row(s)" in r.output, r.output
