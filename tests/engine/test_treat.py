"""COINr-exact outlier treatment, and the whole ASEM example against COINr's published table."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from zhengji.engine.impute import group_mean, screen_by_availability
from zhengji.engine.treat import (
    check_skew_kurt,
    coinr_treat,
    kurt,
    log_ct,
    skew,
    treat_matrix,
    winsorise,
)
from zhengji.errors import MethodError

from .asem_reference import DATA, build_example_coin, load_asem

ROOT = Path(__file__).resolve().parents[2]
nan = np.nan


# --- skew, kurtosis, pass rule ------------------------------------------------------------------
def test_skew_kurt_are_e1071_type2_like_scipy_unbiased() -> None:
    """COINr skew()/kurt() copy e1071 type 2 (Excel SKEW/KURT) = scipy's bias-corrected G1/G2."""
    x = np.array([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100])
    assert skew(x) == pytest.approx(stats.skew(x, bias=False), rel=1e-12)
    assert kurt(x) == pytest.approx(stats.kurtosis(x, bias=False), rel=1e-12)


def test_skew_kurt_ignore_nan_and_need_enough_points() -> None:
    x = np.array([1.0, nan, 2.0, 7.0, nan, 3.0])
    assert skew(x) == pytest.approx(skew(np.array([1.0, 2.0, 7.0, 3.0])))
    assert kurt(x) == pytest.approx(stats.kurtosis([1.0, 2, 7, 3], bias=False))
    with pytest.raises(MethodError, match="skewness"):
        skew(np.array([1.0, 2.0, nan]))
    with pytest.raises(MethodError, match="kurtosis"):
        kurt(np.array([1.0, 2.0, 3.0]))


def test_check_skew_kurt_coinr_test_treat_outlier_fails() -> None:
    """COINr tests/testthat/test-treat.R: ``check_SkewKurt(c(1:10, 100))$Pass`` is FALSE."""
    assert not check_skew_kurt(np.r_[np.arange(1.0, 11.0), 100.0])
    assert check_skew_kurt(np.arange(1.0, 11.0))


def test_check_skew_kurt_is_an_or_of_strict_inequalities() -> None:
    x = np.r_[np.arange(1.0, 11.0), 100.0]
    sk, kt = skew(x), kurt(x)
    assert check_skew_kurt(x, skew_thresh=sk + 0.01, kurt_thresh=0.0)  # skew alone passes
    assert check_skew_kurt(x, skew_thresh=0.0, kurt_thresh=kt + 0.01)  # kurtosis alone passes
    assert not check_skew_kurt(x, skew_thresh=sk, kurt_thresh=kt)  # equality fails both
    assert not check_skew_kurt(np.full(6, 3.0))  # constant: COINr's NA, not a pass


# --- winsorise ---------------------------------------------------------------------------------
def test_winsorise_coinr_reference_example() -> None:
    """COINr reference page for winsorise() (bluefoxr.github.io/COINr/reference/winsorise.html):
    ``winsorise(c(1:10, 30, 100))`` gives ``1..10, 30, 30``, ``nwin = 1``, "winhi" at point 12."""
    w = winsorise(np.r_[np.arange(1.0, 11.0), 30.0, 100.0], skew_thresh=2, kurt_thresh=3.5)
    np.testing.assert_array_equal(w.values, np.r_[np.arange(1.0, 11.0), 30.0, 30.0])
    assert w.nwin == 1 and w.high == (11,) and w.low == () and w.passed


def test_winsorise_negative_skew_moves_the_minimum() -> None:
    """Third column of COINr test-treat.R "treat_df": ``c(1:10, -100)`` is winsorised low."""
    w = winsorise(np.r_[np.arange(1.0, 11.0), -100.0], winmax=2)
    np.testing.assert_array_equal(w.values, np.r_[np.arange(1.0, 11.0), 1.0])
    assert w.low == (10,) and w.high == () and w.nwin == 1


def test_winsorise_ties_count_together_like_coinr() -> None:
    """COINr counts ``length(imax)``: replacing a tie of two maxima counts as two points."""
    x = np.r_[np.zeros(18), 1.0, 50.0, 50.0]
    w = winsorise(x, winmax=5)
    assert w.high == (19, 20) and w.nwin == 2
    np.testing.assert_array_equal(w.values, np.r_[np.zeros(18), 1.0, 1.0, 1.0])


