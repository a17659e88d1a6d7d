"""GEP accounting (生态产品总值): physical quantity × price per service, summed per account.

Follows the structure of 《生态产品总值核算规范（试行）》(NDRC & NBS, 2022) and GB/T 46869-2025:
GEP = material products + regulating services + cultural services; every service is a
physical quantity (m³, t, kWh, 人次 …) valued at a price from a versioned, cited price table
(``zhengji/eco/prices.toml``; users replace it). The physical formulas are pure functions
over plain numbers or NumPy arrays (one value per ecosystem patch or type), summed.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from zhengji.eco.units import UNITS, Price, Quantity, dimension_of, to_base
from zhengji.errors import DataError, MethodError

__all__ = [
    "ACCOUNTS",
    "SERVICES",
    "GepAccount",
    "GepLine",
    "PriceTable",
    "Service",
    "account",
    "carbon_dioxide_from_carbon",
    "carbon_from_dry_matter",
    "climate_regulation",
    "default_prices",
    "effective_price",
    "flood_regulation",
    "load_prices",
    "oxygen_from_carbon_dioxide",
    "parse_prices",
    "soil_retention",
    "soil_retention_nutrient",
    "soil_retention_sediment",
    "units_of",
    "water_conservation",
]

ACCOUNTS = {"material": "物质产品", "regulating": "调节服务", "cultural": "文化服务"}


@dataclass(frozen=True)
class Service:
    id: str
    account: str
    name: str
    name_en: str
    unit: str  # physical unit the inputs are given in (any unit of the same dimension works)


SERVICES: dict[str, Service] = {
    s.id: s
    for s in (
        Service(
            "material_products", "material", "物质产品（农林牧渔产值）", "Material products", "元"
        ),
        Service("water_conservation", "regulating", "水源涵养", "Water conservation", "m³"),
        Service("soil_retention", "regulating", "土壤保持", "Soil retention", "t"),
        Service("flood_regulation", "regulating", "洪水调蓄", "Flood regulation", "m³"),
        Service(
            "carbon_sequestration", "regulating", "固碳（CO2）", "Carbon sequestration (CO2)", "t"
        ),
        Service("oxygen_release", "regulating", "释氧", "Oxygen release", "t"),
        Service(
            "air_purification_so2", "regulating", "空气净化：二氧化硫", "Air purification: SO2", "t"
        ),
        Service(
            "air_purification_nox", "regulating", "空气净化：氮氧化物", "Air purification: NOx", "t"
        ),
        Service(
            "air_purification_dust", "regulating", "空气净化：粉尘", "Air purification: dust", "t"
        ),
        Service(
            "water_purification_cod", "regulating", "水质净化：COD", "Water purification: COD", "t"
        ),
        Service(
            "water_purification_nh3n",
            "regulating",
            "水质净化：氨氮",
            "Water purification: NH3-N",
            "t",
        ),
        Service(
            "water_purification_tp", "regulating", "水质净化：总磷", "Water purification: TP", "t"
        ),
        Service("climate_regulation", "regulating", "气候调节", "Climate regulation", "kWh"),
        Service("recreation", "cultural", "休闲旅游", "Recreation and tourism", "人次"),
        # 物质产品 by quantity × price (规范（试行）: 水资源 and 生态能源 are material products;
        # 林业产品 include timber), each use of water at its own price. Their prices are
        # optional in a price table (_OPTIONAL_PRICES): only a table that values them needs them.
        Service(
            "water_supply_domestic", "material", "水资源：生活用水", "Water supply: domestic", "m³"
        ),
        Service(
            "water_supply_industrial",
            "material",
            "水资源：工业用水",
            "Water supply: industrial",
            "m³",
        ),
        Service(
            "water_supply_agricultural",
            "material",
            "水资源：农业用水",
            "Water supply: agricultural",
            "m³",
        ),
        Service("hydropower", "material", "生态能源：水力发电", "Hydropower", "kWh"),
        Service("timber", "material", "林业产品：木材", "Timber", "m³"),
    )
}

_PRICE_OF = {
    "material_products": "market_value",
    "water_conservation": "reservoir_cost",
    "flood_regulation": "reservoir_cost",
    "carbon_sequestration": "carbon",
    "oxygen_release": "oxygen",
    "air_purification_so2": "so2_treatment",
    "air_purification_nox": "nox_treatment",
    "air_purification_dust": "dust_treatment",
    "water_purification_cod": "cod_treatment",
    "water_purification_nh3n": "nh3n_treatment",
    "water_purification_tp": "tp_treatment",
    "climate_regulation": "electricity",
    "recreation": "visit_spend",
    "water_supply_domestic": "water_domestic",
    "water_supply_industrial": "water_industrial",
    "water_supply_agricultural": "water_agricultural",
    "hydropower": "hydropower_tariff",
    "timber": "timber",
}
#: prices a table may leave out (no national default; a table that values the service adds them)
#: prices of the soil_retention composite (effective_price): dredging per volume of sediment,
#: N and P per mass of nutrient
_SOIL_PRICES = {"dredging_cost": "volume", "fertiliser_n": "mass", "fertiliser_p": "mass"}
_OPTIONAL_PRICES = frozenset(
    {"water_domestic", "water_industrial", "water_agricultural", "hydropower_tariff", "timber"}
)


@dataclass(frozen=True)
class PriceEntry:
    value: float
    per: str
    name: str
    source: str


@dataclass(frozen=True)
class PriceTable:
    """A versioned price table; ``prices`` in 元 per unit, ``parameters`` dimensionless or noted."""

    version: str
    prices: Mapping[str, PriceEntry]
    parameters: Mapping[str, float]
    sources: Mapping[str, str]
    source: str

    def price(self, pid: str) -> Price:
        if pid not in self.prices:
            raise DataError(
                f"价格表缺少 price table {self.source} has no price '{pid}'; "
                f"add [prices.{pid}] with value, per and source"
            )
        e = self.prices[pid]
        return Price(e.value, e.per)


def default_prices() -> PriceTable:
    text = resources.files("zhengji.eco").joinpath("prices.toml").read_text(encoding="utf-8")
    return parse_prices(text, "zhengji/eco/prices.toml")


def load_prices(path: str | Path) -> PriceTable:
    p = Path(path)
    return parse_prices(p.read_text(encoding="utf-8"), str(p))


def parse_prices(text: str, source: str = "<prices>") -> PriceTable:
    """Validate a price table: every price positive, in 元 (or 万元/亿元) per a known unit, with a
    source; parameters within a plausible range, so a value in the wrong unit is caught here.

    A treatment cost may be given as ``tax_rate`` (元 per pollution equivalent) and
    ``equivalent_kg`` (kg per equivalent, Environmental Protection Tax Law schedule) instead of a
    ``value``: the price per t is then rate × 1000 / equivalent, so a user changes one number.
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(
            "价格表不是有效的TOML the price table is not valid TOML",
            [(source, _toml_line(exc), None, str(exc))],
        ) from None
    problems: list[tuple[str, int | None, str | None, str]] = []
    prices: dict[str, PriceEntry] = {}
    prices_seen: set[str] = set()  # invalid entries, reported once, not again as missing
    lines = text.splitlines()

    def line_of(header: str) -> int | None:
        return next((n + 1 for n, ln in enumerate(lines) if ln.strip() == f"[{header}]"), None)

    if not isinstance(raw.get("version"), str):
        problems.append((source, None, "version", "缺少版本 missing version (a string)"))
    for pid, e in dict(raw.get("prices", {})).items():
        where = (source, line_of(f"prices.{pid}"), f"prices.{pid}")
        try:
            dim = dimension_of(str(e.get("per", "")))
            v = _price_value(e)
            _check_per(pid, dim)
            if not str(e.get("source", "")).strip():
                raise ValueError("须注明来源 a price needs a source")
            prices[pid] = PriceEntry(v, str(e["per"]), str(e.get("name", pid)), str(e["source"]))
        except (KeyError, ValueError, TypeError, MethodError) as exc:
            problems.append((*where, _msg(exc)))
            prices_seen.add(pid)
    params: dict[str, float] = {}
    sources: dict[str, str] = {}
    for pid, e in dict(raw.get("parameters", {})).items():
        try:
            params[pid] = float(e["value"])
            sources[pid] = str(e.get("source", ""))
            _check_parameter(pid, params[pid])
        except (KeyError, ValueError, TypeError) as exc:
            problems.append((source, line_of(f"parameters.{pid}"), f"parameters.{pid}", _msg(exc)))
    for pid in sorted(set(_PRICE_OF.values()) - _OPTIONAL_PRICES - set(prices) - prices_seen):
        problems.append((source, None, f"prices.{pid}", "缺少此价格 this price is missing"))
    if problems:
        raise DataError(f"价格表有误 price table {source} is invalid", problems)
    return PriceTable(str(raw["version"]), prices, params, sources, source)


