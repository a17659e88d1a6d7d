"""Aggregators against the TOPSIS and VIKOR cases of the MCDA reference file, COINr and pymcdm."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from zhengji.engine.aggregate import (
    METHODS,
    VikorResult,
    arithmetic,
    geometric,
    harmonic,
    topsis,
    vikor,
)
from zhengji.errors import MethodError
from zhengji.testing import assert_printed, load_json

REF: dict[str, Any] = load_json(Path(__file__).parents[1] / "data" / "mcda_reference_cases.json")
MEANS = [arithmetic, geometric, harmonic]


def _case(section: str, prefix: str) -> dict[str, Any]:
    found = [c for c in REF[section] if c["id"].startswith(prefix)]
    assert len(found) == 1, prefix
    case: dict[str, Any] = found[0]
    return case


positive = st.floats(1.0, 100.0)


@st.composite
def panels(draw: st.DrawFn, holes: bool = False) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 8))
    k = draw(st.integers(1, 5))
    X = draw(arrays(np.float64, (n, k), elements=positive))
    w = draw(arrays(np.float64, (k,), elements=st.floats(0.05, 5.0)))
    if holes:
        X = np.where(draw(arrays(np.bool_, (n, k))), np.nan, X)
    return X, w


# --- means ---------------------------------------------------------------------------------------
def test_coinr_a_amean_example() -> None:
    """COINr ?a_amean example: x = 1:10, w = 10:1 → Σwx / Σw = 220 / 55 = 4."""
    x = np.arange(1.0, 11.0)[None, :]
    assert arithmetic(x, np.arange(10.0, 0.0, -1.0))[0] == pytest.approx(4.0)


def test_means_textbook_values() -> None:
    """Equal-weight means of (1, 2, 4): arithmetic 7/3, geometric 2, harmonic 12/7."""
    x = np.array([[1.0, 2.0, 4.0]])
    w = np.ones(3)
    assert arithmetic(x, w)[0] == pytest.approx(7 / 3)
    assert geometric(x, w)[0] == pytest.approx(2.0)
    assert harmonic(x, w)[0] == pytest.approx(12 / 7)


def test_weighted_geometric_and_harmonic() -> None:
    x = np.array([[1.0, 16.0]])
    w = np.array([3.0, 1.0])
    assert geometric(x, w)[0] == pytest.approx(16**0.25)
    assert harmonic(x, w)[0] == pytest.approx(1 / (0.75 / 1 + 0.25 / 16))


def test_nan_row_and_zero_weight_column() -> None:
    """A row with nothing is NaN; a NaN in a zero-weight column is ignored."""
    X = np.array([[np.nan, np.nan, 5.0], [10.0, 20.0, np.nan], [10.0, np.nan, np.nan]])
    w = np.array([1.0, 3.0, 0.0])
    for f in MEANS:
        y = f(X, w)
        assert np.isnan(y[0])
        assert y[2] == pytest.approx(10.0)
    assert arithmetic(X, w)[1] == pytest.approx(17.5)


def test_per_unit_weights() -> None:
    X = np.array([[0.0, 10.0], [0.0, 10.0]])
    W = np.array([[1.0, 1.0], [1.0, 3.0]])
    np.testing.assert_allclose(arithmetic(X, W), [5.0, 7.5])


@pytest.mark.parametrize("f", [geometric, harmonic], ids=lambda f: f.__name__)
def test_non_positive_values_need_positive_range(f: Any) -> None:
    with pytest.raises(MethodError, match="low = 1"):
        f(np.array([[0.0, 5.0]]), np.ones(2))
    # a zero where the weight is zero is fine
    assert f(np.array([[0.0, 5.0]]), np.array([0.0, 1.0]))[0] == pytest.approx(5.0)


def test_weight_and_shape_errors() -> None:
    with pytest.raises(MethodError, match="≥ 0"):
        arithmetic(np.ones((2, 2)), [1.0, -1.0])
    with pytest.raises(MethodError, match="shape"):
        arithmetic(np.ones((2, 2)), [1.0, 1.0, 1.0])
    with pytest.raises(MethodError, match=r"\(n, k\)"):
        arithmetic(np.ones(3), [1.0, 1.0, 1.0])


@given(data=panels(), row=st.data())
def test_arithmetic_is_monotone(data: tuple[np.ndarray, np.ndarray], row: st.DataObject) -> None:
    """Raising one value never lowers that unit's score (nor changes anyone else's)."""
    X, w = data
    i = row.draw(st.integers(0, X.shape[0] - 1))
    j = row.draw(st.integers(0, X.shape[1] - 1))
    up = X.copy()
    up[i, j] += row.draw(st.floats(0.0, 50.0))
    before, after = arithmetic(X, w), arithmetic(up, w)
    assert after[i] >= before[i] - 1e-12
    np.testing.assert_array_equal(np.delete(after, i), np.delete(before, i))


@given(data=panels(holes=True), perm_seed=st.integers(0, 2**32 - 1))
@pytest.mark.parametrize("name", sorted(METHODS))
def test_permuting_rows_permutes_results(
    name: str, data: tuple[np.ndarray, np.ndarray], perm_seed: int
) -> None:
    X, w = data
    perm = np.random.default_rng(perm_seed).permutation(X.shape[0])
    f = METHODS[name]
    np.testing.assert_allclose(f(X[perm], w), f(X, w)[perm], rtol=1e-9, atol=1e-12)


@given(data=panels(holes=True))
@pytest.mark.parametrize("f", MEANS, ids=lambda f: f.__name__)
def test_nan_drop_and_reweight_equals_reduced_columns(
    f: Any, data: tuple[np.ndarray, np.ndarray]
) -> None:
    X, w = data
    y = f(X, w)
    for i in range(X.shape[0]):
        ok = ~np.isnan(X[i])
        if not ok.any():
            assert np.isnan(y[i])
            continue
        expected = f(X[i : i + 1, ok], w[ok])[0]
        assert y[i] == pytest.approx(expected, rel=1e-12)


@given(data=panels())
def test_mean_inequality(data: tuple[np.ndarray, np.ndarray]) -> None:
    X, w = data
    a, g, h = arithmetic(X, w), geometric(X, w), harmonic(X, w)
    assert (h <= g * (1 + 1e-12)).all()
    assert (g <= a * (1 + 1e-12)).all()


# --- TOPSIS ------------------------------------------------------------------------------------
def test_topsis_tzeng_huang2011_vector() -> None:
    """Tzeng & Huang 2011 via scikit-criteria test_TOPSIS_tzeng2011multiple (4 dp) and ranks."""
    case = _case("topsis", "Tzeng&Huang2011")
    c = topsis(case["matrix"], case["weights"], case["types"], normalisation="vector")
    assert_printed(c, case["expected_closeness"], 4)
    ranks = (-c).argsort().argsort() + 1
    np.testing.assert_array_equal(ranks, case["rank"])


def test_topsis_opricovic_tzeng2004_minmax() -> None:
    """Opricovic & Tzeng 2004 via pymcdm TestTOPSIS (default min-max normalisation, 3 dp)."""
    case = _case("topsis", "Opricovic&Tzeng2004")
    c = topsis(case["matrix"], case["weights"], case["types"], normalisation="minmax")
    assert_printed(c, case["expected_closeness"], 3)


def test_topsis_opricovic_tzeng2004_vector() -> None:
    """Same data with vector normalisation (3 dp): cost criterion's ideal is the column min."""
    case = _case("topsis", "Opricovic&Tzeng2004")
    c = topsis(case["matrix"], case["weights"], case["types"], normalisation="vector")
    assert_printed(c, case["same_with_vector_norm"], 3)


