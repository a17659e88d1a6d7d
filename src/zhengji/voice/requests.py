"""Citizen requests: submit (any channel), act on them, read them — service functions over a
``Session``; the rules live in :mod:`~zhengji.voice.lifecycle` and :mod:`~zhengji.voice.units`.

Submitting is written for throughput (Core inserts, one round trip per table) because the
Open311 POST is the hot path; an idempotency key makes a retried submission return the request
it already created instead of a second one. :class:`GroupCommit` writes concurrent POSTs many
to a transaction (group commit), acknowledging each only after its commit.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import queue
import re
import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from zhengji.errors import DataError
from zhengji.store.schema_voice import VoiceEventRow, VoiceRequesterRow, VoiceRequestRow
from zhengji.voice import catalogue, ledgering
from zhengji.voice.limits import TimeLimits, to_utc
from zhengji.voice.units import Unit, locate, route

__all__ = [
    "CHANNELS",
    "CHANNEL_ZH",
    "Accepted",
    "GroupCommit",
    "Requester",
    "Submission",
    "Submitted",
    "accept",
    "check_submission",
    "count_requests",
    "ids_by_key",
    "mask_pii",
    "now",
    "record",
    "record_many",
    "submit",
]

CHANNELS = ("open311", "web", "phone", "visit", "reception", "import")
CHANNEL_ZH = {
    "open311": "Open311 接口",
    "web": "网页表单",
    "phone": "12345 热线",
    "visit": "入户走访",
    "reception": "集中接访",
    "import": "导入",
}


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Requester:
    """Who asked. Stored apart from the request; shown only to staff handling it."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    device_id: str | None = None
    account_id: str | None = None

    def is_empty(self) -> bool:
        return not any(self.__dict__.values())


@dataclass(frozen=True)
class Submission:
    jurisdiction_id: str
    service_code: str
    channel: str
    actor: str
    description: str | None = None
    address: str | None = None
    address_id: str | None = None
    lat: float | None = None
    long: float | None = None
    media_url: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    requester: Requester = field(default_factory=Requester)
    idempotency_key: str | None = None
    client_id: int | None = None
    requested_at: dt.datetime | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Submitted:
    id: int
    token: str
    unit_id: str
    due_at: dt.datetime
    replayed: bool  # True: the idempotency key had been used; this is the earlier request

    @property
    def service_request_id(self) -> str:
        return str(self.id)


def check_submission(sub: Submission, units: Mapping[str, Unit]) -> list[tuple[str, str]]:
    """Problems as ``(field, message)``; empty when the submission can be accepted."""
    out: list[tuple[str, str]] = []
    svc = catalogue.service(sub.service_code)
    if svc is None:
        out.append(("service_code", f"未知服务 unknown service_code '{sub.service_code}'"))
    if sub.jurisdiction_id not in units or units[sub.jurisdiction_id].level not in (
        "city",
        "county",
    ):
        out.append(("jurisdiction_id", f"未知辖区 unknown jurisdiction_id '{sub.jurisdiction_id}'"))
    if sub.channel not in CHANNELS:
        out.append(("channel", f"未知渠道 unknown channel '{sub.channel}'; {CHANNELS}"))
    if (
        not (sub.lat is not None and sub.long is not None)
        and not sub.address
        and not (sub.address_id)
    ):
        out.append(
            ("lat", "需要位置 a location is required: lat & long, address_string or address_id")
        )
    if sub.lat is not None and not -90 <= sub.lat <= 90:
        out.append(("lat", "纬度超出范围 latitude out of range"))
    if sub.long is not None and not -180 <= sub.long <= 180:
        out.append(("long", "经度超出范围 longitude out of range"))
    if sub.description is not None and len(sub.description) > 4000:
        out.append(("description", "描述过长 description longer than 4000 characters"))
    if svc is not None and sub.channel != "import":  # other platforms' exports have none
        out.extend(_check_attributes(svc, sub.attributes))
    return out


