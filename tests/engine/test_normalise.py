"""Normalisation functions against COINr's own tests and documented formulas."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from zhengji.engine.normalise import (
    METHODS,
    distance_to_target,
    goalposts,
    minmax,
    normalise,
    normalise_matrix,
    percentile,
    rank,
    zscore,
)
from zhengji.errors import MethodError
from zhengji.scheme.model import (
    DistanceToTarget,
    Goalposts,
    MinMax,
    Percentile,
    Rank,
    ZScore,
)

AnySpec = MinMax | ZScore | Goalposts | DistanceToTarget | Rank | Percentile
ALL_SPECS: list[AnySpec] = [
    MinMax(),
    ZScore(),
    Goalposts(min=-50, max=50),
    DistanceToTarget(target=80),
    Rank(),
    Percentile(),
]

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
columns = arrays(np.float64, st.integers(2, 30), elements=finite)


# --- COINr tests/testthat/test-normalise.R ---------------------------------------------------
def test_coinr_norm_num_minmax_bounds() -> None:
    """COINr test-normalise.R "norm_num": n_minmax(1:10, l_u = c(2, 7)) spans exactly [2, 7]."""
    y = minmax(np.arange(1.0, 11.0), low=2, high=7)
    assert y.min() == 2.0
    assert y.max() == 7.0


def test_coinr_norm_num_zscore_mean_sd() -> None:
    """COINr test-normalise.R "norm_num": n_zscore(1:10, m_sd = c(5, 2)): mean 5, sd() 2."""
    y = zscore(np.arange(1.0, 11.0), centre=5, spread=2)
    assert y.mean() == pytest.approx(5.0)
    assert np.std(y, ddof=1) == pytest.approx(2.0)


def test_coinr_norm_num_dist2targ_capped() -> None:
    """COINr test-normalise.R "norm_num": n_dist2targ(1:10, targ = 8, cap_max = TRUE)."""
    x = np.arange(1.0, 11.0)
    y = distance_to_target(x, 8, cap=True, low=0, high=1)
    assert y.min() == 0.0
    assert y.max() == 1.0
    np.testing.assert_array_equal(y[x >= 8], 1.0)


@pytest.mark.parametrize(
    ("x", "direction", "expected"),
    [(1, 1, 0.1), (11, 1, 1.0), (-1, 1, 0.0), (1, -1, 0.9), (-1, -1, 1.0), (11, -1, 0.0)],
)
def test_coinr_n_funcs_goalposts(x: float, direction: int, expected: float) -> None:
    """COINr test-normalise.R "n_funcs": n_goalposts(x, c(0, 10, 1), direction) cases."""
    spec = Goalposts(min=0, max=10, low=0, high=1)
    assert normalise(np.array([x], dtype=float), spec, direction)[0] == pytest.approx(expected)


def test_coinr_n_funcs_goalposts_vector() -> None:
    """COINr test-normalise.R "n_funcs": n_goalposts(x, c(0.2, 0.8, 10)) = clip((x-.2)/.6)*10."""
    x = np.linspace(0, 1, 11)
    expected = np.clip((x - 0.2) / 0.6, 0, 1) * 10
    np.testing.assert_allclose(goalposts(x, 0.2, 0.8, low=0, high=10), expected)


@pytest.mark.parametrize(
    ("x", "target", "direction", "cap", "expected"),
    [
        ([0, 5, 11], 10, 1, False, [0, 0.5, 1.1]),
        ([0, 5, 11], 10, 1, True, [0, 0.5, 1.0]),
        ([-1, 1, 10], 0, -1, False, [1.1, 0.9, 0]),
        ([-1, 1, 10], 0, -1, True, [1.0, 0.9, 0]),
    ],
)
def test_coinr_dist2targ(
    x: list[float], target: float, direction: int, cap: bool, expected: list[float]
) -> None:
    """COINr test-normalise.R "dist2targ": both directions, with and without cap_max."""
    spec = DistanceToTarget(target=target, cap=cap, low=0, high=1)
    np.testing.assert_allclose(normalise(np.array(x, float), spec, direction), expected)


def test_coinr_norm_df_directions_reverse_minmax() -> None:
    """COINr test-normalise.R "norm_df": direction -1 gives the minimum 100 and the maximum 0."""
    rng = np.random.default_rng(1)
    x = rng.uniform(size=10)
    y = normalise(x, MinMax(), -1)
    assert y[np.argmin(x)] == 100.0
    assert y[np.argmax(x)] == 0.0


def test_coinr_dist2targ_coin_lower_is_better_formula() -> None:
    """COINr test-normalise.R "dist2targ_coin": CO2 (direction -1) is (max - x)/(max - targ)."""
    x = np.array([3.0, 7.5, 12.0, np.nan, 5.0])
    target = 4.0
    expected = (np.nanmax(x) - x) / (np.nanmax(x) - target)
    y = normalise(x, DistanceToTarget(target=target, cap=False, low=0, high=1), -1)
    np.testing.assert_allclose(y, expected)


# --- conventions ---------------------------------------------------------------------------------
def test_minmax_constant_column_is_midpoint() -> None:
    """Zero range: every unit gets (low + high) / 2 (COINr returns NaN; we keep it neutral)."""
    y = minmax(np.array([3.0, 3.0, np.nan, 3.0]), low=10, high=20)
    np.testing.assert_array_equal(y, [15.0, 15.0, np.nan, 15.0])


def test_zscore_constant_and_single_value_give_centre() -> None:
    np.testing.assert_array_equal(zscore(np.array([2.0, 2.0]), centre=7), [7.0, 7.0])
    np.testing.assert_array_equal(zscore(np.array([np.nan, 4.0]), centre=7), [np.nan, 7.0])


def test_rank_average_ties_one_is_worst() -> None:
    np.testing.assert_array_equal(rank(np.array([10.0, 30.0, 20.0, 20.0])), [1, 4, 2.5, 2.5])


def test_percentile_formula_and_single_value() -> None:
    np.testing.assert_allclose(percentile(np.array([5.0, 1.0, 3.0])), [100.0, 0.0, 50.0])
    np.testing.assert_array_equal(percentile(np.array([np.nan, 2.0])), [np.nan, 50.0])


def test_goalposts_without_clip_extrapolates() -> None:
    np.testing.assert_allclose(goalposts(np.array([-5.0, 15.0]), 0, 10, clip=False), [-50, 150])


def test_distance_to_target_all_beyond_target() -> None:
    """Every unit has met the target: capped scores are all ``high``; uncapped is an error."""
    np.testing.assert_array_equal(distance_to_target(np.array([5.0, 6.0]), 4.0), [100, 100])
    with pytest.raises(MethodError, match="target"):
        distance_to_target(np.array([5.0, 6.0]), 4.0, cap=False)


def test_errors() -> None:
    with pytest.raises(MethodError, match="direction"):
        normalise(np.array([1.0, 2.0]), MinMax(), 0)
    with pytest.raises(MethodError, match="goalpost"):
        goalposts(np.array([1.0]), 5, 5)
    with pytest.raises(MethodError, match="1-D"):
        minmax(np.ones((2, 2)))
    with pytest.raises(MethodError, match="infinite"):
        minmax(np.array([1.0, np.inf]))


def test_registry_covers_every_scheme_method() -> None:
    assert set(METHODS) == {spec.method for spec in ALL_SPECS}


def test_normalise_matrix_matches_columns() -> None:
    rng = np.random.default_rng(7)
    X = rng.normal(size=(12, len(ALL_SPECS))) * 30
    X[3, 2] = np.nan
    dirs = np.array([1, -1, -1, 1, -1, 1])
    Y = normalise_matrix(X, ALL_SPECS, dirs)
    for j, spec in enumerate(ALL_SPECS):
        np.testing.assert_array_equal(Y[:, j], normalise(X[:, j], spec, int(dirs[j])))
    with pytest.raises(MethodError, match="columns"):
        normalise_matrix(X, ALL_SPECS[:-1], dirs[:-1])


# --- properties ------------------------------------------------------------------------------
@given(
    x=columns,
    a=st.floats(0.1, 10),
    b=st.floats(-100, 100),
)
def test_positive_affine_rescaling_leaves_minmax_and_zscore_unchanged(
    x: np.ndarray, a: float, b: float
) -> None:
    assume(np.ptp(x) > 1e-2)
    np.testing.assert_allclose(minmax(a * x + b), minmax(x), atol=1e-6)
    np.testing.assert_allclose(zscore(a * x + b), zscore(x), atol=1e-6)


@given(
    x=arrays(np.int64, st.integers(1, 30), elements=st.integers(-1000, 1000)),
    a=st.integers(1, 10),
    b=st.integers(-100, 100),
)
def test_positive_affine_rescaling_leaves_rank_unchanged(x: np.ndarray, a: int, b: int) -> None:
    xf = x.astype(float)
    np.testing.assert_array_equal(rank(a * xf + b), rank(xf))
    np.testing.assert_array_equal(percentile(a * xf + b), percentile(xf))


@given(x=columns, missing=st.data())
@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda s: s.method)
def test_nan_in_nan_out_at_the_same_place(
    spec: AnySpec, x: np.ndarray, missing: st.DataObject
) -> None:
    holes = missing.draw(arrays(np.bool_, x.shape))
    x = np.where(holes, np.nan, x)
    for direction in (1, -1):
        y = normalise(x, spec, direction)
        np.testing.assert_array_equal(np.isnan(y), holes)


@given(x=columns)
@pytest.mark.parametrize("spec", [MinMax(), ZScore(), Rank(), Percentile()], ids=str)
def test_direction_is_negation(spec: AnySpec, x: np.ndarray) -> None:
    """Direction -1 is the same as normalising -x (COINr Normalise.numeric: x * direction)."""
    np.testing.assert_array_equal(normalise(x, spec, -1), normalise(-x, spec, 1))


@given(x=columns)
def test_minmax_lower_is_better_is_a_reflection(x: np.ndarray) -> None:
    assume(np.ptp(x) > 1e-2)
    np.testing.assert_allclose(
        normalise(x, MinMax(), -1), 100 - normalise(x, MinMax(), 1), atol=1e-9
    )


@given(x=columns)
def test_goalposts_lower_is_better_matches_coinr_formula(x: np.ndarray) -> None:
    """COINr n_goalposts(direction = -1): (u - x) / (u - l), clipped to [0, 1]."""
    y = normalise(x, Goalposts(min=-200, max=300, low=0, high=1), -1)
    np.testing.assert_allclose(y, np.clip((300 - x) / 500, 0, 1), atol=1e-12)


# --- the matrix path against the one-column functions ---------------------------------------
MATRIX_SPECS: list[AnySpec] = [
    *ALL_SPECS,
    MinMax(low=1, high=7),
    ZScore(centre=50, spread=10),
    Goalposts(min=-20, max=20, clip=False),
    DistanceToTarget(target=-30, cap=True),
    DistanceToTarget(target=500, cap=False),
]


def _column_by_column(X: np.ndarray, specs: list[AnySpec], dirs: np.ndarray) -> np.ndarray:
    out = np.empty_like(X)
    for j, spec in enumerate(specs):
        out[:, j] = normalise(X[:, j], spec, int(dirs[j]))
    return out


def _assert_same_as_columns(X: np.ndarray, specs: list[AnySpec], dirs: np.ndarray) -> None:
    """Bit-identical except z-scores, whose mean/SD are summed in another order (1e-12)."""
    try:
        expected = _column_by_column(X, specs, dirs)
    except MethodError as exc:
        with pytest.raises(MethodError, match=str(exc).split(" ")[0]):
            normalise_matrix(X, specs, dirs)
        return
    got = normalise_matrix(X, specs, dirs)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    for j, spec in enumerate(specs):
        if spec.method == "zscore":
            np.testing.assert_allclose(got[:, j], expected[:, j], rtol=0, atol=1e-12)
        else:
            np.testing.assert_array_equal(got[:, j], expected[:, j])


@st.composite
def matrices(draw: st.DrawFn) -> tuple[np.ndarray, list[AnySpec], np.ndarray]:
    n = draw(st.integers(1, 12))
    k = draw(st.integers(1, 8))
    X = draw(arrays(np.float64, (n, k), elements=finite))
    if draw(st.booleans()):
        X = np.where(draw(arrays(np.bool_, (n, k))), np.nan, X)
    specs = [draw(st.sampled_from(MATRIX_SPECS)) for _ in range(k)]
    dirs = np.array([draw(st.sampled_from([1, -1])) for _ in range(k)])
    return X, specs, dirs


@given(case=matrices())
def test_normalise_matrix_equals_column_by_column(
    case: tuple[np.ndarray, list[AnySpec], np.ndarray],
) -> None:
    """The one-pass matrix path gives the one-column functions' values, NaN or not."""
    _assert_same_as_columns(*case)


