"""Mass-evaluation statistics (pure): unit scores with confidence intervals, empirical-Bayes
shrinkage of small samples, and integrity signals as integrity findings.

Score of a respondent: the mean of their Likert answers mapped to 0–100
(``(x − 1) / (scale − 1) · 100``). A unit's score is the mean over its respondents, with a
Student-t 95 % interval.

Shrinkage (normal–normal empirical Bayes; Morris 1983, "Parametric empirical Bayes
inference", JASA 78:47–55, eq. 3.3–3.4; with equal variances it is the positive-part
James–Stein estimator of Efron & Morris 1975/1977)::

    V_u  = s² / n_u                       sampling variance of unit u's mean (pooled s²)
    τ̂²   = max(0, Σ(ȳ_u − ȳ)² / (k − 1) − mean(V_u))      between-unit variance (moments)
    B_u  = min(1, (k − 3)/(k − 1) · V_u / (V_u + τ̂²))     shrinkage factor
    θ̂_u  = ȳ + (1 − B_u)(ȳ_u − ȳ),   ȳ = unweighted mean of the unit means
    sd_u = sqrt((1 − B_u) V_u)         (approximate posterior sd, ignoring τ̂²'s own error)

A township with 8 answers is pulled toward the city mean; one with 300 barely moves.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from zhengji.integrity.findings import Finding

__all__ = [
    "Shrunk",
    "UnitScore",
    "integrity_signals",
    "respondent_scores",
    "shrink",
    "unit_scores",
]

FloatArray = NDArray[np.float64]


def respondent_scores(answers: NDArray[np.int64] | FloatArray, scale: int) -> FloatArray:
    """Each respondent's mean answer on 0–100 (answers: n × items, values 1..scale)."""
    a = np.asarray(answers, dtype=float)
    out: FloatArray = (a.mean(axis=1) - 1.0) / (scale - 1) * 100.0
    return out


@dataclass(frozen=True)
class UnitScore:
    unit_id: str
    n: int
    mean: float
    sd: float
    ci_low: float
    ci_high: float


def unit_scores(scores_by_unit: Mapping[str, FloatArray], level: float = 0.95) -> list[UnitScore]:
    out = []
    for unit in sorted(scores_by_unit):
        x = np.asarray(scores_by_unit[unit], dtype=float)
        n = len(x)
        if n == 0:
            continue
        mean = float(x.mean())
        sd = float(x.std(ddof=1)) if n > 1 else math.nan
        if n > 1:
            half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)
            lo, hi = max(0.0, mean - half), min(100.0, mean + half)
        else:
            lo, hi = math.nan, math.nan
        out.append(UnitScore(unit, n, mean, sd, lo, hi))
    return out


@dataclass(frozen=True)
class Shrunk:
    means: FloatArray  # θ̂_u
    factors: FloatArray  # B_u
    sds: FloatArray
    grand_mean: float
    tau2: float


def shrink(means: Sequence[float], variances: Sequence[float]) -> Shrunk:
    """Empirical-Bayes shrinkage of unit means with known sampling variances (module doc)."""
    y = np.asarray(means, dtype=float)
    v = np.asarray(variances, dtype=float)
    k = len(y)
    if k < 4:  # (k − 3) ≤ 0: no shrinkage is justified
        return Shrunk(y.copy(), np.zeros(k), np.sqrt(v), float(y.mean()) if k else math.nan, 0.0)
    grand = float(y.mean())
    tau2 = max(0.0, float(((y - grand) ** 2).sum()) / (k - 1) - float(v.mean()))
    factor = np.minimum(1.0, (k - 3) / (k - 1) * v / (v + tau2))
    return Shrunk(
        grand + (1 - factor) * (y - grand), factor, np.sqrt((1 - factor) * v), grand, tau2
    )


def _finding(
    unit: str,
    survey: str,
    period: str,
    check: str,
    stat: float,
    p: float,
    evidence: Mapping[str, float],
    zh: str,
    en: str,
) -> Finding:
    return Finding(
        unit,
        f"survey:{survey}",
        (period,),
        f"survey.{check}",
        stat,
        min(1.0, max(0.0, p)),
        math.nan,
        "info",
        dict(evidence),
        zh,
        en,
    )


def _straight_share(a: NDArray[np.int64]) -> float:
    """Chance that a sheet is all one value if items were answered independently from the
    unit's own answer distribution: Σ_k p_k^m (a satisfied unit has more all-5 sheets)."""
    _, counts = np.unique(a, return_counts=True)
    p = counts / counts.sum()
    return float(min(1.0, (p ** a.shape[1]).sum() + 1.0 / (a.shape[0] + 2)))


