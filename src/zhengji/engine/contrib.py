"""Explaining a score: effective weights, indicator contributions, partial sub-scores.

Contributions are allocated top-down: a node's share is split among its children in proportion
to ``weight × value``. For arithmetic aggregation this is exact (``w_j x_j``), so a unit's
contributions sum to its score; for other aggregators it is a proportional allocation that
still sums to the score.

Weights that are the same for every unit arrive as broadcast views (row stride 0); the
functions here keep them that way, so a uniform scheme costs one row, not an (n, k) matrix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from zhengji.scheme.model import IndicatorSpec, PillarSpec, Scheme

__all__ = [
    "adjacent_columns",
    "allocate",
    "child_block",
    "effective_weights",
    "has_no_nan",
    "is_uniform",
    "subscores",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def is_uniform(a: NDArray[np.float64]) -> bool:
    """True for a broadcast view whose rows are all the same row."""
    return a.ndim == 2 and a.shape[0] > 0 and a.strides[0] == 0


def effective_weights(
    scheme: Scheme, node_weights: Mapping[str, FloatArray], indicator_ids: Sequence[str]
) -> FloatArray:
    """Product of the weights actually used down the path, per unit: (n, k)."""
    index = scheme.index.id
    n = next(iter(node_weights.values())).shape[0]
    uniform = all(is_uniform(w) for w in node_weights.values())
    rows = 1 if uniform else n
    eff: dict[str, FloatArray] = {index: np.ones(rows)}
    for node in scheme.node_ids():
        W = node_weights[node][:rows]
        for k, kid in enumerate(scheme.children(node)):
            eff[kid.id] = eff[node] * W[:, k]
    out = np.stack([eff[i] for i in indicator_ids], axis=1)
    return np.broadcast_to(out[0], (n, out.shape[1])) if uniform else out


def allocate(
    scheme: Scheme,
    node_scores: Mapping[str, FloatArray],
    node_weights: Mapping[str, FloatArray],
    normalised: FloatArray,
    indicator_ids: Sequence[str],
    eff: FloatArray,
    methods: Mapping[str, str],
) -> FloatArray:
    """Each indicator's share of each unit's score: (n, k), rows sum to the score."""
    index = scheme.index.id
    if all(m == "arithmetic" for m in methods.values()):
        out = np.multiply(eff, normalised)
        if not has_no_nan(out):
            np.nan_to_num(out, copy=False)
        out[np.isnan(node_scores[index])] = np.nan
        return out
    col = {i: j for j, i in enumerate(indicator_ids)}
    out = np.empty(normalised.shape, order="F")  # pillar blocks contiguous, as normalised
    alloc: dict[str, FloatArray] = {index: np.asarray(node_scores[index], dtype=np.float64)}
    for node in scheme.node_ids():
        kids = scheme.children(node)
        W = node_weights[node]
        V = child_block(kids, col, normalised, node_scores)
        cols = adjacent_columns(kids, col)
        if cols is not None and methods[node] == "arithmetic":
            # share_k = alloc · w_k v_k / Σ w v, and Σ w v is the node's own score
            block = out[:, cols]
            np.multiply(V, W, out=block)
            if not has_no_nan(block):
                np.nan_to_num(block, copy=False)
            with np.errstate(invalid="ignore", divide="ignore"):
                scale = np.where(node_scores[node] != 0, alloc[node] / node_scores[node], 0.0)
            block *= np.nan_to_num(scale)[:, None]
            continue
        share = np.nan_to_num(V * W)
        tot = share.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.where(tot != 0, share / tot, W)
        part = alloc[node][:, None] * frac
        for k, kid in enumerate(kids):
            if kid.id in col:
                out[:, col[kid.id]] = part[:, k]
            else:
                alloc[kid.id] = part[:, k]
    return out


def adjacent_columns(
    kids: Sequence[PillarSpec | IndicatorSpec], col: Mapping[str, int]
) -> slice | None:
    """The column slice of a node's children when they are adjacent indicators, else None."""
    idx = [col.get(k.id, -1) for k in kids]
    if idx[0] >= 0 and idx == list(range(idx[0], idx[0] + len(idx))):
        return slice(idx[0], idx[0] + len(idx))
    return None


def child_block(
    kids: Sequence[PillarSpec | IndicatorSpec],
    col: Mapping[str, int],
    leaves: NDArray[Any],
    nodes: Mapping[str, NDArray[Any]],
) -> NDArray[Any]:
    """(n, c) values of a node's children; a view when they are adjacent indicator columns."""
    cols = adjacent_columns(kids, col)
    if cols is not None:
        return leaves[:, cols]
    return np.stack([leaves[:, col[k.id]] if k.id in col else nodes[k.id] for k in kids], axis=1)


def subscores(
    values: FloatArray, eff: FloatArray, columns: Mapping[str, BoolArray]
) -> dict[str, FloatArray]:
    """Weighted mean of each selection of indicators with their effective weights.

    NaN for a unit with no observed indicator in the selection.
    """
    n = values.shape[0]
    if has_no_nan(values) and is_uniform(eff):
        return {name: _uniform_subscore(values, eff[0], cols) for name, cols in columns.items()}
    finite = np.isfinite(values)
    clean = np.where(finite, values, 0.0)
    out: dict[str, FloatArray] = {}
    for name, cols in columns.items():
        idx = np.flatnonzero(cols)
        if idx.size == 0:
            out[name] = np.full(n, np.nan)
            continue
        w = eff[:, idx] * finite[:, idx]
        tot_v = w.sum(axis=1)
        num = (w * clean[:, idx]).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[name] = np.where(tot_v > 0, num / tot_v, np.nan)
    return out


def _uniform_subscore(values: FloatArray, w_row: FloatArray, cols: BoolArray) -> FloatArray:
    w = np.where(cols, w_row, 0.0)  # zero weights instead of copying the chosen columns
    tot = float(w.sum())
    if tot <= 0:
        return np.full(values.shape[0], np.nan)
    return np.asarray(values @ w / tot, dtype=np.float64)


def has_no_nan(a: FloatArray) -> bool:
    """No NaN anywhere, without allocating an (n, k) mask (a NaN makes the sum NaN)."""
    return not np.isnan(np.sum(a))
