"""The evidence chart of each finding type and the withdraw action (issue 11), over HTTP and in
Chromium: an admin opens a finding, sees its chart, confirms it, then withdraws it."""

from __future__ import annotations

import math
from typing import Any

from tests.web.conftest import Client, World, browser_login, shot

from zhengji.web.evidence import evidence_chart


def test_first_digit_chart_is_observed_against_benford() -> None:
    # Benford (1938): P(d) = log10(1 + 1/d), P(1) = 0.30103, P(9) = 0.04576
    ev = {"n": 200.0, "not_tested": 0.0} | {f"share_{d}": 1 / 9 for d in range(1, 10)}
    c = evidence_chart("digits.first", ev)
    assert c is not None and c["categories"] == [str(d) for d in range(1, 10)]
    observed, expected = c["series"]
    assert observed["type"] == "bar" and observed["data"] == [1 / 9] * 9
    assert expected["type"] == "line"
    assert math.isclose(expected["data"][0], 0.30103, abs_tol=1e-5)
    assert math.isclose(expected["data"][8], 0.04576, abs_tol=1e-5)
    assert math.isclose(sum(expected["data"]), 1.0)


def test_each_check_draws_its_own_numbers() -> None:
    c = evidence_chart("proxy_residual", {"reported": 9.5, "expected_pp": 6.0, "residual_pp": 3.5})
    assert c is not None and c["series"][0]["data"] == [9.5, 6.0]
    c = evidence_chart("target_bunching", {"just_meet": 11.0, "just_miss": 1.0, "bandwidth": 0.5})
    assert c is not None and c["series"][0]["data"] == [1.0, 11.0] and "±0.5" in c["categories"][0]
    c = evidence_chart("too_smooth", {"sd_pp": 0.2, "peer_median_sd_pp": 1.9})
    assert c is not None and c["series"][0]["data"] == [0.2, 1.9]
    c = evidence_chart("target_exact", {"exact_hits": 3.0, "periods": 5.0, "expected_rate": 0.02})
    assert c is not None and [s["data"] for s in c["series"]] == [[0.6], [0.02]]
    c = evidence_chart("digits.round_0_5", {"share_1": 0.5, "share_0": 0.5})
    assert c is not None and [s["data"] for s in c["series"]] == [[0.5], [0.2]]
    # nothing to draw: not tested, or a digit test below its minimum size (shares unknown)
    assert evidence_chart("sum_of_parts", {"not_tested": 1.0}) is None
    assert evidence_chart("digits.last", {"n": 5.0, "share_0": None, "share_1": None}) is None
    assert evidence_chart("unknown_check", {"x": 1.0}) is None


def test_every_finding_type_in_the_world_has_a_chart(
    world: World, clients: dict[str | None, Client]
) -> None:
    admin = clients["admin"]
    by_check: dict[str, Any] = {}
    for f in world.store.findings(world.screen_id):
        by_check.setdefault(f.check, f)
    drawn = set()
    for check, f in by_check.items():
        d = admin.get(f"/findings/{f.id}.json").json()
        if d["chart"] is not None:
            drawn.add(check)
            assert all(
                len(s["data"]) == len(d["chart"]["categories"]) for s in d["chart"]["series"]
            )
    assert {"proxy_residual", "proxy_persistent", "target_bunching", "too_smooth"} <= drawn
    assert {"peer_outlier", "digits.duplication"} <= drawn


def _pick(world: World) -> Any:
    taken = {"jiangkou", "yuping", "bijiang"}  # used by other web tests
    return next(
        f
        for f in world.store.findings(world.screen_id)
        if f.check == "proxy_residual" and f.unit_id not in taken and f.state == "open"
    )


def test_admin_sees_chart_confirms_then_withdraws(
    page: Any, world: World, clients: dict[str | None, Client]
) -> None:
    f = _pick(world)
    browser_login(page, "admin")
    page.goto(f"/findings/{f.id}")
    page.locator('#evidence-chart [data-chart="evidence"][data-drawn="1"] svg').first.wait_for()
    assert page.get_by_text("上报增长与代理指标预测").first.is_visible()
    shot(page, "finding-evidence-chart")
    page.get_by_label("确认造假的理由").fill("经实地核查，确认增速虚报")
    page.get_by_role("button", name="确认造假（触发一票否决）").click()
    page.wait_for_url(f"**/findings/{f.id}")
    assert page.locator("#state").inner_text() == "已确认造假"
    page.get_by_label("撤销认定的理由").fill("复核发现统计口径差异，撤销认定")
    page.get_by_role("button", name="撤销认定（撤回一票否决）").click()
    page.wait_for_url(f"**/findings/{f.id}")
    assert page.locator("#state").inner_text() == "已撤销认定"
    assert page.get_by_text("复核发现统计口径差异，撤销认定").is_visible()
    shot(page, "finding-withdrawn")
    assert not page.errors, page.errors
    d = clients["admin"].get(f"/findings/{f.id}.json").json()
    assert [e["action"] for e in d["events"]] == ["confirm", "withdraw"]
    assert d["finding"]["state"] == "withdrawn" and d["actions"] == ["confirm"]
    assert world.store.findings(finding_id=f.id)[0].state == "withdrawn"


def test_only_an_admin_withdraws_and_only_a_confirmed_finding(
    world: World, clients: dict[str | None, Client]
) -> None:
    f = next(
        x
        for x in world.store.findings(world.screen_id)
        if x.unit_id == "jiangkou" and x.state == "open"
    )
    assert clients["admin"].post(f"/findings/{f.id}/withdraw", {"text": "x"}).status_code == 400
    rep = clients["rep_jiangkou"]
    assert rep.post(f"/findings/{f.id}/withdraw", {"text": "x"}).status_code == 403
    assert world.store.findings(finding_id=f.id)[0].state == "open"
