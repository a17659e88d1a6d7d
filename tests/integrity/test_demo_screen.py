"""End to end: the integrity screen catches every manipulation planted in the demo world
(docs/demo.md, "Planted manipulations"), and flags no honest county for inflated GDP."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhengji.bundle import load_bundle
from zhengji.demo import build_world
from zhengji.demo.catches import catches
from zhengji.demo.world import planted_cases
from zhengji.integrity.screen import ScreenResult, screen


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ScreenResult]:
    root = build_world(tmp_path_factory.mktemp("world") / "b")
    out = {}
    for name, path in (("county", root), ("townships", Path(root) / "townships")):
        b = load_bundle(path)
        out[name] = screen(b.scheme, b.panel)
    return out


@pytest.mark.parametrize("case", planted_cases(), ids=lambda c: c.kind)
def test_every_planted_case_is_flagged(case, results) -> None:  # type: ignore[no-untyped-def]
    hits = catches(case, results[case.bundle].flagged)
    assert hits, f"{case.kind} in {case.unit_ids} was not flagged"
    assert all(h.q_value < 0.1 for h in hits)


def test_no_honest_county_is_flagged_against_its_proxies(results) -> None:  # type: ignore[no-untyped-def]
    """The smooth county's GDP series is made up too, so it may be flagged; no other may."""
    manipulated = {
        u
        for c in planted_cases()
        if c.bundle == "county" and c.kind != "target_bunching"
        for u in c.unit_ids
    }
    flagged = {f.unit_id for f in results["county"].flagged if f.check == "proxy_persistent"}
    assert "sinan" in flagged and flagged <= manipulated
