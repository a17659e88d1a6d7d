"""Cadre pages: a cadre sees only their own record; the pages show the stored results and the
core's lists; decisions recorded from the web reach the lists page, the ledger and the audit
log (CSRF, escaping); the case library, the digest, disclosing and withdrawing a case (曝光/撤回)
and the public disclosure list (anonymised; a signed-in user's navigation on it).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from tests.web.conftest import PASSWORD, Client, World, browser_login, login, shot

from zhengji.accountability.service import person_names
from zhengji.cadres import cases as case_lib
from zhengji.cadres import lists, service, views
from zhengji.cadres.config import parse_config
from zhengji.ledger import log as ledger
from zhengji.store.schema import UnitRecord
from zhengji.store.schema_cadres import CadreDecisionRow, CadreResultRow
from zhengji.web import audit

UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
    .filter(e => e.type !== 'hidden')
    .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
    .map(e => e.name || e.id)"""
XSS = "<script>alert('x')</script>\"'><img src=x onerror=alert(1)>"


def _batch_of(world: World, kind: str, label: str | None = None) -> int:
    with world.store.transaction() as s:
        return next(
            b.id
            for b in reversed(service.batches(s))
            if b.kind == kind and (label is None or b.label == label)
        )


def test_a_cadre_sees_only_their_own_record(clients: dict[str | None, Client]) -> None:
    c = clients["cadre_p064"]
    for path in (
        "/cadres/people/P001",
        "/cadres/people/P001.json",
        "/cadres/people/P001/feedback.pdf",
    ):
        r = c.get(path)
        assert r.status_code == 403 and "P064" in r.json()["error"], path
    assert c.get("/cadres/people/NOBODY.json").status_code == 403  # existence is not revealed
    assert c.get("/cadres/people/P064").status_code == 200
    assert c.get("/cadres/people/P064", html=True).status_code == 200
    assert c.get("/cadres/me", html=True).status_code == 200
    me, own = c.get("/cadres/me.json").json(), c.get("/cadres/people/P064.json").json()
    assert me == own and me["person_id"] == "P064" and me["own"] and me["results"]
    home = c.get("/", html=True)
    assert home.status_code == 303 and home.headers["location"] == "/cadres/me"
    for path in ("/cadres.json", "/cadres/lists.json", "/cases.json", "/cases/digest.json"):
        assert c.get(path).status_code == 403, path
    # the office's roles: the organisation lands on /cadres; /cadres/me is for cadres only
    assert clients["org"].get("/", html=True).headers["location"] == "/cadres"
    assert clients["org"].get("/cadres/me.json").status_code == 403


def test_a_cadre_without_results_sees_an_empty_page_and_nobody_else(world: World) -> None:
    from zhengji.web import accounts

    with world.store.transaction() as s:
        accounts.add_user(s, "cadre_new", PASSWORD, "cadre", None, display_name="新任干部",
                          subject="P-NEW")  # fmt: skip
    c = Client(world.base, *login(world.base, "cadre_new"))
    try:
        me = c.get("/cadres/me.json").json()
        assert me["person_id"] == "P-NEW" and me["results"] == []
        assert "尚无考核结果" in c.get("/cadres/me", html=True).text
        assert c.get("/cadres/people/P064.json").status_code == 403
        assert c.get("/cadres/people/P-NEW/feedback.pdf").status_code == 404
    finally:
        c.close()


