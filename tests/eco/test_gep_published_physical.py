"""GEP *physical* formulas against numbers someone else published, each test named after its source.

``test_gep_published.py`` pins the valuation (quantity × price); this file pins the step before
it, the physical quantity, wherever a paper prints the inputs *and* the output of a formula, to
the paper's printed rounding.

Where we looked (2026-11; stored copies only): the ChinaXiv full texts in the public GitHub
repository ``DreamBlooms/ChinaXiv-201601-to-202209`` (``md/ChinaXiv-*.md``; semantic search for
water balance, RUSLE, climate regulation, NPP → CO2/O2 and GEP case studies, and the papers it
turned up: 白玛卓嘎 et al. 2017 甘孜, 缪建群 et al. 2017 高天岩, 陈召亚 et al. 2016 黄骅 (USLE by
month), 丁程锋 et al. 2017 乌鲁木齐河 and 殷格兰 et al. 2017 淅川 (InVEST), 廖文婷 et al. 2018, 马维玲
et al. 2017), exact-phrase search of public code and documents (水量平衡方程, 水源涵养量,
潜在土壤侵蚀量, 空调能效比, 蒸腾消耗能量, 水面蒸发消耗, 加湿器, 降温增湿 …: no GEP worked example),
and the stored web pages (ecologica.cn article pages are stored only as their opening
paragraphs, so their tables cannot be read). Found and used here:

* 缪建群 et al. 2017: 表2 NPP (dry matter) → CO2 and O2 per forest type, pinning
  :func:`~zhengji.eco.gep.carbon_from_dry_matter` → :func:`carbon_dioxide_from_carbon` →
  :func:`oxygen_from_carbon_dioxide` to the rounding of the paper's coefficients 1.63 and 1.19;
  two published depth × area → volume products (§4.4 evaporation, 表2 蓄水量), the mm × hm² →
  m³ step of :func:`water_conservation`; 表3 nutrients in the retained soil
  (:func:`soil_retention_nutrient`).
* 白玛卓嘎 et al. 2017: 表1, 表4 and §3.2.1 water conservation per ecosystem (value, area, value
  per km²), the mm × km² → m³ step of :func:`water_conservation`; 表3 sediment, N and P from the
  soil retained (:func:`soil_retention_sediment`, :func:`soil_retention_nutrient`); §2.4.8
  prints the evaporation formula with a humidifier term and no efficiency ratio, now a variant
  of :func:`climate_regulation` (formula only: the paper prints no E, EPP, days or ratio).

Tables that do not close (reported, not fitted): 丁程锋 et al. 2017 表2 (area × m³/hm² ≠ the
printed total: 林地 9,085 hm² × 544.78 = 494.93 vs 494.72 × 10⁴ m³, 草地 1,408.96 vs 1,394.43)
and 表7 (54.25 mm × 90.85 km² closes, 59.74 mm × 136.24 km² = 8.14 vs 8.13, 62.63 mm × 197.06 km²
= 12.34 vs 12.28 × 10⁶ m³); 缪建群 et al. 2017 表3 全氮 (see below).

Not found (so still pinned only by the hand examples in ``test_gep.py``): a published table
that prints P, R (or a runoff coefficient) and ET together with the water conserved (GEP papers
compute per pixel and print only totals); mean R, K, LS, C, P with the soil retained that
multiply out (黄骅 prints the USLE method and the values, not the factors; 高天岩 prints
2,985.40 t/hm² with no factors; 甘孜 38.86 亿t with none); EPP, days and r with the
transpiration kWh, or an evaporation volume with its kWh (甘孜 prints only the kWh; 高天岩 values
evaporation per m³ of water, not in kWh); carbon in C with its CO2 (both papers start from NPP
as dry matter or from CO2).
"""

from __future__ import annotations

import pytest

from zhengji.eco.gep import (
    carbon_dioxide_from_carbon,
    carbon_from_dry_matter,
    climate_regulation,
    oxygen_from_carbon_dioxide,
    soil_retention_nutrient,
    soil_retention_sediment,
    water_conservation,
)
from zhengji.eco.units import Quantity
from zhengji.errors import MethodError

from .test_gep_published import MIAO_NPP_CO2_O2

# 缪建群, 孙松, 王志强, 黄国勤 2017, 江西高天岩自然保护区生态系统服务功能价值评估, 生态学报
# 37(19): 6422–6430, doi 10.5846/stxb201607091410. Read in the ChinaXiv full text
# (ChinaXiv:201711.00109; md/ChinaXiv-201711.00109V1.md in DreamBlooms/ChinaXiv-201601-to-202209).
# 表2 per forest type (针叶林, 阔叶林, 针阔混交林, 毛竹林, 灌木林): NPP, 固碳量 (CO2), 释氧量 (O2),
# t/a: ``MIAO_NPP_CO2_O2`` of test_gep_published (one copy of the printed table).