def test_normalise_matrix_many_row_blocks() -> None:
    """Enough rows for several cache blocks, with gaps, constant and all-missing columns."""
    rng = np.random.default_rng(11)
    k = len(MATRIX_SPECS)
    X = rng.lognormal(size=(5000, k)) * 40 - 20
    X[rng.random(X.shape) < 0.05] = np.nan
    X[:, 1] = 3.0
    X[:, 4] = np.nan
    dirs = rng.choice([-1, 1], size=k)
    _assert_same_as_columns(X, MATRIX_SPECS, dirs)


def test_normalise_matrix_out_and_input_untouched() -> None:
    """``out`` receives the result (also in place, ``out=X``); without it X is not modified."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, len(ALL_SPECS)))
    X[5, 0] = np.nan
    X.setflags(write=False)  # read-only input is fine: nothing is written to it
    dirs = np.array([1, -1, 1, -1, 1, -1])
    expected = normalise_matrix(X, ALL_SPECS, dirs)
    buf = np.full(X.shape, -1.0)
    assert normalise_matrix(X, ALL_SPECS, dirs, out=buf) is buf
    np.testing.assert_array_equal(buf, expected)
    inplace = X.copy()
    normalise_matrix(inplace, ALL_SPECS, dirs, out=inplace)
    np.testing.assert_array_equal(inplace, expected)
    with pytest.raises(MethodError, match="out must be"):
        normalise_matrix(X, ALL_SPECS, dirs, out=np.empty((3, 3)))


def test_normalise_matrix_rejects_infinite_but_not_missing() -> None:
    X = np.array([[1.0, np.nan], [2.0, 5.0], [3.0, 4.0]])
    specs: list[AnySpec] = [MinMax(), MinMax()]
    np.testing.assert_array_equal(np.isnan(normalise_matrix(X, specs, [1, 1])), np.isnan(X))
    X[2, 1] = -np.inf
    with pytest.raises(MethodError, match=r"infinite values \(columns \[1\]\)"):
        normalise_matrix(X, specs, [1, 1])
    with pytest.raises(MethodError, match="direction"):
        normalise_matrix(X[:, :1], specs[:1], [2])


def test_normalise_matrix_allocates_only_its_output() -> None:
    """Lean on big matrices: beyond the result, temporaries are cache-sized blocks."""
    import tracemalloc

    rng = np.random.default_rng(5)
    X = rng.lognormal(size=(20_000, 50))
    specs: list[AnySpec] = [MinMax()] * 25 + [ZScore()] * 25
    dirs = np.where(np.arange(50) % 3 == 0, -1, 1)
    out = np.empty_like(X)
    tracemalloc.start()
    normalise_matrix(X, specs, dirs, out=out)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 0.1 * X.nbytes


def test_zscore_constant_column_is_centre_despite_rounding() -> None:
    """A constant 0.1 column has SD 0, though its computed mean is 0.1 + 1 ulp (convention)."""
    x = np.array([0.1, 0.1, 0.1, np.nan])
    np.testing.assert_array_equal(zscore(x, centre=3.0), [3.0, 3.0, 3.0, np.nan])
    Y = normalise_matrix(np.column_stack([x, x]), [ZScore(centre=3.0), ZScore()], [1, -1])
    np.testing.assert_array_equal(Y, [[3.0, 0.0]] * 3 + [[np.nan, np.nan]])
