"""Bulk import of a 12345 export: millions of requests streamed in chunks, in bounded memory.

The rules are :mod:`zhengji.voice.importcsv`'s (its columns, checks and messages; it calls
this module), applied chunk by chunk (``chunk_rows``, default 100,000) with Arrow compute:

1. Each chunk is parsed by :mod:`csv`, checked (required cells, ISO 8601 times, service code,
   county, units, satisfaction, resolved, sign/complete order), routed (``units.locate`` and
   ``units.route`` once per distinct county/township/service) and given its time limits
   (``TimeLimits.due``: working days once per distinct day) — vectorised, never one ORM object
   per row — and copied into a temporary staging table with
   :func:`zhengji.store.bulk.stage_rows` (``COPY`` on PostgreSQL, ``executemany`` on SQLite).
2. After the last chunk: a ticket twice in the file is found set-wise (``lag`` over the
   staging table; once a chunk has a problem, later chunks stage only line and ticket). Any
   problem — named by file, line and column, up to ``MAX_LISTED`` listed, all counted —
   raises :class:`DataError` and the caller's transaction stores nothing.
3. Set-wise SQL, ``SEGMENT`` staged rows at a time: ``INSERT … SELECT … ON CONFLICT
   (idempotency_key) DO NOTHING`` into ``voice_requests`` (a ticket already stored — this
   file imported before, or an Open311 client racing us — is left as it is: re-importing
   changes nothing); the new ids are matched back by key *and* the random token staged with
   the row, so a row someone else inserted is never mistaken for ours; then the requesters
   and every lifecycle event (accept, dispatch, the export's own unit, sign, complete,
   callback) in one ``INSERT … SELECT`` each.
4. The ledger, as for the row-by-row import: one ``voice.import`` leaf (file, SHA-256, counts,
   actor), then :func:`zhengji.voice.ledgering.sync` commits every new event as its own leaf
   (``append_many``, 20,000 a batch).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray
from sqlalchemy import DateTime, bindparam
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from zhengji.errors import DataError
from zhengji.store.bulk import file_digest, stage_rows, tuned
from zhengji.voice import catalogue, ledgering
from zhengji.voice.importcsv import COLUMNS, REQUIRED, YES_NO, ImportResult
from zhengji.voice.limits import CHINA, TimeLimits, add_working_days
from zhengji.voice.units import Unit, locate, route

__all__ = ["CHUNK_ROWS", "MAX_LISTED", "SEGMENT", "import_bulk"]

CHUNK_ROWS = 100_000
#: Staged rows per set-wise statement (bounds each statement's sort and the server's memory).
SEGMENT = 1_000_000
MAX_LISTED = 1_000
Progress = Callable[[int], None]
Problem = tuple[str, int | None, str | None, str]
_TIME_MSG = "时间格式应为 ISO 8601 time must be like 2025-03-01 09:30"
_FAST_TIME = r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?$"
_EIGHT_HOURS = np.timedelta64(8, "h")
_STAGE = (
    ("seq", "BIGINT PRIMARY KEY", "INTEGER PRIMARY KEY"),
    ("line", "BIGINT", "INTEGER"),
    ("ticket", "TEXT", "TEXT"),
    ("rkey", "TEXT", "TEXT"),
    ("jurisdiction_id", "TEXT", "TEXT"),
    ("township_id", "TEXT", "TEXT"),
    ("service_code", "TEXT", "TEXT"),
    ("category", "TEXT", "TEXT"),
    ("description", "TEXT", "TEXT"),
    ("address", "TEXT", "TEXT"),
    ("address_id", "TEXT", "TEXT"),
    ("unit_id", "TEXT", "TEXT"),
    ("given_unit", "TEXT", "TEXT"),
    ("token", "TEXT", "TEXT"),
    ("requested_at", "TIMESTAMPTZ", "TEXT"),
    ("response_due_at", "TIMESTAMPTZ", "TEXT"),
    ("due_at", "TIMESTAMPTZ", "TEXT"),
    ("signed_at", "TIMESTAMPTZ", "TEXT"),
    ("completed_at", "TIMESTAMPTZ", "TEXT"),
    ("satisfaction", "INTEGER", "INTEGER"),
    ("resolved", "BOOLEAN", "INTEGER"),
    ("name", "TEXT", "TEXT"),
    ("phone", "TEXT", "TEXT"),
)
_NAMES = [c for c, _, _ in _STAGE]


@dataclass
class _Problems:
    file: str
    listed: list[Problem] = field(default_factory=list)
    count: int = 0

    def add(self, line: int, col: str, msg: str, value: str) -> None:
        self.count += 1
        if len(self.listed) < MAX_LISTED:
            self.listed.append((self.file, line, COLUMNS[col][0], f"{msg}: '{value}'"))

    def mask(self, m: NDArray[np.bool_], lines: list[int], values: list[str], col: str,
             msg: str) -> None:  # fmt: skip
        for i in np.flatnonzero(m):
            self.add(lines[i], col, msg, values[i])


def _header(path: Path, header: list[str] | None) -> dict[str, int]:
    """Column positions by canonical name (as importcsv: the last matching header wins)."""
    if header is None:
        raise DataError("文件为空 empty file", [(path.name, 1, None, "no header")])
    where: dict[str, int] = {}
    for canon, names in COLUMNS.items():
        for i, h in enumerate(header):
            if h.strip() in names:
                where[canon] = i
    missing: list[Problem] = [
        (path.name, 1, COLUMNS[c][0], f"缺少列 missing column ({c})")
        for c in REQUIRED
        if c not in where
    ]
    if missing:
        raise DataError("导入文件无效 invalid import file", missing)
    return where


def _chunks(path: Path, chunk_rows: int) -> Iterator[tuple[list[int], dict[str, list[str]]]]:
    """``(lines, columns)`` per chunk: cells stripped, missing ones "", blank rows skipped."""

    def columns(raws: list[list[str]], where: Mapping[str, int]) -> dict[str, list[str]]:
        out = {c: [""] * len(raws) for c in COLUMNS}
        for c, i in where.items():
            out[c] = [r[i].strip() if i < len(r) else "" for r in raws]
        return out

    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            where = _header(path, next(reader, None))
            lines: list[int] = []
            raws: list[list[str]] = []
            for line, raw in enumerate(reader, start=2):
                if not any(c.strip() for c in raw):
                    continue
                lines.append(line)
                raws.append(raw)
                if len(raws) == chunk_rows:
                    yield lines, columns(raws, where)
                    lines, raws = [], []
            if raws:
                yield lines, columns(raws, where)
    except UnicodeDecodeError:
        raise DataError(
            "文件不是 UTF-8 编码 not UTF-8",
            [(path.name, None, None, "请另存为 UTF-8 CSV save as CSV UTF-8")],
        ) from None


def _times(values: list[str]) -> tuple[NDArray[np.datetime64], NDArray[np.bool_]]:
    """UTC times (NaT when empty or bad) and which cells are bad; naive times are China time.

    ``YYYY-MM-DD HH:MM[:SS]`` (the usual export) is parsed by Arrow and checked by printing it
    back (Arrow rolls 02-30 over to 03-02); anything else by ``datetime.fromisoformat``, as
    importcsv does."""
    arr = pa.array(values, pa.string())
    norm = pc.replace_substring(arr, "/", "-")
    fast = pc.match_substring_regex(norm, _FAST_TIME)
    x = pc.replace_substring(norm, "T", " ")
    x = pc.if_else(pc.equal(pc.utf8_length(x), 16), pc.binary_join_element_wise(x, ":00", ""), x)
    x = pc.if_else(fast, x, pa.scalar(None, pa.string()))
    ts = pc.strptime(x, format="%Y-%m-%d %H:%M:%S", unit="us", error_is_null=True)
    back = pc.strftime(ts, format="%Y-%m-%d %H:%M:%S")
    ok = pc.fill_null(pc.equal(back, pc.binary_join_element_wise(x, ".000000", "")), False)
    local = pc.if_else(ok, ts, pa.scalar(None, pa.timestamp("us")))
    out: NDArray[np.datetime64] = local.to_numpy(zero_copy_only=False).astype("datetime64[us]")
    out = out - _EIGHT_HOURS
    bad = np.zeros(len(values), dtype=bool)
    slow = np.flatnonzero(~ok.to_numpy(zero_copy_only=False) & (np.array(values) != ""))
    for i in slow:
        try:
            t = dt.datetime.fromisoformat(values[i].replace("/", "-"))
        except ValueError:
            bad[i] = True
            continue
        t = t if t.tzinfo else t.replace(tzinfo=CHINA)
        out[i] = np.datetime64(t.astimezone(dt.UTC).replace(tzinfo=None), "us")
    return out, bad


def _lookup(keys: pa.Array, f: Callable[[str], Any], typ: pa.DataType) -> pa.Array:
    """``f`` applied once per distinct key, spread back over the rows."""
    enc = pc.dictionary_encode(keys)
    vals = pa.array([f(k) for k in enc.dictionary.to_pylist()], typ)
    return vals.take(enc.indices)


@dataclass(frozen=True)
class _Context:
    units: Mapping[str, Unit]
    limits: TimeLimits
    dialect: str
    codes: pa.Array
    counties: pa.Array
    unit_ids: pa.Array


def _check(
    ctx: _Context, lines: list[int], cols: dict[str, list[str]], problems: _Problems
) -> dict[str, NDArray[np.datetime64]]:
    """importcsv's checks on one chunk; returns the parsed times."""
    arr = {c: pa.array(v, pa.string()) for c, v in cols.items()}
    empty = {c: pc.equal(a, "").to_numpy(zero_copy_only=False) for c, a in arr.items()}

    def flag(m: Any, col: str, msg: str) -> None:
        problems.mask(np.asarray(m, dtype=bool), lines, cols[col], col, msg)

    def outside(col: str, allowed: pa.Array) -> NDArray[np.bool_]:
        inside = pc.is_in(arr[col], value_set=allowed).to_numpy(zero_copy_only=False)
        return np.asarray(~empty[col] & ~inside)

    for col in REQUIRED:
        flag(empty[col], col, "必填 required")
    times: dict[str, NDArray[np.datetime64]] = {}
    for col in ("accepted_at", "signed_at", "completed_at"):
        times[col], bad = _times(cols[col])
        flag(bad, col, _TIME_MSG)
    flag(outside("service_code", ctx.codes), "service_code", "未知服务类型 unknown service code")
    flag(outside("county_id", ctx.counties), "county_id", "未知区县 unknown county")
    for col in ("township_id", "unit_id"):
        flag(outside(col, ctx.unit_ids), col, "未知单位 unknown unit")
    flag(outside("satisfaction", pa.array(["1", "2", "3"])), "satisfaction",
         "满意度应为 1、2、3 must be 1, 2 or 3")  # fmt: skip
    lower = pc.utf8_lower(arr["resolved"]).to_numpy(zero_copy_only=False)
    known = np.isin(lower, list(YES_NO))
    flag(~empty["resolved"] & ~known, "resolved", "应为 是/否 must be yes or no")
    flag(~empty["completed_at"] & empty["signed_at"], "signed_at",
         "有办结时间须有签收时间 a completed ticket needs its sign-for time")  # fmt: skip
    a, s, c = times["accepted_at"], times["signed_at"], times["completed_at"]
    with np.errstate(invalid="ignore"):
        disorder = (a > s) | (s > c) | (a > c)  # NaT compares False: only known times count
    flag(disorder, "completed_at", "时间顺序应为 受理 ≤ 签收 ≤ 办结 times must be in order")
    sat_ok = np.isin(np.array(cols["satisfaction"]), ["1", "2", "3"])
    flag(sat_ok & empty["completed_at"], "completed_at",
         "有满意度但无办结时间 satisfaction given but not completed")  # fmt: skip
    return times


