"""Eco pages: the numbers on the page are the core's for the same inputs (balances, unit
aggregates, GEP accounts), the reporter's scope, the statement (HTML, JSON, PDF), escaping of
user-supplied names, the eco anti-fraud findings, and the dashboard in Chromium."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import select
from tests.web.access_eco import BJ_HOLDER, JK_HOLDER
from tests.web.conftest import Client, World, browser_login, shot

from zhengji.eco import pricebook
from zhengji.eco import service as sv
from zhengji.eco.importer import gep_accounts, gep_inputs
from zhengji.eco.indicators import account_rows, gep_rows
from zhengji.store.schema_eco import EcoEntryRow
from zhengji.store.schema_web import AuditRow
from zhengji.web.routes.eco import MAX_PRICE_BYTES, PAGE_SIZE

AS_OF = "2025-12-31"
# the pages read ?as_of=DATE as the end of that day in Beijing, as `zhengji eco score --as-of`
END = dt.datetime(2025, 12, 31, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _core(world: World) -> tuple[Any, dict[str, Any], dict[str, tuple[str, str, str]]]:
    with world.store.transaction() as s:
        _, rb = sv.current_rulebook(s)
        return rb, sv.holder_balances(s, rb, END), sv.holder_units(s)


def _obs(rows: list[Any]) -> dict[tuple[str, str], float]:
    return {(r.unit_id, r.indicator_id): r.value for r in rows}


def test_county_dashboard_equals_the_core(world: World, clients: dict[str, Client]) -> None:
    d = clients["assessor"].get(f"/eco.json?as_of={AS_OF}").json()
    rb, bal, holders = _core(world)
    obs = _obs(account_rows(holders, bal, rb, AS_OF))
    counties = sorted({c for _, _, c in holders.values()})
    assert [u["unit_id"] for u in d["units"]] == counties and len(counties) == 10
    for u in d["units"]:
        cid = u["unit_id"]
        assert u["participation"] == pytest.approx(obs[(cid, "eco_participation")], abs=1e-9)
        assert u["mean_score"] == pytest.approx(obs[(cid, "eco_mean_score")], abs=1e-9)
        for dim, v in u["by_dimension"].items():
            assert v == pytest.approx(obs[(cid, f"eco_points_{dim}")], abs=1e-9)
        members = [h for h, c in holders.items() if c[2] == cid]
        assert u["holders"] == len(members)
        tiers: dict[str, int] = {}
        for h in members:
            t = str(bal[h].tier if h in bal else 0)
            tiers[t] = tiers.get(t, 0) + 1
        assert u["tiers"] == tiers
    assert d["units"][0]["mean_score"] > 0 and d["synthetic"] is True
    assert [s["name"] for s in d["chart"]["series"]] == [x.name for x in rb.dimensions]
    assert d["chart"]["categories"] == [u["name"] for u in d["units"]]
    assert "江口县" in d["chart"]["categories"]
    # GEP per county and year, from the stored inputs at the built-in price table
    jk = {r["year"]: r for r in d["gep"] if r["unit_id"] == "jiangkou"}
    assert sorted(jk) == ["2021", "2022", "2023", "2024", "2025"]
    assert jk["2021"]["growth"] is None and jk["2022"]["growth"] is not None
    assert d["findings"] is None  # no eco screen recorded in this world
    html = clients["assessor"].get(f"/eco?as_of={AS_OF}", html=True).text
    assert "梵净生态账户" in html and "示例数据（模拟）" in html and 'data-eco-chart="bars"' in html
    assert "/static/eco.js" in html
    en = clients["assessor"].get(f"/eco?as_of={AS_OF}&lang=en", html=True).text
    assert "Eco accounts and GEP" in en and "Two-way conversion" in en
    assert clients["assessor"].get("/eco.json?lang=en").json()["dimensions"][0]["name"] == (
        rb.dimensions[0].name_en
    )


def test_note_when_most_points_have_expired(clients: dict[str, Client]) -> None:
    """The demo's 2025 points (mostly valid one year) have largely expired by 2026-11-29: the
    page keeps that date and links to the end of the latest award year; at that date, no note."""
    c = clients["assessor"]
    later = c.get("/eco.json?as_of=2026-11-29").json()
    note = later["expired_note"]
    assert note["as_of"] == "2025-12-31" and 2 * note["live_now"] < note["live_then"]
    assert later["as_of_date"] == "2026-11-29"
    assert c.get(f"/eco.json?as_of={AS_OF}").json()["expired_note"] is None
    assert c.get("/eco.json?as_of=2026-01-15").json()["expired_note"] is None  # most still valid
    html = c.get("/eco?as_of=2026-11-29", html=True).text
    assert "多数积分已过期" in html and 'href="/eco?as_of=2025-12-31"' in html
    en = c.get("/eco?as_of=2026-11-29&lang=en", html=True).text
    assert "Most points have expired" in en and "view as of 2025-12-31" in en
    rep = clients["rep_jiangkou"].get("/eco.json?as_of=2026-11-29").json()["expired_note"]
    assert rep["live_then"] < note["live_then"]  # the reporter's own holders only


def test_drill_down_to_a_township_and_a_village(world: World, clients: dict[str, Client]) -> None:
    rb, bal, holders = _core(world)
    obs = _obs(account_rows(holders, bal, rb, AS_OF))
    t = clients["admin"].get(f"/eco/units/jiangkou_t1.json?as_of={AS_OF}").json()
    assert t["level"] == "township" and [x["unit_id"] for x in t["trail"]] == [
        "jiangkou",
        "jiangkou_t1",
    ]
    villages = sorted({c[0] for c in holders.values() if c[1] == "jiangkou_t1"})
    assert [c["unit_id"] for c in t["children"]] == villages
    for c in t["children"]:
        assert c["mean_score"] == pytest.approx(obs[(c["unit_id"], "eco_mean_score")])
    assert t["unit"]["participation"] == pytest.approx(obs[("jiangkou_t1", "eco_participation")])
    v = clients["admin"].get(f"/eco/units/jiangkou_t1_v2.json?as_of={AS_OF}").json()
    assert v["level"] == "village" and v["children"] == []
    expect = sorted(h for h, c in holders.items() if c[0] == "jiangkou_t1_v2")
    assert [h["holder_id"] for h in v["holders"]] == expect and len(expect) == 5
    for h in v["holders"]:
        assert h["points"] == (bal[h["holder_id"]].points if h["holder_id"] in bal else 0)
    c = clients["admin"].get(f"/eco/units/jiangkou.json?as_of={AS_OF}").json()
    assert c["level"] == "county" and len(c["children"]) == 5 and c["gep"]
    assert clients["admin"].get("/eco/units/nowhere.json").status_code == 404


def test_a_reporter_sees_only_their_county(clients: dict[str, Client]) -> None:
    rep = clients["rep_jiangkou"]
    d = rep.get(f"/eco.json?as_of={AS_OF}").json()
    assert [u["unit_id"] for u in d["units"]] == ["jiangkou"]
    assert {r["unit_id"] for r in d["gep"]} == {"jiangkou"}
    h = rep.get("/eco/holders.json?page=1").json()
    assert h["total"] > 0 and all(x["county_id"] == "jiangkou" for x in h["holders"])
    assert rep.get("/eco/holders.json?q=bijiang").json()["total"] == 0
    g = rep.get("/eco/gep.json").json()
    assert {u["unit_id"] for u in g["units"]} == {"jiangkou"}
    assert {r["unit_id"] for r in g["summary"]} == {"jiangkou"}
    # a village of another county, and its holder, are refused; the reporter's own are not
    assert rep.get("/eco/units/bijiang_t2_v3.json").status_code == 403
    assert rep.get("/eco/units/jiangkou_t2_v3.json").status_code == 200
    assert rep.get(f"/eco/holders/{BJ_HOLDER}/statement.pdf").status_code == 403
    for other in ("org", "centre_jiangkou", "cadre_p064", "gw_jiangkou", "med_jiangkou"):
        assert clients[other].get("/eco.json").status_code == 403
        assert clients[other].get(f"/eco/holders/{JK_HOLDER}.json").status_code == 403


def test_holder_list_search_and_pages(world: World, clients: dict[str, Client]) -> None:
    _, bal, holders = _core(world)
    c = clients["inspector"]
    d = c.get(f"/eco/holders.json?as_of={AS_OF}").json()
    assert d["total"] == len(holders) and d["pages"] == math.ceil(len(holders) / PAGE_SIZE)
    ids = sorted(holders)
    assert [h["holder_id"] for h in d["holders"]] == ids[:PAGE_SIZE]
    p2 = c.get(f"/eco/holders.json?as_of={AS_OF}&page=2").json()
    assert [h["holder_id"] for h in p2["holders"]] == ids[PAGE_SIZE : 2 * PAGE_SIZE]
    for h in p2["holders"]:
        b = bal.get(h["holder_id"])
        assert (h["points"], h["tier"]) == ((b.points, b.tier) if b else (0, 0))
    q = c.get("/eco/holders.json?q=SINAN_T3_V2").json()  # part of a village id, any case
    assert q["total"] == sum(1 for x in holders.values() if x[0] == "sinan_t3_v2") == 5
    by_unit = c.get("/eco/holders.json?unit=sinan_t3").json()
    assert by_unit["total"] == sum(1 for x in holders.values() if x[1] == "sinan_t3")
    html = c.get("/eco/holders?q=sinan_t3_v2", html=True).text
    assert "demo-sinan_t3_v2-001" in html and 'rel="next"' not in html


def _reversed_holder(world: World) -> tuple[str, int, int]:
    with world.store.transaction() as s:
        row = s.execute(
            select(EcoEntryRow.holder_id, EcoEntryRow.id, EcoEntryRow.reverses_id)
            .where(EcoEntryRow.kind == "reversal")
            .order_by(EcoEntryRow.id)
            .limit(1)
        ).one()
    return str(row[0]), int(row[1]), int(row[2])


def test_statement_equals_the_service(world: World, clients: dict[str, Client]) -> None:
    rb, bal, _ = _core(world)
    hid, rev_id, award_id = _reversed_holder(world)
    d = clients["admin"].get(f"/eco/holders/{hid}.json?as_of={AS_OF}").json()
    b = bal[hid]
    assert (d["points"], d["tier"], d["pending"]) == (b.points, b.tier, b.pending)
    assert d["benefit"]["credit_limit"] == b.benefit.credit_limit
    assert d["benefit"]["rate"] == b.benefit.rate and d["benefit"]["base_rate"] == rb.base_rate
    assert {x["id"]: x["points"] for x in d["by_dimension"]} == {
        x.id: b.by_dimension.get(x.id, 0) for x in rb.dimensions
    }
    with world.store.transaction() as s:
        posts = sv.postings(s, [hid])
    assert [e["id"] for e in d["entries"]] == [p.id for p in posts]
    by_id = {e["id"]: e for e in d["entries"]}
    assert by_id[award_id]["state"] == "reversed" and by_id[award_id]["reversed_by"] == rev_id
    assert by_id[rev_id]["reverses_id"] == award_id and by_id[rev_id]["points"] < 0
    upheld = [o for o in by_id[award_id]["objections"] if o["upheld"]]
    assert upheld and upheld[0]["ruled"]
    award = by_id[award_id]
    assert award["inspector_id"].startswith("demo-insp-") and award["photo_ref"]
    assert award["location"] and award["evidence_at"] and award["objection_until"]
    assert d["name"] and d["synthetic"] is True
    counted = [e for e in d["entries"] if e["state"] == "counted"]
    assert all(e["signed_by"] for e in counted)
    html = clients["admin"].get(f"/eco/holders/{hid}?as_of={AS_OF}", html=True).text
    assert "生态存折" in html and f'id="points">{b.points}' in html
    assert f"/eco/holders/{hid}/statement.pdf?as_of={AS_OF}" in html
    with world.store.transaction() as s:
        audited = s.scalars(
            select(AuditRow.target).where(AuditRow.action == "read:eco_holder")
        ).all()
    assert any(f"holder_id={hid}" in t for t in audited)


def test_statement_pdf(world: World, clients: dict[str, Client]) -> None:
    r = clients["rep_jiangkou"].get(f"/eco/holders/{JK_HOLDER}/statement.pdf?as_of={AS_OF}")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF") and len(r.content) > 5000
    assert "attachment" in r.headers["content-disposition"]
    with world.store.transaction() as s:
        audited = s.scalars(
            select(AuditRow.actor).where(AuditRow.action == "read:eco_statement")
        ).all()
    assert "rep_jiangkou" in audited
    h = clients["rep_jiangkou"].get(f"/eco/holders/{JK_HOLDER}/statement.html?as_of={AS_OF}")
    assert h.status_code == 200 and h.headers["content-type"].startswith("text/html")
    assert "生态存折" in h.text and "示例数据（模拟）" in h.text and "<script" not in h.text
    assert "default-src 'none'" in h.headers["content-security-policy"]


def test_gep_page_equals_the_accounts(world: World, clients: dict[str, Client]) -> None:
    with world.store.transaction() as s:
        used = pricebook.table_used(s)  # in force: built-in, or the one a test below stored
        prices = used.prices
        accs, gdp = gep_accounts(gep_inputs(s), prices)
    d = clients["admin"].get("/eco/gep.json?year=2024").json()
    assert d["year"] == "2024" and d["years"] == ["2021", "2022", "2023", "2024", "2025"]
    assert d["prices"]["version"] == prices.version
    assert d["prices"]["sha256"] == used.info.sha256 and d["prices"]["kind"] == used.info.kind
    core = {(a.unit_id, a.year): a for a in accs}
    assert len(d["units"]) == 10
    for u in d["units"]:
        a = core[(u["unit_id"], "2024")]
        assert u["gep_yi"] == pytest.approx(a.total() / 1e8)
        assert u["prices_version"] == a.prices_version == prices.version
        assert u["prices_sha256"] == used.info.sha256
        for k in ("material", "regulating", "cultural"):
            assert u["accounts_yi"][k] == pytest.approx(a.total(k) / 1e8)
        for line, ln in zip(u["lines"], a.lines, strict=True):
            assert line["service"] == ln.service and line["value_yuan"] == ln.value
            assert line["quantity"] == ln.quantity.value and line["price"] == ln.price.value
        series = {y: core[(u["unit_id"], y)].total() for y in d["years"]}
        derived = {
            r.indicator_id: r.value
            for r in gep_rows(u["unit_id"], series, gdp[u["unit_id"]])
            if r.period == "2024"
        }
        assert u["growth"] == pytest.approx(derived["eco_gep_growth"])
        assert u["gep_gdp_ratio"] == pytest.approx(derived["eco_gep_gdp_ratio"])
        assert u["two_way"] == pytest.approx(derived["eco_gep_two_way"])
        assert u["two_way_conversion"] is (derived["eco_gep_two_way"] > 0)
    html = clients["admin"].get("/eco/gep?year=2024", html=True).text
    assert "生态产品总值核算" in html and prices.version in html and "LY/T 1721-2008" in html
    assert clients["admin"].get("/eco/gep.json?year=1999").status_code == 422


PICKED = "2027.1-test"  # a county's own table: reservoir cost 7.0 元/m³ instead of 6.1107
RESERVOIR = "value = 6.1107"


def _water(d: dict[str, Any], unit: str = "jiangkou") -> dict[str, Any]:
    (u,) = [u for u in d["units"] if u["unit_id"] == unit]
    (line,) = [ln for ln in u["lines"] if ln["service"] == "water_conservation"]
    return {"gep_yi": u["gep_yi"], "sha": u["prices_sha256"]} | line


def test_a_stored_price_table_is_used_and_another_can_be_picked(
    world: World, clients: dict[str, Client], page: Any
) -> None:
    """Stored once, the table is in force on /eco/gep, /eco and the county page; storing the
    built-in text after it puts the built-in prices back in force (for the other tests of this
    session), and ?prices=VERSION (the picker, in Chromium) still shows the county's table."""
    builtin, built = pricebook.builtin_text(), pricebook.builtin().info.version
    assert builtin.count(RESERVOIR) == 1 and builtin.count(f'version = "{built}"') == 1
    mine = builtin.replace(RESERVOIR, "value = 7.0").replace(
        f'version = "{built}"', f'version = "{PICKED}"'
    )
    admin = clients["admin"]
    before = _water(admin.get("/eco/gep.json?year=2025").json())
    assert before["price"] == 6.1107
    with world.store.transaction() as s:
        stored = pricebook.store(s, mine, "county-2027.toml", "assessor", "测试 test").info
    d = admin.get("/eco/gep.json?year=2025").json()
    assert (d["prices"]["version"], d["prices"]["kind"]) == (PICKED, "stored")
    assert d["prices"]["sha256"] == stored.sha256 == pricebook.sha256_of(mine)
    w = _water(d)
    assert w["quantity"] == before["quantity"] and w["unit"] == "m³" and w["price"] == 7.0
    assert w["value_yuan"] == w["quantity"] * 7.0  # quantity × the new price, exactly
    assert w["gep_yi"] > before["gep_yi"] and w["sha"] == stored.sha256
    # newest stored first, the built-in last (tables stored by the upload tests may lie between)
    assert [t["version"] for t in d["price_tables"]][:: len(d["price_tables"]) - 1] == [
        PICKED,
        built,
    ]
    assert d["price_tables"][0]["in_force"] and d["price_tables"][-1]["kind"] == "built-in"
    eco = admin.get("/eco.json").json()
    assert eco["price_table"]["version"] == PICKED
    jk = {r["year"]: r for r in eco["gep"] if r["unit_id"] == "jiangkou"}
    assert jk["2025"]["gep_yi"] == pytest.approx(w["gep_yi"])
    county = admin.get("/eco/units/jiangkou.json").json()
    assert county["price_table"]["sha256"] == stored.sha256
    html = admin.get("/eco/gep?year=2025", html=True).text
    assert PICKED in html and stored.short in html and "库存" in html
    assert stored.short in admin.get("/eco", html=True).text
    # the built-in text stored after it: in force again, values as before, labelled stored
    with world.store.transaction() as s:
        again = pricebook.store(s, builtin, "zhengji/eco/prices.toml", "assessor", "恢复").info
    d = admin.get("/eco/gep.json?year=2025").json()
    assert (d["prices"]["version"], d["prices"]["sha256"]) == (built, again.sha256)
    assert _water(d)["value_yuan"] == before["value_yuan"] and d["prices"]["kind"] == "stored"
    picked = admin.get(f"/eco/gep.json?year=2025&prices={PICKED}").json()
    assert picked["prices"]["version"] == PICKED and _water(picked) == w
    used = [t["version"] for t in picked["price_tables"] if t["used"]]
    assert used == [PICKED] and picked["price_tables"][0]["version"] == built
    assert admin.get("/eco/gep.json?prices=1999.1").status_code == 422
    # a reporter may pick a version too, still within their county
    rep = clients["rep_jiangkou"].get(f"/eco/gep.json?prices={PICKED}").json()
    assert {u["unit_id"] for u in rep["units"]} == {"jiangkou"}
    # in Chromium: pick the county's table, see its version, hash and value
    browser_login(page, "admin")
    page.goto("/eco/gep?year=2025")
    assert page.locator("#prices-version").inner_text() == built
    page.locator("#prices").select_option(PICKED)
    page.get_by_role("button", name="查看").click()
    page.wait_for_url(f"**prices={PICKED}**")
    assert page.locator("#prices-version").inner_text() == PICKED
    assert page.locator("#prices-sha256").inner_text() == stored.short
    cell = page.locator("section[data-unit=jiangkou] tr[data-service=water_conservation] td").last
    assert cell.inner_text() == f"{w['value_yuan'] / 1e4:,.1f}"
    assert page.locator("#prices option:checked").inner_text().startswith(f"v{PICKED}")
    shot(page, "eco-04-gep-picked-prices")
    assert not page.errors, page.errors


