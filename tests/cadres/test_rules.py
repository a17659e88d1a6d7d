"""The person-level rules, each pinned by a small case computed by hand (the arithmetic is
written out in the expected values, as in docs/cadres.md "A worked example")."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from zhengji.cadres.config import parse_config
from zhengji.cadres.rules import apply_quota, cap_grade, fingerprint, grade_person, share_of_window

CFG = parse_config("")


def inputs(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "person_id": "X", "kind": "annual", "label": "2025",
        "window": ["2025-01-01", "2025-12-31"], "posts": [], "evaluations": {},
        "outcomes": [], "vetoes": [],
    }  # fmt: skip
    return {**base, **over}


def post(share: float, post: str, score: float | None, unit: str = "u1") -> dict[str, Any]:
    return {"tenure": f"T-{unit}", "unit_id": unit, "post": post, "pillars": [], "share": share,
            "score": score, "pillars_used": []}  # fmt: skip


def outcome(
    code: str, kind: str, points: float, factor: float = 1.0, ruling: str = ""
) -> dict[str, Any]:
    return {"code": code, "kind": kind, "points": points, "factor": factor, "ruling": ruling,
            "role": "principal", "unit_id": "u1", "project_code": "P", "decision_code": None,
            "observed_on": "2025-06-01", "description": code, "after_leaving": False}  # fmt: skip


def test_share_of_window_counts_days_both_ends_included() -> None:
    y0, y1 = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
    assert share_of_window(dt.date(2024, 7, 1), None, y0, y1) == 1.0
    assert share_of_window(dt.date(2020, 1, 1), dt.date(2025, 3, 31), y0, y1) == 90 / 365
    assert share_of_window(dt.date(2025, 7, 1), None, y0, y1) == 184 / 365
    assert share_of_window(dt.date(2020, 1, 1), dt.date(2024, 12, 31), y0, y1) == 0.0


def test_two_posts_in_a_year_weighted_by_share_and_role_then_credit_deduction_exemption() -> None:
    """Secretary of u1 Jan–Jun (181 days, unit score 80), then deputy of u2 Jul–Dec (184 days,
    pillars in charge 90); evaluations 80/70/60; a good outcome of 3 points, a bad one of 2
    points ruled 从轻 (factor 0.5), a bad one of 4 points ruled 免责 (factor 0)."""
    i = inputs(
        posts=[post(181 / 365, "party_secretary", 80.0), post(184 / 365, "deputy", 90.0, "u2")],
        evaluations={"party": 80.0, "peer": 70.0, "mass": 60.0},
        outcomes=[outcome("G", "good", 3.0), outcome("M", "bad", 2.0, 0.5, "mitigate"),
                  outcome("E", "bad", 4.0, 0.0, "exempt")],
    )  # fmt: skip
    r = grade_person(i, CFG)
    unit = (181 * 1.0 * 80 + 184 * 0.8 * 90) / (181 * 1.0 + 184 * 0.8)  # = 84.4851
    alpha = (181 * 1.0 * 0.6 + 184 * 0.8 * 0.5) / (181 * 1.0 + 184 * 0.8)  # = 0.55515
    evaluation = 0.4 * 80 + 0.35 * 70 + 0.25 * 60  # = 71.5 (weights sum to 1)
    base = alpha * unit + (1 - alpha) * evaluation
    score = base + 3.0 - 1.5 * 2.0 * 0.5  # credit 3, deduction 1.5
    assert r["unit_component"] == pytest.approx(unit, abs=1e-4)
    assert r["unit_share"] == pytest.approx(alpha, abs=1e-4)
    assert r["evaluation"] == pytest.approx(71.5)
    assert r["credit"] == 3.0 and r["deduction"] == 1.5
    assert r["score"] == pytest.approx(score, abs=1e-4)  # 80.2085
    assert r["grade"] == "称职"
    assert r["exempted"] == ["E"]
    text = "\n".join(x["zh"] for x in r["lines"])
    assert "容错免责 E" in text and "从轻减轻" in text and "u2 分管领导" in text


def test_credit_is_capped_and_deduction_is_not() -> None:
    r = grade_person(
        inputs(posts=[post(1.0, "party_secretary", 70.0)],
               outcomes=[outcome("G1", "good", 5.0), outcome("G2", "good", 6.0),
                         outcome("B", "bad", 10.0)]),
        CFG,
    )  # fmt: skip
    assert r["credit"] == 8.0  # min(8, 11)
    assert r["deduction"] == 15.0  # 1.5 × 10
    assert r["score"] == pytest.approx(70 + 8 - 15)  # no evaluations: base = unit


@pytest.mark.parametrize(
    ("score", "grade"),
    [(90.0, "优秀"), (89.99, "称职"), (75.0, "称职"), (74.99, "基本称职"), (60.0, "基本称职"),
     (59.99, "不称职")],
)  # fmt: skip
def test_grade_thresholds(score: float, grade: str) -> None:
    assert grade_person(inputs(posts=[post(1.0, "government_head", score)]), CFG)["grade"] == grade


def test_vetoes_cap_the_grade() -> None:
    fals = {"kind": "falsification", "ref": "finding:1", "reason_zh": "造假"}
    vanity = {"kind": "vanity", "ref": "project:P", "reason_zh": "形象工程"}
    r = grade_person(inputs(posts=[post(1.0, "party_secretary", 95.0)], vetoes=[fals]), CFG)
    assert (r["grade_by_score"], r["grade"]) == ("优秀", "不称职")
    r = grade_person(inputs(posts=[post(1.0, "party_secretary", 80.0)], vetoes=[vanity]), CFG)
    assert (r["grade_by_score"], r["grade"]) == ("称职", "基本称职")
    assert r["caps"] == [{"kind": "vanity", "ref": "project:P", "cap": "基本称职"}]
    assert cap_grade("不称职", "基本称职") == "不称职"


def test_annual_needs_half_a_year_in_post_term_does_not() -> None:
    i = inputs(posts=[post(0.4, "party_secretary", 80.0)])
    assert grade_person(i, CFG)["grade"] == "不定等次"
    assert grade_person({**i, "kind": "term"}, CFG)["grade"] == "称职"


def test_nothing_to_go_on_is_not_graded() -> None:
    r = grade_person(inputs(posts=[post(1.0, "deputy", None)]), CFG)
    assert (r["score"], r["grade"]) == (None, "不定等次")


def test_special_programme_base_and_its_evaluation() -> None:
    r = grade_person(inputs(kind="special", evaluations={"special": 90.0}), CFG)
    assert r["score"] == pytest.approx(0.5 * 80 + 0.5 * 90)


def test_excellent_quota_keeps_the_highest_scores_ties_by_id() -> None:
    """10 graded, 20 % → 2 keep 优秀; 'a' and 'b' tie at 95 and both keep it, 'c' (93) loses it."""
    people = [("b", 95.0), ("a", 95.0), ("c", 93.0), *((f"z{k}", 80.0) for k in range(7))]
    res = [grade_person(inputs(person_id=p, posts=[post(1.0, "party_secretary", s)]), CFG)
           for p, s in people]  # fmt: skip
    res.append(grade_person(inputs(person_id="u", posts=[post(0.1, "deputy", 99.0)]), CFG))
    out = {r["person_id"]: r for r in apply_quota(res, CFG)}
    assert [p for p, r in out.items() if r["grade"] == "优秀"] == ["b", "a"]
    assert out["c"]["grade"] == "称职" and "名额" in out["c"]["lines"][-1]["zh"]
    assert out["u"]["grade"] == "不定等次"  # not graded: not counted in the quota


def test_same_inputs_same_fingerprint() -> None:
    i = inputs(posts=[post(1.0, "party_secretary", 80.0)])
    assert fingerprint(grade_person(i, CFG)) == fingerprint(grade_person(dict(i), CFG))
    assert fingerprint({"a": 1, "b": 2}) == fingerprint({"b": 2, "a": 1})


def quarter(label: str = "2025-Q1", share: float = 1.0, **over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"label": label, "window": ["", ""], "share": share,
                            "evaluation": None, "outcomes": [], "milestones": [],
                            "procedures": []}  # fmt: skip
    return {**base, **over}


def milestone(days_late: int, via: tuple[str, ...] = ("principal",)) -> dict[str, Any]:
    return {"project_code": "P", "name": "完工", "unit_id": "u1", "due": "2025-01-01",
            "reached_on": None, "days_late": days_late, "via": list(via)}  # fmt: skip


def test_routine_quarter_grades_and_what_counts() -> None:
    """Base 85 (no quarterly score); a milestone 30 days late is inside the grace, 31 days
    counts (−2); ``led`` alone does not count by default; a broken decision rule −2; a bad
    outcome of 2 points −3. 85 − 2 − 2 − 3 = 78 → 一般. With the office's score 92 and a good
    outcome of 3 points: 95 → 好. Lines: 好 ≥ 90, 较好 ≥ 80, 一般 ≥ 70, else 较差."""
    from zhengji.cadres.rules import grade_quarter

    q = quarter(
        milestones=[milestone(30), milestone(31), milestone(400, ("led",))],
        procedures=[{"code": "D", "held_on": "2025-02-01", "problems": ["一言堂"]}],
        outcomes=[outcome("B", "bad", 2.0)],
    )
    g = grade_quarter(q, CFG)
    assert (g["score"], g["grade"], len(g["overdue"])) == (78.0, "一般", 1)
    led = parse_config('[slow]\nroles = ["principal", "led"]\n')
    assert grade_quarter(q, led)["score"] == 76.0  # the 400-day one now counts too
    g = grade_quarter(quarter(evaluation=92.0, outcomes=[outcome("G", "good", 3.0)]), CFG)
    assert (g["score"], g["grade"]) == (95.0, "好")
    assert [CFG.routine.grade_of(x) for x in (90, 89.99, 80, 79.99, 70, 69.99)] == [
        "好", "较好", "较好", "一般", "一般", "较差"
    ]  # fmt: skip
    assert grade_quarter(quarter(share=0.4), CFG)["grade"] == "不定等次"


def test_annual_takes_the_quarters_as_input_and_as_a_cap() -> None:
    """Unit 95 (government head all year), no evaluations → base 95. Quarters 85, 85, 85
    and one at 85 − 10×2 = 65 (较差); one quarter with 40 % in post is not graded and left
    out. Mean (85×3 + 65)/4 = 80; base 0.8×95 + 0.2×80 = 92 → 优秀 by score, capped at
    基本称职 by the 较差 quarter. With ``poor_cap = ""`` it stays 优秀; with
    ``annual_weight = 0`` the score is 95."""
    qs = [quarter(f"2025-Q{k}") for k in (1, 2, 3)]
    qs.append(quarter("2025-Q4", milestones=[milestone(100)] * 10))
    qs.append(quarter("2025-Q5", share=0.4, evaluation=0.0))  # not graded: not in the mean
    i = inputs(posts=[post(1.0, "government_head", 95.0)], routine=qs)
    r = grade_person(i, CFG)
    assert r["routine_mean"] == pytest.approx(80.0)
    assert r["score"] == pytest.approx(92.0)
    assert (r["grade_by_score"], r["grade"]) == ("优秀", "基本称职")
    assert r["caps"] == [{"kind": "routine", "ref": "routine:2025-Q4", "cap": "基本称职"}]
    assert grade_person(i, parse_config('[routine]\npoor_cap = ""\n'))["grade"] == "优秀"
    assert grade_person(i, parse_config("[routine]\nannual_weight = 0.0\n"))["score"] == 95.0


def test_results_of_inputs_stored_before_the_routine_record_are_unchanged() -> None:
    """Inputs without ``routine``/``milestones`` (batches stored before) give the same keys
    as before, and the default settings keep the fingerprint they had (the later sections
    at their defaults are left out of it)."""
    import hashlib
    import json
    import tomllib

    from zhengji.cadres.config import default_toml

    r = grade_person(inputs(posts=[post(1.0, "party_secretary", 80.0)]), CFG)
    assert "routine" not in r and "overdue" not in r and "overdue_requests" not in r
    before = {k: v for k, v in tomllib.loads(default_toml()).items()
              if k not in ("routine", "slow", "slow_requests")}  # fmt: skip
    text = json.dumps(before, sort_keys=True, ensure_ascii=False)
    assert CFG.fingerprint == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert parse_config("[routine]\nbase = 80.0\n").fingerprint != CFG.fingerprint
