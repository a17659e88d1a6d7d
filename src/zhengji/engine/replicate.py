"""Replications re-aggregated as array operations (the engine of the uncertainty analysis).

A replication that changes only weights (and the aggregation method) of one data alternative
is a per-replication factor on the weights the engine actually used at each node
(``Assessment.node_weights``: after categories and gaps). So, without rebuilding:

* a node over indicators is one matrix product ``F @ (X · W).T`` for all replications (for the
  geometric and harmonic means, of ``log X`` and ``1 / X``), cached products per data
  alternative;
* an all-arithmetic tree over complete data with one weight vector is linear in the data:
  ``W_eff @ X.T`` with each replication's effective weights (products down the paths);
* upper nodes accumulate their children one at a time (memory O(R·n) per level); TOPSIS and
  VIKOR call the engine's own ``aggregate.METHODS`` per replication; ``[sources] mode =
  "reweight"`` carries per-source sub-scores up the tree and fuses them as the engine does.

Gaps drop out as in the engine (``drop_reweight``: present children's weights re-normalised).
``zhengji.engine.uncertainty.variant_scheme`` + ``engine.assess`` is the reference: tests
require the same scores (1e-9) and ranks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from zhengji.engine import aggregate
from zhengji.engine.result import Assessment
from zhengji.errors import MethodError
from zhengji.scheme.model import IndicatorSpec, PillarSpec, Scheme

__all__ = [
    "Base",
    "base_of",
    "evaluate",
    "grade_index",
    "node_method",
    "rank_quantiles",
    "rank_rows",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


def node_method(scheme: Scheme, node_id: str) -> str:
    node = scheme.node(node_id)
    if node.aggregation is not None:
        return node.aggregation
    return scheme.aggregation.levels.get(scheme.level(node_id), scheme.aggregation.method)


@dataclass(frozen=True)
class Base:
    """One data alternative, assessed once by the engine; per-node products cached.

    Only what re-aggregation needs is kept, so the engine's stages can be freed.
    """

    node_weights: Mapping[str, FloatArray]
    kept: BoolArray  # units scored in the engine's run
    X0: FloatArray  # normalised values, NaN → 0
    M: BoolArray  # finite normalised values
    col: Mapping[str, int]
    complete: bool  # every unit has every indicator
    cache: dict[tuple[str, str], tuple[FloatArray, FloatArray | None]] = field(default_factory=dict)


def base_of(assessment: Assessment) -> Base:
    X = np.asarray(assessment.stages["normalised"])
    M = np.isfinite(X)
    return Base(
        dict(assessment.node_weights),
        np.isfinite(np.asarray(assessment.score)),
        np.where(M, X, 0.0),
        M,
        {i: j for j, i in enumerate(assessment.indicator_ids)},
        bool(M.all()),
    )


def _positive(vals: FloatArray, mask: BoolArray, node_id: str, method: str) -> None:
    if (np.where(mask, vals, 1.0) <= 0).any():
        raise MethodError(
            f"汇总 aggregating '{node_id}' with {method}: 要求数值为正 needs values > 0; "
            "normalise to a positive range (e.g. min-max to [1, 100]) or drop this alternative "
            "from [uncertainty].aggregation"
        )


def _leaf_terms(
    base: Base, node_id: str, cols: list[int], Wn: FloatArray, method: str
) -> tuple[FloatArray, FloatArray | None]:
    """``(term · W, live · W)`` of a node over indicators (cached per data alternative); the
    second is None when every unit has every child with the same weights (then the
    denominator is one row)."""
    key = (node_id, method)
    if key in base.cache:
        return base.cache[key]
    X0, M = base.X0[:, cols], base.M[:, cols]
    live = M & (Wn > 0)
    if method != "arithmetic":
        _positive(X0, live, node_id, method)
    safe = np.where(live, X0, 1.0)
    term = X0 if method == "arithmetic" else (np.log(safe) if method == "geometric" else 1 / safe)
    TW = np.ascontiguousarray(np.where(live, term, 0.0) * Wn)
    complete = bool(live.all()) and Wn.strides[0] == 0
    LW = None if complete else np.ascontiguousarray(np.where(live, Wn, 0.0))
    base.cache[key] = (TW, LW)
    return TW, LW


def _leaf_node(
    base: Base, node_id: str, cols: list[int], Wn: FloatArray, f: FloatArray, method: str
) -> tuple[FloatArray, FloatArray]:
    """A node over indicators only: one matrix product for all replications. (value, den)."""
    TW, LW = _leaf_terms(base, node_id, cols, Wn, method)
    F = np.ascontiguousarray(f)
    num = F @ TW.T  # (R, n)
    den = (F @ Wn[0])[:, None] if LW is None else F @ LW.T
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "arithmetic":
            val = num / den
        elif method == "geometric":
            val = np.exp(num / den)
        else:
            val = den / num
    ok = den > 0
    return (val if ok.all() else np.where(ok, val, np.nan)), np.broadcast_to(den, num.shape)


def _upper_node(
    node_id: str, V: FloatArray, Wn: FloatArray, f: FloatArray, method: str, lo: float, hi: float
) -> tuple[FloatArray, FloatArray]:
    """A node over (R, n, c) child values."""
    Wf = Wn[None, :, :] * f[:, None, :]
    live = np.isfinite(V) & (Wf > 0)
    Wl = np.where(live, Wf, 0.0)
    den = Wl.sum(axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "arithmetic":
            val = (np.where(live, V, 0.0) * Wl).sum(axis=2) / den
        elif method == "geometric":
            _positive(V, live, node_id, method)
            val = np.exp((np.log(np.where(live, V, 1.0)) * Wl).sum(axis=2) / den)
        elif method == "harmonic":
            _positive(V, live, node_id, method)
            val = den / (Wl / np.where(live, V, 1.0)).sum(axis=2)
        else:  # topsis / vikor: the engine's own function, one replication at a time
            val = np.empty(den.shape)
            fn = aggregate.METHODS[method]
            for r in range(V.shape[0]):
                with np.errstate(invalid="ignore", divide="ignore"):
                    wr = np.where(den[r][:, None] > 0, Wl[r] / den[r][:, None], 0.0)
                val[r] = lo + (hi - lo) * fn(np.where(live[r], V[r], np.nan), wr)
    return np.where(den > 0, val, np.nan), den


def evaluate(
    scheme: Scheme,
    base_assessment: Assessment | Base,
    factors: Mapping[str, FloatArray],
    replications: int,
    methods: Mapping[str, str] | None = None,
) -> FloatArray:
    """Index scores (R, n) of ``replications`` weight variants of one data alternative.

    ``factors[node]`` is an (R, c) array of multipliers of the node's nominal child weights
    (absent: 1); ``methods`` overrides node aggregation methods. Exactly what rebuilding each
    variant with :func:`zhengji.engine.assess` gives (tested), without rebuilding.
    """
    base = base_assessment if isinstance(base_assessment, Base) else base_of(base_assessment)
    R = replications
    kept = base.kept
    G = _linear_weights(scheme, base, factors, R, methods or {})
    if G is not None:
        score = G @ base.X0.T  # an arithmetic tree over complete data: X @ w_eff per replication
    elif scheme.sources.mode == "reweight":
        values = _bottom_up(scheme, base, factors, R, methods)
        score = _sources(scheme, base, factors, values, R)
    else:
        score = _node_value(scheme, base, factors, R, methods or {}, scheme.index.id)
    return np.where(kept[None, :], score, np.nan)


_MEANS = ("arithmetic", "geometric", "harmonic")


def _linear_weights(
    scheme: Scheme,
    base: Base,
    factors: Mapping[str, FloatArray],
    R: int,
    methods: Mapping[str, str],
) -> FloatArray | None:
    """Effective indicator weights per replication (R, k) when the index is linear in the data.

    That holds when every node aggregates arithmetically, every unit has every indicator and
    one weight vector applies to all units (no categories, no gaps) and there is no source
    fusion: then the score is ``X @ w_eff`` (the product of each path's re-normalised weights),
    one large matrix product for all replications. Otherwise None.
    """
    if scheme.sources.mode == "reweight" or not base.complete:
        return None
    nodes = scheme.node_ids()
    if any((methods.get(x) or node_method(scheme, x)) != "arithmetic" for x in nodes):
        return None
    if any(np.asarray(base.node_weights[x]).strides[0] != 0 for x in nodes):
        return None
    G = np.zeros((R, base.X0.shape[1]))
    eff = {scheme.index.id: np.ones(R)}
    for node in nodes:
        kids = scheme.children(node)
        w = np.asarray(base.node_weights[node])[0]
        f = factors.get(node)
        wf = w[None, :] * (np.ones((R, len(kids))) if f is None else f)
        tot = wf.sum(axis=1, keepdims=True)
        if (tot <= 0).any():
            return None
        share = eff[node][:, None] * (wf / tot)
        for c, kid in enumerate(kids):
            if isinstance(kid, IndicatorSpec):
                G[:, base.col[kid.id]] = share[:, c]
            else:
                eff[kid.id] = share[:, c]
    return G


def _setup(
    scheme: Scheme,
    base: Base,
    factors: Mapping[str, FloatArray],
    R: int,
    methods: Mapping[str, str] | None,
    node_id: str,
) -> tuple[list[PillarSpec | IndicatorSpec], FloatArray, FloatArray, str]:
    kids = scheme.children(node_id)
    Wn = np.asarray(base.node_weights[node_id])
    f = factors.get(node_id)
    f = np.ones((R, len(kids))) if f is None else np.broadcast_to(f, (R, len(kids)))
    method = (methods or {}).get(node_id) or node_method(scheme, node_id)
    return kids, Wn, f, method


def _range(scheme: Scheme) -> tuple[float, float]:
    norm = scheme.treatment.normalisation
    return float(getattr(norm, "low", 0.0)), float(getattr(norm, "high", 100.0))


def _indicator(base: Base, kid_id: str) -> FloatArray:
    j = base.col[kid_id]
    return np.where(base.M[:, j], base.X0[:, j], np.nan)[None, :]


def _node_value(
    scheme: Scheme,
    base: Base,
    factors: Mapping[str, FloatArray],
    R: int,
    methods: Mapping[str, str],
    node_id: str,
) -> FloatArray:
    """A node's scores (R, n), children evaluated on demand and accumulated one at a time, so
    memory stays O(R·n) per tree level instead of O(R·n·children)."""
    kids, Wn, f, method = _setup(scheme, base, factors, R, methods, node_id)
    leaf = all(isinstance(k, IndicatorSpec) for k in kids)
    if leaf and method in _MEANS:
        return _leaf_node(base, node_id, [base.col[k.id] for k in kids], Wn, f, method)[0]

    def child(kid: PillarSpec | IndicatorSpec) -> FloatArray:
        if isinstance(kid, IndicatorSpec):
            return _indicator(base, kid.id)
        return _node_value(scheme, base, factors, R, methods, kid.id)

    n = Wn.shape[0]
    if method not in _MEANS:  # topsis / vikor need every child at once
        V = np.empty((R, n, len(kids)))
        for c, kid in enumerate(kids):
            V[:, :, c] = child(kid)
        return _upper_node(node_id, V, Wn, f, method, *_range(scheme))[0]
    num = np.zeros((R, n))
    den = np.zeros((R, n))
    uniform = Wn.strides[0] == 0
    for c, kid in enumerate(kids):
        v = child(kid)
        if uniform and Wn[0, c] > 0 and np.isfinite(v).all():
            # every unit has this child with the same weight: a column factor, no masks
            wc = (Wn[0, c] * f[:, c])[:, None]
            if method != "arithmetic":
                _positive(v, np.broadcast_to(wc > 0, (R, n)), node_id, method)
            num += (
                v if method == "arithmetic" else np.log(v) if method == "geometric" else 1 / v
            ) * wc
            den += wc
            continue
        w = Wn[None, :, c] * f[:, c, None]
        live = np.isfinite(v) & (w > 0)
        w = np.where(live, w, 0.0)
        if method == "arithmetic":
            num += np.where(live, v, 0.0) * w
        else:
            _positive(v, live, node_id, method)
            safe = np.where(live, v, 1.0)
            num += (np.log(safe) if method == "geometric" else 1.0 / safe) * w
        den += w
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "arithmetic":
            val = num / den
        elif method == "geometric":
            val = np.exp(num / den)
        else:
            val = den / num
    return np.where(den > 0, val, np.nan)


def _bottom_up(
    scheme: Scheme,
    base: Base,
    factors: Mapping[str, FloatArray],
    R: int,
    methods: Mapping[str, str] | None,
) -> dict[str, FloatArray]:
    """Every node's scores (R, n), kept for the source fusion (it needs each node's gaps)."""
    n = base.X0.shape[0]
    values: dict[str, FloatArray] = {}
    for node_id in reversed(scheme.node_ids()):
        kids, Wn, f, method = _setup(scheme, base, factors, R, methods, node_id)
        if method in ("topsis", "vikor"):
            method = "arithmetic"  # only availability matters under reweight (see _sources)
        if all(isinstance(k, IndicatorSpec) for k in kids):
            cols = [base.col[k.id] for k in kids]
            values[node_id] = _leaf_node(base, node_id, cols, Wn, f, method)[0]
            continue
        V = np.empty((R, n, len(kids)))
        for c, kid in enumerate(kids):
            V[:, :, c] = (
                _indicator(base, kid.id) if isinstance(kid, IndicatorSpec) else values[kid.id]
            )
        values[node_id] = _upper_node(node_id, V, Wn, f, method, *_range(scheme))[0]
    return values


def _sources(
    scheme: Scheme,
    base: Base,
    factors: Mapping[str, FloatArray],
    values: Mapping[str, FloatArray],
    R: int,
) -> FloatArray:
    """``[sources] mode = "reweight"``: each party's effective-weight mean, fused by its weight.

    Per node and source, P = Σ eff·x and Q = Σ eff over the source's indicators below the
    node, relative to the node (bottom-up, with each replication's re-normalised weights).
    """
    n = base.X0.shape[0]
    src = {i.id: i.source for i in scheme.indicators}
    sources = list(dict.fromkeys(src.values()))
    P: dict[str, dict[str, FloatArray]] = {}
    Q: dict[str, dict[str, FloatArray]] = {}
    for node_id in reversed(scheme.node_ids()):
        kids = scheme.children(node_id)
        Wn = np.asarray(base.node_weights[node_id])
        f = factors.get(node_id)
        f = np.ones((R, len(kids))) if f is None else np.broadcast_to(f, (R, len(kids)))
        avail = np.empty((R, n, len(kids)), dtype=bool)
        for c, kid in enumerate(kids):
            if isinstance(kid, IndicatorSpec):
                avail[:, :, c] = base.M[:, base.col[kid.id]][None, :]
            else:
                avail[:, :, c] = np.isfinite(values[kid.id])
        Wl = np.where(avail & (Wn[None] > 0), Wn[None] * f[:, None, :], 0.0)
        den = Wl.sum(axis=2)
        with np.errstate(divide="ignore", invalid="ignore"):
            Wr = np.where(den[..., None] > 0, Wl / den[..., None], 0.0)
        P[node_id], Q[node_id] = {}, {}
        for s in sources:
            p = np.zeros((R, n))
            q = np.zeros((R, n))
            for c, kid in enumerate(kids):
                if isinstance(kid, IndicatorSpec):
                    if src[kid.id] != s:
                        continue
                    j = base.col[kid.id]
                    p += Wr[:, :, c] * base.X0[:, j][None, :]
                    q += Wr[:, :, c] * base.M[:, j][None, :]
                else:
                    p += Wr[:, :, c] * P[kid.id][s]
                    q += Wr[:, :, c] * Q[kid.id][s]
            P[node_id][s], Q[node_id][s] = p, q
    root = scheme.index.id
    sw = scheme.sources.weights
    num = np.zeros((R, n))
    tot = np.zeros((R, n))
    for s in sources:
        q = Q[root][s]
        has = q > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            num += np.where(has, sw.get(s, 0.0) * P[root][s] / q, 0.0)
        tot += np.where(has, sw.get(s, 0.0), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(tot > 0, num / tot, 0.0)
    return np.where(np.isfinite(values[root]), out, np.nan)


# --- ranks and grades of many replications ------------------------------------------------------
def rank_rows(scores: FloatArray) -> IntArray:
    """Rank per row (1 = best, ties share the best rank, NaN → 0), as the engine's ``rank_min``.

    One argsort of the whole (R, n) block; a tie's rank is the first position of its run.
    """
    S = np.atleast_2d(scores)
    fin = np.isfinite(S)
    key = np.where(fin, -S, np.inf)
    order = np.argsort(key, axis=1)
    sk = np.take_along_axis(key, order, axis=1)
    n = S.shape[1]
    first = np.empty(sk.shape, dtype=np.int64)
    first[:] = np.arange(n)
    if n > 1:
        same = sk[:, 1:] == sk[:, :-1]
        first[:, 1:][same] = 0
        np.maximum.accumulate(first, axis=1, out=first)
    r = np.empty_like(first)
    np.put_along_axis(r, order, first + 1, axis=1)
    return np.where(fin, r, 0)


def grade_index(
    scheme: Scheme, scores: FloatArray, ranks: IntArray, categories: Sequence[str]
) -> IntArray:
    """Grade position per cell (0 = best; ``len(levels)`` = ungraded), before vetoes.

    The engine's :func:`zhengji.engine.grades.assign_grades` over many rows at once (it returns
    names for one row; tested equal row by row).
    """
    spec = scheme.grades
    S = np.atleast_2d(scores)
    Rk = np.atleast_2d(ranks)
    L = len(spec.levels)
    idx = np.full(S.shape, L - 1, dtype=np.int64)
    if spec.method == "thresholds":
        for i in range(L - 2, -1, -1):
            lo = spec.levels[i].min
            assert lo is not None
            idx = np.where(lo <= S, i, idx)
    else:
        cats = np.asarray(categories)
        groups = cats if spec.scope == "category" else np.full(cats.shape, "")
        r = Rk
        size = np.zeros(S.shape)
        if spec.scope == "category":
            r = np.zeros_like(Rk)
            for g in np.unique(groups):
                sel = groups == g
                r[:, sel] = rank_rows(S[:, sel])
        for g in np.unique(groups):
            sel = groups == g
            size[:, sel] = np.isfinite(S[:, sel]).sum(axis=1, keepdims=True)
        for i in range(L - 2, -1, -1):
            cum = sum(lv.share or 0.0 for lv in spec.levels[: i + 1])
            cutoff = np.floor(cum * size + 1e-9)
            idx = np.where((r >= 1) & (r <= cutoff), i, idx)
    return np.where(np.isfinite(S), idx, L)


def rank_quantiles(ranks: NDArray[Any], qs: Sequence[float]) -> FloatArray:
    """Quantiles of each column of integer ranks (0 = unranked, left out), ``numpy.quantile``'s
    default linear interpolation (R's type 7, as COINr's rank statistics), from one sort."""
    R, n = ranks.shape
    big = np.iinfo(np.int64).max
    S = np.sort(np.where(ranks > 0, ranks.astype(np.int64), big), axis=0)
    m = (ranks > 0).sum(axis=0)
    out = np.full((len(qs), n), np.nan)
    ok = m > 0
    for i, q in enumerate(qs):
        pos = (m - 1) * q
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, np.maximum(m - 1, 0))
        a = np.take_along_axis(S, np.clip(lo, 0, R - 1)[None, :], axis=0)[0].astype(float)
        b = np.take_along_axis(S, np.clip(hi, 0, R - 1)[None, :], axis=0)[0].astype(float)
        out[i] = np.where(ok, a + (pos - lo) * (b - a), np.nan)
    return out
