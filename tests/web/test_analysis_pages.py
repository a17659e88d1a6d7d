"""Rank uncertainty in the web app (issue 6): run and store the analysis of a stored run, then
the overview and unit pages show rank intervals, grade odds and the pairs that are tied."""

from __future__ import annotations

from typing import Any

import pytest
from tests.web.conftest import Client, World, browser_login, shot

from zhengji.bundle import load_bundle
from zhengji.engine.uncertainty import run_uncertainty
from zhengji.report.analysis import uncertainty_json

NOTE = "排序不稳健，统计上并列"


@pytest.fixture(scope="module")
def analysed(world: World, clients: dict[str | None, Client]) -> dict[str, Any]:
    """The county run analysed once (200 replications) through the web app, as an admin."""
    r = clients["admin"].post(f"/runs/{world.county_run}/uncertainty", {"replications": "200"})
    assert r.status_code == 200, r.text[:300]
    body: dict[str, Any] = r.json()
    return body


def test_stored_analysis_equals_the_cli_numbers(
    world: World, clients: dict[str | None, Client], analysed: dict[str, Any]
) -> None:
    assert analysed["run_id"] == world.county_run and analysed["replications"] == 200
    d = clients["inspector"].get(f"/runs/{world.county_run}/analysis.json").json()
    b = load_bundle(world.bundle)
    fresh = uncertainty_json(run_uncertainty(b.scheme, b.panel, replications=200))
    u = d["uncertainty"]
    assert [x["unit_id"] for x in u["units"]] == [x["unit_id"] for x in fresh["units"]]
    for got, want in zip(u["units"], fresh["units"], strict=True):
        assert (got["median_rank"], got["rank_low"], got["rank_high"]) == (
            want["median_rank"],
            want["rank_low"],
            want["rank_high"],
        )
        assert got["grade_prob"] == want["grade_prob"]
    assert d["spec"]["seed"] == u["seed"] == fresh["seed"]
    assert any(h["id"] == analysed["analysis_id"] for h in d["history"])


def test_overview_and_unit_show_intervals(
    world: World, clients: dict[str | None, Client], analysed: dict[str, Any]
) -> None:
    admin = clients["admin"]
    ov = admin.get(f"/index.json?run={world.county_run}").json()
    iv = ov["uncertainty"]["units"]
    rows = [r for c in ov["categories"] for r in c["rows"]]
    assert {r["unit_id"] for r in rows} == set(iv)
    for r in rows:
        x = iv[r["unit_id"]]
        assert x["nominal_rank"] == r["rank"]
        assert x["rank_low"] <= x["median_rank"] <= x["rank_high"]
    # the demo world has at least one adjacent pair whose order is not robust (issue 6)
    tied = [(u, x["tied_with"]) for u, x in iv.items() if x["tied_with"]]
    assert tied and len(ov["uncertainty"]["not_robust"]) == len(tied)
    html = admin.get(f"/?run={world.county_run}", html=True).text
    assert NOTE in html and ov["uncertainty"]["sentence_zh"] in html
    u = admin.get(f"/units/jiangkou.json?run={world.county_run}").json()["uncertainty"]
    assert u["rank_low"] <= u["median_rank"] <= u["rank_high"]
    assert sum(g["p"] or 0 for g in u["grades"]) == pytest.approx(1, abs=1e-3)
    assert [g["grade"] for g in u["grades"]] == list(iv["jiangkou"]["grade_prob"])
    assert [g["p"] for g in u["grades"]] == list(iv["jiangkou"]["grade_prob"].values())


def test_reporter_sees_only_their_unit_and_may_not_run(
    world: World, clients: dict[str | None, Client], analysed: dict[str, Any]
) -> None:
    rep = clients["rep_jiangkou"]
    ov = rep.get(f"/index.json?run={world.county_run}").json()
    assert set(ov["uncertainty"]["units"]) == {"jiangkou"}
    assert ov["uncertainty"]["sentence_zh"] is None  # it names other counties
    assert rep.post(f"/runs/{world.county_run}/uncertainty", {}).status_code == 403
    assert rep.get(f"/runs/{world.county_run}/analysis.json").status_code == 403
    insp = clients["inspector"]
    assert insp.post(f"/runs/{world.county_run}/uncertainty", {}).status_code == 403
    bad = clients["assessor"].post(f"/runs/{world.county_run}/uncertainty", {"replications": "5"})
    assert bad.status_code == 422


def test_browser_runs_the_analysis_and_sees_the_charts(page: Any, world: World) -> None:
    run = world.township_run
    browser_login(page, "assessor")
    page.goto(f"/runs/{run}/analysis")
    assert page.locator("#no-analysis").is_visible()
    page.get_by_label("模拟次数", exact=False).fill("200")
    page.get_by_role("button", name="运行不确定性分析并保存").click()
    page.wait_for_url(f"**/runs/{run}/analysis")
    page.locator('[data-chart="rankint"][data-drawn="1"] svg').first.wait_for()
    assert page.locator("#intervals tbody tr").count() > 10
    shot(page, "analysis-rank-intervals")
    page.goto(f"/?run={run}")
    assert page.locator("#rank-uncertainty").is_visible()
    assert page.locator("td.interval").count() > 10
    unit = page.locator("table.ranking tbody tr td a").first
    unit.click()
    page.locator('[data-chart="gradeprob"][data-drawn="1"] svg').first.wait_for()
    assert "–" in page.locator("#rank-range").inner_text()
    shot(page, "analysis-unit-grade-probabilities")
    assert not page.errors, page.errors
