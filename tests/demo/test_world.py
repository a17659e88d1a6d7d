"""The synthetic Tongren world: deterministic, complete, loadable, and true to the seed's rules."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from zhengji.bundle import load_bundle
from zhengji.demo import SYNTHETIC_LABEL, build_world
from zhengji.demo.catalogue import GDP_TARGET, PROXY_SPECS
from zhengji.demo.derived import FROM_RECORDS
from zhengji.demo.world import (
    FALSIFIED_INFLATION,
    GDP_INFLATION,
    INFLATED_YEARS,
    OUTLIER,
    SUM_GAP,
    PlantedCase,
    planted_cases,
)
from zhengji.engine.panel import Panel
from zhengji.integrity.digits import count_digits
from zhengji.integrity.findings import digit_findings_from_counts
from zhengji.integrity.proxies import huber_fe_fit, proxy_checks
from zhengji.integrity.smoothness import too_smooth
from zhengji.integrity.structure import sum_of_parts
from zhengji.integrity.targets import exact_target_hits, target_bunching
from zhengji.scheme import load_scheme
from zhengji.scheme.model import Scheme

COUNTY_NAMES = {
    "bijiang": "碧江区",
    "wanshan": "万山区",
    "jiangkou": "江口县",
    "yuping": "玉屏侗族自治县",
    "shiqian": "石阡县",
    "sinan": "思南县",
    "yinjiang": "印江土家族苗族自治县",
    "dejiang": "德江县",
    "yanhe": "沿河土家族自治县",
    "songtao": "松桃苗族自治县",
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_world(tmp_path_factory.mktemp("world") / "tongren")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    a = _files(build_world(tmp_path / "a", seed=7))
    b = _files(build_world(tmp_path / "b", seed=7))
    assert set(a) >= {
        "units.csv",
        "observations.csv",
        "vetoes.csv",
        "scheme.toml",
        "townships/units.csv",
        "townships/observations.csv",
        "townships/vetoes.csv",
        "townships/scheme.toml",
    }
    assert a == b


def test_different_seed_gives_different_figures(tmp_path: Path) -> None:
    a = _files(build_world(tmp_path / "a", seed=1))
    b = _files(build_world(tmp_path / "b", seed=2))
    assert a["observations.csv"] != b["observations.csv"]
    assert a["townships/observations.csv"] != b["townships/observations.csv"]
    assert a["units.csv"] == b["units.csv"]  # the units are fixed; only figures vary


def test_every_file_says_synthetic(world: Path) -> None:
    for scheme_file in (world / "scheme.toml", world / "townships" / "scheme.toml"):
        first = scheme_file.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# 示例数据（模拟）")
        assert load_scheme(scheme_file).synthetic is True
    for readme in (world / "README.md", world / "townships" / "README.md"):
        assert SYNTHETIC_LABEL in readme.read_text(encoding="utf-8")


def test_ten_real_counties_with_functional_zones(world: Path) -> None:
    units = _rows(world / "units.csv")
    assert {u["unit_id"]: u["name"] for u in units} == COUNTY_NAMES
    cats = {u["unit_id"]: u["category"] for u in units}
    assert cats["jiangkou"] == "eco"
    assert cats["bijiang"] == cats["wanshan"] == "urban"
    assert Counter(cats.values()) == {"urban": 2, "agri": 4, "eco": 4}
    assert all(u["level"] == "county" and u["parent_id"] == "" for u in units)
    assert {u["zone_name"] for u in units if u["category"] == "eco"} == {"重点生态功能区"}


def test_five_periods_and_every_variable_has_data(world: Path) -> None:
    scheme = load_scheme(world / "scheme.toml")
    obs = _rows(world / "observations.csv")
    periods = sorted({o["period"] for o in obs})
    assert periods == ["2021", "2022", "2023", "2024", "2025"]
    # the indicators derived from the store's records are added by `zhengji demo`, not here
    variables = [i.id for i in scheme.indicators if i.id not in FROM_RECORDS]
    variables += [d.id for d in scheme.denominators]
    assert len(scheme.indicators) == 39  # 30 + 2 derived accountability + 7 from records
    assert set(FROM_RECORDS) <= {i.id for i in scheme.indicators}
    assert {p.id for p in PROXY_SPECS} <= {d.id for d in scheme.denominators}  # not scored
    seen = Counter((o["indicator_id"], o["period"]) for o in obs)
    for var in variables:
        for p in periods:
            assert seen[(var, p)] >= 9, (var, p)  # at most one gap per variable and period
    assert {o["indicator_id"] for o in obs} == set(variables)
    expected_cells = 10 * 5 * len(variables)
    assert len(obs) == expected_cells - 4  # the four deliberate gaps
    sources = {o["indicator_id"]: o["source"] for o in obs}
    for ind in scheme.indicators:
        assert ind.id in FROM_RECORDS or sources[ind.id] == ind.source


def test_outlier_and_gap_in_latest_period(world: Path) -> None:
    obs = _rows(world / "observations.csv")
    ind, unit, period, value = OUTLIER
    cell = [o for o in obs if (o["indicator_id"], o["unit_id"], o["period"]) == (ind, unit, period)]
    assert float(cell[0]["value"]) == value
    others = [float(o["value"]) for o in obs if o["indicator_id"] == ind and o["unit_id"] != unit]
    assert value > max(others) + 15
    latest = Counter(o["indicator_id"] for o in obs if o["period"] == "2025")
    assert sum(10 - c for c in latest.values()) == 2


def test_townships_are_invented_with_one_falsification_case(world: Path) -> None:
    rows = _rows(world / "townships" / "units.csv")
    counties = [u for u in rows if u["level"] == "county"]
    assert counties == _rows(world / "units.csv")  # the same context rows as the county bundle
    units = [u for u in rows if u["level"] == "township"]
    assert len(units) == 50
    assert len({u["unit_id"] for u in units}) == 50
    assert Counter(u["parent_id"] for u in units) == dict.fromkeys(COUNTY_NAMES, 5)
    assert not {u["name"] for u in units} & set(COUNTY_NAMES.values())
    vetoes = _rows(world / "townships" / "vetoes.csv")
    assert len(vetoes) == 1
    case = vetoes[0]
    assert case["veto_id"] == "falsification" and case["period"] == "2025"
    assert case["unit_id"] in {u["unit_id"] for u in units}
    assert "synthetic" in case["reason"] and "synthetic" in case["evidence"]
    assert _rows(world / "vetoes.csv") == []  # no invented misconduct for the real counties
    obs = _rows(world / "townships" / "observations.csv")
    growth = {
        o["unit_id"]: float(o["value"])
        for o in obs
        if o["indicator_id"] == "rural_income_growth" and o["period"] == "2025"
    }
    others = np.median([v for u, v in growth.items() if u != case["unit_id"]])
    assert growth[case["unit_id"]] > others + FALSIFIED_INFLATION / 2


# --- weights: "改变简单以GDP增长率论英雄" --------------------------------------------------------------
def _ahp_eigen(matrix: list[list[float]]) -> np.ndarray:
    """Principal eigenvector (Saaty 1980), computed here independently of zhengji.engine."""
    vals, vecs = np.linalg.eig(np.array(matrix))
    v = np.abs(np.real(vecs[:, np.argmax(np.real(vals))]))
    return v / v.sum()


def _leaf_weights(scheme: Scheme, category: str) -> dict[str, float]:
    """Nominal share of every indicator: product of normalised child weights down the tree."""
    cat = scheme.category(category)
    assert cat is not None
    applicable = {i.id for i in scheme.indicators_for(category)}

    def walk(node_id: str, share: float, out: dict[str, float]) -> None:
        kids = [
            k
            for k in scheme.children(node_id)
            if k.id in applicable or k.id in {p.id for p in scheme.pillars}
        ]
        node = (
            scheme.index
            if node_id == scheme.index.id
            else next(p for p in scheme.pillars if p.id == node_id)
        )
        if node.weighting.method == "ahp":
            ahp = node.weighting.ahp
            assert ahp is not None and ahp.matrix is not None and ahp.order is not None
            w = dict(zip(ahp.order, _ahp_eigen(ahp.matrix), strict=True))
            raw = [w[k.id] for k in kids]
        else:
            raw = [cat.weights.get(k.id, k.weight) for k in kids]
        total = sum(raw)
        for k, r in zip(kids, raw, strict=True):
            if k.id in applicable:
                out[k.id] = share * r / total
            else:
                walk(k.id, share * r / total, out)

    out: dict[str, float] = {}
    walk(scheme.index.id, 1.0, out)
    return out


@pytest.mark.parametrize("category", ["urban", "agri", "eco"])
def test_gdp_growth_share_at_most_ten_percent(world: Path, category: str) -> None:
    scheme = load_scheme(world / "scheme.toml")
    leaves = _leaf_weights(scheme, category)
    assert sum(leaves.values()) == pytest.approx(1.0)
    gdp = leaves.get("gdp_growth", 0.0)
    # After source reweighting each source carries its declared share; statistics is scaled.
    stats = sum(w for i, w in leaves.items() if scheme.indicator(i).source == "statistics")
    declared = scheme.sources.weights
    reweighted = gdp / stats * declared["statistics"] / sum(declared.values())
    if category == "eco":
        assert "gdp_growth" not in leaves and gdp == 0.0
    else:
        assert 0.0 < gdp <= 0.10
        assert 0.0 < reweighted <= 0.10
    # Livelihood, ecology and latent work weigh more than GDP growth (the seed's emphasis).
    latent = sum(w for i, w in leaves.items() if scheme.indicator(i).kind == "latent")
    assert latent > 0.25 > 0.05 > gdp


def test_eco_category_excludes_gdp_growth(world: Path) -> None:
    scheme = load_scheme(world / "scheme.toml")
    eco = scheme.category("eco")
    assert eco is not None and "gdp_growth" in eco.exclude
    assert "gdp_growth" not in {i.id for i in scheme.indicators_for("eco")}


def test_scheme_shows_each_feature(world: Path) -> None:
    s = load_scheme(world / "scheme.toml")
    assert any(p.weighting.method == "ahp" for p in s.pillars)
    assert s.treatment.missing == "carry_forward" and s.treatment.outliers == "coinr"
    assert s.treatment.min_availability == 0.6
    assert {i.horizon.mode for i in s.indicators if i.horizon} == {"change", "slope"}
    assert {i.source for i in s.indicators} == {
        "statistics",
        "party_committee",
        "mass_evaluation",
        "third_party",
        "derived",  # project_credit, accountability_deduction (zhengji.accountability)
    }
    assert sum(i.denominator is not None for i in s.indicators) >= 2
    methods = {i.normalisation.method for i in s.indicators if i.normalisation}
    assert {"goalposts", "distance_to_target"} <= methods
    assert {v.id: v.cap for v in s.vetoes} == {"falsification": "较差", "major_accident": "一般"}
    assert s.grades.names == ["优秀", "良好", "一般", "较差"]
    assert s.sources.mode == "reweight"


# --- the bundles load and assess (zhengji.bundle + zhengji.engine) ----------------------------------
def test_county_bundle_assesses_with_every_feature_visible(world: Path) -> None:
    from zhengji.bundle import load_bundle
    from zhengji.engine.assess import assess

    bundle = load_bundle(world)
    result = assess(bundle.scheme, bundle.panel)
    assert result.synthetic and result.period == "2025"
    assert len(result.unit_ids) == 10 and not result.screened_out
    gdp = result.weights[:, result.indicator_ids.index("gdp_growth")]
    eco = np.array(result.categories) == "eco"
    assert np.all(gdp[eco] == 0.0)
    assert np.all((gdp[~eco] > 0) & (gdp[~eco] <= 0.10))
    actions = {t.action for t in result.treatments}
    assert {"imputed", "winsorised"} <= actions
    assert [v.veto_id for v in result.vetoes] == ["major_accident"]
    assert len(set(result.grade)) >= 3  # the grades discriminate


def test_township_bundle_assesses_and_vetoes_the_falsifier(world: Path) -> None:
    from zhengji.bundle import load_bundle
    from zhengji.engine.assess import assess

    bundle = load_bundle(world / "townships")
    result = assess(bundle.scheme, bundle.panel)
    case = _rows(world / "townships" / "vetoes.csv")[0]["unit_id"]
    rec = [v for v in result.vetoes if v.veto_id == "falsification"]
    assert [v.unit_id for v in rec] == [case]
    assert result.grade[result.unit(case)] == "较差" != rec[0].grade_before


# --- planted manipulations for the integrity screen (issue 11, docs/demo.md) -------------------------
PROXIES = [p.id for p in PROXY_SPECS]


def _case(kind: str, seed: int = 20251) -> PlantedCase:
    return next(c for c in planted_cases(seed) if c.kind == kind)


def _series(panel: Panel, variable: str) -> np.ndarray:
    return np.ascontiguousarray(panel.series(variable).T)  # (units, periods)


def _reporting_decimals(values: np.ndarray) -> int:
    """Decimals the figures were written with: the most any value needs (trailing zeros lost)."""
    v = values[np.isfinite(values)]
    for d in range(7):
        scaled = np.abs(v) * 10.0**d
        if np.all(np.abs(scaled - np.round(scaled)) <= 1e-9 * np.maximum(1.0, scaled)):
            return d
    return 6


def test_planted_cases_are_deterministic_and_in_the_readme(world: Path) -> None:
    cases = planted_cases(20251)
    assert cases == planted_cases(20251)
    assert [c.kind for c in cases] == [
        "gdp_vs_proxies",
        "target_bunching",
        "too_smooth",
        "invented_numbers",
        "sum_of_parts",
    ]
    for bundle, readme in (
        ("county", world / "README.md"),
        ("townships", world / "townships" / "README.md"),
    ):
        text = readme.read_text(encoding="utf-8")
        for c in cases:
            assert (f"| {c.kind} | {', '.join(c.unit_ids)} |" in text) == (c.bundle == bundle)
    # the GDP plants go to assessed (non-eco) counties, two different ones
    cats = {u["unit_id"]: u["category"] for u in _rows(world / "units.csv")}
    inflated, smooth = _case("gdp_vs_proxies").unit_ids[0], _case("too_smooth").unit_ids[0]
    assert inflated != smooth and cats[inflated] != "eco" != cats[smooth]
    assert _case("gdp_vs_proxies").periods == ("2023", "2024", "2025") and INFLATED_YEARS == 3


def test_both_schemes_declare_the_integrity_checks(world: Path) -> None:
    county = load_scheme(world / "scheme.toml")
    spec = county.integrity
    assert spec.digits and spec.veto == "falsification"
    assert [(p.indicator, p.proxies) for p in spec.proxies] == [("gdp_growth", PROXIES)]
    assert [(t.indicator, t.target, t.window) for t in spec.targets] == [
        ("gdp_growth", GDP_TARGET, 0.5)
    ]
    town = load_scheme(world / "townships" / "scheme.toml")
    assert town.integrity.veto == "falsification" and town.levels == ["township"]
    assert [(a.indicator, a.tolerance) for a in town.integrity.additive] == [
        ("collective_income", 0.01)
    ]


def test_honest_gdp_growth_is_explained_by_the_proxies(world: Path) -> None:
    """Counties nobody manipulated: two-way Huber fit on the four proxies, residual sd 0.2–0.5 pp."""
    panel = load_bundle(world).panel
    planted = {u for c in planted_cases() if c.bundle == "county" for u in c.unit_ids}
    keep = [i for i, u in enumerate(panel.unit_ids) if u not in planted]
    assert len(keep) >= 5
    y = _series(panel, "gdp_growth")[keep]
    X = np.stack([_series(panel, p)[keep].ravel() for p in PROXIES], axis=1)
    units, periods = np.meshgrid(np.arange(len(keep)), np.arange(y.shape[1]), indexing="ij")
    fit = huber_fe_fit(y.ravel(), X, [units.ravel(), periods.ravel()])
    assert 0.2 <= fit.scale <= 0.5
    assert np.all(fit.beta > -0.2) and fit.beta.sum() > 0.5  # growth moves with its proxies


@pytest.mark.parametrize("seed", [20251, 1, 2, 3])
def test_inflated_gdp_is_the_top_proxy_finding(tmp_path: Path, seed: int) -> None:
    """The planted county (GDP +3 pp a year for 3 years, proxies unchanged) has the smallest p."""
    panel = load_bundle(build_world(tmp_path / "w", seed=seed)).panel
    case = _case("gdp_vs_proxies", seed)
    found = proxy_checks(
        _series(panel, "gdp_growth"),
        {p: _series(panel, p) for p in PROXIES},
        panel.unit_ids,
        panel.periods,
        "gdp_growth",
    )
    units = sorted(
        (f for f in found if f.check == "proxy_persistent" and f.unit_id != "*"),
        key=lambda f: f.p_value,
    )
    assert len(units) == 10
    top = units[0]
    assert top.unit_id == case.unit_ids[0]
    assert top.p_value < 1e-4 and units[1].p_value > 10 * top.p_value
    est = top.evidence["implied_inflation_pp"]
    assert top.evidence["ci_low"] > 0 and abs(est - GDP_INFLATION) < 1.5


def test_gdp_growth_bunches_at_the_target(world: Path) -> None:
    panel = load_bundle(world).panel
    y = _series(panel, "gdp_growth")
    (bunch,) = target_bunching(y, GDP_TARGET, panel.periods, "gdp_growth", bandwidth=0.5)
    assert bunch.p_value < 0.05
    assert bunch.evidence["just_meet"] >= 3 * bunch.evidence["just_miss"]
    case = _case("target_bunching")
    assert case.size >= 3 and set(case.unit_ids) <= set(panel.unit_ids)
    # the managed values sit at target + 0.0–0.3; one county hits the target exactly, repeatedly
    hits = exact_target_hits(y, GDP_TARGET, panel.unit_ids, panel.periods, "gdp_growth")
    assert min(f.p_value for f in hits) < 0.01


def test_too_smooth_county_stands_out_against_all_counties(world: Path) -> None:
    """Peers are all ten counties: no category has the six members a five-peer test needs."""
    panel = load_bundle(world).panel
    y = _series(panel, "gdp_growth")
    case = _case("too_smooth")
    row = y[panel.unit_ids.index(case.unit_ids[0])]
    assert np.all((row > GDP_TARGET) & (row <= GDP_TARGET + 0.2 + 1e-9))
    everyone = too_smooth(y, panel.unit_ids, ["county"] * 10, panel.periods, "gdp_growth")
    by_unit = {f.unit_id: f for f in everyone}
    assert by_unit[case.unit_ids[0]].p_value < 1e-10
    assert all(f.p_value > 0.01 for u, f in by_unit.items() if u != case.unit_ids[0])
    by_category = too_smooth(y, panel.unit_ids, panel.categories, panel.periods, "gdp_growth")
    assert all(f.evidence.get("not_tested") == 1.0 for f in by_category)


def _township_digit_findings(world: Path) -> dict[str, dict[str, float]]:
    """round_0_5 per township over every statistics figure, each at its reporting precision."""
    bundle = load_bundle(world / "townships")
    panel, scheme = bundle.panel, bundle.scheme
    towns = [i for i, lv in enumerate(panel.levels) if lv == "township"]
    stats = [i.id for i in scheme.indicators if i.source == "statistics"]
    counts = {}
    for u in towns:
        total = None
        for ind in stats:
            col = panel.series(ind)[:, towns]
            c = count_digits(
                col[:, towns.index(u)][np.isfinite(col[:, towns.index(u)])],
                _reporting_decimals(col),
            )
            total = c if total is None else total + c
        assert total is not None
        counts[panel.unit_ids[u]] = total
    found = digit_findings_from_counts(counts, "*", "2021–2025", ("round_0_5",))
    return {f.unit_id: {"p": f.p_value, "share": f.statistic, "n": f.evidence["n"]} for f in found}


def test_invented_township_figures_end_in_0_or_5(world: Path) -> None:
    case = _case("invented_numbers")
    found = _township_digit_findings(world)
    assert len(found) == 50 and min(f["n"] for f in found.values()) >= 88  # every one tested
    fake = found[case.unit_ids[0]]
    assert fake["p"] < 1e-10 and fake["share"] > 0.5
    assert all(f["p"] > 0.01 for u, f in found.items() if u != case.unit_ids[0])
    veto = _rows(world / "townships" / "vetoes.csv")[0]["unit_id"]
    assert veto != case.unit_ids[0]  # a new suspect, not the case already confirmed


def test_one_county_total_is_not_the_sum_of_its_townships(world: Path) -> None:
    panel = load_bundle(world / "townships").panel
    scheme = load_scheme(world / "townships" / "scheme.toml")
    (additive,) = scheme.integrity.additive
    children: dict[str, list[str]] = {}
    for unit, parent in zip(panel.unit_ids, panel.parents, strict=True):
        if parent:
            children.setdefault(parent, []).append(unit)
    assert len(children) == 10
    found = sum_of_parts(
        _series(panel, additive.indicator),
        panel.unit_ids,
        panel.periods,
        children,
        additive.indicator,
        rel_tol=additive.tolerance,
    )
    case = _case("sum_of_parts")
    assert [(f.unit_id, f.periods) for f in found] == [(case.unit_ids[0], case.periods)]
    assert found[0].statistic == pytest.approx(SUM_GAP / (1 + SUM_GAP), abs=1e-3)
    assert found[0].statistic >= 0.05