def _text_times(t: NDArray[np.datetime64], dialect: str) -> pa.Array:
    """UTC times as the store writes them (SQLAlchemy's SQLite text; explicit UTC for COPY)."""
    s = np.datetime_as_string(t, unit="us")
    arr = pc.replace_substring(pa.array(s, pa.string()), "T", " ")
    if dialect == "postgresql":
        arr = pc.binary_join_element_wise(arr, "+00", "")
    return pc.if_else(pa.array(np.isnat(t)), pa.scalar(None, pa.string()), arr)


def _or_null(values: list[str]) -> pa.Array:
    a = pa.array(values, pa.string())
    return pc.if_else(pc.equal(a, ""), pa.scalar(None, pa.string()), a)


def _due(
    ctx: _Context, category: pa.Array, at: NDArray[np.datetime64]
) -> tuple[NDArray[np.datetime64], NDArray[np.datetime64]]:
    """``TimeLimits.due`` for every row: working days computed once per distinct day."""
    cats = {c: ctx.limits.category(c) for c in pc.unique(category).to_pylist()}
    cat = np.array(category.to_pylist(), dtype=object)
    resp = np.empty(len(at), dtype="datetime64[us]")
    due = np.empty(len(at), dtype="datetime64[us]")
    day = (at + _EIGHT_HOURS).astype("datetime64[D]")
    for cid, c in cats.items():
        m = cat == cid
        resp[m] = at[m] + np.timedelta64(round(c.response_hours * 3_600_000_000), "us")
        if c.days is None:
            due[m] = at[m] + np.timedelta64(round((c.hours or 0.0) * 3_600_000_000), "us")
            continue
        uniq, inv = np.unique(day[m], return_inverse=True)
        ends = np.array(
            [
                np.datetime64(
                    add_working_days(
                        dt.datetime.combine(d.astype(dt.date), dt.time(12), CHINA), c.days
                    ).replace(tzinfo=None),
                    "us",
                )
                for d in uniq
            ],
            dtype="datetime64[us]",
        )
        due[m] = ends[inv]
    return resp, due


