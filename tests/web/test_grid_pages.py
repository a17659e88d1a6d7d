"""Grid pages (一中心一张网十联户): scope by role, parties only for the centre and the handling
mediator, steps through the core (CSRF, audit, timeline), the tree's numbers equal the core's
indicators, and the centre → mediator flow in the browser."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.web.access_grid import open_dispute
from tests.web.conftest import Client, World, browser_login, shot

from zhengji.grid.facts import indicator_rows
from zhengji.store.schema_grid import GridDisputeEventRow
from zhengji.store.schema_web import AuditRow

GRID = "jiangkou_t1_v1_g1"  # gw_jiangkou's grid
PARTY = "当事人甲（测试）"
XSS = "<script>alert('x')</script>\"'><img src=x onerror=alert(1)>"


def _events(w: World, did: int) -> int:
    with w.store.transaction() as s:
        q = select(func.count()).select_from(GridDisputeEventRow)
        return int(s.scalar(q.where(GridDisputeEventRow.dispute_id == did)) or 0)


def _walk(nodes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    todo = list(nodes)
    while todo:
        n = todo.pop()
        out[n["id"]] = n
        todo.extend(n["children"])
    return out


def test_each_role_sees_its_own_part_of_the_tree(clients: dict[str, Client]) -> None:
    centre = clients["centre_jiangkou"].get("/grid.json?period=2025").json()
    assert [r["id"] for r in centre["tree"]] == ["jiangkou"]
    ids = set(_walk(centre["tree"]))
    assert all(i == "jiangkou" or i.startswith("jiangkou_") for i in ids)
    assert {"jiangkou_t1", GRID, f"{GRID}_k1"} <= ids
    gw = clients["gw_jiangkou"].get("/grid.json?period=2025").json()
    (root,) = gw["tree"]
    assert root["id"] == GRID and root["level"] == "grid"
    assert set(_walk(gw["tree"])) == {GRID} | {f"{GRID}_k{k}" for k in range(1, 5)}
    assert root["households"] == 40  # demo: 4 groups of 10 households
    admin = clients["admin"].get("/grid.json?period=2025").json()
    assert len(admin["tree"]) == 10  # the ten demo counties


def test_the_tree_page_loads_lower_levels_when_opened(clients: dict[str, Client]) -> None:
    """The HTML tree shows the top units and their children only (the admin: counties and
    townships); a township's villages come from ``/grid?under=``, which the page asks for with
    htmx when the node is opened; the numbers of the shallow tree are those of the whole one."""
    admin = clients["admin"]
    page = admin.get("/grid?period=2025", html=True).text
    assert 'id="node-jiangkou_t1"' in page and 'id="node-jiangkou_t1_v1"' not in page
    assert 'hx-get="/grid?under=jiangkou_t1&amp;period=2025&amp;depth=1"' in page
    assert len(page.encode()) < 150_000  # was 1.1 MB with every group
    full = _walk(admin.get("/grid.json?period=2025").json()["tree"])
    shallow = _walk(admin.get("/grid.json?period=2025&depth=1").json()["tree"])
    assert {n["level"] for n in shallow.values()} == {"county", "township"}
    for unit, n in shallow.items():
        assert n["more"] and not n["children"] if n["level"] == "township" else n["children"]
        keys = ("households", "grids", "villages", "groups", "open", "overdue", "indicators")
        assert {k: n[k] for k in keys} == {k: full[unit][k] for k in keys}, unit
    part = admin.get("/grid?under=jiangkou_t1&period=2025&depth=1", html=True).text
    assert 'id="node-jiangkou_t1_v1"' in part and 'id="node-jiangkou_t1_v1_g1"' not in part
    centre = clients["centre_jiangkou"]
    assert centre.get("/grid?under=bijiang_t1", html=True).status_code == 403
    assert centre.get("/grid.json?under=jiangkou_t1_v2").json()["tree"][0]["id"] == "jiangkou_t1_v2"
    assert clients["gw_jiangkou"].get("/grid.json?under=jiangkou_t1_v1").status_code == 403
    assert admin.get("/grid.json?under=no_such_unit").status_code == 404


def test_the_demo_gives_the_centre_and_the_mediator_work(clients: dict[str, Client]) -> None:
    """The demo leaves recent open disputes: unassigned and overdue ones in the dispatch view,
    one escalated to the county, cases on the township mediator's list."""
    d = clients["centre_jiangkou"].get("/grid/dispatch.json").json()
    demo = [c for c in d["disputes"] if c["source"] in ("grid", "citizen")]
    assert d["counts"]["unassigned"] >= 1 and d["counts"]["overdue"] >= 1
    assert any(c["level"] == "county" and c["state"] == "registered" for c in demo)
    assert any(c["overdue"] and c["level"] == "village" for c in demo)
    mine = clients["med_jiangkou"].get("/grid/disputes.json").json()["disputes"]
    assert mine and all(c["mediator_id"] == "jiangkou_t1_med" and c["open"] for c in mine)


