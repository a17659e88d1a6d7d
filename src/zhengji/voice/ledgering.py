"""Committing citizen-request events to the tamper-evident ledger (``zhengji.ledger.log``).

Each lifecycle event becomes one leaf of kind ``voice.event`` whose record is the event's
public fields (event id, request, action, state, unit, actor, time) — never the requester's
identity, so erasing personal data (PIPL) never breaks a proof. :func:`event_record` rebuilds
the record from the stored event, so an auditor can recompute it and check it with
``zhengji.ledger.log.verify_record(session, index, record)``.

How (measured in docs/benchmarks.md): appending to the ledger serialises on its head and costs
several milliseconds, which would halve the Open311 POST rate. So events are committed in
order by :func:`sync`, which appends every event not yet committed in one batch and records
the high-water mark in ``voice_ledger_marks``. Staff steps (``handling.act``) sync at once in
their own transaction (with up to ``INLINE_LIMIT`` events of backlog before them); citizen
submissions over Open311 are synced inside each group-commit batch
(``zhengji.voice.requests.GroupCommit``, ``after``), so an acknowledged request is normally
already in the ledger; the app's periodic sync (``ZHENGJI_VOICE_LEDGER_INTERVAL``) and
``zhengji voice ledger-sync`` catch up whatever a failed batch left. An event is in the
database before it is acknowledged, so a crash only delays its leaf, never loses it.
``ZHENGJI_VOICE_LEDGER=0`` turns the ledger off.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from zhengji.ledger.records import register_records
from zhengji.store.schema_voice import VoiceEventRow, VoiceLedgerMarkRow
from zhengji.voice.limits import to_utc

__all__ = [
    "ENV_VAR",
    "INTERVAL_VAR",
    "KIND",
    "enabled",
    "event_record",
    "event_records",
    "interval",
    "sync",
]

KIND = "voice.event"
ENV_VAR = "ZHENGJI_VOICE_LEDGER"
INTERVAL_VAR = "ZHENGJI_VOICE_LEDGER_INTERVAL"
BATCH = 20_000
#: A staff step commits at most this many pending events inline; a larger backlog (e.g. a
#: freshly loaded demo) is left to the background loop or ``zhengji voice ledger-sync``.
INLINE_LIMIT = 2_000


def enabled() -> bool:
    """Commit citizen-request events to the ledger (default on; "0" turns it off)."""
    return os.environ.get(ENV_VAR, "1").lower() not in ("0", "false", "no", "off")


def interval() -> float:
    """Seconds between the app's background syncs (default 5)."""
    try:
        return max(0.5, float(os.environ.get(INTERVAL_VAR, "5")))
    except ValueError:
        return 5.0


def event_record(event_id: int, values: Mapping[str, Any]) -> dict[str, Any]:
    at = values["at"]
    return {
        "event_id": int(event_id),
        "request_id": int(values["request_id"]),
        "action": values["action"],
        "state": values["state"],
        "unit_id": values.get("unit_id"),
        "actor": values["actor"],
        "at": to_utc(at).isoformat() if isinstance(at, dt.datetime) else str(at),
    }


def sync(session: Session, limit: int | None = None) -> int:
    """Append every event after the last mark to the ledger (in event id order) and record
    the new mark, in the caller's transaction; returns how many leaves were added.

    ``limit`` stops after about that many events (the app syncs in short transactions so a
    submission never waits long for SQLite's write lock)."""
    from zhengji.ledger.log import append_many

    append_many(session, [])  # takes the ledger head lock: concurrent syncs queue here
    mark = session.scalar(select(func.max(VoiceLedgerMarkRow.last_event_id))) or 0
    total = 0
    while True:
        rows = session.execute(
            select(VoiceEventRow.id, VoiceEventRow.request_id, VoiceEventRow.action,
                   VoiceEventRow.state, VoiceEventRow.unit_id, VoiceEventRow.actor,
                   VoiceEventRow.at)
            .where(VoiceEventRow.id > mark)
            .order_by(VoiceEventRow.id)
            .limit(min(BATCH, limit or BATCH))
        ).all()  # fmt: skip
        if not rows:
            return total
        entries = append_many(session, [(KIND, event_record(r.id, dict(r._mapping))) for r in rows])
        mark = int(rows[-1].id)
        session.execute(
            insert(VoiceLedgerMarkRow).values(
                last_event_id=mark,
                first_index=entries[0].index,
                leaves=len(entries),
                at=dt.datetime.now(dt.UTC),
            )
        )
        total += len(entries)
        if limit is not None and total >= limit:
            return total


def event_records(session: Session) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """``(leaf index, record)`` of every committed event, so ``zhengji ledger verify``
    recomputes them. Each mark row says which events one :func:`sync` batch appended: those
    after the previous mark up to ``last_event_id``, in id order, from ``first_index`` on."""
    prev = 0
    marks = select(VoiceLedgerMarkRow).order_by(VoiceLedgerMarkRow.last_event_id)
    for mark in session.scalars(marks):
        rows = session.execute(
            select(VoiceEventRow.id, VoiceEventRow.request_id, VoiceEventRow.action,
                   VoiceEventRow.state, VoiceEventRow.unit_id, VoiceEventRow.actor,
                   VoiceEventRow.at)
            .where(VoiceEventRow.id > prev, VoiceEventRow.id <= mark.last_event_id)
            .order_by(VoiceEventRow.id)
        ).all()  # fmt: skip
        for offset, r in enumerate(rows[: mark.leaves]):
            yield mark.first_index + offset, event_record(r.id, dict(r._mapping))
        prev = mark.last_event_id


register_records(KIND, event_records, source="zhengji.voice.ledgering")
