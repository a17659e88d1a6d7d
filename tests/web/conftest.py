"""A real web server on a loopback port over the synthetic Tongren world, and signed-in clients.

Built once per test session (per xdist worker): the demo world is assessed (county and
township runs), screened (integrity findings) and given one account per role, then served by
uvicorn in a thread. Tests talk real HTTP (httpx) or drive Chromium (Playwright).
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from zhengji.store import Store
from zhengji.web import accounts, create_app

PASSWORD = "Tongren-demo-2025!"
# name → (role, unit, subject). The demo's people: P064 is the cadre whose vanity project's
# debt surfaced after they moved on; jiangkou_t1_med the township's full-time mediator.
USERS: dict[str, tuple[str, str | None, str | None]] = {
    "admin": ("admin", None, None),
    "assessor": ("assessor", None, None),
    "inspector": ("inspector", None, None),
    "rep_jiangkou": ("reporter", "jiangkou", None),
    "rep_bijiang": ("reporter", "bijiang", None),
    "org": ("organisation", None, None),
    "cadre_p064": ("cadre", None, "P064"),
    "centre_jiangkou": ("centre", "jiangkou", None),
    "gw_jiangkou": ("grid_worker", None, "jiangkou_t1_v1_g1"),
    "med_jiangkou": ("mediator", None, "jiangkou_t1_med"),
}
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@dataclass
class World:
    url: str  # database URL
    bundle: Path
    base: str  # http://127.0.0.1:port
    store: Store
    county_run: int
    township_run: int
    screen_id: int
    tokens: dict[str, tuple[str, str]] = field(default_factory=dict)  # user → (cookie, csrf)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # the test thread is not the main thread
        pass


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from zhengji.demo.voice import demo_units
    from zhengji.demo.world import build_world
    from zhengji.pipeline import run_bundle, screen_bundle
    from zhengji.voice.units import register_units

    root = tmp_path_factory.mktemp("web")
    url = f"sqlite:///{root / 'web.db'}"
    bundle = build_world(root / "bundle", seed=20251)
    county = run_bundle(bundle, db_url=url)
    towns = run_bundle(bundle / "townships", db_url=url)
    screen = screen_bundle(bundle, db_url=url)
    store = Store.open(url)
    from zhengji.demo import accountability, cadres, eco, grid

    accountability.populate(store, seed=20251)  # tenures, decisions, projects, the dossier
    cadres.populate(store, seed=20251)  # cadre results, lists, the case library
    grid.populate(store, seed=20251)  # grids, visits, disputes
    eco.populate(store, seed=20251, holders_per_village=5)  # eco accounts (small), GEP inputs
    with store.transaction() as s:
        for name, (role, unit, subject) in USERS.items():
            accounts.add_user(
                s, name, PASSWORD, role, unit, display_name=f"测试{name}", subject=subject
            )
        register_units(s, demo_units())  # the people's voice: city, counties, townships
    app = create_app(store)
    port = _free_port()
    server = _Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    assert county.run_id and towns.run_id and screen.screen_id
    w = World(
        url,
        bundle,
        f"http://127.0.0.1:{port}",
        store,
        county.run_id,
        towns.run_id,
        screen.screen_id,
    )
    yield w
    server.should_exit = True
    thread.join(timeout=10)
    store.close()


def login(base: str, username: str, password: str = PASSWORD) -> tuple[str, str]:
    """Sign in through the form; returns (session cookie, CSRF token)."""
    with httpx.Client(base_url=base, follow_redirects=False) as h:
        page = h.get("/login")
        pre = re.search(r'name="pre" value="([^"]+)"', page.text)
        assert pre, page.text
        r = h.post(
            "/login",
            data={"username": username, "password": password, "pre": pre.group(1), "next": "/"},
            headers={"Cookie": f"zj_pre={pre.group(1)}"},
        )
        assert r.status_code == 303, r.text
        cookie = r.cookies.get("zj_session") or _cookie(r, "zj_session")
        acct = h.get("/account", headers={"Cookie": f"zj_session={cookie}"})
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', acct.text)
        assert csrf, acct.text
        return cookie, csrf.group(1)


def _cookie(r: httpx.Response, name: str) -> str:
    for h in r.headers.get_list("set-cookie"):
        m = re.match(rf"{name}=([^;]+)", h)
        if m:
            return m.group(1)
    raise AssertionError(f"no {name} cookie in {r.headers}")


class Client:
    """An httpx client that sends one user's session cookie (Secure cookies over loopback)."""

    def __init__(self, base: str, cookie: str | None, csrf: str | None) -> None:
        self.h = httpx.Client(base_url=base, follow_redirects=False, timeout=60)
        self.cookie = cookie
        self.csrf = csrf

    def _headers(self, extra: dict[str, str] | None, html: bool) -> dict[str, str]:
        h = {"Cookie": f"zj_session={self.cookie}"} if self.cookie else {}
        if html:
            h["Accept"] = "text/html"
        return h | (extra or {})

    def get(self, path: str, html: bool = False, **kw: Any) -> httpx.Response:
        return self.h.get(path, headers=self._headers(kw.pop("headers", None), html), **kw)

    def post(
        self,
        path: str,
        data: dict[str, Any] | None = None,
        csrf: bool = True,
        html: bool = False,
        **kw: Any,
    ) -> httpx.Response:
        body = dict(data or {})
        if csrf and self.csrf:
            body.setdefault("csrf_token", self.csrf)
        return self.h.post(
            path, data=body, headers=self._headers(kw.pop("headers", None), html), **kw
        )

    def close(self) -> None:
        self.h.close()


@pytest.fixture(scope="session")
def clients(world: World) -> Iterator[dict[str, Client]]:
    out = {None: Client(world.base, None, None)}
    for name in USERS:
        cookie, csrf = login(world.base, name)
        world.tokens[name] = (cookie, csrf)
        out[name] = Client(world.base, cookie, csrf)
    yield out  # type: ignore[misc]
    for c in out.values():
        c.close()


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser: Any, world: World) -> Iterator[Any]:
    """A fresh browser context (no cookies) with every console error collected."""
    ctx = browser.new_context(
        base_url=world.base, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    pg = ctx.new_page()
    pg.errors = []  # type: ignore[attr-defined]
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))  # type: ignore[attr-defined]
    pg.on(
        "console",
        lambda m: pg.errors.append(m.text) if m.type == "error" else None,  # type: ignore[attr-defined]
    )
    yield pg
    ctx.close()


def shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def browser_login(page: Any, username: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda u: "/login" not in u)