def _category(code: str) -> str:
    svc = catalogue.service(code)
    assert svc is not None  # checked
    return svc.category


def _rows(
    ctx: _Context, cols: dict[str, list[str]], lines: list[int], times: dict[str, Any], seq0: int
) -> list[pa.Array]:
    """The staging columns (``_STAGE`` order) of a checked chunk."""
    n = len(lines)
    county, town, code = (pa.array(cols[c], pa.string()) for c in
                          ("county_id", "township_id", "service_code"))  # fmt: skip
    sep = "\x1f"
    place = pc.binary_join_element_wise(county, town, sep)

    def located(key: str) -> str | None:
        c, t = key.split(sep)
        return locate(ctx.units, c, t or None, None, None)

    township = _lookup(place, located, pa.string())
    svc_place = pc.binary_join_element_wise(code, county, pc.fill_null(township, ""), sep)

    def routed(key: str) -> str:
        k, c, t = key.split(sep)
        svc = catalogue.service(k)
        assert svc is not None  # checked
        return route(ctx.units, svc, c, t or None)

    unit = _lookup(svc_place, routed, pa.string())
    category = _lookup(code, _category, pa.string())
    at = times["accepted_at"]
    resp, due = _due(ctx, category, at)
    address = [
        a if a else (cty if not t else "")
        for a, cty, t in zip(cols["address"], cols["county_id"], cols["township_id"], strict=True)
    ]
    token_hex = os.urandom(16 * n).hex()
    tokens = [token_hex[32 * i : 32 * i + 32] for i in range(n)]
    sat = pa.array([int(x) if x else None for x in cols["satisfaction"]], pa.int64())
    res = pa.array([YES_NO[x.lower()] if x else None for x in cols["resolved"]], pa.bool_())
    if ctx.dialect != "postgresql":
        res = res.cast(pa.int64())
    tt = {k: _text_times(v, ctx.dialect) for k, v in times.items()}
    return [
        pa.array(range(seq0, seq0 + n), pa.int64()),
        pa.array(lines, pa.int64()),
        pa.array(cols["ticket_id"], pa.string()),
        pc.binary_join_element_wise("0:12345:", pa.array(cols["ticket_id"], pa.string()), ""),
        county,
        township,
        code,
        category,
        _or_null(cols["description"]),
        _or_null(address),
        _or_null(cols["township_id"]),
        unit,
        _or_null(cols["unit_id"]),
        pa.array(tokens, pa.string()),
        tt["accepted_at"],
        _text_times(resp, ctx.dialect),
        _text_times(due, ctx.dialect),
        tt["signed_at"],
        tt["completed_at"],
        sat,
        res,
        _or_null(cols["name"]),
        _or_null(cols["phone"]),
    ]