def _dimension_wanted(pid: str) -> tuple[str, list[str]] | None:
    """The unit dimension price ``pid`` must be per, and the services it values."""
    if pid in _SOIL_PRICES:
        return _SOIL_PRICES[pid], ["soil_retention"]
    valued = [sid for sid, p in _PRICE_OF.items() if p == pid]
    if not valued:
        return None  # not a price a service uses: nothing to check against
    return dimension_of(SERVICES[valued[0]].unit), valued


def _check_per(pid: str, dim: str) -> None:
    want = _dimension_wanted(pid)
    if want is not None and dim != want[0]:
        raise ValueError(
            f"计价单位量纲不对 'per' must be a {want[0]} unit ({', '.join(units_of(want[0]))}): "
            f"this price values {', '.join(want[1])}; got a {dim} unit"
        )


def _msg(exc: Exception) -> str:
    return f"缺少 missing key {exc}" if isinstance(exc, KeyError) else str(exc)


def _price_value(e: Mapping[str, Any]) -> float:
    """元 per ``per``: ``value`` in ``money_unit`` (元 by default), or tax rate (元 per
    pollution equivalent) × 1000 / equivalent (kg), which is 元 per t."""
    money = str(e.get("money_unit", "元"))
    if dimension_of(money) != "money":
        raise ValueError(
            f"money_unit 须为货币单位 must be 元, 万元 or 亿元, got '{money}' "
            "(the physical unit goes in 'per')"
        )
    if "tax_rate" in e or "equivalent_kg" in e:
        rate, eq = float(e["tax_rate"]), float(e["equivalent_kg"])
        if not (rate > 0 and eq > 0):
            raise ValueError("税额与污染当量值须为正 tax_rate and equivalent_kg must be positive")
        if dimension_of(str(e["per"])) != "mass":
            raise ValueError("按污染当量计价须 per 质量 a tax-based price must be per t or kg")
        # 元/当量 × 当量/t = 元/t, then × t per `per`
        derived = rate * 1000.0 / eq * to_base(1.0, str(e["per"]))
        if "value" in e and not math.isclose(
            to_base(float(e["value"]), money), derived, rel_tol=1e-4
        ):
            raise ValueError(
                f"value {e['value']} 与税额折算不符 disagrees with tax_rate × 1000 / equivalent_kg "
                f"= {derived:.4f} 元/{e['per']}; drop 'value' or fix it"
            )
        return derived
    v = to_base(float(e["value"]), money)
    if not v > 0:
        raise ValueError("价格须为正 price must be positive")
    return v


