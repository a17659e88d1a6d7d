"""Sign-off, objections and rulings after the fact (docs/eco.md, "Sign-off, objections and
rulings"): the service's refusals write nothing, the pending list, the ``zhengji eco signoff |
object | rule | pending`` commands, and a second erasure that changes nothing — on SQLite and
PostgreSQL (``db_url``)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from zhengji.cli import app
from zhengji.eco import service as sv
from zhengji.eco.views import pending
from zhengji.errors import DataError, StoreError
from zhengji.ledger import log
from zhengji.store.schema_eco import (
    EcoEntryRow,
    EcoHolderNameRow,
    EcoObjectionRow,
    EcoRulingRow,
    EcoSignoffRow,
)

from .conftest import T0, World, award_input

DAY = dt.timedelta(days=1)
runner = CliRunner()


def _counts(world: World) -> tuple[int, int, int, int, int]:
    """Ledger leaves, entries, sign-offs, objections, rulings: what a refusal must not change."""
    with world.store.transaction() as s:
        return (
            log.size(s),
            *(
                int(s.scalar(select(func.count()).select_from(t)) or 0)
                for t in (EcoEntryRow, EcoSignoffRow, EcoObjectionRow, EcoRulingRow)
            ),
        )


def _unsigned(world: World, **kw: object) -> int:
    """An award (unsigned unless ``signed_by`` is given)."""
    with world.store.transaction() as s:
        return sv.award(s, world.rb_pk, world.rb, award_input(**({"signed_by": None} | kw)), "t")


@pytest.mark.parametrize(
    ("person", "why"),
    [
        ("i1", "other than the inspector"),
        ("p1", "beneficiary"),  # H1's own person
        ("p2", "beneficiary"),  # of H1's household hh1
        ("nobody", "no person 'nobody'"),
        ("", "no person ''"),
    ],
)
def test_a_refused_sign_off_writes_nothing(world: World, person: str, why: str) -> None:
    eid = _unsigned(world)
    before = _counts(world)
    with pytest.raises(DataError, match=why), world.store.transaction() as s:
        sv.sign_off(s, eid, person, T0 + DAY)
    assert _counts(world) == before


def test_a_late_sign_off_makes_the_award_count(world: World) -> None:
    eid = _unsigned(world)
    with world.store.transaction() as s:
        assert sv.holder_balances(s, world.rb, T0 + 30 * DAY)["H1"].points == 0  # 待复核
        leaf = sv.sign_off(s, eid, "p3", T0 + 20 * DAY)  # another household's person may
        assert leaf == log.size(s) - 1  # its own leaf, the last one
        assert sv.holder_balances(s, world.rb, T0 + 30 * DAY)["H1"].points == 5
        with pytest.raises(DataError, match="already signed off"):
            sv.sign_off(s, eid, "r1", T0 + 21 * DAY)


def test_no_sign_off_of_a_reversal_or_a_reversed_award(world: World) -> None:
    eid = _unsigned(world)
    with world.store.transaction() as s:
        rid = sv.reverse(s, eid, "r1", "录入错误", T0 + DAY)
    before = _counts(world)
    for entry, why in ((rid, "reversal"), (eid, "already reversed")):
        with pytest.raises(DataError, match=why), world.store.transaction() as s:
            sv.sign_off(s, entry, "r1", T0 + 2 * DAY)
    assert _counts(world) == before


def test_an_objection_after_the_window_says_when_it_closed(world: World) -> None:
    """T0 is 2025-03-01 10:00 UTC; the window is 7 days: it closed 2025-03-08 18:00 Beijing."""
    eid = _unsigned(world)
    before = _counts(world)
    with pytest.raises(DataError) as late, world.store.transaction() as s:
        sv.object_to(s, eid, "村民", "太晚", T0 + 7 * DAY)  # the window's end is not inside
    msg = str(late.value)
    assert "objection window" in msg and "closed on 2025-03-08 18:00 (UTC+8)" in msg
    assert "2025-03-08T10:00:00+00:00" in msg
    with (
        pytest.raises(DataError, match="opens on 2025-03-01 18:00"),
        world.store.transaction() as s,
    ):
        sv.object_to(s, eid, "村民", "太早", T0 - DAY)
    for by, text, why in (("", "理由", "who raises"), ("村民", " ", "needs a text")):
        with pytest.raises(DataError, match=why), world.store.transaction() as s:
            sv.object_to(s, eid, by, text, T0 + DAY)
    assert _counts(world) == before
    with world.store.transaction() as s:  # one microsecond before the end is inside
        sv.object_to(s, eid, "村民", "最后一刻", T0 + 7 * DAY - dt.timedelta(microseconds=1))


def test_rulings_refuse_without_a_person_or_reason_and_never_reverse_twice(world: World) -> None:
    eid = _unsigned(world, signed_by="r1")
    with world.store.transaction() as s:
        o1 = sv.object_to(s, eid, "村民甲", "没有改电", T0 + DAY)
        o2 = sv.object_to(s, eid, "村民乙", "同上", T0 + DAY)
    before = _counts(world)
    for person, reason, at, why in (
        ("ghost", "x", T0 + 2 * DAY, "no person 'ghost'"),
        ("r1", "  ", T0 + 2 * DAY, "needs a reason"),
        ("r1", "x", T0 + DAY - dt.timedelta(hours=1), "dated before objection"),
    ):
        with pytest.raises(DataError, match=why), world.store.transaction() as s:
            sv.rule_on(s, o1, True, person, reason, at)
    assert _counts(world) == before
    with world.store.transaction() as s:
        rev = sv.rule_on(s, o1, True, "r1", "核实属实", T0 + 2 * DAY)
        again = sv.rule_on(s, o2, True, "r1", "同一事项", T0 + 3 * DAY)
        n_rev = s.scalar(select(func.count()).where(EcoEntryRow.reverses_id == eid))
        with pytest.raises(DataError, match="already ruled on"):
            sv.rule_on(s, o1, False, "r1", "改判", T0 + 4 * DAY)
    assert rev is not None and again == rev and n_rev == 1  # the second points at the first
    with pytest.raises(DataError, match="already reversed"), world.store.transaction() as s:
        sv.object_to(s, eid, "村民丙", "再议", T0 + 3 * DAY)


def test_erasing_twice_changes_nothing(world: World) -> None:
    with world.store.transaction() as s:
        sv.erase_holder(s, "H1", "管理员", "本人申请 PIPL 第47条")
        first = s.get(EcoHolderNameRow, "H1")
        assert first is not None and first.erased_at is not None
        when, size = first.erased_at, log.size(s)
    with pytest.raises(StoreError, match="already erased 已删除"), world.store.transaction() as s:
        sv.erase_holder(s, "H1", "管理员", "again")
    with world.store.transaction() as s:
        row = s.get(EcoHolderNameRow, "H1")
        assert row is not None and row.erased_at == when and log.size(s) == size


def test_pending_lists_what_awaits_and_forgets_what_is_done(world: World) -> None:
    a = _unsigned(world)
    b = _unsigned(world, holder="H2", item="fruit_trees", signed_by="r1")
    with world.store.transaction() as s:
        o = sv.object_to(s, b, "村民", "存疑", T0 + DAY)
        got = pending(s, T0 + 2 * DAY)
        assert [r["entry_id"] for r in got["signoffs"]] == [a]
        first = got["signoffs"][0]
        assert first["deadline"] == (T0 + 7 * DAY).astimezone(first["deadline"].tzinfo)
        assert first["window_open"] is True and first["days_waiting"] == 2
        assert first["item"] == "柴灶改电" and first["county_id"] == "jiangkou"
        (obj,) = got["objections"]
        assert (obj["objection_id"], obj["entry_id"], obj["signed_off"]) == (o, b, True)
        assert obj["days_open"] == 1
        assert pending(s, T0, unit="v9")["signoffs"] == []
        assert pending(s, T0, unit="t1")["signoffs_total"] == 1
        assert pending(s, T0, can=lambda v: v != "v1")["objections"] == []
        assert pending(s, T0 + 8 * DAY)["signoffs"][0]["window_open"] is False
        sv.sign_off(s, a, "r1", T0 + 2 * DAY)
        sv.rule_on(s, o, False, "r1", "属实", T0 + 3 * DAY)
        done = pending(s, T0 + 3 * DAY)
    assert done["signoffs"] == [] and done["objections"] == [] and done["signoffs_total"] == 0


def _cli(*args: str) -> tuple[int, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.output


def test_the_commands_end_to_end(world: World, eco_url: str) -> None:
    db = ("--db", eco_url)
    eid = _unsigned(world)
    code, out = _cli("eco", "pending", *db)
    assert code == 0 and f"#{eid}" in out and "Awaiting sign-off: 1" in out, out
    assert "Open objections: 0" in out
    before = _counts(world)
    code, out = _cli("eco", "signoff", str(eid), "--by", "i1", *db)
    assert code == 2 and "other than the inspector" in out and _counts(world) == before
    code, out = _cli("eco", "signoff", str(eid), "--by", "p2", *db)
    assert code == 2 and "复核人不能是受益人或其家庭成员" in out and _counts(world) == before
    code, out = _cli("eco", "signoff", str(eid), "--by", "r1", "--at", "2025-03-02T09:00", *db)
    assert code == 0 and f"signed off #{eid} by r1" in out, out
    with world.store.transaction() as s:
        signed = s.scalar(select(EcoSignoffRow.signed_at).where(EcoSignoffRow.entry_id == eid))
    assert signed is not None and sv.utc(signed) == dt.datetime(2025, 3, 2, 1, 0, tzinfo=dt.UTC)

    code, out = _cli("eco", "object", str(eid), "--by", "村民", "--reason", "没改", *db)
    assert code == 2 and "closed on 2025-03-08 18:00 (UTC+8)" in out, out
    code, out = _cli(
        "eco", "object", str(eid), "--by", "村民", "--reason", "x", "--at", "soon", *db
    )
    assert code == 2 and "not ISO 8601" in out
    assert _counts(world)[3] == 0
    code, out = _cli(
        "eco", "object", str(eid), "--by", "村民", "--reason", "没改", "--at", "2025-03-03", *db
    )
    assert code == 0 and "objection #1" in out, out
    code, out = _cli("eco", "pending", "--village", "v1", *db)
    assert code == 0 and "Open objections: 1" in out and "Awaiting sign-off: 0" in out
    code, out = _cli("eco", "pending", "--county", "x", "--village", "v1", *db)
    assert code == 2 and "give one of" in out
    code, out = _cli("eco", "rule", "1", "--by", "r1", "--reason", "属实", *db)
    assert code == 2 and "--upheld" in out  # the decision must be given
    code, out = _cli(
        "eco",
        "rule",
        "1",
        "--by",
        "r1",
        "--upheld",
        "--reason",
        "核实未改",
        "--at",
        "2025-03-04",
        *db,
    )
    assert code == 0 and "reversed by entry" in out, out
    code, out = _cli("eco", "rule", "1", "--by", "r1", "--rejected", "--reason", "改判", *db)
    assert code == 2 and "already ruled on" in out
    code, out = _cli("eco", "pending", *db)
    assert "Open objections: 0" in out
    with world.store.transaction() as s:
        assert sv.holder_balances(s, world.rb, T0 + 30 * DAY)["H1"].points == 0  # reversed

    assert _cli("eco", "erase", "H2", "--reason", "本人申请", *db)[0] == 0
    size = _counts(world)[0]
    code, out = _cli("eco", "erase", "H2", "--reason", "本人申请", *db)
    assert code == 2 and "already erased 已删除" in out and _counts(world)[0] == size
