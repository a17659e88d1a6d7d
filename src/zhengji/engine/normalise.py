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
    "block_rows",
    "column_extremes",
    "column_mean_sd",
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
BoolArray = NDArray[np.bool_]
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
    # A constant column has zero SD; its computed SD can be a rounding residue (1e-17).
    constant = n == 1 or np.nanmin(col) == np.nanmax(col)
    sd = 0.0 if constant else float(np.nanstd(col, ddof=1))
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


# --- the whole matrix at once -------------------------------------------------------------------
# ``normalise_matrix`` computes each column's statistics with column reductions, turns every
# method except rank/percentile into an affine map ``((x - a) / b) [clipped] * c + e`` with
# per-column parameters, and applies it in one pass over row blocks small enough to stay in
# cache. The parameters are chosen so each element goes through the same floating-point
# operations as in the one-column functions (x·d − lo ≡ (x − d·lo)·d exactly for d = ±1).
_BLOCK = 16_384  # elements per row block (128 KiB of float64)


def block_rows(k: int) -> int:
    """Rows per block so a block of ``k`` columns stays in cache (at least one row)."""
    return max(1, _BLOCK // max(k, 1))


def column_extremes(mat: FloatArray) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Column min and max ignoring NaN (NaN for an all-missing column), and which columns hold
    a NaN; raises on ±inf.

    ``min``/``max`` propagate NaN, so two plain reductions find the gaps for free; only the
    columns with gaps are reduced again with ``fmin``/``fmax``. An infinite value shows up as
    an infinite extreme, so this is the infinite-value check too.
    """
    n, k = mat.shape
    if n == 0:
        nan = np.full(k, np.nan)
        return nan, nan.copy(), np.zeros(k, dtype=bool)
    lo = np.asarray(mat.min(axis=0), dtype=np.float64)
    hi = np.asarray(mat.max(axis=0), dtype=np.float64)
    gaps = np.isnan(lo)
    if gaps.any():  # again, ignoring NaN, block by block (no copy of the gap columns)
        lo[gaps], hi[gaps] = np.inf, -np.inf
        for start in range(0, n, block_rows(k)):
            block = mat[start : start + block_rows(k)]
            np.fmin(lo, np.fmin.reduce(block, axis=0), out=lo)
            np.fmax(hi, np.fmax.reduce(block, axis=0), out=hi)
        gone = gaps & (lo == np.inf)  # every value missing
        lo[gone], hi[gone] = np.nan, np.nan
    bad = np.isinf(lo) | np.isinf(hi)
    if bad.any():
        raise MethodError(
            f"数据含无穷值 the matrix contains infinite values (columns "
            f"{np.flatnonzero(bad).tolist()[:10]})"
        )
    return lo, hi, gaps


def column_mean_sd(
    mat: FloatArray, gaps: BoolArray, cols: NDArray[np.intp] | None = None
) -> tuple[FloatArray, FloatArray]:
    """Mean and sample SD (ddof=1) of ``cols`` (default all), ignoring NaN; NaN where too few.

    ``gaps`` flags the columns that may hold NaN (from ``column_extremes``). Two passes
    (sum, then squared deviations over row blocks), so the matrix is never copied.
    """
    if cols is None:
        cols = np.arange(mat.shape[1], dtype=np.intp)
    if cols.size == 0:
        return np.zeros(0), np.zeros(0)
    n = mat.shape[0]
    sub_gaps = gaps[cols]
    whole = cols.size == mat.shape[1]
    step = block_rows(cols.size)
    count = np.full(cols.size, float(n))
    if sub_gaps.any():
        total = np.zeros(cols.size)
        for start in range(0, n, step):
            block = mat[start : start + step]
            sub = block if whole else block[:, cols]
            present = ~np.isnan(sub)
            count -= (~present).sum(axis=0)
            total += np.where(present, sub, 0.0).sum(axis=0)
    else:
        total = np.asarray(mat.sum(axis=0), dtype=np.float64)[cols]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
    ss = np.zeros(cols.size)
    for start in range(0, n, step):
        block = mat[start : start + step]
        dev = (block if whole else block[:, cols]) - mean
        np.multiply(dev, dev, out=dev)
        if sub_gaps.any():
            np.fmax(dev, 0.0, out=dev)  # squares are ≥ 0: this only turns NaN into 0
        ss += dev.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(ss / (count - 1.0))
    return mean, np.where(count > 1, sd, np.nan)


def _check_matrix_args(mat: FloatArray, specs: Sequence[Spec], dirs: NDArray[Any]) -> None:
    if mat.ndim != 2:
        raise MethodError(f"需要二维矩阵 expected an (n, k) matrix, got shape {mat.shape}")
    k = mat.shape[1]
    if len(specs) != k or dirs.shape != (k,):
        raise MethodError(
            f"列数不一致 {k} columns but {len(specs)} specs and {dirs.size} directions"
        )
    bad_dir = [d for d in dirs.tolist() if d not in (1, -1)]
    if bad_dir:
        raise MethodError(f"方向须为 1 或 -1 direction must be 1 or -1, got {bad_dir[0]}")
    for spec in specs:
        if spec.method not in METHODS:
            raise MethodError(
                f"未知的标准化方法 unknown normalisation method '{spec.method}'; "
                f"allowed: {', '.join(METHODS)}"
            )


def normalise_matrix(
    X: ArrayLike,
    specs: Sequence[Spec],
    directions: ArrayLike,
    out: FloatArray | None = None,
) -> FloatArray:
    """Normalise column ``j`` of an ``(n, k)`` matrix with ``specs[j]`` and ``directions[j]``.

    Same values as ``normalise`` column by column, in one cache-friendly pass over the data.
    The input is not copied; ``out`` (float64, ``(n, k)``; may be ``X`` itself to normalise in
    place) receives the result, otherwise a new array is returned.
    """
    mat = np.asarray(X, dtype=np.float64)
    dirs = np.asarray(directions)
    _check_matrix_args(mat, specs, dirs)
    n, k = mat.shape
    if out is None:
        out = np.empty((n, k))
    elif out.shape != (n, k) or out.dtype != np.float64:
        raise MethodError(f"输出数组不符 out must be float64 with shape {(n, k)}, got {out.shape}")
    if n == 0:
        return out
    lo, hi, gaps = column_extremes(mat)
    a, b, c, e = np.zeros(k), np.ones(k), np.ones(k), np.zeros(k)
    clip_lo, clip_hi = np.full(k, -np.inf), np.full(k, np.inf)
    methods = [spec.method for spec in specs]
    zcols = np.array([j for j, m in enumerate(methods) if m == "zscore"], dtype=np.intp)
    z_mean, z_sd = column_mean_sd(mat, gaps, zcols)
    z_at = {j: i for i, j in enumerate(zcols.tolist())}
    ranked: dict[int, FloatArray] = {}
    for j, spec in enumerate(specs):
        d = int(dirs[j])
        # extremes of d·x: negating swaps them exactly
        dlo, dhi = (float(lo[j]), float(hi[j])) if d == 1 else (-float(hi[j]), -float(lo[j]))
        if spec.method in ("rank", "percentile"):
            ranked[j] = METHODS[spec.method](mat[:, j] * d, spec, d)
        elif np.isnan(dlo):  # all missing: NaN in, NaN out
            continue
        elif isinstance(spec, MinMax):
            if dhi == dlo:
                c[j], e[j] = 0.0, (spec.low + spec.high) / 2.0
            else:
                a[j], b[j] = d * dlo, d * (dhi - dlo)
                c[j], e[j] = spec.high - spec.low, spec.low
        elif isinstance(spec, ZScore):
            mean, sd = float(z_mean[z_at[j]]), float(z_sd[z_at[j]])
            if dhi == dlo or sd == 0.0:
                c[j], e[j] = 0.0, spec.centre
            else:
                a[j], b[j] = mean, d * sd
                c[j], e[j] = spec.spread, spec.centre
        elif isinstance(spec, Goalposts):
            g_lo, g_hi = (spec.min, spec.max) if d == 1 else (-spec.max, -spec.min)
            if not g_hi > g_lo:
                raise MethodError(
                    f"目标值上限须大于下限 goalpost max ({g_hi}) must exceed min ({g_lo})"
                )
            a[j], b[j] = d * g_lo, d * (g_hi - g_lo)
            c[j], e[j] = spec.high - spec.low, spec.low
            if spec.clip:
                clip_lo[j], clip_hi[j] = 0.0, 1.0
        elif isinstance(spec, DistanceToTarget):
            target = d * spec.target
            if target <= dlo:
                if not spec.cap:
                    distance_to_target(np.array([dlo]), target, cap=False)  # raises
                c[j], e[j] = 0.0, spec.high
            else:
                a[j], b[j] = d * dlo, d * (target - dlo)
                c[j], e[j] = spec.high - spec.low, spec.low
                if spec.cap:
                    clip_hi[j] = 1.0
    clip = bool(np.isfinite(clip_lo).any() or np.isfinite(clip_hi).any())
    step = block_rows(k)
    for start in range(0, n, step):
        y = out[start : start + step]
        np.subtract(mat[start : start + step], a, out=y)
        np.divide(y, b, out=y)
        if clip:
            np.clip(y, clip_lo, clip_hi, out=y)
        np.multiply(y, c, out=y)
        np.add(y, e, out=y)
    for j, col in ranked.items():
        out[:, j] = col
    return out
