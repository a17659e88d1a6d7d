"""Material products and recreation against numbers someone else published, each test named after
its source; quantity × the paper's price = the paper's value, to the printed rounding.

Searched (2026-11, stored copies of public code, pages and docs; full texts read in the ChinaXiv
markdown of the public GitHub repository ``DreamBlooms/ChinaXiv-201601-to-202209``): GEP and
ecosystem-service papers that print, for one region and year, (a) visits and a spend or travel
cost per visit with the resulting value and (b) output per product with its unit price and value.

* **Material products, quantity × price, published**: 白玛卓嘎 et al. 2017 (甘孜州 2010, 表3)
  prices water supply per use (domestic, industrial, agricultural m³ × 元/m³) and hydropower
  (kWh × 元/kWh); its farm, forest, livestock and fishery products enter as 净产值 (元), the
  《规范（试行）》rule "物质产品价值 = 农林牧渔业产值". 缪建群 et al. 2017 (高天岩 reserve 2014,
  表1 式(2), §4.2, 表4) prices timber (m³ × 元/m³), bamboo (根 × 元/根) and other income.
* **Recreation: no published visits × spend-per-visit example found.** 甘孜 prints 358.68 万人次,
  旅游总收入 23.56 亿元 and a value of 70.6669 亿元 but no price per visit and no formula beyond
  "依据旅游总人次、旅游总收入等因素"; 高天岩 prints 8,000 人次 and 旅游综合收入 80.00 × 10⁴ 元
  used as the total travel cost (式(17) V = CIT + AFC, value 187 × 10⁴ 元; the AFC sentence is cut
  off in the stored text). A price per visit derived from either would only restate the paper's
  division, so only the visits' units are checked here (万人次 vs 人次, wrong unit refused).
"""

from __future__ import annotations

import re
from importlib import resources

import pytest

from zhengji.eco.gep import GepAccount, PriceTable, account, default_prices, parse_prices
from zhengji.eco.units import Quantity
from zhengji.errors import DataError, MethodError

P = default_prices()


def _table(version: str, own: dict[str, tuple[float, str, str]]) -> PriceTable:
    """The paper's prices (``own``: id → (元 per unit, unit, source)) as a price table of their
    own; every other price the table must carry is the default one, marked unused."""
    rows = [f'version = "{version}"']
    unused = {pid: (e.value, e.per, f"unused here: {e.source}") for pid, e in P.prices.items()}
    for pid, (v, per, src) in (unused | own).items():
        rows += [f"[prices.{pid}]", f"value = {v}", f'per = "{per}"', f'source = "{src}"']
    for pid, v in P.parameters.items():
        rows += [f"[parameters.{pid}]", f"value = {v}", 'source = "unused here"']
    return parse_prices("\n".join(rows), version)


def _slack(price: float, q_half: float, v_half: float = 0.00005) -> float:
    """How far q × p may lie from a printed value V when the printed quantity q is rounded by
    ``q_half`` (in the unit the price is per, times the value's scale) and V by ``v_half``."""
    return q_half * price + v_half


def _yi(acc: GepAccount) -> list[float]:
    """Each line's value in 亿元."""
    return [ln.value / 1e8 for ln in acc.lines]


# --- 白玛卓嘎 et al. 2017, 表3: 产品提供 (provisioning) ------------------------------------------
# 白玛卓嘎, 肖燚, 欧阳志云, 王莉雁 2017, 甘孜藏族自治州生态系统生产总值核算研究, 生态学报 37(19):
# 6302–6312, doi 10.5846/stxb201607011362: §2.3 (V_p = Σ Q_pi × P_pi per use of water; 农林牧渔
# by 2010 净产值; hydropower by market value), 表3「2010年甘孜州生态系统服务功能量与价值量」
# (亿元 to 4 decimals, then 2) and §3.1. Read in the ChinaXiv full text (ChinaXiv:201711.00120;
# md/ChinaXiv-201711.00120V1.md in DreamBlooms/ChinaXiv-201601-to-202209).
GANZI = _table("dolkar2017-table3-products", {
    "water_domestic": (2.6, "m³", "白玛卓嘎 et al. 2017 表3: 生活用水 2.6 元/m³"),
    "water_industrial": (3.6, "m³", "白玛卓嘎 et al. 2017 表3: 工业用水 3.6 元/m³"),
    "water_agricultural": (0.07, "m³", "白玛卓嘎 et al. 2017 表3: 农业用水 0.07 元/m³"),
    "hydropower_tariff": (0.53, "kWh", "白玛卓嘎 et al. 2017 表3: 水电 0.53 元/kWh"),
})  # fmt: skip
#: 表3 农业、林业、畜牧业、渔业产品 (亿元, 4 decimals): values, no quantity or price printed
GANZI_FARM = (12.2875, 2.3777, 22.0760, 0.0356)


