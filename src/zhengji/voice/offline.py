"""Offline channels: requests a cadre writes down on a home visit (入户走访) or at a
reception day (集中接访). Same lifecycle and time limits as the online ones; the visit's
cadre, place and time are kept with the request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy.orm import Session

from zhengji.errors import DataError
from zhengji.voice.limits import TimeLimits
from zhengji.voice.requests import Requester, Submission, Submitted, submit
from zhengji.voice.units import Unit

__all__ = ["KINDS", "record_offline"]

KINDS = {"visit": "入户走访 home visit", "reception": "集中接访 reception day"}


def record_offline(
    session: Session,
    units: Mapping[str, Unit],
    limits: TimeLimits,
    *,
    kind: str,
    visitor: str,
    place: str,
    visited_at: dt.datetime,
    township_id: str,
    service_code: str,
    description: str,
    requester: Requester | None = None,
) -> Submitted:
    """Record a request taken offline; the clock starts at the visit."""
    if kind not in KINDS:
        raise DataError(f"未知方式 unknown kind '{kind}'; {sorted(KINDS)}")
    if not visitor.strip() or not place.strip():
        raise DataError("需要走访/接访人员和地点 visitor and place are required")
    town = units.get(township_id)
    if town is None or town.level != "township" or town.parent_id is None:
        raise DataError(f"未知乡镇 unknown township '{township_id}'")
    sub = Submission(
        jurisdiction_id=town.parent_id,
        service_code=service_code,
        channel=kind,
        actor=f"cadre:{visitor}",
        description=description,
        address=place,
        address_id=township_id,
        requester=requester or Requester(),
        requested_at=visited_at,
        extra={"visitor": visitor, "place": place, "visited_at": visited_at.isoformat()},
    )
    return submit(session, sub, units, limits)
