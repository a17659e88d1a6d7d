"""Weights of a node's children: equal, fixed (expert), entropy, CRITIC and AHP.

All functions return float64 weights that sum to 1. Objective methods (entropy, CRITIC) take
the children's values as an ``(n, k)`` matrix, units in rows, NaN = missing.

Conventions (peers disagree, so they are fixed and tested here):

* entropy: ``0·ln 0 = 0``; a constant column (including all zeros or a single value) carries
  no information and gets weight 0; if every column is constant the weights are equal (and if
  the others are so nearly constant that every ``1 - e`` rounds to 0, they share equally).
  Negative values are an error (entropy needs shares of a non-negative total).
* CRITIC: ``σ`` is the sample SD (ddof=1; with no missing values ddof cancels in the
  normalised weights); correlations use pairwise-complete observations; constant columns get
  weight 0 and are left out of the other columns' conflict sums; if every column is constant,
  or the non-constant columns have no conflict at all, the non-constant columns share equally.
  A conflict sum ``Σ (1 - r)`` below 1e-12 per column is rounding (r = 1 computed as
  1 - 1e-16) and counts as none.
* AHP: principal right eigenvector; ``CI = (λmax - n) / (n - 1)``, ``CR = CI / RI`` with a
  named random-index table; CR = 0 when n ≤ 2.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import rankdata

from zhengji.engine.normalise import block_rows, column_extremes, column_mean_sd
from zhengji.errors import MethodError

__all__ = [
    "METHODS",
    "RANDOM_INDEX",
    "AHPResult",
    "ahp_matrix",
    "ahp_weights",
    "critic",
    "entropy",
    "equal",
    "fixed",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def _matrix(X: ArrayLike) -> FloatArray:
    """The input as a float64 ``(n, k)`` array, not copied when it already is one."""
    mat = np.asarray(X, dtype=np.float64)
    if mat.ndim != 2 or mat.shape[1] == 0:
        raise MethodError(f"需要二维矩阵 expected an (n, k) matrix, got shape {mat.shape}")
    return mat


def equal(k: int) -> FloatArray:
    """``k`` equal weights."""
    if k < 1:
        raise MethodError(f"至少需要一个子项 need at least one child, got k = {k}")
    return np.full(k, 1.0 / k)


def fixed(w: ArrayLike) -> FloatArray:
    """Expert weights rescaled to sum 1; only their ratios matter."""
    arr = np.array(w, dtype=np.float64).ravel()
    if arr.size == 0 or not np.isfinite(arr).all() or (arr < 0).any():
        raise MethodError(f"权重须为非负有限数 weights must be finite and ≥ 0, got {arr.tolist()}")
    total = arr.sum()
    if total <= 0:
        raise MethodError("权重全为零 all weights are zero; give at least one positive weight")
    return np.asarray(arr / total, dtype=np.float64)


def _scan(mat: FloatArray) -> tuple[BoolArray, BoolArray, FloatArray]:
    """Constant columns, columns with gaps, column minima; raises on infinite values.

    A column with fewer than two values or zero range carries no information (constant).
    """
    lo, hi, gaps = column_extremes(mat)
    return np.asarray(np.isnan(hi) | (hi == lo)), gaps, lo


_TINY = float(np.finfo(np.float64).tiny)


def entropy(X: ArrayLike) -> FloatArray:
    """Shannon entropy weights: columns whose values are spread unevenly weigh more.

    ``p_ij = x_ij / Σ_i x_ij``, ``e_j = -Σ_i p_ij ln p_ij / ln n_j`` (``n_j`` = values present),
    ``w_j ∝ 1 - e_j``. Column reductions (min, max, sum) without temporaries, then ``p ln p``
    over row blocks that stay in cache (``p ln max(p, tiny)`` is exactly 0 where ``p = 0``).
    """
    mat = _matrix(X)
    const, gaps, lo = _scan(mat)
    if (lo < 0).any():
        raise MethodError(
            "熵权法要求非负数据 entropy weights need non-negative values; normalise first "
            "(e.g. min-max to [0, 100])"
        )
    n, k = mat.shape
    if const.all():
        return equal(k)
    step = block_rows(k)
    p_buf, l_buf = np.empty((min(step, n), k)), np.empty((min(step, n), k))
    count = np.full(k, float(n))
    if gaps.any():
        total = np.zeros(k)
        for start in range(0, n, step):
            block = mat[start : start + step]
            count -= np.isnan(block).sum(axis=0)
            total += np.fmax(block, 0.0, out=p_buf[: block.shape[0]]).sum(axis=0)  # NaN → 0
    else:
        total = np.asarray(mat.sum(axis=0), dtype=np.float64)
    plogp = np.zeros(k)
    with np.errstate(all="ignore"):
        for start in range(0, n, step):
            block = mat[start : start + step]
            p, lp = p_buf[: block.shape[0]], l_buf[: block.shape[0]]
            np.divide(block, total, out=p)
            if gaps.any():
                np.fmax(p, 0.0, out=p)  # p ≥ 0, so this only turns NaN into 0
            np.maximum(p, _TINY, out=lp)
            np.log(lp, out=lp)
            np.multiply(lp, p, out=lp)
            plogp += lp.sum(axis=0)
        e = -plogp / np.log(count)
    d = np.clip(np.where(const, 0.0, 1.0 - e), 0.0, None)
    if d.sum() <= 0:  # non-constant columns so even that rounding leaves no divergence
        return np.where(const, 0.0, 1.0 / np.count_nonzero(~const))
    return np.asarray(d / d.sum(), dtype=np.float64)


def _pair_r(xa: FloatArray, xb: FloatArray) -> float:
    """Pearson r of two columns on their pairwise-complete rows; 0 when undefined."""
    ok = ~np.isnan(xa) & ~np.isnan(xb)
    ya, yb = xa[ok], xb[ok]
    if ok.sum() >= 2 and np.ptp(ya) > 0 and np.ptp(yb) > 0:
        return float(np.corrcoef(ya, yb)[0, 1])
    return 0.0


def _column_ranks(mat: FloatArray, gaps: BoolArray) -> FloatArray:
    """Average ranks within each column's present values (NaN stays NaN)."""
    if not gaps.any():
        return np.asarray(rankdata(mat, axis=0, method="average"), dtype=np.float64)
    out = np.full(mat.shape, np.nan)
    for j in range(mat.shape[1]):
        ok = ~np.isnan(mat[:, j])
        out[ok, j] = rankdata(mat[ok, j], method="average")
    return out