def test_person_page_equals_the_stored_results(
    world: World, clients: dict[str | None, Client]
) -> None:
    page = clients["inspector"].get("/cadres/people/P064.json").json()
    with world.store.transaction() as s:
        stored = {b.id: service.latest_result(s, "P064", b.id)[1] for b in service.batches(s)
                  if any(r.person_id == "P064" for r in service.results(s, b.id)[1])}  # fmt: skip
        names = person_names(s)
    assert page["name"] == names["P064"]
    # the headline results (annual, term, special) newest first, then the quarters' 平时 checks
    routine = {r["batch"]["id"] for r in page["results"] if r["batch"]["kind"] == "routine"}
    assert [r["batch"]["id"] for r in page["results"]] == sorted(
        stored, key=lambda b: (b in routine, -b)
    )
    assert routine and page["results"][0]["batch"]["kind"] != "routine"
    for r in page["results"]:
        row = stored[r["batch"]["id"]]
        assert (r["grade"], r["score"]) == (row.grade, row.score)
        assert r["lines"] == [x["zh"] for x in row.result["lines"]]
        assert r["credit"] == row.result["credit"] and r["deduction"] == row.result["deduction"]
        assert [p["unit_id"] for p in r["posts"]] == [p["unit_id"] for p in row.inputs["posts"]]
        assert [p["share"] for p in r["posts"]] == [p["share"] for p in row.inputs["posts"]]
    # the demo's story (docs/cadres.md, "Demo"): the dejiang secretary's vanity project's harm
    # surfaces in 2025, after they moved to yanhe — deducted, and the grade capped
    annual = next(
        r for r in page["results"] if r["batch"]["kind"] == "annual" and r["label"] == "2025"
    )
    late = [d for d in annual["deductions"] if d["after_leaving"]]
    assert late and late[0]["project_code"] == "P-dejiang-04"
    assert annual["caps"] and annual["caps"][0]["cap"] == "基本称职"
    assert annual["posts"][0]["unit_name"] == "沿河土家族自治县"
    # the cadre's own page shows the same grade as the office's
    mine = clients["cadre_p064"].get("/cadres/me.json").json()
    assert [(r["batch"]["id"], r["grade"]) for r in mine["results"]] == [
        (r["batch"]["id"], r["grade"]) for r in page["results"]
    ]
    # English lines come from the same stored result
    en = clients["inspector"].get("/cadres/people/P064.json?lang=en").json()
    assert en["results"][0]["lines"] == [
        x["en"] for x in stored[en["results"][0]["batch"]["id"]].result["lines"]
    ]


def test_slow_action_and_routine_quarters_are_shown_as_stored(
    world: World, clients: dict[str | None, Client]
) -> None:
    """慢作为 (overdue milestones the core counted) and 平时考核 quarters come from the result."""
    with world.store.transaction() as s:
        rows = list(s.scalars(select(CadreResultRow).order_by(CadreResultRow.id)))
    slow = next(r for r in rows if r.result.get("overdue"))
    page = clients["org"].get(f"/cadres/people/{slow.person_id}.json").json()
    shown = next(x for x in page["results"] if x["batch"]["id"] == slow.batch_id)
    assert [f"{m['project_code']}:{m['name']}" for m in shown["overdue"]] == slow.result["overdue"]
    assert all(m["days_late"] > 0 for m in shown["overdue"])
    quarters = next(r for r in rows if r.result.get("routine"))
    page = clients["org"].get(f"/cadres/people/{quarters.person_id}.json").json()
    shown = next(x for x in page["results"] if x["batch"]["id"] == quarters.batch_id)
    assert shown["routine"] == quarters.result["routine"]
    assert shown["routine_mean"] == quarters.result["routine_mean"]
    text = clients["org"].get(f"/cadres/people/{quarters.person_id}", html=True).text
    assert "平时考核（季度）" in text and quarters.result["routine"][0]["label"] in text


def test_exemptions_are_listed_and_cost_nothing(
    world: World, clients: dict[str | None, Client]
) -> None:
    """The sinan secretary's tea-plant loss is ruled 免责: shown, not deducted (docs/cadres.md)."""
    with world.store.transaction() as s:
        from zhengji.accountability.service import load_records

        case = next(c for c in load_records(s).cases if c.code == "C-2025-001")
    page = clients["org"].get(f"/cadres/people/{case.person_id}.json").json()
    found = [(r, x) for r in page["results"] for x in r["exemptions"]]
    assert found, page["results"]
    r, x = found[0]
    assert x["factor"] == 0 and any("容错免责" in ln and x["code"] in ln for ln in r["lines"])
    assert x["code"] not in {d["code"] for d in r["deductions"]}


