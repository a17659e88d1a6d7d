"""Garbage-collector settings for a long-running server process (``zhengji serve``, the
Open311 app).

Why: CPython's cyclic collector now and then runs a full (generation 2) collection that walks
every live object. A loaded web app holds hundreds of thousands of them (SQLAlchemy, FastAPI,
Pydantic, the ledger), so each full collection stops the event loop and the group-commit writer
for 100–300 ms, and every request in flight waits: in ``bench/voice.py`` the Open311 POST p99
was 313 ms with the default settings and 31 ms after :func:`tune` (docs/benchmarks.md, "Voice").
:func:`tune` moves everything alive after start-up into the permanent generation
(:func:`gc.freeze`, which the Python documentation describes for exactly this: objects that
live as long as the process need not be scanned again) and makes collections rarer; cycles
made while serving are still collected. ``ZHENGJI_SERVER_GC=default`` keeps Python's settings.
"""

from __future__ import annotations

import gc
import os

__all__ = ["THRESHOLDS", "tune"]

#: Allocations before a generation-0 collection, then generation-0 / generation-1 collections
#: before the next older one (Python's defaults: 700, 10, 10).
THRESHOLDS = (50_000, 20, 100)


def tune(thresholds: tuple[int, int, int] = THRESHOLDS) -> bool:
    """Freeze the start-up heap and set ``thresholds``; False when ``ZHENGJI_SERVER_GC=default``.

    Call it once the app is built, just before serving."""
    if os.environ.get("ZHENGJI_SERVER_GC", "").strip().lower() == "default":
        return False
    gc.collect()  # what is garbage now is not frozen with the rest
    gc.freeze()
    gc.set_threshold(*thresholds)
    return True