def _check_attributes(svc: catalogue.Service, given: Mapping[str, Any]) -> list[tuple[str, str]]:
    out = []
    known = {a.code: a for a in svc.attributes}
    for code in given:
        if code not in known:
            out.append((f"attribute[{code}]", f"服务无此属性 '{svc.code}' has no attribute"))
    for a in svc.attributes:
        v = given.get(a.code)
        if v in (None, "", []):
            if a.required:
                out.append((f"attribute[{a.code}]", f"必填 required: {a.description}"))
            continue
        if a.datatype == "number":
            try:
                float(v)
            except (TypeError, ValueError):
                out.append((f"attribute[{a.code}]", f"应为数字 must be a number, got '{v}'"))
        elif a.datatype == "datetime":
            try:
                dt.datetime.fromisoformat(str(v))
            except ValueError:
                out.append((f"attribute[{a.code}]", f"应为 ISO 8601 时间 must be ISO 8601: '{v}'"))
        elif a.datatype in ("singlevaluelist", "multivaluelist"):
            keys = {k for k, _ in a.values}
            vals = v if isinstance(v, list) else [v]
            if a.datatype == "singlevaluelist" and len(vals) != 1:
                out.append((f"attribute[{a.code}]", "只能选一项 choose one value"))
            bad = [x for x in vals if x not in keys]
            if bad:
                out.append((f"attribute[{a.code}]", f"无效选项 invalid {bad}; {sorted(keys)}"))
    return out


# Statements built once: executing a fixed statement with a parameter dict hits SQLAlchemy's
# compiled cache without regenerating a cache key per request (the POST hot path).
_RETURNING = (VoiceRequestRow.id, VoiceRequestRow.token)
_INSERT = {
    "sqlite": sqlite.insert(VoiceRequestRow)
    .on_conflict_do_nothing(index_elements=["idempotency_key"])
    .returning(*_RETURNING),
    "postgresql": postgresql.insert(VoiceRequestRow)
    .on_conflict_do_nothing(index_elements=["idempotency_key"])
    .returning(*_RETURNING),
}
_INSERT_PLAIN = insert(VoiceRequestRow).returning(*_RETURNING)
_INSERT_REQUESTER = insert(VoiceRequesterRow)
_INSERT_EVENT = insert(VoiceEventRow)


def _existing(session: Session, key: str) -> Submitted:
    row = session.execute(
        select(VoiceRequestRow.id, VoiceRequestRow.token, VoiceRequestRow.due_at).where(
            VoiceRequestRow.idempotency_key == key
        )
    ).one()
    unit = session.scalar(
        select(VoiceEventRow.unit_id)
        .where(VoiceEventRow.request_id == row.id, VoiceEventRow.action == "dispatch")
        .order_by(VoiceEventRow.id.desc())
        .limit(1)
    )
    return Submitted(row.id, row.token, unit or "", to_utc(row.due_at), True)


@dataclass(frozen=True)
class Accepted:
    """A checked submission with everything decided before writing: routing, due times, token.

    :func:`accept` makes one (pure: it may raise, it never writes); :func:`record` writes it.
    Split so a batch writer (:class:`GroupCommit`) can check outside its transaction.
    """

    sub: Submission
    key: str | None
    values: Mapping[str, Any]
    unit_id: str
    due: dt.datetime


def accept(
    sub: Submission,
    units: Mapping[str, Unit],
    limits: TimeLimits,
    *,
    at: dt.datetime | None = None,
) -> Accepted:
    """Check, locate, route and time a submission; bad input raises :class:`DataError`."""
    problems = check_submission(sub, units)
    if problems:
        raise DataError("诉求无效 invalid request", [("request", None, f, m) for f, m in problems])
    key = None
    if sub.idempotency_key:
        key = f"{sub.client_id or 0}:{sub.idempotency_key}"
    svc = catalogue.service(sub.service_code)
    assert svc is not None
    recorded = to_utc(at or now())
    requested = to_utc(sub.requested_at) if sub.requested_at else recorded
    township = locate(units, sub.jurisdiction_id, sub.address_id, sub.lat, sub.long)
    unit_id = route(units, svc, sub.jurisdiction_id, township)
    response_due, due = limits.due(svc.category, requested)
    values = {
        "jurisdiction_id": sub.jurisdiction_id,
        "township_id": township,
        "service_code": svc.code,
        "category": svc.category,
        "channel": sub.channel,
        "description": sub.description,
        "address": sub.address,
        "address_id": sub.address_id,
        "lat": sub.lat,
        "long": sub.long,
        "media_url": sub.media_url,
        "attributes": dict(sub.attributes),
        "extra": dict(sub.extra),
        "client_id": sub.client_id,
        "idempotency_key": key,
        "token": secrets.token_hex(16),
        "requested_at": requested,
        "response_due_at": response_due,
        "due_at": due,
        "recorded_at": recorded,
    }
    return Accepted(sub, key, values, unit_id, due)


