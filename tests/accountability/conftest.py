"""Fixtures of the accountability tests: ``db_url`` over a fresh SQLite file and, when
``ZHENGJI_TEST_POSTGRES_URL`` is set, a fresh PostgreSQL database (as tests/store does); a
store holding the sample people; the demo world populated into a store (built once)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from zhengji.accountability import service
from zhengji.store import Store

from .samples import PEOPLE

PG_ENV = "ZHENGJI_TEST_POSTGRES_URL"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store.open(db_url) as st:
        with st.transaction() as s:
            for pid, name, kind in PEOPLE:
                service.add_person(s, pid, name, kind)
        yield st


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Path]]:
    """The demo county bundle imported, then the demo records populated (SQLite)."""
    from zhengji.bundle import load_bundle
    from zhengji.demo import build_world
    from zhengji.demo.accountability import populate

    root = tmp_path_factory.mktemp("demo")
    world = build_world(root / "world")
    with Store.open(f"sqlite:///{root / 'demo.db'}") as st:
        st.import_bundle(load_bundle(world))
        populate(st, out=root / "out")
        yield st, world