# --- storing a price table from the page (POST /eco/gep/prices, the office admin only) ---------
def _table(version: str, reservoir: str = "6.1107") -> str:
    """The built-in table under another version, with another reservoir cost (元/m³)."""
    builtin, built = pricebook.builtin_text(), pricebook.builtin().info.version
    return builtin.replace(RESERVOIR, f"value = {reservoir}").replace(
        f'version = "{built}"', f'version = "{version}"'
    )


def _upload(
    c: Client,
    body: bytes,
    name: str = "prices.toml",
    note: str = "",
    csrf: bool = True,
    html: bool = True,
) -> httpx.Response:
    """POST the form as a browser does: multipart, the file, the note and the CSRF token."""
    data = {"note": note} | ({"csrf_token": c.csrf} if csrf and c.csrf else {})
    headers = {"Cookie": f"zj_session={c.cookie}"} | ({"Accept": "text/html"} if html else {})
    files = {"file": (name, body, "application/toml")}
    return c.h.post("/eco/gep/prices", data=data, files=files, headers=headers)


def _versions(world: World) -> list[str]:
    with world.store.transaction() as s:
        return [t.version for t in pricebook.list_tables(s)]


@contextmanager
def _builtin_prices_afterwards(world: World, tag: str) -> Iterator[None]:
    """The web world serves the whole run: afterwards the built-in prices are in force again,
    stored under a version of their own (the built-in version may be stored already)."""
    try:
        yield
    finally:
        built = pricebook.builtin().info.version
        with world.store.transaction() as s:
            pricebook.store(s, _table(f"{built}-restored-{tag}"), "prices.toml", "tests", "恢复")
            assert pricebook.in_force(s).prices == pricebook.builtin().prices.prices


