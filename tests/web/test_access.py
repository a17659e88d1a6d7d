"""Every route refuses a request without a session, with the wrong role, or outside the scope.

The table below names every route of the app; ``test_every_route_is_in_the_table`` enumerates
the app's routes, so a new route without an access rule here fails the suite. A route is
either public (login, language, citizens' Open311 API) or lists the roles it admits; for a
unit-scoped reporter, ``foreign`` is the same request about another county.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.web.access_cadres import cadre_cases
from tests.web.access_eco import eco_cases
from tests.web.access_grid import grid_cases
from tests.web.access_roles import (
    ADMIN,
    ALL,
    AUDITORS,
    EVERYONE,
    PUBLIC,
    READERS,
    UPLOADERS,
    WRITERS,
    Case,
)
from tests.web.conftest import Client, World

from zhengji.web.app import app_routes


def table(w: World, f_jk: int, f_bj: int) -> dict[tuple[str, str], Case]:
    r1 = w.county_run
    return (
        {
            ("GET", "/"): Case("/", EVERYONE),  # the roles outside the office are sent home
            ("GET", "/index.json"): Case(f"/index.json?run={r1}", EVERYONE),
            ("GET", "/account"): Case("/account", EVERYONE),
            ("GET", "/account.json"): Case("/account.json", EVERYONE),
            ("POST", "/account/password"): Case(
                "/account/password", EVERYONE, {"current": "x", "new": "y"}
            ),
            ("GET", "/admin/users"): Case("/admin/users", ADMIN),
            ("GET", "/admin/users.json"): Case("/admin/users.json", ADMIN),
            ("POST", "/admin/users"): Case(
                "/admin/users", ADMIN, {"username": "x y", "password": "p", "role": "admin"}
            ),
            ("POST", "/admin/users/{username}/active"): Case(
                "/admin/users/nobody/active", ADMIN, {"active": "true"}
            ),
            ("POST", "/admin/users/{username}/password"): Case(
                "/admin/users/nobody/password", ADMIN, {"password": "short"}
            ),
            ("GET", "/audit"): Case("/audit", AUDITORS),
            ("GET", "/audit.json"): Case("/audit.json", AUDITORS),
            ("GET", "/data"): Case("/data", UPLOADERS | {"inspector"}),
            ("GET", "/data.json"): Case("/data.json", UPLOADERS | {"inspector"}),
            ("POST", "/data/upload"): Case("/data/upload", UPLOADERS),
            ("GET", "/findings"): Case("/findings", ALL),
            ("GET", "/findings.json"): Case("/findings.json", ALL),
            ("GET", "/findings/{finding_id}"): Case(
                f"/findings/{f_jk}", ALL, foreign=f"/findings/{f_bj}"
            ),
            ("GET", "/findings/{finding_id}.json"): Case(
                f"/findings/{f_jk}.json", ALL, foreign=f"/findings/{f_bj}.json"
            ),
            ("POST", "/findings/{finding_id}/{action}"): Case(
                f"/findings/{f_jk}/explain",
                {"admin", "rep_jiangkou"},
                {"text": ""},
                foreign=f"/findings/{f_bj}/explain",
            ),
            ("GET", "/ledger"): Case("/ledger", AUDITORS),
            ("GET", "/ledger.json"): Case("/ledger.json", AUDITORS),
            ("GET", "/ledger/entries/{index}"): Case("/ledger/entries/0", AUDITORS),
            ("GET", "/ledger/entries/{index}.json"): Case("/ledger/entries/0.json", AUDITORS),
            ("GET", "/ledger/entries/{index}/proof"): Case("/ledger/entries/0/proof", AUDITORS),
            ("POST", "/ledger/verify"): Case("/ledger/verify", AUDITORS),
            ("GET", "/accountability"): Case(
                "/accountability?unit=jiangkou", ALL, foreign="/accountability?unit=bijiang"
            ),
            ("GET", "/accountability.json"): Case(
                "/accountability.json?unit=jiangkou&kind=decision",
                ALL,
                foreign="/accountability.json?unit=bijiang&kind=decision",
            ),
            ("GET", "/who/{person_id}"): Case("/who/P001", READERS),
            ("GET", "/who/{person_id}.json"): Case("/who/P001.json", READERS),
            ("GET", "/dossiers"): Case("/dossiers", AUDITORS),
            ("GET", "/dossiers.json"): Case("/dossiers.json", AUDITORS),
            ("GET", "/dossiers/{dossier_id}"): Case("/dossiers/1", AUDITORS),
            ("GET", "/dossiers/{dossier_id}.json"): Case("/dossiers/1.json", AUDITORS),
            ("GET", "/dossiers/{dossier_id}/document.{fmt}"): Case(
                "/dossiers/1/document.pdf", AUDITORS
            ),
            ("GET", "/lang/{code}"): Case("/lang/en", PUBLIC),
            ("GET", "/login"): Case("/login", PUBLIC),
            ("POST", "/login"): Case("/login", PUBLIC),
            ("GET", "/login/oidc"): Case("/login/oidc", PUBLIC),
            ("GET", "/login/oidc/callback"): Case("/login/oidc/callback", PUBLIC),
            ("POST", "/logout"): Case("/logout", EVERYONE),
            ("GET", "/reports/{run_id}/city.{fmt}"): Case(f"/reports/{r1}/city.html", READERS),
            ("GET", "/reports/{run_id}/units/{unit_id}.{fmt}"): Case(
                f"/reports/{r1}/units/jiangkou.html",
                ALL,
                foreign=f"/reports/{r1}/units/bijiang.html",
            ),
            ("GET", "/runs"): Case("/runs", READERS),
            ("GET", "/runs.json"): Case("/runs.json", READERS),
            ("POST", "/runs"): Case("/runs", WRITERS, {"scheme_version_id": "999999"}),
            ("GET", "/runs/{run_id}/analysis"): Case(f"/runs/{r1}/analysis", READERS),
            ("GET", "/runs/{run_id}/analysis.json"): Case(f"/runs/{r1}/analysis.json", READERS),
            ("POST", "/runs/{run_id}/uncertainty"): Case(
                f"/runs/{r1}/uncertainty", WRITERS, {"replications": "1"}
            ),
            ("GET", "/scheme"): Case("/scheme", ALL),
            ("GET", "/scheme.json"): Case("/scheme.json", ALL),
            ("GET", "/scheme/compare"): Case("/scheme/compare?a=1&b=2", ALL),
            ("GET", "/scheme/compare.json"): Case("/scheme/compare.json?a=1&b=2", ALL),
            ("POST", "/scheme/validate"): Case("/scheme/validate", ALL),
            ("GET", "/units"): Case("/units", ALL),
            ("GET", "/units.json"): Case("/units.json", ALL),
            ("GET", "/units/{unit_id}"): Case(
                f"/units/jiangkou?run={r1}", ALL, foreign=f"/units/bijiang?run={r1}"
            ),
            ("GET", "/units/{unit_id}.json"): Case(
                "/units/jiangkou_t1.json", ALL, foreign="/units/bijiang_t1.json"
            ),
        }
        | _voice_cases(w)
        | eco_cases(w)
        | cadre_cases(w)
        | grid_cases(w)
    )


def _voice_cases(w: World) -> dict[tuple[str, str], Case]:
    """The people's voice: citizens' pages are public; staff pages are scoped by request."""
    from zhengji.voice.limits import load_limits
    from zhengji.voice.requests import Submission, submit
    from zhengji.voice.units import load_units

    ids = {}
    with w.store.transaction() as s:
        units = load_units(s)
        for county in ("jiangkou", "bijiang"):
            sub = Submission(county, "road_repair", "web", "tests", "access", "x", f"{county}_t1")
            ids[county] = submit(s, sub, units, load_limits()).id
    jk, bj = ids["jiangkou"], ids["bijiang"]
    handlers = frozenset({"admin", "rep_jiangkou"})
    return {
        ("GET", "/citizen"): Case("/citizen", PUBLIC),
        ("GET", "/citizen.json"): Case("/citizen.json", PUBLIC),
        ("GET", "/citizen/follow"): Case(f"/citizen/follow?number={jk}", PUBLIC),
        ("GET", "/citizen/rate"): Case("/citizen/rate", PUBLIC),
        ("POST", "/citizen/rate"): Case("/citizen/rate", PUBLIC),
        ("POST", "/citizen/requests"): Case("/citizen/requests", PUBLIC),
        ("GET", "/citizen/requests/{request_id}"): Case(f"/citizen/requests/{jk}", PUBLIC),
        ("GET", "/citizen/requests/{request_id}.json"): Case(
            f"/citizen/requests/{jk}.json", PUBLIC
        ),
        ("GET", "/survey"): Case("/survey", PUBLIC),
        ("POST", "/survey"): Case("/survey", PUBLIC),
        ("POST", "/survey/vote"): Case("/survey/vote", PUBLIC, {"token": "x"}),
        ("GET", "/voice"): Case("/voice", ALL),
        ("GET", "/voice.json"): Case("/voice.json", ALL),
        ("GET", "/voice/ranking"): Case("/voice/ranking", ALL),
        ("GET", "/voice/ranking.json"): Case("/voice/ranking.json", ALL),
        ("GET", "/voice/surveys"): Case("/voice/surveys", ALL),
        ("GET", "/voice/surveys.json"): Case("/voice/surveys.json", ALL),
        ("GET", "/voice/requests/{request_id}"): Case(
            f"/voice/requests/{jk}", ALL, foreign=f"/voice/requests/{bj}"
        ),
        ("GET", "/voice/requests/{request_id}.json"): Case(
            f"/voice/requests/{jk}.json", ALL, foreign=f"/voice/requests/{bj}.json"
        ),
        ("POST", "/voice/requests/{request_id}/act"): Case(
            f"/voice/requests/{jk}/act",
            handlers,
            {"action": "note", "note": "x"},
            foreign=f"/voice/requests/{bj}/act",
        ),
    }


@pytest.fixture(scope="module")
def cases(world: World) -> dict[tuple[str, str], Case]:
    fs = world.store.findings(world.screen_id)
    f_jk = next(f.id for f in fs if f.unit_id == "jiangkou")
    f_bj = next(f.id for f in fs if f.unit_id == "bijiang")
    return table(world, f_jk, f_bj)


def _app_routes(world: World) -> set[tuple[str, str]]:
    from zhengji.web import create_app

    return {r for r in app_routes(create_app(world.store)) if not r[1].startswith("/open311/")}


def test_every_route_is_in_the_table(world: World, cases: dict[tuple[str, str], Case]) -> None:
    routes = _app_routes(world)
    missing = routes - set(cases)
    assert not missing, f"routes without an access rule in tests/web/test_access.py: {missing}"
    assert not set(cases) - routes, f"stale rules: {set(cases) - routes}"


def _call(c: Client, method: str, case: Case, path: str | None = None) -> Any:
    p = path or case.path
    if method == "GET":
        return c.get(p)
    if case.roles is PUBLIC:  # anonymous forms carry the double-submit token (zj_pre)
        pre = "p" * 32
        return c.post(p, {"pre": pre} | case.data, headers={"Cookie": f"zj_pre={pre}"})
    return c.post(p, case.data)


def test_without_a_session_every_private_route_is_refused(
    clients: dict[str | None, Client], cases: dict[tuple[str, str], Case]
) -> None:
    anon = clients[None]
    for (method, route), case in cases.items():
        r = _call(anon, method, case)
        if case.roles is PUBLIC:
            assert r.status_code not in (401, 403) and r.status_code < 500, (route, r.status_code)
            continue
        assert r.status_code == 401, (method, route, r.status_code, r.text[:200])
        if method == "GET" and ".json" not in case.path:  # a browser goes to the login page
            h = anon.get(case.path, html=True)
            assert h.status_code == 303 and h.headers["location"].startswith("/login?next="), route


def test_a_forged_session_is_refused(world: World, cases: dict[tuple[str, str], Case]) -> None:
    forged = Client(world.base, "forged-token-" + "x" * 30, "whatever")
    try:
        for (method, route), case in cases.items():
            if case.roles is not PUBLIC:
                assert _call(forged, method, case).status_code == 401, route
    finally:
        forged.close()


@pytest.mark.parametrize("user", sorted(EVERYONE))
def test_roles(
    user: str, clients: dict[str | None, Client], cases: dict[tuple[str, str], Case]
) -> None:
    c = clients[user]
    for (method, route), case in cases.items():
        if case.roles is PUBLIC or route == "/logout":
            continue
        r = _call(c, method, case)
        if user in case.roles:
            assert r.status_code not in (401, 403) and r.status_code < 500, (
                user,
                method,
                route,
                r.status_code,
                r.text[:300],
            )
        else:
            assert r.status_code == 403, (user, method, route, r.status_code, r.text[:200])


def test_a_reporter_never_reaches_another_county(
    clients: dict[str | None, Client], cases: dict[tuple[str, str], Case]
) -> None:
    rep = clients["rep_jiangkou"]
    scoped = [(k, c) for k, c in cases.items() if c.foreign]
    assert len(scoped) >= 5
    for (method, route), case in scoped:
        r = _call(rep, method, case, case.foreign)
        assert r.status_code == 403, (route, r.status_code, r.text[:200])
        # the other county's reporter is refused jiangkou's
        other = _call(clients["rep_bijiang"], method, case)
        assert other.status_code == 403, (route, other.status_code)


def test_a_reporter_sees_only_their_own_rows(
    world: World, clients: dict[str | None, Client]
) -> None:
    rep = clients["rep_jiangkou"]
    ov = rep.get(f"/index.json?run={world.county_run}").json()
    ids = {r["unit_id"] for c in ov["categories"] for r in c["rows"]}
    assert ids == {"jiangkou"}
    assert {s["unit_id"] for s in ov["trend"]["series"]} == {"jiangkou"}
    units = {u["id"] for u in rep.get("/units.json").json()["units"]}
    assert "jiangkou" in units and "bijiang" not in units
    assert units and all(u == "jiangkou" or u.startswith("jiangkou_") for u in units)
    fs = rep.get("/findings.json").json()["findings"]
    assert fs and {f["unit_id"] for f in fs} == {"jiangkou"}
    town = rep.get(f"/index.json?run={world.township_run}").json()
    assert {r["unit_id"] for c in town["categories"] for r in c["rows"]} <= units
    assert rep.get("/data.json").json()["imports"][0]["source"] == ""  # file paths hidden


def test_a_reporter_cannot_upload_another_countys_values(
    world: World, clients: dict[str | None, Client]
) -> None:
    rep = clients["rep_jiangkou"]
    before = len(world.store.imports())
    files = [
        ("files", (n, (world.bundle / n).read_bytes(), "text/csv"))
        for n in ("units.csv", "observations.csv", "scheme.toml")
    ]
    r = rep.h.post(
        "/data/upload",
        data={"csrf_token": rep.csrf},
        files=files,
        headers={"Cookie": f"zj_session={rep.cookie}"},
    )
    assert r.status_code == 403 and "bijiang" in r.json()["error"]
    assert len(world.store.imports()) == before
