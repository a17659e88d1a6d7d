"""Outlier treatment exactly as COINr's default ``Treat()`` (v1.1.14, R/treat.R, MIT).

COINr checks each indicator for skew and kurtosis; if it fails, it Winsorises one extreme
point at a time (up to ``winmax``); if that still fails it log-transforms the *original*
values instead (``combine_treat = FALSE``). Reproducing it bit for bit lets an assessment
built here be checked against the COINr ASEM example. See ``docs/coinr_parity.md``.

NaN means missing and is ignored by every statistic, as COINr does with ``na.rm = TRUE``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from zhengji.errors import MethodError

__all__ = [
    "TreatResult",
    "WinsoriseResult",
    "check_skew_kurt",
    "coinr_treat",
    "kurt",
    "log_ct",
    "skew",
    "treat_matrix",
    "winsorise",
]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class WinsoriseResult:
    """Output of :func:`winsorise`.

    ``low``/``high`` are the positions COINr marks ``winlo``/``winhi`` (the points that now
    carry a replaced value); ``nwin`` is COINr's count ``length(imax) + length(imin)``.
    """

    values: FloatArray
    low: tuple[int, ...]
    high: tuple[int, ...]
    nwin: int
    passed: bool


@dataclass(frozen=True)
class TreatResult:
    """Outcome of COINr's default treatment of one indicator.

    ``passed`` says whether the returned ``values`` pass the skew/kurtosis check. When the
    log transform is used the Winsorised values are discarded (COINr logs the original), so
    ``winsorised_low``/``winsorised_high`` are empty.
    """

    values: FloatArray
    winsorised_low: tuple[int, ...]
    winsorised_high: tuple[int, ...]
    log_transformed: bool
    passed: bool
    detail: str


def _observed(x: FloatArray | list[float]) -> FloatArray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1:
        raise MethodError(f"需要一维数组 expected a 1-D array, got shape {arr.shape}")
    return arr[~np.isnan(arr)]


def skew(x: FloatArray | list[float]) -> float:
    """Sample skewness, e1071 ``type = 2`` (Excel's SKEW), as COINr ``skew()``.

    Needs at least 3 non-missing values (COINr stops otherwise). A constant vector gives NaN.
    """
    v = _observed(x)
    n = v.size
    if n < 3:
        raise MethodError(
            f"计算偏度至少需要3个非缺失值 skewness needs at least 3 non-missing values, got {n}"
        )
    d = v - v.mean()
    s2 = np.sum(d**2)  # NumPy scalars: 0/0 gives NaN as in R, not an exception
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.sqrt(n) * np.sum(d**3) / (s2 ** (3 / 2))
    return float(y * np.sqrt(n * (n - 1)) / (n - 2))


def kurt(x: FloatArray | list[float]) -> float:
    """Sample excess kurtosis, e1071 ``type = 2`` (Excel's KURT), as COINr ``kurt()``.

    Needs at least 4 non-missing values (COINr stops otherwise). A constant vector gives NaN.
    """
    v = _observed(x)
    n = v.size
    if n < 4:
        raise MethodError(
            f"计算峰度至少需要4个非缺失值 kurtosis needs at least 4 non-missing values, got {n}"
        )
    d = v - v.mean()
    s2 = np.sum(d**2)  # NumPy scalars: 0/0 gives NaN as in R, not an exception
    with np.errstate(invalid="ignore", divide="ignore"):
        r = n * np.sum(d**4) / (s2**2)
    return float(((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))


def _pass3(x: FloatArray, skew_thresh: float, kurt_thresh: float) -> bool | None:
    """COINr's ``(abs(sk) < skew_thresh) | (kt < kurt_thresh)`` with R's NA logic (None = NA)."""
    sk, kt = skew(x), kurt(x)
    a = None if np.isnan(sk) else bool(abs(sk) < skew_thresh)
    b = None if np.isnan(kt) else bool(kt < kurt_thresh)
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


def check_skew_kurt(
    x: FloatArray | list[float], skew_thresh: float = 2.0, kurt_thresh: float = 3.5
) -> bool:
    """COINr ``check_SkewKurt``: pass if ``|skew| < skew_thresh`` OR ``kurt < kurt_thresh``.

    An indicator fails only when both are at or beyond their thresholds. When neither can be
    computed (a constant vector) COINr returns NA; here that is ``False``.
    """
    return _pass3(np.asarray(x, dtype=np.float64), skew_thresh, kurt_thresh) is True


def winsorise(
    x: FloatArray | list[float],
    winmax: int | None = 5,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
    winchange: bool = True,
) -> WinsoriseResult:
    """COINr ``winsorise()``: move the extreme value(s) to the next value, one step at a time.

    Each step replaces every point equal to the maximum (positive skew) or minimum (negative
    skew) by the next value inwards, then re-checks. It stops when the check passes or COINr's
    count ``length(imax) + length(imin)`` reaches ``winmax`` (``None`` = no limit).
    ``winchange = True`` re-reads the skew sign at every step (COINr v1.x); ``False`` keeps
    the side chosen by the initial skew (COINr6 ``treat(winchange = FALSE)``).
    """
    vals = np.array(x, dtype=np.float64, copy=True)
    if vals.ndim != 1:
        raise MethodError(f"需要一维数组 expected a 1-D array, got shape {vals.shape}")
    passing = _pass3(vals, skew_thresh, kurt_thresh)
    imax: NDArray[np.intp] = np.array([], dtype=np.intp)
    imin: NDArray[np.intp] = np.array([], dtype=np.intp)
    nwin = 0
    fixed_high = None if winchange else skew(vals) > 0
    while passing is False and (winmax is None or nwin < winmax):
        go_high = (skew(vals) >= 0) if fixed_high is None else fixed_high
        if go_high:
            ext = np.nanmax(vals)
            imax = np.flatnonzero(vals == ext)
            rest = np.delete(vals, imax)
            if np.all(np.isnan(rest)):
                break
            vals[imax] = np.nanmax(rest)
        else:
            ext = np.nanmin(vals)
            imin = np.flatnonzero(vals == ext)
            rest = np.delete(vals, imin)
            if np.all(np.isnan(rest)):
                break
            vals[imin] = np.nanmin(rest)
        nwin = int(imax.size + imin.size)
        passing = _pass3(vals, skew_thresh, kurt_thresh)
    low_set = {int(i) for i in imin}  # COINr writes "winlo" after "winhi", so low wins
    high = tuple(sorted(int(i) for i in imax if int(i) not in low_set))
    return WinsoriseResult(
        values=vals,
        low=tuple(sorted(low_set)),
        high=high,
        nwin=nwin,
        passed=passing is True,
    )


def log_ct(x: FloatArray | list[float]) -> FloatArray:
    """COINr ``log_CT``: ``log(x - min(x) + 0.01 * (max(x) - min(x)))``, NaN kept.

    The minimum maps to ``log(0.01 * range)``; order is preserved (unlike COINr's log_GII).
    """
    vals = np.asarray(x, dtype=np.float64)
    lo, hi = np.nanmin(vals), np.nanmax(vals)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.log(vals - lo + 0.01 * (hi - lo)), dtype=np.float64)


def coinr_treat(
    x: FloatArray | list[float],
    winmax: int | None = 5,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
) -> TreatResult:
    """COINr's default ``Treat.numeric`` on one indicator (winsorise → log_CT of the original)."""
    orig = np.array(x, dtype=np.float64, copy=True)
    p0 = _pass3(orig, skew_thresh, kurt_thresh)
    if p0 is None:
        return TreatResult(orig, (), (), False, False, "skew/kurtosis undefined; untreated")
    if p0:
        return TreatResult(orig, (), (), False, True, "passes; untreated")
    w = winsorise(orig, winmax, skew_thresh, kurt_thresh)
    p1 = _pass3(w.values, skew_thresh, kurt_thresh)
    if p1 is None:
        return TreatResult(orig, (), (), False, False, "skew/kurtosis undefined; untreated")
    if p1:
        detail = f"winsorised {w.nwin} point(s)"
        return TreatResult(w.values, w.low, w.high, False, True, detail)
    logged = log_ct(orig)
    p2 = _pass3(logged, skew_thresh, kurt_thresh)
    if p2 is None:
        return TreatResult(orig, (), (), False, False, "skew/kurtosis undefined; untreated")
    detail = f"winsorising {w.nwin} point(s) did not pass; log_CT of original values"
    return TreatResult(logged, (), (), True, p2, detail)


def treat_matrix(
    X: FloatArray,
    winmax: int | None = 5,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
) -> tuple[FloatArray, list[TreatResult]]:
    """Apply :func:`coinr_treat` to every column of ``X`` (units × indicators)."""
    arr = np.asarray(X, dtype=np.float64)
    if arr.ndim != 2:
        raise MethodError(f"需要二维矩阵 expected a 2-D matrix, got shape {arr.shape}")
    results = [
        coinr_treat(arr[:, j], winmax, skew_thresh, kurt_thresh) for j in range(arr.shape[1])
    ]
    out = np.column_stack([r.values for r in results]) if results else arr.copy()
    return out.astype(np.float64), results