def test_results_table_equals_the_batch(world: World, clients: dict[str | None, Client]) -> None:
    annual = _batch_of(world, "annual", "2025")
    page = clients["org"].get(f"/cadres.json?batch={annual}").json()
    with world.store.transaction() as s:
        _, rows = service.results(s, annual)
        stored = {r.person_id: (r.grade, r.score) for r in rows}
    assert page["batch"]["id"] == annual
    assert {r["person_id"]: (r["grade"], r["score"]) for r in page["results"]} == stored
    assert page["results"][0]["person_id"] in stored
    counts = next(b for b in page["batches"] if b["id"] == annual)["grades"]
    assert sum(counts.values()) == len(stored)
    assert counts["基本称职"] == sum(g == "基本称职" for g, _ in stored.values())
    # P064's grade on the page is the stored one
    p064 = next(r for r in page["results"] if r["person_id"] == "P064")
    assert p064["grade"] == stored["P064"][0] == "基本称职" and p064["capped"]
    # filters: kind picks that kind's latest batch; county keeps people who served there
    term = clients["org"].get("/cadres.json?kind=term").json()
    assert term["batch"]["kind"] == "term" and {b["kind"] for b in term["batches"]} == {"term"}
    dj = clients["org"].get(f"/cadres.json?batch={annual}&county=dejiang").json()["results"]
    assert dj and len(dj) < len(stored)
    assert all(any(u["id"].startswith("dejiang") for u in r["units"]) for r in dj)
    assert clients["org"].get("/cadres.json?kind=nonsense").status_code == 422
    assert clients["org"].get("/cadres.json?batch=999999").status_code == 404
    text = clients["org"].get(f"/cadres?batch={annual}", html=True).text
    assert 'href="/cadres/people/P064"' in text and "示例数据（模拟）" in text


def test_lists_page_equals_the_core(world: World, clients: dict[str | None, Client]) -> None:
    annual = _batch_of(world, "annual", "2025")
    page = clients["inspector"].get(f"/cadres/lists.json?batch={annual}").json()
    with world.store.transaction() as s:
        _, entries = lists.lists_for(s, annual)
        decided = lists.decisions(s, annual)
    shown = {(lst["id"], e["person_id"]) for lst in page["lists"] for e in lst["entries"]}
    assert shown == {(e["list"], e["person_id"]) for e in entries} and shown
    assert [lst["id"] for lst in page["lists"]] == list(lists.LISTS)
    assert not page["can_decide"]  # inspectors read
    # the demo's decision (组织部 accepts the top commendation candidate) is shown with it
    demo = next(d for d in decided if d.reviewer == "组织部（模拟）")
    commend = next(lst for lst in page["lists"] if lst["id"] == "commend")
    entry = next(e for e in commend["entries"] if e["person_id"] == demo.person_id)
    assert entry["history"][0]["decision"] == "accept"
    assert entry["history"][0]["ledger_index"] == demo.ledger_index
    assert clients["org"].get(f"/cadres/lists.json?batch={annual}").json()["can_decide"]


def _decisions(world: World) -> list[CadreDecisionRow]:
    with world.store.transaction() as s:
        return list(s.scalars(select(CadreDecisionRow).order_by(CadreDecisionRow.id)))