# Pairs whose variance on the shared rows is below this share of their sum of squares (about
# the column mean) are recomputed exactly: the moment formula loses precision there.
_NEAR_CONSTANT = 1e-6
_NO_CONFLICT = 1e-12


def _correlations(basis: FloatArray, gaps: BoolArray, cols: NDArray[np.intp]) -> FloatArray:
    """Pearson correlations on pairwise-complete rows (R ``use = "pairwise"``), by moments.

    The columns are centred on their means and the cross moments accumulated over row blocks
    with matrix products, so the cost is a few passes rather than one per pair. Without gaps
    every pair shares all rows (one Gram matrix); with gaps the counts and partial sums on each
    pair's shared rows come from products with the presence mask. ``cols`` picks the
    columns (block by block, so the matrix is not copied); ``gaps`` flags all of them.
    """
    n, k = basis.shape[0], cols.size
    whole = k == basis.shape[1]
    any_gap = bool(gaps[cols].any())
    mean, _ = column_mean_sd(basis, gaps, cols)
    P = np.zeros((k, k))
    S = np.zeros((k, k))
    Q = np.zeros((k, k))
    N = np.zeros((k, k))
    step = 8 * block_rows(k)
    for start in range(0, n, step):
        block = basis[start : start + step]
        z = (block if whole else block[:, cols]) - mean
        if any_gap:
            present = ~np.isnan(z)
            z[~present] = 0.0
            m = present.astype(np.float64)
            N += m.T @ m
            S += z.T @ m  # S[a, b] = Σ z_a over rows where b is present too
            Q += (z * z).T @ m
        else:
            S += z.sum(axis=0)[:, None]
        P += z.T @ z
    if not any_gap:
        N[:] = n
        Q[:] = np.diag(P)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        va = Q - S * S / N  # variance (× count) of a on the rows shared with b
        cov = P - S * S.T / N
        r = np.clip(cov / np.sqrt(va * va.T), -1.0, 1.0)
    unsure = (va <= _NEAR_CONSTANT * Q) | (va.T <= _NEAR_CONSTANT * Q.T) | (N < 2)
    np.fill_diagonal(unsure, False)
    for a, b in zip(*np.nonzero(np.triu(unsure)), strict=True):
        r[a, b] = r[b, a] = _pair_r(basis[:, cols[a]], basis[:, cols[b]])
    np.fill_diagonal(r, 1.0)
    return r


