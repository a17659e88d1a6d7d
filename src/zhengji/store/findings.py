"""Integrity findings in the store, and their review workflow (all append-only).

A screen records its findings as they were found. A finding's state is the last of its events:
``open`` (no event) → ``explained`` (the unit's explanation) → ``confirmed`` or ``dismissed``
by a reviewer, with a reason; a confirmation can be ``withdrawn`` on review or appeal (and a
withdrawn one confirmed again). Nothing is updated or deleted. Confirming a falsification
writes a veto event through the ordinary append-only import path, so the next assessment of
that unit and period applies the scheme's veto and stays reproducible from the store;
withdrawing writes a new version of that event that lifts the veto from then on (runs
recorded before keep theirs).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from zhengji.errors import StoreError
from zhengji.scheme.model import Scheme
from zhengji.store.ops import scheme_version_id
from zhengji.store.schema import (
    FindingEventRow,
    FindingRow,
    ImportRow,
    ScreenRow,
    UnitRecord,
    VetoEventRecord,
)

__all__ = [
    "ACTIONS",
    "FindingLike",
    "StoredFinding",
    "act_on_finding",
    "list_findings",
    "record_screen",
    "screen_scheme",
]

# action → (states it may follow, state it leads to, needs a reason)
ACTIONS: Mapping[str, tuple[frozenset[str], str, bool]] = {
    "explain": (frozenset({"open", "explained"}), "explained", True),
    "confirm": (frozenset({"open", "explained", "withdrawn"}), "confirmed", True),
    "dismiss": (frozenset({"open", "explained"}), "dismissed", True),
    "withdraw": (frozenset({"confirmed"}), "withdrawn", True),
}
STATE_ZH = {
    "open": "待核实",
    "explained": "已说明",
    "confirmed": "已确认造假",
    "dismissed": "已排除",
    "withdrawn": "已撤销认定",
}


class FindingLike(Protocol):
    """What the store needs of an integrity finding (``zhengji.integrity.findings.Finding``)."""

    @property
    def unit_id(self) -> str: ...
    @property
    def indicator_id(self) -> str: ...
    @property
    def periods(self) -> tuple[str, ...]: ...
    @property
    def check(self) -> str: ...
    @property
    def statistic(self) -> float: ...
    @property
    def p_value(self) -> float: ...
    @property
    def q_value(self) -> float: ...
    @property
    def severity(self) -> str: ...
    @property
    def evidence(self) -> Mapping[str, float]: ...
    @property
    def summary_zh(self) -> str: ...
    @property
    def summary_en(self) -> str: ...


@dataclass(frozen=True)
class StoredFinding:
    """A finding as stored, with its current review state and every review step."""

    id: int
    screen_id: int
    unit_id: str
    indicator_id: str
    periods: tuple[str, ...]
    check: str
    statistic: float | None
    p_value: float | None
    q_value: float | None
    severity: str
    evidence: Mapping[str, Any]
    summary_zh: str
    summary_en: str
    state: str
    events: tuple[tuple[str, str, str, dt.datetime], ...]  # (action, actor, text, when)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _num(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def record_screen(
    session: Session,
    scheme: Scheme,
    findings: Sequence[FindingLike],
    as_of_import_id: int | None,
    not_tested: Sequence[Mapping[str, Any]] = (),
) -> int:
    """Store one screening and its findings; returns the screen id."""
    known = set(session.scalars(select(UnitRecord.id)))
    unknown = sorted({f.unit_id for f in findings if not f.unit_id.startswith("*")} - known)
    if unknown:
        raise StoreError(f"库中没有这些单位 units not in the store: {', '.join(unknown)}")
    screen = ScreenRow(
        scheme_version_id=scheme_version_id(session, scheme),
        as_of_import_id=as_of_import_id,
        created_at=_now(),
        not_tested=[dict(x) for x in not_tested],
    )
    session.add(screen)
    session.flush()
    if findings:
        session.execute(
            insert(FindingRow),
            [
                {
                    "screen_id": screen.id,
                    "unit_id": None if f.unit_id.startswith("*") else f.unit_id,
                    "scope": f.unit_id,
                    "indicator_id": f.indicator_id,
                    "periods": list(f.periods),
                    "check": f.check,
                    "statistic": _num(f.statistic),
                    "p_value": _num(f.p_value),
                    "q_value": _num(f.q_value),
                    "severity": f.severity,
                    "evidence": {k: _num(v) for k, v in f.evidence.items()},
                    "summary_zh": f.summary_zh,
                    "summary_en": f.summary_en,
                }
                for f in findings
            ],
        )
    return screen.id


def list_findings(
    session: Session, screen_id: int | None = None, finding_id: int | None = None
) -> list[StoredFinding]:
    """Findings with their review state (of one screen, or the latest screen by default)."""
    q = select(FindingRow).order_by(FindingRow.id)
    if finding_id is not None:
        q = q.where(FindingRow.id == finding_id)
    else:
        sid = screen_id or session.scalar(select(func.max(ScreenRow.id)))
        q = q.where(FindingRow.screen_id == sid)
    rows = list(session.scalars(q))
    events: dict[int, list[FindingEventRow]] = {r.id: [] for r in rows}
    if rows:
        ev_q = (
            select(FindingEventRow)
            .where(FindingEventRow.finding_id.in_(list(events)))
            .order_by(FindingEventRow.id)
        )
        for e in session.scalars(ev_q):
            events[e.finding_id].append(e)
    out = []
    for r in rows:
        evs = events[r.id]
        state = ACTIONS[evs[-1].action][1] if evs else "open"
        out.append(
            StoredFinding(
                r.id,
                r.screen_id,
                r.scope,
                r.indicator_id,
                tuple(r.periods),
                r.check,
                r.statistic,
                r.p_value,
                r.q_value,
                r.severity,
                dict(r.evidence),
                r.summary_zh,
                r.summary_en,
                state,
                tuple((e.action, e.actor, e.text, e.recorded_at) for e in evs),
            )
        )
    return out


def screen_scheme(session: Session, finding_id: int) -> Scheme:
    """The scheme (as stored with its screen) under which a finding was found."""
    from zhengji.scheme import parse_scheme
    from zhengji.store.schema import SchemeVersionRow

    toml = session.scalar(
        select(SchemeVersionRow.toml)
        .join(ScreenRow, ScreenRow.scheme_version_id == SchemeVersionRow.id)
        .join(FindingRow, FindingRow.screen_id == ScreenRow.id)
        .where(FindingRow.id == finding_id)
    )
    if toml is None:
        raise StoreError(f"没有该线索 no finding #{finding_id}")
    return parse_scheme(toml, source=f"finding #{finding_id} scheme")


def act_on_finding(
    session: Session, scheme: Scheme | None, finding_id: int, action: str, actor: str, text: str
) -> str:
    """Record one review step; returns the new state. ``confirm`` also records the veto.

    ``scheme`` defaults to the one stored with the finding's screen.
    """
    if scheme is None:
        scheme = screen_scheme(session, finding_id)
    if action not in ACTIONS:
        raise StoreError(f"未知操作 unknown action '{action}'; allowed: {', '.join(ACTIONS)}")
    found = list_findings(session, finding_id=finding_id)
    if not found:
        raise StoreError(f"没有该线索 no finding #{finding_id}")
    finding = found[0]
    allowed, new_state, needs_text = ACTIONS[action]
    if action == "confirm" and finding.unit_id.startswith("*"):
        raise StoreError(
            f"线索 #{finding_id} 是整体统计，不指向单个单位 a pooled finding names no single "
            "unit and cannot be confirmed as one unit's falsification; review the units it "
            "points to instead"
        )
    if finding.state not in allowed:
        raise StoreError(
            f"线索 #{finding_id} 当前状态为 {STATE_ZH[finding.state]} ({finding.state}): "
            f"'{action}' is only allowed from {sorted(allowed)}"
        )
    if not actor.strip():
        raise StoreError("须注明经办人 give who acts (--by)")
    if needs_text and not text.strip():
        raise StoreError(f"须说明理由 '{action}' needs a reason or explanation (--reason)")
    veto_import = None
    if action in ("confirm", "withdraw"):
        veto_import = _record_veto(session, scheme, finding, actor, text, action == "withdraw")
    session.add(
        FindingEventRow(
            finding_id=finding_id,
            action=action,
            actor=actor.strip(),
            text=text.strip(),
            veto_import_id=veto_import,
            recorded_at=_now(),
        )
    )
    session.flush()
    return new_state


def _record_veto(
    session: Session,
    scheme: Scheme,
    finding: StoredFinding,
    actor: str,
    reason: str,
    withdraw: bool = False,
) -> int:
    """A confirmed falsification becomes a veto event for each period of the finding; a
    withdrawal becomes a new version of each event that lifts the veto."""
    veto = scheme.integrity.veto
    if veto is None:
        raise StoreError(
            f"方案 '{scheme.id}' 未指定造假对应的否决规则 the scheme declares no [integrity] veto, "
            'so a confirmed falsification cannot trigger one; add `veto = "…"` under '
            "[integrity]"
        )
    verb = "withdraw" if withdraw else "confirm"
    stamp = f"finding:{finding.id}:{verb}:{actor}:{_now().isoformat()}"
    imp = ImportRow(
        source_path=f"finding #{finding.id} {verb}{'n' if withdraw else 'ed'} by {actor}",
        bundle_fingerprint=hashlib.sha256(stamp.encode("utf-8")).hexdigest(),
        scheme_version_id=scheme_version_id(session, scheme),
        created_at=_now(),
        rows_added=0,
        rows_unchanged=0,
        units_added=0,
        vetoes_added=len(finding.periods),
    )
    session.add(imp)
    session.flush()
    for period in finding.periods:
        current = session.scalar(
            select(func.max(VetoEventRecord.id)).where(
                VetoEventRecord.unit_id == finding.unit_id,
                VetoEventRecord.period == period,
                VetoEventRecord.veto_id == veto,
            )
        )
        session.add(
            VetoEventRecord(
                unit_id=finding.unit_id,
                period=period,
                veto_id=veto,
                reason=(
                    f"撤销造假认定 falsification finding withdrawn (finding #{finding.id}, "
                    if withdraw
                    else f"经核实数据造假 confirmed falsification (finding #{finding.id}, "
                )
                + f"{finding.check}, {finding.indicator_id}): {reason}",
                evidence=finding.summary_zh,
                import_id=imp.id,
                supersedes_id=current,
                recorded_at=_now(),
                withdrawn=withdraw,
            )
        )
    session.flush()
    return imp.id
