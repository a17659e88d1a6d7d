"""Awards through the service: sign-off, public posting and objections, reversal, expiry,
ledger commitment, erasure — and which points count when."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from zhengji.eco import service as sv
from zhengji.eco.scoring import Posting, balances, status
from zhengji.errors import DataError
from zhengji.ledger import log
from zhengji.store.schema_eco import EcoHolderNameRow, EcoPersonRow

from .conftest import T0, World, award_input

DAY = dt.timedelta(days=1)


def test_points_count_after_signoff_and_objection_window(world: World) -> None:
    with world.store.transaction() as s:
        eid = sv.award(s, world.rb_pk, world.rb, award_input(signed_by=None), "t")
        assert sv.holder_balances(s, world.rb, T0 + 10 * DAY)["H1"].points == 0  # unsigned
        with pytest.raises(DataError, match="other than the inspector"):
            sv.sign_off(s, eid, "i1", T0)
        sv.sign_off(s, eid, "r1", T0 + DAY)
        b = sv.holder_balances(s, world.rb, T0 + 6 * DAY)["H1"]
        assert (b.points, b.pending) == (0, 5)  # still posted for objection (7 days)
        assert sv.holder_balances(s, world.rb, T0 + 7 * DAY)["H1"].points == 5
        n_leaves = log.size(s)
    assert n_leaves == 2  # the award and its sign-off, each committed to the ledger


def test_objection_upheld_reverses_dismissed_counts(world: World) -> None:
    with world.store.transaction() as s:
        a, b = sv.award_many(
            s,
            world.rb_pk,
            world.rb,
            [award_input(item="fruit_trees"), award_input(item="tree_planting")],
            "t",
        )
        oa = sv.object_to(s, a, "村民", "没有种树", T0 + DAY)
        ob = sv.object_to(s, b, "村民", "存疑", T0 + DAY)
        with pytest.raises(DataError, match="objection window"):
            sv.object_to(s, a, "村民", "太晚", T0 + 8 * DAY)
        assert (
            sv.holder_balances(s, world.rb, T0 + 10 * DAY)["H1"].points == 0
        )  # both under objection
        rev = sv.rule_on(s, oa, True, "r1", "核实无果树", T0 + 2 * DAY)
        assert rev is not None
        assert sv.rule_on(s, ob, False, "r1", "核实属实", T0 + 2 * DAY) is None
        bal = sv.holder_balances(s, world.rb, T0 + 10 * DAY)["H1"]
        with pytest.raises(DataError, match="already reversed"):
            sv.reverse(s, a, "r1", "again")
    assert bal.points == 4 and bal.by_dimension == {"eco_welfare": 4}


def test_expiry_and_tiers() -> None:
    """Pure scoring: an award stops counting at ``valid_until``; caps per dimension apply."""
    from zhengji.eco.rulebook import default_rulebook

    rb = default_rulebook()
    t = T0
    posts = [
        Posting(1, "award", "H", "fruit_trees", "eco_assets", "2025", 10, t, t + 365 * DAY, t + 7 * DAY, signed_at=t),
        Posting(2, "award", "H", "certified_forest", "eco_assets", "2025", 15, t, t + 730 * DAY, t + 7 * DAY, signed_at=t),
        Posting(3, "award", "H", "courtyard_green", "eco_living", "2025", 4, t, t + 730 * DAY, t + 7 * DAY),
    ]  # fmt: skip
    assert balances(posts, rb, t + 100 * DAY)["H"].points == 25
    assert balances(posts, rb, t + 400 * DAY)["H"].points == 15  # fruit trees expired
    assert status(posts[0], set(), t + 400 * DAY) == "expired"
    assert status(posts[2], set(), t + 100 * DAY) == "unsigned"
    many = [
        Posting(
            10 + k,
            "award",
            "H",
            f"x{k}",
            "eco_credit",
            "2025",
            20,
            t,
            t + 999 * DAY,
            t,
            signed_at=t,
        )
        for k in range(5)
    ]
    assert balances(many, rb, t + DAY)["H"].points == 50  # eco_credit dimension cap 50


def test_inspector_of_beneficiary_household_is_refused_in_code(world: World) -> None:
    with pytest.raises(Exception, match="beneficiary"), world.store.transaction() as s:
        sv.award(s, world.rb_pk, world.rb, award_input(inspector_id="p2"), "t")
    with world.store.transaction() as s:
        assert log.size(s) == 0  # nothing committed: the leaf rolled back with the row


def test_erasure_keeps_entries_and_ledger(world: World) -> None:
    with world.store.transaction() as s:
        sv.award(s, world.rb_pk, world.rb, award_input(), "t")
        sv.erase_holder(s, "H1", "管理员", "本人申请 PIPL 第47条")
        name = s.scalar(select(EcoHolderNameRow.name).where(EcoHolderNameRow.holder_id == "H1"))
        person = s.get(EcoPersonRow, "p1")
        assert name is None and person is not None and person.name is None
        assert sv.holder_balances(s, world.rb, T0 + 30 * DAY)["H1"].points == 5
        assert log.size(s) == 2  # award (with its sign-off) and the erasure record
        kinds = s.scalars(select(func.count()).select_from(EcoPersonRow)).one()
        assert kinds == 5


def test_ledger_verifies_every_eco_record(world: World) -> None:
    """``zhengji ledger verify`` rebuilds every entry, sign-off, objection and ruling."""
    from zhengji.ledger.verify import verify_ledger

    with world.store.transaction() as s:
        a, b = sv.award_many(
            s,
            world.rb_pk,
            world.rb,
            [award_input(), award_input(item="fruit_trees", signed_by=None)],
            "t",
        )
        sv.sign_off(s, b, "r1", T0 + DAY)
        o = sv.object_to(s, a, "村民", "异议", T0 + DAY)
        sv.rule_on(s, o, True, "r1", "成立", T0 + 2 * DAY)
        report = verify_ledger(s)
    assert report.ok, report.problems
    # award a (+signoff), award b, signoff b, objection, reversal, ruling
    assert report.records_checked == 6 and report.records_absent == 0


def test_statement_as_of_is_the_same_after_later_records(world: World) -> None:
    """A statement as of T1, rendered again after a sign-off, a rejected ruling and a new
    objection recorded after T1, is byte for byte the same; at T2 it shows them."""
    from zhengji.eco.statement import build_statement, render_html

    t1, late, t2 = T0 + 10 * DAY, T0 + 15 * DAY, T0 + 20 * DAY
    with world.store.transaction() as s:
        unsigned, objected = sv.award_many(
            s,
            world.rb_pk,
            world.rb,
            [award_input(signed_by=None), award_input(item="fruit_trees")],
            "t",
        )
        late_item = award_input(item="waste_sorting", at=t1 - 2 * DAY)
        posted = sv.award(s, world.rb_pk, world.rb, late_item, "t")
        oid = sv.object_to(s, objected, "村民", "存疑", T0 + DAY)
        before = build_statement(s, "H1", world.rb, t1)
        html = render_html(before, world.rb)
        sv.sign_off(s, unsigned, "r1", late)
        sv.rule_on(s, oid, False, "r1", "核实属实", late)
        sv.object_to(s, posted, "村民", "存疑", t1 + DAY)
        # a later award and a later reversal of an award counted at T1
        sv.award(s, world.rb_pk, world.rb, award_input(item="no_burning", at=late), "t")
        counted = sv.award(s, world.rb_pk, world.rb, award_input(item="courtyard_green"), "t")
        after_counted = build_statement(s, "H1", world.rb, t1)
        html = render_html(after_counted, world.rb)
        sv.reverse(s, counted, "r1", "复查不实", late)
        after = build_statement(s, "H1", world.rb, t1)
        again = render_html(after, world.rb)
        then = build_statement(s, "H1", world.rb, t2)
    states = {p.id: st for p, st in before.lines}
    assert states == {unsigned: "unsigned", objected: "objected", posted: "posted"}
    assert {p.id: st for p, st in after.lines} == {p.id: st for p, st in after_counted.lines}
    assert {p.id for p, _ in after.lines} == set(states) | {counted}
    assert after.balance == after_counted.balance
    assert again == html and "待复核" in html and "异议中" in html
    assert {p.id: st for p, st in then.lines if p.id in states} == {
        unsigned: "counted",
        objected: "counted",
        posted: "objected",
    }
    assert {p.id: st for p, st in then.lines}[counted] == "reversed"
    assert before.balance.points == 0
