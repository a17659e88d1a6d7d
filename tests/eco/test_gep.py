"""GEP accounting: every service against a HAND-COMPUTED example (not from a paper), the price
table, and the latent indicators.

Formulas follow 《生态产品总值核算规范（试行）》(NDRC & NBS 2022); default prices are those of
LY/T 1721-2008 Annex A and the Environmental Protection Tax Law (cited in
``zhengji/eco/prices.toml``). Each expected value below is worked out by hand in the docstring, so
a reader can check it with a calculator. They pin the physical formulas (P − R − ET, RUSLE,
evaporation energy…) that the published papers do not print; ``test_gep_published.py`` checks
the valuation of each account against the quantities, prices and values published by
白玛卓嘎 et al. 2017 (Ganzi) and 缪建群 et al. 2017 (Gaotianyan), plus published totals, and
``test_gep_units.py`` the units.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from zhengji.eco.gep import (
    account,
    carbon_dioxide_from_carbon,
    climate_regulation,
    default_prices,
    effective_price,
    flood_regulation,
    load_prices,
    oxygen_from_carbon_dioxide,
    soil_retention,
    water_conservation,
)
from zhengji.eco.indicators import gep_rows
from zhengji.eco.units import Quantity
from zhengji.errors import DataError, MethodError

P = default_prices()


def test_water_conservation_hand_example() -> None:
    """2,000 hm² forest, P 1,250 mm, R 430 mm, ET 560 mm: Q = 2000 × (1250−430−560) × 10
    = 5,200,000 m³; value = 5.2e6 m³ × 6.1107 元/m³ (LY/T 1721 reservoir cost) = 31,775,640 元."""
    q = water_conservation([1200, 800], [1250, 1250], [430, 430], [560, 560])
    assert (q.value, q.unit) == (pytest.approx(5_200_000), "m³")
    acc = account("x", "2025", {"water_conservation": q}, P)
    assert acc.total() == pytest.approx(31_775_640.0)


def test_soil_retention_hand_example() -> None:
    """100 hm², R 4000, K 0.03, LS 2.0, C 0.05, P 1.0: RKLS = 240 t/hm², retained
    240 × (1 − 0.05) × 100 = 22,800 t. Price per t: sediment 0.24 / 1.3 × 12.6 = 2.326154;
    nutrients 0.0012 × 17,142.857 + 0.0005 × 15,989.34 = 28.566098; sum 30.892252 元/t;
    value 22,800 × 30.892252 = 704,343.3 元."""
    q = soil_retention(100, 4000, 0.03, 2.0, 0.05, 1.0)
    assert q.value == pytest.approx(22_800)
    assert effective_price("soil_retention", P).value == pytest.approx(30.892252, rel=1e-6)
    assert account("x", "2025", {"soil_retention": q}, P).total() == pytest.approx(
        704_343.3, rel=1e-6
    )


def test_carbon_and_oxygen_hand_example() -> None:
    """1,200 t C → CO2 = 1200 × 44/12 = 4,400 t → O2 = 4400 × 32/44 = 3,200 t; values
    4,400 × 327.27 = 1,439,988 元 and 3,200 × 1,000 = 3,200,000 元."""
    co2 = carbon_dioxide_from_carbon(Quantity(1200, "t"))
    o2 = oxygen_from_carbon_dioxide(co2)
    assert co2.value == pytest.approx(4400) and o2.value == pytest.approx(3200)
    acc = account("x", "2025", {"carbon_sequestration": co2, "oxygen_release": o2}, P)
    assert [ln.value for ln in acc.lines] == [pytest.approx(1_439_988), pytest.approx(3_200_000)]


def test_climate_regulation_hand_example() -> None:
    """EPP 200 kJ/(m²·d) on 10 km² for 180 days, r = 3: 200 × 10 × 180 × 10⁶ / 10,800
    = 33,333,333.3 kWh; evaporation 10⁶ m³: 10⁶ × 1000 × 2260 / 10,800 = 209,259,259.3 kWh;
    total 242,592,592.6 kWh × 0.4556 元/kWh = 110,525,185.2 元."""
    kwh = climate_regulation(200, 10, 180, Quantity(100, "万m³"))
    assert kwh.value == pytest.approx(242_592_592.6)
    assert account("x", "2025", {"climate_regulation": kwh}, P).total() == pytest.approx(
        110_525_185.2
    )


def test_flood_air_recreation_material_hand_example() -> None:
    """Flood: 1.2 亿m³ + 3,000 万m³ = 1.5e8 m³ × 6.1107 = 916,605,000 元; SO2 12.5 t ×
    (2.4 元/当量 × 1000 / 0.95 kg = 2,526.3158 元/t) = 31,578.95 元; recreation 2 万人次 × 900
    = 18,000,000 元; material 3.5 亿元."""
    flood = flood_regulation(Quantity(1.2, "亿m³"), Quantity(3000, "万m³"))
    acc = account("x", "2025", {
        "flood_regulation": flood, "air_purification_so2": Quantity(12.5, "t"),
        "recreation": Quantity(2, "万人次"), "material_products": Quantity(3.5, "亿元"),
    }, P)  # fmt: skip
    values = {ln.service: ln.value for ln in acc.lines}
    assert values == {
        "flood_regulation": pytest.approx(916_605_000),
        "air_purification_so2": pytest.approx(31_578.947),
        "recreation": pytest.approx(18_000_000),
        "material_products": pytest.approx(3.5e8),
    }
    assert acc.total("cultural") == pytest.approx(18_000_000)
    assert acc.total() == pytest.approx(916_605_000 + 31_578.947 + 18_000_000 + 3.5e8)


def test_unit_mismatch_is_refused() -> None:
    with pytest.raises(MethodError, match="m³"):
        account("x", "2025", {"water_conservation": Quantity(5, "t")}, P)
    with pytest.raises(DataError, match="unknown GEP service"):
        account("x", "2025", {"biodiversity": Quantity(5, "t")}, P)


def test_gep_indicators_growth_and_two_way() -> None:
    """GEP 100 → 110 → 105 亿元, GDP 200 → 206 → 212.18: growth 10 % then −4.545 %; GDP growth
    3 % both years; two-way = min(GEP, GDP growth) = 3 % then −4.545 %."""
    gep = {"2023": 100e8, "2024": 110e8, "2025": 105e8}
    gdp = {"2023": 200e8, "2024": 206e8, "2025": 212.18e8}
    rows = {(r.period, r.indicator_id): r.value for r in gep_rows("c", gep, gdp)}
    assert ("2023", "eco_gep_growth") not in rows  # no previous year: left out, not zero
    assert rows["2024", "eco_gep_growth"] == pytest.approx(10.0)
    assert rows["2025", "eco_gep_growth"] == pytest.approx(-4.5454545)
    assert rows["2024", "eco_gep_two_way"] == pytest.approx(3.0)
    assert rows["2025", "eco_gep_two_way"] == pytest.approx(-4.5454545)
    assert rows["2025", "eco_gep_gdp_ratio"] == pytest.approx(105 / 212.18)
    assert all(r.source == "derived" for r in gep_rows("c", gep, gdp))


def test_price_table_is_replaceable_and_validated(tmp_path: Path) -> None:
    text = default_prices_text().replace("value = 6.1107", "value = 7.0")
    f = tmp_path / "prices.toml"
    f.write_text(text, encoding="utf-8")
    mine = load_prices(f)
    q = Quantity(1000, "m³")
    assert account("x", "1", {"water_conservation": q}, mine).total() == pytest.approx(7000)
    f.write_text(text.replace('per = "kWh"', 'per = "gallon"'), encoding="utf-8")
    with pytest.raises(DataError) as ei:
        load_prices(f)
    assert ei.value.problems[0][2] == "prices.electricity" and ei.value.problems[0][1] is not None
    assert dataclasses.is_dataclass(P) and P.version == "2026.3"
    assert all(e.source for e in P.prices.values())


def default_prices_text() -> str:
    from importlib import resources

    return resources.files("zhengji.eco").joinpath("prices.toml").read_text(encoding="utf-8")