def record(session: Session, acc: Accepted) -> Submitted:
    """Write an accepted submission (request, requester, accept + dispatch events).

    A key used before returns the earlier request (``replayed``) and writes nothing.
    """
    return record_many(session, [acc])[0]


def record_many(session: Session, accs: Sequence[Accepted]) -> list[Submitted]:
    """:func:`record` for several submissions: requesters and events go in one executemany
    each (the group-commit writer's path); results in the order given."""
    # Core statements on the session's connection: the ORM adds nothing here but time. All
    # requests in one multi-row INSERT; a row skipped for its key returns nothing, so the
    # new ids are matched by token (random, unique), not by position
    conn = session.connection()
    stmt = _INSERT.get(conn.dialect.name, _INSERT_PLAIN)
    ids = {tok: rid for rid, tok in conn.execute(stmt, [acc.values for acc in accs])}
    out: list[Submitted | None] = []
    requesters: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for acc in accs:
        v = acc.values
        rid = ids.get(v["token"])
        if rid is None:  # the key was used before (a retry): looked up below
            out.append(None)
            continue
        sub = acc.sub
        if not sub.requester.is_empty():
            requesters.append({"request_id": rid, **sub.requester.__dict__})
        base = {"request_id": rid, "actor": sub.actor, "at": v["requested_at"]}
        base["recorded_at"] = v["recorded_at"]
        events.append({**base, "action": "accept", "state": "accepted", "unit_id": None})
        events.append({**base, "action": "dispatch", "state": "dispatched", "unit_id": acc.unit_id})
        out.append(Submitted(rid, str(v["token"]), acc.unit_id, acc.due, False))
    if requesters:
        conn.execute(_INSERT_REQUESTER, requesters)
    if events:
        conn.execute(_INSERT_EVENT, events)
    # after the events: a key repeated within this batch finds its request's dispatch unit
    return [s or _existing(session, acc.key or "") for s, acc in zip(out, accs, strict=True)]


def submit(
    session: Session,
    sub: Submission,
    units: Mapping[str, Unit],
    limits: TimeLimits,
    *,
    at: dt.datetime | None = None,
    ledger: bool = False,
) -> Submitted:
    """Accept (受理) and dispatch (派单) a request in the caller's transaction.

    Bad input raises :class:`DataError` naming the fields; nothing is written then.
    ``ledger=True`` commits the events to the ledger at once (:func:`ledgering.sync`);
    by default they wait for the next batch sync (see :mod:`zhengji.voice.ledgering`).
    """
    done = record(session, accept(sub, units, limits, at=at))
    if ledger and not done.replayed:
        ledgering.sync(session)
    return done


@dataclass
class _Job:
    prepare: Callable[[], Accepted]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Submitted]


