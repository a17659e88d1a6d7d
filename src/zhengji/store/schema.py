"""Tables of the store. The migration in ``migrations/versions`` creates exactly these.

``observations``, ``veto_events`` and ``imports`` are append-only (database triggers refuse
UPDATE and DELETE): a correction is a new row whose ``supersedes_id`` points at the row it
replaces, so every published score can be traced back to the values it was computed from.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, Double, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AssessmentRunRow",
    "Base",
    "FindingEventRow",
    "FindingRow",
    "ImportRow",
    "ObservationRecord",
    "SchemeVersionRow",
    "ScreenRow",
    "UnitRecord",
    "VetoEventRecord",
]


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        float: Double,
        str: String,
        dt.datetime: DateTime(timezone=True),
    }


class SchemeVersionRow(Base):
    """A scheme as it was used; ``fingerprint`` is ``zhengji.scheme.scheme_fingerprint``."""

    __tablename__ = "scheme_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[str]
    version: Mapped[str]
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    toml: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column()


class ImportRow(Base):
    """One bundle import; counts are known before the row is written (it is never updated)."""

    __tablename__ = "imports"
    id: Mapped[int] = mapped_column(primary_key=True)
    source_path: Mapped[str] = mapped_column(Text)
    bundle_fingerprint: Mapped[str] = mapped_column(String(64))
    scheme_version_id: Mapped[int] = mapped_column(ForeignKey("scheme_versions.id"))
    created_at: Mapped[dt.datetime] = mapped_column()
    rows_added: Mapped[int]
    rows_unchanged: Mapped[int]
    units_added: Mapped[int]
    vetoes_added: Mapped[int]


class UnitRecord(Base):
    """An assessed unit; ``position`` keeps the order units were first listed in."""

    __tablename__ = "units"
    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("units.id"))
    level: Mapped[str]
    category: Mapped[str]
    attributes: Mapped[dict[str, Any]]
    position: Mapped[int]
    first_import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"))


class ObservationRecord(Base):
    """One version of one value (append-only)."""

    __tablename__ = "observations"
    __table_args__ = (Index("ix_observations_key", "unit_id", "period", "indicator_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"))
    period: Mapped[str]
    indicator_id: Mapped[str]
    value: Mapped[float]
    source: Mapped[str]
    extra: Mapped[dict[str, Any]]
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"), index=True)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("observations.id"), unique=True)
    recorded_at: Mapped[dt.datetime] = mapped_column()


class VetoEventRecord(Base):
    """One version of a confirmed veto event (append-only); a version with ``withdrawn`` set
    lifts the veto (a confirmed finding reversed on review) without erasing its history."""

    __tablename__ = "veto_events"
    __table_args__ = (Index("ix_veto_events_key", "unit_id", "period", "veto_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"))
    period: Mapped[str]
    veto_id: Mapped[str]
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text)
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"), index=True)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("veto_events.id"), unique=True)
    recorded_at: Mapped[dt.datetime] = mapped_column()
    withdrawn: Mapped[bool] = mapped_column(default=False, server_default=false())


class AssessmentRunRow(Base):
    """A recorded assessment: what went in (fingerprints, import) and a summary of what came
    out (per-unit score, rank, grade)."""

    __tablename__ = "assessment_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_version_id: Mapped[int] = mapped_column(ForeignKey("scheme_versions.id"))
    period: Mapped[str]
    input_fingerprint: Mapped[str] = mapped_column(String(64))
    result_fingerprint: Mapped[str] = mapped_column(String(64))
    as_of_import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))
    created_at: Mapped[dt.datetime] = mapped_column()
    result: Mapped[dict[str, Any]]


class ScreenRow(Base):
    """One integrity screening of the store's data (append-only)."""

    __tablename__ = "screens"
    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_version_id: Mapped[int] = mapped_column(ForeignKey("scheme_versions.id"))
    as_of_import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))
    created_at: Mapped[dt.datetime] = mapped_column()
    not_tested: Mapped[list[Any]] = mapped_column(JSON)


class FindingRow(Base):
    """A finding of a screen: the evidence as it was when found (append-only)."""

    __tablename__ = "findings"
    __table_args__ = (Index("ix_findings_screen", "screen_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    screen_id: Mapped[int] = mapped_column(ForeignKey("screens.id"))
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("units.id"))
    scope: Mapped[str]  # the unit id, or "*" / "*<category>" for a pooled finding
    indicator_id: Mapped[str]
    periods: Mapped[list[Any]] = mapped_column(JSON)
    check: Mapped[str]
    statistic: Mapped[float | None]
    p_value: Mapped[float | None]
    q_value: Mapped[float | None]
    severity: Mapped[str]
    evidence: Mapped[dict[str, Any]]
    summary_zh: Mapped[str] = mapped_column(Text)
    summary_en: Mapped[str] = mapped_column(Text)


class FindingEventRow(Base):
    """A step of a finding's review: explain, confirm, dismiss (append-only, who and when)."""

    __tablename__ = "finding_events"
    __table_args__ = (Index("ix_finding_events_finding", "finding_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"))
    action: Mapped[str]
    actor: Mapped[str]
    text: Mapped[str] = mapped_column(Text)
    veto_import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column()