def _create_stage(session: Session, dialect: str) -> None:
    pg = dialect == "postgresql"
    cols = ", ".join(f"{c} {p if pg else q}" for c, p, q in _STAGE)
    if pg:
        session.execute(sql(f"CREATE TEMP TABLE zj_req_stage ({cols}) ON COMMIT DROP"))
        session.execute(
            sql("CREATE TEMP TABLE zj_req_new (seq BIGINT PRIMARY KEY, rid BIGINT) ON COMMIT DROP")
        )
        return
    for t in ("zj_req_stage", "zj_req_new"):
        session.execute(sql(f"DROP TABLE IF EXISTS temp.{t}"))
    session.execute(sql(f"CREATE TEMP TABLE zj_req_stage ({cols})"))
    session.execute(sql("CREATE TEMP TABLE zj_req_new (seq INTEGER PRIMARY KEY, rid INTEGER)"))


def _duplicates(session: Session, problems: _Problems) -> None:
    rows = session.execute(
        sql(
            "SELECT line, ticket, prev FROM (SELECT line, ticket, lag(line) OVER "
            "(PARTITION BY ticket ORDER BY line) AS prev FROM zj_req_stage) d "
            f"WHERE prev IS NOT NULL ORDER BY line LIMIT {MAX_LISTED + 1}"
        )
    ).all()
    for line, ticket, prev in rows:
        problems.add(int(line), "ticket_id", f"与第 {prev} 行重复 duplicate of line {prev}", ticket)


