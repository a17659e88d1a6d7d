"""CSRF, cookies and headers, XSS and SQL-injection payloads, lockout, audit trail, no CDN."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from tests.web.conftest import PASSWORD, Client, World, login

from zhengji.web import accounts
from zhengji.web.app import app_routes

XSS = "<script>alert('x')</script>\"'><img src=x onerror=alert(1)>"
SQLI = [
    "' OR '1'='1",
    "x'; DROP TABLE web_users; --",
    "1 UNION SELECT password_hash FROM web_users",
]


def _post_routes(world: World) -> list[str]:
    from zhengji.web import create_app

    return [
        p
        for m, p in app_routes(create_app(world.store))
        if m == "POST" and not p.startswith("/open311")
    ]


def test_every_form_needs_the_csrf_token(world: World, clients: dict[str | None, Client]) -> None:
    admin = clients["admin"]
    fs = world.store.findings(world.screen_id)
    concrete = {
        "/findings/{finding_id}/{action}": f"/findings/{fs[0].id}/explain",
        "/admin/users/{username}/active": "/admin/users/rep_bijiang/active",
        "/admin/users/{username}/password": "/admin/users/rep_bijiang/password",
    }
    routes = [r for r in _post_routes(world) if r != "/login"]
    assert len(routes) >= 9
    audit_before = _count(world, "web_audit_log")
    for route in routes:
        path = concrete.get(route, route)
        for token in (None, "wrong-token", ""):
            data = {"text": "x", "active": "false", "password": "Another-pass-2025!"}
            if token is not None:
                data["csrf_token"] = token
            r = admin.post(path, data, csrf=False)
            assert r.status_code == 403, (route, token, r.status_code, r.text[:200])
            assert "CSRF" in r.json()["error"]
    assert _count(world, "web_audit_log") == audit_before  # nothing happened
    assert world.store.findings(finding_id=fs[0].id)[0].state == fs[0].state
    # the login form carries its own token (double submit): without it, no login
    r = admin.h.post("/login", data={"username": "admin", "password": PASSWORD})
    assert r.status_code == 403


def test_session_cookie_is_secure_httponly_samesite(world: World) -> None:
    import httpx

    with httpx.Client(base_url=world.base) as h:
        page = h.get("/login")
        pre = re.search(r'name="pre" value="([^"]+)"', page.text)
        assert pre
        r = h.post(
            "/login",
            data={"username": "inspector", "password": PASSWORD, "pre": pre.group(1)},
            headers={"Cookie": f"zj_pre={pre.group(1)}"},
        )
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("zj_session="))
    flags = {f.strip().lower() for f in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=strict", "path=/"} <= flags, flags
    assert len(cookie.split(";")[0]) > 40  # a random token, not a user id


def test_security_headers(clients: dict[str | None, Client]) -> None:
    r = clients["admin"].get("/", html=True)
    csp = r.headers["content-security-policy"]
    assert (
        "default-src 'self'" in csp and "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    )
    assert (
        r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
    )
    assert r.headers["cache-control"] == "no-store"


def _count(world: World, table: str) -> int:
    with world.store.transaction() as s:
        return int(s.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_xss_payloads_come_back_escaped(world: World, clients: dict[str | None, Client]) -> None:
    admin, rep = clients["admin"], clients["rep_jiangkou"]
    # 1. a stored free text: the unit's explanation of a finding
    f = next(
        x
        for x in world.store.findings(world.screen_id)
        if x.unit_id == "jiangkou" and x.state == "open"
    )
    assert rep.post(f"/findings/{f.id}/explain", {"text": XSS}).json()["state"] == "explained"
    # 2. an account's display name, 3. a username in a failed login (shown in the audit log)
    r = admin.post(
        "/admin/users",
        {
            "username": "xss_user",
            "password": "Xss-display-2025!",
            "role": "inspector",
            "display_name": XSS,
        },
    )
    assert r.status_code == 200 and r.json()["user_id"]
    with pytest.raises(AssertionError):
        login(world.base, XSS, "wrong")
    pages = [
        rep.get(f"/findings/{f.id}", html=True),
        admin.get("/admin/users", html=True),
        admin.get("/audit", html=True),
        # 4. reflected: a query parameter and the login "next"
        admin.get("/audit", html=True, params={"actor": XSS}),
        clients[None].get("/login", html=True, params={"next": "/" + XSS}),
        # 5. an error message quoting the input
        admin.get(f"/units/{XSS}", html=True),
    ]
    for r in pages:
        assert r.status_code in (200, 404), r.status_code
        assert "<script>alert" not in r.text and "<img src=x" not in r.text, r.url
    assert html.escape(XSS, quote=True) in pages[0].text or "&lt;script&gt;" in pages[0].text
    assert "&lt;script&gt;" in pages[1].text and "&lt;script&gt;" in pages[2].text
    # the JSON twin returns the text as data, for the client to escape
    assert rep.get(f"/findings/{f.id}.json").json()["events"][-1]["text"] == XSS


def test_sql_injection_payloads_do_nothing(world: World, clients: dict[str | None, Client]) -> None:
    admin = clients["admin"]
    users_before = _count(world, "web_users")
    for p in SQLI:
        assert admin.get(f"/units/{p}.json").status_code == 404
        assert admin.get("/audit.json", params={"actor": p}).json()["entries"] == []
        assert admin.get("/findings.json", params={"screen": p}).status_code == 422
        assert clients["rep_jiangkou"].get(f"/units/{p}.json").status_code == 403
    with pytest.raises(AssertionError):
        login(world.base, SQLI[0], SQLI[0])
    assert _count(world, "web_users") == users_before
    assert login(world.base, "assessor")[0]  # the table and the accounts are intact


def test_lockout_after_repeated_failures(world: World) -> None:
    with world.store.transaction() as s:
        accounts.add_user(s, "locktest", PASSWORD, "inspector")
    for _ in range(accounts.LOCK_AFTER):
        with pytest.raises(AssertionError):
            login(world.base, "locktest", "wrong-password")
    import httpx

    with httpx.Client(base_url=world.base) as h:
        pre = re.search(r'name="pre" value="([^"]+)"', h.get("/login").text)
        assert pre
        r = h.post(
            "/login",
            data={"username": "locktest", "password": PASSWORD, "pre": pre.group(1)},
            headers={"Cookie": f"zj_pre={pre.group(1)}"},
        )
    assert r.status_code == 423 and "锁定" in r.text  # even the right password is refused


def test_rate_limit_per_client_address(world: World) -> None:
    """More than CLIENT_LIMIT failures from one address within the window: refused unchecked."""
    with world.store.transaction() as s:
        accounts.add_user(s, "ratetest", PASSWORD, "inspector")
    for i in range(accounts.CLIENT_LIMIT):
        with world.store.transaction() as s:
            accounts.record_failure(s, f"someone{i}", "10.9.9.9")
    with world.store.transaction() as s, pytest.raises(accounts.LoginError) as exc:
        accounts.login(s, "ratetest", PASSWORD, "10.9.9.9")
    assert exc.value.status == 429
    with world.store.transaction() as s:  # another address is not affected
        assert accounts.login(s, "ratetest", PASSWORD, "10.9.9.10").principal.username == "ratetest"


def test_reads_and_writes_are_audited_and_in_the_ledger(
    world: World, clients: dict[str | None, Client]
) -> None:
    from zhengji.ledger import log as ledger
    from zhengji.web import audit

    insp = clients["inspector"]
    assert insp.get("/units/sinan.json").status_code == 200
    with world.store.transaction() as s:
        rows = audit.list_audit(s, 20, "inspector")
        row = next(r for r in rows if r.action == "read:unit" and "unit_id=sinan" in r.target)
        assert row.ledger_seq is not None
        rec = audit.ledger_record(
            at=row.at,
            actor=row.actor,
            role=row.role,
            action=row.action,
            target=row.target,
            detail=row.detail,
            client=row.client,
        )
        assert ledger.verify_record(s, row.ledger_seq, rec)
        assert not ledger.verify_record(s, row.ledger_seq, rec | {"target": "unit_id=bijiang"})
    with pytest.raises(SQLAlchemyError), world.store.engine.begin() as conn:
        conn.execute(text("UPDATE web_audit_log SET actor = 'someone else'"))
    with pytest.raises(SQLAlchemyError), world.store.engine.begin() as conn:
        conn.execute(text("DELETE FROM web_login_attempts"))


def test_no_page_references_another_origin(world: World, clients: dict[str | None, Client]) -> None:
    admin = clients["admin"]
    fs = world.store.findings(world.screen_id)
    paths = [
        "/",
        "/units",
        "/units/jiangkou",
        "/scheme",
        "/scheme/compare?a=1&b=2",
        "/data",
        "/runs",
        "/findings",
        f"/findings/{fs[0].id}",
        "/admin/users",
        "/audit",
        "/account",
        f"/reports/{world.county_run}/city.html",
        f"/reports/{world.county_run}/units/jiangkou.html",
    ]
    pages = [admin.get(p, html=True) for p in paths] + [clients[None].get("/login", html=True)]
    for r in pages:
        assert r.status_code == 200, r.url
        refs = re.findall(r'(?:src|href|action)\s*=\s*["\']([^"\']*)', r.text)
        external = [
            u
            for u in refs
            if re.match(r"^(?:[a-z][a-z0-9+.-]*:|//)", u, re.I)
            and not u.startswith(("data:", "mailto:"))
        ]
        assert not external, (r.url, external)
        assert "@import" not in r.text and "url(http" not in r.text