def test_topsis_matches_pymcdm_on_random_matrix() -> None:
    """Peer check: pymcdm TOPSIS() (min-max default) equals ours with normalisation='minmax'."""
    from pymcdm.methods import TOPSIS

    rng = np.random.default_rng(20240601)
    X = rng.uniform(1, 100, size=(15, 6))
    w = rng.uniform(0.1, 1, size=6)
    w /= w.sum()
    types = np.array([1, -1, 1, 1, -1, 1])
    np.testing.assert_allclose(
        topsis(X, w, types, normalisation="minmax"), TOPSIS()(X, w, types), rtol=1e-12
    )


def test_topsis_nan_uses_available_columns() -> None:
    X = np.array([[0.2, 0.9], [0.8, np.nan], [0.5, 0.1], [np.nan, np.nan]])
    w = np.array([0.5, 0.5])
    c = topsis(X, w, normalisation="none")
    # unit 1 is the column-0 ideal on its only column
    assert c[1] == pytest.approx(1.0)
    assert np.isnan(c[3])
    # the complete rows are computed over both columns
    V = X[[0, 2]] * 0.5
    pis, nis = np.array([0.4, 0.45]), np.array([0.1, 0.05])
    dp = np.sqrt(((V - pis) ** 2).sum(axis=1))
    dm = np.sqrt(((V - nis) ** 2).sum(axis=1))
    np.testing.assert_allclose(c[[0, 2]], dm / (dp + dm))


def test_topsis_constant_is_half_and_bad_options() -> None:
    np.testing.assert_array_equal(topsis(np.ones((3, 2)), [1, 1], normalisation="none"), 0.5)
    with pytest.raises(MethodError, match="normalisation"):
        topsis(np.ones((3, 2)), [1, 1], normalisation="sum")  # type: ignore[arg-type]
    with pytest.raises(MethodError, match="benefit"):
        topsis(np.ones((3, 2)), [1, 1], types=[1, 0])


