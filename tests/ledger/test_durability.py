"""Crash and concurrency: a SIGKILLed appender and two concurrent writers leave a log that verifies.

A committed record always has its leaf (same transaction), so after a crash the number of
record rows equals the number of leaves, and every record matches its leaf.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from zhengji.ledger import log
from zhengji.ledger.verify import verify_ledger
from zhengji.store import Store

from .records_table import DDL, KIND, add, load

ROOT = Path(__file__).resolve().parents[2]

# The child appends one record per transaction forever, printing each committed number.
CHILD = """
import sys
from sqlalchemy import text
from zhengji.store import Store
sys.path.insert(0, sys.argv[2])
from ledger.records_table import add
with Store.open(sys.argv[1]) as st:
    with st.transaction() as s:
        start = s.execute(text("SELECT COUNT(*) FROM test_records")).scalar_one()
    n = start
    while True:
        with st.transaction() as s:
            add(s, n, "记录 record %d " % n + "x" * (n % 50))
        print(n, flush=True)
        n += 1
"""


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store.open(db_url) as st:
        with st.transaction() as s:
            s.execute(text(DDL))
        yield st


def counts(st: Store) -> tuple[int, int]:
    with st.transaction() as s:
        rows = s.execute(text("SELECT COUNT(*) FROM test_records")).scalar_one()
        return int(rows), log.size(s)


def test_sigkill_mid_append_leaves_a_log_that_verifies(store: Store, db_url: str) -> None:
    for round_ in range(2):
        with subprocess.Popen(
            [sys.executable, "-c", CHILD, db_url, str(ROOT / "tests")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as child:
            assert child.stdout is not None and child.stderr is not None
            seen = 0
            target = 40 + 17 * round_
            deadline = time.monotonic() + 120
            while seen < target and time.monotonic() < deadline:
                if not child.stdout.readline():
                    break
                seen += 1
            time.sleep(0.003 * round_)  # land at different points of the next append
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=30)
            err = child.stderr.read()
        assert child.returncode == -signal.SIGKILL, err
        assert seen == target, err
        rows, leaves = counts(store)
        assert rows == leaves >= seen  # every committed record has its leaf, and no more
        with store.transaction() as s:
            report = verify_ledger(s, record_loaders={KIND: load})
        assert report.ok, report.problems
        assert report.records_checked == rows


@pytest.mark.parametrize("use_threads", [True])
def test_two_concurrent_writers(store: Store, db_url: str, use_threads: bool) -> None:
    per_writer = 60
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def writer(w: int) -> None:
        try:
            with Store.open(db_url, run_migrations=False) as st:
                barrier.wait()
                for k in range(per_writer):
                    n = w * 10_000 + k
                    for attempt in range(50):  # SQLite may report "database is locked"
                        try:
                            with st.transaction() as s:
                                add(s, n, f"writer {w} record {k}")
                            break
                        except Exception as exc:  # retried, then re-raised
                            if "locked" not in str(exc) or attempt == 49:
                                raise
                            time.sleep(0.01)
        except BaseException as exc:  # collected, asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    with store.transaction() as s:
        idx = [
            int(i) for i in s.execute(text("SELECT idx FROM ledger_leaves ORDER BY idx")).scalars()
        ]
        owners = s.execute(text("SELECT ledger_index FROM test_records")).scalars().all()
        report = verify_ledger(s, record_loaders={KIND: load})
    assert idx == list(range(2 * per_writer))  # no duplicate, no missing index
    assert sorted(int(o) for o in owners) == idx
    assert report.ok, report.problems
    assert report.records_checked == 2 * per_writer