def test_miao2017_co2_and_o2_from_npp_dry_matter_table2() -> None:
    """缪建群 et al. 2017, 表1 式(3), (4) and 表2: NPP is dry matter (t/a), CO2 = NPP × 1.63 and
    O2 = NPP × 1.19. Our chain is carbon = NPP × 72/162 (C6 in C6H10O5), CO2 = C × 44/12, O2 =
    CO2 × 32/44, i.e. NPP × 264/162 = 1.62963 and × 192/162 = 1.18519, which the paper prints to
    two decimals (1.63, 1.19). Tolerance from that rounding: a coefficient printed to 0.01 is
    within ±0.005 of the exact one, so each entry may differ by NPP × 0.005 t, plus 0.005 t for
    the table's own rounding. E.g. 阔叶林 NPP 40,584.50 t: ours CO2 66,137.70 t (printed
    66,152.74; slack 202.93 t), O2 48,100.15 t (printed 48,295.56; slack 202.93 t).
    Totals: NPP 58,012.70 t → CO2 94,560.72 t and O2 69,035.12 t printed."""
    for npp, co2_printed, o2_printed in MIAO_NPP_CO2_O2:
        c = carbon_from_dry_matter(Quantity(npp, "t"))
        co2 = carbon_dioxide_from_carbon(c)
        o2 = oxygen_from_carbon_dioxide(co2)
        slack = npp * 0.005 + 0.005
        assert co2.value == pytest.approx(co2_printed, abs=slack)
        assert o2.value == pytest.approx(o2_printed, abs=slack)
    # the coefficients themselves, to the paper's two decimals
    assert round(carbon_dioxide_from_carbon(carbon_from_dry_matter(Quantity(1, "t"))).value, 2) == (
        1.63
    )
    one_o2 = oxygen_from_carbon_dioxide(
        carbon_dioxide_from_carbon(carbon_from_dry_matter(Quantity(1, "t")))
    )
    assert round(one_o2.value, 2) == 1.19
    npp_total = sum(n for n, _, _ in MIAO_NPP_CO2_O2)
    assert round(npp_total, 2) == 58_012.70
    co2_total = carbon_dioxide_from_carbon(carbon_from_dry_matter(Quantity(npp_total, "t")))
    assert co2_total.value == pytest.approx(94_560.72, abs=npp_total * 0.005 + 0.005)


def test_miao2017_dry_matter_units() -> None:
    """The dry-matter step takes any mass unit and refuses a volume: 缪建群 et al. print NPP in t;
    1,042.60 t = 1,042,600 kg = 0.10426 万t give the same carbon, 463.38 t (× 72/162)."""
    masses = ((1042.60, "t"), (1_042_600, "kg"), (0.10426, "万t"))
    same = [carbon_from_dry_matter(Quantity(v, u)).value for v, u in masses]
    assert same == [pytest.approx(1042.60 * 72 / 162)] * 3
    assert round(same[0], 2) == 463.38
    with pytest.raises(MethodError, match="t, kg"):
        carbon_from_dry_matter(Quantity(5, "m³"))


def test_miao2017_depth_times_area_section_4_4() -> None:
    """缪建群 et al. 2017 §1 and §4.4: 林业用地 4,750 hm², 年均降水量 1,673.00 mm, 地面水汽蒸发量 =
    60 % of precipitation = 4,768.05 × 10⁴ m³/a (0.6 × 1.673 m × 4.75 × 10⁷ m² = 47,680,500 m³,
    exact). A unit check of the water balance's depth × area step (1 hm² × 1 mm = 10 m³): a depth
    of 0.6 × 1,673.00 = 1,003.80 mm with R = ET = 0 over 4,750 hm² (and 47.50 km², 71,250 亩) is
    the paper's volume to the printed 0.01 × 10⁴ m³."""
    for area, unit in ((4750, "hm²"), (47.50, "km²"), (71_250, "亩")):
        q = water_conservation(area, 0.6 * 1673.00, 0, 0, area_unit=unit)
        assert q.to("万m³").value == pytest.approx(4768.05, abs=0.005)
    q = water_conservation(Quantity(4750, "hm²"), 0.6 * 1673.00, 0, 0)
    assert round(q.to("万m³").value, 2) == 4768.05


