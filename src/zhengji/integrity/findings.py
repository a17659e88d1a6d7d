"""Findings: one record per test of a screening run, with run-wide BH q-values and severity.

Every check (digits, proxies, sums, targets, …) emits ``Finding`` records; ``with_qvalues``
then adjusts all p-values of the run together, because a flag is only meaningful against the
number of tests made. Severity by q (documented in ``docs/integrity.md``): high q < 0.01,
medium q < 0.05, low q < 0.10, otherwise info; a finding whose check judged the deviation
immaterial (``material=False``) or that could not be tested (p NaN) is always info; a record
(p = 0: a sum that does not add up, a late revision) keeps the severity its check gave it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from zhengji.integrity.digits import (
    BENFORD_TESTS,
    LAST_TESTS,
    SHARE_TESTS,
    DigitCounts,
    DigitTest,
    count_digits,
    run_test,
)
from zhengji.integrity.fdr import bh_qvalues

__all__ = [
    "SEVERITIES",
    "Finding",
    "digit_findings",
    "digit_findings_from_counts",
    "flagged",
    "severity_for",
    "with_qvalues",
]

SEVERITIES = ("high", "medium", "low", "info")
_Q_LINES = ((0.01, "high"), (0.05, "medium"), (0.10, "low"))


@dataclass(frozen=True)
class Finding:
    """One test of one unit: what was checked, the evidence, and a plain explanation.

    ``summary_zh``/``summary_en`` may contain the placeholder ``{q}``; ``with_qvalues`` fills
    it with the q-value once the whole run is known.
    """

    unit_id: str
    indicator_id: str
    periods: tuple[str, ...]
    check: str
    statistic: float
    p_value: float
    q_value: float
    severity: str
    evidence: Mapping[str, float]
    summary_zh: str
    summary_en: str
    material: bool = field(default=True)


def severity_for(q: float, material: bool = True) -> str:
    """Severity from a q-value (see module docstring)."""
    if not material or not math.isfinite(q):
        return "info"
    for line, name in _Q_LINES:
        if q < line:
            return name
    return "info"


def with_qvalues(findings: Sequence[Finding]) -> list[Finding]:
    """BH q-values across all findings of a run, severity from q, ``{q}`` filled in."""
    q = bh_qvalues([f.p_value for f in findings]) if findings else np.array([])
    out = []
    for f, qv in zip(findings, q.tolist(), strict=True):
        text = "未能计算" if math.isnan(qv) else f"{qv:.3g}"
        text_en = "n/a" if math.isnan(qv) else f"{qv:.3g}"
        out.append(
            dataclasses.replace(
                f,
                q_value=qv,
                # p = 0 with a graded severity marks a record, not a test (a sum that does not
                # add up, a late revision): its check graded the severity itself.
                severity=(
                    f.severity
                    if f.p_value == 0 and f.material and f.severity != "info"
                    else severity_for(qv, f.material)
                ),
                summary_zh=f.summary_zh.replace("{q}", text),
                summary_en=f.summary_en.replace("{q}", text_en),
            )
        )
    return out


def flagged(findings: Iterable[Finding]) -> list[Finding]:
    """The findings worth a reviewer's time (severity other than info)."""
    return [f for f in findings if f.severity != "info"]


_WHY = {
    "first": ("真实的经济统计数字首位多为 1、2，人为编造的数字常常分布过于平均。",
              "genuine figures mostly start with 1 or 2; invented ones are often too even."),
    "second": ("人为编造的数字第二位常常过于平均或偏好某些数字。",
               "invented figures often have too even or favoured second digits."),
    "first_two": ("前两位数字的分布偏离本福特定律，可能存在凑数或编造。",
                  "first-two-digit patterns off Benford's law can mean figures were made up."),
    "last": ("人为编造的数字常出现末位数字分布不均匀的情况。",
             "uneven last digits are typical of invented figures."),
    "last_two": ("人为编造的数字常出现末两位数字分布不均匀的情况。",
                 "uneven last two digits are typical of invented figures."),
    "repeated_pairs": ("编数字的人往往避免末两位相同（如 33），真实数字约 10% 如此。",
                       "inventors avoid repeats like 33; about 10% of real figures end so."),
    "adjacent_pairs": ("编数字的人偏爱相邻数字（如 34），真实数字约 20% 如此。",
                       "inventors favour adjacent digits like 34; about 20% of real ones do."),
    "round_0_5": ("以 0 或 5 结尾的数字过多，说明可能是估算或凑整后上报的。",
                  "too many figures ending in 0 or 5 suggests estimates or rounding, not counts."),
}  # fmt: skip


def _finding(unit: str, indicator: str, period: str, t: DigitTest) -> Finding:
    statistic = t.mad if t.test in BENFORD_TESTS else t.chi2
    if t.test in SHARE_TESTS:
        statistic = float(t.observed[0])
    evidence = {
        "n": float(t.n),
        "n_excluded": float(t.n_excluded),
        "chi2": t.chi2,
        "chi2_p": t.chi2_p,
        "mad": t.mad,
        "mad_expected": t.mad_expected,
        "effect_w": t.effect_w,
    }
    evidence.update(
        {f"share_{int(d)}": float(o) for d, o in zip(t.digits, t.observed, strict=True)}
    )
    why_zh, why_en = _WHY[t.test]
    if t.verdict == "insufficient":
        zh, en = t.message_zh, t.message_en
    else:
        zh = f"该单位上报数字：{t.message_zh.rstrip('。')}，q={{q}}。{why_zh}"
        en = f"Figures reported by this unit: {t.message_en.rstrip('.')}, q={{q}}. {why_en}"
    material = t.verdict in ("marginal", "nonconforming")
    return Finding(unit, indicator, (period,), f"digits.{t.test}", statistic, t.p_value,
                   math.nan, "info", evidence, zh, en, material)  # fmt: skip


def digit_findings(
    values_by_unit: Mapping[str, ArrayLike],
    indicator_id: str,
    period: str,
    tests: Sequence[str] = (*BENFORD_TESTS, *LAST_TESTS, *SHARE_TESTS),
    *,
    decimals: int = 0,
    n_sim: int = 2000,
    seed: int = 0,
) -> list[Finding]:
    """Digit tests per unit (e.g. all figures a county reported), one finding per test run.

    Conforming and not-testable results are kept (severity info) because BH needs every
    p-value of the run and "not tested" must be visible; call ``with_qvalues`` on the run's
    findings, then ``flagged`` for the ones to review.
    """
    counts = {unit: count_digits(values_by_unit[unit], decimals) for unit in values_by_unit}
    return digit_findings_from_counts(counts, indicator_id, period, tests, n_sim=n_sim, seed=seed)


def digit_findings_from_counts(
    counts_by_unit: Mapping[str, DigitCounts],
    indicator_id: str,
    period: str,
    tests: Sequence[str] = (*BENFORD_TESTS, *LAST_TESTS, *SHARE_TESTS),
    *,
    n_sim: int = 2000,
    seed: int = 0,
) -> list[Finding]:
    """As :func:`digit_findings`, from counts already merged (e.g. figures of several
    indicators, each counted at its own reporting precision)."""
    out: list[Finding] = []
    for unit in sorted(counts_by_unit):
        counts = counts_by_unit[unit]
        for test in tests:
            out.append(
                _finding(unit, indicator_id, period, run_test(counts, test, n_sim=n_sim, seed=seed))
            )
    return out
