"""Benjamini–Hochberg false-discovery control across every test of a screening run.

A screening run makes hundreds of tests (units × indicators × checks); judging each p-value at
5 % would flag about one honest unit in twenty. The BH q-value of a test is the smallest false
discovery rate at which it would still be flagged (Benjamini & Hochberg 1995, JRSS B 57:289).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from zhengji.errors import MethodError

__all__ = ["bh_qvalues"]


def bh_qvalues(p: ArrayLike) -> NDArray[np.float64]:
    """Step-up BH adjusted p-values (q-values), same shape as ``p``.

    ``q_(i) = min_{j >= i} min(1, m p_(j) / j)`` over the ``m`` non-missing p-values sorted
    ascending; monotone in ``p``. NaN p-values (tests that could not be run) stay NaN and do
    not count in ``m``. Equals ``scipy.stats.false_discovery_control(p, method="bh")`` when
    nothing is missing.
    """
    arr = np.asarray(p, dtype=np.float64)
    out = np.full(arr.shape, np.nan)
    flat = arr.ravel()
    ok = ~np.isnan(flat)
    vals = flat[ok]
    if vals.size and (vals.min() < 0.0 or vals.max() > 1.0):
        raise MethodError("p 值必须在 0 到 1 之间 p-values must lie in [0, 1]")
    m = vals.size
    if m == 0:
        return out
    order = np.argsort(vals, kind="stable")
    ranked = vals[order] * m / np.arange(1, m + 1)
    q_sorted = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(m)
    q[order] = np.minimum(q_sorted, 1.0)
    out_flat = out.ravel()
    out_flat[ok] = q
    return out_flat.reshape(arr.shape)
