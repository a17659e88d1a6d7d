"""screen(): the scheme's [integrity] section drives every check over one panel, with one BH
correction for the whole run; planted manipulations are caught, clean data is not flagged."""

from __future__ import annotations

import math

import numpy as np
import pytest

from zhengji.engine.panel import Panel
from zhengji.integrity.screen import reporting_decimals, screen
from zhengji.scheme import parse_scheme

N_UNITS, PERIODS = 30, tuple(str(y) for y in range(2016, 2026))

SCHEME = """
[scheme]
id = "s"
name = "核查测试"

[[indicators]]
id = "gdp_growth"
name = "GDP增速"
parent = "index"

[[indicators]]
id = "beds"
name = "养老床位"
parent = "index"

[[denominators]]
id = "power"
name = "用电量增速"

[[denominators]]
id = "freight"
name = "货运量增速"

[[vetoes]]
id = "falsification"
name = "数据造假"
cap = "较差"

[integrity]
veto = "falsification"

[[integrity.proxies]]
indicator = "gdp_growth"
proxies = ["power", "freight"]

[[integrity.additive]]
indicator = "beds"
tolerance = 0.01
"""


def world(inflate: float, gap: float) -> Panel:
    """30 counties (the last two are a parent city-district and its child, for the sum)."""
    rng = np.random.default_rng(5)
    T, n = len(PERIODS), N_UNITS
    power = rng.normal(6, 2, (T, n))
    freight = rng.normal(5, 2, (T, n))
    gdp = 1.0 + 0.5 * power + 0.4 * freight + rng.normal(0, 0.3, (T, n))
    gdp[-3:, 7] += inflate  # county u07 inflates its growth for the last three years
    beds = np.round(rng.uniform(100, 900, (T, n)))
    beds[:, 28] = beds[:, 29]  # u28 is the parent of u29 alone: the totals agree …
    beds[-1, 28] += gap  # … except in the last year
    values = np.stack([gdp, beds, power, freight], axis=-1)
    ids = tuple(f"u{i:02d}" for i in range(n))
    parents = tuple("u28" if i == 29 else "" for i in range(n))
    return Panel(
        ids,
        ids,
        tuple("" for _ in ids),
        PERIODS,
        ("gdp_growth", "beds", "power", "freight"),
        values,
        parents=parents,
        levels=tuple("county" for _ in ids),
    )


def test_planted_inflation_and_sum_gap_are_caught() -> None:
    s = parse_scheme(SCHEME)
    res = screen(s, world(inflate=3.0, gap=100.0))
    persistent = [f for f in res.flagged if f.check == "proxy_persistent"]
    assert [f.unit_id for f in persistent] == ["u07"]
    assert persistent[0].q_value <= 0.1
    assert persistent[0].evidence  # the implied inflation and its interval are there
    gaps = [f for f in res.findings if f.check == "sum_of_parts"]
    assert [(f.unit_id, f.periods) for f in gaps] == [("u28", ("2025",))]
    assert gaps[0] in res.flagged
    qs = np.array([f.q_value for f in res.findings if not math.isnan(f.p_value)])
    assert np.all(qs >= np.array([f.p_value for f in res.findings if not math.isnan(f.p_value)]))
    assert all(math.isnan(f.p_value) for f in res.not_tested)
    assert any(f.check.startswith("digits.") for f in res.not_tested)  # too few values per unit


def test_clean_world_flags_no_unit_for_inflation() -> None:
    res = screen(parse_scheme(SCHEME), world(inflate=0.0, gap=0.0))
    assert not [f for f in res.flagged if f.check in ("proxy_persistent", "sum_of_parts")]


@pytest.mark.parametrize(
    ("values", "expected"),
    [([7.4, 6.0, 5.25], 2), ([100.0, 200.0], 0), ([0.125], 3), ([np.nan, 1.5], 1)],
)
def test_reporting_decimals(values: list[float], expected: int) -> None:
    assert reporting_decimals(np.array(values)) == expected


def test_late_revisions_need_the_history_and_are_flagged_after_the_deadline() -> None:
    import datetime as dt
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class V:
        unit_id: str
        indicator_id: str
        period: str
        value: float
        recorded_at: dt.datetime
        import_id: int

    text = SCHEME.replace(
        'veto = "falsification"', 'veto = "falsification"\nrevision_deadline = 2026-01-31'
    )
    s = parse_scheme(text)
    panel = world(inflate=0.0, gap=0.0)
    alone = screen(s, panel)
    assert [f.check for f in alone.not_tested if f.check == "revision"] == ["revision"]
    utc = dt.UTC
    history = [
        V(u, "gdp_growth", "2025", 6.0, dt.datetime(2026, 1, 10, tzinfo=utc), 1)
        for u in panel.unit_ids
    ]
    history.append(V("u03", "gdp_growth", "2025", 7.5, dt.datetime(2026, 2, 5, tzinfo=utc), 2))
    # revised on 31 January, 20:00 Beijing time: still before the deadline
    history.append(V("u04", "gdp_growth", "2025", 7.5, dt.datetime(2026, 1, 31, 12, tzinfo=utc), 2))
    res = screen(s, panel, versions=history)
    late = [f for f in res.findings if f.check == "revision_after_deadline"]
    assert [f.unit_id for f in late] == ["u03"]
    assert late[0] in res.flagged


def test_benford_runs_only_for_declared_indicators_across_units() -> None:
    plain = screen(parse_scheme(SCHEME), world(inflate=0.0, gap=0.0))
    assert not [f for f in plain.findings if f.check in ("digits.first", "digits.second")]
    s = parse_scheme(SCHEME.replace("[integrity]\n", '[integrity]\nbenford = ["beds"]\n'))
    res = screen(s, world(inflate=0.0, gap=0.0))
    pooled = [
        f for f in res.findings if f.check.startswith("digits.first") or f.check == "digits.second"
    ]
    assert {(f.unit_id, f.indicator_id) for f in pooled} == {("*", "beds")}
    assert len(pooled) == 3  # first, second, first two — over all 300 figures of the indicator


def test_target_and_turnover_years_reach_the_proxy_check() -> None:
    """``target_years`` from the scheme and turnover years from tenure records become the
    proxy check's year flags; without them no flag is tested."""
    s = parse_scheme(
        SCHEME.replace(
            'veto = "falsification"', 'veto = "falsification"\ntarget_years = ["2020", "2025"]'
        )
    )
    panel = world(inflate=0.0, gap=0.0)
    turnover = {f"u{i:02d}": {"2018"} for i in range(0, 30, 3)}
    res = screen(s, panel, turnover=turnover)
    flags = {f.check: f for f in res.findings if f.check.startswith("proxy_flag:")}
    assert set(flags) == {"proxy_flag:target_year", "proxy_flag:turnover"}
    assert flags["proxy_flag:target_year"].evidence["flagged_cells"] == 2 * N_UNITS
    assert flags["proxy_flag:turnover"].evidence["flagged_cells"] == 10
    assert flags["proxy_flag:turnover"].evidence["period_effects"] == 1.0
    assert all(f not in res.flagged for f in flags.values())  # nothing planted
    plain = screen(parse_scheme(SCHEME), panel)
    assert not [f for f in plain.findings if f.check.startswith("proxy_flag:")]
