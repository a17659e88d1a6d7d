"""The bulk path of a 12345 import (``voice.bulkimport``): many chunks, set-wise SQL, the same
rules as the row-by-row import had — checked against the pure routing and time-limit
functions row by row, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
import tracemalloc
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from zhengji.errors import DataError
from zhengji.ledger.log import size
from zhengji.ledger.verify import verify_ledger
from zhengji.store import Store
from zhengji.store.schema_voice import VoiceEventRow, VoiceRequesterRow, VoiceRequestRow
from zhengji.voice import catalogue
from zhengji.voice.bulkimport import import_bulk
from zhengji.voice.limits import CHINA, default_limits, to_utc
from zhengji.voice.units import load_units, locate, route

HEADER = "工单编号,受理时间,服务类型,区县,乡镇,诉求内容,诉求人,承办单位,签收时间,办结时间,满意度,是否解决\n"
PLACES = [
    ("bijiang", "bijiang_t1"),
    ("bijiang", "bijiang_t2"),
    ("wanshan", "wanshan_t1"),
    ("wanshan", ""),
    ("bijiang", "wanshan_t1"),
]  # fmt: skip  (last: township elsewhere)
CODES = [s.code for s in catalogue.SERVICES]


def synthetic(n: int, seed: int = 7) -> str:
    """An export of ``n`` tickets (示例数据（模拟）) covering every optional column."""
    rnd = random.Random(seed)
    rows = [HEADER]
    t0 = dt.datetime(2025, 1, 1, 8, 0)
    for i in range(n):
        county, town = rnd.choice(PLACES)
        at = t0 + dt.timedelta(minutes=97 * i)
        signed = at + dt.timedelta(hours=rnd.randint(1, 30)) if rnd.random() < 0.8 else None
        done = (
            signed + dt.timedelta(days=rnd.randint(0, 9)) if signed and rnd.random() < 0.7 else None
        )
        sat = str(rnd.randint(1, 3)) if done and rnd.random() < 0.8 else ""
        res = rnd.choice(["是", "否", "yes", ""]) if sat else ""
        unit = rnd.choice(["", "", "wanshan_t1"])
        name = rnd.choice(["", "张三"])
        f = "%Y-%m-%d %H:%M"
        rows.append(
            f"T{i:06d},{at:{f}},{rnd.choice(CODES)},{county},{town},诉求{i},{name},{unit},"
            f"{signed.strftime(f) if signed else ''},{done.strftime(f) if done else ''},"
            f"{sat},{res}\n"
        )
    return "".join(rows)


def run(store: Store, path: Path, chunk_rows: int = 100_000) -> tuple[int, int]:
    with store.transaction() as s:
        r = import_bulk(s, path, load_units(s), default_limits(), "导入员", chunk_rows=chunk_rows)
    return r.added, r.unchanged


def test_many_chunks_route_limit_and_reimport(store: Store, tmp_path: Path) -> None:
    n = 1_500
    f = tmp_path / "export.csv"
    f.write_text(synthetic(n), encoding="utf-8")
    assert run(store, f, chunk_rows=400) == (n, 0)
    assert run(store, f, chunk_rows=333) == (0, n)  # the same tickets again change nothing
    lines = f.read_text(encoding="utf-8").splitlines()[1:]
    limits = default_limits()
    with store.transaction() as s:
        units = load_units(s)
        reqs = s.scalars(select(VoiceRequestRow).order_by(VoiceRequestRow.id)).all()
        assert len(reqs) == n
        events = Counter(
            (rid, action)
            for rid, action in s.execute(select(VoiceEventRow.request_id, VoiceEventRow.action))
        )
        requesters = s.scalar(select(func.count()).select_from(VoiceRequesterRow))
        dispatched = dict(
            s.execute(
                select(VoiceEventRow.request_id, VoiceEventRow.unit_id)
                .where(VoiceEventRow.action == "dispatch")
                .order_by(VoiceEventRow.id)
            ).all()
        )  # the last dispatch per request: the export's own unit when it names one
        first_dispatch = {}
        for rid, unit in s.execute(
            select(VoiceEventRow.request_id, VoiceEventRow.unit_id)
            .where(VoiceEventRow.action == "dispatch")
            .order_by(VoiceEventRow.id.desc())
        ):
            first_dispatch[rid] = unit
    assert requesters == sum(1 for ln in lines if ln.split(",")[6])
    for k, (r, line) in enumerate(zip(reqs, lines, strict=True)):
        cells = line.split(",")
        ticket, at, code, county, town, _, _, unit, signed, done, sat, _ = cells
        assert r.extra["ticket_id"] == ticket and r.extra["source_line"] == k + 2
        svc = catalogue.service(code)
        assert svc is not None
        township = locate(units, county, town or None, None, None)
        routed = route(units, svc, county, township)
        assert (r.township_id, r.category, r.channel) == (township, svc.category, "import")
        assert first_dispatch[r.id] == routed
        assert dispatched[r.id] == (unit or routed)
        accepted = dt.datetime.fromisoformat(at).replace(tzinfo=CHINA)
        assert to_utc(r.requested_at) == accepted
        resp, due = limits.due(svc.category, accepted)
        assert (to_utc(r.response_due_at), to_utc(r.due_at)) == (resp, due)
        assert r.address == (None if town else county)
        assert events[(r.id, "sign")] == bool(signed)
        assert events[(r.id, "complete")] == bool(done)
        cb = events[(r.id, "callback_satisfied")] + events[(r.id, "callback_unsatisfied")]
        assert cb == bool(sat)
        assert events[(r.id, "dispatch")] == 1 + bool(unit and unit != routed)


def test_times_are_stored_in_utc(store: Store, tmp_path: Path) -> None:
    """受理 09:00, 签收 10:00 China time are 01:00 and 02:00 UTC on both databases (the
    row-by-row import stored sign/complete times on SQLite as China wall-clock digits)."""
    f = tmp_path / "t.csv"
    f.write_text(
        HEADER + "A1,2025-03-03 09:00,road_repair,bijiang,bijiang_t1,x,,,"
        "2025-03-03T10:00:00+08:00,2025/03/04 16:00,3,是\n",
        encoding="utf-8",
    )
    assert run(store, f) == (1, 0)
    with store.transaction() as s:
        got = {a: to_utc(t) for a, t in s.execute(select(VoiceEventRow.action, VoiceEventRow.at))}
        resolved = s.scalar(select(VoiceEventRow.resolved).where(VoiceEventRow.satisfaction == 3))
    utc = dt.UTC
    assert got == {
        "accept": dt.datetime(2025, 3, 3, 1, 0, tzinfo=utc),
        "dispatch": dt.datetime(2025, 3, 3, 1, 0, tzinfo=utc),
        "sign": dt.datetime(2025, 3, 3, 2, 0, tzinfo=utc),
        "complete": dt.datetime(2025, 3, 4, 8, 0, tzinfo=utc),
        "callback_satisfied": dt.datetime(2025, 3, 4, 8, 0, tzinfo=utc),
    }
    assert resolved is True


def test_errors_in_later_chunks_and_duplicates_across_chunks(store: Store, tmp_path: Path) -> None:
    rows = [r.split(",") for r in synthetic(30).splitlines(keepends=True)]
    rows[12][1] = "2025-02-30 09:00"  # line 13: no such day
    rows[25][0] = "T000003"  # line 26 repeats line 5's ticket
    rows[27][3] = "nowhere"  # line 28
    rows = [",".join(r) for r in rows]
    f = tmp_path / "bad.csv"
    f.write_text("".join(rows), encoding="utf-8")
    with pytest.raises(DataError) as err:
        run(store, f, chunk_rows=7)
    where = {(p[1], p[2]): p[3] for p in err.value.problems}
    assert "ISO 8601" in where[(13, "受理时间")]
    assert "duplicate of line 5" in where[(26, "工单编号")]
    assert "未知区县" in where[(28, "区县")]
    assert "3 处错误" in str(err.value)
    with store.transaction() as s:
        assert s.scalar(select(func.count()).select_from(VoiceRequestRow)) == 0
        assert s.scalar(select(func.count()).select_from(VoiceEventRow)) == 0


def test_every_event_is_committed_to_the_ledger(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "export.csv"
    f.write_text(synthetic(300), encoding="utf-8")
    with store.transaction() as s:
        before = size(s)
    run(store, f, chunk_rows=64)
    with store.transaction() as s:
        n_events = s.scalar(select(func.count()).select_from(VoiceEventRow))
        assert size(s) == before + 1 + n_events  # the file's leaf, then one per event
        report = verify_ledger(s)
    assert report.ok, report.problems
    assert report.records_checked >= n_events


def test_memory_is_bounded_by_the_chunk(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """20,000 rows in chunks of 1,000 keep the Python heap at a few MB; the same file read as
    one chunk needs many times more (measured: ≈ 2.3 MB against ≈ 42 MB)."""
    monkeypatch.setenv("ZHENGJI_VOICE_LEDGER", "0")
    warm = tmp_path / "warm.csv"  # first use loads modules and caches: not the import's memory
    warm.write_text(synthetic(50, seed=1).replace("T0", "W0"), encoding="utf-8")
    run(store, warm)
    peaks = []
    for k, chunk in enumerate((1_000, 20_000)):
        f = tmp_path / f"big{k}.csv"
        f.write_text(synthetic(20_000).replace("T0", f"B{k}"), encoding="utf-8")
        tracemalloc.start()
        try:
            assert run(store, f, chunk_rows=chunk) == (20_000, 0)
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    assert peaks[0] < 6 * 2**20, f"peak {peaks[0] / 2**20:.1f} MB"
    assert peaks[1] > 4 * peaks[0]
