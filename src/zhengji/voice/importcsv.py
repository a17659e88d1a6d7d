"""Import requests from a CSV export of an existing 12345 platform.

Columns (Chinese or English header; extra columns are ignored)::

    工单编号 ticket_id      required, unique; re-importing the same ticket changes nothing
    受理时间 accepted_at    required, ISO 8601 (China time when no offset)
    服务类型 service_code   required, a code of the service catalogue
    区县 county_id          required, a county unit id
    乡镇 township_id        optional
    地址 address / 诉求内容 description / 诉求人 name / 电话 phone   optional
    承办单位 unit_id        optional (default: routed as an Open311 request would be)
    签收时间 signed_at / 办结时间 completed_at                      optional
    满意度 satisfaction (1 不满意, 2 基本满意, 3 满意) / 是否解决 resolved (是/否)  optional

Every row is checked before anything is written; errors name file, line and column, and on
any error nothing is stored (one transaction). The rows are routed as an Open311 request would
be, given their time limits and lifecycle events (受理, 派单, 签收, 办结, 回访) and committed to
the ledger; the work is done by :mod:`zhengji.voice.bulkimport`, in chunks and set-wise SQL,
so a 10-million-row export imports in bounded memory.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from zhengji.voice.limits import TimeLimits
from zhengji.voice.units import Unit

__all__ = ["COLUMNS", "REQUIRED", "YES_NO", "ImportResult", "import_csv"]

#: canonical column → accepted headers
COLUMNS: dict[str, tuple[str, ...]] = {
    "ticket_id": ("工单编号", "ticket_id"),
    "accepted_at": ("受理时间", "accepted_at"),
    "service_code": ("服务类型", "service_code"),
    "county_id": ("区县", "county_id"),
    "township_id": ("乡镇", "township_id"),
    "address": ("地址", "address"),
    "description": ("诉求内容", "description"),
    "name": ("诉求人", "name"),
    "phone": ("电话", "phone"),
    "unit_id": ("承办单位", "unit_id"),
    "signed_at": ("签收时间", "signed_at"),
    "completed_at": ("办结时间", "completed_at"),
    "satisfaction": ("满意度", "satisfaction"),
    "resolved": ("是否解决", "resolved"),
}
REQUIRED = ("ticket_id", "accepted_at", "service_code", "county_id")
YES_NO = {
    "是": True,
    "yes": True,
    "y": True,
    "1": True,
    "true": True,
    "否": False,
    "no": False,
    "n": False,
    "0": False,
    "false": False,
}


@dataclass(frozen=True)
class ImportResult:
    added: int
    unchanged: int


def import_csv(
    session: Session,
    path: Path,
    units: Mapping[str, Unit],
    limits: TimeLimits,
    actor: str,
    *,
    on_progress: Callable[[int], None] | None = None,
    sync_events: bool = True,
) -> ImportResult:
    """Import a 12345 export into the caller's transaction (all or nothing).

    Every file goes through the bulk path (:mod:`zhengji.voice.bulkimport`: streamed in chunks,
    staged, set-wise SQL), a ten-line export as a ten-million-line one: one implementation of
    the rules. ``on_progress`` is told how many rows each chunk read; ``sync_events``: see
    :func:`zhengji.voice.bulkimport.import_bulk`."""
    from zhengji.voice.bulkimport import import_bulk

    return import_bulk(
        session, path, units, limits, actor, on_progress=on_progress, sync_events=sync_events
    )
