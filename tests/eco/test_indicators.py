"""GEP indicators over series that hold years an older version stored unchecked."""

from __future__ import annotations

import math

import pytest

from zhengji.eco.indicators import gep_rows, growth


def test_growth_of_a_non_numeric_year_is_not_computed() -> None:
    """int('二〇二四') used to raise ValueError and stop `gep indicators` and the page."""
    series = {"2023": 100.0, "2024": 110.0, "二〇二四": 5.0, "20x4": 7.0}
    assert growth(series, "2024") == pytest.approx(10.0)  # 110 / 100 − 1
    assert math.isnan(growth(series, "二〇二四")) and math.isnan(growth(series, "20x4"))
    rows = gep_rows("u", series, {"2024": 220.0})
    got = {(r.period, r.indicator_id) for r in rows}
    assert ("2024", "eco_gep_growth") in got and ("二〇二四", "eco_gep_growth") not in got
