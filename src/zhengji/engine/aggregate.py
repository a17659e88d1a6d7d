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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

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


def _prepare(values: ArrayLike, weights: ArrayLike) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Check shapes and return values, weights broadcast to ``(n, k)`` and the usable mask."""
    X = np.array(values, dtype=np.float64)
    if X.ndim != 2:
        raise MethodError(f"需要二维矩阵 expected an (n, k) matrix of values, got shape {X.shape}")
    if np.isinf(X).any():
        raise MethodError("数据含无穷值 the values contain infinite numbers")
    w = np.array(weights, dtype=np.float64)
    if w.shape not in ((X.shape[1],), X.shape):
        raise MethodError(
            f"权重形状不符 weights have shape {w.shape}; expected ({X.shape[1]},) or {X.shape}"
        )
    if not np.isfinite(w).all() or (w < 0).any():
        raise MethodError("权重须为非负有限数 weights must be finite and ≥ 0")
    W = np.broadcast_to(w, X.shape).astype(np.float64)
    mask = ~np.isnan(X) & (W > 0)
    return X, W, mask


def _row_weights(W: FloatArray, mask: BoolArray) -> tuple[FloatArray, BoolArray]:
    """Weights re-normalised over each row's usable columns, and which rows have any."""
    Wm = np.where(mask, W, 0.0)
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


def arithmetic(values: ArrayLike, weights: ArrayLike) -> FloatArray:
    """Weighted arithmetic mean (fully compensatory)."""
    X, W, mask = _prepare(values, weights)
    Wn, has = _row_weights(W, mask)
    score = (Wn * np.where(mask, X, 0.0)).sum(axis=1)
    return np.where(has, score, np.nan)


def _require_positive(X: FloatArray, mask: BoolArray, name: str, name_en: str) -> None:
    if (np.where(mask, X, 1.0) <= 0).any():
        raise MethodError(
            f"{name}要求数值为正 the {name_en} mean needs values > 0 wherever the weight is > 0; "
            "normalise to a positive range such as low = 1 (e.g. min-max to [1, 100])"
        )


def geometric(values: ArrayLike, weights: ArrayLike) -> FloatArray:
    """Weighted geometric mean (partly compensatory: a weak child drags the score down)."""
    X, W, mask = _prepare(values, weights)
    _require_positive(X, mask, "几何平均", "geometric")
    Wn, has = _row_weights(W, mask)
    logs = np.log(np.where(mask, X, 1.0))
    return np.where(has, np.exp((Wn * logs).sum(axis=1)), np.nan)


def harmonic(values: ArrayLike, weights: ArrayLike) -> FloatArray:
    """Weighted harmonic mean (least compensatory of the three means)."""
    X, W, mask = _prepare(values, weights)
    _require_positive(X, mask, "调和平均", "harmonic")
    Wn, has = _row_weights(W, mask)
    inv = (Wn / np.where(mask, X, 1.0)).sum(axis=1)
    with np.errstate(divide="ignore"):
        return np.where(has, 1.0 / np.where(has, inv, 1.0), np.nan)


def _col_extremes(V: FloatArray, ok: BoolArray) -> tuple[FloatArray, FloatArray]:
    """Column max and min over usable cells (0 for a column with none; it is never read)."""
    any_ok = ok.any(axis=0)
    hi = np.where(ok, V, -np.inf).max(axis=0)
    lo = np.where(ok, V, np.inf).min(axis=0)
    return np.where(any_ok, hi, 0.0), np.where(any_ok, lo, 0.0)


def topsis(
    values: ArrayLike,
    weights: ArrayLike,
    types: ArrayLike | None = None,
    normalisation: Literal["vector", "minmax", "none"] = "vector",
) -> FloatArray:
    """TOPSIS closeness ``D⁻ / (D⁺ + D⁻)`` to the ideal (Hwang & Yoon 1981), higher = better.

    Ideal = best column value of the weighted normalised matrix (max for benefit, min for
    cost), anti-ideal = worst. A row with NaN measures its distances over its available
    columns only; weights are not re-normalised per row because they also define the ideal.
    A row equal to both ideal and anti-ideal (all its columns constant) scores 0.5.
    """
    X, W, mask = _prepare(values, weights)
    t = _types(types, X.shape[1])
    present = ~np.isnan(X)
    if normalisation == "vector":
        norm = np.sqrt((np.where(present, X, 0.0) ** 2).sum(axis=0))
        with np.errstate(invalid="ignore", divide="ignore"):
            Rm = np.where(norm > 0, X / norm, 0.0)
    elif normalisation == "minmax":
        hi, lo = _col_extremes(X, present)
        span = hi - lo
        with np.errstate(invalid="ignore", divide="ignore"):
            up = np.where(t > 0, X - lo, hi - X) / span
        Rm = np.where(span > 0, up, 1.0)
        t = np.ones_like(t)
    elif normalisation == "none":
        Rm = X
    else:
        raise MethodError(
            f"未知的标准化方法 unknown TOPSIS normalisation '{normalisation}'; "
            "allowed: vector, minmax, none"
        )
    total = W.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        V = np.where(mask, Rm * W / total, 0.0)
    hi, lo = _col_extremes(V, mask)
    pis = np.where(t > 0, hi, lo)
    nis = np.where(t > 0, lo, hi)
    d_plus = np.sqrt((np.where(mask, V - pis, 0.0) ** 2).sum(axis=1))
    d_minus = np.sqrt((np.where(mask, V - nis, 0.0) ** 2).sum(axis=1))
    span = d_plus + d_minus
    with np.errstate(invalid="ignore", divide="ignore"):
        closeness = np.where(span > 0, d_minus / span, 0.5)
    return np.where(mask.any(axis=1), closeness, np.nan)


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
    X, W, mask = _prepare(values, weights)
    t = _types(types, X.shape[1])
    hi, lo = _col_extremes(X, ~np.isnan(X))
    best = np.where(t > 0, hi, lo)
    worst = np.where(t > 0, lo, hi)
    span = best - worst
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.where(span != 0, (best - X) / span, 0.0)
    Wn, has = _row_weights(W, mask)
    wd = np.where(mask, Wn * d, 0.0)
    S = np.where(has, wd.sum(axis=1), np.nan)
    R = np.where(has, np.where(mask, wd, -np.inf).max(axis=1), np.nan)
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
