"""Unit checks: conversions within a dimension, refusals across dimensions."""

from __future__ import annotations

import pytest

from zhengji.eco.units import Price, Quantity
from zhengji.errors import MethodError


def test_conversions() -> None:
    assert Quantity(1.0, "亿m³").to("万m³").value == pytest.approx(1e4)
    assert Quantity(15.0, "亩").to("hm²").value == pytest.approx(1.0)
    assert Quantity(1.0, "km²").to("hm²").value == pytest.approx(100.0)
    assert Quantity(2500.0, "kg").to("t").value == pytest.approx(2.5)
    assert Quantity(3.0, "亿元").to("万元").value == pytest.approx(3e4)
    assert Quantity(1.0, "m3").unit == "m³"  # ASCII spelling accepted


def test_price_times_quantity_checks_dimension() -> None:
    p = Price(6.1107, "m³")
    assert p.times(Quantity(1.0, "万m³")).value == pytest.approx(61107.0)
    assert p.times(Quantity(1.0, "万m³")).unit == "元"
    with pytest.raises(MethodError, match="cannot value"):
        p.times(Quantity(1.0, "t"))
    with pytest.raises(MethodError, match="cannot convert"):
        Quantity(1.0, "t").to("m³")
    with pytest.raises(MethodError, match="unknown unit"):
        Quantity(1.0, "gallon")
    assert (Quantity(1.0, "t") + Quantity(500.0, "kg")).value == pytest.approx(1.5)