_REQUESTS = """
INSERT INTO voice_requests
    (jurisdiction_id, township_id, service_code, category, channel, description, address,
     address_id, attributes, extra, idempotency_key, token, requested_at, response_due_at,
     due_at, recorded_at)
SELECT s.jurisdiction_id, s.township_id, s.service_code, s.category, 'import', s.description,
       s.address, s.address_id, {empty}, {extra}, s.rkey, s.token, s.requested_at,
       s.response_due_at, s.due_at, :now
FROM zj_req_stage s WHERE s.seq >= :lo AND s.seq < :hi
ORDER BY s.seq
ON CONFLICT (idempotency_key) DO NOTHING
"""
_NEW = """
INSERT INTO zj_req_new (seq, rid)
SELECT s.seq, r.id FROM zj_req_stage s
JOIN voice_requests r ON r.idempotency_key = s.rkey AND r.token = s.token
WHERE s.seq >= :lo AND s.seq < :hi
"""
_REQUESTERS = """
INSERT INTO voice_requesters (request_id, name, phone)
SELECT n.rid, s.name, s.phone FROM zj_req_new n JOIN zj_req_stage s ON s.seq = n.seq
WHERE n.seq >= :lo AND n.seq < :hi AND (s.name IS NOT NULL OR s.phone IS NOT NULL)
ORDER BY n.seq
"""
_EVENT_PARTS = (
    # step, action, state, unit, note, satisfaction, resolved, at, condition
    ("1", "'accept'", "'accepted'", "NULL", "NULL", "NULL", "NULL", "s.requested_at", "1 = 1"),
    ("2", "'dispatch'", "'dispatched'", "s.unit_id", "NULL", "NULL", "NULL", "s.requested_at",
     "1 = 1"),
    ("3", "'dispatch'", "'dispatched'", "s.given_unit", "'按原平台承办单位 unit from export'",
     "NULL", "NULL", "s.requested_at", "s.given_unit IS NOT NULL AND s.given_unit <> s.unit_id"),
    ("4", "'sign'", "'signed'", "COALESCE(s.given_unit, s.unit_id)", "NULL", "NULL", "NULL",
     "s.signed_at", "s.signed_at IS NOT NULL"),
    ("5", "'complete'", "'completed'", "COALESCE(s.given_unit, s.unit_id)", "NULL", "NULL",
     "NULL", "s.completed_at", "s.completed_at IS NOT NULL"),
    ("6", "CASE WHEN s.satisfaction >= 2 THEN 'callback_satisfied' "
     "ELSE 'callback_unsatisfied' END",
     "CASE WHEN s.satisfaction >= 2 THEN 'closed' ELSE 'reopened' END",
     "COALESCE(s.given_unit, s.unit_id)", "NULL", "s.satisfaction", "s.resolved",
     "s.completed_at", "s.satisfaction IS NOT NULL"),
)  # fmt: skip


def _events_sql() -> str:
    typed = ("CAST(NULL AS TEXT)", "CAST(NULL AS TEXT)", "CAST(NULL AS INTEGER)",
             "CAST(NULL AS BOOLEAN)")  # fmt: skip
    parts = []
    for step, action, state, *rest, at, cond in _EVENT_PARTS:
        unit, note, sat, res = (t if v == "NULL" else v for v, t in zip(rest, typed, strict=True))
        parts.append(
            f"SELECT n.rid AS rid, n.seq AS seq, {step} AS step, {action} AS action, "
            f"{state} AS state, {unit} AS unit_id, {note} AS note, {sat} AS satisfaction, "
            f"{res} AS resolved, {at} AS at "
            "FROM zj_req_new n JOIN zj_req_stage s ON s.seq = n.seq "
            f"WHERE n.seq >= :lo AND n.seq < :hi AND {cond}"
        )
    return (
        "INSERT INTO voice_events (request_id, action, state, unit_id, actor, note, resolved, "
        "satisfaction, related_id, at, recorded_at) "
        "SELECT e.rid, e.action, e.state, e.unit_id, :actor, e.note, e.resolved, e.satisfaction, "
        f"NULL, e.at, :now FROM ({' UNION ALL '.join(parts)}) e ORDER BY e.seq, e.step"
    )


