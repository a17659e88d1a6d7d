"""Run the anti-fraud signals on stored awards and record them as integrity findings."""

from __future__ import annotations

import datetime as dt
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

__all__ = ["awards", "record_findings", "screen"]


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
    caps = {i.id: i.cap for i in rb.items}
    points = {i.id: i.points for i in rb.items}
    return screen_awards(aw, caps, points, holder_points, rb.tier_step, rb.total_cap, period)


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
