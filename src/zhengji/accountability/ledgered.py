"""Loaders that let ``zhengji ledger verify`` recompute every accountability leaf.

The ledger keeps only digests; verification asks each domain for its records by leaf index
(``zhengji.ledger.records``). Importing :mod:`zhengji.accountability` registers one loader per
ledger kind written here: the ten record kinds, ``correction``, ``dossier`` and ``erasure``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhengji.accountability.service import dossier_payload, erasure_payload, ledger_payload
from zhengji.ledger.records import register_records
from zhengji.store.schema_accountability import RECORD_TABLES, DossierRow, PersonRow

__all__ = ["register"]

Pairs = Iterator[tuple[int, Mapping[str, Any]]]


def _rows(session: Session, kind: str, corrections: bool) -> Pairs:
    t: Any = RECORD_TABLES[kind]
    rows = list(session.scalars(select(t).order_by(t.id)))
    index_of = {r.id: r.ledger_index for r in rows}
    for r in rows:
        if (r.corrects_id is not None) == corrections:
            corrected = index_of[r.corrects_id] if r.corrects_id is not None else None
            yield r.ledger_index, ledger_payload(kind, r, corrected)


def _kind_loader(kind: str) -> Any:
    def load(session: Session) -> Pairs:
        return _rows(session, kind, corrections=False)

    return load


def _corrections(session: Session) -> Pairs:
    for kind in RECORD_TABLES:
        yield from _rows(session, kind, corrections=True)


def _dossiers(session: Session) -> Pairs:
    for d in session.scalars(select(DossierRow).order_by(DossierRow.id)):
        yield d.ledger_index, dossier_payload(d)


def _erasures(session: Session) -> Pairs:
    q = select(PersonRow).where(PersonRow.erasure_ledger_index.is_not(None))
    for p in session.scalars(q):
        assert p.erasure_ledger_index is not None
        yield p.erasure_ledger_index, erasure_payload(p)


def register() -> None:
    """Register the loaders (idempotent)."""
    for kind in RECORD_TABLES:
        register_records(kind, _kind_loader(kind))
    register_records("correction", _corrections)
    register_records("dossier", _dossiers)
    register_records("erasure", _erasures)