def _store(session: Session, dialect: str, staged: int, actor: str) -> tuple[int, int]:
    """Set-wise inserts of the staged rows; returns (requests added, events added)."""
    pg = dialect == "postgresql"
    if pg:
        session.execute(sql("ANALYZE zj_req_stage"))  # temp tables have no statistics otherwise
    empty = "CAST('{}' AS JSON)" if pg else "'{}'"
    extra = (
        "json_build_object('ticket_id', s.ticket, 'source_line', s.line)"
        if pg
        else "json_object('ticket_id', s.ticket, 'source_line', s.line)"
    )
    now = bindparam("now", dt.datetime.now(dt.UTC), type_=DateTime(timezone=True))
    requests = sql(_REQUESTS.format(empty=empty, extra=extra)).bindparams(now)
    events = sql(_events_sql()).bindparams(now, bindparam("actor", actor))
    added = n_events = 0
    conn = session.connection()
    for lo in range(0, staged, SEGMENT):
        span = {"lo": lo, "hi": lo + SEGMENT}
        conn.execute(requests, span)
        added += conn.execute(sql(_NEW), span).rowcount
        conn.execute(sql(_REQUESTERS), span)
        n_events += conn.execute(events, span).rowcount
    if not pg:
        for t in ("zj_req_stage", "zj_req_new"):
            session.execute(sql(f"DROP TABLE temp.{t}"))
    return added, n_events


def import_bulk(
    session: Session,
    path: Path,
    units: Mapping[str, Unit],
    limits: TimeLimits,
    actor: str,
    *,
    chunk_rows: int = CHUNK_ROWS,
    on_progress: Progress | None = None,
    sync_events: bool = True,
) -> ImportResult:
    """Import a 12345 export into the caller's transaction (all or nothing; see module).

    ``sync_events=False`` leaves the events' ledger leaves to the caller (the file's
    ``voice.import`` leaf is still written here): a large import then commits first and syncs
    the ledger in short transactions afterwards, so it never holds the ledger's head lock (and
    every other ledger write, such as the web's audit rows) for the whole import."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"找不到文件 no such file: {path}")
    problems = _Problems(path.name)
    with tuned(session) as dialect:
        ctx = _Context(
            units,
            limits,
            dialect,
            pa.array([s.code for s in catalogue.SERVICES], pa.string()),
            pa.array([u.id for u in units.values() if u.level == "county"], pa.string()),
            pa.array(list(units), pa.string()),
        )
        _create_stage(session, dialect)
        staged = 0
        for lines, cols in _chunks(path, chunk_rows):
            times = _check(ctx, lines, cols, problems)
            if not problems.count:
                stage_rows(session, "zj_req_stage", _NAMES, _rows(ctx, cols, lines, times, staged))
            else:  # nothing will be stored: only what the duplicate check needs
                seq = pa.array(range(staged, staged + len(lines)), pa.int64())
                tickets = pa.array(cols["ticket_id"], pa.string())
                stage_rows(session, "zj_req_stage", _NAMES[:3], [seq, pa.array(lines), tickets])
            staged += len(lines)
            if on_progress is not None:
                on_progress(len(lines))
        _duplicates(session, problems)
        if problems.count:
            raise DataError(
                f"导入文件有 {problems.count} 处错误，未导入任何数据 nothing imported",
                sorted(problems.listed, key=lambda p: p[1] or 0),
            )
        added, n_events = _store(session, dialect, staged, actor)
    if added and ledgering.enabled():
        # the imported history as one leaf: which file (its SHA-256) added how many requests
        from zhengji.ledger.log import append

        append(
            session,
            "voice.import",
            {
                "file": path.name,
                "sha256": file_digest(path),
                "added": added,
                "events": n_events,
                "actor": actor,
            },
        )
        if sync_events:
            ledgering.sync(session)
    return ImportResult(added, staged - added)