def critic(X: ArrayLike, correlation: Literal["pearson", "spearman"] = "pearson") -> FloatArray:
    """CRITIC weights (Diakoulaki et al. 1995): contrast × conflict.

    ``c_j = σ_j Σ_k (1 - r_jk)``, ``w_j ∝ c_j``. Apply it to normalised values: on raw data
    the column with the largest units dominates through ``σ``.
    """
    mat = _matrix(X)
    if correlation not in ("pearson", "spearman"):
        raise MethodError(
            f"未知相关系数 unknown correlation '{correlation}'; allowed: pearson, spearman"
        )
    k = mat.shape[1]
    const, gaps, _ = _scan(mat)
    if const.all():
        return equal(k)
    keep = np.flatnonzero(~const)
    _, sd = column_mean_sd(mat, gaps, keep)
    if correlation == "spearman":
        ranks = _column_ranks(mat if keep.size == k else mat[:, keep], gaps[keep])
        r = _correlations(ranks, gaps[keep], np.arange(keep.size))
    else:
        r = _correlations(mat, gaps, keep)
    conflict = (1.0 - r).sum(axis=0)
    # r = 1 computed as 1 - 1e-16 is no conflict: without this, rounding noise would decide.
    conflict[conflict < _NO_CONFLICT * keep.size] = 0.0
    c = sd * conflict
    w = np.zeros(k)
    w[keep] = c / c.sum() if c.sum() > 0 else 1.0 / keep.size
    return w


# --- AHP -----------------------------------------------------------------------------------------
def _table(values: Sequence[float], first: int) -> dict[int, float]:
    return {1: 0.0, 2: 0.0} | {first + i: v for i, v in enumerate(values)}


RANDOM_INDEX: dict[str, dict[int, float]] = {
    # Saaty's classic table as in pyDecision and pyrepo-mcda (n = 1..15).
    "saaty": _table(
        [0.0, 0.0, 0.58, 0.9, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59],
        1,
    ),
    # Saaty (2008), as AHPy's random_index='saaty' (n = 3..15).
    "saaty2008": _table(
        [0.52, 0.89, 1.11, 1.25, 1.35, 1.4, 1.45, 1.49, 1.52, 1.54, 1.56, 1.58, 1.59], 3
    ),
    # Tummala & Ling (1998), as pymcdm (n = 1..15).
    "tummala_ling": _table(
        [
            0.0,
            0.0,
            0.5799,
            0.8921,
            1.1159,
            1.2358,
            1.3322,
            1.3952,
            1.4537,
            1.4882,
            1.5117,
            1.5356,
            1.5571,
            1.5714,
            1.5831,
        ],
        1,
    ),
    # Donegan & Dodd (1991), AHPy's default 'dd' (n = 3..20, then 25..100 in steps).
    "donegan_dodd": _table(
        [
            0.4914,
            0.8286,
            1.0591,
            1.1797,
            1.2519,
            1.3171,
            1.3733,
            1.4055,
            1.4213,
            1.4497,
            1.4643,
            1.4822,
            1.4969,
            1.5078,
            1.5153,
            1.5262,
            1.5313,
            1.5371,
        ],
        3,
    )
    | {
        25: 1.5619,
        30: 1.5772,
        40: 1.5976,
        50: 1.6102,
        60: 1.6178,
        70: 1.6237,
        80: 1.6277,
        90: 1.6213,
        100: 1.6339,
    },
}

_RECIPROCAL_TOL = 1e-3
_PAIR = re.compile(r"^\s*([^<>=\s]+)\s*>\s*([^<>=\s]+)\s*$")


@dataclass(frozen=True)
class AHPResult:
    """Eigenvector weights and the consistency of the judgements behind them."""

    weights: FloatArray
    lambda_max: float
    ci: float
    ri: float
    cr: float