def test_a_grid_worker_sees_only_their_grid(clients: dict[str, Client]) -> None:
    gw = clients["gw_jiangkou"]
    assert gw.get(f"/grid/units/{GRID}").status_code == 200
    for path in ("/grid/units/jiangkou_t1_v1_g2", "/grid/units/jiangkou_t1_v1_g2.json"):
        assert gw.get(path).status_code == 403
    assert gw.get("/grid/units/jiangkou_t1.json").status_code == 403  # not the township either
    assert gw.get(f"/grid/units/{GRID}_k2.json").status_code == 200  # a group of their grid
    page = gw.get(f"/grid/units/{GRID}.json").json()
    assert len(page["groups"]) == 4 and len(page["groups"][0]["households_list"]) == 10
    homes = [h["id"] for h in page["groups"][0]["households_list"]]
    assert homes == [f"{GRID}_k1_h{i}" for i in range(1, 11)]  # natural order: h2 before h10
    assert page["visits"] and all(v["household_id"] is None or GRID in v["household_id"]
                                  for v in page["visits"])  # fmt: skip
    assert gw.get("/grid/units/no_such_grid.json").status_code == 404


def test_a_grid_worker_sees_the_dispute_but_not_the_parties(
    world: World, clients: dict[str, Client]
) -> None:
    did = open_dispute(world, GRID)
    gw = clients["gw_jiangkou"]
    j = gw.get(f"/grid/disputes/{did}.json").json()
    assert j["parties"] is None and j["dispute"]["summary"] is None and j["actions"] == []
    assert j["events"][0]["action"] == "register"
    page = gw.get(f"/grid/disputes/{did}", html=True).text
    assert PARTY not in page and "山林边界" not in page
    assert did in {d["id"] for d in gw.get("/grid/disputes.json").json()["disputes"]}
    for who in ("centre_jiangkou", "med_jiangkou", "admin"):
        shown = clients[who].get(f"/grid/disputes/{did}.json").json()["parties"]
        assert PARTY in {p["name"] for p in shown}, who
    assert clients["inspector"].get(f"/grid/disputes/{did}.json").json()["parties"] is None
    # a dispute in the worker's other grid is out of reach
    other = open_dispute(world, "jiangkou_t1_v1_g2")
    assert gw.get(f"/grid/disputes/{other}.json").status_code == 403


def test_a_mediator_reaches_only_the_disputes_assigned_to_them(
    world: World, clients: dict[str, Client]
) -> None:
    med = clients["med_jiangkou"]
    mine = open_dispute(world, GRID)
    unassigned = open_dispute(world, GRID, assign=False)  # at the township, no mediator yet
    elsewhere = open_dispute(world, "jiangkou_t2_v1_g1")  # jiangkou_t2_med's case
    listed = {d["id"] for d in med.get("/grid/disputes.json").json()["disputes"]}
    assert mine in listed and unassigned not in listed and elsewhere not in listed
    assert med.get(f"/grid/disputes/{mine}.json").status_code == 200
    before = _events(world, elsewhere)
    for did in (unassigned, elsewhere):
        assert med.get(f"/grid/disputes/{did}").status_code == 403
        assert med.post(f"/grid/disputes/{did}/record", {"action": "session"}).status_code == 403
    assert _events(world, elsewhere) == before


def test_the_centre_never_reaches_another_county(world: World, clients: dict[str, Client]) -> None:
    centre = clients["centre_jiangkou"]
    bj = open_dispute(world, "bijiang_t1_v1_g1", assign=False)
    before = _events(world, bj)
    assert centre.get(f"/grid/disputes/{bj}").status_code == 403
    assert centre.get(f"/grid/disputes/{bj}.json").status_code == 403
    r = centre.post(f"/grid/disputes/{bj}/assign", {"mediator_id": "bijiang_t1_med"})
    assert r.status_code == 403
    assert centre.post(f"/grid/disputes/{bj}/escalate", {"note": "x"}).status_code == 403
    assert _events(world, bj) == before
    assert bj not in {d["id"] for d in centre.get("/grid/dispatch.json").json()["disputes"]}
    assert centre.get("/grid/units/bijiang.json").status_code == 403