#: plausible range of a parameter and what a value outside it most likely means
_PARAMETER_RANGES: dict[str, tuple[float, float, str]] = {
    "deposition_ratio": (0.0, 1.0, "a fraction 0–1 (24 % → 0.24)"),
    "soil_bulk_density": (0.05, 3.0, "t/m³ = g/cm³ (1300 kg/m³ → 1.3)"),
    "soil_n_share": (0.0, 0.05, "a mass fraction (1.2 g/kg = 0.12 % → 0.0012)"),
    "soil_p_share": (0.0, 0.05, "a mass fraction (0.5 g/kg = 0.05 % → 0.0005)"),
    "ac_efficiency": (1.0, 10.0, "the air conditioner's energy efficiency ratio, about 3"),
    "latent_heat": (2000.0, 2600.0, "kJ/kg (2.26 MJ/kg → 2260)"),
}


def _check_parameter(pid: str, v: float) -> None:
    if pid in _PARAMETER_RANGES:
        lo, hi, unit = _PARAMETER_RANGES[pid]
        if not lo < v <= hi:
            raise ValueError(
                f"{v:g} 超出合理范围 outside ({lo:g}, {hi:g}]: is it in the wrong unit? give {unit}"
            )


# --- physical quantities (pure) -----------------------------------------------------------------
def _sum(x: ArrayLike) -> float:
    return float(np.sum(np.asarray(x, dtype=float)))


def units_of(dimension: str) -> list[str]:
    """Units of one dimension (e.g. ``"area"`` → hm², m², km², 亩), for error messages."""
    return [u for u, (d, _) in UNITS.items() if d == dimension]


