"""Appending to the ledger inside the caller's transaction, and reading entries back.

A record is committed by appending one leaf whose data is a small fixed structure (see
:func:`encode_leaf` and docs/ledger.md): the record kind and the digest of the record's
RFC 8785 canonical bytes. The record itself stays in its own table and may be erased (PIPL);
the leaf then still proves that *something* of that kind existed at that position.

Why inside the caller's transaction: the record row, its leaf and the perfect-subtree nodes
the leaf completes commit or roll back together, so a committed record always has its leaf and
a crash (even SIGKILL) leaves a log that verifies. Concurrent appenders are serialised on the
one-row ``ledger_meta`` head: ``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the first write
statement takes the database write lock, so the size read after it cannot go stale.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from zhengji.errors import DataError, MethodError, StoreError
from zhengji.ledger.canonical import canonical
from zhengji.ledger.merkle import HashFn, hash_function, leaf_hash, node_hash
from zhengji.store.schema_ledger import LedgerLeafRow, LedgerMetaRow

__all__ = [
    "DEFAULT_ORIGIN",
    "LEAF_VERSION",
    "Entry",
    "LedgerInfo",
    "append",
    "append_many",
    "create_ledger",
    "encode_leaf",
    "entry",
    "fetch_nodes",
    "frontier_positions",
    "info",
    "record_digest",
    "size",
    "verify_record",
]

LEAF_VERSION = 1
"""First byte of every leaf's data; a future layout gets a new number, old leaves stay valid."""

DEFAULT_ORIGIN = "zhengji.local/ledger"
"""Checkpoint origin used when the ledger is created implicitly by the first append."""

_KIND = re.compile(r"[a-z][a-z0-9_.-]{0,63}\Z")


@dataclass(frozen=True)
class Entry:
    """One leaf of the log, as returned by :func:`append`."""

    index: int
    """0-based leaf index in the log."""
    kind: str
    """What the record is, e.g. "decision", "tenure", "audit", "finding_event"."""
    record_digest: bytes
    """Hash (the ledger's suite) of ``canonical(record)``."""
    leaf_hash: bytes
    """RFC 9162 leaf hash H(0x00 ‖ leaf data) of ``encode_leaf(kind, record_digest)``."""


@dataclass(frozen=True)
class LedgerInfo:
    """The fixed parameters of a ledger (``ledger_meta``) and its current size."""

    hash_suite: str
    origin: str
    created_at: dt.datetime
    size: int


def _check_kind(kind: str) -> bytes:
    if not isinstance(kind, str) or not _KIND.match(kind):
        raise DataError(
            f"账本记录类型无效 invalid ledger record kind {kind!r}: use 1–64 characters "
            "a–z, 0–9, '_', '.', '-' starting with a letter (e.g. 'decision')"
        )
    return kind.encode("ascii")


def encode_leaf(kind: str, record_digest: bytes) -> bytes:
    """Leaf data v1: ``0x01 ‖ len(kind) (1 byte) ‖ kind (ASCII) ‖ record digest (32 bytes)``.

    Fixed and tiny on purpose: no personal data, no timestamps an auditor cannot check; the
    kind is inside the hash so a decision's digest cannot be passed off as another kind's.
    """
    k = _check_kind(kind)
    if len(record_digest) != 32:
        raise MethodError(
            f"记录摘要长度错误 record digest must be 32 bytes, got {len(record_digest)}"
        )
    return bytes((LEAF_VERSION, len(k))) + k + record_digest


def record_digest(record: Mapping[str, Any], h: HashFn) -> bytes:
    """H(canonical(record)) with the ledger's hash suite."""
    return h(canonical(record))


