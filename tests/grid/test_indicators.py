"""Indicators computed from a small hand-built year, checked against hand counts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from tests.grid.conftest import World

from zhengji.errors import DataError, ZhengjiError
from zhengji.grid import disputes as d
from zhengji.grid.deadlines import default_deadlines
from zhengji.grid.facts import indicator_rows
from zhengji.grid.indicators import INDICATORS, YEARS, period_bounds
from zhengji.grid.visits import Issue, Visit, record_visits
from zhengji.grid.volunteers import Hours, record_hours
from zhengji.voice.requests import Submission, submit

T = dt.datetime(2025, 5, 6, 9, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)
P = [d.Party("甲")]


def _year(world: World) -> None:
    dl = default_deadlines()
    with world.store.transaction() as s:
        record_visits(
            s,
            [
                Visit("g1", "w1", "visit", T, "h1"),
                Visit("g1", "w1", "visit", T + H, "h1"),
                Visit("g1", "l1", "hazard", T, "h2", Issue("suggestion", "路灯不亮")),
                Visit("g3", "w3", "visit", T, "h6"),
                Visit("g2", "w2", "visit", T.replace(year=2024), "h4"),  # other period
            ],
            world.units,
            world.limits,
        )
        for _ in range(3):
            submit(
                s,
                Submission("c1", "suggestion", "phone", "citizen", "反映", address_id="t1",
                           requested_at=T),
                world.units, world.limits,
            )  # fmt: skip
        kw = {"kind": "land", "summary": "", "parties_": P, "at": T}
        d1 = d.register(s, dl, grid_id="g1", risk="low", by="w1", **kw)  # type: ignore[arg-type]
        d2 = d.register(s, dl, grid_id="g1", risk="high", by="w1", **kw)  # type: ignore[arg-type]
        d3 = d.register(s, dl, grid_id="g3", risk="low", by="w3", **kw)  # type: ignore[arg-type]
        for did, med in ((d1, "m1"), (d2, "m2")):
            d.act(s, did, "assign", actor="z1", at=T + H, mediator_id=med)
            d.act(s, did, "session", actor=med, at=T + 2 * H)
            d.act(s, did, "agree", actor=med, at=T + 3 * H)
        # d3 (township t2): the county centre takes it up and assigns the county mediator
        d.act(s, d3, "escalate", actor="zc", at=T + H)
        d.act(s, d3, "escalate", actor="zc", at=T + H)
        d.act(s, d3, "assign", actor="zc", at=T + 2 * H, mediator_id="m3")
        d.act(s, d3, "refer", actor="m3", at=T + 3 * H, outcome="court")
        d.act(s, d3, "petition", actor="zc", at=T + 4 * H)
        record_hours(
            s,
            [
                Hours("vol1", "g1", T.date(), 2, "community"),
                Hours("vol2", "g2", T.date(), 1, "community"),
            ],
            "law1",
        )


def test_indicators_match_hand_counts(world: World) -> None:
    _year(world)
    with world.store.transaction() as s:
        got = {(r.unit_id, r.indicator_id): r.value for r in indicator_rows(s, "2025")}
    assert all(r[1] in INDICATORS for r in got)
    expect = {
        ("g1", "grid_visit_coverage"): 200 / 3,  # h1, h2 of h1–h3
        ("g2", "grid_visit_coverage"): 0.0,  # its visit was in 2024
        ("v1", "grid_visit_coverage"): 40.0,
        ("c1", "grid_visit_coverage"): 50.0,
        ("t1", "grid_found_first"): 25.0,  # 1 found by the grid, 3 phoned in
        ("c1", "grid_found_first"): 25.0,
        ("t1", "grid_mediation_success"): 100.0,
        ("t2", "grid_mediation_success"): 0.0,  # referred to court
        ("c1", "grid_mediation_success"): 200 / 3,
        ("t1", "grid_resolved_in_village"): 50.0,  # d2 was settled by the township
        ("t1", "grid_resolved_in_township"): 100.0,
        ("c1", "grid_resolved_in_township"): 200 / 3,
        ("t2", "grid_petition_rate"): 100.0,
        ("c1", "grid_petition_rate"): 100 / 3,
        ("v1", "grid_volunteer_participation"): 40.0,  # 2 volunteers, 5 households
        ("c1", "grid_volunteer_participation"): 100 / 3,
    }
    for key, value in expect.items():
        assert got[key] == pytest.approx(value, abs=1e-6), key
    assert ("t2", "grid_found_first") not in got  # no issue at all: no denominator
    with world.store.transaction() as s:
        other = {(r.unit_id, r.indicator_id): r.value for r in indicator_rows(s, "2023")}
    assert other[("c1", "grid_visit_coverage")] == 0.0
    assert not {k for k in other if k[1] in ("grid_mediation_success", "grid_petition_rate")}


def test_periods() -> None:
    a, b = period_bounds("2025-Q4")
    assert a == dt.datetime(2025, 9, 30, 16, tzinfo=dt.UTC)
    assert b == dt.datetime(2025, 12, 31, 16, tzinfo=dt.UTC)
    assert period_bounds("2025-12")[1] == b
    assert period_bounds("2025-Q2") == (period_bounds("2025-04")[0], period_bounds("2025-06")[1])
    for bad in ("25", "2025-Q5", "2025/01", "2025-13"):
        with pytest.raises(DataError):
            period_bounds(bad)


@pytest.mark.parametrize("bad", ["0001", "0000", "9999", "1899", "+025", "２０２５", "2025-00"])
def test_a_period_outside_the_calendar_is_a_clear_error(bad: str) -> None:
    """Year 1 in China time falls before datetime's first instant in UTC (OverflowError) and
    year 9999 has no following year: both are refused with the accepted form, as is any
    non-ASCII or signed year that ``int`` would have read."""
    with pytest.raises(ZhengjiError) as err:
        period_bounds(bad)
    assert f"'{bad}'" in str(err.value) and "YYYY-Qn" in str(err.value)
    assert f"{YEARS[0]} to {YEARS[1]}" in str(err.value)


def test_the_cli_refuses_a_year_out_of_range(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from zhengji.cli import app

    db = f"sqlite:///{tmp_path / 'g.db'}"
    r = CliRunner().invoke(app, ["grid", "indicators", "--period", "0001", "--db", db])
    assert r.exit_code == 2 and "'0001'" in r.output and "YYYY-Qn" in r.output, r.output


@pytest.mark.parametrize(
    "under", [["c1"], ["t1"], ["t2"], ["v1"], ["g2"], ["t2", "g1"], ["nowhere"]]
)
def test_a_subtree_gives_the_whole_city_rows_of_its_units(world: World, under: list[str]) -> None:
    """The unit-scoped computation reads only the subtree's grids and returns exactly the rows
    the whole-city computation gives those units (and no row of a unit above them)."""
    _year(world)
    below = {
        "c1": {"c1", "t1", "t2", "v1", "v2", "g1", "g2", "g3"},
        "t1": {"t1", "v1", "g1", "g2"},
        "t2": {"t2", "v2", "g3"},
        "v1": {"v1", "g1", "g2"},
        "g1": {"g1"},
        "g2": {"g2"},
        "nowhere": set(),
    }
    keep = set().union(*(below[u] for u in under))
    with world.store.transaction() as s:
        assert bool(indicator_rows(s, "2025", under)) == bool(keep)
    for period in ("2025", "2025-Q2", "2024"):
        with world.store.transaction() as s:
            whole = indicator_rows(s, period)
            part = indicator_rows(s, period, under)
        assert part == [r for r in whole if r.unit_id in keep], (under, period)
        assert {r.unit_id for r in part} <= keep