def _area_hm2(area: ArrayLike | Quantity, unit: str, what: str) -> np.ndarray:
    """Areas in hm²: a :class:`Quantity` carries its unit, plain numbers are in ``unit``."""
    if isinstance(area, Quantity):
        if area.dimension != "area":
            raise MethodError(
                f"单位不对 {what} must be an area ({', '.join(units_of('area'))}), got {area.unit}"
            )
        return np.asarray(area.to("hm²").value, dtype=float)
    try:
        dim = dimension_of(unit)
    except MethodError:
        dim = ""
    if dim != "area":
        raise MethodError(
            f"单位不对 area_unit of {what} must be one of {', '.join(units_of('area'))}, "
            f"got '{unit}'"
        )
    return np.asarray(area, dtype=float) * to_base(1.0, unit)


def water_conservation(
    area_hm2: ArrayLike | Quantity,
    precipitation_mm: ArrayLike,
    runoff_mm: ArrayLike,
    evapotranspiration_mm: ArrayLike,
    *,
    area_unit: str = "hm²",
) -> Quantity:
    """Water balance: Q = Σ A_i (P_i − R_i − ET_i); 1 hm² × 1 mm = 10 m³.

    Areas are hm² unless ``area_unit`` says otherwise (``"km²"``, ``"亩"`` …) or the area is a
    :class:`Quantity`; P, R and ET are mm a year.
    """
    a = _area_hm2(area_hm2, area_unit, "water_conservation area")
    p, r, et = (
        np.asarray(v, dtype=float) for v in (precipitation_mm, runoff_mm, evapotranspiration_mm)
    )
    return Quantity(_sum(a * (p - r - et) * 10.0), "m³")


def soil_retention(
    area_hm2: ArrayLike | Quantity,
    r: ArrayLike,
    k: ArrayLike,
    ls: ArrayLike,
    c: ArrayLike,
    p: ArrayLike,
    *,
    area_unit: str = "hm²",
) -> Quantity:
    """RUSLE difference between potential and actual erosion: Σ A_i R K LS (1 − C·P), in t.

    ``r`` in MJ·mm/(hm²·h·a), ``k`` in t·hm²·h/(hm²·MJ·mm): R·K·LS is t/hm² a year. Areas are
    hm² unless ``area_unit`` says otherwise; C and P are fractions 0–1 (not percent).
    """
    a = _area_hm2(area_hm2, area_unit, "soil_retention area")
    rr, kk, lls, cc, pp = (np.asarray(v, dtype=float) for v in (r, k, ls, c, p))
    for name, f in (("C", cc), ("P", pp)):
        if np.any((f < 0) | (f > 1)):
            raise MethodError(
                f"{name} 因子须在0–1之间 the {name} factor is a fraction 0–1, not percent "
                f"(got {float(np.max(f)):g})"
            )
    return Quantity(_sum(a * rr * kk * lls * (1.0 - cc * pp)), "t")


def soil_retention_sediment(
    retained: Quantity, deposition_ratio: float, bulk_density_t_m3: float
) -> Quantity:
    """Sediment kept out of reservoirs and rivers: λ × A / ρ, in m³ (the quantity the dredging
    cost values). λ is the share of eroded soil that settles in water (0–1, often 0.24), ρ the
    soil bulk density in t/m³."""
    a = _need(retained, "mass", "soil retained").to("t").value
    checks = (("deposition_ratio", deposition_ratio), ("soil_bulk_density", bulk_density_t_m3))
    for pid, v in checks:
        try:
            _check_parameter(pid, v)
        except ValueError as exc:
            raise MethodError(f"{pid}: {exc}") from None
    return Quantity(a * deposition_ratio / bulk_density_t_m3, "m³")


def soil_retention_nutrient(retained: Quantity, share: float) -> Quantity:
    """N, P (K, organic matter…) held in the retained soil: A × share, in t (the quantity the
    fertiliser or treatment price values); ``share`` is a mass fraction (0.37 % → 0.0037,
    1.52 g/kg → 0.00152)."""
    a = _need(retained, "mass", "soil retained").to("t").value
    if not 0.0 <= share < 1.0:
        raise MethodError(
            "养分含量须为质量分数 share must be a mass fraction 0–1 (0.37 % → 0.0037), "
            f"got {share:g}"
        )
    return Quantity(a * share, "t")


