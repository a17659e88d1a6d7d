"""Run the anti-fraud signals on stored awards and record them as integrity findings."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from zhengji.eco.fraud import Award, screen_awards
from zhengji.eco.rulebook import Rulebook
from zhengji.eco.service import holder_balances, utc
from zhengji.integrity.findings import Finding
from zhengji.scheme.model import Scheme
from zhengji.store.findings import record_screen
from zhengji.store.schema import UnitRecord
from zhengji.store.schema_eco import EcoEntryRow, EcoHolderRow

__all__ = ["awards", "limits", "record_findings", "screen", "table_rows"]


def awards(session: Session, period: str) -> list[Award]:
    """Awards of ``period`` that were not reversed."""
    rev = aliased(EcoEntryRow)
    e = EcoEntryRow
    q = (
        select(
            e.id,
            e.holder_id,
            EcoHolderRow.county_id,
            e.inspector_id,
            e.item_id,
            e.period,
            e.points,
            e.awarded_at,
            e.device_id,
            e.lat,
            e.lon,
        )
        .join(EcoHolderRow, EcoHolderRow.id == e.holder_id)
        .outerjoin(rev, rev.reverses_id == e.id)
        .where(e.kind == "award", e.period == period, rev.id.is_(None))
        .order_by(e.id)
    )
    return [
        Award(i, h, c, insp, it, per, pts, utc(at), dev, lat, lon)
        for i, h, c, insp, it, per, pts, at, dev, lat, lon in session.execute(q)
    ]


def screen(session: Session, rb: Rulebook, period: str, as_of: dt.datetime) -> list[Finding]:
    aw = awards(session, period)
    county = {a.holder_id: a.county_id for a in aw}
    bal = holder_balances(session, rb, as_of)
    holder_points = {h: (county[h], b.points) for h, b in bal.items() if h in county}
    caps, points = limits(rb)
    return screen_awards(aw, caps, points, holder_points, rb.tier_step, rb.total_cap, period)


def limits(rb: Rulebook) -> tuple[dict[str, int], dict[str, int]]:
    """Item → cap in force, item → points: "just under the cap" is measured from the cap awards
    can reach (a cap of 42 at 10 points stops at 40; a holder at 40 is at the cap, not under)."""
    return {i.id: i.cap_in_force for i in rb.items}, {i.id: i.points for i in rb.items}


def _num(x: float, fmt: str) -> str:
    return format(x, fmt) if math.isfinite(x) else "—"


def table_rows(found: Sequence[Finding]) -> list[tuple[str, str, str, str, str, str, str]]:
    """Rows of the flagged findings for ``zhengji eco screen``: check, unit, subject, statistic,
    p, q, severity. Records (a shared device, a location cluster) are not tests: they have no
    q-value, so p and q print as "—" rather than 0 and nan."""
    rows = []
    for f in found:
        if f.severity == "info":
            continue
        record = not math.isfinite(f.q_value)
        rows.append(
            (
                f.check,
                f.unit_id,
                f.indicator_id,
                _num(f.statistic, ".3g"),
                "—" if record else _num(f.p_value, ".2g"),
                _num(f.q_value, ".2g"),
                f.severity,
            )
        )
    return rows


def record_findings(session: Session, scheme: Scheme, findings: Sequence[Finding]) -> int:
    """Store the findings as one integrity screen (units not in the store become scopes ``*…``)."""
    known = set(session.scalars(select(UnitRecord.id)))
    from dataclasses import replace

    fixed = [f if f.unit_id in known else replace(f, unit_id=f"*{f.unit_id}") for f in findings]
    return record_screen(
        session,
        scheme,
        fixed,
        None,
        [{"check": "eco_accounts", "note": "生态账户反作弊 eco-account anti-fraud signals"}],
    )
