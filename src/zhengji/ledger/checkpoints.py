"""Signed checkpoints of the stored log, witness cosignatures, and proof bundles.

A checkpoint signs the tree size and root together (C2SP tlog-checkpoint), with the log's
Ed25519 key and optionally a 国密 SM2 line. Before signing, the new tree is proved consistent
with the previous checkpoint (a log must never sign two inconsistent views). A witness (another
department: 纪检, 审计) checks the log signature and consistency with the last checkpoint *it*
cosigned, then adds a tlog-cosignature/v1 line. Only public keys are written to the database;
private keys stay in the files ``zhengji ledger keygen`` wrote.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhengji.errors import DataError, MethodError
from zhengji.ledger import note as notes
from zhengji.ledger import tree
from zhengji.ledger.canonical import canonical
from zhengji.ledger.log import encode_leaf, entry, info
from zhengji.ledger.merkle import hash_function, leaf_hash, verify_consistency, verify_inclusion
from zhengji.store.schema_ledger import LedgerCheckpointRow, LedgerCosignatureRow, LedgerKeyRow

__all__ = [
    "StoredCheckpoint",
    "checkpoints",
    "cosign",
    "prove",
    "remember_key",
    "sign_checkpoint",
    "stored_verifiers",
    "verify_proof",
]


@dataclass(frozen=True)
class StoredCheckpoint:
    """A checkpoint as stored, with its witnesses' lines appended to the note."""

    id: int
    size: int
    root_hash: bytes
    note: str
    created_at: dt.datetime


def remember_key(session: Session, verifier: notes.Verifier, role: str) -> None:
    """Store a public key (once) so exports and verification can find it."""
    vkey = verifier.vkey
    exists = session.execute(select(LedgerKeyRow.id).where(LedgerKeyRow.vkey == vkey)).first()
    if exists is None:
        session.add(
            LedgerKeyRow(
                name=verifier.name,
                algorithm=verifier.algorithm,
                role=role,
                vkey=vkey,
                created_at=dt.datetime.now(dt.UTC),
            )
        )
        session.flush()


def stored_verifiers(session: Session, role: str | None = None) -> list[notes.Verifier]:
    """Public keys recorded in the database (an auditor should bring their own copy)."""
    q = select(LedgerKeyRow.vkey).order_by(LedgerKeyRow.id)
    if role is not None:
        q = q.where(LedgerKeyRow.role == role)
    return [notes.parse_vkey(v) for v in session.scalars(q)]


def _cosignature_lines(session: Session) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    rows = session.execute(
        select(LedgerCosignatureRow.checkpoint_id, LedgerCosignatureRow.line).order_by(
            LedgerCosignatureRow.id
        )
    )
    for cid, line in rows:
        out.setdefault(cid, []).append(line)
    return out


def checkpoints(session: Session) -> list[StoredCheckpoint]:
    """Every stored checkpoint in the order issued, cosignature lines appended to each note."""
    cos = _cosignature_lines(session)
    rows = session.scalars(select(LedgerCheckpointRow).order_by(LedgerCheckpointRow.id))
    return [
        StoredCheckpoint(
            r.id, r.size, bytes(r.root_hash), r.note + "".join(cos.get(r.id, [])), r.created_at
        )
        for r in rows
    ]


def _checkpoint(session: Session, checkpoint_id: int | None) -> StoredCheckpoint:
    all_cp = checkpoints(session)
    if not all_cp:
        raise DataError("尚无检查点 no checkpoint yet: run `zhengji ledger checkpoint --key …`")
    if checkpoint_id is None:
        return all_cp[-1]
    for cp in all_cp:
        if cp.id == checkpoint_id:
            return cp
    raise DataError(f"没有此检查点 no checkpoint with id {checkpoint_id}")


def sign_checkpoint(session: Session, signers: Sequence[notes.Signer]) -> StoredCheckpoint:
    """Sign and store a checkpoint of the current tree (first signer: the log's Ed25519 key)."""
    meta = info(session)
    if not signers or signers[0].algorithm != "ed25519":
        raise DataError(
            "检查点须先用日志的 Ed25519 密钥签名 the first key must be the log's Ed25519 key"
        )
    if signers[0].name != meta.origin:
        raise DataError(
            f"密钥名须与账本来源一致 the log key name {signers[0].name!r} must equal the ledger "
            f"origin {meta.origin!r}; make one with `zhengji ledger keygen --name {meta.origin}`"
        )
    for s in signers[1:]:
        if s.algorithm != "sm2-sm3":
            raise DataError("附加签名只支持 SM2 only an SM2 line may accompany the log signature")
    n = meta.size
    root = tree.root_at(session, n)
    previous = checkpoints(session)
    if previous:
        last = previous[-1]
        if last.size > n:
            raise MethodError(
                f"账本比上一个检查点短 the log has {n} entries but checkpoint {last.id} signed "
                f"{last.size}: entries were removed; run `zhengji ledger verify`"
            )
        if last.size > 0:
            proof = tree.consistency_proof(session, last.size, n)
            if not verify_consistency(
                last.size, n, last.root_hash, root, proof, hash_function(meta.hash_suite)
            ):
                raise MethodError(
                    f"与上一个检查点不一致 the log is not consistent with checkpoint {last.id}; "
                    "refusing to sign (run `zhengji ledger verify`)"
                )
    text = notes.Checkpoint(meta.origin, n, root).text
    note = notes.sign_note(text, signers)
    row = LedgerCheckpointRow(size=n, root_hash=root, note=note, created_at=dt.datetime.now(dt.UTC))
    session.add(row)
    session.flush()
    remember_key(session, signers[0].verifier, "log")
    for s in signers[1:]:
        remember_key(session, s.verifier, "log")
    return StoredCheckpoint(row.id, n, root, note, row.created_at)


