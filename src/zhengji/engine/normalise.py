"""Normalisation: put indicators on a common "higher is better" scale (COINr ``n_*`` family).

Every function takes one column ``x`` (float64, NaN = missing) and returns an array of the same
shape with NaN exactly where ``x`` had NaN; statistics (min, max, mean, SD, ranks) ignore NaN.

Direction ``-1`` (lower is better) is applied as COINr's ``Normalise.numeric`` does: ``x`` is
multiplied by -1 first, and for goalposts / distance-to-target the bounds or target are negated
too, so the result is always "higher is better".

Conventions where a statistic is degenerate (documented because peers differ):

* ``minmax`` on a constant column (zero range) returns ``(low + high) / 2`` for every unit.
  COINr's ``n_minmax`` returns NaN with a warning; we keep the indicator neutral instead of
  turning it into missing data (which would lower the units' data availability).
* ``zscore`` with zero SD, or fewer than two values, returns ``centre``.
* ``percentile`` with a single value returns ``(low + high) / 2``.
* ``rank`` and ``percentile`` give ties the average rank (COINr's ``n_rank`` / ``n_prank``
  default to the minimum rank).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import rankdata

from zhengji.errors import MethodError
from zhengji.scheme.model import (
    DistanceToTarget,
    Goalposts,
    MinMax,
    Percentile,
    Rank,
    ZScore,
)

__all__ = [
    "METHODS",
    "distance_to_target",
    "goalposts",
    "minmax",
    "normalise",
    "normalise_matrix",
    "percentile",
    "rank",
    "zscore",
]

FloatArray = NDArray[np.float64]
Spec = MinMax | ZScore | Goalposts | DistanceToTarget | Rank | Percentile


def _column(x: ArrayLike) -> FloatArray:
    arr = np.array(x, dtype=np.float64)
    if arr.ndim != 1:
        raise MethodError(f"需要一维数组 expected a 1-D column, got shape {arr.shape}")
    if np.isinf(arr).any():
        raise MethodError("数据含无穷值 the column contains infinite values")
    return arr


def _all_missing(x: FloatArray) -> bool:
    return bool(np.isnan(x).all())


def minmax(x: ArrayLike, low: float = 0.0, high: float = 100.0) -> FloatArray:
    """``(x - min) / (max - min)`` scaled to ``[low, high]`` (COINr ``n_minmax``)."""
    col = _column(x)
    if _all_missing(col):
        return col
    lo, hi = np.nanmin(col), np.nanmax(col)
    if hi == lo:
        return np.where(np.isnan(col), np.nan, (low + high) / 2.0)
    return (col - lo) / (hi - lo) * (high - low) + low


def zscore(x: ArrayLike, centre: float = 0.0, spread: float = 1.0) -> FloatArray:
    """Standardise to mean ``centre`` and sample SD ``spread`` (ddof=1, like R's ``sd``)."""
    col = _column(x)
    n = int(np.count_nonzero(~np.isnan(col)))
    if n == 0:
        return col
    mean = np.nanmean(col)
    sd = float(np.nanstd(col, ddof=1)) if n > 1 else 0.0
    if sd == 0.0:
        return np.where(np.isnan(col), np.nan, centre)
    return (col - mean) / sd * spread + centre


def goalposts(
    x: ArrayLike,
    lo: float,
    hi: float,
    low: float = 0.0,
    high: float = 100.0,
    clip: bool = True,
) -> FloatArray:
    """Fixed goalposts: ``lo`` scores ``low`` and ``hi`` scores ``high`` (COINr ``n_goalposts``).

    With ``clip`` values beyond the goalposts are truncated to them, so scores are comparable
    across periods and units outside the posts do not stretch the scale.
    """
    col = _column(x)
    if not hi > lo:
        raise MethodError(f"目标值上限须大于下限 goalpost max ({hi}) must exceed min ({lo})")
    y = (col - lo) / (hi - lo)
    if clip:
        y = np.clip(y, 0.0, 1.0)
    return y * (high - low) + low


def distance_to_target(
    x: ArrayLike,
    target: float,
    cap: bool = True,
    low: float = 0.0,
    high: float = 100.0,
) -> FloatArray:
    """Progress from the worst observed value to ``target``: ``(x - min) / (target - min)``.

    COINr ``n_dist2targ`` (scaled to ``[low, high]``); with ``cap`` a value past the target
    scores ``high``. When every unit already meets the target, capped scores are all ``high``.
    """
    col = _column(x)
    if _all_missing(col):
        return col
    worst = float(np.nanmin(col))
    if target <= worst:
        if cap:
            return np.where(np.isnan(col), np.nan, high)
        raise MethodError(
            f"目标值不高于最差观测值 target ({target}) does not exceed the worst observed value "
            f"({worst}); use cap = true or another normalisation"
        )
    y = (col - worst) / (target - worst)
    if cap:
        y = np.minimum(y, 1.0)
    return y * (high - low) + low


def rank(x: ArrayLike) -> FloatArray:
    """Rank among the non-missing values: 1 = worst (lowest), ties share the average rank."""
    col = _column(x)
    out = np.full(col.shape, np.nan)
    ok = ~np.isnan(col)
    if ok.any():
        out[ok] = np.asarray(rankdata(col[ok], method="average"), dtype=np.float64)
    return out


def percentile(x: ArrayLike, low: float = 0.0, high: float = 100.0) -> FloatArray:
    """Percentile rank ``(rank - 1) / (n - 1)`` scaled to ``[low, high]`` (COINr ``n_prank``)."""
    r = rank(x)
    n = int(np.count_nonzero(~np.isnan(r)))
    if n == 0:
        return r
    if n == 1:
        return np.where(np.isnan(r), np.nan, (low + high) / 2.0)
    return (r - 1.0) / (n - 1) * (high - low) + low


# --- dispatch ----------------------------------------------------------------------------------
# Each entry receives the column already multiplied by ``direction`` and the direction itself,
# so bounds given in raw units can be negated the same way.
def _by_minmax(x: FloatArray, spec: Any, direction: int) -> FloatArray:
    return minmax(x, spec.low, spec.high)


def _by_zscore(x: FloatArray, spec: Any, direction: int) -> FloatArray:
    return zscore(x, spec.centre, spec.spread)


def _by_goalposts(x: FloatArray, spec: Any, direction: int) -> FloatArray:
    # The posts are raw-unit bounds (min < max). Negating them swaps their order: for a
    # lower-is-better indicator ``max`` is the worst value and scores ``low`` (COINr).
    lo, hi = (spec.min, spec.max) if direction == 1 else (-spec.max, -spec.min)
    return goalposts(x, lo, hi, spec.low, spec.high, spec.clip)


def _by_distance_to_target(x: FloatArray, spec: Any, direction: int) -> FloatArray:
    return distance_to_target(x, direction * spec.target, spec.cap, spec.low, spec.high)


def _by_rank(x: FloatArray, spec: Any, direction: int) -> FloatArray:
    return rank(x)


def _by_percentile(x: FloatArray, spec: Any, direction: int) -> FloatArray:
    return percentile(x, spec.low, spec.high)


METHODS: dict[str, Callable[[FloatArray, Any, int], FloatArray]] = {
    "minmax": _by_minmax,
    "zscore": _by_zscore,
    "goalposts": _by_goalposts,
    "distance_to_target": _by_distance_to_target,
    "rank": _by_rank,
    "percentile": _by_percentile,
}


def normalise(x: ArrayLike, spec: Spec, direction: int = 1) -> FloatArray:
    """Normalise one column with a scheme ``spec``; the result is always higher-is-better."""
    if direction not in (1, -1):
        raise MethodError(f"方向须为 1 或 -1 direction must be 1 or -1, got {direction}")
    try:
        fn = METHODS[spec.method]
    except KeyError:
        raise MethodError(
            f"未知的标准化方法 unknown normalisation method '{spec.method}'; "
            f"allowed: {', '.join(METHODS)}"
        ) from None
    return fn(_column(x) * direction, spec, direction)


def normalise_matrix(
    X: ArrayLike, specs: Sequence[Spec], directions: ArrayLike
) -> FloatArray:
    """Normalise column ``j`` of an ``(n, k)`` matrix with ``specs[j]`` and ``directions[j]``."""
    mat = np.array(X, dtype=np.float64)
    dirs = np.asarray(directions)
    if mat.ndim != 2:
        raise MethodError(f"需要二维矩阵 expected an (n, k) matrix, got shape {mat.shape}")
    k = mat.shape[1]
    if len(specs) != k or dirs.shape != (k,):
        raise MethodError(
            f"列数不一致 {k} columns but {len(specs)} specs and {dirs.size} directions"
        )
    out = np.empty_like(mat)
    for j in range(k):
        out[:, j] = normalise(mat[:, j], specs[j], int(dirs[j]))
    return out