def test_the_centre_assigns_and_the_mediator_records_an_outcome(
    world: World, clients: dict[str, Client]
) -> None:
    centre, med = clients["centre_jiangkou"], clients["med_jiangkou"]
    did = open_dispute(world, GRID, assign=False)
    r = centre.post(f"/grid/disputes/{did}/assign", {"mediator_id": "jiangkou_t1_med"})
    assert r.status_code == 200 and r.json()["state"] == "assigned"
    # a mediator of another level is refused by the core (422), nothing written
    n = _events(world, did)
    bad = centre.post(f"/grid/disputes/{did}/assign", {"mediator_id": f"{GRID[:-3]}_med"})
    assert bad.status_code == 422 and _events(world, did) == n
    # without (or with a wrong) CSRF token: refused, nothing written
    for data in ({"action": "session"}, {"action": "session", "csrf_token": "wrong"}):
        r = med.post(f"/grid/disputes/{did}/record", data, csrf=False)
        assert r.status_code == 403 and "CSRF" in r.json()["error"]
    assert _events(world, did) == n
    assert med.post(f"/grid/disputes/{did}/record", {"action": "session"}).status_code == 200
    r = med.post(f"/grid/disputes/{did}/record", {"action": "agree", "note": "签订协议"}, html=True)
    assert r.status_code == 303 and r.headers["location"] == f"/grid/disputes/{did}"
    j = med.get(f"/grid/disputes/{did}.json").json()
    assert [e["action"] for e in j["events"]][-3:] == ["assign", "session", "agree"]
    assert j["dispute"]["state"] == "agreed" and j["dispute"]["outcome"] == "agreement"
    assert j["events"][-1]["actor"] == "jiangkou_t1_med" and j["events"][-1]["note"] == "签订协议"
    assert j["events"][-1]["ledger_index"] is not None
    assert [a["id"] for a in j["actions"]] == ["follow_up"]
    # the state machine refuses a second agreement (400), the centre may not hold a session
    assert med.post(f"/grid/disputes/{did}/record", {"action": "agree"}).status_code == 400
    r = centre.post(f"/grid/disputes/{did}/record", {"action": "session"})
    assert r.status_code == 403
    with world.store.transaction() as s:
        rows = s.scalars(select(AuditRow).where(AuditRow.target == f"dispute={did}")).all()
        assert {(a.actor, a.action) for a in rows} >= {
            ("centre_jiangkou", "grid_assign"),
            ("med_jiangkou", "grid_session"),
            ("med_jiangkou", "grid_agree"),
        }
        reads = s.scalars(select(AuditRow).where(AuditRow.action == "read:dispute")).all()
        assert any(a.target == f"dispute_id={did}" for a in reads)


def test_escalation_needs_a_reason_and_moves_the_case_up(
    world: World, clients: dict[str, Client]
) -> None:
    med = clients["med_jiangkou"]
    did = open_dispute(world, GRID)
    assert med.post(f"/grid/disputes/{did}/escalate", {}).status_code == 422
    r = med.post(f"/grid/disputes/{did}/escalate", {"note": "涉及多个乡镇"})
    assert r.status_code == 200 and r.json()["level"] == "county"
    assert r.json()["mediator_id"] is None
    j = med.get(f"/grid/disputes/{did}.json").json()  # was assigned to them: the course stays
    assert j["parties"] is None and j["dispute"]["escalated"]  # but not the parties any more
    d = clients["centre_jiangkou"].get("/grid/dispatch.json").json()["disputes"]
    row = next(x for x in d if x["id"] == did)
    assert row["escalated"] and row["level"] == "county"
    assert [m["id"] for m in row["mediators"]] == ["jiangkou_med"]


def test_a_session_note_is_escaped(world: World, clients: dict[str, Client]) -> None:
    med = clients["med_jiangkou"]
    did = open_dispute(world, GRID)
    r = med.post(f"/grid/disputes/{did}/record", {"action": "session", "note": XSS})
    assert r.status_code == 200
    page = med.get(f"/grid/disputes/{did}", html=True).text
    assert XSS not in page and "<img src=x" not in page and "<script>alert" not in page
    assert html.escape("<script>alert(", quote=False) in page
    assert med.get(f"/grid/disputes/{did}.json").json()["events"][-1]["note"] == XSS


def test_the_dispatch_view_puts_the_urgent_first_and_marks_overdue(
    world: World, clients: dict[str, Client]
) -> None:
    from zhengji.grid.deadlines import default_deadlines
    from zhengji.grid.disputes import Party, register

    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
    with world.store.transaction() as s:
        late = register(
            s, default_deadlines(), grid_id=GRID, kind="debt", risk="low", summary="欠款（测试）",
            parties_=[Party(PARTY)], by=f"{GRID}_w", at=past,
        )  # fmt: skip
    centre = clients["centre_jiangkou"]
    rows = centre.get("/grid/dispatch.json").json()["disputes"]
    row = next(x for x in rows if x["id"] == late)
    assert row["overdue"] and not row["escalated"] and row["state"] == "registered"
    assert [m["id"] for m in row["mediators"]] == [f"{GRID[:-3]}_med"]  # the village's
    active = [x for x in rows if x["state"] in ("registered", "assigned", "mediating")]
    assert rows[: len(active)] == active
    assert [x["due_at"] for x in active] == sorted(x["due_at"] for x in active)
    assert all(x["county_id"] == "jiangkou" for x in rows)
    page = centre.get("/grid/dispatch", html=True).text
    assert f'id="dispute-{late}" class="vetoed"' in page and "已超期" in page
    assert clients["inspector"].get("/grid/dispatch", html=True).text.count("/assign") == 0


