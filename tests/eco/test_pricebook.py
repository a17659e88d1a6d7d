"""Stored GEP price tables (``zhengji.eco.pricebook``) on SQLite and PostgreSQL: storing,
refusals that change nothing, the table in force, ledger verification and tampering, and the
commands ``zhengji eco gep prices-import`` / ``prices-list`` / ``account --price-table``."""

from __future__ import annotations

import csv
import hashlib
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from zhengji.cli import app
from zhengji.eco import pricebook as pb
from zhengji.eco.units import Quantity
from zhengji.errors import DataError, StoreError
from zhengji.ledger import log
from zhengji.ledger.verify import verify_ledger
from zhengji.store import Store
from zhengji.store.schema_eco import EcoGepPriceTableRow

from .test_importer import AWARDS, GEP, HOLDERS, PEOPLE, write

BUILTIN = pb.builtin_text()
BUILT = pb.builtin().info.version  # 2026.2 when written
VERSION_LINE = f'version = "{BUILT}"'
RESERVOIR = "value = 6.1107"  # the built-in reservoir cost, 元/m³ (LY/T 1721-2008 Annex A)


def table(version: str, reservoir: float = 7.0) -> str:
    """The built-in table with another version and reservoir cost."""
    assert BUILTIN.count(VERSION_LINE) == 1 and BUILTIN.count(RESERVOIR) == 1
    return BUILTIN.replace(VERSION_LINE, f'version = "{version}"').replace(
        RESERVOIR, f"value = {reservoir}"
    )


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    st = Store.open(db_url)
    yield st
    st.close()


def rows(st: Store) -> int:
    with st.transaction() as s:
        return int(s.scalar(select(func.count()).select_from(EcoGepPriceTableRow)) or 0)


def leaves(st: Store) -> int:
    with st.transaction() as s:
        return log.size(s)


def test_store_then_in_force_is_the_newest(store: Store) -> None:
    with store.transaction() as s:
        first = pb.table_used(s)
        assert first.info.kind == "built-in" and first.prices.version == BUILT
        assert first.info.sha256 == hashlib.sha256(BUILTIN.encode("utf-8")).hexdigest()
        a = pb.store(s, table("2027.1", 7.0), "a.toml", "价格办", "县政府第3号决定")
    assert a.created and a.info.ledger_index == 0 and a.info.kind == "stored"
    assert a.info.sha256 == hashlib.sha256(table("2027.1").encode("utf-8")).hexdigest()
    with store.transaction() as s:
        b = pb.store(s, table("2027.2", 8.0), "b.toml", "价格办")
        assert pb.in_force(s).version == "2027.2"
        assert pb.in_force(s).prices["reservoir_cost"].value == 8.0
        assert pb.get(s, "2027.1").prices["reservoir_cost"].value == 7.0
        used = pb.table_used(s)
        assert (used.info.version, used.info.sha256) == ("2027.2", b.info.sha256)
        listed = pb.list_tables(s)
        # the built-in version, not stored, is still reachable by its version
        assert pb.table_used(s, BUILT).info.kind == "built-in"
    assert [(t.version, t.imported_by, t.note) for t in listed] == [
        ("2027.1", "价格办", "县政府第3号决定"),
        ("2027.2", "价格办", ""),
    ]
    assert [t.ledger_index for t in listed] == [0, 1]
    assert all(t.imported_at is not None and t.imported_at.utcoffset() is not None for t in listed)


def test_the_same_text_again_changes_nothing(store: Store) -> None:
    with store.transaction() as s:
        first = pb.store(s, table("2027.1"), "a.toml", "价格办")
    with store.transaction() as s:
        again = pb.store(s, table("2027.1"), "copy.toml", "别人")
    assert not again.created and "already stored" in again.message()
    assert again.info == first.info  # the stored row, not the second call's file or user
    assert (rows(store), leaves(store)) == (1, 1)


def test_a_version_stored_with_other_text_is_refused_and_nothing_changes(store: Store) -> None:
    with store.transaction() as s:
        pb.store(s, table("2027.1", 7.0), "a.toml", "价格办")
    refused = r"'2027\.1' is already stored with other text"
    with pytest.raises(DataError, match=refused), store.transaction() as s:
        pb.store(s, table("2027.1", 9.0), "b.toml", "价格办")
    assert (rows(store), leaves(store)) == (1, 1)
    with store.transaction() as s:
        assert pb.get(s, "2027.1").prices["reservoir_cost"].value == 7.0
        # the built-in table's version with other text would make one version mean two tables
        with pytest.raises(DataError, match="is the built-in table's"):
            pb.store(s, table(BUILT, 9.0), "c.toml", "价格办")
        assert pb.store(s, BUILTIN, "prices.toml", "价格办").created  # the same text: allowed


