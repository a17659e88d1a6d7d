"""The people's voice pages: citizens file, follow and rate a request and answer a survey with a
one-time token (Playwright); staff act on requests within their county; privacy, XSS, CSRF,
idempotency over real HTTP on loopback."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tests.web.conftest import Client, World, browser_login, shot

from zhengji.voice.surveys import create_survey, draw_sample, issue_tokens
from zhengji.web.routes.citizen import RateLimiter

XSS = "<script>alert('x')</script>\"'><img src=x onerror=alert(1)>"
PHONE = "13912345678"


def _anon(world: World) -> Iterator[httpx.Client]:
    pre = secrets.token_urlsafe(24)
    with httpx.Client(base_url=world.base, headers={"Cookie": f"zj_pre={pre}"}, timeout=60) as h:
        h.pre = pre  # type: ignore[attr-defined]
        yield h


@pytest.fixture()
def anon(world: World) -> Iterator[httpx.Client]:
    yield from _anon(world)


def _submit(h: httpx.Client, **fields: str) -> httpx.Response:
    data = {
        "pre": h.pre,  # type: ignore[attr-defined]
        "service_code": "road_repair",
        "jurisdiction_id": "jiangkou",
        "address_id": "jiangkou_t1",
        "address": "县城北门路口",
        "description": "路灯不亮",
        "form_key": secrets.token_urlsafe(12),
    } | fields
    return h.post("/citizen/requests", data=data)


@pytest.fixture(scope="module")
def survey_tokens(world: World) -> list[str]:
    code = f"web-{secrets.token_hex(4)}"
    with world.store.transaction() as s:
        sv = create_survey(s, code, "测试评议 test survey", "2025", "tests")
        sample = draw_sample({"jiangkou_t1": [f"hh{i}" for i in range(6)]}, 6, seed=1)
        tokens = issue_tokens(s, sv, sample, "tests")
    return tokens["jiangkou_t1"]


def _state(page: Any) -> str:
    return str(page.locator("#state").inner_text())


def test_citizen_files_follows_and_rates_while_staff_handle_it(
    page: Any, world: World, clients: dict[str | None, Client]
) -> None:
    page.goto("/citizen")
    page.get_by_role("link", name="道路与路灯 roads and street lights").click()
    page.get_by_label("所在区县").select_option(value="jiangkou")
    page.get_by_label("所在乡镇（街道）").select_option(value="jiangkou_t1")
    page.get_by_label("具体地点").fill("城北路口")
    page.get_by_label("问题描述").fill(f"路灯坏了三天，请联系 {PHONE}")
    page.get_by_label("电话").fill(PHONE)
    page.get_by_role("button", name="提交诉求").click()
    page.wait_for_url("**/citizen/requests")
    number = page.locator("#request-number").inner_text().strip()
    token = page.locator("#rating-token").inner_text().strip()
    assert number.isdigit() and re.fullmatch(r"[0-9a-f]{32}", token)
    shot(page, "voice_citizen_submitted")

    # follow it by number: dispatched to the township, phone masked, no contact data
    page.goto("/citizen/follow")
    page.get_by_label("诉求编号").fill(number)
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(f"**/citizen/requests/{number}")
    assert _state(page) == "已派单"
    body = page.content()
    assert PHONE not in body and "139****5678" in body and token not in body

    # the county's staff sign for it and complete it; they see the requester's phone
    browser_login(page, "rep_jiangkou")
    page.goto(f"/voice/requests/{number}")
    assert PHONE in page.locator("#requester").inner_text()
    page.locator("button.act-sign").click()
    page.wait_for_url(f"**/voice/requests/{number}")
    assert _state(page) == "已签收"
    page.get_by_label("说明 (办结)").fill("已更换灯泡")
    page.locator("button.act-complete").click()
    page.wait_for_url(f"**/voice/requests/{number}")
    assert _state(page) == "已办结待回访"
    assert "测试rep_jiangkou (rep_jiangkou)" in page.locator("ol.events").inner_text()
    shot(page, "voice_staff_request")

    # the citizen sees the change and rates it with the token
    page.goto(f"/citizen/requests/{number}")
    assert _state(page) == "已办结待回访"
    page.get_by_role("link", name="评价办理结果").click()
    page.get_by_label("评价码").fill(token)
    page.get_by_label("满意度").select_option(value="3")
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_url(f"**/citizen/requests/{number}?rated=1")
    assert _state(page) == "已回访办结"
    shot(page, "voice_citizen_rated")
    events = clients["admin"].get(f"/voice/requests/{number}.json").json()["events"]
    assert [e["action"] for e in events] == [
        "accept",
        "dispatch",
        "sign",
        "complete",
        "callback_satisfied",
    ]
    assert events[2]["actor"] == "测试rep_jiangkou (rep_jiangkou)"
    assert not [e for e in page.errors if "status of 4" not in e]  # type: ignore[attr-defined]


def test_a_survey_token_votes_once(page: Any, survey_tokens: list[str]) -> None:
    token = survey_tokens[0]
    page.goto("/survey")
    page.get_by_label("评议码").fill(token)
    page.get_by_role("button", name="开始评议").click()
    radios = page.locator("fieldset.likert")
    n = radios.count()
    assert n >= 3
    for i in range(n):
        page.locator(f"#q{i}-4").check()
    page.get_by_role("button", name="提交评议").click()
    assert "评议已提交" in page.locator("h1").inner_text()
    shot(page, "voice_survey_done")
    page.goto("/survey")
    page.get_by_label("评议码").fill(token)
    page.get_by_role("button", name="开始评议").click()
    refusal = page.locator("#refusal").inner_text()
    assert "该评议码已使用" in refusal and "already been used" in refusal
    # in English too
    page.goto("/lang/en?next=/survey")
    page.get_by_label("Survey token").fill(token)
    page.get_by_role("button", name="Start").click()
    assert "Token refused" in page.locator("h1").inner_text()
    assert "already been used" in page.locator("#refusal").inner_text()


def test_a_second_vote_with_the_same_token_is_refused_over_http(
    anon: httpx.Client, world: World, clients: dict[str | None, Client], survey_tokens: list[str]
) -> None:
    token = survey_tokens[1]
    ballot = anon.post("/survey", data={"pre": anon.pre, "token": token})  # type: ignore[attr-defined]
    assert ballot.status_code == 200
    items = ballot.json()["items"]
    votes = {f"q{i}": "5" for i in range(len(items))}
    form = {"pre": anon.pre, "token": token} | votes  # type: ignore[attr-defined]
    assert anon.post("/survey/vote", data=form).status_code == 201
    again = anon.post("/survey/vote", data=form)
    assert again.status_code == 409 and again.json()["token_status"] == "spent"
    assert anon.post("/survey", data={"pre": anon.pre, "token": token}).status_code == 409  # type: ignore[attr-defined]
    bad = anon.post("/survey", data={"pre": anon.pre, "token": "NOPE-NOPE-NOPE-NOPE"})  # type: ignore[attr-defined]
    assert bad.status_code == 404
    code = ballot.json()["survey"]["code"]
    res = clients["admin"].get("/voice/surveys.json", params={"code": code}).json()
    town = next(r for r in res["rows"] if r["unit_id"] == "jiangkou_t1")
    assert town["issued"] == 6 and town["n"] >= 1
    assert town["ci_low"] is None or town["ci_low"] <= town["mean"] <= town["ci_high"]
    # a reporter of another county sees no row of jiangkou's townships
    other = clients["rep_bijiang"].get("/voice/surveys.json", params={"code": code}).json()
    assert not [r for r in other["rows"] if r["unit_id"].startswith("jiangkou")]


def test_scope_anonymity_and_escaping(
    anon: httpx.Client, clients: dict[str | None, Client]
) -> None:
    r = _submit(anon, description=f"{XSS} 电话 {PHONE}", phone=PHONE, name="张三")
    assert r.status_code == 201, r.text
    rid = r.json()["service_request_id"]
    # anonymity: the public view (JSON and HTML) has no contact data and no rating token
    pub = anon.get(f"/citizen/requests/{rid}.json")
    assert pub.status_code == 200
    text = pub.text
    assert PHONE not in text and "张三" not in text and r.json()["token"] not in text
    assert "requester" not in pub.json()["request"] and "token" not in pub.json()["request"]
    # staff: the county's reporter handles it and sees who asked; an inspector reads without
    jk = clients["rep_jiangkou"].get(f"/voice/requests/{rid}.json").json()
    assert jk["requester"]["phone"] == PHONE
    assert clients["inspector"].get(f"/voice/requests/{rid}.json").json()["requester"] is None
    # scope: another county's staff are refused the request and its actions
    bj = clients["rep_bijiang"]
    assert bj.get(f"/voice/requests/{rid}.json").status_code == 403
    assert bj.post(f"/voice/requests/{rid}/act", {"action": "sign"}).status_code == 403
    assert rid not in {x["id"] for x in bj.get("/voice.json").json()["requests"]}
    assert rid in {x["id"] for x in clients["rep_jiangkou"].get("/voice.json").json()["requests"]}
    # an inspector reads but may not act
    assert (
        clients["inspector"].post(f"/voice/requests/{rid}/act", {"action": "sign"}).status_code
        == 403
    )
    # XSS: the description comes back escaped on both pages
    for page in (
        anon.get(f"/citizen/requests/{rid}", headers={"Accept": "text/html"}),
        clients["rep_jiangkou"].get(f"/voice/requests/{rid}", html=True),
    ):
        assert page.status_code == 200
        assert "<script>alert" not in page.text and "<img src=x" not in page.text
        assert "&lt;script&gt;" in page.text


def test_forms_need_their_csrf_token_and_replays_create_nothing(
    anon: httpx.Client, world: World, clients: dict[str | None, Client]
) -> None:
    from zhengji.voice.requests import count_requests

    def count() -> int:
        with world.store.transaction() as s:
            return count_requests(s)

    before = count()
    base = {"service_code": "road_repair", "jurisdiction_id": "jiangkou", "address": "x"}
    with httpx.Client(base_url=world.base) as h:
        r = h.post("/citizen/requests", data=base)  # no token, no cookie
        assert r.status_code == 403 and "CSRF" in r.json()["error"]
        r = h.post(
            "/citizen/requests",
            data=base | {"pre": "a" * 24},
            headers={"Cookie": "zj_pre=" + "b" * 24},
        )
        assert r.status_code == 403
    assert count() == before
    # a double submit of one rendered form gives one request
    key = secrets.token_urlsafe(12)
    first, second = _submit(anon, form_key=key), _submit(anon, form_key=key)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["service_request_id"] == second.json()["service_request_id"]
    assert second.json()["replayed"] is True
    assert count() == before + 1
    rid = first.json()["service_request_id"]
    # staff actions need the session's CSRF token
    rep = clients["rep_jiangkou"]
    assert rep.post(f"/voice/requests/{rid}/act", {"action": "sign"}, csrf=False).status_code == 403
    # rating needs the request's own token, not the number alone
    form = {"pre": anon.pre, "number": str(rid), "satisfaction": "3", "resolved": "true"}  # type: ignore[attr-defined]
    assert anon.post("/citizen/rate", data=form).status_code == 422
    assert anon.post("/citizen/rate", data=form | {"token": "0" * 32}).status_code == 403
    other = _submit(anon).json()
    assert anon.post("/citizen/rate", data=form | {"token": other["token"]}).status_code == 403
    # and the request must be completed first
    r = anon.post("/citizen/rate", data=form | {"token": first.json()["token"]})
    assert r.status_code == 400 and "回访" in r.json()["error"]


def test_ranking_rates_and_composite(anon: httpx.Client, clients: dict[str | None, Client]) -> None:
    assert _submit(anon).status_code == 201  # each xdist worker has its own world
    admin = clients["admin"]
    data = admin.get("/voice/ranking.json").json()
    assert data["months"] and data["month"] == data["months"][0]
    rows = data["rows"]
    jk = next(r for r in rows if r["unit_id"] == "jiangkou")
    w = data["weights"]
    assert jk["volume"] >= 1 and 0 <= jk["response_rate"] <= 100
    if jk["resolution_rate"] is not None:
        expect = (
            w["response"] * jk["response_rate"]
            + w["resolution"] * jk["resolution_rate"]
            + w["satisfaction"] * jk["satisfaction_rate"]
        )
        assert jk["composite"] == pytest.approx(expect)
    rep = clients["rep_bijiang"].get("/voice/ranking.json").json()
    assert {r["unit_id"] for r in rep["rows"]} <= {"bijiang"}
    page = admin.get("/voice/ranking", html=True)
    assert page.status_code == 200 and 'data-chart="voicerank"' in page.text


def test_rate_limiter_window() -> None:
    t = [0.0]
    lim = RateLimiter({"submit": (3, 60.0)}, clock=lambda: t[0])
    assert [lim.allow("submit", "1.2.3.4") for _ in range(4)] == [True, True, True, False]
    assert lim.allow("submit", "5.6.7.8")  # per address
    t[0] = 60.0
    assert lim.allow("submit", "1.2.3.4")  # the window has passed


def test_every_voice_form_control_has_a_label(page: Any, world: World) -> None:
    paths = ["/citizen?service=noise", "/citizen/follow", "/citizen/rate", "/survey"]
    staff = ["/voice", "/voice/ranking", "/voice/surveys"]
    unlabeled = {}
    for i, path in enumerate(paths + staff):
        if i == len(paths):
            browser_login(page, "admin")
        page.goto(path)
        bad = page.evaluate(
            """() => [...document.querySelectorAll('input, select, textarea')]
                .filter(e => e.type !== 'hidden')
                .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
                .map(e => e.name || e.id)"""
        )
        if bad:
            unlabeled[path] = bad
        assert page.locator("h1").count() == 1, path
    assert not unlabeled, unlabeled


def test_a_service_with_required_extra_fields(anon: httpx.Client) -> None:
    missing = _submit(anon, service_code="noise")
    assert missing.status_code == 422
    assert any("time_of_day" in p["column"] for p in missing.json()["problems"])
    ok = _submit(anon, service_code="noise", attr_time_of_day="night")
    assert ok.status_code == 201, ok.text
    rid = ok.json()["service_request_id"]
    assert anon.get(f"/citizen/requests/{rid}.json").json()["request"]["service_code"] == "noise"
