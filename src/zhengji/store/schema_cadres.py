"""ORM tables of cadre assessments, recommendation lists, warning-education cases (issue 9).

Migration 0009 creates exactly these; all are append-only (database triggers).

* ``cadre_evaluations`` — party-committee, peer (民主测评) and mass evaluations of a person for a
  period, as imported (file and line kept); a re-import adds a row, the latest row wins.
* ``cadre_batches`` — one assessment run of many people (kind, period, the TOML config used),
  committed to the ledger (kind ``cadre_assessment``).
* ``cadre_results`` — one person's result in a batch: grade, score, the inputs it was computed
  from (JSON, so it can be recomputed exactly) with their fingerprint, and the explanation.
* ``cadre_decisions`` — a reviewer's decision about a person on a list (ledger ``cadre_decision``).
* ``cadre_cases`` — warning-education cases (ledger ``warning_case``); ``facts`` hold no names.
* ``cadre_case_disclosures`` — decisions to put a case on (or take it off) the public list
  (ledger ``case_disclosure``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Double, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from zhengji.store.schema import Base

__all__ = [
    "APPEND_ONLY",
    "CadreBatchRow",
    "CadreCaseRow",
    "CadreDecisionRow",
    "CadreEvaluationRow",
    "CadreResultRow",
    "CaseDisclosureRow",
]


class CadreEvaluationRow(Base):
    __tablename__ = "cadre_evaluations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(String(64), index=True)
    period: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))  # party / peer / mass / special
    score: Mapped[float] = mapped_column(Double)
    raters: Mapped[int | None] = mapped_column(Integer)
    file: Mapped[str] = mapped_column(String(300))
    line: Mapped[int] = mapped_column(Integer)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column()


class CadreBatchRow(Base):
    __tablename__ = "cadre_batches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # annual / term / special
    label: Mapped[str] = mapped_column(String(200))  # period, tenure or programme
    config_toml: Mapped[str] = mapped_column(Text)
    config_fingerprint: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[str] = mapped_column(String(10))
    result_fingerprint: Mapped[str] = mapped_column(String(64))
    ledger_index: Mapped[int] = mapped_column(Integer, unique=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column()


class CadreResultRow(Base):
    __tablename__ = "cadre_results"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("cadre_batches.id"), index=True)
    person_id: Mapped[str] = mapped_column(String(64), index=True)
    grade: Mapped[str] = mapped_column(String(16))
    score: Mapped[float | None] = mapped_column(Double)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    inputs_fingerprint: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    result_fingerprint: Mapped[str] = mapped_column(String(64))


class CadreDecisionRow(Base):
    __tablename__ = "cadre_decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("cadre_batches.id"), index=True)
    person_id: Mapped[str] = mapped_column(String(64), index=True)
    list_kind: Mapped[str] = mapped_column(String(32))
    decision: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    reviewer: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime] = mapped_column()
    ledger_index: Mapped[int] = mapped_column(Integer, unique=True)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("cadre_decisions.id"), unique=True)


class CadreCaseRow(Base):
    __tablename__ = "cadre_cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    source_kind: Mapped[str] = mapped_column(String(32))  # finding / vanity / decision / tolerance
    source_ref: Mapped[str] = mapped_column(String(200), unique=True)
    tags: Mapped[list[str]] = mapped_column(JSON)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    ledger_index: Mapped[int] = mapped_column(Integer, unique=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column()


class CaseDisclosureRow(Base):
    __tablename__ = "cadre_case_disclosures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_code: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(16))  # disclose / withdraw
    reviewer: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[dt.datetime] = mapped_column()
    ledger_index: Mapped[int] = mapped_column(Integer, unique=True)


APPEND_ONLY: tuple[str, ...] = (
    "cadre_evaluations",
    "cadre_batches",
    "cadre_results",
    "cadre_decisions",
    "cadre_cases",
    "cadre_case_disclosures",
)
