"""Digit tests against benford_py, benfordslaw, Nigrini (2012) and simulation."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhengji.integrity.digits import (
    MAD_C,
    NIGRINI_MAD,
    count_digits,
    digit_tests,
    distribution_test,
    expected_distribution,
    last_digits,
    leading_digits,
    min_n,
    run_test,
    second_digits,
)
from zhengji.integrity.findings import digit_findings, flagged, severity_for, with_qvalues

DATA = Path(__file__).resolve().parents[1] / "data" / "forensics"


def _benford_sample(n: int, rng: np.random.Generator) -> np.ndarray:
    return np.rint(10.0 ** rng.uniform(2, 8, size=n))


def test_benford_py_demo_spy_first_digits() -> None:
    """benford_py Demo.ipynb: SPY abs log returns of Close, decimals=8, N=5968: F1D MAD 0.008337,
    χ² 43.563426 (tests/data/forensics/spy_close.csv, from benford_py data/SPY.csv)."""
    close = pd.read_csv(DATA / "spy_close.csv")["Close"]
    lr = np.log(close / close.shift()).to_numpy()
    t = run_test(count_digits(np.abs(lr), decimals=8), "first")
    assert t.n == 5968
    assert t.mad == pytest.approx(0.008337, abs=5e-7)
    assert t.chi2 == pytest.approx(43.563426, abs=5e-7)
    assert t.nigrini == "acceptable"  # Nigrini Table 7.1: 0.006 < MAD <= 0.012


def test_benfordslaw_trump_2016_county_votes_first_digit() -> None:
    """benfordslaw tests/test_benfordslaw.py: Trump county votes (values >= 1), first digit
    χ² 8.190646662956185, p 0.4150723856863902, N 3574."""
    votes = pd.read_csv(DATA / "trump_2016_county_votes.csv")["votes"].to_numpy()
    t = run_test(count_digits(votes), "first")
    assert t.n == 3574
    assert t.n_excluded == votes.size - 3574
    assert t.chi2 == pytest.approx(8.190646662956185, rel=1e-12)
    assert t.chi2_p == pytest.approx(0.4150723856863902, rel=1e-12)
    assert t.verdict == "conforming"


def test_mad_constants_follow_from_benford_probabilities() -> None:
    """C = π K² / (2 (Σ sqrt(p(1-p)))²) gives 18.131, 17.518, 158.83 (reference README)."""
    for test, c in MAD_C.items():
        _, p = expected_distribution(test)
        k = p.size
        assert math.pi * k * k / (2 * np.sqrt(p * (1 - p)).sum() ** 2) == pytest.approx(c, abs=6e-3)


def test_size_calibration_n200_honest_samples() -> None:
    """Nigrini's fixed table calls most honest N=200 samples nonconforming (E[MAD] = 0.0166 >
    0.015); the size-calibrated verdict calls most of them conforming."""
    rng = np.random.default_rng(7)
    tests = [run_test(count_digits(_benford_sample(200, rng)), "first") for _ in range(200)]
    mads = np.array([t.mad for t in tests])
    expected = 1 / math.sqrt(18.131 * 200)
    assert expected == pytest.approx(0.0166, abs=5e-5)
    assert mads.mean() == pytest.approx(expected, abs=3 * mads.std() / math.sqrt(mads.size))
    fixed_nonconforming = np.mean(mads > NIGRINI_MAD["first"][2])
    calibrated_conforming = np.mean([t.verdict == "conforming" for t in tests])
    assert fixed_nonconforming > 0.5
    assert calibrated_conforming > 0.9


def test_invented_uniform_numbers_are_flagged() -> None:
    """Numbers drawn uniformly (no Benford, no last-digit pattern) fail the first-digit test;
    numbers rounded to 0/5 fail the rounding and last-digit tests."""
    rng = np.random.default_rng(1)
    t = run_test(count_digits(rng.uniform(10, 99_999, 500)), "first")
    assert t.verdict == "nonconforming"
    rounded = np.rint(_benford_sample(500, rng) / 5) * 5
    res = {r.test: r for r in digit_tests(rounded, tests=("last", "round_0_5"))}
    assert res["last"].verdict == "nonconforming"
    assert res["round_0_5"].verdict == "nonconforming"


def test_z_continuity_correction_only_when_smaller() -> None:
    """Nigrini (2012) eq. for Z: subtract 1/(2N) only when it is smaller than |AP − EP|."""
    _, p = expected_distribution("first")
    n = 1000
    counts = np.rint(p * n).astype(int)
    counts[0] += n - counts.sum()
    t = distribution_test("first", counts)
    dev = np.abs(counts / n - p)
    corr = np.where(1 / (2 * n) < dev, 1 / (2 * n), 0)
    np.testing.assert_allclose(t.z, (dev - corr) / np.sqrt(p * (1 - p) / n))
    assert (t.z >= 0).all()
    assert t.ks == pytest.approx(np.abs(np.cumsum(counts / n) - np.cumsum(p)).max())


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=1e-300, max_value=1e300, allow_nan=False, allow_infinity=False))
def test_leading_digits_match_string_reference(x: float) -> None:
    s = f"{x:.14e}".replace(".", "")
    assert leading_digits([x], 1)[0] == int(s[0])
    assert leading_digits([x], 2)[0] == int(s[:2])
    assert second_digits([x])[0] == int(s[1])


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=2**53 - 1))
def test_integer_digits_match_string_reference(v: int) -> None:
    s = str(v)
    c = count_digits(np.array([float(v)]))
    assert c.counts("first")[int(s[0]) - 1] == 1
    if v >= 10:
        assert c.counts("first_two")[int(s[:2]) - 10] == 1
        assert last_digits([float(v)])[0] == int(s[-1])
    if v >= 100 and v < 2**53:
        assert c.counts("last_two")[int(s[-2:])] == 1


def test_digit_extraction_examples() -> None:
    assert leading_digits([1000.0, 0.3, 0.1 + 0.2, 2.9999999999999996, 999.0]).tolist() == [
        1,
        3,
        3,
        3,
        9,
    ]
    assert leading_digits([0.3], 2).tolist() == [30]
    assert last_digits([12.34, 12.6, 7.0], decimals=2).tolist() == [4, 0, 0]
    assert last_digits([12.6, 7.0]).tolist() == [3, -1]
    assert leading_digits([0.0, -5.0, np.nan, np.inf]).tolist() == [-1, -1, -1, -1]


def test_chunked_and_threaded_counts_equal_one_pass() -> None:
    x = _benford_sample(100_003, np.random.default_rng(3))
    one = count_digits(x, chunk_size=1 << 20)
    for other in (count_digits(x, chunk_size=997), count_digits(x, chunk_size=4096, workers=2),
                  count_digits(iter(np.array_split(x, 7)))):  # fmt: skip
        assert np.array_equal(one.counts("first_two"), other.counts("first_two"))
        assert np.array_equal(one.last_two, other.last_two)


def test_all_non_positive_is_insufficient_with_reason() -> None:
    res = digit_tests(np.array([0.0, -3.0, np.nan, -np.inf] * 100))
    assert all(r.verdict == "insufficient" for r in res)
    assert res[0].n == 0 and res[0].n_excluded == 400
    assert "400" in res[0].message_en and "排除 400" in res[0].message_zh


def test_below_minimum_size_is_insufficient() -> None:
    """Minimum N: 80 % power at α = 0.05 against Cohen's w = 0.3 (Cohen 1988 ch. 7)."""
    assert (min_n(8), min_n(9), min_n(89), min_n(99), min_n(1)) == (167, 174, 429, 449, 88)
    x = _benford_sample(150, np.random.default_rng(0))
    t = run_test(count_digits(x), "first")
    assert t.verdict == "insufficient"
    assert "167" in t.message_en and math.isnan(t.p_value)