def _ensure_and_lock(session: Session) -> LedgerMetaRow:
    """Create the head row if missing (default suite) and lock it for this transaction."""
    dialect = session.get_bind().dialect.name
    values = {
        "id": 1,
        "hash_suite": "sha256",
        "origin": DEFAULT_ORIGIN,
        "created_at": dt.datetime.now(dt.UTC),
    }
    if dialect == "postgresql":
        session.execute(pg_insert(LedgerMetaRow).values(values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        # a write statement even when it inserts nothing: takes SQLite's write lock first, so
        # the size read below belongs to this (serialised) write transaction
        session.execute(sqlite_insert(LedgerMetaRow).values(values).on_conflict_do_nothing())
    else:  # pragma: no cover - only the two supported databases
        raise StoreError(f"不支持的数据库 unsupported database dialect {dialect!r}")
    meta = session.execute(
        select(LedgerMetaRow).where(LedgerMetaRow.id == 1).with_for_update()
    ).scalar_one()
    return meta


def create_ledger(
    session: Session, hash_suite: str = "sha256", origin: str = DEFAULT_ORIGIN
) -> LedgerInfo:
    """Fix the hash suite and origin of a new ledger (before the first append).

    Calling it again with the same parameters is harmless; different ones are refused, since
    a ledger's suite can never change (every stored hash depends on it).
    """
    hash_function(hash_suite)  # validates the name
    suite = hash_suite.lower()
    if not origin or any(c.isspace() for c in origin) or "+" in origin:
        raise DataError(
            f"检查点来源名无效 invalid checkpoint origin {origin!r}: no spaces or '+', "
            "e.g. 'example.gov.cn/lifetime-ledger'"
        )
    existing = session.get(LedgerMetaRow, 1)
    if existing is None:
        session.add(
            LedgerMetaRow(id=1, hash_suite=suite, origin=origin, created_at=dt.datetime.now(dt.UTC))
        )
        session.flush()
        return info(session)
    if existing.hash_suite != suite or existing.origin != origin:
        raise StoreError(
            f"账本已创建 the ledger already exists with hash suite {existing.hash_suite!r} and "
            f"origin {existing.origin!r}; they cannot be changed"
        )
    return info(session)


def info(session: Session) -> LedgerInfo:
    """The ledger's suite, origin, creation time and size; an uncreated ledger is empty SHA-256."""
    meta = session.get(LedgerMetaRow, 1)
    n = size(session)
    if meta is None:
        return LedgerInfo("sha256", DEFAULT_ORIGIN, dt.datetime.now(dt.UTC), n)
    return LedgerInfo(meta.hash_suite, meta.origin, meta.created_at, n)


def size(session: Session) -> int:
    """Number of leaves (max index + 1; gaps are found by verification, not here)."""
    top = session.execute(select(func.max(LedgerLeafRow.idx))).scalar_one()
    return 0 if top is None else int(top) + 1


def frontier_positions(n: int) -> list[tuple[int, int]]:
    """(level, idx) of the perfect subtrees that make up a tree of ``n`` leaves, left to right."""
    out: list[tuple[int, int]] = []
    offset = 0
    for level in range(n.bit_length() - 1, -1, -1):
        if n >> level & 1:
            out.append((level, offset >> level))
            offset += 1 << level
    return out


def fetch_nodes(
    session: Session, positions: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], bytes]:
    """Hashes of perfect subtrees by (level, idx); level 0 reads leaf hashes. One query.

    Plain SQL with inlined integers (positions are ints we computed, never user text): one
    ``OR`` branch per level with an ``IN`` list, so SQLite and PostgreSQL search the primary
    keys (a row-value ``(level, idx) IN (…)`` makes SQLite scan the table), and no statement
    compilation on the proof hot path.
    """
    pos = {(int(lv), int(i)) for lv, i in positions}
    if not pos:
        return {}
    by_level: dict[int, list[int]] = {}
    for lv, i in pos:
        by_level.setdefault(lv, []).append(i)
    parts: list[str] = []
    leaves = by_level.pop(0, None)
    if leaves:
        parts.append(
            "SELECT 0, idx, leaf_hash FROM ledger_leaves WHERE idx IN "
            f"({', '.join(map(str, sorted(leaves)))})"
        )
    if by_level:
        cond = " OR ".join(
            f"(level = {lv} AND idx IN ({', '.join(map(str, sorted(idxs)))}))"
            for lv, idxs in sorted(by_level.items())
        )
        parts.append(f"SELECT level, idx, hash FROM ledger_nodes WHERE {cond}")
    rows = session.connection().exec_driver_sql(" UNION ALL ".join(parts))
    out = {(int(lv), int(i)): bytes(hh) for lv, i, hh in rows}
    missing = pos - out.keys()
    if missing:
        lv, i = min(missing)
        raise StoreError(
            f"账本节点缺失 ledger node (level {lv}, index {i}) is missing; "
            "run `zhengji ledger verify` to locate the damage"
        )
    return out


def _append_digests(session: Session, h: HashFn, items: Sequence[tuple[str, bytes]]) -> list[Entry]:
    n = size(session)
    front = frontier_positions(n)
    known = fetch_nodes(session, front)
    stack: list[tuple[int, bytes]] = [(lv, known[(lv, i)]) for lv, i in front]
    leaf_rows: list[tuple[int, str, bytes, bytes]] = []
    node_rows: list[tuple[int, int, bytes]] = []
    entries: list[Entry] = []
    for offset, (kind, digest) in enumerate(items):
        index = n + offset
        lh = leaf_hash(encode_leaf(kind, digest), h)
        leaf_rows.append((index, kind, digest, lh))
        entries.append(Entry(index, kind, digest, lh))
        level, node = 0, lh
        while stack and stack[-1][0] == level:
            node = node_hash(stack.pop()[1], node, h)
            level += 1
            node_rows.append((level, index >> level, node))
        stack.append((level, node))
    conn = session.connection()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    if leaf_rows:
        conn.exec_driver_sql(
            "INSERT INTO ledger_leaves (idx, kind, record_digest, leaf_hash) "
            f"VALUES ({mark}, {mark}, {mark}, {mark})",
            leaf_rows,
        )
    if node_rows:
        conn.exec_driver_sql(
            f"INSERT INTO ledger_nodes (level, idx, hash) VALUES ({mark}, {mark}, {mark})",
            node_rows,
        )
    return entries


def append(session: Session, kind: str, record: Mapping[str, Any]) -> Entry:
    """Commit ``record`` to the log inside the caller's open transaction (never commits).

    The record row the caller writes in the same transaction and this leaf commit or roll back
    together. Concurrent appenders are serialised on the ledger head (see the module doc).
    """
    return append_many(session, [(kind, record)])[0]


def append_many(session: Session, items: Iterable[tuple[str, Mapping[str, Any]]]) -> list[Entry]:
    """Append several records in order, in the caller's transaction (one lock, bulk inserts)."""
    encoded = [(kind, canonical(record)) for kind, record in items]
    for kind, _ in encoded:
        _check_kind(kind)
    meta = _ensure_and_lock(session)
    h = hash_function(meta.hash_suite)
    return _append_digests(session, h, [(kind, h(data)) for kind, data in encoded])


def entry(session: Session, index: int) -> Entry:
    """The stored leaf at ``index`` (raises :class:`DataError` if there is none)."""
    row = session.get(LedgerLeafRow, index)
    if row is None:
        raise DataError(f"账本中没有此条目 no ledger entry at index {index} (size {size(session)})")
    return Entry(row.idx, row.kind, bytes(row.record_digest), bytes(row.leaf_hash))


def verify_record(session: Session, index: int, record: Mapping[str, Any]) -> bool:
    """Does ``record`` (e.g. shown to an entitled auditor) match leaf ``index``?

    True only if H(canonical(record)) equals the stored digest *and* the stored leaf hash is
    the hash of the leaf data; the leaf's place in the tree is checked by ``verify``/proofs.
    """
    e = entry(session, index)
    h = hash_function(info(session).hash_suite)
    digest = record_digest(record, h)
    return digest == e.record_digest and leaf_hash(encode_leaf(e.kind, digest), h) == e.leaf_hash
