"""The GEP page's data (``views.gep``) with rows an older version stored unchecked."""

from __future__ import annotations

import logging

import pytest

from zhengji.eco import pricebook
from zhengji.eco import views as vw
from zhengji.eco.importer import store_gep_inputs

from .conftest import World


def test_gep_page_skips_a_non_numeric_year_and_gdp_only_years(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """A stored year '二〇二四' used to crash the page (int(year)); a year with GDP but no
    service used to show GEP 0 and growth −100 %."""
    rows = [
        ("2023", "recreation", 100, "万人次"),
        ("2023", "gdp", 100, "亿元"),
        ("二〇二四", "recreation", 120, "万人次"),
        ("2024", "gdp", 110, "亿元"),
        ("2025", "recreation", 130, "万人次"),
    ]
    with world.store.transaction() as s:
        store_gep_inputs(
            s,
            [
                {"unit_id": "jiangkou", "year": y, "service": svc, "quantity": q, "unit": u,
                 "source": "older version"}
                for y, svc, q, u in rows
            ],
        )  # fmt: skip
    with caplog.at_level(logging.WARNING), world.store.transaction() as s:
        got, _ = vw.gep(s, lambda _: True, pricebook.builtin(), False)
    assert [r["year"] for r in got] == ["2023", "2025"]
    r2025 = got[1]
    assert r2025["growth"] is None and r2025["two_way"] is None
    assert r2025["gep_yi"] == pytest.approx(130e4 * 900 / 1e8)  # 900 元 per visit (built-in)
    assert "二〇二四" in caplog.text and "2024" in caplog.text