def cosign(
    session: Session,
    witness: notes.Signer,
    log_keys: Sequence[notes.Verifier],
    checkpoint_id: int | None = None,
    *,
    now: dt.datetime | None = None,
) -> str:
    """A witness checks a stored checkpoint and adds its tlog-cosignature/v1 line.

    Checks: the log's signature verifies with ``log_keys`` (the witness's own trusted copy),
    the root is the root of the stored tree at that size, and the checkpoint is consistent
    with the last one this witness cosigned (never cosign a fork).
    """
    if witness.algorithm != "cosignature/v1":
        raise DataError(
            "见证密钥类型错误 a witness key must be of type cosignature/v1 "
            "(`zhengji ledger keygen --algorithm cosignature/v1`)"
        )
    cp = _checkpoint(session, checkpoint_id)
    meta = info(session)
    h = hash_function(meta.hash_suite)
    check = notes.verify_note(cp.note, log_keys)
    if not check.ok:
        raise DataError(
            f"日志签名未通过 checkpoint {cp.id} is not validly signed by the given log key(s)"
        )
    body = notes.parse_checkpoint(check.text)
    if body.origin != meta.origin or body.size > meta.size:
        raise MethodError(f"检查点与账本不符 checkpoint {cp.id} does not describe this ledger")
    if tree.root_at(session, body.size) != body.root_hash:
        raise MethodError(
            f"检查点根哈希与账本不符 checkpoint {cp.id} root differs from the stored tree"
        )
    mine = [
        c
        for c in checkpoints(session)
        if c.id != cp.id and notes.verify_note(c.note, [witness.verifier]).ok
    ]
    if mine:
        last = max(mine, key=lambda c: c.size)
        if last.size > body.size:
            raise MethodError(
                f"不能倒退 this witness already cosigned size {last.size} > {body.size}"
            )
        if last.size > 0:
            proof = tree.consistency_proof(session, last.size, body.size)
            if not verify_consistency(
                last.size, body.size, last.root_hash, body.root_hash, proof, h
            ):
                raise MethodError(
                    f"与见证过的检查点不一致 checkpoint {cp.id} is not consistent with checkpoint "
                    f"{last.id} this witness cosigned earlier: refusing"
                )
    t = int((now or dt.datetime.now(dt.UTC)).timestamp())
    line = notes.signature_line(witness, check.text, timestamp=t)
    session.add(
        LedgerCosignatureRow(
            checkpoint_id=cp.id,
            key_name=witness.name,
            line=line,
            created_at=dt.datetime.now(dt.UTC),
        )
    )
    session.flush()
    remember_key(session, witness.verifier, "witness")
    return line


def prove(session: Session, index: int, checkpoint_id: int | None = None) -> str:
    """A c2sp.org/tlog-proof@v1 bundle for leaf ``index`` against a stored checkpoint.

    The ``extra`` line carries the leaf data (kind and record digest, see docs/ledger.md), so
    whoever holds the record can recompute the leaf without our database.
    """
    e = entry(session, index)
    all_cp = [c for c in checkpoints(session) if c.size > index]
    if checkpoint_id is not None:
        all_cp = [c for c in all_cp if c.id == checkpoint_id]
    if not all_cp:
        raise DataError(
            f"没有包含该条目的检查点 no checkpoint covers entry {index}: "
            "run `zhengji ledger checkpoint --key …` first"
        )
    cp = all_cp[-1]
    proof = tree.inclusion_proof(session, index, cp.size)
    return notes.format_proof(index, proof, cp.note, extra=encode_leaf(e.kind, e.record_digest))


def verify_proof(
    bundle: str,
    verifiers: Sequence[notes.Verifier],
    *,
    hash_suite: str = "sha256",
    origin: str | None = None,
    leaf_data: bytes | None = None,
    record: Mapping[str, Any] | None = None,
) -> list[str]:
    """Check a proof bundle offline; returns the problems found (empty: it verifies).

    The leaf is ``leaf_data`` if given, else the bundle's ``extra`` line; with ``record`` the
    record's digest must also be the one inside the leaf data.
    """
    problems: list[str] = []
    h = hash_function(hash_suite)
    b = notes.parse_proof(bundle)
    check = notes.verify_note(b.note, verifiers)
    if check.failed:
        problems.append(
            "签名验证失败 signature did not verify: " + ", ".join(v.name for v in check.failed)
        )
    if not check.verified:
        problems.append("没有可信签名 no signature from a trusted key")
    cp = notes.parse_checkpoint(check.text)
    if origin is not None and cp.origin != origin:
        problems.append(f"来源不符 origin {cp.origin!r} is not {origin!r}")
    data = leaf_data if leaf_data is not None else b.extra
    if data is None:
        problems.append("缺少叶数据 no leaf data (extra line) to check")
        return problems
    if record is not None:
        digest = h(canonical(record))
        if len(data) < 34 or data[-32:] != digest:
            problems.append("记录与叶不符 the record's digest is not the one in the leaf")
    if not verify_inclusion(leaf_hash(data, h), b.index, cp.size, b.proof, cp.root_hash, h):
        problems.append(
            f"包含证明无效 inclusion proof for index {b.index} does not lead to the signed root"
        )
    return problems