def flood_regulation(*storages: Quantity) -> Quantity:
    """Flood storage of vegetation, lakes, reservoirs and wetlands (each already in volume)."""
    total = Quantity(0.0, "m³")
    for s in storages:
        _need(s, "volume", "flood_regulation storage")
        total = total + s
    return total


def carbon_from_dry_matter(dry_matter: Quantity) -> Quantity:
    """Carbon in plant dry matter (NPP given as biomass, C6H10O5): × M(C6)/M(C6H10O5) = 72/162.

    Papers that give NPP as dry matter print CO2 = NPP × 1.63 and O2 = NPP × 1.19: these are
    72/162 × 44/12 = 264/162 and 264/162 × 32/44 = 192/162 to two decimals, so chain this with
    :func:`carbon_dioxide_from_carbon` and :func:`oxygen_from_carbon_dioxide`.
    """
    dm = _need(dry_matter, "mass", "dry matter (NPP as biomass)").to("t")
    return Quantity(dm.value * 72.0 / 162.0, "t")


def carbon_dioxide_from_carbon(carbon: Quantity) -> Quantity:
    """CO2 fixed from carbon fixed: × M(CO2)/M(C) = 44/12."""
    c = _need(carbon, "mass", "carbon fixed").to("t")
    return Quantity(c.value * 44.0 / 12.0, "t")


def oxygen_from_carbon_dioxide(co2: Quantity) -> Quantity:
    """Photosynthesis releases one O2 per CO2 fixed: × M(O2)/M(CO2) = 32/44."""
    return Quantity(_need(co2, "mass", "CO2 fixed").to("t").value * 32.0 / 44.0, "t")


def climate_regulation(
    transpiration_kj_m2_d: ArrayLike,
    area_km2: ArrayLike | Quantity,
    days: float,
    evaporation: Quantity,
    ac_efficiency: float = 3.0,
    latent_heat_kj_kg: float = 2260.0,
    *,
    area_unit: str = "km²",
    humidifier_kwh_m3: float = 0.0,
    evaporation_ac_efficiency: float | None = None,
) -> Quantity:
    """Energy the vegetation and water surfaces take from the air, as air-conditioning kWh.

    Transpiration: Σ EPP_i × S_i × D × 10⁶ / (3600 × r) (EPP kJ/(m²·d), S km², D days);
    evaporation: W (m³) × 1000 kg/m³ × q (kJ/kg) / (3600 × r) + W × γ. 3600 kJ = 1 kWh. Areas
    are km² unless ``area_unit`` says otherwise or the area is a :class:`Quantity`.

    γ (``humidifier_kwh_m3``, kWh a humidifier uses to turn 1 m³ of water into vapour) is 0 by
    default; 白玛卓嘎 et al. 2017 (生态学报 37(19), §2.4.8) add it and divide the evaporation
    energy by no efficiency: pass ``evaporation_ac_efficiency=1`` for their variant (by default
    the evaporation term uses ``ac_efficiency`` as the transpiration term does).
    """
    epp = np.asarray(transpiration_kj_m2_d, dtype=float)
    s_m2 = _area_hm2(area_km2, area_unit, "climate_regulation area") * 1e4
    r_evap = ac_efficiency if evaporation_ac_efficiency is None else evaporation_ac_efficiency
    if ac_efficiency <= 0 or r_evap <= 0:
        raise MethodError("空调能效比须为正 the air-conditioner efficiency ratio must be positive")
    if humidifier_kwh_m3 < 0:
        raise MethodError("加湿器耗电量不能为负 humidifier_kwh_m3 must be 0 or more (kWh per m³)")
    w = _need(evaporation, "volume", "water surface evaporation").to("m³").value
    tt = _sum(epp * s_m2) * days / (3600.0 * ac_efficiency)
    we = w * 1000.0 * latent_heat_kj_kg / (3600.0 * r_evap) + w * humidifier_kwh_m3
    return Quantity(tt + we, "kWh")


def _need(q: object, dimension: str, what: str) -> Quantity:
    """``q`` as a Quantity of ``dimension``, or an error that names the units to use."""
    ok = ", ".join(units_of(dimension))
    if not isinstance(q, Quantity):
        raise MethodError(
            f"缺少单位 {what} needs a Quantity with its unit ({ok}), "
            f"e.g. Quantity(3.2, '{units_of(dimension)[-1]}'); got {q!r}"
        )
    if q.dimension != dimension:
        raise MethodError(f"单位不对 {what} must be in {ok}, got {q.unit}")
    return q


