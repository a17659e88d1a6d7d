"""Peer outliers: robust z within a category and against the unit's own earlier years.

Modified z-score (Iglewicz & Hoaglin 1993, "How to Detect and Handle Outliers"):
``z = 0.6745·(x − median)/MAD``; they recommend flagging ``|z| > 3.5``. When the MAD is 0
but the values are not all equal, the mean absolute deviation stands in:
``z = (x − median)/(1.253314·MeanAD)`` (the same normal-consistency idea). The p-value is the
normal approximation ``2·(1 − Φ(|z|))``: for normal data 0.6745/MAD·(x − median) is
asymptotically standard normal. That is what ``history_outliers`` uses.

``peer_outliers`` does not: with 20 peers the MAD is noisy and that normal p is far too small
for honest data (4–5 false flags a run in ``bench/integrity_sim.py``). It combines two views,
each with an exact or pooled reference, by Bonferroni (``p = min(1, k·min p)``):

* **level**: the value against the *other* units of its category that period, the
  prediction t ``(x − mean)/(sd·√(1 + 1/m))`` with ``m − 1`` df (exact for normal peers);
* **change of position**: the unit's deviation from the category-period median, less its own
  median deviation in the other periods (its usual place among its peers), scaled by
  1.4826·MAD of all such residuals of the category (pooled over periods, so the scale is
  estimated from hundreds of values), t reference with 0.37·(n − 1) df (the MAD's efficiency).
  Genuine, lasting differences between units are removed, so a one-year jump stands out.

The statistic is the signed normal equivalent of the combined p, so ``threshold`` keeps the
meaning of Iglewicz & Hoaglin's 3.5 (p ≈ 4.7e-4); the modified z is kept in the evidence.
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
    p: float | None = None,
    extra: dict[str, float] | None = None,
) -> Finding:
    if p is None:
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
        {"value": x, "median": med, "robust_z": z, "threshold": threshold, **(extra or {})},
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
    min_history: int = 4,
) -> list[Finding]:
    """One ``peer_outlier`` finding per observed cell: against its category that period, and
    against its own usual position in the category (when it has ``min_history`` other periods).
    """
    v = np.asarray(values, dtype=float)
    if v.shape != (len(unit_ids), len(periods)) or len(categories) != len(unit_ids):
        raise DataError(f"数值的形状应为 values must have shape {(len(unit_ids), len(periods))}")
    cats = np.asarray(categories)
    out: list[Finding] = []
    z_move, p_move = _position_change(v, cats, min_group, min_history)
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
            zmod = robust_z(col, col)
            med = float(np.median(col[seen]))
            for j in np.flatnonzero(seen):
                others = col[seen & (np.arange(col.size) != j)]
                p_lvl, t_lvl = _level_p(float(col[j]), others)
                p_pos, z_pos = float(p_move[rows[j], t]), float(z_move[rows[j], t])
                views = [
                    (p_, z_) for p_, z_ in ((p_lvl, t_lvl), (p_pos, z_pos)) if math.isfinite(p_)
                ]
                p = min(1.0, len(views) * min(p_ for p_, _ in views))
                sign = math.copysign(1.0, min(views)[1])
                z = sign * (float(stats.norm.isf(p / 2)) if p > 0 else math.inf)
                out.append(
                    _finding(
                        unit_ids[rows[j]],
                        indicator_id,
                        period,
                        "peer_outlier",
                        float(col[j]),
                        z,
                        med,
                        threshold,
                        f"同类“{cat}”单位同期的",
                        f"category {cat!r} that period",
                        p=p,
                        extra={
                            "robust_z": float(zmod[j]),
                            "t_level": t_lvl,
                            "p_level": p_lvl,
                            "z_position_change": z_pos,
                            "p_position_change": p_pos,
                        },
                    )
                )
    return out


def _level_p(x: float, others: NDArray[np.float64]) -> tuple[float, float]:
    """Prediction t of ``x`` against ``others`` (exact for normal values) and its 2-sided p."""
    m = others.size
    mean = float(np.mean(others))
    sd = float(np.std(others, ddof=1))
    if sd == 0:
        return (1.0, 0.0) if x == mean else (0.0, math.copysign(math.inf, x - mean))
    t = (x - mean) / (sd * math.sqrt(1 + 1 / m))
    return float(2 * stats.t.sf(abs(t), m - 1)), t


def _position_change(
    v: NDArray[np.float64], cats: NDArray[np.str_], min_group: int, min_history: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per cell: deviation from the category-period median less the unit's median deviation
    in its other periods, as a z over the category's pooled residual MAD, and a 2-sided p."""
    z = np.full(v.shape, np.nan)
    p = np.full(v.shape, np.nan)
    for cat in np.unique(cats):
        rows = np.flatnonzero(cats == cat)
        block = v[rows]
        enough = np.isfinite(block).sum(axis=0) >= min_group
        if not enough.any():
            continue
        dev = np.full(block.shape, np.nan)
        dev[:, enough] = block[:, enough] - np.nanmedian(block[:, enough], axis=0)
        resid = np.full(block.shape, np.nan)
        for j in range(block.shape[0]):
            for t in np.flatnonzero(np.isfinite(dev[j])):
                rest = np.delete(dev[j], t)
                rest = rest[np.isfinite(rest)]
                if rest.size >= min_history:
                    resid[j, t] = dev[j, t] - float(np.median(rest))
        r = resid[np.isfinite(resid)]
        if r.size < 2 * min_group:
            continue
        scale = 1.4826 * float(np.median(np.abs(r - np.median(r))))
        if scale <= 0:
            continue
        zc = resid / scale
        z[rows] = zc
        p[rows] = 2 * stats.t.sf(np.abs(zc), max(1.0, 0.37 * (r.size - 1)))
    return z, p


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
