"""Peer outliers: robust z within a category and against the unit's own earlier years.

Modified z-score (Iglewicz & Hoaglin 1993, "How to Detect and Handle Outliers"):
``z = 0.6745·(x − median)/MAD``; they recommend flagging ``|z| > 3.5``. When the MAD is 0
but the values are not all equal, the mean absolute deviation stands in:
``z = (x − median)/(1.253314·MeanAD)`` (the same normal-consistency idea). The p-value is the
normal approximation ``2·(1 − Φ(|z|))``: for normal data 0.6745/MAD·(x − median) is
asymptotically standard normal. Small groups make it anti-conservative, so groups below
``min_group`` values are not tested.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from zhengji.errors import DataError
from zhengji.integrity.findings import Finding

__all__ = ["IGLEWICZ_HOAGLIN", "history_outliers", "peer_outliers", "robust_z"]

IGLEWICZ_HOAGLIN = 3.5
_NAN = float("nan")


def robust_z(x: NDArray[np.float64], reference: NDArray[np.float64]) -> NDArray[np.float64]:
    """Modified z of ``x`` against the finite values of ``reference`` (0 if all are equal)."""
    ref = reference[np.isfinite(reference)]
    med = float(np.median(ref))
    mad = float(np.median(np.abs(ref - med)))
    if mad > 0:
        return np.asarray(0.6745 * (x - med) / mad, dtype=float)
    mean_ad = float(np.mean(np.abs(ref - med)))
    if mean_ad > 0:
        return np.asarray((x - med) / (1.253314 * mean_ad), dtype=float)
    diff = np.asarray(x - med, dtype=float)
    out = np.zeros_like(diff)
    out[diff != 0] = np.copysign(np.inf, diff[diff != 0])
    return out


def _severity(z: float, threshold: float) -> str:
    a = abs(z)
    return (
        "info"
        if a <= threshold
        else "high"
        if a > 2 * threshold
        else ("medium" if a > 1.5 * threshold else "low")
    )


def _finding(
    unit: str,
    ind: str,
    period: str,
    check: str,
    x: float,
    z: float,
    med: float,
    threshold: float,
    whom_zh: str,
    whom_en: str,
) -> Finding:
    p = float(2 * stats.norm.sf(abs(z))) if math.isfinite(z) else 0.0
    side_zh, side_en = ("高", "above") if z > 0 else ("低", "below")
    unusual = abs(z) > threshold
    zh = (
        f"该值{x:g}比{whom_zh}中位数{med:g}{side_zh}得{'异常' if unusual else '不算异常'}"
        f"（稳健z={z:.1f}，阈值{threshold:g}），p={p:.2g}。"
    )
    en = (
        f"The value {x:g} is {'unusually' if unusual else 'not unusually'} far {side_en} "
        f"the median {med:g} of {whom_en} (robust z={z:.1f}, threshold {threshold:g}), "
        f"p={p:.2g}."
    )
    return Finding(
        unit,
        ind,
        (period,),
        check,
        z,
        p,
        _NAN,
        _severity(z, threshold),
        {"value": x, "median": med, "robust_z": z, "threshold": threshold},
        zh,
        en,
        material=unusual,
    )


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


def peer_outliers(
    values: NDArray[np.float64],
    unit_ids: Sequence[str],
    categories: Sequence[str],
    periods: Sequence[str],
    indicator_id: str,
    threshold: float = IGLEWICZ_HOAGLIN,
    min_group: int = 5,
) -> list[Finding]:
    """One ``peer_outlier`` finding per observed cell, z within its category and period."""
    v = np.asarray(values, dtype=float)
    if v.shape != (len(unit_ids), len(periods)) or len(categories) != len(unit_ids):
        raise DataError(f"数值的形状应为 values must have shape {(len(unit_ids), len(periods))}")
    cats = np.asarray(categories)
    out: list[Finding] = []
    for cat in sorted(set(categories)):
        rows = np.flatnonzero(cats == cat)
        for t, period in enumerate(periods):
            col = v[rows, t]
            seen = np.isfinite(col)
            if seen.sum() < min_group:
                if seen.any():
                    out.append(
                        _info(
                            f"*{cat}",
                            indicator_id,
                            (period,),
                            "peer_outlier",
                            f"类别“{cat}”只有{int(seen.sum())}个数值，少于{min_group}个",
                            f"category {cat!r} has only {int(seen.sum())} values "
                            f"(need {min_group})",
                        )
                    )
                continue
            z = robust_z(col, col)
            med = float(np.median(col[seen]))
            for j in np.flatnonzero(seen):
                out.append(
                    _finding(
                        unit_ids[rows[j]],
                        indicator_id,
                        period,
                        "peer_outlier",
                        float(col[j]),
                        float(z[j]),
                        med,
                        threshold,
                        f"同类“{cat}”单位同期的",
                        f"category {cat!r} that period",
                    )
                )
    return out


def history_outliers(
    values: NDArray[np.float64],
    unit_ids: Sequence[str],
    periods: Sequence[str],
    indicator_id: str,
    threshold: float = IGLEWICZ_HOAGLIN,
    min_history: int = 5,
) -> list[Finding]:
    """One ``history_outlier`` finding per cell that has ``min_history`` earlier values."""
    v = np.asarray(values, dtype=float)
    if v.shape != (len(unit_ids), len(periods)):
        raise DataError(f"数值的形状应为 values must have shape {(len(unit_ids), len(periods))}")
    out: list[Finding] = []
    for i, unit in enumerate(unit_ids):
        tested = False
        for t, period in enumerate(periods):
            past = v[i, :t][np.isfinite(v[i, :t])]
            if not math.isfinite(v[i, t]) or past.size < min_history:
                continue
            tested = True
            z = float(robust_z(np.array([v[i, t]]), past)[0])
            out.append(
                _finding(
                    unit,
                    indicator_id,
                    period,
                    "history_outlier",
                    float(v[i, t]),
                    z,
                    float(np.median(past)),
                    threshold,
                    "本单位以往各年",
                    "the unit's earlier years",
                )
            )
        if not tested:
            out.append(
                _info(
                    unit,
                    indicator_id,
                    tuple(periods),
                    "history_outlier",
                    f"以往年份少于{min_history}年",
                    f"fewer than {min_history} earlier values to compare with",
                )
            )
    return out