def test_winsorise_winchange_false_keeps_the_first_side() -> None:
    x = np.array(
        [
            0.96,
            0.45,
            1.22,
            0.5,
            1.31,
            -3.44,
            0.16,
            0.13,
            0.98,
            13.61,
            -0.74,
            0.09,
            -0.33,
            0.63,
            0.53,
        ]
    )
    free = winsorise(x, winmax=5, winchange=True)
    assert free.high == (9,) and free.low == (5,) and free.passed
    assert free.values[9] == 1.31 and free.values[5] == -0.74
    fixed = winsorise(x, winmax=5, winchange=False)
    assert fixed.low == () and len(fixed.high) == 5 and fixed.values[5] == -3.44


def test_winsorise_winmax_zero_changes_nothing() -> None:
    x = np.r_[np.arange(1.0, 11.0), 100.0]
    w = winsorise(x, winmax=0)
    np.testing.assert_array_equal(w.values, x)
    assert w.nwin == 0 and not w.passed


# --- log_CT and the full Treat -----------------------------------------------------------------
def test_log_ct_hand_computed() -> None:
    """log(x - min + 0.01 (max - min)) with NaN kept: [0, 1, 10] → log([0.1, 1.1, 10.1])."""
    out = log_ct(np.array([0.0, 1.0, nan, 10.0]))
    np.testing.assert_allclose(out[[0, 1, 3]], np.log([0.1, 1.1, 10.1]), rtol=1e-15)
    assert np.isnan(out[2])


def test_coinr_treat_test_treat_num_winsorises_single_outlier() -> None:
    """COINr test-treat.R "treat_num": 100 in ``c(1:10, 100)`` becomes 10, the rest unchanged."""
    x = np.r_[np.arange(1.0, 11.0), 100.0]
    r = coinr_treat(x, winmax=5)
    assert r.values[10] == 10.0
    np.testing.assert_array_equal(r.values[:10], x[:10])
    assert r.passed and not r.log_transformed and r.winsorised_high == (10,)


def test_coinr_treat_falls_back_to_log_ct_of_original() -> None:
    """COINr test-treat.R: ``c(1:20, 100, 200)`` with winmax 1 fails after Winsorising; with
    ``combine_treat = FALSE`` f2 (log_CT) is applied to the original values."""
    x = np.r_[np.arange(1.0, 21.0), 100.0, 200.0]
    assert not winsorise(x, winmax=1).passed
    r = coinr_treat(x, winmax=1)
    assert r.log_transformed and r.winsorised_high == () and r.winsorised_low == ()
    np.testing.assert_allclose(r.values, np.log(x - 1 + 0.01 * 199), rtol=1e-15)
    assert r.passed == check_skew_kurt(r.values)


def test_coinr_treat_keeps_nan_positions_and_constant_columns() -> None:
    x = np.r_[np.arange(1.0, 11.0), nan, 100.0]
    r = coinr_treat(x)
    assert np.isnan(r.values[10]) and r.values[11] == 10.0
    c = coinr_treat(np.full(8, 2.0))
    assert not c.passed and np.array_equal(c.values, np.full(8, 2.0))


def test_treat_matrix_is_columnwise_coinr_treat() -> None:
    X = np.column_stack([np.arange(1.0, 12.0), np.r_[np.arange(1.0, 11.0), 100.0]])
    out, res = treat_matrix(X)
    assert len(res) == 2 and res[0].detail == "passes; untreated"
    np.testing.assert_array_equal(out[:, 1], coinr_treat(X[:, 1]).values)
    with pytest.raises(MethodError):
        treat_matrix(np.arange(4.0))


_vectors = arrays(
    np.float64,
    st.integers(6, 40),
    elements=st.floats(-1e4, 1e4, allow_nan=False),
    unique=True,
)


@settings(max_examples=80, deadline=None)
@given(x=_vectors)
def test_treatment_never_changes_a_passing_column(x: np.ndarray) -> None:
    if check_skew_kurt(x):
        r = coinr_treat(x)
        np.testing.assert_array_equal(r.values, x)
        assert r.passed and not r.log_transformed


@settings(max_examples=80, deadline=None)
@given(x=_vectors, winmax=st.integers(0, 8))
def test_winsorising_touches_at_most_winmax_distinct_points(x: np.ndarray, winmax: int) -> None:
    w = winsorise(x, winmax=winmax)
    changed = set(np.flatnonzero(w.values != x).tolist())
    assert len(changed) <= winmax
    assert changed <= set(w.low) | set(w.high)


