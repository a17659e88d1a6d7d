"""ORM tables of the ledger (issue 3): leaves, precomputed nodes, checkpoints.

Migration 0003 creates exactly these; every one is append-only at the database level.

* ``ledger_meta``: one row (``id`` 1) fixing the hash suite and the checkpoint origin when the
  ledger is created; appenders lock it (PostgreSQL ``SELECT … FOR UPDATE``) to serialise.
* ``ledger_leaves``: one row per leaf, ``idx`` 0, 1, 2 … without gaps. Only the record kind and
  the record digest are kept (never the record), so erasing a record leaves the log intact.
* ``ledger_nodes``: every complete (perfect) subtree hash, level ≥ 1: node ``(level, idx)`` is
  MTH of leaves ``[idx·2^level, (idx+1)·2^level)``. Roots and proofs at any size are folds of
  O(log n) of these (see ``zhengji.ledger.tree``).
* ``ledger_checkpoints`` / ``ledger_cosignatures``: signed notes (C2SP tlog-checkpoint) and
  witness cosignature lines added later; ``ledger_keys``: public (verifier) keys only.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from zhengji.store.schema import Base

__all__ = [
    "LEDGER_TABLES",
    "LedgerCheckpointRow",
    "LedgerCosignatureRow",
    "LedgerKeyRow",
    "LedgerLeafRow",
    "LedgerMetaRow",
    "LedgerNodeRow",
]


class LedgerMetaRow(Base):
    """The ledger's fixed parameters; exactly one row, ``id`` 1, written once."""

    __tablename__ = "ledger_meta"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    hash_suite: Mapped[str] = mapped_column(String(16))
    origin: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column()


class LedgerLeafRow(Base):
    """Leaf ``idx``: leaf data is ``encode_leaf(kind, record_digest)`` (docs/ledger.md)."""

    __tablename__ = "ledger_leaves"
    idx: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(64))
    record_digest: Mapped[bytes] = mapped_column(LargeBinary(32))
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerNodeRow(Base):
    """A perfect subtree: MTH of leaves ``[idx·2^level, (idx+1)·2^level)``, level ≥ 1."""

    __tablename__ = "ledger_nodes"
    # SQLite: a clustered primary key (WITHOUT ROWID), one B-tree descent per node read
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012 - SQLAlchemy's declarative API
    level: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerCheckpointRow(Base):
    """A signed checkpoint: the whole signed note as issued (origin, size, root, signatures)."""

    __tablename__ = "ledger_checkpoints"
    id: Mapped[int] = mapped_column(primary_key=True)
    size: Mapped[int]
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column()


class LedgerCosignatureRow(Base):
    """A witness's signature line on a stored checkpoint (C2SP tlog-cosignature/v1)."""

    __tablename__ = "ledger_cosignatures"
    id: Mapped[int] = mapped_column(primary_key=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("ledger_checkpoints.id"))
    key_name: Mapped[str] = mapped_column(String(200))
    line: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column()
    __table_args__ = (Index("ix_ledger_cosignatures_checkpoint", "checkpoint_id"),)


class LedgerKeyRow(Base):
    """A verifier (public) key in signed-note vkey form; private keys are never stored."""

    __tablename__ = "ledger_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    algorithm: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16))
    vkey: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column()


LEDGER_TABLES = (
    "ledger_meta",
    "ledger_leaves",
    "ledger_nodes",
    "ledger_checkpoints",
    "ledger_cosignatures",
    "ledger_keys",
)
"""All ledger tables; every one is append-only (migration 0003)."""
