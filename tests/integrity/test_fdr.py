"""Benjamini–Hochberg q-values against scipy and the paper's worked example."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import false_discovery_control

from zhengji.errors import MethodError
from zhengji.integrity.fdr import bh_qvalues


def test_bh1995_worked_example_rejects_four() -> None:
    """Benjamini & Hochberg (1995, JRSS B 57:289, §4): 15 p-values, at q* = 0.05 BH rejects the
    four smallest (Bonferroni only three)."""
    p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240,
         0.4262, 0.5719, 0.6528, 0.7590, 1.0000]  # fmt: skip
    q = bh_qvalues(p)
    assert int((q <= 0.05).sum()) == 4
    np.testing.assert_allclose(q, false_discovery_control(p, method="bh"), rtol=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=1, max_size=60))
def test_equals_scipy_false_discovery_control(p: list[float]) -> None:
    q = bh_qvalues(p)
    np.testing.assert_allclose(q, false_discovery_control(p, method="bh"), rtol=1e-12, atol=0)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(min_value=0.0, max_value=1.0) | st.just(float("nan")), max_size=40))
def test_nan_aware_and_monotone(p: list[float]) -> None:
    arr = np.array(p, dtype=float)
    q = bh_qvalues(arr)
    nan = np.isnan(arr)
    assert np.array_equal(np.isnan(q), nan)
    if (~nan).any():
        np.testing.assert_allclose(
            q[~nan], false_discovery_control(arr[~nan], method="bh"), rtol=1e-12
        )
        order = np.argsort(arr[~nan], kind="stable")
        assert np.all(np.diff(q[~nan][order]) >= 0)
        assert np.all(q[~nan] >= arr[~nan] * (1 - 1e-12))


def test_rejects_values_outside_unit_interval() -> None:
    with pytest.raises(MethodError):
        bh_qvalues([0.1, 1.2])
