"""Missing data: group means, carry-forward, availability screening (COINr semantics)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from zhengji.engine.impute import (
    availability,
    carry_forward,
    group_mean,
    screen_by_availability,
)
from zhengji.errors import MethodError

nan = np.nan


def test_group_mean_hand_computed() -> None:
    X = np.array(
        [
            [1.0, nan],
            [3.0, 10.0],
            [nan, 20.0],
            [7.0, nan],
            [nan, nan],
        ]
    )
    groups = ["a", "a", "a", "b", "b"]
    out, filled = group_mean(X, groups)
    # a: col0 mean(1,3)=2, col1 mean(10,20)=15; b: col0 mean(7)=7, col1 has no data -> NaN
    expected = np.array([[1, 15], [3, 10], [2, 20], [7, nan], [7, nan]], dtype=float)
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(
        filled, [[False, True], [False, False], [True, False], [False, False], [True, False]]
    )


def test_group_mean_coinr_test_impute_missing_group_left_alone() -> None:
    """COINr tests/testthat/test-Impute.R "group_mean": a unit with an NA group stays NA and
    its value is excluded from the group means (``skip_f_na = TRUE``); "" plays NA here."""
    x = np.array([[nan], [2.0], [4.0], [nan], [100.0]])
    groups = ["a", "a", "a", "", ""]
    out, filled = group_mean(x, groups)
    assert out[0, 0] == 3.0
    assert np.isnan(out[3, 0])
    assert out[4, 0] == 100.0
    assert filled[:, 0].tolist() == [True, False, False, False, False]


def test_group_mean_rejects_wrong_length_groups() -> None:
    with pytest.raises(MethodError, match="groups"):
        group_mean(np.zeros((3, 2)), ["a", "b"])


@settings(max_examples=60, deadline=None)
@given(
    X=arrays(
        np.float64,
        st.tuples(st.integers(1, 12), st.integers(1, 5)),
        elements=st.one_of(st.just(nan), st.floats(-1e6, 1e6)),
    ),
    data=st.data(),
)
def test_group_mean_never_changes_observed_values(X: np.ndarray, data: st.DataObject) -> None:
    groups = data.draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=len(X), max_size=len(X)))
    out, filled = group_mean(X, groups)
    observed = ~np.isnan(X)
    np.testing.assert_array_equal(out[observed], X[observed])
    assert not filled[observed].any()
    assert np.array_equal(filled, np.isnan(X) & ~np.isnan(out))


def test_carry_forward_takes_latest_earlier_value_only() -> None:
    # periods × units × variables
    s = np.array(
        [
            [[1.0, 5.0], [nan, 6.0]],
            [[2.0, nan], [nan, nan]],
            [[nan, nan], [nan, 8.0]],
            [[9.0, 9.0], [9.0, 9.0]],  # a later period must never be used
        ]
    )
    out, filled = carry_forward(s, 2)
    np.testing.assert_array_equal(out, [[2.0, 5.0], [nan, 8.0]])
    np.testing.assert_array_equal(filled, [[True, True], [False, False]])


def test_carry_forward_coinr_impute_purse_example() -> None:
    """COINr test-Impute.R "impute.purse": a 2022 gap takes the 2021 value."""
    s = np.array([[[3.0]], [[4.0]], [[nan]]])
    out, filled = carry_forward(s, -1)
    assert out[0, 0] == 4.0 and filled[0, 0]


def test_carry_forward_first_period_has_nothing_to_carry() -> None:
    s = np.array([[[nan]], [[1.0]]])
    out, filled = carry_forward(s, 0)
    assert np.isnan(out[0, 0]) and not filled[0, 0]
    with pytest.raises(MethodError):
        carry_forward(s, 5)


def _coinr_screen_matrix() -> np.ndarray:
    """COINr tests/testthat/test-Screen.R "screendf": 10 units × 10 indicators."""
    X = np.random.default_rng(1).uniform(size=(10, 10))
    X[0, 0:5] = nan  # 50% available
    X[1, 0] = nan  # 90% available
    X[2, 0:5] = 0.0  # zeros count as available
    return X


def test_screen_by_availability_coinr_test_screen() -> None:
    """COINr test-Screen.R: dat_thresh 0.75 removes only unit 1; dat_thresh 1 removes 1 and 2."""
    X = _coinr_screen_matrix()
    keep = screen_by_availability(X, 0.75)
    assert keep.tolist() == [False] + [True] * 9
    keep = screen_by_availability(X, 1.0)
    assert keep.tolist() == [False, False] + [True] * 8


def test_screen_keeps_unit_exactly_at_threshold() -> None:
    """COINr flags ``Dat_Avail < dat_thresh``, so availability == threshold is kept (≥)."""
    X = _coinr_screen_matrix()
    assert availability(X)[1] == 0.9
    assert screen_by_availability(X, 0.9)[1]
    assert not screen_by_availability(X, 0.9 + 1e-12)[1]


def test_availability_values_and_errors() -> None:
    X = np.array([[1.0, nan, 3.0, nan], [1.0, 2.0, 3.0, 4.0]])
    np.testing.assert_array_equal(availability(X), [0.5, 1.0])
    with pytest.raises(MethodError):
        availability(np.zeros((2, 0)))
    with pytest.raises(MethodError):
        screen_by_availability(X, 1.5)