def test_a_decision_reaches_the_lists_page_and_the_ledger(
    world: World, clients: dict[str | None, Client]
) -> None:
    org = clients["org"]
    term = _batch_of(world, "term")
    with world.store.transaction() as s:
        _, entries = lists.lists_for(s, term)
    e = next(x for x in entries if x["person_id"] == "P064" and x["list"] == "accountable")
    form = {"batch_id": str(term), "person_id": "P064", "list_kind": "accountable",
            "decision": "defer", "reason": XSS}  # fmt: skip
    before = _decisions(world)
    # without the CSRF token (none, wrong): refused, nothing recorded
    assert org.post("/cadres/decisions", form, csrf=False).status_code == 403
    assert (
        org.post("/cadres/decisions", form | {"csrf_token": "wrong"}, csrf=False).status_code == 403
    )
    assert clients["inspector"].post("/cadres/decisions", form).status_code == 403
    assert clients["cadre_p064"].post("/cadres/decisions", form).status_code == 403
    assert len(_decisions(world)) == len(before)
    r = org.post("/cadres/decisions", form)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["reviewer"] == "测试org (org)" and out["reason"] == XSS
    rows = _decisions(world)
    assert len(rows) == len(before) + 1
    row = rows[-1]
    assert (row.person_id, row.list_kind, row.decision, row.batch_id) == (
        "P064",
        "accountable",
        "defer",
        term,
    )
    assert row.evidence == e["evidence"]  # the core kept the evidence of the list entry
    # in the ledger: the leaf is the hash of the decision's canonical record
    with world.store.transaction() as s:
        prev = None if row.supersedes_id is None else s.get(CadreDecisionRow, row.supersedes_id)
        rec = lists.decision_payload(row, None if prev is None else prev.ledger_index)
        assert ledger.verify_record(s, row.ledger_index, rec)
        assert not ledger.verify_record(s, row.ledger_index, rec | {"decision": "accept"})
        logged = audit.list_audit(s, 50, "org")
    assert any(a.action == "cadre_decide" and "person=P064" in a.target
               and a.detail["ledger_index"] == row.ledger_index for a in logged)  # fmt: skip
    # on the lists page (JSON and HTML), the note escaped
    page = org.get(f"/cadres/lists.json?batch={term}").json()
    acc = next(lst for lst in page["lists"] if lst["id"] == "accountable")
    mine = next(x for x in acc["entries"] if x["person_id"] == "P064")
    assert mine["decision"]["id"] == row.id and mine["decision"]["reason"] == XSS
    text = org.get(f"/cadres/lists?batch={term}", html=True).text
    assert XSS not in text and "<script>alert" not in text and "<img src=x" not in text
    assert "&lt;script&gt;alert(" in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    # a later decision supersedes (append-only); a browser is sent back to the lists page
    again = org.post(
        "/cadres/decisions", form | {"decision": "accept", "reason": "复核后同意"}, html=True
    )
    assert again.status_code == 303 and again.headers["location"].startswith(
        f"/cadres/lists?batch={term}#decision-"
    )
    last = _decisions(world)[-1]
    assert last.supersedes_id == row.id and last.decision == "accept"
    # the core's rules still apply: not on that list → 422, nothing stored
    bad = org.post("/cadres/decisions", form | {"person_id": "P001", "list_kind": "commend"})
    assert bad.status_code == 422 and len(_decisions(world)) == len(rows) + 1


def test_reads_of_a_record_are_audited(world: World, clients: dict[str | None, Client]) -> None:
    assert clients["inspector"].get("/cadres/people/P064.json").status_code == 200
    pdf = clients["cadre_p064"].get("/cadres/people/P064/feedback.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-disposition"].startswith('attachment; filename="feedback-P064-')
    with world.store.transaction() as s:
        insp = audit.list_audit(s, 20, "inspector")
        own = audit.list_audit(s, 20, "cadre_p064")
    assert any(a.action == "read:cadre" and a.target == "person_id=P064" for a in insp)
    assert any(a.action == "read:cadre_feedback" and "person=P064" in a.target for a in own)


def _case_views(world: World, public: bool) -> list[dict[str, Any]]:
    with world.store.transaction() as s:
        units = {u.id: u.name for u in s.scalars(select(UnitRecord))}
        rows = case_lib.public_list(s) if public else case_lib.cases(s)
        cfg, names = parse_config(""), person_names(s)
        return [dict(case_lib.case_view(c, cfg, units, names, public)) for c in rows]


