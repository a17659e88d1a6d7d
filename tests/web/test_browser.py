"""The main flows in a real Chromium (Playwright, /usr/bin/chromium), with screenshots.

Screenshots go to ``tests/artifacts/`` (git-ignored). Every page load is checked for script
errors and for requests leaving the server (nothing may come from a CDN).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest
from tests.web.conftest import World, browser_login, shot


@pytest.fixture()
def tracked(page: Any, world: World) -> Any:
    """The page, recording every request's host; checked after the test."""
    hosts: list[str] = []
    page.on("request", lambda r: hosts.append(urlparse(r.url).netloc or r.url[:5]))
    yield page
    origin = urlparse(world.base).netloc
    assert set(hosts) <= {origin, "data:"}, set(hosts)
    # an expected 4xx answer (a refused upload) is logged by Chromium as a failed resource
    errors = [e for e in page.errors if "the server responded with a status of 4" not in e]
    assert not errors, errors


def test_log_in_run_an_assessment_and_open_a_unit(tracked: Any, world: World) -> None:
    page = tracked
    browser_login(page, "admin")
    shot(page, "01-overview")
    page.get_by_role("link", name="考核", exact=True).click()
    page.get_by_label("考核方案").select_option(label="tongren_county_demo v" + _version(world))
    page.get_by_label("考核期（留空为最新）").fill("2025")
    page.get_by_role("button", name="执行考核").click()
    page.wait_for_url("**/?run=*")
    run_id = int(page.url.rsplit("=", 1)[1])
    assert run_id > world.township_run
    assert page.get_by_text("示例数据（模拟）").first.is_visible()
    page.wait_for_selector("[data-chart=trend][data-drawn]")
    shot(page, "02-run-overview")
    page.get_by_role("link", name="江口县").click()
    page.wait_for_selector("[data-chart=waterfall][data-drawn]")
    page.wait_for_selector("[data-chart=radar][data-drawn]")
    assert page.get_by_role("heading", name="江口县").is_visible()
    assert page.locator("#score").inner_text() != "—"
    assert page.locator("[data-chart=waterfall] svg path").count() > 10  # bars were drawn
    shot(page, "03-unit")


def _version(world: World) -> str:
    return world.store.run(world.county_run).scheme_version


def test_upload_a_bad_bundle_and_see_the_error(tracked: Any, world: World, tmp_path: Any) -> None:
    page = tracked
    browser_login(page, "assessor")
    page.goto("/data")
    lines = (world.bundle / "observations.csv").read_text(encoding="utf-8-sig").splitlines()
    head = lines[0].split(",")
    cells = lines[2].split(",")
    cells[head.index("value")] = "abc"
    lines[2] = ",".join(cells)
    bad = tmp_path / "observations.csv"
    bad.write_text("\n".join(lines), encoding="utf-8")
    before = len(world.store.imports())
    page.get_by_label("数据包文件", exact=False).set_input_files(
        [str(world.bundle / "units.csv"), str(bad), str(world.bundle / "scheme.toml")]
    )
    page.get_by_role("button", name="校验并导入").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    row = page.locator("table.problems tbody tr").first
    assert row.locator("td").nth(0).inner_text() == "observations.csv"
    assert row.locator("td").nth(1).inner_text() == "3"
    assert row.locator("td").nth(2).inner_text() == "value"
    assert page.get_by_text("未写入任何数据").is_visible()
    assert "/tmp" not in page.locator("main").inner_text()  # no server path in the message
    shot(page, "04-bad-bundle")
    assert len(world.store.imports()) == before


def test_confirm_an_integrity_finding(tracked: Any, world: World) -> None:
    page = tracked
    f = next(
        x
        for x in world.store.findings(world.screen_id)
        if x.unit_id == "yuping" and x.state == "open"
    )
    browser_login(page, "admin")
    page.goto("/findings")
    page.get_by_role("link", name=f"#{f.id}", exact=True).click()
    page.get_by_label("确认造假的理由").fill("经实地核查，确认数据虚报")
    page.get_by_role("button", name="确认造假（触发一票否决）").click()
    page.wait_for_url(f"**/findings/{f.id}")
    assert page.locator("#state").inner_text() == "已确认造假"
    assert page.get_by_text("经实地核查，确认数据虚报").is_visible()
    shot(page, "05-finding-confirmed")
    assert world.store.findings(finding_id=f.id)[0].state == "confirmed"


