"""Aggregation of a node's children into one score per unit, vectorised over units.

Every aggregator takes ``values`` ``(n, k)`` (units × children, NaN = missing) and ``weights``
``(k,)`` or ``(n, k)`` (per-unit weights, e.g. category overrides) and returns ``(n,)``.

Missing data: a NaN value is dropped from its row and that row's remaining weights are
re-normalised (COINr's ``a_amean``/``a_gmean``/``a_hmean`` with NA removed). Zero-weight
columns are ignored, so a NaN there does not matter. A row with no usable value scores NaN.

Registry ``METHODS``: every entry has the signature ``(values, weights) -> scores`` with higher
= better. The means return scores on the values' own scale; ``topsis`` returns the closeness
coefficient in ``[0, 1]`` (on already-normalised, higher-is-better values, so no further
normalisation); ``vikor`` returns ``1 - Q`` (Q = 0 is best, so 1 is best after flipping).

Speed and memory: inputs are never copied and an ``(n, k)`` weight matrix is never built from
a ``(k,)`` vector or a broadcast view. With one weight vector and complete data the means are
matrix-vector products (``X @ w``, ``exp(log X @ w)``, ``1 / (X⁻¹ @ w)``) and TOPSIS is one
blocked pass; otherwise the per-unit path runs over row blocks that stay in cache. Both give
the same numbers (tested against each other), the fast path only skips work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from zhengji.engine.normalise import block_rows, column_extremes
from zhengji.errors import MethodError

__all__ = [
    "METHODS",
    "VikorResult",
    "arithmetic",
    "geometric",
    "harmonic",
    "topsis",
    "vikor",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class VikorResult:
    """VIKOR measures per unit: group utility ``S``, individual regret ``R``, compromise ``Q``.

    Lower is better for all three (Opricovic & Tzeng 2004).
    """

    S: FloatArray
    R: FloatArray
    Q: FloatArray


def _prepare(values: ArrayLike, weights: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Check shapes and weights; return values and weights as given (no copies).

    Weights come back ``(k,)`` when they are one vector for every unit, including an
    ``(n, k)`` broadcast view (row stride 0), otherwise ``(n, k)``. Infinite values are
    checked later: a fast path declines non-finite data, the general path raises on it.
    """
    X = np.asarray(values, dtype=np.float64)
    if X.ndim != 2:
        raise MethodError(f"需要二维矩阵 expected an (n, k) matrix of values, got shape {X.shape}")
    w = np.asarray(weights, dtype=np.float64)
    if w.shape not in ((X.shape[1],), X.shape):
        raise MethodError(
            f"权重形状不符 weights have shape {w.shape}; expected ({X.shape[1]},) or {X.shape}"
        )
    if w.ndim == 2 and X.shape[0] > 0 and (w.strides[0] == 0 or X.shape[0] == 1):
        w = w[0]
    # min propagates NaN, so one comparison catches NaN and negatives; max catches +inf
    if w.size and not (w.min() >= 0 and w.max() < np.inf):
        raise MethodError("权重须为非负有限数 weights must be finite and ≥ 0")
    return X, w


def _blocks(n: int, k: int) -> Iterator[slice]:
    """Row blocks of ``k`` columns small enough to stay in cache."""
    step = block_rows(k)
    for start in range(0, n, step):
        yield slice(start, start + step)


def _rows(w: FloatArray, sl: slice) -> FloatArray:
    """The weights of a block of rows: the vector itself, or that block of the matrix."""
    return w if w.ndim == 1 else w[sl]


def _row_weights(Wb: FloatArray, mask: BoolArray) -> tuple[FloatArray, BoolArray]:
    """Weights re-normalised over each row's usable columns, and which rows have any."""
    Wm = np.where(mask, Wb, 0.0)
    total = Wm.sum(axis=1, keepdims=True)
    has = total[:, 0] > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        Wn = np.where(total > 0, Wm / total, 0.0)
    return Wn, has


def _types(types: ArrayLike | None, k: int) -> FloatArray:
    if types is None:
        return np.ones(k)
    t = np.array(types, dtype=np.float64).ravel()
    if t.shape != (k,) or not np.isin(t, (1.0, -1.0)).all():
        raise MethodError(
            f"准则类型须为 1 (效益型 benefit) 或 -1 (成本型 cost), one per column ({k}); got {t}"
        )
    return t


Kind = Literal["arithmetic", "geometric", "harmonic"]