def ahp_matrix(
    order: Sequence[str],
    matrix: Sequence[Sequence[float]] | None = None,
    pairs: Mapping[str, float] | None = None,
) -> FloatArray:
    """Build and check a pairwise comparison matrix over ``order``.

    ``pairs`` like ``{"coffee>wine": 9}`` put 9 at [coffee, wine] and 1/9 at [wine, coffee];
    every unordered pair must be judged exactly once. A full ``matrix`` must be positive with
    a unit diagonal and reciprocal (``a_ij · a_ji = 1``) within 1e-3.
    """
    names = list(order)
    n = len(names)
    if n == 0 or len(set(names)) != n:
        raise MethodError(f"AHP 元素须唯一且非空 elements must be unique and non-empty: {names}")
    if (matrix is None) == (pairs is None):
        raise MethodError("AHP 需要 matrix 或 pairs 之一 give exactly one of 'matrix' or 'pairs'")
    if pairs is not None:
        return _from_pairs(names, pairs)
    assert matrix is not None
    try:
        a = np.array(matrix, dtype=np.float64)
    except ValueError:
        raise MethodError("AHP 矩阵格式错误 the AHP matrix is not a rectangular table") from None
    if a.shape != (n, n):
        raise MethodError(f"AHP 矩阵须为 {n}×{n} the AHP matrix must be {n}×{n}, got {a.shape}")
    if not np.isfinite(a).all() or (a <= 0).any():
        raise MethodError("AHP 矩阵元素须为正数 every AHP matrix entry must be a positive number")
    bad = [
        f"[{names[i]}, {names[j]}] = {a[i, j]:g} vs [{names[j]}, {names[i]}] = {a[j, i]:g}"
        for i in range(n)
        for j in range(i, n)
        if abs(a[i, j] * a[j, i] - 1.0) > _RECIPROCAL_TOL
    ]
    if bad:
        raise MethodError(
            "AHP 矩阵不满足互反性 the AHP matrix is not reciprocal (a_ij · a_ji must be 1): "
            + "; ".join(bad)
        )
    return a


def _from_pairs(names: list[str], pairs: Mapping[str, float]) -> FloatArray:
    n = len(names)
    index = {name: i for i, name in enumerate(names)}
    a = np.eye(n)
    seen: dict[frozenset[str], str] = {}
    for key, value in pairs.items():
        m = _PAIR.match(key)
        if m is None:
            raise MethodError(f"AHP 比较格式错误 AHP pair '{key}' must look like 'a>b'")
        x, y = m.group(1), m.group(2)
        unknown = [e for e in (x, y) if e not in index]
        if unknown:
            raise MethodError(
                f"AHP 比较 '{key}' 含未知元素 names unknown element(s) {unknown}; known: {names}"
            )
        if x == y:
            raise MethodError(f"AHP 比较 '{key}' 比较了自身 compares an element with itself")
        v = float(value)
        if not np.isfinite(v) or v <= 0:
            raise MethodError(f"AHP 比较 '{key}' 的值须为正数 must be positive, got {value}")
        pair = frozenset((x, y))
        if pair in seen:
            raise MethodError(f"AHP 比较重复 pair judged twice: '{seen[pair]}' and '{key}'")
        seen[pair] = key
        a[index[x], index[y]] = v
        a[index[y], index[x]] = 1.0 / v
    missing = [
        f"{names[i]}>{names[j]}"
        for i in range(n)
        for j in range(i + 1, n)
        if frozenset((names[i], names[j])) not in seen
    ]
    if missing:
        raise MethodError(f"AHP 缺少两两比较 missing pairwise judgements: {', '.join(missing)}")
    return a


def ahp_weights(matrix: ArrayLike, random_index: str = "saaty") -> AHPResult:
    """Principal-eigenvector weights of a pairwise matrix and Saaty's consistency ratio."""
    a = np.array(matrix, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise MethodError(f"AHP 矩阵须为方阵 the AHP matrix must be square, got {a.shape}")
    if random_index not in RANDOM_INDEX:
        raise MethodError(
            f"未知随机一致性指标表 unknown random index table '{random_index}'; "
            f"allowed: {', '.join(RANDOM_INDEX)}"
        )
    n = a.shape[0]
    table = RANDOM_INDEX[random_index]
    if n not in table:
        raise MethodError(
            f"随机一致性指标表 '{random_index}' 不含 n = {n} the RI table '{random_index}' has no "
            f"entry for {n} elements (it covers {min(table)}..{max(table)})"
        )
    eigvals, eigvecs = np.linalg.eig(a)
    top = int(np.argmax(eigvals.real))
    lam = float(eigvals[top].real)
    vec = np.abs(eigvecs[:, top].real)
    w = np.asarray(vec / vec.sum(), dtype=np.float64)
    if n <= 2:
        return AHPResult(weights=w, lambda_max=lam, ci=0.0, ri=table[n], cr=0.0)
    ci = (lam - n) / (n - 1)
    ri = table[n]
    return AHPResult(weights=w, lambda_max=lam, ci=ci, ri=ri, cr=ci / ri)


METHODS: dict[str, Callable[..., FloatArray]] = {
    "equal": equal,
    "fixed": fixed,
    "entropy": entropy,
    "critic": critic,
}
