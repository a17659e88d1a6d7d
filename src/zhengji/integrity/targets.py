"""Target behaviour: bunching just at or above a declared target, exact hits, integer growth.

Lyu, Wang, Zhang & Liu (2018, J. Accounting & Economics, "GDP management to meet or beat
growth targets") found just-meeting a target about five times as frequent as just-missing it.

* **Bunching** (pooled over units and periods): among ``d = reported − target`` with
  ``|d| < h``, the count in ``[0, h)`` against ``[−h, 0)``; under a density that is smooth
  and locally flat at the target each side is equally likely, so a one-sided binomial test
  with p0 = 0.5. Default ``h`` = 0.5 percentage points (five reporting steps of 0.1).
* **Exact hits** (per unit): values equal to the target at the reporting precision. Under no
  manipulation a value lands on the target's grid point with probability
  ``q = f(0)·precision``; ``f(0)`` is estimated from the non-exact values within ``±h``.
  ``k`` hits in ``n`` periods: binomial upper tail.
* **Integer growth** (per unit): growth reported with precision ``precision`` (e.g. 0.1) is
  an integer with probability ``precision``; ``k`` integers in ``n`` values: binomial tail.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from zhengji.errors import DataError
from zhengji.integrity.findings import Finding

__all__ = ["exact_target_hits", "integer_growth", "target_bunching"]

_NAN = float("nan")


def _shape(
    a: NDArray[np.float64] | float, shape: tuple[int, int], what: str
) -> NDArray[np.float64]:
    arr = np.asarray(a, dtype=float)
    if arr.ndim == 0:
        arr = np.broadcast_to(arr, shape)
    if arr.shape != shape:
        raise DataError(f"{what}的形状应为 {what} must have shape {shape}, got {arr.shape}")
    return arr


def _severity(p: float) -> str:
    return "info" if not p < 0.05 else "high" if p < 0.001 else "medium" if p < 0.01 else "low"


def _info(unit: str, ind: str, periods: tuple[str, ...], check: str, zh: str, en: str) -> Finding:
    return Finding(
        unit,
        ind,
        periods,
        check,
        _NAN,
        _NAN,
        _NAN,
        "info",
        {"not_tested": 1.0},
        f"未检验：{zh}",
        f"Not tested: {en}",
    )


def target_bunching(
    reported: NDArray[np.float64],
    target: NDArray[np.float64] | float,
    periods: Sequence[str],
    indicator_id: str,
    bandwidth: float = 0.5,
    min_count: int = 10,
) -> list[Finding]:
    """One pooled bunching finding (unit ``*``): just-meeting vs just-missing the target."""
    y = np.asarray(reported, dtype=float)
    if y.ndim != 2 or y.shape[1] != len(periods):
        raise DataError(f"上报值的形状应为 reported must have shape (units, {len(periods)})")
    d = y - _shape(target, y.shape, "target")
    d = d[np.isfinite(d)]
    eps = 1e-9 * max(1.0, bandwidth)
    above = int(np.sum((d >= -eps) & (d < bandwidth - eps)))
    below = int(np.sum((d < -eps) & (d >= -bandwidth - eps)))
    pers = tuple(periods)
    if above + below < min_count:
        return [
            _info(
                "*",
                indicator_id,
                pers,
                "target_bunching",
                f"目标附近±{bandwidth:g}内只有{above + below}个数值，少于{min_count}个",
                f"only {above + below} values within ±{bandwidth:g} of the target "
                f"(need {min_count})",
            )
        ]
    n = above + below
    p = float(stats.binomtest(above, n, 0.5, alternative="greater").pvalue)
    ratio = above / below if below else math.inf
    return [
        Finding(
            "*",
            indicator_id,
            pers,
            "target_bunching",
            ratio,
            p,
            _NAN,
            _severity(p),
            {
                "just_meet": float(above),
                "just_miss": float(below),
                "bandwidth": bandwidth,
                "share_meet": above / n,
            },
            f"在目标值上下{bandwidth:g}个百分点以内，刚好达到目标的有{above}个，刚好没达到的有{below}个"
            f"（比例{ratio:.1f}比1；若无人为调整应大致相当），p={p:.2g}。",
            f"Within {bandwidth:g} points of the target, {above} values just meet it and {below} "
            f"just miss it (ratio {ratio:.1f} to 1; without management they should be about "
            f"equal), p={p:.2g}.",
        )
    ]


def exact_target_hits(
    reported: NDArray[np.float64],
    target: NDArray[np.float64] | float,
    unit_ids: Sequence[str],
    periods: Sequence[str],
    indicator_id: str,
    precision: float = 0.1,
    bandwidth: float = 0.5,
) -> list[Finding]:
    """Per unit: how often the reported value equals the target exactly (binomial test)."""
    y = np.asarray(reported, dtype=float)
    if y.shape != (len(unit_ids), len(periods)):
        raise DataError(
            f"上报值的形状应为 reported must have shape {(len(unit_ids), len(periods))}"
        )
    d = y - _shape(target, y.shape, "target")
    ok = np.isfinite(d)
    hit = ok & (np.abs(d) < precision / 2)
    near = ok & ~hit & (np.abs(d) < bandwidth)
    # non-exact grid points within ±h: 2·h/precision − 1
    q = float(near.sum()) / max(float(ok.sum()), 1.0) / max(2 * bandwidth / precision - 1, 1.0)
    q = min(max(q, precision / 100), 1.0)
    out: list[Finding] = []
    for i, unit in enumerate(unit_ids):
        n, k = int(ok[i].sum()), int(hit[i].sum())
        if n == 0:
            out.append(
                _info(
                    unit,
                    indicator_id,
                    tuple(periods),
                    "target_exact",
                    "没有目标或上报值",
                    "no target or reported value",
                )
            )
            continue
        p = float(stats.binom.sf(k - 1, n, q)) if k > 0 else 1.0
        hits = tuple(periods[int(t)] for t in np.flatnonzero(hit[i])) or tuple(
            periods[int(t)] for t in np.flatnonzero(ok[i])
        )
        out.append(
            Finding(
                unit,
                indicator_id,
                hits,
                "target_exact",
                float(k),
                p,
                _NAN,
                _severity(p),
                {"exact_hits": float(k), "periods": float(n), "expected_rate": q},
                f"{n}年中有{k}年上报值与目标值完全相同；如果没有人为凑数，每年碰巧相同的概率约为{q:.1%}，"
                f"p={p:.2g}。",
                f"In {k} of {n} periods the reported value equals the target exactly; by chance "
                f"that happens about {q:.1%} of the time per period, p={p:.2g}.",
            )
        )
    return out


def integer_growth(
    growth: NDArray[np.float64],
    unit_ids: Sequence[str],
    periods: Sequence[str],
    indicator_id: str,
    precision: float = 0.1,
) -> list[Finding]:
    """Per unit: whole-number growth rates when figures are reported to ``precision`` (< 1)."""
    g = np.asarray(growth, dtype=float)
    if g.shape != (len(unit_ids), len(periods)):
        raise DataError(f"增速的形状应为 growth must have shape {(len(unit_ids), len(periods))}")
    if not 0 < precision < 1:
        return [
            _info(
                "*",
                indicator_id,
                tuple(periods),
                "integer_growth",
                f"上报精度{precision:g}不比整数更细",
                f"reporting precision {precision:g} is not finer than whole numbers",
            )
        ]
    ok = np.isfinite(g)
    is_int = ok & (np.abs(g - np.round(g)) < precision * 1e-3)
    out: list[Finding] = []
    for i, unit in enumerate(unit_ids):
        n, k = int(ok[i].sum()), int(is_int[i].sum())
        if n == 0:
            out.append(
                _info(
                    unit,
                    indicator_id,
                    tuple(periods),
                    "integer_growth",
                    "没有上报增速",
                    "no reported growth",
                )
            )
            continue
        p = float(stats.binom.sf(k - 1, n, precision)) if k > 0 else 1.0
        where = tuple(periods[int(t)] for t in np.flatnonzero(is_int[i])) or tuple(
            periods[int(t)] for t in np.flatnonzero(ok[i])
        )
        out.append(
            Finding(
                unit,
                indicator_id,
                where,
                "integer_growth",
                float(k),
                p,
                _NAN,
                _severity(p),
                {"integer_values": float(k), "periods": float(n), "expected_rate": precision},
                f"{n}个增速中有{k}个恰好是整数；按{precision:g}的上报精度，碰巧是整数的概率只有"
                f"{precision:.0%}，p={p:.2g}。",
                f"{k} of {n} growth rates are whole numbers; reported to {precision:g}, a whole "
                f"number happens by chance {precision:.0%} of the time, p={p:.2g}.",
            )
        )
    return out
