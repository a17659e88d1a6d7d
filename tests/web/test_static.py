"""The vendored front-end libraries: pinned versions, licences kept, hashes recorded."""

from __future__ import annotations

import hashlib
from pathlib import Path

import zhengji.web

VENDOR = Path(zhengji.web.__file__).parent / "static" / "vendor"
PINS = {
    "htmx/htmx.min.js": (
        "2.0.11",
        "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717",
    ),
    "echarts/echarts.min.js": (
        "6.1.0",
        "b66b25aeb4df84e33199dc21694014d336d222cbd9deb0e5a7c14bd6aa0d0fd0",
    ),
}


def test_vendored_files_match_the_recorded_versions() -> None:
    table = (VENDOR / "VERSIONS.md").read_text(encoding="utf-8")
    for rel, (version, sha) in PINS.items():
        data = (VENDOR / rel).read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha, rel
        assert f"| {version} | `{rel}` |" in table and sha in table
    assert b'version:"2.0.11"' in (VENDOR / "htmx/htmx.min.js").read_bytes()
    assert b'"6.1.0"' in (VENDOR / "echarts/echarts.min.js").read_bytes()


def test_licences_are_kept() -> None:
    assert (
        "Zero-Clause BSD" in (VENDOR / "htmx/LICENSE").read_text()
        or "0BSD" in (VENDOR / "htmx/LICENSE").read_text()
    )
    assert "Apache License" in (VENDOR / "echarts/LICENSE").read_text()
    assert (VENDOR / "echarts/NOTICE").exists()


def test_pages_load_scripts_only_from_static(world, clients) -> None:  # type: ignore[no-untyped-def]
    page = clients["admin"].get("/", html=True).text
    for src in (
        "/static/vendor/htmx/htmx.min.js",
        "/static/vendor/echarts/echarts.min.js",
        "/static/app.js",
    ):
        assert f'src="{src}"' in page
        r = clients[None].get(src)
        assert r.status_code == 200 and "javascript" in r.headers["content-type"]
