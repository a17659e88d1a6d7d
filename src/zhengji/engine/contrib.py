"""Explaining a score: effective weights, indicator contributions, partial sub-scores.

Contributions are allocated top-down: a node's share is split among its children in proportion
to ``weight × value``. For arithmetic aggregation this is exact (``w_j x_j``), so a unit's
contributions sum to its score; for other aggregators it is a proportional allocation that
still sums to the score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from zhengji.scheme.model import Scheme

__all__ = ["allocate", "effective_weights", "subscore"]

FloatArray = NDArray[np.float64]


def effective_weights(
    scheme: Scheme, node_weights: Mapping[str, FloatArray], indicator_ids: Sequence[str]
) -> FloatArray:
    """Product of the weights actually used down the path, per unit: (n, k)."""
    index = scheme.index.id
    n = next(iter(node_weights.values())).shape[0]
    eff: dict[str, FloatArray] = {index: np.ones(n)}
    for node in scheme.node_ids():
        for k, kid in enumerate(scheme.children(node)):
            eff[kid.id] = eff[node] * node_weights[node][:, k]
    return np.stack([eff[i] for i in indicator_ids], axis=1)


def allocate(
    scheme: Scheme,
    node_scores: Mapping[str, FloatArray],
    node_weights: Mapping[str, FloatArray],
    normalised: FloatArray,
    indicator_ids: Sequence[str],
) -> FloatArray:
    """Each indicator's share of each unit's score: (n, k), rows sum to the score."""
    col = {i: j for j, i in enumerate(indicator_ids)}
    index = scheme.index.id
    alloc: dict[str, FloatArray] = {index: np.asarray(node_scores[index], dtype=np.float64)}
    for node in scheme.node_ids():
        kids = scheme.children(node)
        V = np.stack(
            [normalised[:, col[k.id]] if k.id in col else node_scores[k.id] for k in kids], axis=1
        )
        W = node_weights[node]
        share = np.where(W > 0, W * np.nan_to_num(V), 0.0)
        tot = share.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.where(tot != 0, share / tot, W)
        for k, kid in enumerate(kids):
            alloc[kid.id] = alloc[node] * frac[:, k]
    return np.stack([alloc[i] for i in indicator_ids], axis=1)


def subscore(values: FloatArray, eff: FloatArray, columns: NDArray[np.bool_]) -> FloatArray:
    """Weighted mean of the chosen indicators with their effective weights (NaN if none)."""
    w = np.where(columns[None, :] & np.isfinite(values), eff, 0.0)
    tot = w.sum(axis=1)
    num = (w * np.nan_to_num(values)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tot > 0, num / tot, np.nan)
