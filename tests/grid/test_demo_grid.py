"""The demo grid world: validated structure for the 50 demo townships, a year of visits,
issues (as citizen requests), disputes (ledgered) and volunteer hours, and the disputes still
open when the demo is built; deterministic."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from zhengji.demo.grid import GridDemo, populate
from zhengji.grid import views
from zhengji.grid.disputes import mediator_cases
from zhengji.grid.facts import indicator_rows
from zhengji.grid.indicators import INDICATORS, period_bounds
from zhengji.ledger import log
from zhengji.store import Store
from zhengji.store.schema_grid import GridDisputeEventRow, GridDisputeRow
from zhengji.store.schema_voice import VoiceRequestRow

AS_OF = dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC)


def _utc(t: dt.datetime) -> dt.datetime:
    return t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t.astimezone(dt.UTC)


def _open_world(s: Any) -> list[tuple[Any, ...]]:
    """The open disputes with their steps, as stored (ids aside from the dispute's own)."""
    q = (
        select(GridDisputeRow.id, GridDisputeRow.grid_id, GridDisputeRow.risk)
        .add_columns(GridDisputeRow.opened_at, GridDisputeEventRow.action)
        .add_columns(GridDisputeEventRow.actor, GridDisputeEventRow.at)
        .join(GridDisputeEventRow, GridDisputeEventRow.dispute_id == GridDisputeRow.id)
        .where(GridDisputeRow.opened_at >= period_bounds("2025")[1])
        .order_by(GridDisputeRow.id, GridDisputeEventRow.seq)
    )
    return [tuple(r) for r in s.execute(q)]


def test_demo_year(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'demo.db'}")
    got = populate(store, seed=20251, as_of=AS_OF)
    assert got.households == 50 * 4 * 3 * 4 * 10
    assert got.disputes > 1000 and got.events > 5 * got.disputes
    assert populate(store, seed=20251, as_of=AS_OF) == GridDemo(0, 0, 0, 0, 0, 0)
    with store.transaction() as s:
        assert (
            s.scalar(
                select(func.count(VoiceRequestRow.id)).where(VoiceRequestRow.channel == "visit")
            )
            == got.issues
        )
        assert log.size(s) >= got.events
        rows = indicator_rows(s, "2025")
        opened = _open_world(s)
    towns = {r.unit_id for r in rows if r.indicator_id == "grid_mediation_success"}
    assert len([u for u in towns if "_t" in u and "_v" not in u]) == 50
    assert {r.indicator_id for r in rows} == set(INDICATORS)
    cov = [
        r.value for r in rows if r.indicator_id == "grid_visit_coverage" and "_t" not in r.unit_id
    ]
    assert len(cov) == 10 and all(40 < v < 95 for v in cov)
    store.close()
    # same seed (and day), same world
    with Store.open(f"sqlite:///{tmp_path / 'again.db'}") as other:
        assert populate(other, seed=20251, as_of=AS_OF) == got
        with other.transaction() as s:
            assert _open_world(s) == opened


def test_the_demo_leaves_recent_open_disputes(tmp_path: Path) -> None:
    """Every county's centre has work on the day the demo is built: unassigned cases, cases in
    mediation, one or two past their risk-level deadline, one escalated to the county centre;
    every township mediator has a case; nothing open is older than its deadline allows except
    the overdue ones, and all are opened after 2025 (the year's indicators are unchanged)."""
    with Store.open(f"sqlite:///{tmp_path / 'demo.db'}") as store:
        got = populate(store, seed=20251, as_of=AS_OF)
        with store.transaction() as s:
            rows = views.cases(s, views.Scope(), "zh", AS_OF, open_only=True)
            towns = sorted(views.townships(s))
            cases = {t: mediator_cases(s, f"{t}_med") for t in towns}
            first = s.scalar(select(func.min(GridDisputeRow.opened_at)).where(
                GridDisputeRow.id.in_([r["id"] for r in rows])))  # fmt: skip
            last = s.scalar(select(func.max(GridDisputeEventRow.at)))
    assert got.open_disputes == len(rows) and 100 < len(rows) < 300
    assert all(r["open"] for r in rows)
    assert first is not None and _utc(first) >= period_bounds("2025")[1]
    assert last is not None and _utc(last) <= AS_OF
    assert all(cases.values()), [t for t, c in cases.items() if not c]  # every township mediator
    counties = {r["county_id"] for r in rows}
    assert len(counties) == 10
    for c in counties:
        mine = [r for r in rows if r["county_id"] == c]
        state = Counter(r["state"] for r in mine)
        assert state["registered"] >= 1 and state["mediating"] >= 1, (c, state)
        assert 1 <= sum(r["overdue"] for r in mine) <= 2, c
        at_county = [r for r in mine if r["level"] == "county"]
        assert len(at_county) == 1 and at_county[0]["state"] == "registered", c
        assert not at_county[0]["overdue"]
    for r in rows:
        if r["overdue"]:
            assert r["level"] == "village" and r["state"] in views.ACTIVE