# --- ASEM: the whole COINr example -------------------------------------------------------------
def _expected() -> dict[str, object]:
    return json.loads((DATA / "expected.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _engine_pipeline() -> pd.DataFrame:
    """build_example_coin() with zhengji's impute/treat; min-max and mean done inline here."""
    idata, imeta = load_asem()
    ind = imeta[imeta["Type"] == "Indicator"]
    codes = list(ind["iCode"])
    X = idata[codes].to_numpy(dtype=float)
    for j, den in enumerate(ind["Denominator"]):
        if isinstance(den, str):
            X[:, j] = X[:, j] / idata[den].to_numpy(dtype=float)
    X, _ = group_mean(X, list(idata["EurAsia_group"]))
    keep = screen_by_availability(X, 0.9)
    Xt, _ = treat_matrix(X[keep], winmax=5)
    Xd = Xt * ind["Direction"].to_numpy(dtype=float)
    N = (Xd - Xd.min(axis=0)) / (Xd.max(axis=0) - Xd.min(axis=0)) * 100
    df = pd.DataFrame(N, columns=codes, index=idata["uCode"][keep])
    for level in (2, 3, 4):
        for parent in imeta.loc[imeta["Level"] == level, "iCode"]:
            kids = list(imeta.loc[imeta["Parent"] == parent, "iCode"])
            w = imeta.set_index("iCode").loc[kids, "Weight"].to_numpy(dtype=float)
            df[parent] = df[kids].to_numpy() @ w / w.sum()
    return df


def _assert_matches_vignette(df: pd.DataFrame) -> None:
    exp = _expected()
    cols: list[str] = exp["columns"]  # type: ignore[assignment]
    assert len(df) == exp["n_units"]
    ranked = df.sort_values("Index", ascending=False)
    for row in exp["rows"]:  # type: ignore[attr-defined]
        got = dict(zip(cols, row, strict=True))
        unit = str(got["uCode"])
        assert list(ranked.index).index(unit) + 1 == got["Rank"]
        for col in cols[2:]:
            assert df.loc[unit, col] == pytest.approx(got[col], abs=0.005), (unit, col)


def test_asem_engine_matches_coinr_results_vignette_top6() -> None:
    """COINr v1.1.14 vignette "Presenting Results": head(get_results(build_example_coin(),
    "Aggregated")) printed to 2 decimals (tests/data/asem/expected.json)."""
    _assert_matches_vignette(_engine_pipeline())


def test_asem_reference_matches_coinr_results_vignette_top6() -> None:
    """The plain pandas cross-check module reproduces the same published rows."""
    _assert_matches_vignette(build_example_coin())


def test_asem_engine_equals_reference_for_all_units() -> None:
    """Cross-check (not a published value): every unit and aggregate agrees to 1e-9."""
    ref = build_example_coin()
    eng = _engine_pipeline()
    assert list(eng.index) == list(ref.index)
    np.testing.assert_allclose(eng[ref.columns].to_numpy(), ref.to_numpy(), rtol=0, atol=1e-9)


def test_asem_bundle_reproduces_coinr_data() -> None:
    """examples/asem holds every non-missing raw value (indicators + denominators) exactly."""
    idata, imeta = load_asem()
    variables = list(imeta.loc[imeta["Type"].isin(["Indicator", "Denominator"]), "iCode"])
    with (ROOT / "examples/asem/observations.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    got = {(r["unit_id"], r["indicator_id"]): float(r["value"]) for r in rows}
    assert {r["period"] for r in rows} == {"2018"} and {r["source"] for r in rows} == {"statistics"}
    want = {
        (u, v): float(x)
        for u, rec in zip(idata["uCode"], idata[variables].to_dict("records"), strict=True)
        for v, x in rec.items()
        if not math.isnan(x)
    }
    assert got == want
    with (ROOT / "examples/asem/units.csv").open(encoding="utf-8") as fh:
        units = list(csv.DictReader(fh))
    assert [u["unit_id"] for u in units] == list(idata["uCode"])
    assert {u["level"] for u in units} == {"country"}
    assert [u["EurAsia_group"] for u in units] == list(idata["EurAsia_group"])


def test_asem_scheme_loads_and_mirrors_imeta() -> None:
    from zhengji.scheme import load_scheme

    scheme = load_scheme(ROOT / "examples/asem/scheme.toml")
    _, imeta = load_asem()
    ind = imeta[imeta["Type"] == "Indicator"]
    assert [i.id for i in scheme.indicators] == list(ind["iCode"])
    for spec, (_, row) in zip(scheme.indicators, ind.iterrows(), strict=True):
        assert spec.parent == row["Parent"]
        assert spec.direction == ("higher" if row["Direction"] > 0 else "lower")
        assert spec.weight == row["Weight"]
        assert spec.denominator == (
            row["Denominator"] if isinstance(row["Denominator"], str) else None
        )
    assert scheme.level(scheme.index.id) == 4
    assert scheme.treatment.group == "EurAsia_group" and scheme.treatment.outliers == "coinr"