def test_case_library_search_and_digest(world: World, clients: dict[str | None, Client]) -> None:
    views = _case_views(world, public=False)
    org = clients["org"]
    page = org.get("/cases.json").json()
    assert [c["code"] for c in page["cases"]] == [v["code"] for v in views] and views
    tagged = org.get("/cases.json?tag=一言堂").json()["cases"]
    assert [c["code"] for c in tagged] == [v["code"] for v in case_lib.search(views, "", "一言堂")]
    assert tagged and all("一言堂" in c["tags"] for c in tagged)
    words = org.get("/cases.json?q=末位表态 松桃").json()["cases"]
    assert [c["code"] for c in words] == [
        v["code"] for v in case_lib.search(views, "末位表态 松桃")
    ]
    assert len(words) == 1
    assert org.get("/cases.json?q=没有这样的案例").json()["cases"] == []
    disclosed = {c["code"] for c in page["cases"] if c["disclosed"]}
    assert disclosed == {v["code"] for v in _case_views(world, public=True)}
    code = next(iter(disclosed))
    one = org.get(f"/cases/{code}.json").json()
    assert one["case"] == next(v for v in views if v["code"] == code)
    assert one["disclosed"] and one["disclosures"][-1]["action"] == "disclose"
    assert one["public"]["unit"] == "某县（区）"
    assert org.get("/cases/JS-9999.json").status_code == 404
    digest = org.get("/cases/digest.json").json()
    assert [c["code"] for c in digest["cases"]] == [v["code"] for v in views]
    assert "警示教育案例汇编" in org.get("/cases/digest", html=True).text
    pdf = org.get("/cases/digest.pdf?tag=形象工程")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_disclosure_list_is_public_and_anonymised(
    world: World, clients: dict[str | None, Client]
) -> None:
    anon = clients[None]
    data = anon.get("/disclosures.json").json()
    public = _case_views(world, public=True)
    assert data["cases"] == public and public  # only disclosed cases, the public policy
    with world.store.transaction() as s:
        names = [n for n in person_names(s).values() if n]
        units = [(u.id, u.name) for u in s.scalars(select(UnitRecord))]
        exempt = {c.code for c in case_lib.cases(s) if "容错免责" in c.tags}
    text = anon.get("/disclosures", html=True).text
    assert "示例数据（模拟）" in text and data["synthetic"]
    for c in data["cases"]:
        blob = " ".join(str(v) for v in c.values())
        assert not [n for n in names if n in blob]
        assert not [u for u in units if u[1] in blob or re.search(rf"\b{u[0]}\b", blob)]
        assert re.fullmatch(r"\d{4}年", c["when"]) and c["unit"] == "某县（区）"
        assert c["code"] not in exempt
        assert set(c) == {"code", "tags", "unit", "when", "what", "rule", "cost"}
    assert "P0" not in text


def test_org_records_a_decision_and_a_cadre_lands_on_their_page(world: World, page: Any) -> None:
    annual = _batch_of(world, "annual", "2024")
    with world.store.transaction() as s:
        _, entries = lists.lists_for(s, annual)
    e = next(x for x in entries if x["list"] in ("remind", "adjust"))
    browser_login(page, "org")
    assert page.url.endswith("/cadres")
    for path in ("/cadres", "/cadres/people/P064", "/cadres/lists", "/cases", "/cases/JS-0001",
                 "/cases/digest", "/disclosures"):  # fmt: skip
        page.goto(path)
        assert page.locator("h1").count() == 1, path
        assert not page.evaluate(UNLABELLED), path
    page.goto("/cadres")
    page.get_by_role("link", name="结果运用", exact=True).click()
    page.wait_for_url("**/cadres/lists")
    page.get_by_label("批次").select_option(str(annual))
    page.get_by_role("button", name="查看", exact=True).click()
    page.wait_for_url(f"**/cadres/lists?batch={annual}")
    row = page.locator(f"#entry-{e['list']}-{e['person_id']}")
    row.locator("summary").click()
    row.locator("select[name=decision]").select_option("accept")
    row.locator("input[name=reason]").fill("部务会研究同意：提醒谈话")
    row.get_by_role("button", name="记录决定").click()
    page.wait_for_url(f"**/cadres/lists?batch={annual}#decision-*")
    shown = page.locator(f"#entry-{e['list']}-{e['person_id']} .decision").last
    assert "部务会研究同意：提醒谈话" in shown.inner_text() and "同意" in shown.inner_text()
    shot(page, "cadre-lists-decision")
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/login")
    browser_login(page, "cadre_p064")
    assert page.url.endswith("/cadres/me")
    assert "我的考核结果" in page.locator("h1").inner_text()
    grade = page.locator("section.result .grade").first.inner_text()
    with world.store.transaction() as s:
        assert grade == service.latest_result(s, "P064")[1].grade
    assert page.get_by_role("link", name="我的考核", exact=True).count() == 1
    assert page.get_by_role("link", name="结果运用", exact=True).count() == 0
    shot(page, "cadre-me")
    assert not page.errors  # type: ignore[attr-defined]


