"""Missing-data handling as COINr does it: group means, carry-forward, availability screening.

Sources (COINr v1.1.14, MIT): ``i_mean_grp`` and ``impute_panel(imp_type = "latest")`` in
R/impute.R, ``Screen(unit_screen = "byNA")`` and ``get_data_avail`` in R/screen_units.R.
Every function returns a mask of what it filled so reports can flag imputed values.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from zhengji.errors import MethodError

__all__ = ["availability", "carry_forward", "group_mean", "screen_by_availability"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def _matrix(X: FloatArray, name: str = "X") -> FloatArray:
    arr = np.asarray(X, dtype=np.float64)
    if arr.ndim != 2:
        raise MethodError(f"{name} 需要二维矩阵 expected a 2-D matrix, got shape {arr.shape}")
    return arr


def group_mean(X: FloatArray, groups: Sequence[str]) -> tuple[FloatArray, BoolArray]:
    """COINr ``i_mean_grp``: fill each gap with the mean of its group's observed values.

    Column by column; observed values are never changed. A group with no observed value in a
    column stays missing there (COINr's ``mean(numeric(0))`` is NaN). Units whose group is
    empty (``""``, COINr's NA group) are left as they are (``skip_f_na = TRUE``).
    """
    arr = _matrix(X)
    g = np.asarray(list(groups), dtype=object)
    if g.shape != (arr.shape[0],):
        raise MethodError(
            f"分组数与单位数不符 groups has {g.size} entries but X has {arr.shape[0]} rows"
        )
    out = arr.copy()
    missing = np.isnan(arr)
    for label in {str(v) for v in g if v is not None and str(v) != ""}:
        rows = g == label
        block = arr[rows]
        counts = np.sum(~np.isnan(block), axis=0)
        sums = np.nansum(block, axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
        sub = out[rows]
        fill = np.isnan(sub)
        sub[fill] = np.broadcast_to(means, sub.shape)[fill]
        out[rows] = sub
    filled = missing & ~np.isnan(out)
    return out, filled


def carry_forward(series: FloatArray, t_index: int) -> tuple[FloatArray, BoolArray]:
    """COINr ``impute_panel(imp_type = "latest")``: fill period ``t_index`` from earlier ones.

    ``series`` is ``(periods, units, variables)`` in time order; each gap takes the value of
    the latest earlier period where it was observed. Later periods are never used.
    """
    arr = np.asarray(series, dtype=np.float64)
    if arr.ndim != 3:
        raise MethodError(
            f"需要三维数组 expected (periods, units, variables), got shape {arr.shape}"
        )
    if not -arr.shape[0] <= t_index < arr.shape[0]:
        raise MethodError(f"期次越界 t_index {t_index} out of range for {arr.shape[0]} periods")
    t = t_index % arr.shape[0]
    out = arr[t].copy()
    missing = np.isnan(out)
    for back in range(t - 1, -1, -1):
        gaps = np.isnan(out)
        if not gaps.any():
            break
        out[gaps] = arr[back][gaps]
    filled = missing & ~np.isnan(out)
    return out, filled


def availability(X: FloatArray) -> FloatArray:
    """Share of non-missing values per unit (row), COINr ``Dat_Avail = 1 - n_missing / k``."""
    arr = _matrix(X)
    if arr.shape[1] == 0:
        raise MethodError("没有指标列 X has no indicator columns; availability is undefined")
    return np.asarray(1.0 - np.isnan(arr).sum(axis=1) / arr.shape[1], dtype=np.float64)


def screen_by_availability(X: FloatArray, threshold: float) -> BoolArray:
    """COINr ``Screen(unit_screen = "byNA")``: keep units with availability ≥ ``threshold``.

    COINr flags ``LowData = Dat_Avail < dat_thresh`` and keeps the rest, so a unit exactly at
    the threshold is kept.
    """
    if not 0.0 <= threshold <= 1.0:
        raise MethodError(f"阈值须在0到1之间 threshold must be in [0, 1], got {threshold}")
    return np.asarray(~(availability(X) < threshold), dtype=np.bool_)