def test_the_tree_shows_the_cores_indicators(world: World, clients: dict[str, Client]) -> None:
    with world.store.transaction() as s:
        expected: dict[str, dict[str, float]] = {}
        for r in indicator_rows(s, "2025"):
            expected.setdefault(r.unit_id, {})[r.indicator_id] = r.value
    tree = _walk(clients["centre_jiangkou"].get("/grid.json?period=2025").json()["tree"])
    for unit in ("jiangkou", "jiangkou_t1", "jiangkou_t1_v1", GRID):
        assert tree[unit]["indicators"] == expected[unit], unit
    assert tree["jiangkou"]["indicators"]["grid_visit_coverage"] > 0
    page = clients["centre_jiangkou"].get(f"/grid/units/{GRID}.json?period=2025").json()
    assert page["unit"]["indicators"] == expected[GRID]
    assert tree["jiangkou"]["households"] == 5 * 4 * 3 * 4 * 10  # 5 townships … 10 households
    quarter = clients["gw_jiangkou"].get("/grid.json?period=2025-Q2").json()
    with world.store.transaction() as s:
        q2 = {r.indicator_id: r.value for r in indicator_rows(s, "2025-Q2") if r.unit_id == GRID}
    assert quarter["tree"][0]["indicators"] == q2
    assert clients["admin"].get("/grid.json?period=2025-13").status_code == 422


@pytest.mark.parametrize(("lang", "word"), [("zh", "纠纷"), ("en", "Dispute")])
def test_pages_render_in_both_languages(clients: dict[str, Client], lang: str, word: str) -> None:
    c = clients["centre_jiangkou"]
    for path in ("/grid", f"/grid/units/{GRID}", "/grid/dispatch", "/grid/disputes"):
        r = c.get(f"{path}?lang={lang}", html=True)
        assert r.status_code == 200 and "示例数据" in r.text and word in r.text, path
    assert "Open disputes" in c.get("/grid/dispatch?lang=en", html=True).text


def test_centre_assigns_and_mediator_records_an_outcome_in_the_browser(
    world: World, page: Any
) -> None:
    did = open_dispute(world, GRID, assign=False)  # high risk: at the township, unassigned
    browser_login(page, "centre_jiangkou")
    assert page.url.endswith("/grid")
    assert page.locator("#grid-tree").inner_text().count("江口") >= 1
    assert page.locator("#node-jiangkou_t1_v1").count() == 0  # loaded when its township opens
    page.locator("#node-jiangkou_t1").evaluate("d => { d.open = true; }")
    page.locator("#node-jiangkou_t1_v1").wait_for()
    shot(page, "grid_tree_centre")
    page.get_by_role("link", name="纠纷调度").click()
    page.wait_for_url("**/grid/dispatch")
    row = page.locator(f"#dispute-{did}")
    row.get_by_label("指派调解员").select_option("jiangkou_t1_med")
    shot(page, "grid_dispatch")
    row.get_by_role("button", name="指派").click()
    page.wait_for_url(f"**/grid/disputes/{did}")
    assert page.locator("#mediator").inner_text() == "jiangkou_t1_med"
    assert PARTY in page.locator("#parties").inner_text()
    page.get_by_role("button", name="退出").click()
    browser_login(page, "med_jiangkou")
    assert page.url.endswith("/grid/disputes")
    page.locator(f"#dispute-{did} a").click()
    page.wait_for_url(f"**/grid/disputes/{did}")
    page.get_by_label("说明 (调解)").fill("第一次调解（测试）")
    page.locator("button.act-session").click()
    page.wait_for_url(f"**/grid/disputes/{did}")
    page.get_by_label("说明 (达成协议)").fill("双方签订调解协议（测试）")
    page.locator("button.act-agree").click()
    page.wait_for_url(f"**/grid/disputes/{did}")
    timeline = page.locator("#timeline").inner_text()
    assert "达成协议" in timeline and "双方签订调解协议（测试）" in timeline
    assert page.locator("#state").inner_text() == "已达成协议"
    shot(page, "grid_dispute_mediator")
    assert not page.errors  # type: ignore[attr-defined]