def test_person_page_shows_the_routine_quarters(
    world: World, clients: dict[str | None, Client]
) -> None:
    """平时考核: the demo's quarterly batches (stored after the others) on the person page."""
    page = clients["org"].get("/cadres/people/P064.json").json()
    with world.store.transaction() as s:
        routine = [b for b in service.batches(s) if b.kind == "routine"]
        stored = [service.latest_result(s, "P064", b.id) for b in routine]
    assert [b.label for b in routine] == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    assert min(b.id for b in routine) > max(b.id for b in _batches(world, "routine", False))
    assert page["quarters"] == [
        {"label": b.label, "batch_id": b.id, "grade": r.grade, "score": r.score} for b, r in stored
    ]
    text = clients["org"].get("/cadres/people/P064", html=True).text
    assert "平时考核季度等次" in text
    for b, r in stored:
        assert f'href="#batch-{b.id}"' in text and f'id="batch-{b.id}"' in text
        assert f'<td class="quarter-grade">{r.grade}</td>' in text
    # the cadre sees the same quarters on their own page
    assert clients["cadre_p064"].get("/cadres/me.json").json()["quarters"] == page["quarters"]
    # the batches list can be filtered to routine batches
    listed = clients["org"].get("/cadres.json?kind=routine").json()
    assert listed["batch"]["id"] == routine[-1].id
    assert [b["label"] for b in listed["batches"]] == [b.label for b in routine]


def _batches(world: World, kind: str, same: bool = True) -> list[Any]:
    """The batches of ``kind`` (``same=False``: of every other kind)."""
    with world.store.transaction() as s:
        return [b for b in service.batches(s) if (b.kind == kind) == same]


def _disclosures(world: World, code: str) -> list[Any]:
    with world.store.transaction() as s:
        return views.disclosure_history(s, code)


def test_disclosing_and_withdrawing_from_the_web(
    world: World, clients: dict[str | None, Client]
) -> None:
    """曝光/撤回 through ``cases.disclose`` (as ``zhengji cases disclose``): CSRF, roles, the
    core's rules, the ledger, the audit log, the public list; the state is restored at the end."""
    org = clients["org"]
    with world.store.transaction() as s:
        code = sorted(views.disclosed_codes(s))[0]
        exempt = next(c.code for c in case_lib.cases(s) if "容错免责" in c.tags)
        hidden = next(
            c.code for c in case_lib.cases(s)
            if c.code not in views.disclosed_codes(s) and "容错免责" not in c.tags
        )  # fmt: skip
    url = f"/cases/{code}/disclosure"
    form = {"action": "withdraw", "reason": XSS}
    before = _disclosures(world, code)
    # refused: no or a wrong CSRF token, readers who do not decide, the core's rules
    assert org.post(url, form, csrf=False).status_code == 403
    assert org.post(url, form | {"csrf_token": "wrong"}, csrf=False).status_code == 403
    for who in ("inspector", "cadre_p064", "assessor"):
        assert clients[who].post(url, form).status_code == 403, who
    assert clients[None].post(url, form).status_code == 401
    assert org.post(url, form | {"action": "publish"}).status_code == 422
    assert org.post(url, {"action": "withdraw", "reason": " "}).status_code == 422
    bad = org.post(f"/cases/{exempt}/disclosure", {"action": "disclose", "reason": "x"})
    assert bad.status_code == 422 and "容错免责" in bad.json()["error"]
    nothing = org.post(f"/cases/{hidden}/disclosure", {"action": "withdraw", "reason": "x"})
    assert nothing.status_code == 422 and "不在曝光台上" in nothing.json()["error"]
    assert org.post("/cases/JS-9999/disclosure", form).status_code == 404
    assert [d.id for d in _disclosures(world, code)] == [d.id for d in before]
    assert not _disclosures(world, exempt)
    # withdraw: off the public list, in the ledger and the audit log
    r = org.post(url, form)
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["action"], out["reviewer"], out["reason"]) == ("withdraw", "测试org (org)", XSS)
    row = _disclosures(world, code)[-1]
    assert row.id == out["id"] and len(_disclosures(world, code)) == len(before) + 1
    with world.store.transaction() as s:
        rec = case_lib.disclosure_payload(row)
        assert ledger.verify_record(s, row.ledger_index, rec)
        assert not ledger.verify_record(s, row.ledger_index, rec | {"action": "disclose"})
        logged = audit.list_audit(s, 50, "org")
    assert any(a.action == "case_disclosure" and a.target == f"case={code},action=withdraw"
               and a.detail["ledger_index"] == row.ledger_index for a in logged)  # fmt: skip
    public = clients[None].get("/disclosures.json").json()["cases"]
    assert code not in {c["code"] for c in public}
    detail = org.get(f"/cases/{code}.json").json()
    assert not detail["disclosed"] and detail["public"] is None and detail["can_disclose"]
    text = org.get(f"/cases/{code}", html=True).text
    assert f'id="disclosure-{row.id}"' in text and "&lt;script&gt;alert(" in text
    assert "<script>alert" not in text and 'name="action" value="disclose"' in text
    # disclose again from a browser form: 303 back to the case, on the public list again
    again = org.post(url, {"action": "disclose", "reason": "复核后重新曝光"}, html=True)
    assert again.status_code == 303
    assert again.headers["location"] == f"/cases/{code}#disclosure-{row.id + 1}"
    assert code in {c["code"] for c in clients[None].get("/disclosures.json").json()["cases"]}
    detail = org.get(f"/cases/{code}.json").json()
    assert detail["disclosed"] and detail["can_withdraw"] and not detail["can_disclose"]
    assert [d["action"] for d in detail["disclosures"]][-2:] == ["withdraw", "disclose"]
    # who may act sees the button; a reader does not; an exempted case says why not
    assert 'action="/cases/' not in clients["inspector"].get(f"/cases/{code}", html=True).text
    assert not clients["inspector"].get(f"/cases/{code}.json").json()["can_withdraw"]
    exempted = org.get(f"/cases/{exempt}", html=True).text
    assert 'id="exempt-note"' in exempted and 'id="disclosure-form"' not in exempted


