"""Accountability pages: the record browser (checks shown, scope, names by role), a person's
record, dossiers (view, PDF, verified against the ledger)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from tests.web.conftest import Client, World, browser_login, shot

from zhengji.accountability import service


def test_browser_shows_the_planted_check_results(clients: dict[str | None, Client]) -> None:
    data = clients["inspector"].get("/accountability.json?kind=decision").json()
    assert list(data["records"]) == ["decision"]
    by_code = {d["code"]: d for d in data["records"]["decision"]}
    assert len(by_code) == 50  # the demo's decisions (docs/accountability.md, "Demo")
    for code in ("D-bijiang-03", "D-shiqian-02", "D-songtao-05"):
        assert "last_word" in {c["check"] for c in by_code[code]["checks"]}, code
    assert {"quorum", "majority"} <= {c["check"] for c in by_code["D-yuping-02"]["checks"]}
    projects = clients["inspector"].get("/accountability.json?kind=project").json()
    vanity = [p["code"] for p in projects["records"]["project"] if p["vanity"]]
    assert vanity == ["P-dejiang-04"]  # the only vanity signal of the demo
    cases = clients["admin"].get("/accountability.json?kind=case").json()["records"]["case"]
    case = next(c for c in cases if c["code"] == "C-2025-001")
    assert case["proposal"] == "exempt" and case["rulings"][-1]["ruling"] == "exempt"


def test_names_by_role_and_reporter_scope(world: World, clients: dict[str | None, Client]) -> None:
    with world.store.transaction() as s:
        names = {k: v for k, v in service.person_names(s).items() if v}
    insp = clients["inspector"].get("/accountability.json?kind=tenure").json()
    shown = " ".join(t["person"] for t in insp["records"]["tenure"])
    assert insp["names_shown"] and any(n in shown for n in names.values())
    rep = clients["rep_jiangkou"].get("/accountability.json?kind=tenure").json()
    assert not rep["names_shown"]
    rows = rep["records"]["tenure"]
    assert rows and all(t["unit_id"].split("_")[0] == "jiangkou" for t in rows)
    assert not any(n in t["person"] for t in rows for n in names.values())
    # another county's records: refused (HTTP 403), also its decisions as JSON
    r = clients["rep_jiangkou"].get("/accountability.json?unit=dejiang")
    assert r.status_code == 403 and "dejiang" in r.json()["error"]
    assert clients["rep_bijiang"].get("/accountability?unit=jiangkou").status_code == 403
    # a person's record spans counties: not for reporters; assessors see ids, not names
    assert clients["rep_jiangkou"].get("/who/P001.json").status_code == 403
    a = clients["assessor"].get("/who/P001.json").json()
    i = clients["inspector"].get("/who/P001.json").json()
    assert a["name"] is None and i["name"] == names["P001"]
    assert a["items"] == i["items"] and i["items"]


def test_former_secretary_answers_for_the_vanity_project_in_another_county(
    world: World, clients: dict[str | None, Client]
) -> None:
    projects = clients["inspector"].get("/accountability.json?kind=project").json()
    p = next(p for p in projects["records"]["project"] if p["code"] == "P-dejiang-04")
    people = {x["person_id"] for x in p["responsible"]}
    tenures = clients["inspector"].get("/accountability.json?kind=tenure").json()
    moved = {
        t["person_id"] for t in tenures["records"]["tenure"] if t["unit_id"] == "yanhe"
    } & people
    assert moved, "the former secretary of dejiang is on P-dejiang-04's list and went to yanhe"
    who = clients["inspector"].get(f"/who/{moved.pop()}.json").json()
    units = {it["unit_id"] for it in who["items"]}
    assert {"dejiang", "yanhe"} <= units
    assert any(it["kind"] == "outcome" and it["points"] < 0 for it in who["items"])
    assert who["deduction"] > 0


def test_dossier_json_matches_the_stored_documents_and_the_ledger(
    world: World, clients: dict[str | None, Client]
) -> None:
    lst = clients["inspector"].get("/dossiers.json").json()["dossiers"]
    assert [d["unit_id"] for d in lst] == ["dejiang"]
    d = clients["inspector"].get(f"/dossiers/{lst[0]['id']}.json").json()
    assert d["verify"] == {
        "html_matches": True,
        "pdf_matches": True,
        "ledger_matches": True,
        "ok": True,
    }
    pdf = clients["inspector"].get(f"/dossiers/{d['id']}/document.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert hashlib.sha256(pdf.content).hexdigest() == d["pdf_sha256"]
    html = clients["admin"].get(f"/dossiers/{d['id']}/document.html")
    assert hashlib.sha256(html.content).hexdigest() == d["html_sha256"]
    assert "default-src 'none'" in html.headers["content-security-policy"]
    entry = clients["inspector"].get(f"/ledger/entries/{d['ledger_index']}.json").json()
    assert entry["kind"] == "dossier"
    assert clients["assessor"].get(f"/dossiers/{d['id']}.json").status_code == 403


def test_inspector_opens_a_dossier_and_downloads_the_pdf(page: Any, world: World) -> None:
    browser_login(page, "inspector")
    page.goto("/dossiers")
    page.locator("table a").first.click()
    page.wait_for_url("**/dossiers/*")
    assert "一致" in page.locator("#dossier-verify").inner_text()
    shot(page, "dossier-view")
    with page.expect_download() as dl:
        page.locator("#dossier-pdf").click()
    path = dl.value.path()
    assert path and Path(path).read_bytes().startswith(b"%PDF")
    page.goto("/accountability?kind=decision")
    assert "last_word" in page.content()
    shot(page, "accountability-decisions")
    assert not page.errors  # type: ignore[attr-defined]
