"""What the synthetic Tongren world contains: units and how each variable is generated.

The ten county-level names are real; every figure generated from this table is invented
(示例数据（模拟）). Township names are invented. Magnitudes are chosen to look plausible for
Guizhou counties, never copied from a statistical yearbook.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "COUNTIES",
    "COUNTY_SPECS",
    "GDP_TARGET",
    "PERIODS",
    "PROXY_SPECS",
    "TOWNSHIP_SPECS",
    "ZONE_NAMES",
    "County",
    "GenSpec",
    "ProxySpec",
    "township_units",
]

PERIODS: tuple[str, ...] = ("2021", "2022", "2023", "2024", "2025")

ZONE_NAMES: dict[str, str] = {
    "urban": "城市化地区",
    "agri": "农产品主产区",
    "eco": "重点生态功能区",
    "township": "乡镇",
}


@dataclass(frozen=True)
class County:
    """A real county-level unit of 铜仁市 with an invented baseline population (万人)."""

    id: str
    name: str
    category: str
    population: float  # invented baseline, 万人
    pop_trend: float  # relative change per year


COUNTIES: tuple[County, ...] = (
    County("bijiang", "碧江区", "urban", 45.0, 0.012),
    County("wanshan", "万山区", "urban", 17.5, 0.006),
    County("jiangkou", "江口县", "eco", 17.0, -0.004),
    County("yuping", "玉屏侗族自治县", "agri", 12.5, -0.002),
    County("shiqian", "石阡县", "eco", 31.0, -0.006),
    County("sinan", "思南县", "agri", 50.0, -0.005),
    County("yinjiang", "印江土家族苗族自治县", "eco", 29.0, -0.006),
    County("dejiang", "德江县", "agri", 37.0, -0.004),
    County("yanhe", "沿河土家族自治县", "eco", 45.0, -0.007),
    County("songtao", "松桃苗族自治县", "agri", 50.5, -0.005),
)

# Invented township names (not a gazetteer): five per county, built from common place-name
# morphemes. Any match with a real place is a coincidence.
_TOWN_STEMS: tuple[str, ...] = (
    "云溪",
    "石桥",
    "青杠",
    "龙潭",
    "杉坪",
    "茶园",
    "凤岭",
    "白岩",
    "河坝",
    "梅溪",
    "竹林",
    "桂花",
    "金竹",
    "狮山",
    "平溪",
    "兴隆",
    "水口",
    "长坡",
    "红岩",
    "桃源",
    "清水",
    "鹿鸣",
    "枫香",
    "新场",
    "双河",
    "高坪",
    "沙坝",
    "楠木",
    "望城",
    "岩门",
    "合兴",
    "柳塘",
    "落鹤",
    "田坝",
    "响水",
    "乐安",
    "黄土",
    "上寨",
    "中坝",
    "铜鼓",
    "观音",
    "大溪",
    "盘石",
    "樱桃",
    "松林",
    "银杏",
    "龙门",
    "宝石",
    "新寨",
    "文笔",
)


def township_units() -> list[tuple[str, str, str]]:
    """``(unit_id, name, parent county id)`` for the 50 invented townships."""
    out = []
    for ci, county in enumerate(COUNTIES):
        for k in range(5):
            stem = _TOWN_STEMS[ci * 5 + k]
            suffix = "乡" if k == 4 else "镇"
            out.append((f"{county.id}_t{k + 1}", f"{stem}{suffix}", county.id))
    return out


@dataclass(frozen=True)
class GenSpec:
    """How one variable is generated: ``level[u] + trend_u · t + year effect + noise``.

    ``level[u] = mean + shift[category] + sd · (loading · g_u + √(1-loading²) · z_u)`` where
    ``g_u`` is a shared "governance" factor, so good units tend to be good on many indicators.
    ``per`` multiplies the per-capita value by a denominator (population or elderly population,
    in 万人) times ``per_factor`` to give the raw total that is observed.
    """

    id: str
    mean: float
    sd: float
    trend: float = 0.0
    trend_sd: float = 0.0
    noise: float = 0.0
    lo: float = float("-inf")
    hi: float = float("inf")
    decimals: int = 1
    shift: dict[str, float] = field(default_factory=dict)
    loading: float = 0.4
    year: tuple[float, ...] = ()
    per: str | None = None
    per_factor: float = 1.0
    source: str = "statistics"


# Denominators are generated from COUNTIES directly; these are the 30 indicators.
COUNTY_SPECS: tuple[GenSpec, ...] = (
    # 高质量发展
    GenSpec(
        "gdp_growth",
        5.6,
        0.8,
        -0.1,
        0,
        0.7,
        -3,
        12,
        1,
        {"urban": 0.4, "eco": -0.4},
        0.1,
        (2.5, -1.8, 0.6, 0.0, -0.3),
    ),
    GenSpec(
        "industrial_va_growth",
        6.5,
        2.0,
        0,
        0,
        2.0,
        -10,
        45,
        1,
        {"urban": 1.5, "agri": 0.5, "eco": -1.0},
        0.2,
    ),
    GenSpec(
        "fiscal_revenue",
        2600,
        450,
        90,
        30,
        120,
        800,
        9000,
        0,
        {"urban": 1600, "eco": -300},
        0.4,
        per="population",
    ),
    GenSpec("tax_share", 62, 5, 0.4, 0.3, 1.5, 40, 90, 1, {"urban": 8, "eco": -4}),
    GenSpec("energy_intensity_decline", 3.0, 0.8, 0, 0, 0.7, -2, 8, 1, {"urban": 0.4}),
    GenSpec(
        "tourism_revenue_growth", 10, 3, 0, 0, 3, -40, 80, 1, {"eco": 4}, 0.2, (14, -22, 38, 12, 8)
    ),
    GenSpec(
        "consumption_growth",
        5.0,
        0.9,
        0,
        0,
        0.8,
        -8,
        20,
        1,
        {"urban": 0.6},
        0.3,
        (11, -1.5, 6, 5, 4),
    ),
    # 民生福祉
    GenSpec(
        "unemployment_rate",
        5.3,
        0.35,
        -0.05,
        0.03,
        0.15,
        3.5,
        7.5,
        1,
        {"urban": -0.2, "eco": 0.15},
        -0.5,
    ),
    GenSpec(
        "rural_income", 13200, 1100, 880, 60, 120, 8000, 30000, 0, {"urban": 2400, "eco": -600}, 0.5
    ),
    GenSpec("rural_income_growth", 8.4, 0.5, -0.2, 0.1, 0.35, 3, 14, 1, {"eco": 0.2}, 0.5),
    GenSpec("urban_income_growth", 5.6, 0.5, -0.1, 0.05, 0.35, 2, 10, 1, {}, 0.4),
    GenSpec(
        "education_consolidation",
        95.6,
        1.1,
        0.3,
        0.1,
        0.3,
        88,
        99.8,
        1,
        {"urban": 1.3, "eco": -0.4},
        0.5,
    ),
    GenSpec(
        "doctors",
        2.4,
        0.3,
        0.08,
        0.03,
        0.04,
        1.2,
        5,
        0,
        {"urban": 0.8, "eco": -0.1},
        0.4,
        per="population",
        per_factor=10.0,
    ),
    GenSpec(
        "elderly_beds",
        32,
        5,
        1.2,
        0.5,
        0.8,
        15,
        60,
        0,
        {"urban": 3},
        0.4,
        per="elderly_population",
        per_factor=10.0,
    ),
    GenSpec("medical_insurance", 96.2, 0.9, 0.15, 0.05, 0.3, 90, 99.9, 1, {}, 0.4),
    # 生态文明 (潜绩)
    GenSpec(
        "surface_water_quality",
        95,
        3,
        0.5,
        0.3,
        1.2,
        70,
        100,
        1,
        {"urban": -3, "agri": -1, "eco": 3},
        0.3,
    ),
    GenSpec("air_good_days", 96.5, 1.4, 0.3, 0.2, 0.7, 85, 100, 1, {"urban": -2, "eco": 1.5}, 0.3),
    GenSpec(
        "forest_coverage",
        62,
        5,
        0.55,
        0.3,
        0.08,
        40,
        80,
        2,
        {"urban": -8, "agri": -2, "eco": 6},
        0.3,
    ),
    GenSpec("gep", 18, 4, 0.8, 0.4, 0.3, 5, 80, 1, {"urban": -6, "eco": 10}, 0.3, per="population"),
    # 创新与基础设施 (潜绩)
    GenSpec(
        "rd_intensity", 0.6, 0.18, 0.05, 0.04, 0.03, 0.05, 3, 2, {"urban": 0.4, "eco": -0.15}, 0.5
    ),
    GenSpec(
        "talent", 20, 5, 1.0, 0.5, 2, 3, 80, 0, {"urban": 10, "eco": -2}, 0.5, per="population"
    ),
    GenSpec("rural_tap_water", 90, 3, 1.0, 0.4, 0.5, 75, 99.5, 1, {"urban": 4, "eco": -2}, 0.4),
    GenSpec("village_roads", 92, 3, 1.1, 0.4, 0.5, 75, 100, 1, {"urban": 4, "eco": -2}, 0.4),
    GenSpec("village_5g", 55, 10, 9, 2, 3, 10, 100, 1, {"urban": 20, "eco": -5}, 0.3),
    # 风险防控
    GenSpec("debt_ratio", 160, 25, 3, 5, 4, 60, 320, 1, {"urban": -20, "eco": 10}, -0.4),
    GenSpec("major_accidents", 0, 0, decimals=0),  # counts, generated separately
    GenSpec("dispute_resolution", 96, 1.4, 0.2, 0.1, 0.5, 85, 100, 1, {}, 0.5),
    # 群众满意 (多元评价)
    GenSpec(
        "mass_satisfaction", 86, 3, 0.3, 0.2, 1.0, 60, 100, 1, {}, 0.4, source="mass_evaluation"
    ),
    GenSpec("third_party_score", 84, 3, 0.3, 0.2, 1.2, 60, 100, 1, {}, 0.4, source="third_party"),
    GenSpec("party_review", 88, 2.5, 0.2, 0.1, 0.8, 60, 100, 1, {}, 0.5, source="party_committee"),
)

# The GDP growth target every county is held to in this demo (declared in scheme.toml's
# [[integrity.targets]]; tests check the two agree).
GDP_TARGET = 6.0


@dataclass(frozen=True)
class ProxySpec:
    """A proxy of GDP growth (Li Keqiang index): ``intercept + slope·activity + offset_u + noise``.

    ``activity`` is the county's true growth less a part the proxies do not see; ``offset_u``
    (sd ``unit_sd``) is the county's own level, e.g. an energy-heavy industry. Auxiliary
    statistics, declared as ``[[denominators]]``: read by the screen, never scored.
    """

    id: str
    name: str
    name_en: str
    intercept: float
    slope: float
    unit_sd: float


PROXY_SPECS: tuple[ProxySpec, ...] = (
    ProxySpec(
        "electricity_growth", "全社会用电量增速", "Electricity consumption growth", 0.5, 0.9, 0.8
    ),
    ProxySpec("freight_growth", "货运量增速", "Freight volume growth", -1.0, 1.2, 1.0),
    ProxySpec("loan_growth", "金融机构贷款余额增速", "Bank loan balance growth", 4.5, 0.8, 1.0),
    ProxySpec("tax_growth", "税收收入增速", "Tax revenue growth", -0.5, 1.0, 1.2),
)

# Township indicators (invented units; parent county's category shifts apply).
TOWNSHIP_SPECS: tuple[GenSpec, ...] = (
    GenSpec("rural_income_growth", 8.2, 0.8, -0.2, 0.1, 0.5, 2, 15, 1, {"eco": 0.2}, 0.5),
    GenSpec("collective_income", 45, 20, 6, 3, 5, 3, 300, 1, {"urban": 20}, 0.5),
    GenSpec("rural_tap_water", 89, 4, 1.0, 0.4, 0.6, 70, 99.5, 1, {"urban": 4, "eco": -2}, 0.4),
    # Coverage rates stay mostly below 100 %: a pile of "100.0" would end in 0 for honest
    # townships too and blur the digit test for invented figures.
    GenSpec("village_roads", 88, 4, 0.8, 0.4, 0.6, 70, 100, 1, {"urban": 4, "eco": -2}, 0.4),
    GenSpec(
        "forest_coverage",
        63,
        7,
        0.5,
        0.3,
        0.08,
        30,
        90,
        2,
        {"urban": -8, "agri": -2, "eco": 6},
        0.3,
    ),
    GenSpec("waste_treatment", 85, 5, 1.0, 0.5, 1.0, 50, 100, 1, {"urban": 4}, 0.4),
    GenSpec("grid_coverage", 89, 4, 0.8, 0.4, 0.8, 60, 100, 1, {}, 0.5),
    GenSpec("dispute_resolution", 94, 2, 0.2, 0.1, 0.7, 80, 100, 1, {}, 0.5),
    GenSpec("request_resolution", 86, 4, 1.0, 0.5, 1.2, 60, 100, 1, {}, 0.6),
    GenSpec("major_accidents", 0, 0, decimals=0),
    GenSpec(
        "mass_satisfaction", 85, 3.5, 0.3, 0.2, 1.2, 55, 100, 1, {}, 0.6, source="mass_evaluation"
    ),
    GenSpec("party_review", 87, 3, 0.2, 0.1, 1.0, 55, 100, 1, {}, 0.5, source="party_committee"),
    # Added for the integrity screen: a township's digit tests need ≥ 88 reported figures.
    GenSpec(
        "rural_income", 12800, 1200, 850, 60, 150, 7000, 30000, 0, {"urban": 2200, "eco": -500}, 0.5
    ),
    GenSpec("new_businesses", 140, 45, 8, 4, 15, 10, 900, 0, {"urban": 80}, 0.3),
    GenSpec(
        "industry_area",
        6500,
        2500,
        300,
        150,
        200,
        500,
        30000,
        0,
        {"urban": -2000, "eco": 1500},
        0.3,
    ),
    GenSpec("labour_training", 850, 300, 30, 20, 80, 100, 5000, 0, {}, 0.3),
    GenSpec("farmland", 4200, 1800, 250, 100, 150, 300, 20000, 0, {"agri": 1500, "eco": -800}, 0.2),
    GenSpec("sanitary_toilets", 76, 6, 2.5, 0.8, 1.2, 40, 99.9, 1, {"urban": 8}, 0.4),
    GenSpec("pension_insurance", 92.5, 2.0, 0.4, 0.2, 0.6, 80, 99.9, 1, {}, 0.4),
    GenSpec("medical_insurance", 95.5, 1.5, 0.2, 0.1, 0.4, 85, 99.9, 1, {}, 0.4),
    GenSpec("elderly_visits", 88, 5, 1.5, 0.5, 1.5, 50, 99.9, 1, {}, 0.5),
    GenSpec("child_care", 90, 4, 1.0, 0.4, 1.0, 60, 99.9, 1, {}, 0.5),
)
