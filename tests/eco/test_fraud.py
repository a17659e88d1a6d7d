"""Anti-fraud signals: each fires on a planted pattern and stays quiet on clean data."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy import stats

from zhengji.eco.fraud import (
    Award,
    bursts,
    location_clusters,
    screen_awards,
    shared_devices,
    tier_bunching,
    under_cap,
)
from zhengji.eco.rulebook import default_rulebook, parse_rulebook
from zhengji.eco.screen import limits, table_rows
from zhengji.integrity.findings import Finding

T0 = dt.datetime(2025, 1, 1, 9, tzinfo=dt.UTC)


def _clean(n_insp: int = 6, days: int = 200, seed: int = 1) -> list[Award]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n_insp):
        for d in range(days):
            for _ in range(int(rng.poisson(2))):
                k = len(out)
                out.append(Award(k, f"H{k % 400}", "c1", f"I{i}", "waste_sorting", "2025", 2,
                                 T0 + dt.timedelta(days=d), f"dev{i}", 27 + rng.random(), 108 + rng.random()))  # fmt: skip
    return out


def test_burst_poisson_pvalue() -> None:
    aw = _clean()
    base = len(aw)
    aw += [
        Award(
            base + k,
            f"H{k}",
            "c1",
            "I0",
            "waste_sorting",
            "2025",
            2,
            T0 + dt.timedelta(days=50, minutes=k),
            "dev0",
            None,
            None,
        )
        for k in range(40)
    ]
    found = {f.indicator_id: f for f in bursts(aw)}
    f = found["eco_awards/I0"]
    assert isinstance(f, Finding) and f.check == "eco_burst"
    top = int(f.statistic)
    rate = f.evidence["usual_per_day"]
    assert f.p_value == pytest.approx(
        min(1.0, f.evidence["active_days"] * stats.poisson.sf(top - 1, rate))
    )
    assert f.p_value < 1e-10
    clean = [x for x in bursts(_clean()) if x.p_value < 0.01]
    assert clean == []


def test_under_cap_binomial() -> None:
    caps, pts = {"waste_sorting": 24}, {"waste_sorting": 2}
    aw = []
    for h in range(300):  # clean: totals uniform over 2..24
        insp = f"I{h % 3}"
        n = 1 + (h // 3) % 12
        aw += [
            Award(len(aw), f"H{h}", "c1", insp, "waste_sorting", "2025", 2, T0, None, None, None)
            for _ in range(n)
        ]
    assert [f for f in under_cap(aw, caps, pts) if f.p_value < 0.01] == []
    for h in range(300, 340):  # planted: inspector X leaves 40 holders at 22 = cap − one award
        aw += [
            Award(len(aw), f"H{h}", "c1", "X", "waste_sorting", "2025", 2, T0, None, None, None)
            for _ in range(11)
        ]
    f = next(f for f in under_cap(aw, caps, pts) if f.indicator_id == "eco_awards/X")
    assert f.statistic == 1.0 and f.p_value < 1e-20


def test_tier_bunching() -> None:
    pts = {f"H{k}": ("c1", 250 + (k % 3)) for k in range(30)}  # just above 250
    pts |= {f"L{k}": ("c1", 247) for k in range(3)}
    f = tier_bunching(pts, 50, 500, "2025")[0]
    assert (f.evidence["just_above"], f.evidence["just_below"]) == (30, 3)
    assert f.p_value == pytest.approx(stats.binom.sf(29, 33, 0.5))


def test_shared_device_and_location_cluster_are_records() -> None:
    aw = [
        Award(k, f"H{k}", "c1", f"I{k % 2}", "x", "2025", 1, T0, "devX", 27.70121, 108.90342)
        for k in range(6)
    ]
    dev = shared_devices(aw)
    loc = location_clusters(aw)
    assert (
        dev[0].check == "eco_device_shared"
        and dev[0].statistic == 2
        and dev[0].severity == "medium"
    )
    assert loc[0].check == "eco_location_cluster" and loc[0].evidence["holders"] == 6
    assert location_clusters(aw[:4]) == []  # four holders at one spot: below the threshold


def test_screen_fills_qvalues() -> None:
    aw = _clean()
    aw += [
        Award(len(aw) + k, f"H{k}", "c1", "I1", "waste_sorting", "2025", 2, T0, "dev1", None, None)
        for k in range(30)
    ]
    found = screen_awards(aw, {"waste_sorting": 24}, {"waste_sorting": 2}, {}, 50, 500, "2025")
    tested = [f for f in found if f.check == "eco_burst"]
    assert tested and all(f.q_value == f.q_value for f in tested)
    assert all("{q}" not in f.summary_zh for f in tested)


def test_under_cap_counts_from_the_cap_in_force() -> None:
    """A cap of 42 at 10 points stops at 40 (awards are whole): holders at 40 are at the cap,
    not "just under" it. Measured from the written 42, an inspector whose holders all reached
    the top would be flagged."""
    rb = parse_rulebook(
        default_rulebook().toml.replace(
            'points = 10\ncap = 40\nmode = "annual"', 'points = 10\ncap = 42\nmode = "annual"'
        )
    )
    caps, pts = limits(rb)
    assert caps["eco_tourism"] == 40 and pts["eco_tourism"] == 10
    aw: list[Award] = []
    for h in range(90):  # others: 1–4 awards; X: all 40 holders at the top (4 awards)
        insp, n = (f"I{h % 3}", 1 + h % 4) if h < 50 else ("X", 4)
        aw += [
            Award(len(aw), f"H{h}", "c1", insp, "eco_tourism", "2025", 10, T0, None, None, None)
            for _ in range(n)
        ]
    written = {"eco_tourism": 42}
    flagged_written = [f for f in under_cap(aw, written, pts) if f.indicator_id == "eco_awards/X"]
    assert flagged_written and flagged_written[0].p_value < 1e-10  # the false alarm
    x = [f for f in under_cap(aw, caps, pts) if f.indicator_id == "eco_awards/X"]
    assert x and x[0].statistic == 0.0 and x[0].p_value == 1.0


def test_table_rows_print_a_dash_for_records() -> None:
    """Shared devices and location clusters are records, not tests: no p, no q ("—", not
    "0" and "nan"); a tested finding prints its p and q."""
    aw = [
        Award(k, f"H{k}", "c1", f"I{k % 2}", "x", "2025", 1, T0, "devX", 27.70121, 108.90342)
        for k in range(6)
    ]
    tested = Finding("c1", "eco_awards/I0", ("2025",), "eco_burst", 40.0, 1e-9, 2e-9, "high",
                     {}, "", "")  # fmt: skip
    rows = table_rows([*shared_devices(aw), *location_clusters(aw), tested])
    assert [r[0] for r in rows] == ["eco_device_shared", "eco_location_cluster", "eco_burst"]
    assert all(r[4] == "—" and r[5] == "—" for r in rows[:2])
    assert rows[0][3] == "2" and rows[2][4:] == ("1e-09", "2e-09", "high")
    assert not any("nan" in c for r in rows for c in r)
