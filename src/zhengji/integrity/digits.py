"""Digit tests for invented figures: Benford (first, second, first two) and last digits.

Pure functions: arrays in, frozen results out. Digits are those of the figure *as reported*
with ``decimals`` decimals (default 0: whole numbers), i.e. of ``Z = round(|x| * 10**decimals)``,
as benford_py does (it truncates; we round so 0.1 + 0.2 reported to one decimal is 3, not 2).
Counting is one vectorised, chunked pass of exact float arithmetic (no strings), so 10^8 values
take about half a second and a few MB (see ``bench/integrity.py``); counts from several passes add.
Formulas, thresholds and references are in ``docs/integrity.md``.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from typing import cast

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, stats

from zhengji.errors import MethodError

__all__ = [
    "BENFORD_TESTS",
    "LAST_TESTS",
    "MAD_C",
    "NIGRINI_MAD",
    "SHARE_TESTS",
    "TEST_NAMES",
    "DigitCounts",
    "DigitTest",
    "count_digits",
    "digit_tests",
    "distribution_test",
    "expected_distribution",
    "last_digits",
    "leading_digits",
    "min_n",
    "run_test",
    "second_digits",
    "share_test",
]

BENFORD_TESTS = ("first", "second", "first_two")
LAST_TESTS = ("last", "last_two")
SHARE_TESTS = ("repeated_pairs", "adjacent_pairs", "round_0_5")
TEST_NAMES: dict[str, tuple[str, str]] = {
    "first": ("首位数字", "first-digit"),
    "second": ("第二位数字", "second-digit"),
    "first_two": ("前两位数字", "first-two-digits"),
    "last": ("末位数字", "last-digit"),
    "last_two": ("末两位数字", "last-two-digits"),
    "repeated_pairs": ("末两位相同（如 33）", "repeated last-two-digit pairs (e.g. 33)"),
    "adjacent_pairs": ("末两位相邻（如 34、43）", "adjacent last-two-digit pairs (e.g. 34, 43)"),
    "round_0_5": ("以 0 或 5 结尾", "values ending in 0 or 5"),
}
#: Nigrini (2012) Table 7.1 MAD bounds: close / acceptable / marginally acceptable conformity.
NIGRINI_MAD: dict[str, tuple[float, float, float]] = {
    "first": (0.006, 0.012, 0.015),
    "second": (0.008, 0.010, 0.012),
    "first_two": (0.0012, 0.0018, 0.0022),
}
#: E[MAD] ≈ 1/sqrt(C·N) for an honest Benford sample: C = π K² / (2 (Σ sqrt(p(1-p)))²).
MAD_C: dict[str, float] = {"first": 18.131, "second": 17.518, "first_two": 158.83}

_POWER_W = 0.3  # Cohen's (1988) "medium" effect size w for the minimum-size rule
_MATERIAL_W = 0.1  # Cohen's "small" effect: smaller deviations are not worth a finding
_EXACT = 2.0**53  # integers above this are not exact in float64: no trailing digits
_P10 = 10.0 ** np.arange(-1, 308)  # _P10[e] == 10**(e-1), exact for e <= 23
_P10I = np.array([10**k for k in range(19)], dtype=np.int64)

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


# --- digit extraction -------------------------------------------------------------------------
def leading_digits(x: ArrayLike, n: int = 1) -> IntArray:
    """First ``n`` significant digits of each positive value (1000 → 1, 0.3 → 3, n=2: 0.3 → 30).

    Read at 15 significant digits (what a double always round-trips), so float noise such as
    0.1 + 0.2 = 0.30000000000000004 or 2.9999999999999996 does not change a digit; the result
    equals the digits of ``f"{x:.14e}"``. Non-positive, NaN or infinite values give -1.
    """
    if not 1 <= n <= 15:
        raise MethodError(f"位数 n 必须在 1 到 15 之间 n must be 1..15, got {n}")
    v = np.asarray(x, dtype=np.float64)
    out = np.full(v.shape, -1, dtype=np.int64)
    ok = (v > 0) & np.isfinite(v)
    w = v[ok]
    if w.size:
        e = np.floor(np.log10(w)).astype(np.int64)
        k = 14 - e
        half = np.abs(k) // 2  # two exact-ish steps: 10**k alone overflows for tiny values
        p1, p2 = 10.0**half, 10.0 ** (np.abs(k) - half)
        with np.errstate(over="ignore", under="ignore"):  # only the unused branch overflows
            m = np.rint(np.where(k >= 0, w * p1 * p2, w / p1 / p2))
        m = np.where(m < 1e14, np.rint(m * 10.0), m)  # log10 rounded up across a power of ten
        mi = m.astype(np.int64)
        mi = np.where(mi >= 10**15, mi // 10, mi)  # 9.99…95 rounded up to 10.0
        out[ok] = mi // 10 ** (15 - n)
    return out


def second_digits(x: ArrayLike) -> IntArray:
    """Second significant digit (0–9) of each positive value; -1 where undefined."""
    two = leading_digits(x, 2)
    return np.where(two >= 0, two % 10, -1)


def last_digits(x: ArrayLike, n: int = 1, decimals: int = 0) -> IntArray:
    """Last ``n`` digits of each value as reported with ``decimals`` decimals.

    ``decimals=0`` treats values as whole numbers (12.6 → 13 → last digit 3); with
    ``decimals=2``, 12.34 → 1234 → 4. Gives -1 where the reported figure has no more than
    ``n`` digits (a last digit that is also the first one is not uniform), where it exceeds
    2**53 (no exact trailing digits in float64), or for non-positive/missing values.
    """
    v = np.asarray(x, dtype=np.float64)
    z = np.rint(np.abs(v) * 10.0**decimals)
    ok = (v > 0) & (z >= 10**n) & (z < _EXACT)
    out = np.full(v.shape, -1, dtype=np.int64)
    out[ok] = z[ok].astype(np.int64) % 10**n
    return out


# --- counting ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class DigitCounts:
    """Digit counts of the reported integers ``Z``; additive, so chunks and workers can merge.

    ``single``: Z in 1..9 by value (index 0 ↔ 1); ``first_two``: Z ≥ 10 by first two digits
    (index 0 ↔ 10); ``last_two``: 100 ≤ Z < 2**53 by Z mod 100; ``last_small``: 10 ≤ Z < 100 by
    last digit. ``n_invalid``: NaN, infinite or non-positive; ``n_zero``: rounds to 0 at the
    reported precision; ``n_huge``: Z ≥ 2**53 (in Benford tests, not in last-digit tests).
    """

    single: IntArray
    first_two: IntArray
    last_two: IntArray
    last_small: IntArray
    n_invalid: int
    n_zero: int
    n_huge: int
    z_min: float
    z_max: float

    def __add__(self, other: DigitCounts) -> DigitCounts:
        return DigitCounts(
            self.single + other.single,
            self.first_two + other.first_two,
            self.last_two + other.last_two,
            self.last_small + other.last_small,
            self.n_invalid + other.n_invalid,
            self.n_zero + other.n_zero,
            self.n_huge + other.n_huge,
            min(self.z_min, other.z_min),
            max(self.z_max, other.z_max),
        )

    @staticmethod
    def empty() -> DigitCounts:
        z = np.zeros
        return DigitCounts(
            z(9, np.int64), z(90, np.int64), z(100, np.int64), z(10, np.int64),
            0, 0, 0, math.inf, -math.inf,
        )  # fmt: skip

    def counts(self, test: str) -> IntArray:
        """Counts per digit category for ``test`` (a name in ``TEST_NAMES`` but the shares)."""
        f2 = self.first_two.reshape(9, 10)
        if test == "first":
            return _fi(self.single + f2.sum(axis=1))
        if test == "second":
            return _fi(f2.sum(axis=0))
        if test == "first_two":
            return self.first_two.copy()
        if test == "last":
            return _fi(self.last_two.reshape(10, 10).sum(axis=0) + self.last_small)
        if test == "last_two":
            return self.last_two.copy()
        raise MethodError(f"未知的数字检验 unknown digit test '{test}'")

    @property
    def n_excluded(self) -> int:
        return self.n_invalid + self.n_zero


def _count_general(x: FloatArray, scale: float) -> DigitCounts:
    """Any values (the slow path for what ``_Counter`` leaves): Z = rint(x·scale), leading
    digits by float division (exact int64 or str beyond 1e15), trailing digits by int64 mod.
    """
    n_invalid = 0
    if not (x.size and x.min() > 0 and x.max() < np.inf):
        ok = (x > 0) & (x < np.inf)
        n_invalid = int(x.size - np.count_nonzero(ok))
        x = x[ok]
    with np.errstate(over="ignore"):
        z = np.rint(x * scale) if scale != 1.0 else np.rint(x)
    n_zero = 0
    if z.size and not (z.min() >= 1.0 and z.max() < np.inf):
        pos = (z >= 1.0) & (z < np.inf)
        n_zero = int(np.count_nonzero(z < 1.0))
        n_invalid += int(z.size - n_zero - np.count_nonzero(pos))
        z = z[pos]
    if z.size == 0:
        return DigitCounts(*_zeros(), n_invalid, n_zero, 0, math.inf, -math.inf)
    z_min, z_max = float(z.min()), float(z.max())
    e = np.log10(z).astype(np.intp)  # floor, since z >= 1; may be off by one at 10**k
    f = z / _P10[e]  # first two digits for z >= 10, exact while z < 1e15
    np.floor(f, out=f)
    fi = f.astype(np.intp)
    if z_min >= 10.0 and z_max < 1e15 and fi.min() >= 10 and fi.max() <= 99:
        single = np.zeros(9, np.int64)
        first_two = np.bincount(fi, minlength=100)[10:]
    else:
        small = z < 10.0
        suspect = ((fi < 10) | (fi > 99) | (z >= 1e15)) & ~small
        if suspect.any():
            fi[suspect] = _exact_first_two(z[suspect])
        single = np.bincount(z[small].astype(np.intp), minlength=10)[1:]
        first_two = np.bincount(fi[~small], minlength=100)[10:]
    if z_min >= 100.0 and z_max < _EXACT:
        n_huge = 0
        last_two = np.bincount(z.astype(np.int64) % 100, minlength=100)
        last_small = np.zeros(10, np.int64)
    else:
        exact = z < _EXACT
        zi = z[exact & (z >= 10.0)].astype(np.int64)
        n_huge = int(z.size - np.count_nonzero(exact))
        big = zi >= 100
        last_two = np.bincount(zi[big] % 100, minlength=100)
        last_small = np.bincount(zi[~big] % 10, minlength=10)
    return DigitCounts(
        single.astype(np.int64), first_two.astype(np.int64), last_two.astype(np.int64),
        last_small.astype(np.int64), n_invalid, n_zero, n_huge, z_min, z_max,
    )  # fmt: skip


def _zeros() -> tuple[IntArray, IntArray, IntArray, IntArray]:
    z = np.zeros
    return z(9, np.int64), z(90, np.int64), z(100, np.int64), z(10, np.int64)


def _exact_first_two(z: FloatArray) -> NDArray[np.intp]:
    """First two digits of integer-valued floats ≥ 10, exactly: int64 where it fits, else str."""
    out = np.empty(z.size, dtype=np.intp)
    fits = z < 2.0**63
    zi = z[fits].astype(np.int64)
    e = np.searchsorted(_P10I, zi, side="right") - 1  # 10**e <= zi < 10**(e+1), exactly
    out[fits] = zi // _P10I[e - 1]
    rest = np.flatnonzero(~fits)
    for i, v in zip(rest.tolist(), z[rest].tolist(), strict=True):
        out[i] = int(str(int(v))[:2])
    return out


def _chunks(values: ArrayLike | Iterable[ArrayLike], chunk: int) -> Iterable[FloatArray]:
    if isinstance(values, np.ndarray) or np.isscalar(values) or isinstance(values, list | tuple):
        arr = np.asarray(values, dtype=np.float64).ravel()
        for start in range(0, arr.size, chunk):
            yield arr[start : start + chunk]
        return
    for part in cast(
        Iterable[ArrayLike], values
    ):  # an iterable of arrays (e.g. a generator reading a large file)
        yield from _chunks(np.asarray(part, dtype=np.float64), chunk)


_FAST_MAX = 2.0**47  # below this, ⌊Z·R⌋ (R a rounded-up 1/10**k) is exact: see _Counter
_NBINS = 20100  # 100·q + Z mod 100 for Z ≥ 100 (q: first two digits, 100..199 fold), 20000 + Z


def _up(r: Fraction) -> float:
    """Smallest double ≥ r: multiplying by it and flooring never loses an exact quotient."""
    f = float(r)
    return f if Fraction(f) >= r else math.nextafter(f, math.inf)


def _exponent_reciprocals() -> FloatArray:
    """``1/10**(t-1)`` rounded up, per biased float64 exponent E with t = ⌊log10 2**E⌋, so for
    2**E ≤ Z < 2**(E+1) the product Z·R lies in [10, 200) (1 below 2**4: small Z are keyed apart).
    """
    out = np.ones(2048)
    for e in range(4, 48):
        out[1023 + e] = _up(Fraction(1, 10 ** (len(str(2**e)) - 2)))
    return out


_R_EXP = _exponent_reciprocals()
_R_100 = _up(Fraction(1, 100))


class _Counter:
    """Counting state of one thread: fast-path bins, general-path counts, reused buffers.

    Fast path (1 ≤ Z < 2**47, the usual case): one key per value, ``100·q + Z mod 100`` with
    ``q = ⌊Z / 10**(t-1)⌋`` and ``t`` looked up from the binary exponent of Z, so q is the first
    two digits or (100..199) the first three, and ``20000 + Z`` for Z < 100; one ``bincount``
    per chunk, folded into DigitCounts once at the end. ``⌊Z·R⌋ = ⌊Z/P⌋`` exactly for R the
    smallest double ≥ 1/P: an exact quotient is never rounded down, and otherwise Z/P is at
    least 1/P ≥ 1e-13 below the next integer, more than R's and the product's rounding error
    (< 5e-14 for Z·R < 200; likewise Z/100 < 2**41). Anything else
    (non-positive, NaN, infinite, rounds to 0, ≥ 2**47) goes to ``_count_general``.
    """

    def __init__(self, scale: float) -> None:
        self.scale = scale
        self.bins = np.zeros(_NBINS, np.int64)
        self.rest = DigitCounts.empty()
        self.z_min, self.z_max = math.inf, -math.inf
        self._z = self._f = np.empty(0)
        self._k = np.empty(0, np.intp)

    def add(self, x: FloatArray) -> None:
        n = x.size
        if n == 0:
            return
        if n > self._z.size:
            self._z, self._f = np.empty(n), np.empty(n)
            self._k = np.empty(n, np.intp)
        z = self._z[:n]
        if self.scale != 1.0:
            np.multiply(x, self.scale, out=z)
            np.rint(z, out=z)
        else:
            np.rint(x, out=z)
        lo, hi = float(z.min()), float(z.max())  # NaN fails both tests below
        if lo >= 1.0 and hi < _FAST_MAX:
            self._fast(z, lo, hi)
            return
        ok = (z >= 1.0) & (z < _FAST_MAX)
        if ok.any():
            zk = z[ok]
            self._fast(zk, float(zk.min()), float(zk.max()))
        self.rest = self.rest + _count_general(x[~ok], self.scale)

    def _fast(self, z: FloatArray, lo: float, hi: float) -> None:
        n = z.size
        f, k = self._f[:n], self._k[:n]
        h = k.view(np.float64)  # k is free between the lookup and the key
        np.right_shift(z.view(np.int64), 52, out=k)  # biased binary exponent (z > 0)
        np.take(_R_EXP, k, out=f, mode="clip")
        np.multiply(f, z, out=f)
        np.floor(f, out=f)  # q
        np.multiply(z, _R_100, out=h)
        np.floor(h, out=h)  # ⌊Z/100⌋, so Z mod 100 = Z - 100·h
        np.subtract(f, h, out=f)
        np.multiply(f, 100.0, out=f)
        np.add(f, z, out=f)  # 100·q + Z mod 100
        if lo < 100.0:
            np.add(z, 20000.0, out=f, where=z < 100.0)
        np.copyto(k, f, casting="unsafe")
        self.bins += np.bincount(k, minlength=_NBINS)
        self.z_min, self.z_max = min(self.z_min, lo), max(self.z_max, hi)

    def counts(self) -> DigitCounts:
        b = self.bins
        q, small = b[:20000].reshape(200, 100), b[20000:]
        first_two = q[10:100].sum(axis=1) + small[10:]
        first_two[:10] += q[100:].sum(axis=1).reshape(10, 10).sum(axis=1)
        fast = DigitCounts(
            small[1:10].copy(), first_two, q.sum(axis=0), small[10:].reshape(9, 10).sum(axis=0),
            0, 0, 0, self.z_min, self.z_max,
        )  # fmt: skip
        return fast + self.rest


def _count_part(counter: _Counter, parts: Iterator[FloatArray], lock: threading.Lock) -> None:
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # per thread
        while True:
            with lock:  # one chunk at a time from a shared iterator: a generator never runs ahead
                part = next(parts, None)
            if part is None:
                return
            counter.add(part)


def count_digits(
    values: ArrayLike | Iterable[ArrayLike],
    decimals: int = 0,
    *,
    chunk_size: int = 1 << 16,
    workers: int = 1,
) -> DigitCounts:
    """Count every digit statistic in one chunked pass; ``workers`` threads share the chunks.

    ``values`` is an array or an iterable of arrays (so 10^8 values need never be in memory at
    once). NumPy releases the GIL in the arithmetic, so threads scale on several cores; each
    thread keeps its own counts and buffers (2**16 values: x and three buffers fit in L2).
    """
    if decimals < 0 or decimals > 15:
        raise MethodError(f"小数位数必须在 0 到 15 之间 decimals must be 0..15, got {decimals}")
    scale = 10.0**decimals
    parts = iter(_chunks(values, chunk_size))
    lock = threading.Lock()
    counters = [_Counter(scale) for _ in range(max(workers, 1))]
    if len(counters) == 1:
        _count_part(counters[0], parts, lock)
    else:
        with ThreadPoolExecutor(max_workers=len(counters)) as pool:
            for fut in [pool.submit(_count_part, c, parts, lock) for c in counters]:
                fut.result()
    total = DigitCounts.empty()
    for c in counters:
        total = total + c.counts()
    return total


# --- expected distributions and minimum sizes -------------------------------------------------
def expected_distribution(test: str) -> tuple[IntArray, FloatArray]:
    """Digit categories and their null proportions: Benford for leading, uniform for last."""
    if test == "first":
        d = np.arange(1, 10)
        return d, np.log10(1.0 + 1.0 / d)
    if test == "first_two":
        d = np.arange(10, 100)
        return d, np.log10(1.0 + 1.0 / d)
    if test == "second":
        p = np.log10(1.0 + 1.0 / np.arange(10, 100)).reshape(9, 10).sum(axis=0)
        return np.arange(10), p
    if test == "last":
        return np.arange(10), np.full(10, 0.1)
    if test == "last_two":
        return np.arange(100), np.full(100, 0.01)
    raise MethodError(f"未知的数字检验 unknown digit test '{test}'")


#: ``min_n`` of the built-in tests, precomputed (each root-find costs ~1 ms); a test checks them.
_MIN_N = {1: 88, 8: 167, 9: 174, 89: 429, 99: 449}


def min_n(df: int) -> int:
    """Smallest N at which a χ² test with ``df`` degrees of freedom has 80 % power at α = 0.05
    against Cohen's medium effect w = 0.3 (N = λ/w², λ the noncentrality; Cohen 1988 ch. 7).

    first 167, second and last 174, first two 429, last two 449, the 1-df share tests 88.
    """
    return _MIN_N[df] if df in _MIN_N else _power_min_n(df)


@cache
def _power_min_n(df: int) -> int:
    crit = stats.chi2.isf(0.05, df)
    lam = float(optimize.brentq(lambda nc: stats.ncx2.sf(crit, df, nc) - 0.8, 0.1, 1000.0))
    return math.ceil(lam / _POWER_W**2)


# --- the test record --------------------------------------------------------------------------
@dataclass(frozen=True)
class DigitTest:
    """Result of one digit test; ``verdict`` is conforming / marginal / nonconforming /
    insufficient, and ``p_value`` is the one the verdict used (``mad_p`` for Benford tests,
    ``chi2_p`` for last digits, the binomial p for shares). Arrays are read-only.
    """

    test: str
    n: int
    n_excluded: int
    digits: IntArray
    counts: IntArray
    observed: FloatArray
    expected: FloatArray
    chi2: float
    chi2_df: int
    chi2_p: float
    ks: float
    mad: float
    mad_expected: float
    mad_p: float
    z: FloatArray
    nigrini: str
    effect_w: float
    p_value: float
    verdict: str
    message_zh: str
    message_en: str


# --- statistics -------------------------------------------------------------------------------
def _fi(a: ArrayLike) -> IntArray:
    out = np.array(a, dtype=np.int64)
    out.flags.writeable = False
    return out


def _ff(a: ArrayLike) -> FloatArray:
    out = np.array(a, dtype=np.float64)
    out.flags.writeable = False
    return out


@cache
def _null_mads(test: str, n: int, n_sim: int, seed: int) -> FloatArray:
    """MADs of ``n_sim`` multinomial samples of size ``n`` under the null (cached per N)."""
    _, p = expected_distribution(test)
    sims = np.divide(np.random.default_rng(seed).multinomial(n, p, size=n_sim), n)
    np.subtract(sims, p, out=sims)  # in place: the same operations, no temporaries
    mads: FloatArray = np.abs(sims, out=sims).mean(axis=1)
    mads.flags.writeable = False
    return mads


def _mad_pvalue(test: str, n: int, mad: float, n_sim: int, seed: int) -> float:
    """Monte Carlo p of the observed MAD; beyond the simulated range (< 20 exceedances) a normal
    tail fitted to the simulated MADs, so strong deviations keep usable p-values for BH."""
    sims = _null_mads(test, n, n_sim, seed)
    exceed = int(np.count_nonzero(sims >= mad - 1e-15))
    if exceed >= 20:
        return (1 + exceed) / (n_sim + 1)
    return float(stats.norm.sf(mad, loc=sims.mean(), scale=sims.std(ddof=1)))


def _nigrini_class(test: str, mad: float) -> str:
    if test not in NIGRINI_MAD or not math.isfinite(mad):
        return ""
    close, acceptable, marginal = NIGRINI_MAD[test]
    if mad <= close:
        return "close"
    if mad <= acceptable:
        return "acceptable"
    return "marginal" if mad <= marginal else "nonconformity"


def _verdict(p: float, material: bool, strong: bool) -> str:
    if p < 0.01 and strong:
        return "nonconforming"
    if p < 0.05 and material:
        return "marginal"
    return "conforming"


def _insufficient(test: str, n: int, n_excl: int, need: int, why_zh: str, why_en: str) -> DigitTest:
    if test in SHARE_TESTS:
        digits, expected = np.array([1, 0]), np.full(2, np.nan)
    else:
        digits, expected = expected_distribution(test)
    nan = math.nan
    zh, en = TEST_NAMES[test]
    return DigitTest(
        test, n, n_excl, _fi(digits), _fi(np.zeros(digits.size)),
        _ff(np.full(digits.size, nan)), _ff(expected), nan, digits.size - 1, nan, nan,
        nan, nan, nan, _ff(np.full(digits.size, nan)), "", nan, nan, "insufficient",
        f"{zh}检验未做：{why_zh}（可用 {n} 个，排除 {n_excl} 个非正数、缺失或过小的数值）。",
        f"{en} test not run: {why_en} ({n} usable, {n_excl} non-positive, missing or too small "
        "values excluded).",
    )  # fmt: skip


def distribution_test(
    test: str, counts: IntArray, n_excluded: int = 0, *, n_sim: int = 2000, seed: int = 0
) -> DigitTest:
    """χ², KS, MAD (with its size-calibrated expectation and p), per-digit Z from digit counts.

    Benford tests judge the MAD against its simulated distribution at this N (verdict p) and
    Nigrini's table (materiality); last-digit tests use χ² p and Cohen's w ≥ 0.1.
    """
    digits, p = expected_distribution(test)
    counts = np.asarray(counts, dtype=np.int64)
    n = int(counts.sum())
    need = min_n(digits.size - 1)
    if n < need:
        return _insufficient(test, n, n_excluded, need, f"至少需要 {need} 个数值",
                             f"needs at least {need} values")  # fmt: skip
    obs = counts / n
    dev = np.abs(obs - p)
    chi2 = float(((counts - n * p) ** 2 / (n * p)).sum())
    df = digits.size - 1
    chi2_p = float(stats.chi2.sf(chi2, df))
    ks = float(np.abs(np.cumsum(obs) - np.cumsum(p)).max())
    mad = float(dev.mean())
    corr = np.where(1.0 / (2 * n) < dev, 1.0 / (2 * n), 0.0)  # Nigrini 2012 eq. 4.x
    z = (dev - corr) / np.sqrt(p * (1 - p) / n)
    w = math.sqrt(chi2 / n)
    zh, en = TEST_NAMES[test]
    if test in BENFORD_TESTS:
        mad_exp = 1.0 / math.sqrt(MAD_C[test] * n)
        mad_p = _mad_pvalue(test, n, mad, n_sim, seed)
        nig = _nigrini_class(test, mad)
        verdict = _verdict(mad_p, nig in ("marginal", "nonconformity"), nig == "nonconformity")
        pv = mad_p
        stat_zh = f"MAD={mad:.4f}，同样本量真实数据的期望 MAD={mad_exp:.4f}，p={mad_p:.3g}"
        stat_en = f"MAD={mad:.4f}, expected for honest data of this size {mad_exp:.4f}, "
        stat_en += f"p={mad_p:.3g}"
        law_zh, law_en = "本福特定律", "Benford's law"
    else:
        mad_exp, mad_p, nig, pv = math.nan, math.nan, "", chi2_p
        verdict = _verdict(chi2_p, w >= _MATERIAL_W, w >= _MATERIAL_W)
        stat_zh = f"χ²={chi2:.2f}（自由度 {df}），p={chi2_p:.3g}"
        stat_en = f"χ²={chi2:.2f} (df {df}), p={chi2_p:.3g}"
        law_zh, law_en = "均匀分布（真实数字的末位各数字出现机会相等）", "a uniform distribution"
    if verdict == "conforming":
        mz = f"{zh}分布与{law_zh}相符（{stat_zh}，N={n}）。"
        me = f"{en} distribution is consistent with {law_en} ({stat_en}, N={n})."
    else:
        worst = int(digits[int(np.argmax(z))])
        word_zh = "明显偏离" if verdict == "nonconforming" else "略有偏离"
        word_en = "clearly departs from" if verdict == "nonconforming" else "somewhat departs from"
        mz = f"{zh}分布{word_zh}{law_zh}（{stat_zh}，N={n}），偏差最大的是 {worst}。"
        me = f"{en} distribution {word_en} {law_en} ({stat_en}, N={n}); digit {worst} departs most."
    return DigitTest(
        test, n, n_excluded, _fi(digits), _fi(counts), _ff(obs), _ff(p), chi2,
        df, chi2_p, ks, mad, mad_exp, mad_p, _ff(z), nig, w, pv, verdict, mz, me,
    )  # fmt: skip


def share_test(test: str, counts: DigitCounts) -> DigitTest:
    """Beber & Scacco (2012) pair tests and rounding preference, one-sided binomial tests.

    ``repeated_pairs``: last two digits equal (null 0.1; invented numbers repeat too rarely);
    ``adjacent_pairs``: last two digits differ by one, 0 and 9 adjacent (null 0.2; too often);
    ``round_0_5``: last digit 0 or 5 (null 0.2; rounded or invented figures, too often).
    """
    lt = counts.last_two
    a, b = np.divmod(np.arange(100), 10)
    if test == "repeated_pairs":
        k, n, p0, alt = int(lt[a == b].sum()), int(lt.sum()), 0.1, "less"
    elif test == "adjacent_pairs":
        adj = (a - b) % 10
        k, n, p0, alt = int(lt[(adj == 1) | (adj == 9)].sum()), int(lt.sum()), 0.2, "greater"
    elif test == "round_0_5":
        last = counts.counts("last")
        k, n, p0, alt = int(last[0] + last[5]), int(last.sum()), 0.2, "greater"
    else:
        raise MethodError(f"未知的数字检验 unknown digit test '{test}'")
    excl = counts.n_excluded + int(counts.single.sum()) + counts.n_huge
    if test != "round_0_5":
        excl += int(counts.last_small.sum())
    need = min_n(1)
    if n < need:
        return _insufficient(test, n, int(excl), need, f"至少需要 {need} 个数值",
                             f"needs at least {need} values")  # fmt: skip
    share = k / n
    pv = float(stats.binomtest(k, n, p0, alternative=alt).pvalue)
    chi2 = (k - n * p0) ** 2 / (n * p0 * (1 - p0))
    w = abs(share - p0) / math.sqrt(p0 * (1 - p0))
    verdict = _verdict(pv, w >= _MATERIAL_W, w >= _MATERIAL_W)
    zh, en = TEST_NAMES[test]
    direction = ("偏少", "too rare") if alt == "less" else ("偏多", "too frequent")
    if verdict == "conforming":
        mz = f"{zh}的比例为 {share:.1%}，与真实数字的 {p0:.0%} 相符（p={pv:.3g}，N={n}）。"
        me = f"share of {en} is {share:.1%}, consistent with {p0:.0%} (p={pv:.3g}, N={n})."
    else:
        mz = (f"{zh}的比例为 {share:.1%}，真实数字应约为 {p0:.0%}，{direction[0]}（p={pv:.3g}，"
              f"N={n}）；人为编造的数字常有这种特征。")  # fmt: skip
        me = (f"share of {en} is {share:.1%} against {p0:.0%} expected: {direction[1]} "
              f"(p={pv:.3g}, N={n}); invented numbers often look like this.")  # fmt: skip
    return DigitTest(
        test, n, int(excl), _fi([1, 0]), _fi([k, n - k]),
        _ff([share, 1 - share]), _ff([p0, 1 - p0]), float(chi2), 1,
        float(stats.chi2.sf(chi2, 1)), math.nan, math.nan, math.nan, math.nan,
        _ff([math.sqrt(chi2)]), "", w, pv, verdict, mz, me,
    )  # fmt: skip


def digit_tests(
    values: ArrayLike | Iterable[ArrayLike],
    decimals: int = 0,
    tests: Iterable[str] = (*BENFORD_TESTS, *LAST_TESTS, *SHARE_TESTS),
    *,
    n_sim: int = 2000,
    seed: int = 0,
    workers: int = 1,
) -> tuple[DigitTest, ...]:
    """Run the chosen digit tests on one set of figures (e.g. all a unit reported)."""
    counts = count_digits(values, decimals, workers=workers)
    return tuple(run_test(counts, t, n_sim=n_sim, seed=seed) for t in tests)


def run_test(counts: DigitCounts, test: str, *, n_sim: int = 2000, seed: int = 0) -> DigitTest:
    """One named test from precomputed counts; Benford tests need one order of magnitude."""
    if test in SHARE_TESTS:
        return share_test(test, counts)
    if test not in TEST_NAMES:
        raise MethodError(f"未知的数字检验 unknown digit test '{test}'")
    c = counts.counts(test)
    excl = counts.n_excluded
    if test in ("second", "first_two"):
        excl += int(counts.single.sum())
    elif test == "last":
        excl += int(counts.single.sum()) + counts.n_huge
    elif test == "last_two":
        excl += int(counts.single.sum() + counts.last_small.sum()) + counts.n_huge
    n = int(c.sum())
    if test in BENFORD_TESTS and n and counts.z_max < 10 * counts.z_min:
        return _insufficient(
            test, n, excl, 0, "数值跨度不到一个数量级，本福特定律不适用",
            "values span less than one order of magnitude, where Benford's law does not apply",
        )  # fmt: skip
    return distribution_test(test, c, excl, n_sim=n_sim, seed=seed)
