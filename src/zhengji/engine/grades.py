"""Ranks ("min" method for ties) and grades (等次) by thresholds or quotas."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.stats import rankdata

from zhengji.scheme.model import Grades

__all__ = ["assign_grades", "rank_min"]


def rank_min(score: NDArray[np.float64]) -> NDArray[np.int64]:
    """Rank 1 = best; ties share the best rank ("min"); NaN scores get rank 0 (not ranked)."""
    out = np.zeros(score.shape, dtype=np.int64)
    ok = np.isfinite(score)
    if ok.any():
        out[ok] = rankdata(-score[ok], method="min").astype(np.int64)
    return out


def assign_grades(
    spec: Grades,
    score: NDArray[np.float64],
    rank: NDArray[np.int64],
    rank_in_category: NDArray[np.int64],
    categories: NDArray[np.str_],
) -> tuple[str, ...]:
    """Grade per unit, best level first; unranked units get ``""``."""
    n = score.shape[0]
    idx = np.full(n, len(spec.levels) - 1)
    if spec.method == "thresholds":
        for i in range(len(spec.levels) - 2, -1, -1):
            lo = spec.levels[i].min
            assert lo is not None
            idx = np.where(score >= lo, i, idx)
    else:
        r = rank_in_category if spec.scope == "category" else rank
        size = np.zeros(n)
        groups = categories if spec.scope == "category" else np.full(n, "")
        for g in np.unique(groups):
            sel = groups == g
            size[sel] = np.isfinite(score[sel]).sum()
        for i in range(len(spec.levels) - 2, -1, -1):
            cum = sum(lv.share or 0.0 for lv in spec.levels[: i + 1])
            cutoff = np.floor(cum * size + 1e-9)
            idx = np.where((r >= 1) & (r <= cutoff), i, idx)
    names = np.array([*spec.names, ""], dtype=object)
    idx = np.where(np.isfinite(score), idx, len(spec.levels))
    return tuple(str(x) for x in names[idx])
