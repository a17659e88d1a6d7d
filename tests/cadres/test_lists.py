"""Use of results: list rules by hand; a reviewer's decision, append-only and in the ledger."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from zhengji.cadres import evaluations, service
from zhengji.cadres.config import parse_config
from zhengji.cadres.lists import build_lists, decide, decision_payload, decisions, lists_for
from zhengji.errors import DataError, StoreError
from zhengji.ledger.log import verify_record
from zhengji.ledger.verify import verify_ledger
from zhengji.store import Store

from .conftest import BY

CFG = parse_config("")


def res(pid: str, score: float, grade: str, credit: float = 0.0, deduction: float = 0.0,
        evaluation: float | None = 85.0, caps: list[Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:  # fmt: skip
    inputs = {"outcomes": []}
    r = {"person_id": pid, "score": score, "grade": grade, "credit": credit,
         "deduction": deduction, "evaluation": evaluation, "caps": caps or [], "exempted": []}  # fmt: skip
    return inputs, r


def kinds(entries: list[dict[str, Any]], pid: str) -> set[str]:
    return {e["list"] for e in entries if e["person_id"] == pid}


def test_list_rules_by_hand() -> None:
    out = build_lists(
        [
            res(
                "top", 93.0, "优秀", credit=2.5
            ),  # commend (≥90, 优秀) and reserve (≥85, credit ≥2)
            res("capped", 93.0, "基本称职", credit=3.0, caps=[{"kind": "vanity"}]),  # no honours
            res("low", 70.0, "基本称职"),  # remind (基本称职), twice in a row → adjust
            res("lazy", 78.0, "称职", evaluation=65.0),  # accountable: evaluations < 70
            res("harm", 78.0, "称职", deduction=4.5),  # accountable: deductions ≥ 4
            res("bad", 50.0, "不称职"),  # adjust
            res("ok", 80.0, "称职"),  # nothing
        ],
        {"low": ["基本称职"], "capped": []},
        CFG,
    )
    assert kinds(out, "top") == {"commend", "reserve"}
    assert kinds(out, "capped") == {"remind"}
    assert kinds(out, "low") == {"adjust"}
    assert kinds(out, "lazy") == {"accountable"}
    assert kinds(out, "harm") == {"accountable"}
    assert kinds(out, "bad") == {"adjust"}
    assert kinds(out, "ok") == set()
    top = next(e for e in out if e["person_id"] == "top" and e["list"] == "reserve")
    assert top["evidence"]["credit"] == 2.5 and "潜绩" in top["reason_zh"]


def test_decision_is_recorded_superseded_and_in_the_ledger(small: tuple[Store, Path]) -> None:
    """A scores 72.625 in 2025 (70.0 before the routine record, see test_service): 基本称职,
    on the remind list."""
    st, csv = small
    with st.transaction() as s:
        evaluations.import_evaluations(s, csv, BY)
        bid = service.assess(s, "annual", "2025", BY, as_of=dt.date(2025, 12, 31))
        _, entries = lists_for(s, bid)
        assert kinds(entries, "A") == {"remind"}
        first = decide(s, "A", "remind", "defer", "待谈话", "组织部 张三", bid)
        second = decide(s, "A", "remind", "accept", "已谈话提醒", "组织部 张三", bid)
        assert second.supersedes_id == first.id
        assert verify_record(s, second.ledger_index, decision_payload(second, first.ledger_index))
        assert [d.decision for d in decisions(s, bid)] == ["defer", "accept"]
        assert verify_ledger(s).ok
    with pytest.raises(DataError, match="不在"), st.transaction() as s:
        decide(s, "A", "commend", "accept", "x", "y", bid)
    with pytest.raises(DataError), st.transaction() as s:
        decide(s, "A", "remind", "accept", "", "y", bid)
    with pytest.raises(StoreError, match="append-only"), st.transaction() as s:
        s.execute(text("DELETE FROM cadre_decisions"))


def _late(days: int, via: str = "in_charge") -> dict[str, Any]:
    return {"project_code": "P9", "name": "完工", "unit_id": "u1", "due": "2024-06-30",
            "reached_on": None, "days_late": days, "via": [via]}  # fmt: skip


def test_slow_action_from_overdue_milestones_by_hand() -> None:
    """慢作为: 'slow' has two milestones 200 and 31 days late → accountable (≥ 1 by default),
    the evidence lists both with their days late; 'grace' has one 30 days late (inside the
    30-day grace) and one where they only led the unit (``led`` not counted by default) →
    not listed; with ``slow.min_overdue = 3`` 'slow' is not listed either."""
    slow_i, slow_r = res("slow", 80.0, "称职")
    slow_i["milestones"] = [_late(200), _late(31, "principal")]
    grace_i, grace_r = res("grace", 80.0, "称职")
    grace_i["milestones"] = [_late(30), _late(500, "led")]
    out = build_lists([(slow_i, slow_r), (grace_i, grace_r)], {}, CFG)
    entry = next(e for e in out if e["person_id"] == "slow")
    assert entry["list"] == "accountable"
    assert entry["reason_zh"] == "慢作为：2 个项目节点逾期（最长 200 天）"
    assert [m["days_late"] for m in entry["evidence"]["overdue_milestones"]] == [200, 31]
    assert kinds(out, "grace") == set()
    strict = parse_config("[slow]\nmin_overdue = 3\n")
    assert build_lists([(slow_i, slow_r)], {}, strict) == []


def test_routine_results_only_remind() -> None:
    """A routine (quarterly) result graded 较差 is on the remind list only; 好 with a high
    score and credit is not commended or put in the reserve (annual matters)."""
    poor_i, poor_r = res("poor", 65.0, "较差")
    good_i, good_r = res("good", 95.0, "好", credit=5.0)
    for r in (poor_r, good_r):
        r["kind"] = "routine"
    out = build_lists([(poor_i, poor_r), (good_i, good_r)], {}, CFG)
    assert [(e["person_id"], e["list"]) for e in out] == [("poor", "remind")]
