"""The database itself refuses what the rules forbid: raw SQL, bypassing zhengji's code, on
SQLite and PostgreSQL (migration 0008's triggers and constraints)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import text

from zhengji.eco import service as sv
from zhengji.errors import StoreError

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


def _raw(w: World, **over: Any) -> None:
    acc = _accounts(w)
    vals: dict[str, Any] = {
        "kind": "award", "rulebook_pk": w.rb_pk, "item_id": "fruit_trees", "period": "2025",
        "holder_id": "H1", "debit_account": acc["programme"], "credit_account": acc["H1"],
        "points": 10, "inspector_id": "i1", "photo_ref": "p.jpg", "lat": 27.7, "lon": 108.8,
        "evidence_at": T0, "awarded_at": T0, "valid_until": T0 + dt.timedelta(days=365),
        "posted_at": T0, "objection_until": T0 + dt.timedelta(days=7), "reverses_id": None,
        "recorded_by": "raw", "recorded_at": T0,
    }  # fmt: skip
    vals.update(over)
    sql = f"INSERT INTO eco_entries ({', '.join(COLS)}) VALUES ({', '.join(':' + c for c in COLS)})"
    with w.store.transaction() as s:
        s.execute(text(sql), vals)


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
