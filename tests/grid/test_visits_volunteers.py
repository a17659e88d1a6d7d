"""Visits and issues found become citizen requests (voice workflow, located at the grid);
volunteer hours and their conversion into eco public-welfare points."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from tests.grid.conftest import World

from zhengji.eco import service as eco
from zhengji.eco.rulebook import default_rulebook
from zhengji.errors import DataError, PermissionDenied
from zhengji.grid.visits import Issue, Visit, record_visits
from zhengji.grid.volunteers import EcoRule, Hours, convert_to_eco, record_hours
from zhengji.store.schema_eco import EcoEntryRow
from zhengji.store.schema_grid import GridEcoConversionRow, GridVisitRow
from zhengji.store.schema_voice import VoiceEventRow, VoiceRequestRow

T = dt.datetime(2025, 4, 2, 10, tzinfo=dt.UTC)
EV = ("photo://patrol-0402.jpg", 27.71, 109.21)


def test_issue_found_becomes_a_routed_request_at_the_grid(world: World) -> None:
    visits = [
        Visit("g1", "w1", "visit", T, "h1"),
        Visit("g1", "l1", "hazard", T, "h2", Issue("safety_hazard", "电线老化 frayed wiring")),
    ]
    with world.store.transaction() as s:
        ids = record_visits(s, visits, world.units, world.limits)
    assert ids[0] is None and ids[1] is not None
    with world.store.transaction() as s:
        req = s.get(VoiceRequestRow, ids[1])
        assert req is not None
        assert (req.channel, req.township_id, req.jurisdiction_id) == ("visit", "t1", "c1")
        assert req.extra["grid_id"] == "g1" and "一网格" in (req.address or "")
        actions = list(
            s.scalars(select(VoiceEventRow.action).where(VoiceEventRow.request_id == ids[1]))
        )
        assert actions == ["accept", "dispatch"]
        assert s.scalar(select(func.count(GridVisitRow.id))) == 2


@pytest.mark.parametrize(
    ("visit", "error"),
    [
        (Visit("g1", "w2", "visit", T, "h1"), PermissionDenied),  # worker of another grid
        (Visit("g1", "vol1", "visit", T, "h1"), PermissionDenied),
        (Visit("g1", "w1", "visit", T, "h4"), DataError),  # household of g2
        (Visit("g1", "w1", "chat", T, "h1"), DataError),
        (Visit("g9", "w1", "visit", T, "h1"), DataError),
    ],
)
def test_bad_visits_store_nothing(world: World, visit: Visit, error: type[Exception]) -> None:
    good = Visit("g1", "w1", "visit", T, "h1", Issue("sanitation", "垃圾堆放"))
    with pytest.raises(error), world.store.transaction() as s:
        record_visits(s, [good, visit], world.units, world.limits)
    with world.store.transaction() as s:
        assert s.scalar(select(func.count(GridVisitRow.id))) == 0
        assert s.scalar(select(func.count(VoiceRequestRow.id))) == 0


def test_hours_convert_into_eco_points_once(world: World) -> None:
    with world.store.transaction() as s:
        eco.install_rulebook(s, default_rulebook())
        eco.add_holder(s, "H1", "household", "v1", "t1", "c1")
        with pytest.raises(PermissionDenied):
            record_hours(s, [Hours("w1", "g1", T.date(), 2, "eco_patrol")], "law1")
        with pytest.raises(DataError):
            record_hours(s, [Hours("vol1", "g1", T.date(), 30, "eco_patrol")], "law1")
        n = record_hours(
            s,
            [
                Hours("vol1", "g1", T.date(), 3, "eco_patrol", *EV),
                Hours("vol1", "g2", T.date(), 6, "eco_patrol", *EV),  # 9 h → 2 awards, 1 h left
                Hours("vol1", "g2", T.date(), 6, "eco_patrol"),  # no evidence: not converted
                Hours("vol1", "g1", T.date(), 5, "community"),  # not an eco activity
                Hours("vol2", "g1", T.date(), 8, "eco_patrol", *EV),  # no eco account
            ],
            "law1",
        )
        assert n == 5
        made = convert_to_eco(s, EcoRule(), period="2025", by="law1", at=T)
        assert made == {"vol1": 2}
        pts = s.scalars(select(EcoEntryRow.points).where(EcoEntryRow.holder_id == "H1")).all()
        assert list(pts) == [3, 3]  # volunteer_patrol: 3 points in the default rulebook
        assert convert_to_eco(s, EcoRule(), period="2025", by="law1", at=T) == {}
        record_hours(s, [Hours("vol1", "g1", T.date(), 3, "eco_patrol", *EV)], "law1")  # 1+3
        assert convert_to_eco(s, EcoRule(), period="2025", by="law1", at=T) == {"vol1": 1}
        used = s.scalar(select(func.sum(GridEcoConversionRow.hours_used)))
        assert used == 12.0


def test_conversion_refuses_items_the_rulebook_lacks(world: World) -> None:
    with world.store.transaction() as s:
        eco.install_rulebook(s, default_rulebook())
        with pytest.raises(DataError, match="no items"):
            convert_to_eco(s, EcoRule(items={"eco_patrol": "nope"}), period="2025", by="x", at=T)
