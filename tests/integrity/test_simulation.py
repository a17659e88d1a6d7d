"""The issue-11 simulation target, small and fast: worlds with planted manipulations of known size
go through the real ``screen(scheme, panel)``; recall and false-discovery rate per check type.

Issue 11 ("Verified against peers and ground truth"): "recall ≥ 90 % of planted cases at ≤ 10 %
false discoveries, where the planted GDP inflation is ≥ 2 percentage points of growth a year for
≥ 3 years". Only the check types that meet it in the full study (``bench/integrity_sim.py``,
table in ``docs/integrity.md``) are asserted here; the others are reported there, not asserted.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

WORLDS = 10


def _sim() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "bench" / "integrity_sim.py"
    spec = importlib.util.spec_from_file_location("integrity_sim", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["integrity_sim"] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


sim = _sim()


def _row(rows: list[Any], kind: str, check: str) -> Any:
    return next(r for r in rows if (r.kind, r.check) == (kind, check))


@pytest.fixture(scope="module")
def lean_rows() -> list[Any]:
    """Proxy inflation, sum gaps and bunching; scheme without the digit tests (fast)."""
    rows: list[Any] = sim.run(
        WORLDS, sim.Sizes(), ("inflation", "sum_gap", "bunching"), digits=False
    )
    return rows


def test_issue11_target_proxy_inflation_2pp_for_3_years(lean_rows: list[Any]) -> None:
    """Issue 11 target: GDP inflated by 2 pp a year for 3 years against four proxies (proxy
    noise 1.0, residual sd ≈ 0.5 pp) is flagged by ``proxy_persistent`` in ≥ 90 % of planted
    units at ≤ 10 % false discoveries (mean over worlds)."""
    r = _row(lean_rows, "inflation", "proxy_persistent")
    assert r.planted >= WORLDS
    assert r.recall >= 0.9
    assert r.fdr_mean <= 0.1


def test_issue11_target_sum_of_parts_and_bunching(lean_rows: list[Any]) -> None:
    """Issue 11 target for the identity check (gap 3 % at tolerance 1 %) and the pooled
    bunching test (half of the just-missers report ≥ target; FDR against as many honest
    worlds)."""
    for kind, check in (("sum_gap", "sum_of_parts"), ("bunching", "target_bunching")):
        r = _row(lean_rows, kind, check)
        assert sim.meets(r), (kind, r)


def test_honest_world_plants_nothing_and_planted_world_records_its_cases() -> None:
    """The generator's bookkeeping: an honest world has no planted case; an inflation world
    plants 1–3 units, each with exactly ``inflation_years`` inflated cells."""
    honest = sim.make_world("honest", 3)
    assert not any(honest.planted.values())
    w = sim.make_world("inflation", 3)
    units = w.planted["proxy_persistent"]
    assert 1 <= len(units) <= 3
    assert len(w.planted["proxy_residual"]) == 3 * len(units)
