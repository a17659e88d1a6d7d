"""Target behaviour: bunching at the target (Lyu, Wang, Zhang & Liu 2018), exact hits, integers."""

from __future__ import annotations

import numpy as np
from scipy import stats

from zhengji.integrity.targets import exact_target_hits, integer_growth, target_bunching

PERIODS = [str(2015 + t) for t in range(8)]


def _units(n: int) -> list[str]:
    return [f"c{i:03d}" for i in range(n)]


def test_bunching_five_to_one_as_in_lyu_et_al_is_flagged() -> None:
    """Just-meeting ~5x just-missing (Lyu et al. 2018) must be highly significant."""
    d = np.array([0.1] * 50 + [-0.2] * 10 + [2.0] * 20).reshape(10, 8)
    (f,) = target_bunching(d + 6.5, 6.5, PERIODS, "GDP")
    assert f.evidence["just_meet"] == 50 and f.evidence["just_miss"] == 10
    assert f.statistic == 5.0
    assert f.p_value == stats.binomtest(50, 60, 0.5, alternative="greater").pvalue
    assert f.p_value < 1e-6 and f.severity == "high"


def test_smooth_density_is_not_flagged() -> None:
    rng = np.random.default_rng(2)
    reported = np.round(6.5 + rng.normal(0, 1.5, (100, 8)), 1)
    (f,) = target_bunching(reported, 6.5, PERIODS, "GDP")
    assert f.p_value > 0.05 and f.severity == "info"


def test_too_few_values_near_target_not_tested() -> None:
    reported = np.full((3, 8), 9.0)
    (f,) = target_bunching(reported, 6.5, PERIODS, "GDP")
    assert f.severity == "info" and np.isnan(f.p_value) and "need 10" in f.summary_en


def test_exact_target_hits_flags_the_unit_that_always_lands_on_target() -> None:
    rng = np.random.default_rng(5)
    reported = np.round(7.0 + rng.normal(0, 1.0, (40, 8)), 1)
    reported[reported == 7.0] = 7.1
    reported[3, 2:7] = 7.0
    found = exact_target_hits(reported, 7.0, _units(40), PERIODS, "GDP")
    by_unit = {f.unit_id: f for f in found}
    assert by_unit["c003"].statistic == 5 and by_unit["c003"].p_value < 1e-4
    assert by_unit["c003"].periods == tuple(PERIODS[2:7])
    assert all(f.p_value == 1.0 for u, f in by_unit.items() if u != "c003")


def test_integer_growth_binomial_against_reporting_precision() -> None:
    g = np.full((2, 8), 6.3)
    g[0, :6] = [6.0, 7.0, 8.0, 7.0, 6.0, 5.0]
    g[1, 0] = 7.0
    a, b = integer_growth(g, ["x", "y"], PERIODS, "GDP", precision=0.1)
    assert a.statistic == 6 and a.p_value == stats.binom.sf(5, 8, 0.1)
    assert a.severity == "high"
    assert b.statistic == 1 and b.p_value == stats.binom.sf(0, 8, 0.1) and b.severity == "info"
    (info,) = integer_growth(g, ["x", "y"], PERIODS, "GDP", precision=1.0)
    assert info.severity == "info" and np.isnan(info.p_value)
