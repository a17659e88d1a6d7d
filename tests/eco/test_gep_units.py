"""GEP unit checks: m³ vs 万m³, t vs kg, hm² vs km², 元 vs 万元 are converted where the unit is
known and refused, with a message naming the units to use, where it is not.

Expected values are hand-computed (unit conversions only, written out in each docstring).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from zhengji.eco.gep import (
    account,
    carbon_dioxide_from_carbon,
    climate_regulation,
    default_prices,
    flood_regulation,
    load_prices,
    soil_retention,
    water_conservation,
)
from zhengji.eco.units import Quantity
from zhengji.errors import DataError, MethodError

P = default_prices()


def value(service: str, q: Quantity) -> float:
    return account("x", "2025", {service: q}, P).total()


def test_volume_m3_and_wan_m3_are_the_same_water() -> None:
    """520 万m³ = 5,200,000 m³ = 0.052 亿m³: same value, 5.2e6 × 6.1107 = 31,775,640 元."""
    vals = [value("water_conservation", Quantity(v, u)) for v, u in
            ((5.2e6, "m³"), (520, "万m³"), (0.052, "亿m³"), (520, "万m3"))]  # fmt: skip
    assert vals == [pytest.approx(31_775_640.0)] * 4


def test_mass_t_and_kg() -> None:
    """COD 2,500 kg = 2.5 t × 2,800 元/t = 7,000 元; carbon 1,200,000 kg = 1,200 t C → 4,400 t CO2."""
    assert value("water_purification_cod", Quantity(2500, "kg")) == pytest.approx(7000)
    assert value("water_purification_cod", Quantity(2.5, "t")) == pytest.approx(7000)
    co2 = carbon_dioxide_from_carbon(Quantity(1.2e6, "kg"))
    assert (co2.value, co2.unit) == (pytest.approx(4400), "t")


def test_money_yuan_wan_yi() -> None:
    """Material products 3.5 亿元 = 35,000 万元 = 3.5e8 元; totals in any of the three."""
    for q in (Quantity(3.5e8, "元"), Quantity(35_000, "万元"), Quantity(3.5, "亿元")):
        acc = account("x", "2025", {"material_products": q}, P)
        assert acc.total() == pytest.approx(3.5e8)
        assert acc.total(unit="万元") == pytest.approx(35_000)
        assert acc.total(unit="亿元") == pytest.approx(3.5)
    with pytest.raises(MethodError, match="元, 万元, 亿元"):
        acc.total(unit="t")


def test_area_hm2_km2_mu() -> None:
    """20 km² = 2,000 hm² = 30,000 亩: Q = 2,000 × (1250 − 430 − 560) × 10 = 5,200,000 m³ each
    way; soil retention 1 km² = 100 hm² × 240 × 0.95 = 22,800 t."""
    args = (1250, 430, 560)
    for q in (
        water_conservation(2000, *args),
        water_conservation(20, *args, area_unit="km²"),
        water_conservation(30_000, *args, area_unit="亩"),
        water_conservation(Quantity(20, "km²"), *args),
        water_conservation([10, 10], [1250] * 2, [430] * 2, [560] * 2, area_unit="km2"),
    ):
        assert q.value == pytest.approx(5_200_000)
    assert soil_retention(1, 4000, 0.03, 2.0, 0.05, 1.0, area_unit="km²").value == pytest.approx(
        22_800
    )


def test_climate_area_in_hm2_equals_km2() -> None:
    """EPP 200 kJ/(m²·d) on 10 km² = 1,000 hm² for 180 days, r = 3, no water surface:
    200 × 10⁷ m² × 180 / 10,800 = 33,333,333.3 kWh either way."""
    none = Quantity(0, "m³")
    a = climate_regulation(200, 10, 180, none)
    b = climate_regulation(200, 1000, 180, none, area_unit="hm²")
    c = climate_regulation(200, Quantity(1000, "hm²"), 180, none)
    assert a.value == pytest.approx(33_333_333.33) == b.value == c.value


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: water_conservation(20, 1250, 430, 560, area_unit="m³"), "hm², m², km², 亩"),
        (lambda: water_conservation(Quantity(20, "t"), 1250, 430, 560), "must be an area"),
        (lambda: soil_retention(100, 4000, 0.03, 2.0, 5, 100), "fraction 0–1, not percent"),
        (lambda: climate_regulation(200, 10, 180, Quantity(5, "t")), "m³, 万m³, 亿m³"),
        (lambda: climate_regulation(200, 10, 180, 5.0), "needs a Quantity"),  # type: ignore[arg-type]
        (lambda: carbon_dioxide_from_carbon(Quantity(5, "m³")), "t, kg, 万t"),
        (lambda: flood_regulation(Quantity(1, "亿m³"), Quantity(3, "km²")), "flood_regulation"),
    ],
)
def test_physical_functions_refuse_wrong_units(call: object, match: str) -> None:
    with pytest.raises(MethodError, match=match):
        call()  # type: ignore[operator]


def test_account_refuses_wrong_dimension_and_bare_numbers() -> None:
    with pytest.raises(MethodError, match=r"m³, 万m³, 亿m³, got t"):
        account("x", "2025", {"flood_regulation": Quantity(5, "t")}, P)
    with pytest.raises(MethodError, match="元, 万元, 亿元, got hm²"):
        account("x", "2025", {"material_products": Quantity(5, "hm²")}, P)
    with pytest.raises(MethodError, match="needs a Quantity"):
        account("x", "2025", {"recreation": 20_000}, P)  # type: ignore[dict-item]
    with pytest.raises(MethodError, match="未知单位"):
        Quantity(5, "立方英尺")


def _table(tmp_path: Path, old: str, new: str) -> Path:
    from importlib import resources

    text = resources.files("zhengji.eco").joinpath("prices.toml").read_text(encoding="utf-8")
    assert old in text
    f = tmp_path / "prices.toml"
    f.write_text(text.replace(old, new, 1), encoding="utf-8")
    return f


def test_price_in_wan_yuan_per_wan_m3(tmp_path: Path) -> None:
    """A price written as 6.1107 万元/万m³ (money_unit) is 6.1107 元/m³: same value as default."""
    f = _table(tmp_path, 'value = 6.1107\nper = "m³"',
               'value = 6.1107\nmoney_unit = "万元"\nper = "万m³"')  # fmt: skip
    mine = load_prices(f)
    q = Quantity(1000, "m³")
    assert value("water_conservation", q) == pytest.approx(6110.7)
    assert account("x", "1", {"water_conservation": q}, mine).total() == pytest.approx(6110.7)


@pytest.mark.parametrize(
    ("old", "new", "key", "match"),
    [
        ('value = 6.1107\nper = "m³"', 'value = 6.1107\nmoney_unit = "t"\nper = "m³"',
         "prices.reservoir_cost", "money_unit"),
        ("value = 1.3\n", "value = 1300\n", "parameters.soil_bulk_density", "kg/m³"),
        ("value = 0.0012\n", "value = 0.12\n", "parameters.soil_n_share", "g/kg"),
        ("value = 0.24\n", "value = 24\n", "parameters.deposition_ratio", "24 %"),
        ("value = 2260.0\n", "value = 2.26\n", "parameters.latent_heat", "kJ/kg"),
        ("equivalent_kg = 0.95\nper = \"t\"", "equivalent_kg = 0.95\nper = \"m³\"",
         "prices.so2_treatment", "per t or kg"),
        ("tax_rate = 2.4\nequivalent_kg = 0.95",
         "tax_rate = 2.4\nequivalent_kg = 0.95\nvalue = 2526.3158\nmoney_unit = \"万元\"",
         "prices.so2_treatment", "disagrees"),
    ],
)  # fmt: skip
def test_price_table_catches_wrong_units(
    tmp_path: Path, old: str, new: str, key: str, match: str
) -> None:
    with pytest.raises(DataError) as ei:
        load_prices(_table(tmp_path, old, new))
    (problem,) = ei.value.problems
    assert problem[2] == key and problem[1] is not None
    assert match in problem[3]


def test_tax_priced_entry_per_kg(tmp_path: Path) -> None:
    """SO2 priced per kg from the same rate: 2.4 / 0.95 = 2.5263 元/kg; 10 t → 25,263.16 元."""
    f = _table(tmp_path, 'equivalent_kg = 0.95\nper = "t"', 'equivalent_kg = 0.95\nper = "kg"')
    mine = load_prices(f)
    assert mine.price("so2_treatment").value == pytest.approx(2.4 / 0.95)
    acc = account("x", "1", {"air_purification_so2": Quantity(10, "t")}, mine)
    assert acc.total() == pytest.approx(25_263.158, rel=1e-6)


@pytest.mark.parametrize(
    ("old", "new", "key", "want"),
    [
        ('value = 6.1107\nper = "m³"', 'value = 6.1107\nper = "t"', "prices.reservoir_cost",
         "volume unit (m³"),
        ('value = 12.6\nper = "m³"', 'value = 12.6\nper = "t"', "prices.dredging_cost",
         "volume unit"),
        ('value = 17142.857\nper = "t"', 'value = 17142.857\nper = "m³"', "prices.fertiliser_n",
         "mass unit (t, kg"),
        ('value = 0.4556\nper = "kWh"', 'value = 0.4556\nper = "人次"', "prices.electricity",
         "energy unit"),
        ('value = 900.0\nper = "人次"', 'value = 900.0\nper = "kWh"', "prices.visit_spend",
         "visits unit"),
    ],
)  # fmt: skip
def test_price_per_must_fit_the_service(
    tmp_path: Path, old: str, new: str, key: str, want: str
) -> None:
    """A price per a unit of another dimension than the service it values is refused when the
    table is read (it used to load, then fail every GEP figure without naming the table)."""
    f = _table(tmp_path, old, new)
    with pytest.raises(DataError) as ei:
        load_prices(f)
    ((file, line, field, msg),) = ei.value.problems
    text = f.read_text(encoding="utf-8").splitlines()
    assert (file, field) == (str(f), key) and text[line - 1] == f"[{key}]"
    assert want in msg


def test_fertiliser_price_per_kg_is_per_t_times_1000(tmp_path: Path) -> None:
    """N at 17.142857 元/kg is 17,142.857 元/t: soil retention is valued the same (it used the
    number as given, 1000× too low)."""
    f = _table(tmp_path, 'value = 17142.857\nper = "t"', 'value = 17.142857\nper = "kg"')
    q = {"soil_retention": Quantity(1000, "t")}
    assert account("x", "1", q, load_prices(f)).total() == pytest.approx(
        account("x", "1", q, P).total(), rel=1e-9
    )


def test_valuation_error_names_table_entry_service_unit_and_year() -> None:
    """A table built in code (not parsed) can still hold a wrong unit: the error says where."""
    from dataclasses import replace

    from zhengji.eco.gep import PriceEntry

    bad = dict(P.prices)
    bad["reservoir_cost"] = PriceEntry(6.1107, "t", "水库", "x")
    table = replace(P, prices=bad)
    with pytest.raises(DataError) as ei:
        account("jiangkou", "2024", {"water_conservation": Quantity(5, "万m³")}, table)
    msg = str(ei.value)
    for part in (f"v{P.version}", "prices.reservoir_cost", "water_conservation", "jiangkou",
                 "2024", "万m³"):  # fmt: skip
        assert part in msg


def test_not_toml_says_so_in_english_too(tmp_path: Path) -> None:
    f = tmp_path / "p.toml"
    f.write_text("version = \n", encoding="utf-8")
    with pytest.raises(DataError, match="not valid TOML"):
        load_prices(f)
