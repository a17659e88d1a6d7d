"""Shared fixtures: every test gets its own database file unless it asks otherwise."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_ENV = "ZHENGJI_TEST_POSTGRES_URL"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without a PostgreSQL URL the postgres cases are deselected; `make test` always has one."""
    if os.environ.get(PG_ENV):
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"{PG_ENV} is not set: run the suite with `make test`")
    keep = [i for i in items if i.get_closest_marker("postgres") is None]
    dropped = [i for i in items if i.get_closest_marker("postgres") is not None]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture(autouse=True)
def _isolated_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ZHENGJI_DATABASE_URL", f"sqlite:///{tmp_path / 'zhengji.db'}")
    yield
