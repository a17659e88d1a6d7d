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
any error nothing is stored (one transaction).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from zhengji.errors import DataError
from zhengji.store.schema_voice import VoiceEventRow
from zhengji.voice import catalogue, ledgering
from zhengji.voice.limits import CHINA, TimeLimits
from zhengji.voice.requests import Requester, Submission, submit
from zhengji.voice.units import Unit

__all__ = ["COLUMNS", "ImportResult", "import_csv"]

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
_EVENTS: Table = VoiceEventRow.__table__  # type: ignore[assignment]
REQUIRED = ("ticket_id", "accepted_at", "service_code", "county_id")
_YES = {
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


def _time(v: str) -> dt.datetime:
    t = dt.datetime.fromisoformat(v.strip().replace("/", "-"))
    return t if t.tzinfo else t.replace(tzinfo=CHINA)


def _parse(path: Path, units: Mapping[str, Unit]) -> list[dict[str, Any]]:
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(
            "文件不是 UTF-8 编码 not UTF-8",
            [(name, None, None, "请另存为 UTF-8 CSV save as CSV UTF-8")],
        ) from None
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if header is None:
        raise DataError("文件为空 empty file", [(name, 1, None, "no header")])
    where: dict[str, int] = {}
    for canon, names in COLUMNS.items():
        for i, h in enumerate(header):
            if h.strip() in names:
                where[canon] = i
    problems: list[tuple[str, int | None, str | None, str]] = []
    for canon in REQUIRED:
        if canon not in where:
            problems.append((name, 1, COLUMNS[canon][0], f"缺少列 missing column ({canon})"))
    if problems:
        raise DataError("导入文件无效 invalid import file", problems)
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for line, raw in enumerate(reader, start=2):
        if not any(c.strip() for c in raw):
            continue
        rec = {c: (raw[i].strip() if i < len(raw) else "") for c, i in where.items()}

        def bad(col: str, msg: str, rec: dict[str, Any] = rec, line: int = line) -> None:
            problems.append((name, line, COLUMNS[col][0], f"{msg}: '{rec.get(col, '')}'"))

        for col in REQUIRED:
            if not rec[col]:
                bad(col, "必填 required")
        out: dict[str, Any] = {"line": line, **rec}
        for col in ("accepted_at", "signed_at", "completed_at"):
            if rec.get(col):
                try:
                    out[col] = _time(rec[col])
                except ValueError:
                    bad(col, "时间格式应为 ISO 8601 time must be like 2025-03-01 09:30")
            else:
                out[col] = None
        if rec["service_code"] and catalogue.service(rec["service_code"]) is None:
            bad("service_code", "未知服务类型 unknown service code")
        if rec["county_id"] and units.get(rec["county_id"], Unit("", "", None, "")).level != (
            "county"
        ):
            bad("county_id", "未知区县 unknown county")
        for col in ("township_id", "unit_id"):
            if rec.get(col) and rec[col] not in units:
                bad(col, "未知单位 unknown unit")
        sat = rec.get("satisfaction", "")
        out["satisfaction"] = None
        if sat:
            if sat not in ("1", "2", "3"):
                bad("satisfaction", "满意度应为 1、2、3 must be 1, 2 or 3")
            else:
                out["satisfaction"] = int(sat)
        res = rec.get("resolved", "")
        out["resolved"] = None
        if res:
            if res.lower() not in _YES:
                bad("resolved", "应为 是/否 must be yes or no")
            else:
                out["resolved"] = _YES[res.lower()]
        if out.get("completed_at") and not out.get("signed_at"):
            bad("signed_at", "有办结时间须有签收时间 a completed ticket needs its sign-for time")
        order = [out.get(c) for c in ("accepted_at", "signed_at", "completed_at")]
        known = [t for t in order if isinstance(t, dt.datetime)]
        if known != sorted(known):
            bad("completed_at", "时间顺序应为 受理 ≤ 签收 ≤ 办结 times must be in order")
        if out["satisfaction"] is not None and not out.get("completed_at"):
            bad("completed_at", "有满意度但无办结时间 satisfaction given but not completed")
        if rec["ticket_id"] in seen:
            bad(
                "ticket_id",
                f"与第 {seen[rec['ticket_id']]} 行重复 duplicate of line {seen[rec['ticket_id']]}",
            )
        seen[rec["ticket_id"]] = line
        rows.append(out)
    if problems:
        raise DataError(
            f"导入文件有 {len(problems)} 处错误，未导入任何数据 nothing imported", problems
        )
    return rows


def import_csv(
    session: Session, path: Path, units: Mapping[str, Unit], limits: TimeLimits, actor: str
) -> ImportResult:
    """Import a 12345 export into the caller's transaction (all or nothing)."""
    rows = _parse(path, units)
    added = unchanged = 0
    events: list[dict[str, Any]] = []
    now = dt.datetime.now(dt.UTC)
    for r in rows:
        sub = Submission(
            jurisdiction_id=r["county_id"],
            service_code=r["service_code"],
            channel="import",
            actor=actor,
            description=r.get("description") or None,
            address=r.get("address") or None,
            address_id=r.get("township_id") or None,
            requester=Requester(name=r.get("name") or None, phone=r.get("phone") or None),
            idempotency_key=f"12345:{r['ticket_id']}",
            requested_at=r["accepted_at"],
            extra={"ticket_id": r["ticket_id"], "source_line": r["line"]},
        )
        if not (sub.address or sub.address_id):
            sub = Submission(**{**sub.__dict__, "address": r["county_id"]})
        done = submit(session, sub, units, limits, at=now)
        if done.replayed:
            unchanged += 1
            continue
        added += 1
        base = {
            "request_id": done.id,
            "actor": actor,
            "recorded_at": now,
            "note": None,
            "resolved": None,
            "satisfaction": None,
            "related_id": None,
        }
        unit = r.get("unit_id") or done.unit_id
        if r.get("unit_id") and r["unit_id"] != done.unit_id:
            events.append(
                {
                    **base,
                    "action": "dispatch",
                    "state": "dispatched",
                    "unit_id": unit,
                    "at": r["accepted_at"],
                    "note": "按原平台承办单位 unit from export",
                }
            )
        if r["signed_at"]:
            events.append(
                {**base, "action": "sign", "state": "signed", "unit_id": unit, "at": r["signed_at"]}
            )
        if r["completed_at"]:
            events.append(
                {
                    **base,
                    "action": "complete",
                    "state": "completed",
                    "unit_id": unit,
                    "at": r["completed_at"],
                }
            )
        if r["satisfaction"] is not None:
            ok = r["satisfaction"] >= 2
            events.append(
                {
                    **base,
                    "action": "callback_satisfied" if ok else "callback_unsatisfied",
                    "state": "closed" if ok else "reopened",
                    "unit_id": unit,
                    "at": r["completed_at"],
                    "satisfaction": r["satisfaction"],
                    "resolved": r["resolved"],
                }
            )
    if events:
        session.connection().execute(_EVENTS.insert(), events)
    if added and ledgering.enabled():
        # the imported history as one leaf: which file (its SHA-256) added how many requests
        from zhengji.ledger.log import append

        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        append(
            session,
            "voice.import",
            {
                "file": path.name,
                "sha256": digest,
                "added": added,
                "events": len(events),
                "actor": actor,
            },
        )
        ledgering.sync(session)
    return ImportResult(added, unchanged)