def test_chinese_text_renders_without_tofu(page: Any, world: World) -> None:
    """Each CJK character of the UI draws a different glyph; a character no font has draws the
    same empty box every time (tofu). Comparing pixels of single characters tells them apart."""
    browser_login(page, "inspector")
    page.goto("/")
    chars = "考核总览江口县"
    missing = "\U000f0001\U000f0002\U000f0003"  # private use, plane 15: no font has these
    page.evaluate(
        """([a, b]) => {
            const box = document.createElement('div');
            box.id = 'glyphs';
            for (const [cls, text] of [['real', a], ['tofu', b]]) {
                for (const ch of text) {
                    const s = document.createElement('span');
                    s.className = 'g ' + cls; s.textContent = ch;
                    // one fixed 48 px cell per character: integral positions, so the same
                    // glyph gives the same pixels wherever it is drawn
                    Object.assign(s.style, {fontSize: '40px', display: 'block', width: '48px',
                        height: '48px', lineHeight: '48px', background: '#fff', color: '#000'});
                    box.appendChild(s);
                }
            }
            document.querySelector('main').prepend(box);
        }""",
        [chars, missing],
    )
    real = [page.locator("span.real").nth(i).screenshot() for i in range(len(chars))]
    tofu = [page.locator("span.tofu").nth(i).screenshot() for i in range(len(missing))]
    shot(page, "06-cjk")
    assert len(set(tofu)) == 1, "the control failed: missing glyphs should all look alike"
    assert len(set(real)) == len(chars), "CJK characters render alike: tofu boxes"
    assert not set(real) & set(tofu)
    font = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    assert "Noto Sans CJK SC" in font
    assert page.evaluate("document.fonts.check('16px \"Noto Sans CJK SC\"', '考核')")


def test_keyboard_only_sign_in_and_navigation(page: Any, world: World) -> None:
    page.goto("/login")
    assert page.evaluate("document.activeElement.id") == "username"  # autofocus
    page.keyboard.type("assessor")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    from tests.web.conftest import PASSWORD

    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda u: "/login" not in u)
    page.keyboard.press("Tab")  # on every page the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip"
    for _ in range(30):  # tab to the "单位" link of the main navigation and follow it
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "单位":
            break
    else:
        raise AssertionError("the navigation is not reachable by keyboard")
    page.keyboard.press("Enter")
    page.wait_for_url("**/units")
    assert page.get_by_role("heading", name="单位").is_visible()


def test_every_form_control_has_a_label(page: Any, world: World) -> None:
    browser_login(page, "admin")
    fs = world.store.findings(world.screen_id)
    open_one = next(f for f in fs if f.state == "open")
    unlabeled = {}
    for path in [
        "/",
        "/scheme",
        "/data",
        "/runs",
        "/findings",
        f"/findings/{open_one.id}",
        "/admin/users",
        "/audit",
        "/account",
    ]:
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


def test_validate_a_scheme_in_place_with_htmx(tracked: Any, world: World, tmp_path: Any) -> None:
    """The validation form posts with htmx and swaps in the result (even a 422) in place."""
    page = tracked
    browser_login(page, "assessor")
    page.goto("/scheme")
    bad = tmp_path / "scheme.toml"
    text = (world.bundle / "scheme.toml").read_text(encoding="utf-8")
    bad.write_text(
        text.replace('direction = "lower"', 'direction = "sideways"', 1), encoding="utf-8"
    )
    page.get_by_label("方案文件 (scheme.toml)").set_input_files(str(bad))
    page.get_by_role("button", name="校验（不保存）").click()
    result = page.locator("#validate-result [role=alert]")
    result.wait_for()
    assert page.url.endswith("/scheme")  # no navigation: htmx replaced the result box
    assert "direction" in page.locator("#validate-result").inner_text()
    shot(page, "07-scheme-validate")