UPLOADED = "2027.2-upload"  # reservoir cost 8.25 元/m³


def test_the_admin_stores_a_price_table_from_the_page(
    world: World, clients: dict[str, Client]
) -> None:
    """Upload → 303 to the page of that version, now in force: water conservation = quantity ×
    the new price; the store is audited; the same text again stores nothing ("已存储 already
    stored"); other text under the stored version is refused (422) and stores nothing."""
    admin = clients["admin"]
    before = _water(admin.get("/eco/gep.json?year=2025").json())
    assert before["price"] == 6.1107
    tables = _versions(world)
    text = _table(UPLOADED, "8.25")
    note = "县政府常务会议纪要〔2027〕3号 adopted"
    with _builtin_prices_afterwards(world, "http"):
        r = _upload(admin, text.encode(), "county-2027.toml", note)
        assert r.status_code == 303, r.text[:300]
        assert r.headers["location"] == f"/eco/gep?prices={UPLOADED}&stored=new"
        assert _versions(world) == [*tables, UPLOADED]
        d = admin.get("/eco/gep.json?year=2025").json()  # no ?prices=: the table in force
        p = d["prices"]
        assert (p["version"], p["kind"], p["imported_by"]) == (UPLOADED, "stored", "admin")
        assert p["sha256"] == hashlib.sha256(text.encode()).hexdigest()  # = sha256sum FILE
        assert (p["source_name"], p["note"]) == ("county-2027.toml", note)
        w = _water(d)
        assert w["price"] == 8.25 and w["quantity"] == before["quantity"]
        assert w["value_yuan"] == w["quantity"] * 8.25  # quantity × the new price, exactly
        assert w["gep_yi"] > before["gep_yi"]
        assert admin.get("/eco.json").json()["price_table"]["version"] == UPLOADED
        html = admin.get(r.headers["location"], html=True)
        assert html.status_code == 200 and 'id="prices-notice"' in html.text
        assert "价格表已存储" in html.text and "现为现行价格表" in html.text
        assert f'id="prices-version">{UPLOADED}<' in html.text
        with world.store.transaction() as s:
            row = s.scalars(
                select(AuditRow).where(AuditRow.action == "eco_gep_prices").order_by(AuditRow.id)
            ).all()[-1]
            assert (row.actor, row.target, row.detail["created"]) == (
                "admin",
                f"version={UPLOADED}",
                True,
            )
            assert row.detail["sha256"] == p["sha256"] and row.ledger_seq is not None
        # the same text again: nothing changes
        again = _upload(admin, text.encode(), "again.toml")
        assert again.status_code == 303
        assert again.headers["location"] == f"/eco/gep?prices={UPLOADED}&stored=same"
        assert "已存储 already stored" in admin.get(again.headers["location"], html=True).text
        as_json = _upload(admin, text.encode(), "again.toml", html=False)
        assert as_json.status_code == 200
        assert as_json.json()["created"] is False and as_json.json()["in_force"] is True
        assert "already stored" in as_json.json()["message"]
        assert _versions(world) == [*tables, UPLOADED]
        # other text under the stored version: refused, with what to do
        other = _upload(admin, _table(UPLOADED, "9.5").encode(), "other.toml")
        assert other.status_code == 422 and 'id="prices-upload-error"' in other.text
        assert "already stored with other text" in other.text and f"{UPLOADED}.1" in other.text
        assert _versions(world) == [*tables, UPLOADED]
        assert _water(admin.get("/eco/gep.json?year=2025").json())["price"] == 8.25
    after = _water(admin.get("/eco/gep.json?year=2025").json())  # the built-in prices again
    assert (after["price"], after["value_yuan"]) == (6.1107, before["value_yuan"])


