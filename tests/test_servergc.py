"""The server GC settings (``zhengji.servergc``): what ``zhengji serve`` does before serving."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from zhengji.servergc import THRESHOLDS, tune


@pytest.fixture()
def restore_gc() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


@pytest.mark.usefixtures("restore_gc")
def test_tune_freezes_the_startup_heap_and_makes_collections_rarer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ZHENGJI_SERVER_GC", raising=False)
    alive = [{"k": i} for i in range(1000)]  # objects that outlive start-up
    assert tune()
    assert gc.get_freeze_count() >= len(alive)  # moved to the permanent generation
    assert gc.get_threshold() == THRESHOLDS and THRESHOLDS[0] > 700  # Python's default is 700
    # cycles made while serving are still collected
    gc.unfreeze()
    gc.freeze()
    a: list[object] = []
    a.append(a)
    del a
    assert gc.collect() >= 1


@pytest.mark.usefixtures("restore_gc")
def test_the_default_can_be_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHENGJI_SERVER_GC", "default")
    before = gc.get_threshold()
    assert not tune()
    assert gc.get_threshold() == before
