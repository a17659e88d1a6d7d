"""Pure rules of the person-level assessment: share in post, role weights, credit, deduction,
exemption, veto caps, grade and quota — each step leaves a line of explanation.

The inputs of one person are a plain JSON-able mapping (what :mod:`zhengji.cadres.inputs`
collects from the store and what ``cadre_results.inputs`` keeps), so the same function
recomputes a stored result from its stored inputs (see :func:`fingerprint`).

The formula (``docs/cadres.md`` works an example by hand)::

    for each post p held in the window:  s_p = days in post / days in window, w_p = role weight
    U   = Σ s_p w_p x_p / Σ s_p w_p          x_p: unit score (分管领导: mean of pillars in charge)
    α   = Σ s_p w_p α_p / Σ s_p w_p          α_p: the role's unit_share
    E   = Σ ω_k e_k / Σ ω_k                  over the evaluations present (party, peer, mass)
    base = α U + (1 − α) E                   (U only, or E only, when the other is missing)
    credit    = min(cap, c · Σ good points)
    deduction = d · Σ bad points × tolerance factor (免责 0, 从轻 0.5, otherwise 1)
    score = clip(base + credit − deduction, 0, 100)  → grade by thresholds → capped by vetoes

平时考核 (routine), per quarter q (:func:`grade_quarter`)::

    R_q = clip(b_q + credit_q − deduction_q − m · overdue_q − p · problems_q, 0, 100)
    b_q = the office's quarterly score if imported, else routine.base → 好/较好/一般/较差

and in the annual result (when its inputs carry the quarters): base ← (1 − w) base + w R̄ over
the graded quarters, and ``poor_quarters`` quarters graded 较差 cap the grade at ``poor_cap``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from zhengji.cadres.config import EVAL_SOURCES, GRADES, UNGRADED, Config

__all__ = [
    "apply_quota",
    "cap_grade",
    "fingerprint",
    "grade_person",
    "grade_quarter",
    "overdue_milestones",
    "overdue_requests",
    "share_of_window",
    "window_days",
]

_POST_ZH = {
    "party_secretary": "党委书记",
    "government_head": "政府主要负责人",
    "deputy": "分管领导",
}


def fingerprint(data: Any) -> str:
    """sha256 of the canonical JSON of ``data`` (sorted keys, no spaces)."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def window_days(start: dt.date, end: dt.date) -> int:
    return (end - start).days + 1


def share_of_window(
    t_start: dt.date, t_end: dt.date | None, w_start: dt.date, w_end: dt.date
) -> float:
    """Share of the window [w_start, w_end] (both days included) spent in post."""
    lo = max(t_start, w_start)
    hi = min(t_end or w_end, w_end)
    if hi < lo:
        return 0.0
    return window_days(lo, hi) / window_days(w_start, w_end)


def cap_grade(grade: str, cap: str) -> str:
    """The lower of ``grade`` and ``cap``."""
    return GRADES[max(GRADES.index(grade), GRADES.index(cap))]


def _r(x: float) -> float:
    return round(x, 4)


def overdue_milestones(
    milestones: Sequence[Mapping[str, Any]], cfg: Config
) -> list[Mapping[str, Any]]:
    """The milestones that count as 慢作为: late by more than ``slow.grace_days`` and the person
    answers for them in one of ``slow.roles``."""
    roles = set(cfg.slow.roles)
    return [m for m in milestones if m["days_late"] > cfg.slow.grace_days and roles & set(m["via"])]


def _milestone_line(m: Mapping[str, Any], evidence_only: bool = False) -> dict[str, str]:
    state = f"{m['reached_on']} 才完成" if m["reached_on"] else "仍未完成"
    state_en = f"reached {m['reached_on']}" if m["reached_on"] else "still open"
    note = "（慢作为依据，此处不另扣分）" if evidence_only else ""
    note_en = " (evidence of slow action; no points here)" if evidence_only else ""
    return {
        "zh": f"慢作为 {m['project_code']}：节点“{m['name']}”应于 {m['due']} 完成，{state}，"
        f"逾期 {m['days_late']} 天{note}",
        "en": f"slow action {m['project_code']}: milestone due {m['due']}, {state_en}, "
        f"{m['days_late']} days late{note_en}",
    }