def test_two_offices_storing_one_version_at_once_get_one_row_and_a_clear_error(
    store: Store,
) -> None:
    """Two sessions store the same new version at the same moment: the first commits; the second
    passed the "already stored?" check before that commit, so its insert meets the unique
    version; it gets a DataError saying so (not a database error) and leaves no row or leaf."""
    first_holds = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        with store.transaction() as s:
            pb.store(s, table("2030.1", 7.0), "a.toml", "甲")
            first_holds.set()
            release.wait(10)

    def second() -> None:
        try:
            with store.transaction() as s:
                s.scalar(select(func.count()).select_from(EcoGepPriceTableRow))  # check passed
                pb.store(s, table("2030.1", 7.5), "b.toml", "乙")
        except BaseException as exc:  # recorded for the assertion below
            errors.append(exc)

    before = leaves(store)
    t1 = threading.Thread(target=first)
    t1.start()
    assert first_holds.wait(10)
    t2 = threading.Thread(target=second)
    t2.start()
    t2.join(0.5)  # the second waits on the ledger lock held by the first
    release.set()
    t1.join(10)
    t2.join(30)
    assert len(errors) == 1 and isinstance(errors[0], DataError), errors
    assert "2030.1" in str(errors[0]) and "nothing of yours was stored" in str(errors[0])
    assert rows(store) == 1 and leaves(store) == before + 1
    with store.transaction() as s:
        assert pb.get(s, "2030.1").prices["reservoir_cost"].value == 7.0


def test_bad_tables_name_line_and_field_and_store_nothing(store: Store) -> None:
    bad = table("2027.1", -1.0)
    line = 1 + bad.splitlines().index("[prices.reservoir_cost]")
    with pytest.raises(DataError) as e, store.transaction() as s:
        pb.store(s, bad, "county.toml", "价格办")
    assert ("county.toml", line, "prices.reservoir_cost") in [p[:3] for p in e.value.problems]
    assert "county.toml" in str(e.value) and "prices.reservoir_cost" in str(e.value)
    broken = table("2027.1").replace("[prices.oxygen]", "[prices.oxygen")
    syntax = 1 + broken.splitlines().index("[prices.oxygen")
    with pytest.raises(DataError, match=f"line {syntax}") as e, store.transaction() as s:
        pb.store(s, broken, "county.toml", "价格办")
    assert e.value.problems[0][:2] == ("county.toml", syntax)
    missing = table("2027.1").replace("[prices.carbon]", "[prices.carbon_price]")
    with pytest.raises(DataError, match=r"prices\.carbon'") as e, store.transaction() as s:
        pb.store(s, missing, "county.toml", "价格办")
    assert (rows(store), leaves(store)) == (0, 0)


def test_unknown_version_lists_the_stored_ones(store: Store) -> None:
    with store.transaction() as s:
        pb.store(s, table("2027.1"), "a.toml", "价格办")
    listed = rf"'2099\.9'; stored: 2027\.1 \(built-in {re.escape(BUILT)}\)"
    with pytest.raises(DataError, match=listed), store.transaction() as s:
        pb.get(s, "2099.9")


def test_the_database_refuses_update_and_delete(store: Store) -> None:
    with store.transaction() as s:
        pb.store(s, table("2027.1"), "a.toml", "价格办")
    for sql in (
        "UPDATE eco_gep_price_tables SET toml = 'x'",
        "DELETE FROM eco_gep_price_tables",
    ):
        with pytest.raises(StoreError, match="append-only"), store.transaction() as s:
            s.execute(text(sql))
    assert rows(store) == 1


def _behind_the_guard(st: Store, sql: str) -> None:
    """Alter a row as someone with the database's owner rights could (guard disabled)."""
    with st.transaction() as s:
        if s.get_bind().dialect.name == "sqlite":
            s.execute(text("DROP TRIGGER eco_gep_price_tables_no_update"))
        else:
            s.execute(
                text(
                    "ALTER TABLE eco_gep_price_tables "
                    "DISABLE TRIGGER eco_gep_price_tables_append_only"
                )
            )
        s.execute(text(sql))