def test_the_public_list_shows_a_signed_in_user_their_navigation(
    world: World, clients: dict[str | None, Client]
) -> None:
    """/disclosures is public: a visitor (or a bad cookie) sees no navigation and no 401; a
    signed-in user sees their own navigation and can sign out."""
    anon = clients[None].get("/disclosures", html=True)
    assert anon.status_code == 200 and "<nav" not in anon.text and "/logout" not in anon.text
    forged = Client(world.base, "forged-token-" + "x" * 30, "whatever")
    try:
        r = forged.get("/disclosures", html=True)
        assert r.status_code == 200 and "<nav" not in r.text
    finally:
        forged.close()
    org = clients["org"].get("/disclosures", html=True).text
    assert "<nav" in org and 'href="/cadres/lists"' in org and 'action="/logout"' in org
    assert 'href="/disclosures" aria-current="page"' in org
    assert f'value="{clients["org"].csrf}"' in org  # the sign-out form works
    me = clients["cadre_p064"].get("/disclosures", html=True).text
    assert 'href="/cadres/me"' in me and 'href="/cadres/lists"' not in me
    # the office's reader sees their nav too (no 曝光台 entry, still the page)
    insp = clients["inspector"].get("/disclosures", html=True).text
    assert "<nav" in insp and 'href="/cases"' in insp and "典型问题曝光台" in insp


def test_org_discloses_a_case_in_the_browser(world: World, page: Any) -> None:
    with world.store.transaction() as s:
        on_list = views.disclosed_codes(s)
        code = next(
            c.code for c in case_lib.cases(s) if c.code not in on_list and "容错免责" not in c.tags
        )
    browser_login(page, "org")
    page.goto(f"/cases/{code}")
    assert not page.evaluate(UNLABELLED)
    page.get_by_label("理由").fill("示例：典型问题通报曝光")
    page.get_by_role("button", name="曝光（公开到曝光台）").click()
    page.wait_for_url(f"**/cases/{code}#disclosure-*")
    assert page.locator("#disclosed").inner_text() == "已曝光"
    assert "示例：典型问题通报曝光" in page.locator("tr.disclosure").last.inner_text()
    shot(page, "case-disclosed")
    page.goto("/disclosures")
    assert page.locator(f"#case-{code}").count() == 1
    assert page.get_by_role("link", name="警示教育", exact=True).count() == 1  # the org's nav
    page.goto(f"/cases/{code}")
    page.get_by_label("理由").fill("示例：撤回")
    page.get_by_role("button", name="撤回曝光").click()
    page.wait_for_url(f"**/cases/{code}#disclosure-*")
    assert page.locator("#disclosed").inner_text() == "未曝光"
    with world.store.transaction() as s:
        assert views.disclosed_codes(s) == on_list  # as it was
    assert not page.errors  # type: ignore[attr-defined]