def overdue_requests(requests: Sequence[Mapping[str, Any]], cfg: Config) -> list[dict[str, Any]]:
    """The units led whose 接诉即办 overdue rate counts as 慢作为 evidence: at least
    ``slow_requests.min_requests`` requests and a rate above ``max_overdue_rate`` (percent).
    Evidence only: never points (a request belongs to the unit that handles it)."""
    sr = cfg.slow_requests
    out = []
    for x in requests:
        rate = 100.0 * x["overdue"] / x["requests"] if x["requests"] else 0.0
        if x["requests"] >= sr.min_requests and rate > sr.max_overdue_rate:
            out.append({**x, "rate": _r(rate)})
    return out


def _request_line(x: Mapping[str, Any], cfg: Config) -> dict[str, str]:
    m0, m1 = x["months"]
    thr = cfg.slow_requests.max_overdue_rate
    return {
        "zh": f"慢作为依据：主持 {x['unit_id']} 工作期间（{m0}—{m1}）接诉即办超期率 "
        f"{x['rate']:.1f}%（{x['requests']} 件中 {x['overdue']} 件超期），高于 {thr:g}%"
        "（诉求由承办单位办理，此处不扣分）",
        "en": f"slow-action evidence: {x['unit_id']} led {m0} to {m1}, citizen requests overdue "
        f"{x['rate']:.1f}% ({x['overdue']} of {x['requests']}), above {thr:g}% (no points)",
    }


def _outcome_points(
    outcomes: Sequence[Mapping[str, Any]], cfg: Config
) -> tuple[float, float, list[str]]:
    """(credit, deduction, exempted codes) of a list of outcomes."""
    good = sum(o["points"] for o in outcomes if o["kind"] == "good")
    bad = sum(o["points"] * o["factor"] for o in outcomes if o["kind"] != "good")
    exempted = [o["code"] for o in outcomes if o["kind"] != "good" and o["factor"] == 0]
    return min(cfg.credit_cap, cfg.credit_per_point * good), cfg.deduction_per_point * bad, exempted


def grade_quarter(q: Mapping[str, Any], cfg: Config) -> dict[str, Any]:
    """One quarter's routine score and grade (平时考核) with its lines, from its record."""
    rt = cfg.routine
    lines: list[dict[str, str]] = []
    ev = q.get("evaluation")
    base = rt.base if ev is None else float(ev)
    credit, deduction, exempted = _outcome_points(q["outcomes"], cfg)
    late = overdue_milestones(q["milestones"], cfg)
    problems = sum(len(p["problems"]) for p in q["procedures"])
    slow = rt.overdue_per_milestone * len(late)
    proc = rt.per_procedure_problem * problems
    score = min(100.0, max(0.0, base + credit - deduction - slow - proc))
    label = q["label"]
    src_zh = "季度评价" if ev is not None else "基准分"
    for o in q["outcomes"]:
        sign = "+" if o["kind"] == "good" else "−"
        extra = "（容错免责，不计）" if o["kind"] != "good" and o["factor"] == 0 else ""
        lines.append({"zh": f"{label} {o['code']}：{o['description']} {sign}{o['points']:g}{extra}",
                      "en": f"{label} outcome {o['code']} {sign}{o['points']:g}"})  # fmt: skip
    lines += [_milestone_line(m) for m in late]
    for p in q["procedures"]:
        broke, n = "；".join(p["problems"]), len(p["problems"])
        lines.append({"zh": f"{label} 决策 {p['code']}（{p['held_on']}）：{broke}",
                      "en": f"{label} decision {p['code']}: {n} rule(s) broken"})  # fmt: skip
    grade = rt.grade_of(score)
    summary_zh = (
        f"平时考核 {label}：{src_zh} {base:.2f} + 潜绩 {credit:.2f} − 问责 {deduction:.2f} "
        f"− 逾期节点 {len(late)}×{rt.overdue_per_milestone:g} − 决策程序问题 "
        f"{problems}×{rt.per_procedure_problem:g} = {score:.2f}"
    )
    summary_en = (
        f"routine {label}: {'quarterly score' if ev is not None else 'base'} {base:.2f} "
        f"+ credit {credit:.2f} − deduction {deduction:.2f} − overdue {len(late)}"
        f"×{rt.overdue_per_milestone:g} − procedure {problems}×{rt.per_procedure_problem:g} "
        f"= {score:.2f}"
    )
    if q["share"] < rt.min_coverage:
        grade = UNGRADED
        summary_zh += f"；在岗仅占本季度 {q['share']:.1%}：不定等次"
        summary_en += f"; in post {q['share']:.1%} of the quarter: not graded"
    else:
        summary_zh += f" → {grade}"
        summary_en += f" → {grade}"
    return {
        "label": label, "share": _r(q["share"]), "base": _r(base), "credit": _r(credit),
        "deduction": _r(deduction), "exempted": exempted,
        "overdue": [f"{m['project_code']}:{m['name']}" for m in late],
        "procedure_problems": problems, "score": _r(score), "grade": grade,
        "summary": {"zh": summary_zh, "en": summary_en}, "lines": lines,
    }  # fmt: skip


