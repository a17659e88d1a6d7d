"""Record loaders for ledger verification: rebuild every eco record exactly as appended.

``zhengji ledger verify`` recomputes each leaf from these (see :mod:`zhengji.ledger.records`);
an altered entry, sign-off, objection, ruling or stored GEP price table then no longer matches
its leaf. Every entry, sign-off, objection and ruling is ledgered by its writer
(``zhengji.eco.service``), so their tables are declared fully ledgered: a row without a leaf
index was inserted around the ledger and verification reports it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhengji.eco import pricebook
from zhengji.eco.service import entry_record, utc
from zhengji.ledger.records import register_ledgered_table, register_records
from zhengji.store.schema_eco import (
    EcoEntryRow,
    EcoGepPriceTableRow,
    EcoObjectionRow,
    EcoRulingRow,
    EcoSignoffRow,
)

__all__ = ["register"]

_ENTRY_COLS = (
    "id", "kind", "rulebook_pk", "item_id", "period", "holder_id", "debit_account",
    "credit_account", "points", "inspector_id", "photo_ref", "device_id", "reverses_id",
    "reason", "recorded_by", "awarded_at", "valid_until", "objection_until", "evidence_at",
    "lat", "lon", "ledger_index",
)  # fmt: skip


def _entries(session: Session) -> Iterator[tuple[int, Mapping[str, Any]]]:
    signs = {
        e: (p, utc(t), li)
        for e, p, t, li in session.execute(
            select(
                EcoSignoffRow.entry_id,
                EcoSignoffRow.person_id,
                EcoSignoffRow.signed_at,
                EcoSignoffRow.ledger_index,
            )
        )
    }
    cols = [getattr(EcoEntryRow, c) for c in _ENTRY_COLS]
    for row in session.execute(select(*cols).where(EcoEntryRow.ledger_index.is_not(None))):
        r = dict(zip(_ENTRY_COLS, row, strict=True))
        rec = entry_record(r)
        s = signs.get(r["id"])
        if s is not None and s[2] == r["ledger_index"]:
            rec["signoff"] = {"person_id": s[0], "signed_at": s[1].isoformat()}
        yield r["ledger_index"], rec


def _signoffs(session: Session) -> Iterator[tuple[int, Mapping[str, Any]]]:
    q = (
        select(
            EcoSignoffRow.entry_id,
            EcoSignoffRow.person_id,
            EcoSignoffRow.signed_at,
            EcoSignoffRow.ledger_index,
        )
        .join(EcoEntryRow, EcoEntryRow.id == EcoSignoffRow.entry_id)
        .where(EcoSignoffRow.ledger_index != EcoEntryRow.ledger_index)
    )
    for e, p, t, li in session.execute(q):
        if li is not None:
            yield li, {"entry_id": e, "person_id": p, "signed_at": utc(t).isoformat()}


def _objections(session: Session) -> Iterator[tuple[int, Mapping[str, Any]]]:
    q = select(
        EcoObjectionRow.id,
        EcoObjectionRow.entry_id,
        EcoObjectionRow.raised_at,
        EcoObjectionRow.ledger_index,
    )
    for i, e, t, li in session.execute(q):
        if li is not None:
            yield li, {"id": i, "entry_id": e, "raised_at": utc(t).isoformat()}


def _rulings(session: Session) -> Iterator[tuple[int, Mapping[str, Any]]]:
    for r in session.scalars(select(EcoRulingRow)):
        if r.ledger_index is not None:
            yield r.ledger_index, {
                "id": r.id, "objection_id": r.objection_id, "upheld": r.upheld,
                "person_id": r.person_id, "reversal_id": r.reversal_id,
            }  # fmt: skip


def _price_tables(session: Session) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """The record of each stored table; a text that no longer matches its stored hash gives
    the text's own hash, so altering either the text or the hash breaks the leaf."""
    for r in session.scalars(select(EcoGepPriceTableRow)):
        text_sha = pricebook.sha256_of(r.toml)
        info = pricebook.TableInfo(
            r.version,
            r.sha256 if text_sha == r.sha256 else f"{r.sha256} != {text_sha}",
            "stored",
            r.source_name,
            utc(r.imported_at),
            r.imported_by,
            r.note,
        )
        yield r.ledger_index, pricebook.record_of(info)


def register() -> None:
    register_records("eco_entry", _entries)
    register_records("eco_signoff", _signoffs)
    register_records("eco_objection", _objections)
    register_records("eco_ruling", _rulings)
    register_records(pricebook.KIND, _price_tables)
    # eco_gep_price_tables.ledger_index is NOT NULL already: the database refuses such rows
    for table in ("eco_entries", "eco_signoffs", "eco_objections", "eco_objection_rulings"):
        register_ledgered_table(table)
