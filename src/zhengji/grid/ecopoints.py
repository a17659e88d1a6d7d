"""Adapter to the eco-accounts capability (``zhengji.eco.service``): the one module that
knows how to award public-welfare points (生态公益积分). It uses the installed rulebook's items
(``volunteer_patrol``, ``tree_planting`` …) and ``award_many``, which commits each award to
the ledger. If the eco API changes, only this module changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from zhengji.eco import service as eco

__all__ = ["PointsAward", "award_points", "known_items"]


@dataclass(frozen=True)
class PointsAward:
    holder_id: str
    item_id: str
    period: str
    at: dt.datetime
    photo_ref: str
    lat: float
    lon: float
    evidence_at: dt.datetime


def known_items(session: Session) -> set[str]:
    """Item ids of the installed rulebook (raises the eco error when none is installed)."""
    _pk, rb = eco.current_rulebook(session)
    return {i.id for i in rb.items}


def award_points(session: Session, awards: Sequence[PointsAward], by: str) -> list[int]:
    """Award points for the given items; returns the eco entry ids."""
    pk, rb = eco.current_rulebook(session)
    eco.add_person(session, by, None, None)  # the recorder is the award's inspector (no name)
    inputs = [
        eco.AwardInput(
            holder_id=a.holder_id,
            item_id=a.item_id,
            period=a.period,
            inspector_id=by,
            awarded_at=a.at,
            photo_ref=a.photo_ref,
            lat=a.lat,
            lon=a.lon,
            evidence_at=a.evidence_at,
        )
        for a in awards
    ]
    return eco.award_many(session, pk, rb, inputs, by)