# --- VIKOR -------------------------------------------------------------------------------------
def test_vikor_opricovic_tzeng2004() -> None:
    """Opricovic & Tzeng 2004 (as in pymcdm and scikit-criteria): S, R, Q exactly."""
    case = _case("vikor", "Opricovic&Tzeng2004")
    res = vikor(case["matrix"], case["weights"], case["types"], v=case["v"])
    assert isinstance(res, VikorResult)
    np.testing.assert_allclose(res.S, case["S"])
    np.testing.assert_allclose(res.R, case["R"])
    np.testing.assert_allclose(res.Q, case["Q"])


def test_vikor_yang_wu2020_pymcdm() -> None:
    """Yang & Wu 2020 (IEEE Access) via pymcdm VIKOR docstring/test: Q to 4 dp."""
    case = _case("vikor", "Yang&Wu2020")
    res = vikor(case["matrix"], case["weights"], case["types"])
    assert_printed(res.Q, case["Q"], 4)


def test_vikor_tzeng_data_scikit_criteria() -> None:
    """Tzeng data via scikit-criteria test_VIKOR: S, R and Q."""
    case = _case("vikor", "Tzeng data")
    res = vikor(case["matrix"], case["weights"], case["types"])
    np.testing.assert_allclose(res.S, case["S"])
    np.testing.assert_allclose(res.R, case["R"])
    np.testing.assert_allclose(res.Q, case["Q"], atol=1e-12)


@pytest.mark.parametrize(("key", "weights"), [("W1", [1] * 8), ("W2", [2, 2, 2, 2, 1, 1, 1, 1])])
def test_vikor_opricovic_tzeng2007(key: str, weights: list[float]) -> None:
    """Opricovic & Tzeng 2007 (EJOR 178) via scikit-criteria test_VIKOR_opricovic2007extended.

    The paper prints 3 decimals; the reference's stated tolerance is 0.001.
    """
    case = _case("vikor", "Opricovic&Tzeng2007")
    res = vikor(case["matrix"], weights, case["types"])
    tol = case["tolerance"]
    np.testing.assert_allclose(res.S, case[key]["S"], atol=tol)
    np.testing.assert_allclose(res.R, case[key]["R"], atol=tol)
    np.testing.assert_allclose(res.Q, case[key]["Q"], atol=tol)


def test_vikor_matches_pymcdm_on_random_matrix() -> None:
    """Peer check: pymcdm VIKOR() Q on a random matrix with cost criteria."""
    from pymcdm.methods import VIKOR

    rng = np.random.default_rng(7)
    X = rng.uniform(1, 100, size=(12, 5))
    w = rng.uniform(0.1, 1, size=5)
    w /= w.sum()
    types = np.array([1, -1, 1, -1, 1])
    np.testing.assert_allclose(vikor(X, w, types).Q, VIKOR()(X, w, types), atol=1e-12)


def test_vikor_ties_do_not_divide_by_zero() -> None:
    """All units tie on S and R: Q is 0 for all (no 0/0)."""
    res = vikor(np.array([[1.0, 2.0], [2.0, 1.0]]), [1, 1])
    np.testing.assert_array_equal(res.S, [0.5, 0.5])
    np.testing.assert_array_equal(res.Q, [0.0, 0.0])
    res = vikor(np.full((3, 2), 4.0), [1, 1])
    np.testing.assert_array_equal(res.Q, 0.0)
    with pytest.raises(MethodError, match="v must"):
        vikor(np.ones((2, 2)), [1, 1], v=1.5)


# --- registry ----------------------------------------------------------------------------------
def test_registry_is_higher_is_better() -> None:
    """Registry: means as they are, topsis closeness ('none'), vikor 1 - Q."""
    case = _case("vikor", "Tzeng data")
    X, w = np.asarray(case["matrix"], float), np.asarray(case["weights"], float)
    assert set(METHODS) == {"arithmetic", "geometric", "harmonic", "topsis", "vikor"}
    np.testing.assert_allclose(METHODS["vikor"](X, w), 1 - np.asarray(case["Q"]))
    np.testing.assert_allclose(METHODS["topsis"](X, w), topsis(X, w, normalisation="none"))
    assert METHODS["arithmetic"] is arithmetic


