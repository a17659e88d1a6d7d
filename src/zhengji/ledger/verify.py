"""Recompute everything and say where the log is wrong: leaves, records, nodes, checkpoints.

A pure core (:func:`verify_log`) works on plain iterables, so the same checks run against the
database (:func:`verify_ledger`) and against an offline export (``zhengji.ledger.export``).
Every problem names the first leaf index it affects and what is wrong, in Chinese and English.

What is recomputed:
1. every leaf hash from its leaf data (kind + record digest), indices 0…n-1 without gaps;
2. every record that still exists (registered loaders) against its leaf's digest;
3. every stored perfect-subtree node against its two stored children, the leaf hashes being
   checked in step 1 (none missing, none extra), so a change is pinned to the lowest node;
4. every checkpoint: origin, size ≤ n, root = recomputed root at that size, the row's copy of
   size and root, its signatures (at least one trusted log key, no failing known key), and
   consistency of each checkpoint with the next (RFC 9162 §2.1.4 proof, verified);
5. (database only) no row of a table declared fully ledgered lacks its leaf index.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from zhengji.errors import DataError
from zhengji.ledger import note as notes
from zhengji.ledger.canonical import canonical
from zhengji.ledger.checkpoints import StoredCheckpoint, checkpoints, stored_verifiers
from zhengji.ledger.log import LEAF_VERSION, info
from zhengji.ledger.merkle import (
    HashFn,
    consistency_ranges,
    fold,
    hash_function,
    perfect_subtrees,
    verify_consistency,
)
from zhengji.ledger.records import RecordLoader, ledgered_tables, load_providers, loaders
from zhengji.store.schema_ledger import LedgerMetaRow

__all__ = ["MAX_PROBLEMS", "Problem", "Report", "verify_ledger", "verify_log"]

MAX_PROBLEMS = 1000
"""Problems kept in a report (the count of all problems is always exact)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong: the first leaf index affected (None: not tied to a leaf) and why."""

    index: int | None
    zh: str
    en: str

    def __str__(self) -> str:
        where = f"第 {self.index} 条 entry {self.index}: " if self.index is not None else ""
        return f"{where}{self.zh} {self.en}"


@dataclass
class Report:
    """What verification checked and found."""

    hash_suite: str
    origin: str
    size: int = 0
    leaves_checked: int = 0
    records_checked: int = 0
    records_absent: int = 0
    nodes_checked: int = 0
    checkpoints_checked: int = 0
    signatures_verified: int = 0
    keys_from_database: bool = False
    problem_count: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def first_bad_index(self) -> int | None:
        found = [p.index for p in self.problems if p.index is not None]
        return min(found) if found else None

    def add(self, index: int | None, zh: str, en: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(index, zh, en))


LeafRow = tuple[int, str, bytes, bytes]
"""(index, kind, record digest, stored leaf hash)."""


def _levels_from(leaves: list[bytes], h: HashFn) -> list[list[bytes]]:
    """All perfect-subtree hashes, level 0 = leaves: levels[l][i] covers [i·2^l, (i+1)·2^l)."""
    levels = [leaves]
    prefix = b"\x01"
    cur = leaves
    while len(cur) > 1:
        nxt = [h(prefix + cur[i] + cur[i + 1]) for i in range(0, len(cur) - 1, 2)]
        levels.append(nxt)
        cur = nxt
    return levels


def _range_hash(levels: list[list[bytes]], a: int, b: int, h: HashFn) -> bytes:
    return fold([levels[lv][i] for lv, i in perfect_subtrees(a, b)], h)


def _fast_hash(suite: str) -> Callable[[bytes], bytes]:
    if suite == "sha256":
        sha = hashlib.sha256
        return lambda d: sha(d).digest()
    return hash_function(suite)


def verify_log(
    hash_suite: str,
    origin: str,
    leaves: Iterable[LeafRow],
    checkpoint_list: Sequence[StoredCheckpoint],
    verifiers: Sequence[notes.Verifier],
    *,
    stored_levels: Iterable[tuple[int, int, bytes]] | None = None,
    records: Iterable[tuple[str, int, Mapping[str, Any]]] = (),
    keys_from_database: bool = False,
) -> Report:
    """The whole check over plain data (see the module doc); ``stored_levels`` yields
    (level, idx, hash) ordered by level then idx, or None when nodes are not available."""
    h = _fast_hash(hash_suite)
    report = Report(hash_suite, origin, keys_from_database=keys_from_database)

    # 1. leaves
    recomputed: list[bytes] = []
    stored_leaves: list[bytes | None] = []
    bad_leaves: list[bool] = []
    digests: list[bytes] = []
    kinds: list[str] = []
    prefixes: dict[str, bytes] = {}
    expected = 0
    for idx, kind, digest, stored in leaves:
        if idx != expected:
            if idx > expected:
                report.add(
                    expected,
                    f"缺少第 {expected}–{idx - 1} 条（行被删除）",
                    f"entries {expected}–{idx - 1} are missing (rows deleted)",
                )
            else:
                report.add(idx, "条目序号重复或乱序", "duplicate or out-of-order index")
            # keep positions aligned with the indices actually present
            while expected < idx:
                recomputed.append(b"\0" * 32)
                stored_leaves.append(None)
                bad_leaves.append(True)
                digests.append(b"")
                kinds.append("")
                expected += 1
            if idx < expected:
                continue
        pre = prefixes.get(kind)
        if pre is None:
            kb = kind.encode("ascii", "replace")
            pre = prefixes[kind] = b"\x00" + bytes((LEAF_VERSION, len(kb))) + kb
        digest = bytes(digest)
        lh = h(pre + digest)
        if len(digest) != 32:
            report.add(idx, "记录摘要长度错误", f"record digest has {len(digest)} bytes, not 32")
        bad_leaves.append(lh != bytes(stored) or len(digest) != 32)
        if lh != bytes(stored):
            report.add(
                idx,
                "叶哈希与叶数据不符（叶被改动）",
                "leaf hash does not match its leaf data (kind + record digest): "
                "the leaf was altered",
            )
        recomputed.append(lh)
        stored_leaves.append(bytes(stored))
        digests.append(digest)
        kinds.append(kind)
        expected += 1
    n = report.size = report.leaves_checked = len(recomputed)

    # 2. records still present
    for kind, idx, record in records:
        if not 0 <= idx < n or kinds[idx] != kind:
            report.add(
                idx if 0 <= idx < n else None,
                f"记录（{kind}）指向的条目不存在或类型不符",
                f"a {kind} record points at entry {idx}, which is missing or of another kind",
            )
            continue
        report.records_checked += 1
        try:
            ok = h(canonical(record)) == digests[idx]
        except DataError as exc:
            report.add(idx, "记录无法规范化", f"record cannot be canonicalised: {exc}")
            continue
        if not ok:
            report.add(
                idx,
                f"记录（{kind}）与其叶摘要不符（记录被改动）",
                f"the {kind} record does not match its leaf's digest: the record was altered",
            )
    report.records_absent = n - report.records_checked

    # 3. nodes
    reuse = None
    if stored_levels is not None:
        reuse = _check_nodes(report, stored_leaves, bad_leaves, stored_levels, h)
    del stored_leaves, bad_leaves
    levels = reuse if reuse is not None and report.ok else _levels_from(recomputed, h)

    # 4. checkpoints
    prev: tuple[int, bytes, int] | None = None  # (size, root, id) of the previous valid body
    for cp in checkpoint_list:
        report.checkpoints_checked += 1
        label = f"检查点 {cp.id}"
        try:
            check = notes.verify_note(cp.note, verifiers)
            body = notes.parse_checkpoint(check.text)
        except DataError as exc:
            report.add(None, f"{label} 格式无效", f"checkpoint {cp.id} is malformed: {exc}")
            continue
        report.signatures_verified += len(check.verified)
        for v in check.failed:
            report.add(
                None,
                f"{label} 的签名验证失败（{v.name}）",
                f"checkpoint {cp.id}: signature of {v.name} does not verify",
            )
        if not any(v.algorithm == "ed25519" for v in check.verified):
            report.add(
                None,
                f"{label} 没有可信的日志签名",
                f"checkpoint {cp.id} has no valid signature from a trusted log key",
            )
        if body.origin != origin:
            report.add(
                None,
                f"{label} 来源不符",
                f"checkpoint {cp.id} origin {body.origin!r} is not {origin!r}",
            )
        if body.size != cp.size or body.root_hash != cp.root_hash:
            report.add(
                None,
                f"{label} 的行字段与签名内容不符",
                f"checkpoint {cp.id}: stored size/root columns differ from the signed note",
            )
        if body.size > n:
            report.add(
                n,
                f"{label} 签署了 {body.size} 条，账本只剩 {n} 条（条目被删除）",
                f"checkpoint {cp.id} signed {body.size} entries but the log has {n}: "
                "entries were deleted",
            )
            continue
        root = _range_hash(levels, 0, body.size, h) if body.size else h(b"")
        if root != body.root_hash:
            report.add(
                _first_leaf_differing(report, body.size),
                f"{label} 的根哈希与重算结果不符（前 {body.size} 条被改动）",
                f"checkpoint {cp.id} root differs from the recomputed root of the first "
                f"{body.size} entries: the log was altered",
            )
        if prev is not None:
            psize, proot, pid = prev
            if body.size < psize:
                report.add(
                    None,
                    f"{label} 比检查点 {pid} 小（回退）",
                    f"checkpoint {cp.id} is smaller than checkpoint {pid}: the log went back",
                )
            elif psize > 0:
                proof = [
                    _range_hash(levels, a, b, h) for a, b in consistency_ranges(psize, body.size)
                ]
                if not verify_consistency(psize, body.size, proot, body.root_hash, proof, h):
                    report.add(
                        None,
                        f"检查点 {pid} 与 {label} 不一致（分叉或改写）",
                        f"checkpoint {pid} is not consistent with checkpoint {cp.id} "
                        "(fork or rewrite)",
                    )
        prev = (body.size, body.root_hash, cp.id)
    return report


def _first_leaf_differing(report: Report, size: int) -> int | None:
    found = [p.index for p in report.problems if p.index is not None and p.index < size]
    return min(found) if found else None


def _check_nodes(
    report: Report,
    stored_leaves: list[bytes | None],
    bad_leaves: list[bool],
    stored: Iterable[tuple[int, int, bytes]],
    h: HashFn,
) -> list[list[bytes]] | None:
    """Each stored node must equal H(0x01 ‖ its two stored children), level by level.

    Returns every stored level (level 0: the leaf hashes) when nothing was wrong, so the caller
    can reuse them as the recomputed tree (they are equal then, by induction).

    Comparing with the *stored* children (level 0: stored leaf hashes, themselves checked
    against the leaf data) pins a problem to the lowest node that is wrong, so the first bad
    index is where the change was made, not the root above it. Nodes above a child already
    reported (bad leaf, gap, bad node) are not reported again.
    """
    n = len(stored_leaves)
    prev: list[bytes | None] = stored_leaves
    prev_bad = bad_leaves
    level = 1
    current: list[bytes | None] = [None] * (n >> 1)
    extra: list[tuple[int, int]] = []
    kept: list[list[bytes | None]] = [stored_leaves]
    clean = not any(bad_leaves) and None not in stored_leaves

    def close_level() -> None:
        nonlocal prev, prev_bad, current, level, clean
        bad = [False] * len(current)
        if clean and None not in current:  # fast path: the whole level at C speed
            p = prev
            expected = [h(b"\x01" + p[j] + p[j + 1]) for j in range(0, 2 * len(current), 2)]  # type: ignore[operator]
            if expected == current:
                kept.append(current)
                prev, prev_bad = current, bad
                level += 1
                current = [None] * (n >> level)
                return
        clean = False
        for i, node in enumerate(current):
            left, right = prev[2 * i], prev[2 * i + 1]
            first, last = i << level, ((i + 1) << level) - 1
            if prev_bad[2 * i] or prev_bad[2 * i + 1]:
                bad[i] = True  # a consequence of the child already reported
            elif node is None:
                bad[i] = True
                report.add(
                    first,
                    f"缺少第 {level} 层节点 {i}（第 {first}–{last} 条）",
                    f"node (level {level}, index {i}) over entries {first}–{last} is missing",
                )
            elif left is not None and right is not None and node != h(b"\x01" + left + right):
                bad[i] = True
                report.add(
                    first,
                    f"第 {level} 层节点 {i} 与其子节点不符（第 {first}–{last} 条被改动或换序）",
                    f"node (level {level}, index {i}) does not match its children: entries "
                    f"{first}–{last} were altered or reordered",
                )
        prev, prev_bad = current, bad
        level += 1
        current = [None] * (n >> level)

    count = 0
    for lv, idx, hh in stored:
        count += 1
        while lv > level and (n >> level):
            close_level()
        if lv != level or idx >= len(current):
            extra.append((lv, idx))
            continue
        current[idx] = hh
    while n >> level:
        close_level()
    report.nodes_checked += count
    if extra:
        clean = False
    for lv, idx in extra:
        report.add(
            min(idx << lv, n),
            f"多余的第 {lv} 层节点 {idx}（其叶已不存在）",
            f"node (level {lv}, index {idx}) has no leaves under it (entries deleted?)",
        )
    return kept if clean else None  # type: ignore[return-value]


def _stream(session: Session, sql: str) -> Iterator[Any]:
    """Rows as plain DBAPI tuples in chunks (a million SQLAlchemy rows cost seconds)."""
    cur = session.connection().connection.cursor()
    try:
        cur.execute(sql)
        while rows := cur.fetchmany(50_000):
            yield from rows
    finally:
        cur.close()


def verify_ledger(
    session: Session,
    trusted: Sequence[notes.Verifier] | None = None,
    *,
    record_loaders: Mapping[str, RecordLoader] | None = None,
    ledgered: Mapping[str, tuple[str, str]] | None = None,
) -> Report:
    """Verify the ledger in the database.

    Without ``trusted`` keys, the public keys stored in the database are used (the report says
    so: bring your own copy for a real audit). ``record_loaders`` defaults to every registered
    loader (provider modules imported first); a loader that fails is reported as a problem.
    ``ledgered`` (table → (leaf index column, key column)) defaults to every table declared
    with ``register_ledgered_table``; each row of them without a leaf index is a problem.
    """
    meta_row = session.get(LedgerMetaRow, 1)
    meta = info(session)
    if record_loaders is None:
        load_providers()
        record_loaders = loaders()
    records: list[tuple[str, int, Mapping[str, Any]]] = []
    failures: list[tuple[str, str]] = []
    pg = session.get_bind().dialect.name == "postgresql"
    for kind, loader in sorted(record_loaders.items()):
        try:  # a savepoint on PostgreSQL so a failing loader does not abort the transaction
            with session.begin_nested() if pg else contextlib.nullcontext():
                records.extend((kind, idx, rec) for idx, rec in loader(session))
        except Exception as exc:  # a domain's bug must not hide the ledger's state
            failures.append((kind, f"{type(exc).__name__}: {exc}"))
    keys = list(trusted) if trusted is not None else stored_verifiers(session)
    report = verify_log(
        meta.hash_suite,
        meta.origin,
        _stream(
            session, "SELECT idx, kind, record_digest, leaf_hash FROM ledger_leaves ORDER BY idx"
        ),
        checkpoints(session),
        keys,
        stored_levels=_stream(
            session, "SELECT level, idx, hash FROM ledger_nodes ORDER BY level, idx"
        ),
        records=records,
        keys_from_database=trusted is None,
    )
    for kind, why in failures:
        report.add(
            None,
            f"无法载入“{kind}”类记录，未能核对",
            f"records of kind {kind!r} could not be loaded, so were not checked: {why}",
        )
    if meta_row is None and report.size:
        report.add(None, "账本参数行缺失", "the ledger_meta row is missing")
    if ledgered is None:
        load_providers()
        ledgered = ledgered_tables()
    for table, (column, key) in sorted(ledgered.items()):
        try:
            with session.begin_nested() if pg else contextlib.nullcontext():
                _unledgered(session, report, table, column, key)
        except Exception as exc:  # same as a failing loader: say so, do not hide the rest
            report.add(
                None,
                f"无法检查表 {table} 是否全部记入账本",
                f"could not check that every row of {table} is ledgered: "
                f"{type(exc).__name__}: {exc}",
            )
    return report


def _unledgered(session: Session, report: Report, table: str, column: str, key: str) -> None:
    """Rows of a fully ledgered table with no leaf index: inserted around the ledger, so no
    loader yields them and step 2 cannot see them."""
    where = f"FROM {table} WHERE {column} IS NULL"
    n = session.scalar(text(f"SELECT COUNT(*) {where}")) or 0
    if not n:
        return
    keys = ", ".join(
        str(k) for k in session.scalars(text(f"SELECT {key} {where} ORDER BY {key} LIMIT 10"))
    )
    more = "…" if n > 10 else ""
    report.add(
        None,
        f"表 {table} 有 {n} 行未记入账本（{key} {keys}{more}），绕过了账本写入",
        f"table {table} has {n} row(s) with no ledger index ({key} {keys}{more}): written "
        "around the ledger, so verification cannot check them",
    )
