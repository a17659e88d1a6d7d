"""A table declared fully ledgered: a row without a leaf index is reported, not unseen.

Loaders yield only rows that point at a leaf, so a row inserted around the ledger (no leaf
index) used to leave ``verify_ledger`` saying OK.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from zhengji.ledger import append
from zhengji.ledger.records import ledgered_tables, register_ledgered_table
from zhengji.ledger.verify import verify_ledger
from zhengji.store import Store

KIND = "test_ledgered"
LEDGERED = {"test_ledgered": ("ledger_index", "id")}


def _load(session: Session) -> Iterator[tuple[int, Mapping[str, Any]]]:
    q = "SELECT ledger_index, body FROM test_ledgered WHERE ledger_index IS NOT NULL"
    for idx, body in session.execute(text(q)):
        yield int(idx), {"body": str(body)}


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store.open(db_url) as st:
        with st.transaction() as s:
            s.execute(
                text("CREATE TABLE test_ledgered (id INTEGER PRIMARY KEY, ledger_index INTEGER, "
                     "body TEXT NOT NULL)")
            )  # fmt: skip
            for n in range(3):
                e = append(s, KIND, {"body": f"决定 {n}"})
                s.execute(
                    text("INSERT INTO test_ledgered VALUES (:i, :li, :b)"),
                    {"i": n + 1, "li": e.index, "b": f"决定 {n}"},
                )
        yield st


def _check(st: Store, ledgered: Mapping[str, tuple[str, str]]) -> list[str]:
    with st.transaction() as s:
        report = verify_ledger(s, record_loaders={KIND: _load}, ledgered=ledgered)
    assert report.records_checked == 3
    return [str(p) for p in report.problems]


def test_rows_without_a_leaf_index_are_reported(store: Store) -> None:
    assert _check(store, LEDGERED) == []  # the control: every row ledgered
    with store.transaction() as s:
        for i in (7, 5):
            s.execute(text("INSERT INTO test_ledgered VALUES (:i, NULL, '伪造')"), {"i": i})
    assert _check(store, {}) == []  # not declared: the loader cannot see them
    (problem,) = _check(store, LEDGERED)
    assert "table test_ledgered has 2 row(s) with no ledger index (id 5, 7)" in problem
    assert "表 test_ledgered 有 2 行未记入账本" in problem


def test_a_table_that_cannot_be_read_is_a_problem_not_a_crash(store: Store) -> None:
    (problem,) = _check(store, {"no_such_table": ("ledger_index", "id")})
    assert "could not check that every row of no_such_table is ledgered" in problem


def test_registration_takes_plain_names_and_eco_declares_its_tables() -> None:
    with pytest.raises(ValueError, match="plain SQL name"):
        register_ledgered_table("t; DROP TABLE ledger_leaves")
    import zhengji.eco  # noqa: F401  (registers on import)

    eco = {t for t in ledgered_tables() if t.startswith("eco_")}
    assert eco == {"eco_entries", "eco_signoffs", "eco_objections", "eco_objection_rulings"}
