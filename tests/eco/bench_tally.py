"""Time what ``/eco`` reads on the full demo: per-entry Python (before) against the grouped
tally (after). Not a test (pytest does not collect ``bench_*``); numbers go to docs/eco.md.

    .venv/bin/python tests/eco/bench_tally.py [--db sqlite:////tmp/eco-demo.db] [--repeats 3]

Builds the demo (``zhengji eco demo``: 20,000 holders, ~48,000 awards) into ``--db`` if it is
empty. Prints the best of ``--repeats`` wall-clock and CPU seconds of each step.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from zhengji.demo.eco import populate
from zhengji.eco import service as sv
from zhengji.eco import views as vw
from zhengji.eco.indicators import account_rows
from zhengji.store import Store

AS_OF = dt.datetime(2025, 12, 31, 23, 59, 59, tzinfo=vw.CHINA)
LATER = dt.datetime(2026, 11, 29, 12, 0, tzinfo=vw.CHINA)  # most points expired: the note


def _before(s: Any) -> int:
    """The route of the first eco pages: read every entry, score in Python, aggregate."""
    _, rb = sv.current_rulebook(s)
    holders = sv.holder_units(s)
    bal = sv.holder_balances(s, rb, AS_OF)
    rows = account_rows(holders, bal, rb, "2025")
    tiers: dict[str, Counter[int]] = {}
    for h, chain in holders.items():
        b = bal.get(h)
        for u in chain:
            tiers.setdefault(u, Counter())[b.tier if b else 0] += 1
    return len(rows)


def _after(s: Any, when: dt.datetime = AS_OF) -> int:
    """What ``/eco`` reads now (as an admin): the book, the county rows, the expiry note."""
    book = vw.read_book(s, when, lambda p: None)
    rows = vw.summaries(book, sorted({c for _, _, c in book.holders.values()}))
    vw.expiry_note(s, book)
    return len(rows)


def _after_later(s: Any) -> int:
    """The same a year on, when the note's second tally (at the year-end) runs too."""
    return _after(s, LATER)


def _time(store: Store, fn: Callable[[Any], int], repeats: int) -> tuple[float, float]:
    best = (float("inf"), float("inf"))
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        with store.transaction() as s:
            fn(s)
        best = min(best, (time.perf_counter() - w, time.process_time() - c))
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--db", default="sqlite:////tmp/eco-demo.db")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    store = Store.open(args.db)
    populate(store)  # a no-op when the demo is there
    with store.transaction() as s:
        n = len(sv.holder_units(s))
        awards = len([p for p in sv.postings(s) if p.kind == "award"])
    print(f"{n} holders, {awards} awards, as of {AS_OF:%Y-%m-%d %H:%M:%S%z}")
    steps = (
        ("before (per entry)", _before),
        ("after (tally)", _after),
        ("after, 2026-11-29", _after_later),
    )
    for name, fn in steps:
        wall, cpu = _time(store, fn, args.repeats)
        print(f"{name:20} wall {wall:6.3f} s   cpu {cpu:6.3f} s")
    store.close()


if __name__ == "__main__":
    main()