def test_miao2017_storage_depth_times_area_table2() -> None:
    """缪建群 et al. 2017, 表1 式(7)–(9) and 表2 蓄水量: Q_i = A_i × J × R_i with A_i = 613, 2,350,
    1,287, 196, 260 hm² (§1), R_i = 0.36, 0.39, 0.34, 0.22, 0.14 (表1) and J = J0 × K; the stored
    text of J0 is garbled ("J18."), K = 0.6. Every printed storage (23.83, 98.98, 47.26, 4.66,
    3.93 × 10⁴ m³) is A_i × 108 mm × R_i to the printed 0.01 × 10⁴ m³ (J = 180 mm × 0.6), so the
    mm × hm² → m³ step gives the paper's column from its own inputs."""
    areas = [613, 2350, 1287, 196, 260]
    r = [0.36, 0.39, 0.34, 0.22, 0.14]
    printed = [23.83, 98.98, 47.26, 4.66, 3.93]
    got = [
        water_conservation(a, 180 * 0.6 * ri, 0, 0).to("万m³").value
        for a, ri in zip(areas, r, strict=True)
    ]
    assert got == [pytest.approx(v, abs=0.005) for v in printed]
    total = water_conservation(areas, [108 * ri for ri in r], [0] * 5, [0] * 5)
    assert total.to("万m³").value == pytest.approx(178.66, abs=0.005 * 5)


def test_miao2017_nutrients_in_retained_soil_table3() -> None:
    """缪建群 et al. 2017 §4.7, 表1 式(12)–(14) and 表3: soil retained 2,985.40 t/(hm²·a) (RUSLE;
    the factors are not printed); contents Q_P = 0.48, Q_K = 0.24, Q_OF = 23.29 (kg per t of
    soil); 表3 prints 全磷 1,433.00, 全钾 716.50, 有机质 69,529.97 kg/(hm²·a). A × share: 1,432.99,
    716.50, 69,529.97. Slack from the printed rounding: each content is printed to 0.01 kg/t
    (± 0.005 × 2,985.40 = 14.93 kg), the soil to 0.01 t (± 0.005 t × content), the table to
    0.01 kg (± 0.005); the three agree far closer (within 0.01 kg). Everything is per hm², so the
    area cancels. Not used because it does not close: 全氮, Q_N = 1.52 → 2,985.40 × 1.52 =
    4,537.81 kg, but 表3 prints 4,573.81 (digits 3 and 7 swapped; its value 19,090.69 元 is
    4,573.81 kg × 4.174 元/kg N, so the typo was valued)."""
    retained = Quantity(2985.40, "t")
    for kg_per_t, printed_kg in ((0.48, 1433.00), (0.24, 716.50), (23.29, 69_529.97)):
        q = soil_retention_nutrient(retained, kg_per_t / 1000).to("kg").value
        assert q == pytest.approx(printed_kg, abs=0.005 * 2985.40 + 0.005 * kg_per_t + 0.005)
        assert abs(q - printed_kg) < 0.01
    with pytest.raises(MethodError, match="mass fraction"):
        soil_retention_nutrient(retained, 48.0)  # 0.48 kg/t entered as percent × 100


# 白玛卓嘎, 肖燚, 欧阳志云, 王莉雁 2017, 甘孜藏族自治州生态系统生产总值核算研究, 生态学报 37(19):
# 6302–6312, doi 10.5846/stxb201607011362. Read in the ChinaXiv full text (ChinaXiv:201711.00120;
# md/ChinaXiv-201711.00120V1.md in DreamBlooms/ChinaXiv-201601-to-202209).


def test_dolkar2017_water_conservation_per_km2_tables_1_4() -> None:
    """白玛卓嘎 et al. 2017 §2.4.1: Q_w = Σ (P_i − R_i − ET_i) · A_i; §3.2.1 prints the water
    conservation value per km² of 森林 1.93, 灌丛 1.91, 草地 1.40 × 10⁶ 元/km²; 表1 the areas
    31,920.60, 32,283.46, 71,113.87 km²; 表4 the values 616.93, 617.09, 993.56 亿元; 表3 the price
    7.06 元/m³. The per-km² value ÷ 7.06 is the mean depth P − R − ET (1.93 × 10⁶ / 7.06 =
    273,371 m³/km² = 273.37 mm): put through :func:`water_conservation` over the km² areas it
    gives 表4's volumes (value ÷ 7.06: 87.38, 87.41, 140.73 亿m³). Slack from the per-km² value's
    rounding (0.005 × 10⁶ 元/km²): area × 0.005e6 / 7.06 m³ (0.23, 0.23, 0.50 亿m³) plus the
    0.005 亿元 of 表4."""
    per_km2 = [1.93e6, 1.91e6, 1.40e6]
    area_km2 = [31_920.60, 32_283.46, 71_113.87]
    value_yi = [616.93, 617.09, 993.56]
    for v_km2, a, v in zip(per_km2, area_km2, value_yi, strict=True):
        depth_mm = v_km2 / 7.06 / 1000  # m³/km² → mm (1 km² × 1 mm = 1,000 m³)
        q = water_conservation(a, depth_mm, 0, 0, area_unit="km²")
        slack = a * 0.005e6 / 7.06 / 1e8 + 0.005 / 7.06
        assert q.to("亿m³").value == pytest.approx(v / 7.06, abs=slack)
    # the three ecosystems are 98.14 % of the 2,269.71 亿元 (§3.2.1)
    assert round(100 * sum(value_yi) / 2269.71, 2) == 98.14