def _grade_routine_person(inputs: Mapping[str, Any], cfg: Config) -> dict[str, Any]:
    """A routine (平时考核) batch entry: one quarter, the same keys as every other result."""
    g = grade_quarter(inputs, cfg)
    ev = inputs.get("evaluation")
    slow, slow_lines = _requests_out(inputs, cfg)
    return {
        "person_id": inputs["person_id"], "kind": "routine", "coverage": g["share"],
        "unit_component": None, "unit_share": 0.0,
        "evaluation": None if ev is None else _r(float(ev)),
        "credit": g["credit"], "deduction": g["deduction"], "exempted": g["exempted"],
        "caps": [], "overdue": g["overdue"], "procedure_problems": g["procedure_problems"],
        "score": g["score"], "grade_by_score": cfg.routine.grade_of(g["score"]),
        "grade": g["grade"], "lines": [*g["lines"], *slow_lines, g["summary"]],
        **slow,
    }  # fmt: skip


def _requests_out(
    inputs: Mapping[str, Any], cfg: Config
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """(``overdue_requests`` key, lines) when the inputs carry 接诉即办 evidence, else nothing
    (results stored without it keep their fingerprints)."""
    if "requests" not in inputs:
        return {}, []
    late = overdue_requests(inputs["requests"], cfg)
    return {"overdue_requests": late}, [_request_line(x, cfg) for x in late]


def grade_person(inputs: Mapping[str, Any], cfg: Config) -> dict[str, Any]:
    """One person's score, grade (before the quota) and explanation, from their inputs."""
    if inputs["kind"] == "routine":
        return _grade_routine_person(inputs, cfg)
    lines: list[dict[str, str]] = []

    def say(zh: str, en: str) -> None:
        lines.append({"zh": zh, "en": en})

    kind = inputs["kind"]
    num = den = alpha_num = coverage = 0.0
    for p in inputs["posts"]:
        role = cfg.roles.get(p["post"])
        if role is None:
            continue
        coverage += p["share"]
        post_zh = _POST_ZH.get(p["post"], p["post"])
        if p["score"] is None:
            say(
                f"{p['unit_id']} {post_zh}：在岗{p['share']:.1%}，该单位无考核得分，不计入",
                f"{p['unit_id']} {p['post']}: {p['share']:.1%} of the window, no unit score",
            )
            continue
        w = p["share"] * role.weight
        num += w * p["score"]
        den += w
        alpha_num += w * role.unit_share
        basis_zh = (
            f"分管板块 {'、'.join(p['pillars_used'])} 平均分"
            if p["pillars_used"]
            else "单位综合得分"
        )
        say(
            f"{p['unit_id']} {post_zh}：在岗占比 {p['share']:.1%} × 岗位权重 {role.weight:g}，"
            f"{basis_zh} {p['score']:.2f}",
            f"{p['unit_id']} {p['post']}: share {p['share']:.1%} × role weight {role.weight:g}, "
            f"{'pillars ' + ','.join(p['pillars_used']) if p['pillars_used'] else 'unit score'} "
            f"{p['score']:.2f}",
        )
    unit: float | None = num / den if den > 0 else None
    alpha = alpha_num / den if den > 0 else 0.0
    if kind == "special":
        unit, alpha = cfg.special_base, 0.5
        say(f"专项考核基准分 {unit:g}", f"special-programme base score {unit:g}")
    ev_num = ev_den = 0.0
    for src, score in sorted(inputs["evaluations"].items()):
        w = cfg.evaluations.get(src, 0.0)
        if src == "special" and kind == "special":
            w = 1.0
        if w <= 0:
            continue
        ev_num += w * score
        ev_den += w
        say(
            f"{EVAL_SOURCES.get(src, (src,))[0]} {score:.1f}（权重 {w:g}）",
            f"{EVAL_SOURCES.get(src, (src, src))[1]} {score:.1f} (weight {w:g})",
        )
    evaluation: float | None = ev_num / ev_den if ev_den > 0 else None
    if unit is not None and evaluation is not None:
        base = alpha * unit + (1 - alpha) * evaluation
        say(
            f"基础分 = {alpha:.3f}×单位 {unit:.2f} + {1 - alpha:.3f}×评价 {evaluation:.2f} "
            f"= {base:.2f}",
            f"base = {alpha:.3f}×unit {unit:.2f} + {1 - alpha:.3f}×evaluation {evaluation:.2f}",
        )
    elif unit is not None:
        base = unit
        say(f"无个人评价，基础分 = 单位 {unit:.2f}", "no evaluations: base = unit component")
    elif evaluation is not None:
        base = evaluation
        say(f"无单位得分，基础分 = 评价 {evaluation:.2f}", "no unit score: base = evaluations")
    else:
        base = math.nan
    quarters = [grade_quarter(q, cfg) for q in inputs.get("routine", ())]
    graded_q = [g for g in quarters if g["grade"] != UNGRADED]
    routine_mean = sum(g["score"] for g in graded_q) / len(graded_q) if graded_q else None
    for g in quarters:
        lines.append(g["summary"])
    w = cfg.routine.annual_weight
    if routine_mean is not None and not math.isnan(base) and w > 0:
        blended = (1 - w) * base + w * routine_mean
        say(
            f"结合平时考核：基础分 = {1 - w:g}×{base:.2f} + {w:g}×平时均分 {routine_mean:.2f} "
            f"= {blended:.2f}",
            f"with the routine record: base = {1 - w:g}×{base:.2f} + {w:g}×routine mean "
            f"{routine_mean:.2f} = {blended:.2f}",
        )
        base = blended
    overdue = overdue_milestones(inputs.get("milestones", ()), cfg)
    lines += [_milestone_line(m, evidence_only=True) for m in overdue]
    slow_requests, request_lines = _requests_out(inputs, cfg)
    lines += request_lines
    good = bad = 0.0
    exempted: list[str] = []
    for o in inputs["outcomes"]:
        late = "（离任后显现）" if o["after_leaving"] else ""
        late_en = " (after leaving)" if o["after_leaving"] else ""
        if o["kind"] == "good":
            good += o["points"]
            say(
                f"潜绩记功 {o['code']}{late}：{o['description']} +{o['points']:g}",
                f"latent credit {o['code']}{late_en}: +{o['points']:g}",
            )
        elif o["factor"] == 0:
            exempted.append(o["code"])
            say(
                f"容错免责 {o['code']}：{o['description']}（{o['points']:g} 分不计）",
                f"exempted under fault tolerance {o['code']}: {o['points']:g} not counted",
            )
        else:
            bad += o["points"] * o["factor"]
            ruling = "（容错：从轻减轻）" if o["ruling"] == "mitigate" else ""
            say(
                f"问责扣分 {o['code']}{late}：{o['description']}{ruling} "
                f"−{o['points']:g}×{o['factor']:g}",
                f"accountability deduction {o['code']}{late_en}: −{o['points']:g}×{o['factor']:g}",
            )
    credit = min(cfg.credit_cap, cfg.credit_per_point * good)
    deduction = cfg.deduction_per_point * bad
    out: dict[str, Any] = {
        "person_id": inputs["person_id"],
        "kind": kind,
        "coverage": _r(coverage),
        "unit_component": None if unit is None else _r(unit),
        "unit_share": _r(alpha),
        "evaluation": None if evaluation is None else _r(evaluation),
        "credit": _r(credit),
        "deduction": _r(deduction),
        "exempted": exempted,
        "caps": [],
    }
    if "milestones" in inputs:
        out["overdue"] = [f"{m['project_code']}:{m['name']}" for m in overdue]
    out.update(slow_requests)
    if "routine" in inputs:
        out["routine"] = [{"label": g["label"], "score": g["score"], "grade": g["grade"]}
                          for g in quarters]  # fmt: skip
        out["routine_mean"] = None if routine_mean is None else _r(routine_mean)
    if math.isnan(base):
        say("无单位得分亦无个人评价：不定等次", "neither unit scores nor evaluations: not graded")
        return {**out, "score": None, "grade_by_score": UNGRADED, "grade": UNGRADED, "lines": lines}
    score = min(100.0, max(0.0, base + credit - deduction))
    say(
        f"得分 = {base:.2f} + 潜绩 {credit:.2f} − 扣分 {deduction:.2f} = {score:.2f}",
        f"score = {base:.2f} + credit {credit:.2f} − deduction {deduction:.2f} = {score:.2f}",
    )
    by_score = cfg.grade_of(score)
    grade = by_score
    if kind == "annual" and coverage < cfg.min_coverage:
        grade = UNGRADED
        say(
            f"在岗时间仅占年度 {coverage:.1%}，低于 {cfg.min_coverage:.0%}：不定等次",
            f"in post {coverage:.1%} of the year, below {cfg.min_coverage:.0%}: not graded",
        )
    caps = []
    for v in inputs["vetoes"]:
        cap = cfg.veto_caps.get(v["kind"])
        if cap is None or grade == UNGRADED:
            continue
        caps.append({"kind": v["kind"], "ref": v["ref"], "cap": cap})
        new = cap_grade(grade, cap)
        say(
            f"否决 {v['ref']}：{v['reason_zh']}，等次最高为{cap}（{grade}→{new}）",
            f"veto {v['ref']} ({v['kind']}): grade capped at {cap}",
        )
        grade = new
    poor = [g["label"] for g in graded_q if g["grade"] == cfg.routine.labels[-1]]
    cap_r = cfg.routine.poor_cap
    if cap_r and grade != UNGRADED and len(poor) >= cfg.routine.poor_quarters:
        caps.append({"kind": "routine", "ref": "routine:" + ",".join(poor), "cap": cap_r})
        new = cap_grade(grade, cap_r)
        say(
            f"平时考核 {'、'.join(poor)} 为{cfg.routine.labels[-1]}，年度等次最高为{cap_r}"
            f"（{grade}→{new}）",
            f"routine quarter(s) {', '.join(poor)} graded {cfg.routine.labels[-1]}: "
            f"grade capped at {cap_r}",
        )
        grade = new
    out["caps"] = caps
    return {**out, "score": _r(score), "grade_by_score": by_score, "grade": grade, "lines": lines}


def apply_quota(results: Sequence[Mapping[str, Any]], cfg: Config) -> list[dict[str, Any]]:
    """Hold 优秀 to ``floor(excellent_share × graded people)``: the highest scores keep it
    (ties by person id), the rest become 称职 with a line saying why."""
    graded = [r for r in results if r["grade"] != UNGRADED]
    limit = math.floor(cfg.excellent_share * len(graded) + 1e-9)
    top = sorted(
        (r for r in graded if r["grade"] == "优秀"), key=lambda r: (-r["score"], r["person_id"])
    )
    keep = {r["person_id"] for r in top[:limit]}
    out: list[dict[str, Any]] = []
    for r in results:
        r2 = dict(r)
        if r["grade"] == "优秀" and r["person_id"] not in keep:
            r2["grade"] = "称职"
            r2["lines"] = [
                *r["lines"],
                {
                    "zh": f"优秀名额 {limit} 个（{cfg.excellent_share:.0%}×{len(graded)} 人）"
                    "已满：定为称职",
                    "en": f"优秀 quota of {limit} filled: graded 称职",
                },
            ]
        out.append(r2)
    return out
