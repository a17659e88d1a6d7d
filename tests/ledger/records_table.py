"""A plain record table for the ledger tests, as a domain would keep its records.

Records live in ``test_records`` (an ordinary, erasable table); each row keeps the index of its
leaf, so a registered loader can hand verification ``(leaf index, record)`` pairs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from zhengji.ledger import append
from zhengji.ledger.log import Entry
from zhengji.store.schema_ledger import LEDGER_TABLES

KIND = "test_record"
DDL = (
    "CREATE TABLE test_records (id INTEGER PRIMARY KEY, ledger_index INTEGER NOT NULL, "
    "n INTEGER NOT NULL, body TEXT NOT NULL)"
)


def record(n: int, body: str) -> dict[str, Any]:
    return {"n": n, "body": body}


def add(session: Session, n: int, body: str) -> Entry:
    """Append the record's leaf, then write the row pointing at it: one transaction."""
    e = append(session, KIND, record(n, body))
    session.execute(
        text("INSERT INTO test_records (id, ledger_index, n, body) VALUES (:i, :li, :n, :b)"),
        {"i": n, "li": e.index, "n": n, "b": body},
    )
    return e


def load(session: Session) -> Iterator[tuple[int, Mapping[str, Any]]]:
    rows = session.execute(text("SELECT ledger_index, n, body FROM test_records ORDER BY id"))
    for idx, n, body in rows:
        yield int(idx), record(int(n), str(body))


def drop_triggers(engine: Engine) -> None:
    """What an attacker with database access does first: remove the append-only guards."""
    with engine.begin() as conn:
        for t in LEDGER_TABLES:
            if engine.dialect.name == "sqlite":
                conn.execute(text(f"DROP TRIGGER IF EXISTS {t}_no_update"))
                conn.execute(text(f"DROP TRIGGER IF EXISTS {t}_no_delete"))
            else:
                conn.execute(text(f"DROP TRIGGER IF EXISTS {t}_append_only ON {t}"))
                conn.execute(text(f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t}"))
