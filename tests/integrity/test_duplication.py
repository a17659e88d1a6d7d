"""Number duplication (Nigrini 2012, ch. 8) as a test: copied figures flagged, honest ones not."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from zhengji.bundle import load_bundle
from zhengji.demo import build_world
from zhengji.errors import MethodError
from zhengji.integrity.duplication import (
    MIN_FIGURES,
    duplicates,
    duplication_findings,
    duplication_tests,
    repeats,
)
from zhengji.integrity.findings import flagged, with_qvalues
from zhengji.integrity.screen import screen

UNITS = [f"u{k:02d}" for k in range(12)]


def _world(
    rng: np.random.Generator, periods: int = 5, ind: int = 10
) -> tuple[np.ndarray, list[int]]:
    """Honest figures (periods × units × indicators): persistent unit levels plus yearly noise,
    one decimal; a rate capped at 100, a rare count and a large whole-number amount."""
    units = len(UNITS)
    lv = rng.normal(0.0, 1.0, (1, units, ind))
    x = 50 + 10 * lv + rng.normal(0.0, 1.0, (periods, units, ind))
    x[..., 0] = np.minimum(95 + 3 * lv[..., 0] + rng.normal(0, 1, (periods, units)), 100.0)
    x[..., 1] = rng.poisson(0.5, (periods, units))
    x[..., 2] = np.exp(10 + lv[..., 2] + rng.normal(0, 0.1, (periods, units)))
    dec = [1] * ind
    dec[1] = dec[2] = 0
    return np.round(x, 1), dec


def test_duplicates_table_equals_benford_py() -> None:
    """benford_py ``duplicates`` (benford/benford.py): ``data[data.duplicated(keep=False)]
    .value_counts()``, the duplicated entries and their counts, most frequent first."""
    data = np.array([120.5, 3.0, 120.5, 7.25, 3.0, 3.0, 88.0, 7.25, 1.0, 120.5, 3.0, 5.5])
    s = pd.Series(data)
    peer = s.loc[s.duplicated(keep=False)].value_counts()
    ours = duplicates(data, decimals=2)
    assert dict(ours) == {float(k): int(v) for k, v in peer.items()}
    assert [c for _, c in ours] == sorted(peer.to_list(), reverse=True)
    assert ours[0] == (3.0, 4)


def test_duplicates_compare_figures_as_reported() -> None:
    """12.34 and 12.3449 are the same figure reported with two decimals; NaN is ignored."""
    assert duplicates([12.34, 12.3449, 12.35, math.nan, math.nan], decimals=2) == ((12.34, 2),)
    assert duplicates([1.0, 2.0, 3.0]) == ()


def test_repeats_is_n_minus_distinct() -> None:
    keys = np.array([[1.0, 1.0, 2.0, 3.0, 3.0, 3.0, math.nan], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]])
    assert repeats(keys).tolist() == [3, 0]


def test_unit_copying_last_year_is_flagged() -> None:
    """One unit reports last year's figures again for every indicator: flagged at high
    severity, and the evidence lists the copied values."""
    x, dec = _world(np.random.default_rng(1))
    x[4, 3, :] = x[3, 3, :]
    found = with_qvalues(duplication_findings(x, dec, UNITS, "2021–2025"))
    f = {f.unit_id: f for f in found}["u03"]
    assert f.check == "digits.duplication" and f.periods == ("2021–2025",)
    assert f.evidence["repeats"] >= f.evidence["expected_repeats"] + 8
    assert f.p_value < 1e-4 and f.material and f.severity == "high"
    copied = set(x[3, 3, :].tolist())
    table = dict(duplicates(x[:, 3, :], decimals=1))
    assert all(table[v] >= 2 for v in copied)
    assert copied & {f.evidence[f"top_{k}_value"] for k in range(1, 6)}
    assert "q=" in f.summary_zh and "{q}" not in f.summary_en
    assert [g.unit_id for g in flagged(found)] == ["u03"]


def test_same_value_for_several_indicators_is_flagged() -> None:
    """One unit fills five indicators with the same figure each year."""
    x, dec = _world(np.random.default_rng(2))
    x[:, 5, 3:8] = x[:, 5, [3]]
    t = {t.unit_id: t for t in duplication_tests(x, dec, UNITS)}["u05"]
    assert t.repeats >= 20 and t.p_value < 1e-6 and t.material
    assert t.top[0][1] == 5  # each copied value occurs five times


def test_honest_data_false_positive_rate_is_nominal_or_below() -> None:
    """Over 100 honest worlds (1 200 unit tests) the rate of p < α stays at or below α."""
    p = []
    for s in range(100):
        x, dec = _world(np.random.default_rng(100 + s))
        p += [t.p_value for t in duplication_tests(x, dec, UNITS, n_sim=199, seed=s)]
    pv = np.array(p)
    assert np.isfinite(pv).all()
    assert np.mean(pv < 0.05) <= 0.07
    assert np.mean(pv < 0.10) <= 0.12
    assert np.mean(pv < 0.50) >= 0.3  # not a test that never rejects: p is spread out


def test_small_integer_counts_are_not_flagged() -> None:
    """Rounded small counts (0–5 accidents, inspections) repeat honestly all the time."""
    for s in range(20):
        rng = np.random.default_rng(300 + s)
        x = rng.poisson(rng.uniform(0.2, 3.0, (1, len(UNITS), 8)), (5, len(UNITS), 8)).astype(float)
        tests = duplication_tests(x, [0] * 8, UNITS, n_sim=199, seed=s)
        assert all(t.repeats > 20 for t in tests)  # many repeats …
        assert min(t.p_value for t in tests) > 0.01  # … and none is suspicious


def _amounts(rng: np.random.Generator, periods: int = 10, ind: int = 20) -> np.ndarray:
    """Whole-number amounts spanning orders of magnitude (indicator scale × unit size), each
    unit growing at its own rate (2–12 % a year) with 3 % yearly noise: small, slow units
    honestly repeat figures, large or fast ones rarely do."""
    units = len(UNITS)
    scale = 10 ** rng.uniform(1.5, 4.5, (1, 1, ind))
    size = np.exp(rng.normal(0, 1.0, (1, units, 1)))
    growth = rng.uniform(0.02, 0.12, (1, units, 1))
    t = np.arange(periods)[:, None, None]
    noise = np.exp(rng.normal(0, 0.03, (periods, units, ind)))
    return np.round(scale * size * (1 + growth) ** t * noise)


def test_amounts_are_judged_against_peers_rescaled_to_the_units_size_and_growth() -> None:
    """The null puts each donor's deviations on the unit's own trend: honest small or slow
    units are not flagged for their many repeats, while any unit that carries last year's
    figure forward for 10 indicators in 3 years (30 copies) is. (The earlier null shifted
    donors additively to the unit's level and found 73 % of these units.)"""
    honest_p, copied_p = [], []
    for s in range(30):
        rng = np.random.default_rng(500 + s)
        x = _amounts(rng)
        honest_p += [t.p_value for t in duplication_tests(x, [0] * 20, UNITS, n_sim=199, seed=s)]
        u = int(rng.integers(len(UNITS)))
        for i in rng.choice(20, 10, replace=False):
            for yr in rng.choice(np.arange(1, 10), 3, replace=False):
                x[yr, u, i] = x[yr - 1, u, i]
        tests = duplication_tests(x, [0] * 20, UNITS, n_sim=199, seed=s)
        (t,) = [t for t in tests if t.unit_id == UNITS[u]]
        copied_p.append(t.p_value)
    assert np.mean(np.array(honest_p) < 0.05) <= 0.07
    assert np.mean(np.array(copied_p) < 0.01) >= 0.95


def test_too_few_figures_or_units_is_not_tested() -> None:
    x, dec = _world(np.random.default_rng(3), periods=1, ind=10)
    found = with_qvalues(duplication_findings(x, dec, UNITS, "2025"))
    assert all(math.isnan(f.p_value) and f.severity == "info" for f in found)
    assert f"至少需要 {MIN_FIGURES} 个" in found[0].summary_zh
    assert "not tested" in found[0].summary_en and found[0].evidence["not_tested"] == 1.0
    y, dec = _world(np.random.default_rng(3))
    few = duplication_tests(y[:, :4, :], dec, UNITS[:4])
    assert all(math.isnan(t.p_value) for t in few) and "4 units" in few[0].reason_en


def test_permuting_units_permutes_results() -> None:
    x, dec = _world(np.random.default_rng(4))
    x[4, 7, :] = x[3, 7, :]
    base = {t.unit_id: t for t in duplication_tests(x, dec, UNITS, n_sim=299)}
    order = np.random.default_rng(5).permutation(len(UNITS))
    perm = duplication_tests(x[:, order, :], dec, [UNITS[k] for k in order], n_sim=299)
    assert [t.unit_id for t in perm] == [UNITS[k] for k in order]
    for t in perm:
        assert t == base[t.unit_id]


def test_wrong_shape_is_a_method_error() -> None:
    with pytest.raises(MethodError, match="values must be"):
        duplication_tests(np.zeros((5, 3)), [0], ["a", "b", "c"])


def test_demo_townships_screen_has_one_duplication_test_per_unit_and_no_false_flag(
    tmp_path: Path,
) -> None:
    """The screen runs the test once per unit over the figures the digit tests use; no honest
    demo township is flagged by it (docs/demo.md: the planted township manipulations are
    rounding, sums and bunching, not copying)."""
    b = load_bundle(Path(build_world(tmp_path / "b")) / "townships")
    res = screen(b.scheme, b.panel)
    dup = [f for f in res.findings if f.check == "digits.duplication"]
    assert len(dup) == len({f.unit_id for f in dup}) == 50
    assert all(f.evidence["n"] >= 99 for f in dup)
    assert not [f for f in res.flagged if f.check == "digits.duplication"]
