"""ORM table of stored analysis results of a recorded run (issue 6): uncertainty, sensitivity.

Migration 0011 creates exactly this table, append-only at the database level: rerunning an
analysis adds a row (the newest is shown), so what was shown to whom, when, stays traceable.
The row keeps the scheme's ``[uncertainty]`` spec and the seed, so the result can be rebuilt.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from zhengji.store.schema import Base

__all__ = ["ANALYSIS_TABLES", "AnalysisResultRow"]

ANALYSIS_TABLES = ("analysis_results",)


class AnalysisResultRow(Base):
    """One analysis of one stored run: its kind, spec, seed and JSON result (append-only)."""

    __tablename__ = "analysis_results"
    __table_args__ = (Index("ix_analysis_results_run_kind", "run_id", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("assessment_runs.id"))
    kind: Mapped[str] = mapped_column(String(16))  # "uncertainty" | "sensitivity"
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    seed: Mapped[int]
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(200))
