"""Adapter to the unit hierarchy above villages: townships and their counties.

Reads both the assessment ``units`` table (level ``township``) and the voice capability's
``voice_units`` (level ``township``), so a grid can sit under a township known to either. The
only place that knows those tables' shapes.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhengji.store.schema import UnitRecord
from zhengji.store.schema_voice import VoiceUnitRow

__all__ = ["townships"]


def townships(session: Session) -> dict[str, str]:
    """township id → county id."""
    out: dict[str, str] = {}
    for tid, parent in session.execute(
        select(VoiceUnitRow.id, VoiceUnitRow.parent_id).where(VoiceUnitRow.level == "township")
    ):
        if parent:
            out[tid] = parent
    for tid, parent in session.execute(
        select(UnitRecord.id, UnitRecord.parent_id).where(UnitRecord.level == "township")
    ):
        if parent:
            out.setdefault(tid, parent)
    return out
