"""ORM tables of accountability records (issue 3): tenures, decisions, projects, cases, dossiers.

Migration 0004 creates exactly these.

* ``acc_people`` — the only table that is **not** append-only: names of cadres and citizen
  supervisors (personal data, PIPL). Erasing a person blanks the name; records and ledger keep
  only the ``person_id``, so the log still verifies.
* ``acc_<kind>`` (tenures, decisions, projects, responsibilities, milestones, acceptances,
  outcomes, audits, cases, rulings) — one table per record kind, all the same shape
  (:class:`RecordColumns`): the record as committed to the ledger (``record``, JSON), a few
  indexed columns for queries, ``ledger_index`` of its leaf, and ``corrects_id`` when the row
  is a correction of an earlier one (a row is corrected at most once: chains stay linear).
  Append-only by database triggers.
* ``acc_dossiers`` — handover dossiers (离任交接) as generated: content, HTML, PDF, hashes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from zhengji.store.schema import Base

__all__ = [
    "APPEND_ONLY",
    "RECORD_TABLES",
    "AcceptanceRow",
    "AuditRow",
    "CaseRow",
    "DecisionRow",
    "DossierRow",
    "MilestoneRow",
    "OutcomeRow",
    "PersonRow",
    "ProjectRow",
    "RecordColumns",
    "ResponsibilityRow",
    "RulingRow",
    "TenureRow",
]


class PersonRow(Base):
    """A person (cadre or citizen supervisor); ``name`` is erasable personal data."""

    __tablename__ = "acc_people"
    person_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # cadre / supervisor
    created_at: Mapped[dt.datetime] = mapped_column()
    erased_at: Mapped[dt.datetime | None] = mapped_column()
    erased_by: Mapped[str | None] = mapped_column(String(200))
    erasure_reason: Mapped[str | None] = mapped_column(Text)
    erasure_ledger_index: Mapped[int | None] = mapped_column(Integer, unique=True)


class RecordColumns:
    """The columns every accountability record table shares."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), index=True)
    unit_id: Mapped[str | None] = mapped_column(String(64), index=True)
    person_id: Mapped[str | None] = mapped_column(String(64), index=True)
    ref_code: Mapped[str | None] = mapped_column(String(64), index=True)
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    ledger_index: Mapped[int] = mapped_column(Integer, unique=True)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column()

    @declared_attr
    def corrects_id(cls) -> Mapped[int | None]:  # noqa: N805 - SQLAlchemy passes the class
        table = cls.__tablename__  # type: ignore[attr-defined]
        return mapped_column(ForeignKey(f"{table}.id"), unique=True)


class TenureRow(RecordColumns, Base):
    __tablename__ = "acc_tenures"


class DecisionRow(RecordColumns, Base):
    __tablename__ = "acc_decisions"


class ProjectRow(RecordColumns, Base):
    __tablename__ = "acc_projects"


class ResponsibilityRow(RecordColumns, Base):
    __tablename__ = "acc_responsibilities"


class MilestoneRow(RecordColumns, Base):
    __tablename__ = "acc_milestones"


class AcceptanceRow(RecordColumns, Base):
    __tablename__ = "acc_acceptances"


class OutcomeRow(RecordColumns, Base):
    __tablename__ = "acc_outcomes"


class AuditRow(RecordColumns, Base):
    __tablename__ = "acc_audits"


class CaseRow(RecordColumns, Base):
    __tablename__ = "acc_cases"


class RulingRow(RecordColumns, Base):
    __tablename__ = "acc_rulings"


#: record kind → its table class (the kind is also the ledger record kind).
RECORD_TABLES: dict[str, type[RecordColumns]] = {
    "tenure": TenureRow,
    "decision": DecisionRow,
    "project": ProjectRow,
    "responsibility": ResponsibilityRow,
    "milestone": MilestoneRow,
    "acceptance": AcceptanceRow,
    "outcome": OutcomeRow,
    "audit": AuditRow,
    "case": CaseRow,
    "ruling": RulingRow,
}


class DossierRow(Base):
    """A handover dossier as generated; its hashes are committed to the ledger."""

    __tablename__ = "acc_dossiers"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(64), index=True)
    post: Mapped[str] = mapped_column(String(32))
    outgoing_tenure: Mapped[str] = mapped_column(String(64))
    incoming_tenure: Mapped[str | None] = mapped_column(String(64))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    html: Mapped[str] = mapped_column(Text)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    html_sha256: Mapped[str] = mapped_column(String(64))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    ledger_index: Mapped[int] = mapped_column(Integer, unique=True)
    generated_by: Mapped[str] = mapped_column(String(200))
    generated_at: Mapped[dt.datetime] = mapped_column()


APPEND_ONLY: tuple[str, ...] = (
    *(t.__tablename__ for t in RECORD_TABLES.values()),  # type: ignore[attr-defined]
    "acc_dossiers",
)