def test_dolkar2017_sediment_and_nutrients_table3() -> None:
    """白玛卓嘎 et al. 2017 §3.2.2 and 表3: soil retained 38.86 亿t (USLE); λ 0.24, ρ 0.93 t/m³
    → 减少泥沙淤积 10.03 亿m³ (式(4): λ · A_s / ρ); soil N 0.37 %, P 0.108 % → 减少N面源污染
    1,437.94 万t, 减少P面源污染 419.72 万t (式(5): A_s · C_N, A_s · C_P). 38.86 亿t is printed to
    0.005 亿t, which moves the sediment by 0.005 × 0.24 / 0.93 = 0.0013 亿m³, N by 0.185 万t and
    P by 0.054 万t; plus the printed 0.005 of each. Ours: 10.0284 亿m³, 1,437.82 万t, 419.69 万t."""
    retained = Quantity(38.86e4, "万t")
    sediment = soil_retention_sediment(retained, 0.24, 0.93)
    assert sediment.to("亿m³").value == pytest.approx(10.03, abs=0.005 * 0.24 / 0.93 + 0.005)
    n = soil_retention_nutrient(retained, 0.0037).to("万t").value
    p = soil_retention_nutrient(retained, 0.00108).to("万t").value
    assert n == pytest.approx(1437.94, abs=0.005e4 * 0.0037 + 0.005)
    assert p == pytest.approx(419.72, abs=0.005e4 * 0.00108 + 0.005)
    # units: the same soil in t or kg gives the same m³; a volume is refused; λ in percent too
    assert soil_retention_sediment(Quantity(38.86e8, "t"), 0.24, 0.93).value == pytest.approx(
        sediment.value
    )
    with pytest.raises(MethodError, match="t, kg"):
        soil_retention_sediment(Quantity(1, "m³"), 0.24, 0.93)
    with pytest.raises(MethodError, match="deposition_ratio"):
        soil_retention_sediment(retained, 24, 0.93)
    with pytest.raises(MethodError, match="soil_bulk_density"):
        soil_retention_sediment(retained, 0.24, 930)


def test_dolkar2017_evaporation_variant_section_2_4_8() -> None:
    """白玛卓嘎 et al. 2017 §2.4.8 (2) 水面蒸发: V_e = (E·ρ·q/3600 + E·γ)·c — the water-surface energy
    with a humidifier term γ (kWh per m³ of water turned to vapour) and *no* efficiency ratio,
    while (1) 植被蒸腾 divides by the ratio R. The paper prints no E, q or γ (only the
    total, 1,272.35 亿kWh in 表3), so this checks the formula only: E = 1 m³, ρ = 1000 kg/m³,
    q = 2,260 kJ/kg, γ = 0.5 kWh/m³ → 2,260,000 / 3600 + 0.5 = 628.2222 kWh with
    ``evaporation_ac_efficiency=1``; the default (ratio 3 on both terms, no humidifier) gives
    2,260,000 / 10,800 = 209.2593 kWh."""
    e = Quantity(1, "m³")
    variant = climate_regulation(
        0, 0, 0, e, ac_efficiency=3.0, humidifier_kwh_m3=0.5, evaporation_ac_efficiency=1.0
    )
    assert variant.value == pytest.approx(2_260_000 / 3600 + 0.5)
    assert climate_regulation(0, 0, 0, e).value == pytest.approx(2_260_000 / 10_800)
    # transpiration keeps its ratio: EPP 200 kJ/(m²·d) on 1 km², 1 day, R 3 → 18,518.52 kWh
    both = climate_regulation(200, 1, 1, e, humidifier_kwh_m3=0.5, evaporation_ac_efficiency=1)
    assert both.value == pytest.approx(200e6 / 10_800 + 2_260_000 / 3600 + 0.5)
    with pytest.raises(MethodError, match="humidifier"):
        climate_regulation(0, 0, 0, e, humidifier_kwh_m3=-1)
    with pytest.raises(MethodError, match="positive"):
        climate_regulation(0, 0, 0, e, evaporation_ac_efficiency=0)
