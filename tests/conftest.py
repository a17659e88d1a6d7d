"""Shared fixtures: every test gets its own database file unless it asks otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    if "ZHENGJI_TEST_POSTGRES_URL" not in __import__("os").environ:
        monkeypatch.setenv("ZHENGJI_DATABASE_URL", f"sqlite:///{tmp_path / 'zhengji.db'}")
    yield