def test_dolkar2017_water_supply_table3() -> None:
    """表3 水资源 (§2.3 式 V_p = Σ Q_pi × P_pi): 生活用水 1.36 亿m³ × 2.6 元/m³ = 3.5400 亿元; 工业
    150.17 亿m³ × 3.6 = 540.6113; 农业 17.31 亿m³ × 0.07 = 1.2117; together 545.36 亿元 (表3; §3.1
    prints 545.35). Quantities printed to 0.01 亿m³: a line may lie 0.005 × price + 0.00005 亿元 off
    (1.36 × 2.6 = 3.5360, 0.0040 from the printed 3.5400, within 0.0131; 150.17 × 3.6 = 540.6120,
    0.0007 from 540.6113, within 0.0181); the sum (545.3597) within the three plus 0.005 for its
    own rounding."""
    acc = account("ganzi", "2010", {
        "water_supply_domestic": Quantity(1.36, "亿m³"),
        "water_supply_industrial": Quantity(150.17, "亿m³"),
        "water_supply_agricultural": Quantity(17.31, "亿m³"),
    }, GANZI)  # fmt: skip
    prices = (2.6, 3.6, 0.07)
    printed = (3.5400, 540.6113, 1.2117)
    assert _yi(acc) == [
        pytest.approx(v, abs=_slack(p, 0.005)) for v, p in zip(printed, prices, strict=True)
    ]
    assert {ln.account for ln in acc.lines} == {"material"}
    assert acc.total(unit="亿元") == pytest.approx(545.36, abs=_slack(sum(prices), 0.005, 0.005))
    assert round(acc.total(unit="亿元"), 2) == 545.36


def test_dolkar2017_hydropower_table3() -> None:
    """表3 水电 and §3.1: 水力发电量 95.30 亿kWh × 0.53 元/kWh = 50.5090 亿元 (50.51). 95.30 × 0.53
    = 50.509 exactly, so the line agrees to the printed 4 decimals."""
    acc = account("ganzi", "2010", {"hydropower": Quantity(95.30, "亿kWh")}, GANZI)
    assert round(acc.total(unit="亿元"), 4) == 50.5090
    assert acc.lines[0].account == "material"


def test_dolkar2017_provisioning_total_table3() -> None:
    """表3 产品提供 632.64 亿元 = 8.38 % of GEP 7,545.59 亿元 (abstract): 农、林、牧、渔 12.2875,
    2.3777, 22.0760, 0.0356 亿元 (净产值, entered as market value in 元) + water (three uses) +
    hydropower, as quantity × price. Our sum is 632.6455; the paper's 4-decimal column sums to
    632.6488 and its printed 632.64 is the sum of §3.1's 2-decimal figures (which print 畜牧
    22.07 for 表3's 22.0760, and water 545.35). Allowed: the four quantities' rounding (0.005 ×
    (2.6 + 3.6 + 0.07 + 0.53) = 0.034), 0.00005 for each of the four printed values, 0.005 for
    the total's own rounding."""
    farm = [("material_products", Quantity(v, "亿元")) for v in GANZI_FARM]
    acc = account("ganzi", "2010", [
        *farm,
        ("water_supply_domestic", Quantity(1.36, "亿m³")),
        ("water_supply_industrial", Quantity(150.17, "亿m³")),
        ("water_supply_agricultural", Quantity(17.31, "亿m³")),
        ("hydropower", Quantity(95.30, "亿kWh")),
    ], GANZI)  # fmt: skip
    slack = _slack(2.6 + 3.6 + 0.07 + 0.53, 0.005, 4 * 0.00005 + 0.005)
    assert acc.total("material", unit="亿元") == pytest.approx(632.64, abs=slack)
    assert acc.total("material") == acc.total()  # every line is a material product
    assert round(100 * 632.64 / 7545.59, 2) == 8.38  # the share the paper prints


# --- 缪建群 et al. 2017, 表1 式(2): 产品供给 (primary production) --------------------------------
# 缪建群, 孙松, 王志强, 黄国勤 2017, 江西高天岩自然保护区生态系统服务功能价值评估, 生态学报 37(19):
# 6422–6430, doi 10.5846/stxb201607091410: 表1 式(2) V_p = Σ M_i × P_i (活立木蓄积量 18.00 × 10⁴
# m³ at 414.88 元/m³, 任志远 & 李晶 2003 CPI-adjusted to 2014; 毛竹 43.11 × 10⁴ 根 at 5 元/根, 2014
# 莲花县 average; 花卉、药材、苗木 income 8 × 10⁴ 元 a year), §4.2 and 表4 (7,691.39 × 10⁴ 元 =
# 10.68 % of 72,030.15 × 10⁴ 元). Read in the ChinaXiv full text (ChinaXiv:201711.00109;
# md/ChinaXiv-201711.00109V1.md in DreamBlooms/ChinaXiv-201601-to-202209).
MIAO = _table("miao2017-table1-products", {
    "timber": (414.88, "m³", "缪建群 et al. 2017 表1 式(2): 活立木售价 414.88 元/m³ (2014)"),
})  # fmt: skip