def _mean_fast(X: FloatArray, w: FloatArray, kind: Kind) -> FloatArray | None:
    """The mean for one weight vector and complete, valid data; None when that does not hold.

    One pass: each row block is transformed (log or reciprocal for the geometric and
    harmonic means) in cache and multiplied by the normalised weights; the same block's row
    sums (or minima) tell whether every value was usable. Otherwise the general path decides.
    """
    n, k = X.shape
    total = w.sum()
    if not total > 0:
        return None
    wn = w / total
    if kind == "arithmetic":
        if not np.isfinite(X.sum(axis=1)).all():
            return None
        return np.asarray(X @ wn, dtype=np.float64)
    out = np.empty(n)
    buf = np.empty((min(block_rows(k), n), k))
    with np.errstate(divide="ignore", invalid="ignore"):
        for sl in _blocks(n, k):
            block = X[sl]
            t = buf[: block.shape[0]]
            if kind == "geometric":
                np.log(block, out=t)  # finite exactly when 0 < x < inf
                if not np.isfinite(t.sum(axis=1)).all():
                    return None
            else:
                np.divide(1.0, block, out=t)  # 0 < 1/x < inf exactly when 0 < x < inf
                if not (np.isfinite(t.sum(axis=1)).all() and (t.min(axis=1) > 0).all()):
                    return None
            np.matmul(t, wn, out=out[sl])
    if kind == "geometric":
        return np.exp(out)
    np.divide(1.0, out, out=out)
    return out


def _require_positive(X: FloatArray, mask: BoolArray, name: str, name_en: str) -> None:
    if (np.where(mask, X, 1.0) <= 0).any():
        raise MethodError(
            f"{name}要求数值为正 the {name_en} mean needs values > 0 wherever the weight is > 0; "
            "normalise to a positive range such as low = 1 (e.g. min-max to [1, 100])"
        )


_POSITIVE = {"geometric": ("几何平均", "geometric"), "harmonic": ("调和平均", "harmonic")}


def _mean(values: ArrayLike, weights: ArrayLike, kind: Kind) -> FloatArray:
    X, w = _prepare(values, weights)
    n, k = X.shape
    if w.ndim == 1 and n > 0:
        fast = _mean_fast(X, w, kind)
        if fast is not None:
            return fast
    column_extremes(X)  # raises on infinite values
    if kind in _POSITIVE:
        for sl in _blocks(n, k):
            block = X[sl]
            _require_positive(block, ~np.isnan(block) & (_rows(w, sl) > 0), *_POSITIVE[kind])
    out = np.empty(n)
    with np.errstate(divide="ignore"):
        for sl in _blocks(n, k):
            block, Wb = X[sl], _rows(w, sl)
            mask = ~np.isnan(block) & (Wb > 0)
            Wn, has = _row_weights(Wb, mask)
            if kind == "arithmetic":
                score = (Wn * np.where(mask, block, 0.0)).sum(axis=1)
            elif kind == "geometric":
                score = np.exp((Wn * np.log(np.where(mask, block, 1.0))).sum(axis=1))
            else:
                inv = (Wn / np.where(mask, block, 1.0)).sum(axis=1)
                score = 1.0 / np.where(has, inv, 1.0)
            out[sl] = np.where(has, score, np.nan)
    return out


def arithmetic(values: ArrayLike, weights: ArrayLike) -> FloatArray:
    """Weighted arithmetic mean (fully compensatory)."""
    return _mean(values, weights, "arithmetic")


def geometric(values: ArrayLike, weights: ArrayLike) -> FloatArray:
    """Weighted geometric mean (partly compensatory: a weak child drags the score down)."""
    return _mean(values, weights, "geometric")


def harmonic(values: ArrayLike, weights: ArrayLike) -> FloatArray:
    """Weighted harmonic mean (least compensatory of the three means)."""
    return _mean(values, weights, "harmonic")


