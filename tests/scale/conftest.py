"""A store with the demo world's county units (示例数据（模拟）) and long-format files to bulk
import, on SQLite and PostgreSQL (the shared ``db_url`` fixture of tests/conftest.py)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import pytest

from zhengji.bundle import Bundle, load_bundle
from zhengji.demo import build_world


@pytest.fixture(scope="session")
def county_bundle(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    world = build_world(tmp_path_factory.mktemp("bulk-world") / "world", seed=20251)
    return load_bundle(world)


def write_long(path: Path, rows: Sequence[Sequence[object]], extra: bool = False) -> Path:
    """observations.csv in the bundle's long format (an extra column must be ignored)."""
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["unit_id", "period", "indicator_id", "value", "source", *(["note"] * extra)])
        for r in rows:
            w.writerow([*r, *(["x"] * extra)])
    return path


def shifted_rows(b: Bundle, delta: float, every: int = 1) -> list[tuple[object, ...]]:
    """The bundle's observations with ``delta`` added to every ``every``-th value."""
    return [
        (o.unit_id, o.period, o.indicator_id, o.value + (delta if k % every == 0 else 0), o.source)
        for k, o in enumerate(b.observations)
    ]