def test_a_bad_price_table_shows_file_line_and_field(
    world: World, clients: dict[str, Client]
) -> None:
    """Every refusal names the file, the line and the field as ``parse_prices`` does, answers
    422 (413 when too large) on the page with the form again, and stores nothing."""
    admin = clients["admin"]
    tables = _versions(world)
    good = _table("2027.5-never-stored")
    # a TOML syntax error: an unterminated string on line 17 (the first `per = "m³"`)
    assert good.splitlines()[16] == 'per = "m³"'
    broken = good.replace('per = "m³"', 'per = "m³', 1)
    r = _upload(admin, broken.encode(), "broken.toml", "keep this note")
    assert r.status_code == 422 and "价格表不是有效的TOML" in r.text
    assert '<td>broken.toml</td><td class="num">17</td>' in r.text
    assert 'id="prices-upload"' in r.text and "keep this note</textarea>" in r.text
    j = _upload(admin, broken.encode(), "broken.toml", html=False)
    assert j.status_code == 422 and j.json()["problems"][0]["row"] == 17
    assert j.json()["problems"][0]["file"] == "broken.toml"
    # a field wrong: the carbon price negative, on line 39
    assert good.splitlines()[38] == "[prices.carbon]"
    negative = good.replace("value = 327.27", "value = -327.27", 1)
    r = _upload(admin, negative.encode(), "negative.toml")
    assert r.status_code == 422 and "<code>prices.carbon</code>" in r.text
    assert '<td class="num">39</td>' in r.text and "price must be positive" in r.text
    (prob,) = _upload(admin, negative.encode(), "negative.toml", html=False).json()["problems"]
    assert (prob["file"], prob["row"], prob["column"]) == ("negative.toml", 39, "prices.carbon")
    # the built-in version with other text (refused as built-in's, or as stored by a test above)
    built = pricebook.builtin().info.version
    r = _upload(admin, _table(built, "9.5").encode(), html=False)
    assert r.status_code == 422 and f"version '{built}' is" in r.json()["error"]
    # not UTF-8 (GB 18030), a byte-order mark, empty, too large
    gbk = _upload(admin, good.encode("gb18030"), "gbk.toml", html=False)
    assert gbk.status_code == 422 and "not UTF-8" in gbk.json()["error"]
    assert "save the file as UTF-8" in gbk.json()["problems"][0]["message"]
    assert gbk.json()["problems"][0]["row"] == 1  # 生态… in the first comment line
    assert "UTF-8" in _upload(admin, good.encode("gb18030"), "gbk.toml").text
    bom = _upload(admin, b"\xef\xbb\xbf" + good.encode(), html=False)
    assert bom.status_code == 422 and "BOM" in bom.json()["error"]
    empty = _upload(admin, b"", "", html=False)
    assert empty.status_code == 422, empty.text
    assert "empty" in empty.json()["error"], empty.json()
    big = (good + "#" * MAX_PRICE_BYTES).encode()
    large = _upload(admin, big, "big.toml")
    assert large.status_code == 413 and "256 KB" in large.text
    assert _upload(admin, big, "big.toml", html=False).status_code == 413
    assert _versions(world) == tables