# --- fast paths (one weight vector, complete data) against the general per-unit path ----------
@st.composite
def weighted(draw: st.DrawFn, holes: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values (n, k), weights (k,) with some zeros, criterion types; NaN if ``holes``."""
    n = draw(st.integers(1, 10))
    k = draw(st.integers(1, 6))
    X = draw(arrays(np.float64, (n, k), elements=positive))
    if draw(st.booleans()):  # a constant column
        X[:, draw(st.integers(0, k - 1))] = draw(positive)
    w = draw(arrays(np.float64, (k,), elements=st.sampled_from([0.0, 0.5, 1.0, 2.5, 7.0])))
    if holes:
        X = np.where(draw(arrays(np.bool_, (n, k))), np.nan, X)
    types = np.array([draw(st.sampled_from([1, -1])) for _ in range(k)])
    return X, w, types


def _per_unit(w: np.ndarray, n: int) -> np.ndarray:
    """The same weights as an ordinary (n, k) matrix: forces the general path."""
    return np.tile(w, (n, 1))


def _both_paths(X: np.ndarray, w: np.ndarray, types: np.ndarray) -> None:
    n = X.shape[0]
    W = _per_unit(w, n)
    view = np.broadcast_to(w, X.shape)  # read-only, row stride 0: taken as the vector
    for f in MEANS:
        for fast in (f(X, w), f(X, view)):
            np.testing.assert_allclose(fast, f(X, W), rtol=1e-12, atol=1e-12)
    for norm in ("vector", "minmax", "none"):
        general = topsis(X, W, types, normalisation=norm)
        for fast in (topsis(X, w, types, normalisation=norm), topsis(X, view, types, norm)):
            np.testing.assert_allclose(fast, general, rtol=1e-9, atol=1e-9)
    a, b = vikor(X, w, types), vikor(X, W, types)
    for got, expected in ((a.S, b.S), (a.R, b.R), (a.Q, b.Q)):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@given(data=weighted(holes=False))
def test_fast_paths_equal_general_path(data: tuple[np.ndarray, ...]) -> None:
    """X @ w, exp(log X @ w), 1/((1/X) @ w) and the blocked TOPSIS = the per-unit path."""
    _both_paths(*data)


@given(data=weighted(holes=True))
def test_fast_paths_equal_general_path_with_gaps(data: tuple[np.ndarray, ...]) -> None:
    """With NaN the vector call falls back to the general path: still the same results."""
    _both_paths(*data)


def test_paths_agree_over_many_row_blocks() -> None:
    """Enough rows for several cache blocks; general path with and without gaps."""
    rng = np.random.default_rng(21)
    X = rng.uniform(1, 100, size=(7000, 9))
    X[:, 2] = 42.0
    w = rng.uniform(0, 1, size=9)
    w[5] = 0.0
    types = np.where(np.arange(9) % 4 == 0, -1, 1)
    _both_paths(X, w, types)
    X[rng.random(X.shape) < 0.05] = np.nan
    _both_paths(X, w, types)


def test_topsis_fast_path_matches_textbook_formula() -> None:
    """Min-max TOPSIS written out (pymcdm's TOPSIS steps) on a matrix big enough for blocks."""
    rng = np.random.default_rng(4)
    X = rng.lognormal(size=(3000, 12))
    w = rng.uniform(0.1, 1, size=12)
    types = np.where(np.arange(12) % 3 == 0, -1, 1)
    lo, hi = X.min(axis=0), X.max(axis=0)
    R = np.where(types > 0, (X - lo) / (hi - lo), (hi - X) / (hi - lo))
    V = R * w / w.sum()
    d_plus = np.sqrt(((V - V.max(axis=0)) ** 2).sum(axis=1))
    d_minus = np.sqrt(((V - V.min(axis=0)) ** 2).sum(axis=1))
    np.testing.assert_allclose(
        topsis(X, w, types, normalisation="minmax"), d_minus / (d_plus + d_minus), rtol=1e-12
    )


def test_infinite_values_rejected_on_every_path() -> None:
    X = np.array([[1.0, 2.0], [3.0, np.inf]])
    for W in (np.ones(2), np.ones((2, 2))):
        for f in (*MEANS, METHODS["topsis"], METHODS["vikor"]):
            with pytest.raises(MethodError, match="infinite"):
                f(X, W)
    with pytest.raises(MethodError, match="≥ 0"):
        arithmetic(np.ones((2, 2)), np.broadcast_to([1.0, np.nan], (2, 2)))


def test_aggregators_do_not_copy_values_or_weights() -> None:
    """Lean on big matrices: (k,) or broadcast weights never become an (n, k) matrix."""
    import tracemalloc

    rng = np.random.default_rng(9)
    X = rng.uniform(1, 100, size=(4000, 200))  # wide, so (n,) score vectors stay small
    w = rng.uniform(0.1, 1, size=200)
    view = np.broadcast_to(w, X.shape)
    for f in (*MEANS, METHODS["topsis"], lambda v, w: topsis(v, w, normalisation="minmax")):
        for weights in (w, view):
            tracemalloc.start()
            f(X, weights)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            assert peak < 0.1 * X.nbytes