def integrity_signals(
    survey: str,
    period: str,
    unit_ids: Sequence[str],
    answers: NDArray[np.int64],
    slots: NDArray[np.int64],
    durations: FloatArray,
    networks: NDArray[np.int64],
    *,
    min_seconds_per_item: float = 2.0,
    min_block: int = 5,
) -> list[Finding]:
    """Signs that a unit's votes were organised rather than given, one finding per unit and
    check, with p-values (the caller runs ``with_qvalues`` over the whole screen):

    - ``straightlining``: all items answered the same (binomial vs Σ p_k^m from the unit's
      own answer distribution);
    - ``burst``: the busiest 10-minute slot vs a Poisson rate (Bonferroni over slots);
    - ``speed``: answers faster than ``min_seconds_per_item`` per item (binomial vs pooled);
    - ``network``: the commonest network tag vs its share elsewhere (Bonferroni over tags).

    ``slots``: a global 10-minute slot number per vote; ``durations`` NaN when unknown;
    ``networks`` −1 when unknown. A burst or network count below ``min_block`` gets p = 1:
    organising votes takes more than a handful, and two people of one household voting from
    their home network in the same evening are no flood (with 16-bit network tags, two of 40
    votes sharing one is otherwise "significant").
    """
    units = np.asarray(unit_ids)
    a = np.asarray(answers)
    straight = (a == a[:, :1]).all(axis=1) if a.shape[1] >= 3 else np.zeros(len(a), bool)
    known_d = ~np.isnan(durations)
    fast = known_d & (durations < min_seconds_per_item * a.shape[1])
    p_fast = (fast.sum() + 1) / (known_d.sum() + 2)
    n_slots = max(1, len(np.unique(slots)))
    out: list[Finding] = []
    for unit in sorted(set(units.tolist())):
        m = units == unit
        n = int(m.sum())
        x = int(straight[m].sum())
        p_straight = _straight_share(a[m])
        out.append(
            _finding(
                unit,
                survey,
                period,
                "straightlining",
                x / n,
                float(stats.binom.sf(x - 1, n, p_straight)),
                {"n": n, "straight": x, "expected_share": p_straight},
                f"{x}/{n} 份答卷全部选同一项（按本单位答案分布应约 {p_straight:.1%}）q={{q}}。",
                f"{x}/{n} answer sheets tick the same box throughout "
                f"(expected {p_straight:.1%} from the unit's answers), q={{q}}.",
            )
        )
        _, counts = np.unique(slots[m], return_counts=True)
        peak = int(counts.max())
        lam = n / n_slots
        p_one = float(stats.poisson.sf(peak - 1, lam))
        out.append(
            _finding(
                unit,
                survey,
                period,
                "burst",
                peak,
                1 - (1 - p_one) ** n_slots if p_one < 1 and peak >= min_block else 1.0,
                {"n": n, "peak": peak, "rate": lam},
                f"10 分钟内集中提交 {peak} 份（平均 {lam:.2f}）q={{q}}。",
                f"{peak} votes in one 10-minute slot (mean {lam:.2f}), q={{q}}.",
            )
        )
        kd = known_d[m]
        if kd.any():
            nf, nk = int(fast[m].sum()), int(kd.sum())
            out.append(
                _finding(
                    unit,
                    survey,
                    period,
                    "speed",
                    nf / nk,
                    float(stats.binom.sf(nf - 1, nk, p_fast)),
                    {"n": nk, "fast": nf, "expected_share": p_fast},
                    f"{nf}/{nk} 份答卷用时过短（全市平均 {p_fast:.1%}）q={{q}}。",
                    f"{nf}/{nk} sheets answered implausibly fast (city {p_fast:.1%}), q={{q}}.",
                )
            )
        nets = networks[m]
        nets = nets[nets >= 0]
        if len(nets):
            tags, tc = np.unique(nets, return_counts=True)
            top = int(tags[tc.argmax()])
            xt, nt = int(tc.max()), len(nets)
            others = networks[(~m) & (networks >= 0)]
            n_tags = max(1, len(np.unique(networks[networks >= 0])))
            p0 = (float((others == top).sum()) + 1) / (len(others) + n_tags)
            p = float(stats.binom.sf(xt - 1, nt, p0)) * len(tags) if xt >= min_block else 1.0
            out.append(
                _finding(
                    unit,
                    survey,
                    period,
                    "network",
                    xt / nt,
                    p,
                    {"n": nt, "top": xt, "expected_share": p0},
                    f"{xt}/{nt} 份来自同一网络 q={{q}}。",
                    f"{xt}/{nt} votes from one network, q={{q}}.",
                )
            )
    return out
