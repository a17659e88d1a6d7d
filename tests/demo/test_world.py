"""The synthetic Tongren world: deterministic, complete, loadable, and true to the seed's rules."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from zhengji.demo import SYNTHETIC_LABEL, build_world
from zhengji.demo.world import FALSIFIED_INFLATION, OUTLIER
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
    variables = [i.id for i in scheme.indicators] + [d.id for d in scheme.denominators]
    assert len(scheme.indicators) == 30
    seen = Counter((o["indicator_id"], o["period"]) for o in obs)
    for var in variables:
        for p in periods:
            assert seen[(var, p)] >= 9, (var, p)  # at most one gap per variable and period
    assert {o["indicator_id"] for o in obs} == set(variables)
    expected_cells = 10 * 5 * len(variables)
    assert len(obs) == expected_cells - 4  # the four deliberate gaps
    sources = {o["indicator_id"]: o["source"] for o in obs}
    for ind in scheme.indicators:
        assert sources[ind.id] == ind.source


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
