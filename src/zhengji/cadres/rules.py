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


def grade_person(inputs: Mapping[str, Any], cfg: Config) -> dict[str, Any]:
    """One person's score, grade (before the quota) and explanation, from their inputs."""
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