# --- valuation ----------------------------------------------------------------------------------
def effective_price(service: str, prices: PriceTable) -> Price:
    """元 per physical unit of ``service``; soil retention combines two avoided costs:

    sediment (λ/ρ × dredging cost per m³) and non-point pollution (N and P content × the price of
    N and P in fertiliser), both per t of soil retained.
    """
    if service == "soil_retention":
        pm = prices.parameters
        try:
            lam, rho = pm["deposition_ratio"], pm["soil_bulk_density"]
            n, p = pm["soil_n_share"], pm["soil_p_share"]
        except KeyError as exc:
            raise DataError(f"价格表缺少参数 price table lacks parameter {exc}") from None
        sediment = lam / rho * prices.price("dredging_cost").times(Quantity(1.0, "m³")).value

        def per_t(pid: str) -> float:  # 元 per t of nutrient, whatever mass unit was given
            return prices.price(pid).times(Quantity(1.0, "t")).value

        nutrients = n * per_t("fertiliser_n") + p * per_t("fertiliser_p")
        return Price(sediment + nutrients, "t")
    if service not in _PRICE_OF:
        raise DataError(f"未知服务 unknown GEP service '{service}'; valid: {', '.join(SERVICES)}")
    return prices.price(_PRICE_OF[service])


@dataclass(frozen=True)
class GepLine:
    service: str
    account: str
    quantity: Quantity
    price: Price
    value: float  # 元


@dataclass(frozen=True)
class GepAccount:
    """One unit and year: lines per service, totals per account and GEP, in 元."""

    unit_id: str
    year: str
    lines: tuple[GepLine, ...]
    prices_version: str

    def total(self, account: str | None = None, unit: str = "元") -> float:
        """Sum of one account (or all), in ``unit`` (元, 万元 or 亿元)."""
        yuan = sum(ln.value for ln in self.lines if account in (None, ln.account))
        return Quantity(yuan, "元").to(_need(Quantity(0, unit), "money", "a total").unit).value

    def share(self, account: str) -> float:
        t = self.total()
        return self.total(account) / t if t else float("nan")


def account(
    unit_id: str,
    year: str,
    inputs: Mapping[str, Quantity] | Sequence[tuple[str, Quantity]],
    prices: PriceTable,
) -> GepAccount:
    """Value every service (quantity × price); a unit mismatch is refused, not converted away."""
    items = list(inputs.items()) if isinstance(inputs, Mapping) else list(inputs)
    lines = []
    for sid, q in items:
        if sid not in SERVICES:
            raise DataError(f"未知服务 unknown GEP service '{sid}'; valid: {', '.join(SERVICES)}")
        svc = SERVICES[sid]
        _need(q, dimension_of(svc.unit), f"{svc.name} {svc.name_en}")
        price: Price | str = "?"
        try:
            price = effective_price(sid, prices)
            value = price.times(q).value
        except MethodError as exc:
            entry = (
                f"prices.{_PRICE_OF[sid]}"
                if sid in _PRICE_OF
                else ", ".join(f"prices.{f}" for f in _SOIL_PRICES)
            )
            raise DataError(
                f"价格单位不对 price table v{prices.version} ({prices.source}), price "
                f"{entry} ({price}) cannot value {sid} of {unit_id} {year} "
                f"({q.value:g} {q.unit}): {exc}; give the price per a unit of "
                f"{dimension_of(svc.unit)} and store the table as a new version"
            ) from None
        lines.append(GepLine(sid, svc.account, q, price, value))
    return GepAccount(unit_id, year, tuple(lines), prices.version)


def as_rows(acc: GepAccount) -> list[dict[str, Any]]:
    """Lines as plain dicts (for CSV/JSON output)."""
    return [
        {
            "unit_id": acc.unit_id,
            "year": acc.year,
            "account": ln.account,
            "service": ln.service,
            "quantity": ln.quantity.value,
            "unit": ln.quantity.unit,
            "price": ln.price.value,
            "price_per": ln.price.per,
            "value_yuan": ln.value,
            "prices_version": acc.prices_version,
        }
        for ln in acc.lines
    ]


def _toml_line(exc: Exception) -> int | None:
    """Line of a TOML syntax error (Python 3.11 puts it only in the message)."""
    m = re.search(r"line (\d+)", str(exc))
    return int(m.group(1)) if m else None