def test_miao2017_primary_production_table1() -> None:
    """表1 式(2) and §4.2: timber 18.00 × 10⁴ m³ × 414.88 元/m³ = 7,467.84 × 10⁴ 元; bamboo 43.11
    × 10⁴ 根 × 5 元/根 = 215.55 × 10⁴ 元 (根 is not a unit we have: it enters as its market value,
    computed here from the printed count and price); flowers, herbs and seedlings 8 × 10⁴ 元. Sum
    7,691.39 × 10⁴ 元, as §4.2 and 表4 print it, to the cent; 表4: 10.68 % of 72,030.15 × 10⁴ 元.
    The timber volume also goes in as 万m³ and as m³, with the same value."""
    bamboo_yuan = 43.11e4 * 5
    acc = account("gaotianyan", "2014", [
        ("timber", Quantity(18.00, "万m³")),
        ("material_products", Quantity(bamboo_yuan, "元")),
        ("material_products", Quantity(8, "万元")),
    ], MIAO)  # fmt: skip
    assert [round(ln.value / 1e4, 2) for ln in acc.lines] == [7467.84, 215.55, 8.0]
    assert round(acc.total("material", unit="万元"), 2) == 7691.39
    assert round(100 * acc.total(unit="万元") / 72_030.15, 2) == 10.68
    in_m3 = account("gaotianyan", "2014", {"timber": Quantity(180_000, "m³")}, MIAO)
    assert in_m3.total() == pytest.approx(acc.lines[0].value)


# --- units and missing prices of the new material services ---------------------------------------
def test_material_services_refuse_the_wrong_unit() -> None:
    """Water and timber are volumes, hydropower is energy: 1.36 亿t of water, 95.3 亿m³ of
    electricity or 18 t of timber is a unit mistake, refused with the units to use."""
    for sid, q, match in (
        ("water_supply_domestic", Quantity(1.36, "万t"), r"m³, 万m³, 亿m³, got 万t"),
        ("hydropower", Quantity(95.3, "亿m³"), r"kWh, 万kWh, 亿kWh, got 亿m³"),
        ("timber", Quantity(18, "t"), r"m³, 万m³, 亿m³, got t"),
    ):
        with pytest.raises(MethodError, match=match):
            account("x", "2025", {sid: q}, GANZI if sid != "timber" else MIAO)


def test_material_prices_are_optional_until_used() -> None:
    """A table without the water, hydropower and timber prices (no national default; the
    shipped table carries published examples) still loads, and valuing water with it says which
    price to add and how."""
    text = (resources.files("zhengji.eco") / "prices.toml").read_text(encoding="utf-8")
    optional = ("water_domestic", "water_industrial", "water_agricultural")
    optional += ("hydropower_tariff", "timber")
    for pid in optional:
        text = re.sub(rf"\[prices\.{pid}\]\n(?:[^\[\n].*\n)*", "", text)
    bare = parse_prices(text, "without-material-prices")
    assert not set(optional) & set(bare.prices) and set(optional) <= set(P.prices)
    with pytest.raises(DataError, match=r"add \[prices\.water_domestic\] with value, per and"):
        account("x", "2025", {"water_supply_domestic": Quantity(1, "万m³")}, bare)


# --- recreation: the visits' units (no published price per visit, see the module docstring) ------
def test_dolkar2017_visits_in_wan_renci_and_renci() -> None:
    """甘孜 2010 (表3, §3.3): 358.68 万人次 = 3,586,800 人次, the same value at any price per
    visit (here the paper-less default 900 元/人次 of ``prices.toml``: 3,228,120,000 元 — a unit
    check, not the paper's 70.67 亿元); visits given in 元 are refused."""
    wan = account("ganzi", "2010", {"recreation": Quantity(358.68, "万人次")}, P)
    ren = account("ganzi", "2010", {"recreation": Quantity(3_586_800, "人次")}, P)
    assert wan.total() == pytest.approx(ren.total()) == pytest.approx(3_586_800 * 900)
    assert wan.lines[0].account == "cultural"
    with pytest.raises(MethodError, match="人次, 万人次, got 亿元"):
        account("ganzi", "2010", {"recreation": Quantity(23.56, "亿元")}, P)