def test_constant_values_do_not_crash() -> None:
    res = {r.test: r for r in digit_tests(np.full(500, 4321.0))}
    assert res["first"].verdict == "insufficient"  # span < one order of magnitude
    assert "order of magnitude" in res["first"].message_en
    assert res["last"].verdict == "nonconforming"  # every figure ends in 1
    assert res["repeated_pairs"].n == 500


def test_digit_findings_flag_the_invented_unit() -> None:
    rng = np.random.default_rng(11)
    units = {f"county{i:02d}": _benford_sample(400, rng) for i in range(20)}
    units["county_fake"] = rng.integers(100, 1000, 400).astype(float) // 10 * 10 + 5
    found = with_qvalues(digit_findings(units, "gdp", "2024"))
    assert len(found) == 21 * 8
    bad = flagged(found)
    assert bad and {f.unit_id for f in bad} == {"county_fake"}
    f = next(f for f in bad if f.check == "digits.last")
    assert f.severity == "high" and f.q_value < 0.01
    assert "q=" in f.summary_zh and "{q}" not in f.summary_zh
    assert severity_for(0.03) == "medium" and severity_for(0.001, material=False) == "info"


EDGES = [10.0**k for k in range(-12, 25)] + [
    0.3, 0.1 + 0.2, 999.9999999, 99.5, 100.5, 9.5, 0.5, 1.5, 2.9999999999999996,
    2.0**47 - 1, 2.0**47, 2.0**47 + 1, 2.0**53 - 1, 2.0**53, 2.0**53 + 2, 1e15 - 1, 1e15,
    1e300, 1e-300, 5e-324, 1.7976931348623157e308, 0.0, -0.0, -1.0, math.nan, math.inf, -math.inf,
]  # fmt: skip