class GroupCommit:
    """Submissions from concurrent requests written by one thread, many per transaction.

    Why: with a transaction per request, each POST waits for its own fsync and its own turn at
    SQLite's single write lock (about 1.5 ms a commit on our VM: at most ~650 POST/s whatever
    the CPU). Here one writer thread takes every submission waiting, writes them in one
    transaction and commits once (group commit); a caller is answered only after the commit
    that holds its request, so an acknowledged request is as durable as before. A batch that
    fails in the database is rolled back and its submissions are written one per transaction,
    so one bad row cannot fail its neighbours. ``prepare`` (checks, :func:`accept`) runs on the
    writer thread before the transaction; what it raises goes to its caller alone. ``after``
    runs in each batch's transaction once its rows are written (the Open311 app appends the
    events to the ledger there); the one-by-one fallback leaves it out, so a failing ``after``
    never fails a submission. The thread starts on demand and stops after ``idle_s`` idle.
    """

    def __init__(
        self,
        transaction: Callable[[], AbstractContextManager[Session]],
        *,
        max_batch: int = 256,
        idle_s: float = 1.0,
        after: Callable[[Session], object] | None = None,
    ) -> None:
        self._transaction = transaction
        self._after = after
        self._max = max_batch
        self._idle = idle_s
        self._queue: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.transactions = 0  # counters for the benchmark: commits and requests written
        self.written = 0

    async def submit(self, prepare: Callable[[], Accepted]) -> Submitted:
        """Queue a submission; returns once it is committed (or raises what failed)."""
        loop = asyncio.get_running_loop()
        job = _Job(prepare, loop, loop.create_future())
        with self._lock:  # a stopping writer checks the queue under the same lock
            self._queue.put(job)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="voice-writer", daemon=True)
                self._thread.start()
        return await job.future

    def _run(self) -> None:
        try:
            while True:
                try:
                    batch = [self._queue.get(timeout=self._idle)]
                except queue.Empty:
                    with self._lock:
                        if self._queue.empty():
                            self._thread = None
                            return
                    continue
                while len(batch) < self._max:
                    try:
                        batch.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                self._settle(self._write(batch))
        finally:  # even on an unforeseen error: the next submission starts a new writer
            with self._lock:
                if self._thread is threading.current_thread():
                    self._thread = None

    def _write(self, batch: list[_Job]) -> list[tuple[_Job, Submitted | Exception]]:
        out: list[tuple[_Job, Submitted | Exception]] = []
        ready: list[tuple[_Job, Accepted]] = []
        for job in batch:
            try:
                ready.append((job, job.prepare()))
            except Exception as exc:  # handed to that caller, which answers 4xx or 500
                out.append((job, exc))
        if not ready:
            return out
        try:
            with self._transaction() as s:
                written = record_many(s, [acc for _, acc in ready])
                if self._after is not None:
                    self._after(s)
            self.transactions += 1
            out.extend(zip([job for job, _ in ready], written, strict=True))
        except Exception:  # rolled back: now one transaction each, so a bad row fails alone
            for job, acc in ready:
                try:
                    with self._transaction() as s:
                        out.append((job, record(s, acc)))
                    self.transactions += 1
                except Exception as exc:
                    out.append((job, exc))
        self.written += len(ready)
        return out

    @staticmethod
    def _settle(results: list[tuple[_Job, Submitted | Exception]]) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Job, Submitted | Exception]]] = {}
        for job, res in results:
            by_loop.setdefault(job.loop, []).append((job, res))
        for loop, items in by_loop.items():  # one wake-up per event loop, not per request
            with suppress(RuntimeError):  # that loop has closed: nobody is waiting
                loop.call_soon_threadsafe(_resolve, items)


def _resolve(items: list[tuple[_Job, Submitted | Exception]]) -> None:
    for job, res in items:
        if job.future.done():  # the caller went away (cancelled)
            continue
        if isinstance(res, Exception):
            job.future.set_exception(res)
        else:
            job.future.set_result(res)


_PII = (
    (re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)"), r"\1****\2"),  # mobile numbers
    (re.compile(r"(?<![\dA-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![\dA-Za-z])"), r"\1********\2"),
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "***@***"),
)


def mask_pii(text: str | None) -> str | None:
    """Mask mobile numbers, ID numbers and e-mail addresses in text shown to the public."""
    if text is None:
        return None
    for pattern, repl in _PII:
        text = pattern.sub(repl, text)
    return text


def count_requests(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(VoiceRequestRow)) or 0)


def ids_by_key(session: Session, keys: Sequence[str]) -> dict[str, int]:
    """Request ids by their (namespaced) idempotency key — for audits and the benchmark."""
    rows = session.execute(
        select(VoiceRequestRow.idempotency_key, VoiceRequestRow.id).where(
            VoiceRequestRow.idempotency_key.in_(keys)
        )
    )
    return {k: i for k, i in rows if k is not None}
