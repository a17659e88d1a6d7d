"""Loaders that let ``zhengji ledger verify`` recompute every cadre leaf (see
``zhengji.ledger.records``): ``cadre_assessment``, ``cadre_decision``, ``warning_case``,
``case_disclosure``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhengji.ledger.records import register_records
from zhengji.store.schema_cadres import (
    CadreBatchRow,
    CadreCaseRow,
    CadreDecisionRow,
    CadreResultRow,
    CaseDisclosureRow,
)

__all__ = ["register"]

Pairs = Iterator[tuple[int, Mapping[str, Any]]]


def _batches(session: Session) -> Pairs:
    from zhengji.cadres.service import batch_payload

    for b in session.scalars(select(CadreBatchRow).order_by(CadreBatchRow.id)):
        q = (
            select(CadreResultRow)
            .where(CadreResultRow.batch_id == b.id)
            .order_by(CadreResultRow.id)
        )
        yield b.ledger_index, batch_payload(b, list(session.scalars(q)))


def _decisions(session: Session) -> Pairs:
    from zhengji.cadres.lists import decision_payload

    rows = list(session.scalars(select(CadreDecisionRow).order_by(CadreDecisionRow.id)))
    index = {r.id: r.ledger_index for r in rows}
    for r in rows:
        yield (
            r.ledger_index,
            decision_payload(r, None if r.supersedes_id is None else index[r.supersedes_id]),
        )


def _cases(session: Session) -> Pairs:
    from zhengji.cadres.cases import case_payload

    for c in session.scalars(select(CadreCaseRow).order_by(CadreCaseRow.id)):
        yield c.ledger_index, case_payload(c)


def _disclosures(session: Session) -> Pairs:
    from zhengji.cadres.cases import disclosure_payload

    for d in session.scalars(select(CaseDisclosureRow).order_by(CaseDisclosureRow.id)):
        yield d.ledger_index, disclosure_payload(d)


def register() -> None:
    register_records("cadre_assessment", _batches)
    register_records("cadre_decision", _decisions)
    register_records("warning_case", _cases)
    register_records("case_disclosure", _disclosures)