def test_only_the_admin_may_store_a_price_table(world: World, clients: dict[str, Client]) -> None:
    """Only the office admin sees the form and may post it (403 for everyone else); a post
    without the CSRF token is refused (403) even for the admin; nothing is stored."""
    tables = _versions(world)
    text = _table("2027.6-refused").encode()
    for user in ("assessor", "inspector", "rep_jiangkou", "org", "centre_jiangkou"):
        r = _upload(clients[user], text, html=False)
        assert r.status_code == 403, (user, r.status_code)
    for user in ("assessor", "inspector", "rep_jiangkou"):
        page = clients[user].get("/eco/gep", html=True).text
        assert 'id="prices-upload"' not in page and "/eco/gep/prices" not in page
        assert clients[user].get("/eco/gep.json").json()["can_store"] is False
    assert clients["admin"].get("/eco/gep.json").json()["can_store"] is True
    zh = clients["admin"].get("/eco/gep", html=True).text
    assert 'action="/eco/gep/prices"' in zh and "存储的价格表不能删除" in zh
    en = clients["admin"].get("/eco/gep?lang=en", html=True).text
    assert "in force for every GEP figure" in en and "cannot be deleted" in en
    no_token = _upload(clients["admin"], text, csrf=False, html=False)
    assert no_token.status_code == 403 and "CSRF" in no_token.json()["error"]
    wrong = clients["admin"]
    r = wrong.h.post(
        "/eco/gep/prices",
        data={"csrf_token": "wrong"},
        files={"file": ("p.toml", text, "application/toml")},
        headers={"Cookie": f"zj_session={wrong.cookie}"},
    )
    assert r.status_code == 403
    assert (
        clients[None].h.post("/eco/gep/prices", files={"file": ("p.toml", text)}).status_code == 401
    )
    assert _versions(world) == tables


def test_upload_a_price_table_in_the_browser(page: Any, world: World) -> None:
    """The admin picks a file in the form and stores it: the page shows the new version in force
    and the county's water value at the new price; a broken file shows its line and field."""
    version = "2027.3-browser"
    text = _table(version, "7.75")
    with _builtin_prices_afterwards(world, "browser"):
        browser_login(page, "admin")
        page.goto("/eco/gep?year=2025")
        assert page.get_by_text("存储的价格表不能删除").is_visible()
        broken = text.replace("value = 327.27", 'value = "lots"', 1)
        page.get_by_label("价格表文件").set_input_files(
            {"name": "bad.toml", "mimeType": "application/toml", "buffer": broken.encode()}
        )
        page.get_by_role("button", name="校验并存储").click()
        page.wait_for_selector("#prices-upload-error")
        err = page.locator("#prices-upload-error table.problems tbody tr").first
        assert err.locator("td").nth(1).inner_text() == "39"
        assert err.locator("td").nth(2).inner_text() == "prices.carbon"
        shot(page, "eco-05-gep-upload-refused")
        page.get_by_label("价格表文件").set_input_files(
            {"name": "county.toml", "mimeType": "application/toml", "buffer": text.encode()}
        )
        page.get_by_label("说明").fill("浏览器上传 uploaded in the browser")
        page.get_by_role("button", name="校验并存储").click()
        page.wait_for_url("**stored=new**")
        assert page.locator("#prices-notice").is_visible()
        assert page.locator("#prices-version").inner_text() == version
        row = page.locator(f"#price-tables tr[data-version='{version}']")
        assert "现行" in row.inner_text() and "admin" in row.inner_text()
        with world.store.transaction() as s:
            used = pricebook.table_used(s)
            accs, _ = gep_accounts(gep_inputs(s), used.prices)
        assert used.info.version == version
        (a,) = [a for a in accs if (a.unit_id, a.year) == ("jiangkou", "2025")]
        (ln,) = [ln for ln in a.lines if ln.service == "water_conservation"]
        assert ln.value == ln.quantity.value * 7.75
        cell = page.locator(
            "section[data-unit=jiangkou] tr[data-service=water_conservation] td"
        ).last
        assert cell.inner_text() == f"{ln.value / 1e4:,.1f}"
        shot(page, "eco-06-gep-uploaded")
        expected = "the server responded with a status of 422"  # the refused upload, above
        assert [e for e in page.errors if expected not in e] == [], page.errors
        assert len(page.errors) == 1