def _extremes(X: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Column max and min ignoring NaN (0 for an all-missing column; it is never read)."""
    lo, hi, _ = column_extremes(X)
    gone = np.isnan(hi)
    return np.where(gone, 0.0, hi), np.where(gone, 0.0, lo)


Normalisation = Literal["vector", "minmax", "none"]


def _topsis_fast(
    X: FloatArray, w: FloatArray, t: FloatArray, normalisation: Normalisation
) -> FloatArray | None:
    """TOPSIS for one weight vector and complete data; None when that does not hold.

    The weighted normalised matrix is ``V = (X - base) · f`` column by column (``f`` folds the
    normalisation and the weight), so its column extremes follow from those of ``X`` (rounding
    is monotone) and each row block of ``V`` is built, measured and dropped in cache.
    """
    n, k = X.shape
    total = w.sum()
    lo, hi = X.min(axis=0), X.max(axis=0)  # NaN if a column has a gap
    with np.errstate(invalid="ignore"):
        usable = total > 0 and np.isfinite(hi - lo).all()
    if not usable:
        return None  # gaps, infinite values (raised by the general path) or no weight
    base = np.zeros(k)
    with np.errstate(invalid="ignore", divide="ignore"):
        if normalisation == "none":
            f = w / total
        elif normalisation == "vector":
            norm = np.sqrt(np.einsum("ij,ij->j", X, X))
            f = np.where(norm > 0, w / (norm * total), 0.0)
        else:
            span = hi - lo
            base = np.where(t > 0, lo, hi)
            f = np.where(span > 0, t * w / (span * total), 0.0)  # constant column: no distance
            t = np.ones(k)
    v_at_hi, v_at_lo = (hi - base) * f, (lo - base) * f
    v_max, v_min = np.maximum(v_at_hi, v_at_lo), np.minimum(v_at_hi, v_at_lo)
    pis = np.where(t > 0, v_max, v_min)
    nis = np.where(t > 0, v_min, v_max)
    shift = bool(base.any())
    d_plus, d_minus = np.empty(n), np.empty(n)
    step = block_rows(k)
    V, D = np.empty((min(step, n), k)), np.empty((min(step, n), k))
    for sl in _blocks(n, k):
        block = X[sl]
        v, d = V[: block.shape[0]], D[: block.shape[0]]
        if shift:
            np.subtract(block, base, out=v)
            np.multiply(v, f, out=v)
        else:
            np.multiply(block, f, out=v)
        for ref, dist in ((pis, d_plus), (nis, d_minus)):
            if ref.any():
                np.subtract(v, ref, out=d)
                np.einsum("ij,ij->i", d, d, out=dist[sl])
            else:  # min-max's anti-ideal is 0
                np.einsum("ij,ij->i", v, v, out=dist[sl])
    np.sqrt(d_plus, out=d_plus)
    np.sqrt(d_minus, out=d_minus)
    span_d = d_plus + d_minus
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(span_d > 0, d_minus / span_d, 0.5)


def topsis(
    values: ArrayLike,
    weights: ArrayLike,
    types: ArrayLike | None = None,
    normalisation: Normalisation = "vector",
) -> FloatArray:
    """TOPSIS closeness ``D⁻ / (D⁺ + D⁻)`` to the ideal (Hwang & Yoon 1981), higher = better.

    Ideal = best value of each normalised column (max for benefit, min for cost), anti-ideal =
    worst; a row's distances weigh each column by that row's weight: ``Σ w²(r − r*)²``. With
    one weight vector this is exactly the textbook weighted-matrix form; with per-row weights
    (categories, gaps) a unit's own weights cannot move the ideal that others are measured
    against. A row with NaN measures its distances over its available columns only. A row
    equal to both ideal and anti-ideal (all its columns constant) scores 0.5.
    """
    if normalisation not in ("vector", "minmax", "none"):
        raise MethodError(
            f"未知的标准化方法 unknown TOPSIS normalisation '{normalisation}'; "
            "allowed: vector, minmax, none"
        )
    X, w = _prepare(values, weights)
    n, k = X.shape
    t = _types(types, k)
    if w.ndim == 1 and n > 0:
        fast = _topsis_fast(X, w, t, normalisation)
        if fast is not None:
            return fast
    hi, lo = _extremes(X)  # raises on infinite values
    if normalisation == "vector":
        sq = np.zeros(k)
        for sl in _blocks(n, k):
            sq += (np.where(np.isnan(X[sl]), 0.0, X[sl]) ** 2).sum(axis=0)
        norm = np.sqrt(sq)
    t_v = np.ones(k) if normalisation == "minmax" else t

    def normalised(sl: slice) -> tuple[FloatArray, FloatArray, BoolArray]:
        """Rows ``sl``: normalised values, each row's weights (sum 1), usable cells."""
        block, Wb = X[sl], _rows(w, sl)
        present = ~np.isnan(block)
        with np.errstate(invalid="ignore", divide="ignore"):
            if normalisation == "vector":
                Rm = np.where(norm > 0, block / norm, 0.0)
            elif normalisation == "minmax":
                span = hi - lo
                Rm = np.where(span > 0, np.where(t > 0, block - lo, hi - block) / span, 1.0)
            else:
                Rm = block
            total = Wb.sum(axis=-1, keepdims=True)
            mask = present & (Wb > 0)
            return np.where(mask, Rm, 0.0), np.where(mask, Wb / total, 0.0), mask

    r_hi, r_lo = np.full(k, -np.inf), np.full(k, np.inf)
    for sl in _blocks(n, k):
        R, _, mask = normalised(sl)
        np.maximum(r_hi, np.where(mask, R, -np.inf).max(axis=0, initial=-np.inf), out=r_hi)
        np.minimum(r_lo, np.where(mask, R, np.inf).min(axis=0, initial=np.inf), out=r_lo)
    unused = np.isinf(r_hi)  # no usable cell in the column
    r_hi[unused], r_lo[unused] = 0.0, 0.0
    pis = np.where(t_v > 0, r_hi, r_lo)
    nis = np.where(t_v > 0, r_lo, r_hi)
    out = np.empty(n)
    for sl in _blocks(n, k):
        R, W, mask = normalised(sl)
        d_plus = np.sqrt((np.where(mask, W * (R - pis), 0.0) ** 2).sum(axis=1))
        d_minus = np.sqrt((np.where(mask, W * (R - nis), 0.0) ** 2).sum(axis=1))
        span_d = d_plus + d_minus
        with np.errstate(invalid="ignore", divide="ignore"):
            closeness = np.where(span_d > 0, d_minus / span_d, 0.5)
        out[sl] = np.where(mask.any(axis=1), closeness, np.nan)
    return out


def _scaled(x: FloatArray, best: float, worst: float) -> FloatArray:
    """``(x - best) / (worst - best)``, 0 when every unit ties."""
    if worst == best:
        return np.zeros_like(x)
    return (x - best) / (worst - best)


def vikor(
    values: ArrayLike,
    weights: ArrayLike,
    types: ArrayLike | None = None,
    v: float = 0.5,
) -> VikorResult:
    """VIKOR (Opricovic & Tzeng 2004): ``S`` group utility, ``R`` regret, ``Q`` compromise.

    ``d_ij = (f*_j - f_ij) / (f*_j - f⁻_j)`` (0 for a constant column), ``S = Σ w d``,
    ``R = max w d``, ``Q = v (S - S*) / (S⁻ - S*) + (1 - v) (R - R*) / (R⁻ - R*)``; a term
    whose range is zero (all units tie on it) contributes 0. Weights are re-normalised per row
    over the available columns, as for the means.
    """
    if not 0.0 <= v <= 1.0:
        raise MethodError(f"VIKOR 参数 v 须在 [0, 1] 内 v must be in [0, 1], got {v}")
    X, w = _prepare(values, weights)
    n, k = X.shape
    t = _types(types, k)
    hi, lo = _extremes(X)  # raises on infinite values
    best = np.where(t > 0, hi, lo)
    worst = np.where(t > 0, lo, hi)
    span = best - worst
    S, R = np.empty(n), np.empty(n)
    has = np.zeros(n, dtype=bool)
    for sl in _blocks(n, k):
        block, Wb = X[sl], _rows(w, sl)
        with np.errstate(invalid="ignore", divide="ignore"):
            d = np.where(span != 0, (best - block) / span, 0.0)
        mask = ~np.isnan(block) & (Wb > 0)
        Wn, has[sl] = _row_weights(Wb, mask)
        wd = np.where(mask, Wn * d, 0.0)
        S[sl] = np.where(has[sl], wd.sum(axis=1), np.nan)
        R[sl] = np.where(has[sl], np.where(mask, wd, -np.inf).max(axis=1), np.nan)
    if not has.any():
        return VikorResult(S=S, R=R, Q=np.full_like(S, np.nan))
    Q = v * _scaled(S, float(np.nanmin(S)), float(np.nanmax(S))) + (1.0 - v) * _scaled(
        R, float(np.nanmin(R)), float(np.nanmax(R))
    )
    return VikorResult(S=S, R=R, Q=Q)


def _topsis_score(values: ArrayLike, weights: ArrayLike) -> FloatArray:
    return topsis(values, weights, normalisation="none")


def _vikor_score(values: ArrayLike, weights: ArrayLike) -> FloatArray:
    return 1.0 - vikor(values, weights).Q


METHODS: dict[str, Callable[[ArrayLike, ArrayLike], FloatArray]] = {
    "arithmetic": arithmetic,
    "geometric": geometric,
    "harmonic": harmonic,
    "topsis": _topsis_score,
    "vikor": _vikor_score,
}
