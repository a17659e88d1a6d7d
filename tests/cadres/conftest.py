"""Fixtures of the cadre tests: ``db_url`` over a fresh SQLite file and (when
``ZHENGJI_TEST_POSTGRES_URL`` is set) a fresh PostgreSQL database; a small store with people,
records and evaluations built by hand; the whole demo world with the cadre story (built once)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from zhengji.accountability import service as acc
from zhengji.accountability.model import (
    Case,
    Outcome,
    Project,
    Responsibility,
    Ruling,
    Tenure,
)
from zhengji.accountability.tolerance import Criteria
from zhengji.store import Store

PG_ENV = "ZHENGJI_TEST_POSTGRES_URL"
BY = "测试 test"


#: Three people in one county "u1": A secretary all of 2025; B deputy from 2025-07-01; C a
#: former secretary (2020–2023) whose project's harm and credit land in 2025.
PEOPLE = (("A", "王某一", "cadre"), ("B", "李某二", "cadre"), ("C", "赵某三", "cadre"))
RECORDS = (
    Tenure("T-A", "A", "u1", "party_secretary", dt.date(2024, 1, 1)),
    Tenure("T-B", "B", "u1", "deputy", dt.date(2025, 7, 1), None, ("ecology",)),
    Tenure("T-C", "C", "u1", "party_secretary", dt.date(2020, 1, 1), dt.date(2023, 12, 31)),
    Project("P1", "u1", "示范广场", None, 1000.0, {"fiscal": 1000.0}, dt.date(2021, 1, 1),
            dt.date(2022, 1, 1), "in_use"),
    Project("P2", "u1", "茶园", None, 500.0, {"fiscal": 500.0}, dt.date(2022, 1, 1),
            dt.date(2023, 1, 1), "in_use"),
    Responsibility("P1", "C", "principal"),
    Responsibility("P2", "C", "principal"),
    Responsibility("P2", "A", "in_charge"),
    Outcome("O1", "P1", None, "u1", dt.date(2025, 3, 1), "good", 3.0, "广场使用良好"),
    Outcome("O2", "P2", None, "u1", dt.date(2025, 5, 1), "bad", 2.0, "茶价下跌，王某一主持的茶园亏损"),
    Case("K1", "O2", "A", dt.date(2025, 6, 1), "茶价下跌",
         Criteria(exploratory=True, public_interest=True), "mitigate"),
    Ruling("K1", "mitigate", "容错小组", "程序未完全合规，从轻", dt.date(2025, 7, 1)),
)  # fmt: skip
EVALUATIONS = (
    "person_id,period,source,score,raters\n"
    "A,2025,party,80,9\nA,2025,peer,70,30\nA,2025,mass,60,100\n"
    "B,2025,party,90,9\n"
    "C,2023,party,85,9\nC,2023,peer,85,30\nC,2023,mass,85,100\n"
)


@pytest.fixture
def small(db_url: str, tmp_path: Path) -> Iterator[tuple[Store, Path]]:
    """A store with :data:`PEOPLE`, :data:`RECORDS`, and an evaluations.csv next to it."""
    csv = tmp_path / "bundle" / "evaluations.csv"
    csv.parent.mkdir()
    csv.write_text(EVALUATIONS, encoding="utf-8")
    with Store.open(db_url) as st:
        with st.transaction() as s:
            for pid, name, kind in PEOPLE:
                acc.add_person(s, pid, name, kind)
            for r in RECORDS:
                acc.record(s, r, by=BY, check=False)
        yield st, csv


@dataclass(frozen=True)
class Demo:
    store: Store
    root: Path
    summary: object


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo world: county bundle imported and run, accountability and cadre demos."""
    from zhengji.demo import build_world
    from zhengji.demo.accountability import populate as acc_populate
    from zhengji.demo.cadres import populate
    from zhengji.pipeline import run_bundle

    root = tmp_path_factory.mktemp("cadre-demo")
    world = build_world(root / "world")
    url = f"sqlite:///{root / 'demo.db'}"
    run_bundle(world, db_url=url)
    with Store.open(url) as st:
        acc_populate(st)
        summary = populate(st)
        yield Demo(st, root, summary)