def test_user_supplied_names_come_back_escaped(world: World, clients: dict[str, Client]) -> None:
    name = "<script>alert('eco')</script>"
    village = "jiangkou_t5_<img src=x onerror=alert(1)>"
    with world.store.transaction() as s:
        sv.add_holder(s, "xss-holder-1", "household", village, "jiangkou_t5", "jiangkou", name=name)
    page = clients["admin"].get("/eco/holders/xss-holder-1", html=True)
    assert page.status_code == 200
    assert "<script>alert('eco')" not in page.text and "&lt;script&gt;" in page.text
    assert "<img src=x" not in page.text
    assert clients["admin"].get("/eco/holders/xss-holder-1.json").json()["name"] == name
    unit = clients["rep_jiangkou"].get(f"/eco/units/{quote(village)}", html=True)
    assert unit.status_code == 200 and "<img src=x" not in unit.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in unit.text
    town = clients["admin"].get("/eco/units/jiangkou_t5", html=True).text
    assert "<img src=x" not in town and "jiangkou_t5_&lt;img src=x" in town


def test_eco_findings_are_linked(tmp_path: Path) -> None:
    """``eco_findings`` reads the newest screen with eco signals, flagged ones this user may see."""
    from zhengji.eco.screen import record_findings
    from zhengji.integrity.findings import Finding
    from zhengji.scheme import parse_scheme
    from zhengji.store import Store
    from zhengji.web.routes.eco import eco_findings

    scheme = parse_scheme(
        '[scheme]\nid = "eco_t"\nname = "生态"\n\n[[pillars]]\nid = "e"\nname = "生态"\n'
        'parent = "index"\n\n[[indicators]]\nid = "eco_mean_score"\nname = "户均"\n'
        'parent = "e"\nsource = "derived"\n',
        "eco-t.toml",
    )

    def f(unit: str, check: str, severity: str) -> Finding:
        nan = float("nan")
        return Finding(
            unit, "eco_awards/x", ("2025",), check, 1.0, 0.0, nan, severity, {}, "中", "en"
        )

    store = Store.open(f"sqlite:///{tmp_path / 'f.db'}")
    try:
        with store.transaction() as s:
            assert eco_findings(s, lambda u: True) is None
            sid = record_findings(
                s,
                scheme,
                [
                    f("jiangkou", "eco_burst", "high"),
                    f("bijiang", "eco_device_shared", "medium"),
                    f("jiangkou", "eco_tier_bunching", "info"),
                ],
            )
        with store.transaction() as s:
            every = eco_findings(s, lambda u: True)
            mine = eco_findings(s, lambda u: u == "*jiangkou")  # units not in this store: *…
    finally:
        store.close()
    assert every is not None and every["screen_id"] == sid
    assert {x["check"] for x in every["findings"]} == {"eco_burst", "eco_device_shared"}
    assert mine is not None and [x["check"] for x in mine["findings"]] == ["eco_burst"]
    assert mine["by_unit"] == {"*jiangkou": 1}


def test_dashboard_and_statement_in_the_browser(page: Any, world: World) -> None:
    hosts: list[str] = []
    page.on("request", lambda r: hosts.append(r.url.split("/")[2]))
    browser_login(page, "admin")
    page.goto(f"/eco?as_of={AS_OF}")
    page.wait_for_selector("#eco-dims-chart[data-drawn]")
    assert page.locator("#eco-dims-chart svg path").count() > 30  # 10 counties × 5 dimensions
    assert page.get_by_role("heading", name="梵净生态账户与生态产品总值").is_visible()
    assert page.get_by_text("示例数据（模拟）").first.is_visible()
    assert page.locator("table.eco-units tr[data-unit=jiangkou] th a").inner_text() == "江口县"
    font = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    assert "Noto Sans CJK SC" in font
    assert page.evaluate("document.fonts.check('16px \"Noto Sans CJK SC\"', '生态账户')")
    shot(page, "eco-01-dashboard")
    page.locator("table.eco-units tr[data-unit=jiangkou] th a").click()
    page.wait_for_selector("#eco-dims-chart[data-drawn]")
    assert page.get_by_role("heading", name="江口县").is_visible()
    assert page.url.endswith(f"/eco/units/jiangkou?as_of={AS_OF}")  # the date is kept
    shot(page, "eco-02-county")
    page.goto(f"/eco/holders/{JK_HOLDER}?as_of={AS_OF}")
    assert page.get_by_role("heading", name="生态存折").is_visible()
    _, bal, _ = _core(world)
    b = bal.get(JK_HOLDER)
    assert page.locator("#points").inner_text().startswith(str(b.points if b else 0))
    assert page.locator("#statement-pdf").get_attribute("href").endswith(f"as_of={AS_OF}")
    shot(page, "eco-03-statement")
    assert set(hosts) == {world.base.split("/")[2]}
    assert not page.errors, page.errors


# --- review: sign-off, objections, rulings (docs/eco.md, "Sign-off, objections and rulings") ---
# An objection needs an award inside its 7-day window, i.e. one made in the last week: in the
# shared world that would move the latest award year and hide the expiry note other tests read.
# So the writes run against a server of their own, over a small store made here.
@dataclass(frozen=True)
class Review:
    base: str
    store: Any
    clients: dict[str, Client]
    ids: dict[str, int]  # "<holder>:<kind>" → entry id, "<holder>:objection" → objection id


