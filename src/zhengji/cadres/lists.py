"""Use of results: the lists the office needs, each entry with its evidence; a reviewer decides.

Pure :func:`build_lists` over a batch's results (and earlier batches' grades, for 连续基本称职);
:func:`decide` records a reviewer's decision append-only and commits it to the ledger (kind
``cadre_decision``). Nothing is decided automatically: a list is a proposal. 慢作为 reads the
overdue milestones kept in each person's inputs (:func:`~zhengji.cadres.rules.overdue_milestones`
under the ``[slow]`` settings) and, when collected (``[slow_requests] enabled``), the overdue
citizen requests of the units they led (:func:`~zhengji.cadres.rules.overdue_requests`), and
shows them as the entry's evidence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhengji.cadres.config import Config, parse_config
from zhengji.cadres.rules import overdue_milestones, overdue_requests
from zhengji.errors import DataError
from zhengji.ledger.log import append
from zhengji.store.schema_cadres import CadreBatchRow, CadreDecisionRow, CadreResultRow

__all__ = [
    "DECISIONS",
    "LISTS",
    "build_lists",
    "decide",
    "decision_payload",
    "decisions",
    "lists_for",
]

LISTS: Mapping[str, tuple[str, str]] = {
    "commend": ("表彰候选", "commendation candidates"),
    "reserve": ("后备干部人选", "promotion reserve pool"),
    "remind": ("提醒谈话", "to be reminded"),
    "adjust": ("组织调整", "to be adjusted"),
    "accountable": ("不担当不作为慢作为问责", "to be held accountable (不担当/不作为/慢作为)"),
}
DECISIONS = ("accept", "reject", "defer")


def _evidence(
    r: Mapping[str, Any],
    inputs: Mapping[str, Any],
    late: Sequence[Mapping[str, Any]],
    late_requests: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    ev = {
        "score": r["score"], "grade": r["grade"], "credit": r["credit"],
        "deduction": r["deduction"], "evaluation": r["evaluation"],
        "caps": r["caps"], "exempted": r["exempted"],
        "outcomes": [
            {k: o[k] for k in ("code", "kind", "points", "factor", "after_leaving", "description")}
            for o in inputs["outcomes"]
        ],
    }  # fmt: skip
    if "milestones" in inputs:  # 慢作为: what was late, by how much, and why it is theirs
        ev["overdue_milestones"] = [dict(m) for m in late]
    if "requests" in inputs:  # 接诉即办: the led units' overdue rates above the line
        ev["overdue_requests"] = [dict(x) for x in late_requests]
    if "routine" in r:
        ev["routine"] = r["routine"]
    return ev


def _annual_lists(
    r: Mapping[str, Any], past: Sequence[str], L: Mapping[str, Any]
) -> list[tuple[str, str, str]]:
    """(list, reason zh, reason en) of commend / reserve / adjust / remind for one result."""
    score, grade = r["score"], r["grade"]
    out = []
    if grade == "优秀" and score >= L["commend_min_score"] and not r["caps"]:
        out.append(("commend", f"等次优秀，得分 {score:.2f}", f"graded 优秀 with {score:.2f}"))
    if score >= L["reserve_min_score"] and r["credit"] >= L["reserve_min_credit"] and not r["caps"]:
        out.append(
            (
                "reserve",
                f"得分 {score:.2f}，潜绩 {r['credit']:.2f}",
                f"score {score:.2f}, latent credit {r['credit']:.2f}",
            )
        )
    n = L["adjust_repeat_basic"]
    streak = list(past)[-(n - 1) :] if n > 1 else []
    repeat = grade == "基本称职" and len(streak) == n - 1 and all(g == "基本称职" for g in streak)
    if grade in L["adjust_grades"] or repeat:
        why = f"连续{n}次基本称职" if repeat else f"等次{grade}"
        out.append(("adjust", why, "repeatedly 基本称职" if repeat else f"graded {grade}"))
    elif grade == "基本称职" or score < L["remind_below"]:
        why = f"等次{grade}，得分 {score:.2f}"
        out.append(("remind", why, f"graded {grade}, score {score:.2f}"))
    return out


def build_lists(
    results: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]],
    history: Mapping[str, Sequence[str]],
    cfg: Config,
) -> list[dict[str, Any]]:
    """``results``: (inputs, result) per person; ``history``: person → earlier grades of the
    same kind, oldest first. Returns entries ``{list, person_id, reasons, evidence}``."""
    out: list[dict[str, Any]] = []
    for inputs, r in results:
        if r["score"] is None:
            continue
        pid, score, grade = r["person_id"], r["score"], r["grade"]
        late = overdue_milestones(inputs.get("milestones", ()), cfg)
        late_req = overdue_requests(inputs.get("requests", ()), cfg)
        ev = _evidence(r, inputs, late, late_req)

        def add(kind: str, zh: str, en: str, *, pid: str = pid, ev: dict[str, Any] = ev) -> None:
            out.append(
                {"list": kind, "person_id": pid, "reason_zh": zh, "reason_en": en, "evidence": ev}
            )

        routine = r.get("kind") == "routine"
        if routine:  # a quarter: only the reminder; honours and adjustments are annual matters
            if grade == cfg.routine.labels[-1]:
                add("remind", f"平时考核{grade}，得分 {score:.2f}", f"routine grade {grade}")
        else:
            for entry in _annual_lists(r, history.get(pid, ()), cfg.lists):
                add(entry[0], entry[1], entry[2])
        low_eval = (
            not routine
            and r["evaluation"] is not None
            and r["evaluation"] < cfg.lists["accountable_max_evaluation"]
        )
        harm = r["deduction"] >= cfg.lists["accountable_min_deduction"]
        slow = len(late) >= cfg.slow.min_overdue or bool(late_req)
        if harm or low_eval or slow:
            bits, bits_en = [], []
            if harm:
                bits.append(f"问责扣分 {r['deduction']:.2f}")
                bits_en.append("deductions")
            if low_eval:
                bits.append(f"个人评价 {r['evaluation']:.1f} 偏低")
                bits_en.append("low evaluations")
            if len(late) >= cfg.slow.min_overdue:
                worst = max(m["days_late"] for m in late)
                bits.append(f"慢作为：{len(late)} 个项目节点逾期（最长 {worst} 天）")
                bits_en.append(f"slow action: {len(late)} overdue milestone(s)")
            if late_req:
                worst_rate = max(x["rate"] for x in late_req)
                bits.append(f"慢作为：所主持单位接诉即办超期率 {worst_rate:.1f}%")
                bits_en.append(f"slow action: citizen requests {worst_rate:.1f}% overdue")
            add("accountable", "；".join(bits), ", ".join(bits_en))
    return out


def lists_for(session: Session, batch_id: int | None = None) -> tuple[int, list[dict[str, Any]]]:
    from zhengji.cadres.service import results

    b, rows = results(session, batch_id)
    hist: dict[str, list[str]] = {}
    q = (
        select(CadreResultRow.person_id, CadreResultRow.grade)
        .join(CadreBatchRow, CadreBatchRow.id == CadreResultRow.batch_id)
        .where(CadreBatchRow.kind == b.kind, CadreBatchRow.id < b.id)
        .order_by(CadreBatchRow.id)
    )
    for pid, grade in session.execute(q):
        hist.setdefault(pid, []).append(grade)
    cfg: Config = parse_config(b.config_toml)
    return b.id, build_lists([(r.inputs, r.result) for r in rows], hist, cfg)


def decision_payload(d: CadreDecisionRow, superseded_index: int | None) -> dict[str, Any]:
    return {
        "batch_id": d.batch_id, "person_id": d.person_id, "list": d.list_kind,
        "decision": d.decision, "reason": d.reason, "reviewer": d.reviewer,
        "evidence": d.evidence, "decided_at": d.decided_at.astimezone(dt.UTC).isoformat()
        if d.decided_at.tzinfo else d.decided_at.isoformat() + "+00:00",
        "supersedes": superseded_index,
    }  # fmt: skip


def decide(
    session: Session,
    person_id: str,
    list_kind: str,
    decision: str,
    reason: str,
    reviewer: str,
    batch_id: int | None = None,
) -> CadreDecisionRow:
    """Record a reviewer's decision about a person on a list (a later one supersedes)."""
    if list_kind not in LISTS:
        raise DataError(f"名单 '{list_kind}' 无效 list must be one of {', '.join(LISTS)}")
    if decision not in DECISIONS:
        raise DataError(f"决定 '{decision}' 无效 decision must be one of {', '.join(DECISIONS)}")
    if not reason.strip() or not reviewer.strip():
        raise DataError("须注明审核人和理由 give --reviewer and --reason")
    bid, entries = lists_for(session, batch_id)
    entry = next(
        (e for e in entries if e["person_id"] == person_id and e["list"] == list_kind), None
    )
    if entry is None:
        raise DataError(
            f"'{person_id}' 不在本批次的“{LISTS[list_kind][0]}”名单上 is not on that list"
        )
    prev = session.scalar(
        select(CadreDecisionRow)
        .where(CadreDecisionRow.batch_id == bid, CadreDecisionRow.person_id == person_id,
               CadreDecisionRow.list_kind == list_kind)
        .order_by(CadreDecisionRow.id.desc()).limit(1)
    )  # fmt: skip
    row = CadreDecisionRow(
        batch_id=bid, person_id=person_id, list_kind=list_kind, decision=decision,
        reason=reason.strip(), evidence=entry["evidence"], reviewer=reviewer.strip(),
        decided_at=dt.datetime.now(dt.UTC).replace(microsecond=0), ledger_index=-1,
        supersedes_id=None if prev is None else prev.id,
    )  # fmt: skip
    row.ledger_index = append(
        session,
        "cadre_decision",
        decision_payload(row, None if prev is None else prev.ledger_index),
    ).index
    session.add(row)
    session.flush()
    return row


def decisions(session: Session, batch_id: int | None = None) -> list[CadreDecisionRow]:
    q = select(CadreDecisionRow).order_by(CadreDecisionRow.id)
    if batch_id is not None:
        q = q.where(CadreDecisionRow.batch_id == batch_id)
    return list(session.scalars(q))