def _reference_counts(x: np.ndarray, decimals: int) -> dict[str, list[int] | list[float] | int]:
    """Digit counts one value at a time from the decimal string of Z = rint(x·10**decimals)."""
    single, first_two, last_two, last_small = [0] * 9, [0] * 90, [0] * 100, [0] * 10
    n_invalid = n_zero = n_huge = 0
    zs: list[float] = []
    with np.errstate(over="ignore"):
        zz = np.rint(x * 10.0**decimals) if decimals else np.rint(x)
    for v, z in zip(x.tolist(), zz.tolist(), strict=True):
        if not v > 0 or not math.isfinite(z):
            n_invalid += 1
        elif z < 1:
            n_zero += 1
        else:
            s = str(int(z))
            zs.append(z)
            if z < 10:
                single[int(s) - 1] += 1
                continue
            first_two[int(s[:2]) - 10] += 1
            if z >= 2**53:
                n_huge += 1
            elif z >= 100:
                last_two[int(s[-2:])] += 1
            else:
                last_small[int(s[-1])] += 1
    return {"single": single, "first_two": first_two, "last_two": last_two,
            "last_small": last_small, "n_invalid": n_invalid, "n_zero": n_zero,
            "n_huge": n_huge, "z": [min(zs), max(zs)]}  # fmt: skip


def test_fast_counting_equals_string_reference_with_edge_values() -> None:
    """The vectorised kernel (exponent-table reciprocals, one bincount key) and its slow path
    give exactly the counts of a per-value string reference, on random data mixed with
    powers of ten, float-noise values, 2**47 / 2**53 / 1e15 boundaries, huge, tiny and invalid
    values, at several precisions, chunk sizes and thread counts."""
    rng = np.random.default_rng(2024)
    samples = [
        10.0 ** rng.uniform(-3, 17, 3000),
        np.rint(10.0 ** rng.uniform(0, 16, 3000)),
        rng.integers(1, 2**53, 2000).astype(float) * rng.choice([1.0, -1.0, 0.01], 2000),
        np.concatenate([_benford_sample(3000, rng), rng.choice(EDGES, 50)]),
        np.array(EDGES * 3),
    ]
    for i, x in enumerate(samples):
        for decimals in (0, 2, 8) if i < 4 else (0, 1, 2, 8, 15):
            ref = _reference_counts(x, decimals)
            for kw in ({}, {"chunk_size": 257}, {"chunk_size": 1000, "workers": 2}):
                c = count_digits(x, decimals, **kw)
                got = {
                    "single": c.single.tolist(), "first_two": c.first_two.tolist(),
                    "last_two": c.last_two.tolist(), "last_small": c.last_small.tolist(),
                    "n_invalid": c.n_invalid, "n_zero": c.n_zero, "n_huge": c.n_huge,
                    "z": [c.z_min, c.z_max],
                }  # fmt: skip
                assert got == ref, (i, decimals, kw)


def test_min_n_table_equals_power_computation() -> None:
    """The precomputed minimum sizes are the Cohen (1988) power computation's results."""
    from zhengji.integrity.digits import _MIN_N, _power_min_n

    assert {df: _power_min_n(df) for df in _MIN_N} == _MIN_N
    assert min_n(3) == _power_min_n(3)