REVIEW_USERS = ("admin", "assessor", "inspector")


@pytest.fixture(scope="module")
def review(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Review]:
    """Two households (rv-h1 for httpx, rv-h2 for Chromium), each with an award without a
    sign-off whose window has closed, a signed award inside its window and one under an open
    objection; the office's admin, assessor and inspector."""
    import threading
    import time

    import uvicorn
    from tests.web.conftest import PASSWORD, _free_port, _Server, login

    from zhengji.eco.rulebook import default_rulebook
    from zhengji.store import Store
    from zhengji.web import accounts, create_app

    store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('review') / 'review.db'}")
    now = dt.datetime.now(dt.UTC)
    ids: dict[str, int] = {}
    with store.transaction() as s:
        rb = default_rulebook()
        pk = sv.install_rulebook(s, rb)
        sv.add_person(s, "rv-insp", "rv-hh9", "核查员（示例）")
        sv.add_person(s, "rv-rev", None, "复核员（示例）")
        for h in ("rv-h1", "rv-h2"):
            sv.add_person(s, f"{h}-p", f"{h}-hh", None)
            sv.add_holder(
                s, h, "household", "jiangkou_t1_rv", "jiangkou_t1", "jiangkou", f"{h}-hh",
                f"{h}-p", f"{h}（示例）",
            )  # fmt: skip
            kinds = (
                ("unsigned", "fruit_trees", now - dt.timedelta(days=20), None),
                ("open", "tree_planting", now - dt.timedelta(hours=1), "rv-rev"),
                ("objected", "courtyard_green", now - dt.timedelta(days=2), "rv-rev"),
            )
            got = sv.award_many(
                s, pk, rb,
                [
                    sv.AwardInput(
                        h, item, str(at.year), "rv-insp", at, "photo/rv.jpg", 27.7, 108.8, at,
                        "rv-dev", signed, at,
                    )
                    for _, item, at, signed in kinds
                ],
                "test",
            )  # fmt: skip
            ids |= {f"{h}:{k}": e for (k, *_), e in zip(kinds, got, strict=True)}
            ids[f"{h}:objection"] = sv.object_to(s, ids[f"{h}:objected"], "村民（示例）", "存疑")
        for name in REVIEW_USERS:
            accounts.add_user(s, name, PASSWORD, name, None, display_name=f"测试{name}")
    server = _Server(
        uvicorn.Config(create_app(store), host="127.0.0.1", port=_free_port(), log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    base = f"http://127.0.0.1:{server.config.port}"
    clients = {n: Client(base, *login(base, n)) for n in REVIEW_USERS}
    yield Review(base, store, clients, ids)
    for c in clients.values():
        c.close()
    server.should_exit = True
    thread.join(timeout=10)
    store.close()


def _state(r: Review) -> tuple[int, ...]:
    """Ledger leaves, entries, sign-offs, objections, rulings, audit rows."""
    from sqlalchemy import func

    from zhengji.ledger import log
    from zhengji.store.schema_eco import EcoObjectionRow, EcoRulingRow, EcoSignoffRow

    with r.store.transaction() as s:
        return (
            log.size(s),
            *(
                int(s.scalar(select(func.count()).select_from(t)) or 0)
                for t in (EcoEntryRow, EcoSignoffRow, EcoObjectionRow, EcoRulingRow, AuditRow)
            ),
        )


def test_reviewers_sign_off_record_objections_and_rule(review: Review) -> None:
    from zhengji.ledger.verify import verify_ledger
    from zhengji.store.schema_eco import EcoObjectionRow, EcoSignoffRow

    admin, assessor, inspector = (review.clients[n] for n in REVIEW_USERS)
    ids = review.ids
    unsigned, open_, objected = (ids[f"rv-h1:{k}"] for k in ("unsigned", "open", "objected"))
    d = admin.get("/eco/holders/rv-h1.json").json()
    by_id = {e["id"]: e for e in d["entries"]}
    assert d["can_review"] is True
    assert [by_id[unsigned]["can_sign_off"], by_id[unsigned]["can_object"]] == [True, False]
    assert [by_id[open_]["can_sign_off"], by_id[open_]["can_object"]] == [False, True]
    assert by_id[objected]["objections"][0]["can_rule"] is True
    html = inspector.get("/eco/holders/rv-h1", html=True).text  # reads, never acts
    assert "/signoff" not in html and "/objections" not in html and "/ruling" not in html
    assert inspector.get("/eco/holders/rv-h1.json").json()["can_review"] is False

    before = _state(review)
    assert inspector.post(f"/eco/entries/{unsigned}/signoff").status_code == 403
    assert admin.post(f"/eco/entries/{unsigned}/signoff", csrf=False).status_code == 403
    assert admin.post("/eco/entries/1999999999/signoff").status_code == 404
    late = admin.post(
        f"/eco/entries/{unsigned}/objections", {"raised_by": "村民", "text": "晚了"}, html=True
    )
    assert late.status_code == 422 and 'id="review-error"' in late.text
    assert "not within its objection window" in late.text and "closed on" in late.text
    assert 'value="晚了"' not in late.text  # the objection form is not offered out of its window
    no_choice = admin.post(f"/eco/objections/{ids['rv-h1:objection']}/ruling", {"reason": "x"})
    assert no_choice.status_code == 422 and "choose upheld or rejected" in no_choice.json()["error"]
    assert _state(review) == before  # nothing written by any refusal, not even an audit row

    ok = admin.post(f"/eco/entries/{unsigned}/signoff")
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert body["signed_by"] == "web:admin" and body["holder_id"] == "rv-h1"
    again = admin.post(f"/eco/entries/{unsigned}/signoff", html=True)
    assert again.status_code == 422 and "already signed off" in again.text

    made = assessor.post(
        f"/eco/entries/{open_}/objections",
        {"raised_by": "村民张某", "text": "树苗未成活 <b>x</b>"},
        html=True,
    )
    assert made.status_code == 303
    assert made.headers["location"] == f"/eco/holders/rv-h1?reviewed=objection#entry-{open_}"
    shown = assessor.get(made.headers["location"], html=True).text
    assert 'id="review-notice"' in shown and "树苗未成活 &lt;b&gt;x&lt;/b&gt;" in shown

    ruled = admin.post(
        f"/eco/objections/{ids['rv-h1:objection']}/ruling",
        {"decision": "upheld", "reason": "核实属实"},
    )
    assert ruled.status_code == 200, ruled.text
    rev = ruled.json()["reversal_id"]
    assert rev is not None and ruled.json()["ruled_by"] == "web:admin"
    after = {e["id"]: e for e in admin.get("/eco/holders/rv-h1.json").json()["entries"]}
    assert after[objected]["state"] == "reversed" and after[objected]["reversed_by"] == rev
    assert after[rev]["reverses_id"] == objected and after[rev]["points"] == -4
    assert after[unsigned]["signed_by"] == "web:admin" and not after[unsigned]["can_sign_off"]
    assert after[open_]["state"] == "objected"

    with review.store.transaction() as s:
        sign = s.scalar(select(EcoSignoffRow).where(EcoSignoffRow.entry_id == unsigned))
        obj = s.scalar(select(EcoObjectionRow).where(EcoObjectionRow.entry_id == open_))
        audit = s.execute(
            select(AuditRow.actor, AuditRow.action, AuditRow.target, AuditRow.ledger_seq)
        ).all()
        report = verify_ledger(s)
    assert sign is not None and sign.person_id == "web:admin"
    assert sign.ledger_index == body["ledger_index"]
    assert obj is not None and obj.raised_by == "村民张某"
    mine = {f"entry_id={e}" for e in (unsigned, open_, objected)}  # rv-h2 is the browser's
    writes = {(a, act, t) for a, act, t, _ in audit if act.startswith("eco_") and t in mine}
    assert writes == {
        ("admin", "eco_signoff", f"entry_id={unsigned}"),
        ("assessor", "eco_objection", f"entry_id={open_}"),
        ("admin", "eco_ruling", f"entry_id={objected}"),
    }
    assert all(seq is not None for *_, seq in audit)  # every audit row is in the ledger too
    assert report.ok, report.problems


def test_pending_lists_what_awaits_in_the_users_scope(
    world: World, clients: dict[str, Client]
) -> None:
    """Read-only on the shared world: the demo leaves some awards unsigned and some objections
    open; the page lists exactly those of ``views.pending``, a reporter only their county's."""
    from zhengji.eco.views import pending

    with world.store.transaction() as s:
        core = pending(s, dt.datetime.now(dt.UTC))
    every = clients["admin"].get("/eco/pending.json").json()
    assert every["signoffs_total"] == core["signoffs_total"] > 0
    assert every["objections_total"] == core["objections_total"] > 0
    assert [r["entry_id"] for r in every["signoffs"]] == [r["entry_id"] for r in core["signoffs"]][
        : every["limit"]
    ]
    assert {r["objection_id"] for r in every["objections"]} == {
        r["objection_id"] for r in core["objections"]
    }
    assert every["can_review"] is True and every["synthetic"] is True
    rep = clients["rep_jiangkou"].get("/eco/pending.json").json()
    assert rep["can_review"] is False
    mine = [r for r in core["signoffs"] if r["county_id"] == "jiangkou"]
    assert [r["entry_id"] for r in rep["signoffs"]] == [r["entry_id"] for r in mine]
    assert {r["county_id"] for r in rep["signoffs"] + rep["objections"]} <= {"jiangkou"}
    town = clients["admin"].get("/eco/pending.json?unit=jiangkou_t1").json()
    assert {r["township_id"] for r in town["signoffs"]} <= {"jiangkou_t1"}
    html = clients["assessor"].get("/eco/pending", html=True).text
    assert 'id="pending-signoffs"' in html and 'id="pending-objections"' in html
    first = every["signoffs"][0]
    assert f'href="/eco/holders/{first["holder_id"]}#entry-{first["entry_id"]}"' in html
    assert 'href="/eco/pending"' in clients["admin"].get("/eco", html=True).text


def test_review_in_the_browser(page: Any, review: Review) -> None:
    """Through the forms on the holder's page: sign off, record an objection, a refused ruling
    (blank reason: 422, nothing changed), then an upheld ruling that reverses the award."""
    from tests.web.conftest import PASSWORD

    ids = review.ids
    unsigned, open_, objected = (ids[f"rv-h2:{k}"] for k in ("unsigned", "open", "objected"))
    page.goto(f"{review.base}/login")
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda u: "/login" not in u)
    page.goto(f"{review.base}/eco/holders/rv-h2")
    row = page.locator(f"#entry-{unsigned}")
    assert "待复核" in row.inner_text()
    row.get_by_role("button", name="复核").click()
    page.wait_for_url("**reviewed=signoff**")
    assert page.locator("#review-notice").is_visible()
    assert "复核 web:admin" in page.locator(f"#entry-{unsigned}").inner_text()
    shot(page, "eco-07-review-signed")

    row = page.locator(f"#entry-{open_}")
    row.get_by_text("登记异议", exact=True).first.click()  # opens the <details>
    row.get_by_label("异议人").fill("村民李某")
    row.get_by_label("异议内容").fill("现场未见新植树木")
    row.get_by_role("button", name="登记异议").click()
    page.wait_for_url("**reviewed=objection**")
    assert "现场未见新植树木" in page.locator(f"#entry-{open_}").inner_text()

    before = _state(review)
    row = page.locator(f"#entry-{objected}")
    row.locator("summary", has_text="裁决").click()
    row.get_by_label("成立（冲正该记分）").check()
    row.get_by_label("裁决理由").fill("   ")
    row.get_by_role("button", name="提交裁决").click()
    page.wait_for_selector("#review-error")
    assert "needs a reason" in page.locator("#review-error").inner_text()
    assert _state(review) == before
    row = page.locator(f"#entry-{objected}")
    assert row.get_by_label("成立（冲正该记分）").is_checked()  # the choice is kept
    shot(page, "eco-08-review-refused")
    row.get_by_label("裁决理由").fill("核实后不符合条件")
    row.get_by_role("button", name="提交裁决").click()
    page.wait_for_url("**reviewed=upheld**")
    assert "已冲正" in page.locator(f"#entry-{objected}").inner_text()
    assert page.locator("tr.state-reversal").count() == 1
    shot(page, "eco-09-review-upheld")
    expected = "the server responded with a status of 422"  # the refused ruling, above
    assert [e for e in page.errors if expected not in e] == [], page.errors
