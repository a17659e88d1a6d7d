"""Fixtures of eco tests: a migrated store on SQLite and (when configured) PostgreSQL, with the
default rulebook installed, two households, an inspector and a reviewer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from zhengji.eco import service as sv
from zhengji.eco.rulebook import Rulebook, default_rulebook
from zhengji.store import Store

PG_ENV = "ZHENGJI_TEST_POSTGRES_URL"
T0 = dt.datetime(2025, 3, 1, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def eco_url(db_url: str) -> str:
    return db_url  # the shared fixture in tests/conftest.py: SQLite and PostgreSQL


@dataclass(frozen=True)
class World:
    store: Store
    rb: Rulebook
    rb_pk: int


@pytest.fixture
def world(eco_url: str) -> Iterator[World]:
    """Holders H1 (household hh1: p1, p2) and H2 (household hh2: p3); inspector i1, reviewer r1."""
    store = Store.open(eco_url)
    rb = default_rulebook()
    with store.transaction() as s:
        pk = sv.install_rulebook(s, rb)
        for pid, hh in (("p1", "hh1"), ("p2", "hh1"), ("p3", "hh2"), ("i1", "hh9"), ("r1", None)):
            sv.add_person(s, pid, hh, f"人{pid}")
        sv.add_holder(s, "H1", "household", "v1", "t1", "jiangkou", "hh1", "p1", "张某甲户")
        sv.add_holder(s, "H2", "household", "v1", "t1", "jiangkou", "hh2", "p3", "李某乙户")
    yield World(store, rb, pk)
    store.close()


def award_input(
    holder: str = "H1", item: str = "stove_electric", at: dt.datetime = T0, **kw: object
) -> sv.AwardInput:
    base: dict[str, object] = {
        "holder_id": holder,
        "item_id": item,
        "period": "2025",
        "inspector_id": "i1",
        "awarded_at": at,
        "photo_ref": "photo/1.jpg",
        "lat": 27.7,
        "lon": 108.8,
        "evidence_at": at,
        "device_id": "dev-1",
        "signed_by": "r1",
        "signed_at": at,
    }
    base.update(kw)
    return sv.AwardInput(**base)  # type: ignore[arg-type]
