"""The synthetic demo world, built once for the analysis tests (示例数据（模拟）)."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhengji.bundle import Bundle, load_bundle
from zhengji.demo import build_world


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(build_world(tmp_path_factory.mktemp("analysis") / "world", seed=20251))


@pytest.fixture(scope="session")
def demo(world: Path) -> Bundle:
    return load_bundle(world)
