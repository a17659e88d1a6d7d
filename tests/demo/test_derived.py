"""The derived indicators of the people's voice, the grids and the eco accounts: weighted by
the demo schemes, and added to the bundles from the store's records before the assessment."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from zhengji.bundle import load_bundle
from zhengji.demo import build_world
from zhengji.demo.derived import FROM_RECORDS, MARK, add_to_bundles
from zhengji.engine.assess import assess
from zhengji.scheme import parse_scheme
from zhengji.scheme.model import Scheme
from zhengji.scheme.weights import nominal_weights
from zhengji.store import Store

GRID_ECO = {i for i in FROM_RECORDS if i.startswith(("grid_", "eco_"))}


def _scheme(name: str) -> Scheme:
    return parse_scheme(resources.files("zhengji.demo").joinpath(name).read_text("utf-8"))


def _fused(scheme: Scheme, category: str) -> dict[str, float]:
    """Each indicator's share of the index with every value present: under ``reweight`` the
    tree's weights within a source times the source's weight (as ``engine.assess._sources``)."""
    src = {i.id: i.source for i in scheme.indicators}
    w = {k: v for k, v in nominal_weights(scheme, category).items() if k in src}
    if scheme.sources.mode != "reweight":
        return w
    per: dict[str, float] = {}
    for i, v in w.items():
        per[src[i]] = per.get(src[i], 0.0) + v
    return {i: v / per[src[i]] * scheme.sources.weights.get(src[i], 0.0) for i, v in w.items()}


@pytest.mark.parametrize("category", ["urban", "agri", "eco"])
def test_county_scheme_weighs_the_derived_indicators(category: str) -> None:
    scheme = _scheme("scheme.toml")
    fused = _fused(scheme, category)
    assert sum(fused.values()) == pytest.approx(1.0)
    kinds = {i.id: i.kind for i in scheme.indicators}
    sources = {i.id: i.source for i in scheme.indicators}
    for ind in FROM_RECORDS:
        assert 0.008 <= fused[ind] <= 0.07, (ind, fused[ind])
    assert all(kinds[i] == "latent" for i in GRID_ECO)  # 潜绩: governance foundation, ecology
    assert sources["survey_score"] == "mass_evaluation"
    grid = sum(fused[i] for i in FROM_RECORDS if i.startswith("grid_"))
    assert 0.035 <= grid <= 0.05
    # the seed's rules still hold: statistics keep the largest share, the people's evaluation
    # outweighs the party committee's review, GDP growth ≤ 10 % (none in eco zones)
    by_source: dict[str, float] = {}
    for i, v in fused.items():
        by_source[sources[i]] = by_source.get(sources[i], 0.0) + v
    assert by_source["derived"] == pytest.approx(0.15)
    assert max(by_source, key=lambda s: by_source[s]) == "statistics"
    assert by_source["mass_evaluation"] > by_source["party_committee"]
    assert fused.get("gdp_growth", 0.0) <= (0.0 if category == "eco" else 0.10)


def test_township_scheme_weighs_the_derived_indicators() -> None:
    scheme = _scheme("scheme_township.toml")
    w = _fused(scheme, "township")
    declared = {i.id for i in scheme.indicators}
    assert set(FROM_RECORDS) - declared == {"eco_gep_two_way"}  # GEP is a county account
    for ind in set(FROM_RECORDS) & declared:
        assert 0.015 <= w[ind] <= 0.05, (ind, w[ind])
    # residents' own judgements outweigh the party committee's review in the pillar
    sat = {i: w[i] for i in ("mass_satisfaction", "survey_score", "voice_composite")}
    assert sum(sat.values()) > 2 * w["party_review"]


@pytest.fixture(scope="module")
def stocked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Store]:
    """A small demo store: requests and the survey, grids, eco accounts and GEP inputs."""
    from zhengji.demo import eco, grid, voice

    root = tmp_path_factory.mktemp("derived")
    store = Store.open(f"sqlite:///{root / 'store.db'}")
    voice.populate(store, seed=20251, n_requests=1500)
    grid.populate(store, seed=20251)
    eco.populate(store, seed=20251, holders_per_village=5)
    return root, store


def test_derived_rows_are_added_to_the_bundles_once(
    stocked: tuple[Path, Store], tmp_path: Path
) -> None:
    _, store = stocked
    world = build_world(tmp_path / "w", seed=20251)
    bare = load_bundle(world)
    done = add_to_bundles(world, store)
    assert set(done.county) == set(FROM_RECORDS)
    assert done.county["eco_gep_two_way"] == 40  # 10 counties × 2022–2025
    assert all(n == 10 for k, n in done.county.items() if k != "eco_gep_two_way")
    # a township without a called-back request has no composite: missing, never zero
    assert 45 <= done.townships.pop("voice_composite") <= 50
    assert done.townships == {
        i: 50 for i in FROM_RECORDS if i not in ("eco_gep_two_way", "voice_composite")
    }
    for d in (world, world / "townships"):
        assert MARK in (d / "README.md").read_text(encoding="utf-8")
    text = (world / "observations.csv").read_bytes()
    assert add_to_bundles(world, store).rows == 0  # a bundle gets the rows once
    assert (world / "observations.csv").read_bytes() == text

    county = load_bundle(world)  # valid: sources match the scheme, no duplicates
    assert county.fingerprint != bare.fingerprint
    a, b = assess(county.scheme, county.panel), assess(bare.scheme, bare.panel)
    cols = [a.indicator_ids.index(i) for i in FROM_RECORDS]
    assert (a.weights[:, cols] > 0).all()  # every county is weighed on every one of them
    bare_cols = [b.indicator_ids.index(i) for i in FROM_RECORDS]
    assert np.nan_to_num(b.weights[:, bare_cols]).sum() == 0  # absent: no weight
    assert not np.allclose(a.score, b.score)
    towns = load_bundle(world / "townships")
    t = assess(towns.scheme, towns.panel)
    t_cols = [t.indicator_ids.index(i) for i in done.townships]  # the always-present ones
    assert (t.weights[:, t_cols] > 0).all()
