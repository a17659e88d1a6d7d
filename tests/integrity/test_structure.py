"""Sum of parts: township figures must add up to the county total within the tolerance."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhengji.integrity.structure import sum_of_parts

UNITS = ["county", "t1", "t2", "t3"]
PERIODS = ["2022", "2023"]
TREE = {"county": ["t1", "t2", "t3"]}


def test_gap_beyond_tolerance_is_reported_with_sum_and_share() -> None:
    v = np.array([[100.0, 112.0], [30.0, 31.0], [40.0, 41.0], [30.0, 28.0]])
    (f,) = sum_of_parts(v, UNITS, PERIODS, TREE, "GDP", rel_tol=0.01)
    assert (f.unit_id, f.periods, f.check) == ("county", ("2023",), "sum_of_parts")
    assert f.evidence["children_sum"] == 100.0 and f.evidence["gap"] == 12.0
    assert f.evidence["gap_share"] == pytest.approx(12 / 112)
    assert f.p_value == 0.0 and f.severity == "high"  # 12 / 1.12 > 10 x tolerance
    assert "高出" in f.summary_zh and "exceeds" in f.summary_en


def test_within_tolerance_gives_no_finding_and_boundary_is_inclusive() -> None:
    v = np.array([[101.0, 100.0], [30.0, 30.0], [40.0, 40.0], [30.0, 30.0]])
    assert sum_of_parts(v, UNITS, PERIODS, TREE, "GDP", rel_tol=0.01) == []
    assert len(sum_of_parts(v, UNITS, PERIODS, TREE, "GDP", rel_tol=0.005)) == 1


def test_missing_child_or_unknown_unit_is_a_not_tested_statement() -> None:
    v = np.array([[100.0, 100.0], [30.0, np.nan], [40.0, 40.0], [30.0, 30.0]])
    (f,) = sum_of_parts(v, UNITS, PERIODS, TREE, "GDP")
    assert f.severity == "info" and np.isnan(f.p_value) and "t2" not in f.summary_en
    assert "t1" in f.summary_en and f.periods == ("2023",)
    (g,) = sum_of_parts(v, UNITS, PERIODS, {"county": ["t9"]}, "GDP")
    assert g.severity == "info" and "t9" in g.summary_en


@settings(max_examples=40, deadline=None)
@given(
    st.floats(0.01, 1e4), st.lists(st.floats(0, 1e3), min_size=3, max_size=3), st.floats(-50, 50)
)
def test_scaling_all_values_changes_no_finding(scale: float, kids: list[float], gap: float) -> None:
    """Relative tolerance: the verdict does not depend on the unit of measurement."""
    v = np.array([[sum(kids) + gap, 0.0], *[[k, 0.0] for k in kids]])
    a = sum_of_parts(v, UNITS, PERIODS, TREE, "GDP", rel_tol=0.02)
    b = sum_of_parts(v * scale, UNITS, PERIODS, TREE, "GDP", rel_tol=0.02)
    assert [(f.unit_id, f.periods, f.severity) for f in a] == [
        (f.unit_id, f.periods, f.severity) for f in b
    ]
    for fa, fb in zip(a, b, strict=True):
        assert fb.evidence["gap_share"] == pytest.approx(fa.evidence["gap_share"], rel=1e-9)
