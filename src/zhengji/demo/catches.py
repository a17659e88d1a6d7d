"""Which flagged findings catch a planted demo manipulation (so the demo can show it)."""

from __future__ import annotations

from collections.abc import Iterable

from zhengji.demo.world import PlantedCase
from zhengji.integrity.findings import Finding

__all__ = ["catches"]


def catches(case: PlantedCase, flagged: Iterable[Finding]) -> list[Finding]:
    """Flagged findings of the planted case's check on its units (or pooled, unit ``*``)."""
    return [
        f
        for f in flagged
        if f.check == case.check
        and (f.unit_id in case.unit_ids or f.unit_id == "*")
        and case.indicator_id in (f.indicator_id, "*")
    ]
