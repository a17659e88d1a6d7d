"""Dispute mediation over the store: steps with actor and time, append-only, in the ledger;
parties visible only to the handling mediator and the centre; deadlines and escalation."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text, update
from tests.grid.conftest import World

from zhengji.errors import DataError, PermissionDenied
from zhengji.grid import disputes as d
from zhengji.grid.deadlines import default_deadlines
from zhengji.grid.mediation import StepError
from zhengji.ledger import log
from zhengji.store.schema_grid import GridDisputeEventRow

T = dt.datetime(2025, 3, 1, 9, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)
PARTIES = [d.Party("张某", "13900000000", "h1"), d.Party("李某", None, "h2")]


def _open(world: World, risk: str = "low") -> int:
    with world.store.transaction() as s:
        return d.register(
            s, default_deadlines(), grid_id="g1", kind="neighbourhood", risk=risk,
            summary="宅基地边界", parties_=PARTIES, by="w1", at=T,
        )  # fmt: skip


def test_full_course_is_append_only_and_ledgered(world: World) -> None:
    did = _open(world)
    with world.store.transaction() as s:
        d.act(s, did, "assign", actor="z1", at=T + H, mediator_id="m1")
        d.act(s, did, "session", actor="m1", at=T + 2 * H, note="第一次调解")
        d.act(s, did, "agree", actor="m1", at=T + 3 * H)
        d.act(s, did, "follow_up", actor="w1", at=T + 100 * H)
        case = d.act(s, did, "close", actor="m1", at=T + 101 * H)
    assert case.state == "closed" and case.outcome == "agreement"
    with world.store.transaction() as s:
        evs = s.execute(
            select(
                GridDisputeEventRow.action,
                GridDisputeEventRow.actor,
                GridDisputeEventRow.ledger_index,
            )
            .where(GridDisputeEventRow.dispute_id == did)
            .order_by(GridDisputeEventRow.seq)
        ).all()
        assert [(a, b) for a, b, _ in evs] == [
            ("register", "w1"), ("assign", "z1"), ("session", "m1"), ("agree", "m1"),
            ("follow_up", "w1"), ("close", "m1"),
        ]  # fmt: skip
        assert log.size(s) >= 6 and len({i for _, _, i in evs}) == 6
    with pytest.raises(Exception, match="append-only"), world.store.transaction() as s:
        s.execute(update(GridDisputeEventRow).values(actor="someone"))
    with pytest.raises(Exception, match="append-only"), world.store.transaction() as s:
        s.execute(text("DELETE FROM grid_disputes"))


def test_parties_visible_only_to_handling_mediator_and_centre(world: World) -> None:
    did = _open(world)
    with world.store.transaction() as s:
        assert [p.name for p in d.parties(s, did, "z1")] == ["张某", "李某"]
        for who in ("m1", "w1", "law1", "m2"):
            with pytest.raises(PermissionDenied):
                d.parties(s, did, who)
        assert d.case_view(s, did, "w1").parties is None
        d.act(s, did, "assign", actor="z1", at=T + H, mediator_id="m1")
        assert d.parties(s, did, "m1")[0].phone == "13900000000"
        assert d.case_view(s, did, "m1").parties is not None
        with pytest.raises(PermissionDenied):
            d.parties(s, did, "m2")
        assert d.mediator_cases(s, "m1") == [did]
        # escalated: the village mediator no longer handles it
        d.act(s, did, "escalate", actor="m1", at=T + 2 * H)
        with pytest.raises(PermissionDenied):
            d.parties(s, did, "m1")
        assert d.mediator_cases(s, "m1") == []


def test_only_allowed_actors_may_step(world: World) -> None:
    did = _open(world)
    with world.store.transaction() as s:
        with pytest.raises(PermissionDenied):
            d.act(s, did, "assign", actor="w1", at=T + H, mediator_id="m1")
        with pytest.raises(DataError, match="not a mediator"):
            d.act(s, did, "assign", actor="z1", at=T + H, mediator_id="m2")  # township level
        d.act(s, did, "assign", actor="m1", at=T + H, mediator_id="m1")
        with pytest.raises(PermissionDenied):
            d.act(s, did, "agree", actor="z1", at=T + 2 * H)
        with pytest.raises(PermissionDenied):
            d.act(s, did, "petition", actor="m1", at=T + 2 * H)
        with pytest.raises(StepError):
            d.act(s, did, "agree", actor="m1", at=T + 2 * H)  # no session yet
        with pytest.raises(DataError, match="earlier"):
            d.act(s, did, "session", actor="m1", at=T - H)
        n = s.scalar(select(func.count(GridDisputeEventRow.id)))
    assert n == 2


def test_high_risk_goes_to_the_township_centre_at_once(world: World) -> None:
    did = _open(world, "high")
    with world.store.transaction() as s:
        v = d.case_view(s, did, "z1")
        assert v.case.level == "township" and v.events[-1][2] == d.SYSTEM_RISK
        assert v.due_at - v.opened_at == dt.timedelta(days=7)
        with pytest.raises(DataError):
            d.act(s, did, "assign", actor="z1", at=T + H, mediator_id="m1")
        d.act(s, did, "assign", actor="z1", at=T + H, mediator_id="m2")
        assert [p.name for p in d.parties(s, did, "m2")] == ["张某", "李某"]


def test_overdue_village_cases_escalate_to_the_centre(world: World) -> None:
    did = _open(world, "medium")  # 15 days
    other = _open(world, "low")  # 30 days
    with world.store.transaction() as s:
        d.act(s, did, "assign", actor="z1", at=T + H, mediator_id="m1")
        assert d.escalate_overdue(s, T + dt.timedelta(days=14)) == []
        assert d.escalate_overdue(s, T + dt.timedelta(days=16)) == [did]
        assert d.escalate_overdue(s, T + dt.timedelta(days=17)) == []  # once
        v = d.case_view(s, did, "z1")
        assert (v.case.level, v.events[-1][2]) == ("township", d.SYSTEM_DEADLINE)
        assert d.case_view(s, other, "z1").case.level == "village"


def test_erasing_parties_keeps_the_case(world: World) -> None:
    did = _open(world)
    with world.store.transaction() as s:
        assert d.erase_parties(s, did, "admin", "结案满五年 retention ended") == 2
        assert {p.name for p in d.parties(s, did, "z1")} == {"（已删除 erased）"}
        assert d.case_view(s, did, "z1").case.state == "registered"


def test_bad_registration_writes_nothing(world: World) -> None:
    with world.store.transaction() as s, pytest.raises(DataError) as exc:
        d.register(
            s, default_deadlines(), grid_id="g1", kind="feud", risk="extreme", summary="",
            parties_=[], by="w1", at=T,
        )  # fmt: skip
    assert {c for _, _, c, _ in exc.value.problems} == {"kind", "risk", "parties"}
