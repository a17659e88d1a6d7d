"""Peer outliers: modified z-score of Iglewicz & Hoaglin (1993), threshold 3.5."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from zhengji.integrity.outliers import history_outliers, peer_outliers, robust_z


def test_modified_z_by_hand_iglewicz_hoaglin_1993() -> None:
    """x = 1..9 and 30: median 5.5, MAD 2.5; z(30) = 0.6745·24.5/2.5 = 6.6101."""
    x = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 30.0])
    assert robust_z(x, x)[-1] == pytest.approx(6.6101, abs=1e-4)


def test_mad_zero_falls_back_to_mean_absolute_deviation() -> None:
    x = np.array([5.0, 5, 5, 5, 5, 5, 9])
    # median 5, MeanAD = 4/7: z = 4 / (1.253314·4/7)
    assert robust_z(x, x)[-1] == pytest.approx(7 / 1.253314)
    assert robust_z(np.full(5, 2.0), np.full(5, 2.0)).tolist() == [0.0] * 5


def test_peer_outlier_flagged_within_its_category_only() -> None:
    v = np.array([[10.0], [11], [9], [10.5], [9.5], [30], [100], [110], [90], [105], [95]])
    cats = ["A"] * 6 + ["B"] * 5
    units = [f"u{i}" for i in range(11)]
    found = {f.unit_id: f for f in peer_outliers(v, units, cats, ["2024"], "GDP")}
    assert found["u5"].statistic > 3.5 and found["u5"].severity != "info"
    assert found["u5"].p_value == pytest.approx(2 * stats.norm.sf(found["u5"].statistic))
    assert all(f.severity == "info" for u, f in found.items() if u != "u5")


def test_small_category_not_tested() -> None:
    v = np.array([[1.0], [2.0], [50.0]])
    (f,) = peer_outliers(v, ["a", "b", "c"], ["A"] * 3, ["2024"], "GDP")
    assert f.severity == "info" and np.isnan(f.p_value) and "need 5" in f.summary_en


def test_history_outlier_against_earlier_years() -> None:
    v = np.array([[7.0, 7.2, 6.8, 7.1, 6.9, 7.0, 12.0]])
    found = history_outliers(v, ["u"], [str(2018 + t) for t in range(7)], "GDP")
    assert [f.periods for f in found] == [("2023",), ("2024",)]
    assert found[-1].statistic > 10 and found[-1].severity == "high"
    (short,) = history_outliers(v[:, :4], ["u"], ["a", "b", "c", "d"], "GDP")
    assert short.severity == "info" and np.isnan(short.p_value)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(-1000, 1000), min_size=6, max_size=12),
    st.integers(1, 100),
    st.integers(-1000, 1000),
)
def test_robust_z_is_affine_invariant(x: list[int], a: int, b: int) -> None:
    """Changing units or adding a constant to everyone changes no z."""
    arr = np.array(x, dtype=float)
    z = robust_z(arr, arr)
    za = robust_z(a * arr + b, a * arr + b)
    finite = np.isfinite(z)
    assert np.array_equal(finite, np.isfinite(za))
    assert np.allclose(z[finite], za[finite], atol=1e-6, rtol=1e-6)


def test_honest_peer_outlier_p_values_are_roughly_uniform() -> None:
    """Honest normal panels (20 units, 10 periods, unit levels and period shocks): about 5 %
    of the cell p-values below 0.05. The old normal p of the modified z gave several honest
    flags a run in bench/integrity_sim.py."""
    rng = np.random.default_rng(4)
    periods = [str(2015 + t) for t in range(10)]
    units = [f"u{i}" for i in range(20)]
    ps = []
    for _ in range(30):
        v = np.round(
            7
            + rng.normal(0, 1.5, 10)[None, :]
            + rng.normal(0, 1.5, (20, 1))
            + rng.normal(0, 1.5, (20, 10)),
            1,
        )
        ps += [f.p_value for f in peer_outliers(v, units, ["A"] * 20, periods, "GDP")]
    p = np.array(ps)
    assert 0.02 <= np.mean(p < 0.05) <= 0.08
    assert np.mean(p < 0.001) < 0.004


def test_one_year_catch_up_of_a_low_unit_is_caught_by_its_change_of_position() -> None:
    """A unit always 8 below its peers (sd 1.5) reports the peers' median in one year: that
    year's level is unremarkable, the jump from its usual position is not. Its other years are
    flagged by the level view, not by the change of position."""
    rng = np.random.default_rng(8)
    periods = [str(2015 + t) for t in range(10)]
    v = 7 + rng.normal(0, 1.5, (20, 10))
    v[0] -= 8
    v[0, 6] = np.median(v[1:, 6])
    found = peer_outliers(v, [f"u{i}" for i in range(20)], ["A"] * 20, periods, "GDP")
    by = {(f.unit_id, f.periods[0]): f for f in found}
    jump = by[("u0", "2021")]
    assert jump.evidence["p_position_change"] < 1e-4 and jump.statistic > 3.5
    assert jump.evidence["p_level"] > 0.5
    usual = [f for k, f in by.items() if k[0] == "u0" and k[1] != "2021"]
    assert all(f.evidence["p_level"] < 0.01 < f.evidence["p_position_change"] for f in usual)
    assert min(f.p_value for k, f in by.items() if k[0] != "u0") > 1e-4