@pytest.mark.parametrize(
    ("change", "unreadable"),
    [
        ("toml = REPLACE(toml, 'value = 7.0', 'value = 70.0')", True),
        ("sha256 = '0000' || SUBSTR(sha256, 5)", True),
        ("imported_by = '别人'", False),
    ],
    ids=["text", "hash", "who"],
)
def test_ledger_verify_passes_and_finds_a_tampered_row(
    store: Store, change: str, unreadable: bool
) -> None:
    with store.transaction() as s:
        pb.store(s, table("2027.0", 5.0), "a.toml", "价格办")
        pb.store(s, table("2027.1", 7.0), "b.toml", "价格办")
    with store.transaction() as s:
        ok = verify_ledger(s)
    assert ok.problem_count == 0 and ok.records_checked == 2
    _behind_the_guard(store, f"UPDATE eco_gep_price_tables SET {change} WHERE version = '2027.1'")
    with store.transaction() as s:
        bad = verify_ledger(s)
    assert bad.problem_count >= 1 and {p.index for p in bad.problems} == {1}
    if unreadable:  # a text that no longer matches its hash is never used
        with (
            pytest.raises(StoreError, match="no longer matches its sha256"),
            store.transaction() as s,
        ):
            pb.table_used(s)


# --- commands -----------------------------------------------------------------------------------
runner = CliRunner()


def ok(*args: str) -> str:
    r = runner.invoke(app, list(args))
    assert r.exit_code == 0, r.output
    return r.output


def test_commands_import_list_and_account_at_a_stored_table(db_url: str, tmp_path: Path) -> None:
    d = write(tmp_path / "in", people=PEOPLE, holders=HOLDERS, awards=AWARDS, gep_inputs=GEP)
    ok("eco", "import", str(d), "--db", db_url)
    f = tmp_path / "county.toml"
    f.write_bytes(table("2027.1", 7.0).replace("\n", "\r\n").encode("utf-8"))  # CRLF kept
    sha = hashlib.sha256(f.read_bytes()).hexdigest()  # what `sha256sum county.toml` prints
    out = ok("eco", "gep", "prices-import", str(f), "--db", db_url, "--note", "县政府决定")
    assert "price table stored" in out and sha[:12] in out
    assert "already stored" in ok("eco", "gep", "prices-import", str(f), "--db", db_url)
    listed = ok("eco", "gep", "prices-list", "--db", db_url)
    assert (
        "2027.1" in listed
        and "县政府决定" in listed
        and f"in force: v2027.1 (sha256 {sha[:12]}" in listed
    )
    # the table in force by default: 3.3 亿m³ × 7.0 元/m³ = 23.10 亿元 (built-in: 20.17)
    lines = tmp_path / "lines.csv"
    out = ok("eco", "gep", "account", "--db", db_url, "--out", str(lines))
    assert "23.10" in out and "20.17" not in out and sha in out
    got = {r["year"]: r for r in csv.DictReader(lines.read_text(encoding="utf-8").splitlines())}
    assert float(got["2025"]["value_yuan"]) == Quantity(3.3, "亿m³").to("m³").value * 7.0
    assert got["2025"]["prices_version"] == "2027.1" and got["2025"]["prices_sha256"] == sha
    # another version on request: the built-in one (not stored) by its version
    out = ok("eco", "gep", "account", "--db", db_url, "--price-table", BUILT)
    assert "20.17" in out and "内置 built-in" in out
    obs = tmp_path / "obs.csv"
    out = ok(
        "eco", "gep", "indicators", "--db", db_url, "--out", str(obs), "--price-table", "2027.1"
    )
    gep = {
        (r["period"], r["indicator_id"]): float(r["value"])
        for r in csv.DictReader(obs.read_text(encoding="utf-8").splitlines())
    }
    assert gep["2025", "eco_gep"] == pytest.approx(23.1) and "2027.1" in out
    # refusals: both options, an unknown version, a bad file (nothing stored)
    r = runner.invoke(
        app,
        ["eco", "gep", "account", "--db", db_url, "--price-table", "2027.1", "--prices", str(f)],
    )
    assert r.exit_code == 2 and "not both" in r.output
    r = runner.invoke(app, ["eco", "gep", "account", "--db", db_url, "--price-table", "2099"])
    assert r.exit_code == 2 and "stored: 2027.1" in r.output
    bad = tmp_path / "bad.toml"
    bad.write_text(table("2027.2", -1.0), encoding="utf-8")
    r = runner.invoke(app, ["eco", "gep", "prices-import", str(bad), "--db", db_url])
    line = 1 + table("2027.2", -1.0).splitlines().index("[prices.reservoir_cost]")
    assert r.exit_code == 2 and "bad.toml" in r.output and f"第{line}行" in r.output
    assert "prices.reservoir_cost" in r.output
    assert "2027.2" not in ok("eco", "gep", "prices-list", "--db", db_url)
    # `gep prices` keeps showing the built-in table without a database, and a stored one with
    assert f"v{BUILT}" in ok("eco", "gep", "prices")
    assert "v2027.1" in ok("eco", "gep", "prices", "--db", db_url)
