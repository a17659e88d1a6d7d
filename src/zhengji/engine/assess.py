"""``assess(scheme, panel)``: the whole assessment as one pure function over arrays.

Stages (each kept in the result, COINr style): raw → denominated → horizon (latent indicators
read as change or trend) → imputed → treated (outliers) → normalised → aggregated up the tree.
Everything is vectorised over units; loops run over indicators, tree nodes and categories only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from zhengji.engine import aggregate, impute, normalise, treat
from zhengji.engine import weights as weighting
from zhengji.engine.contrib import (
    allocate,
    child_block,
    effective_weights,
    has_no_nan,
    subscores,
)
from zhengji.engine.grades import assign_grades, rank_min
from zhengji.engine.panel import Panel
from zhengji.engine.result import Assessment, TreatmentRecord, VetoRecord
from zhengji.errors import DataError, MethodError, SchemeError
from zhengji.scheme.load import scheme_fingerprint
from zhengji.scheme.model import IndicatorSpec, PillarSpec, Scheme

__all__ = ["assess"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class _Frame:
    """The indicator-level arrays one run works on (n units × k indicators)."""

    indicators: tuple[IndicatorSpec, ...]
    applies: BoolArray
    raw: FloatArray
    denominated: FloatArray
    horizon: FloatArray


def assess(scheme: Scheme, panel: Panel, period: str | None = None) -> Assessment:
    """Assess every unit of ``panel`` for ``period`` (default: the latest) under ``scheme``."""
    if not panel.periods:
        raise DataError("面板没有任何期数 the panel has no periods: load some observations")
    if period is not None and period not in panel.periods:
        raise DataError(
            f"没有考核期 no data for period '{period}'; periods with data: "
            f"{', '.join(panel.periods)}"
        )
    t = panel.period_index(period) if period is not None else len(panel.periods) - 1
    panel = _assessed_units(scheme, panel)
    frame = _frame(scheme, panel, t)
    records: list[TreatmentRecord] = []
    units = np.array(panel.unit_ids)
    cats = np.array(panel.categories)

    _record_lost_denominators(frame, t, units, records)
    imputed = _impute(scheme, panel, frame, t, records)
    availability, keep = _screen(scheme, frame, t, imputed, units, records)
    if not keep.all():
        imputed = np.array(imputed)
        imputed[~keep] = np.nan

    groups = cats if scheme.treatment.normalise_within == "category" else np.full(len(units), "")
    treated = _treat(scheme, frame, imputed, keep, groups, units, records)
    normalised = _normalise(scheme, frame, treated, keep, groups)

    node_scores, node_weights = _aggregate(scheme, frame, normalised, cats, keep)
    index_id = scheme.index.id
    ind_ids = [i.id for i in frame.indicators]
    eff = effective_weights(scheme, node_weights, ind_ids)
    by_source, fused = _sources(scheme, frame, normalised, eff, node_scores[index_id])
    if fused is not None:
        score, contributions, eff = fused
        node_scores[index_id] = score
    else:
        score = node_scores[index_id]
        methods = {n: _method(scheme, n) for n in scheme.node_ids()}
        contributions = allocate(
            scheme, node_scores, node_weights, normalised, ind_ids, eff, methods
        )

    kinds = np.array([i.kind for i in frame.indicators])
    parts = subscores(normalised, eff, {"visible": kinds == "visible", "latent": kinds == "latent"})
    visible, latent = parts["visible"], parts["latent"]

    rank = rank_min(score)
    rank_cat = np.zeros_like(rank)
    for c in np.unique(cats):
        sel = cats == c
        rank_cat[sel] = rank_min(score[sel])
    grade_before = assign_grades(scheme.grades, score, rank, rank_cat, cats)
    grade, vetoes = _vetoes(scheme, panel, frame, t, grade_before)

    return Assessment(
        scheme_id=scheme.id,
        scheme_version=scheme.version,
        scheme_fingerprint=scheme_fingerprint(scheme),
        period=panel.periods[t],
        unit_ids=panel.unit_ids,
        unit_names=panel.unit_names,
        categories=panel.categories,
        indicator_ids=tuple(i.id for i in frame.indicators),
        score=_ro(score),
        rank=rank,
        rank_in_category=rank_cat,
        grade=grade,
        grade_before_veto=grade_before,
        node_scores={k: _ro(v) for k, v in node_scores.items()},
        visible=_ro(visible),
        latent=_ro(latent),
        by_source={k: _ro(v) for k, v in by_source.items()},
        contributions=_ro(contributions),
        weights=_ro(eff),
        stages={
            "raw": _ro(frame.raw),
            "denominated": _ro(frame.denominated[t]),
            "horizon": _ro(frame.horizon[t]),
            "imputed": _ro(imputed),
            "treated": _ro(treated),
            "normalised": _ro(normalised),
        },
        availability=_ro(availability),
        screened_out=tuple(units[~keep].tolist()),
        treatments=tuple(records),
        vetoes=vetoes,
        node_weights={k: _ro(v) for k, v in node_weights.items()},
        diagnostics={"applies": _ro(frame.applies)},
        synthetic=panel.synthetic or scheme.synthetic,
    )


def _record_lost_denominators(
    frame: _Frame, t: int, units: NDArray[np.str_], records: list[TreatmentRecord]
) -> None:
    for j, ind in enumerate(frame.indicators):
        if ind.denominator is None:
            continue
        lost = np.isfinite(frame.raw[:, j]) & np.isnan(frame.denominated[t][:, j])
        if lost.any():
            records.append(
                TreatmentRecord(
                    ind.id,
                    "denominated",
                    tuple(units[lost].tolist()),
                    f"分母 {ind.denominator} 为零或缺失，按缺失处理 denominator zero or "
                    "missing: treated as a missing value",
                )
            )


def _screen(
    scheme: Scheme,
    frame: _Frame,
    t: int,
    imputed: FloatArray,
    units: NDArray[np.str_],
    records: list[TreatmentRecord],
) -> tuple[FloatArray, BoolArray]:
    """Data availability per unit, and which units are kept (enough data, and some data)."""
    counted = frame.horizon[t] if scheme.treatment.screen_on == "observed" else imputed
    n_app = frame.applies.sum(axis=1)
    have = (np.isfinite(counted) & frame.applies).sum(axis=1)
    availability = np.where(n_app > 0, have / np.maximum(n_app, 1), 0.0)
    floor = scheme.treatment.min_availability
    keep = (availability >= floor) & (availability > 0)
    if not keep.all():
        why = (
            f"数据可得率低于 availability below {floor:.0%}"
            if floor > 0
            else "本期无数据 no data for the period"
        )
        records.append(TreatmentRecord("*", "screened_out", tuple(units[~keep].tolist()), why))
    return availability, keep


def _assessed_units(scheme: Scheme, panel: Panel) -> Panel:
    """Only the units of the levels the scheme assesses; the others are context."""
    if not scheme.levels:
        return panel
    rows = [i for i, lv in enumerate(panel.levels) if lv in scheme.levels]
    if not rows:
        raise DataError(
            f"没有需要考核的单位 no unit has a level in {scheme.levels} (levels in the data: "
            f"{sorted(set(panel.levels))})"
        )
    return panel if len(rows) == len(panel.unit_ids) else panel.select(rows)


def _ro(a: NDArray[Any]) -> NDArray[Any]:
    """Freeze an array for the result without copying it (a view stays a view)."""
    out = a.view()
    out.setflags(write=False)
    return out


# --- raw data, denomination, horizons -----------------------------------------------------------
def _frame(scheme: Scheme, panel: Panel, t: int) -> _Frame:
    """Indicator columns per period; stages that change nothing share one array."""
    inds = tuple(scheme.indicators)
    missing = [i.id for i in inds if i.id not in panel.variables]
    if missing:
        raise DataError(f"面板缺少指标 panel has no data column for indicators: {missing}")
    cats = np.array(panel.categories)
    declared = {c.id for c in scheme.categories}
    if declared:
        unknown = sorted({str(c) for c in cats} - declared)
        if unknown:
            raise DataError(
                f"未声明的类别 categories {unknown} are not declared in scheme '{scheme.id}' "
                f"(declared: {sorted(declared)})"
            )
    applies = np.zeros((len(panel.unit_ids), len(inds)), dtype=bool)
    for c in np.unique(cats):
        ids = {i.id for i in scheme.indicators_for(str(c) if c else None)}
        applies[np.ix_(cats == c, [i.id in ids for i in inds])] = True
    idx = [panel.variable_index(i.id) for i in inds]
    if idx == list(range(idx[0], idx[0] + len(idx))):
        series = panel.values[:, :, idx[0] : idx[0] + len(idx)]  # a view, no copy
    else:
        series = panel.values[:, :, idx]
    den = series
    if any(i.denominator is not None or i.scale != 1 for i in inds):
        den = np.array(series)
        for j, ind in enumerate(inds):
            if ind.denominator is not None:
                d = panel.series(ind.denominator)
                with np.errstate(divide="ignore", invalid="ignore"):
                    den[:, :, j] = np.where(d != 0, series[:, :, j] / d, np.nan)
            if ind.scale != 1:
                den[:, :, j] *= ind.scale
    for ind in inds:
        h = ind.horizon
        if h is not None and h.mode != "level" and t < h.periods:
            raise DataError(
                f"指标 '{ind.id}' 的考察期需要 {h.periods + 1} 期数据 the {h.mode} over "
                f"{h.periods} periods needs data from {h.periods} periods before "
                f"{panel.periods[t]}, but the data start at {panel.periods[0]}; assess a "
                "later period or shorten the horizon"
            )
    hor = den
    if any(i.horizon is not None and i.horizon.mode != "level" for i in inds):
        hor = np.array(den)
        for j, ind in enumerate(inds):
            h = ind.horizon
            if h is not None and h.mode != "level":
                hor[:, :, j] = _read_horizon(den[:, :, j], h.mode, h.periods)
    if not applies.all():
        masked: dict[int, FloatArray] = {}
        for a in (series, den, hor):
            if id(a) not in masked:
                masked[id(a)] = np.where(applies[None, :, :], a, np.nan)
        series, den, hor = masked[id(series)], masked[id(den)], masked[id(hor)]
    return _Frame(inds, applies, series[t], den, hor)


def _read_horizon(y: FloatArray, mode: str, p: int) -> FloatArray:
    """Per period: change over ``p`` periods, or least-squares slope over ``p + 1`` periods."""
    out = np.full_like(y, np.nan)
    T = y.shape[0]
    for s in range(p, T):
        if mode == "change":
            out[s] = y[s] - y[s - p]
            continue
        win = y[s - p : s + 1]  # (p+1, n)
        x = np.arange(p + 1, dtype=np.float64)[:, None] * np.ones_like(win)
        ok = np.isfinite(win)
        cnt = ok.sum(axis=0)
        xm = np.where(ok, x, 0).sum(axis=0) / np.maximum(cnt, 1)
        ym = np.where(ok, win, 0).sum(axis=0) / np.maximum(cnt, 1)
        sxx = np.where(ok, (x - xm) ** 2, 0).sum(axis=0)
        sxy = np.where(ok, (x - xm) * (np.nan_to_num(win) - ym), 0).sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[s] = np.where((cnt >= 2) & (sxx > 0), sxy / sxx, np.nan)
    return out


# --- imputation, treatment, normalisation -------------------------------------------------------
def _impute(
    scheme: Scheme, panel: Panel, frame: _Frame, t: int, records: list[TreatmentRecord]
) -> FloatArray:
    policy = scheme.treatment.missing
    X: FloatArray = frame.horizon[t]
    if policy in ("none", "drop_reweight"):
        return X
    if policy == "group_mean":
        try:
            groups = panel.attribute(scheme.treatment.group)
        except KeyError:
            raise SchemeError(
                f"treatment.group: 单位表没有列 units have no column '{scheme.treatment.group}' "
                "to impute group means by"
            ) from None
        filled, mask = impute.group_mean(X, groups)
    else:
        filled, mask = impute.carry_forward(frame.horizon, t)
    filled = np.where(frame.applies, filled, np.nan)
    mask &= frame.applies
    units = np.array(panel.unit_ids)
    for j, ind in enumerate(frame.indicators):
        if mask[:, j].any():
            records.append(
                TreatmentRecord(ind.id, "imputed", tuple(units[mask[:, j]].tolist()), policy)
            )
    return filled


def _treat(
    scheme: Scheme,
    frame: _Frame,
    X: FloatArray,
    keep: BoolArray,
    groups: NDArray[np.str_],
    units: NDArray[np.str_],
    records: list[TreatmentRecord],
) -> FloatArray:
    tr = scheme.treatment
    # An indicator's own ``outliers`` overrides the scheme's (COINr's per-indicator specs):
    # e.g. a derived deduction count whose rare large values are the point, not outliers.
    mode = [ind.outliers or tr.outliers for ind in frame.indicators]
    if all(m == "none" for m in mode):
        return X
    out = np.array(X)
    for g in np.unique(groups):
        rows = np.flatnonzero((groups == g) & keep)
        for j, ind in enumerate(frame.indicators):
            if mode[j] == "none":
                continue
            col = rows[np.isfinite(X[rows, j])]
            if col.size < 4:  # kurtosis needs four values
                continue
            res = treat.coinr_treat(
                X[col, j], winmax=tr.winsor_max, skew_thresh=tr.skew, kurt_thresh=tr.kurtosis
            )
            out[col, j] = res.values
            touched = tuple(res.winsorised_low) + tuple(res.winsorised_high)
            if touched and not res.log_transformed:
                records.append(
                    TreatmentRecord(
                        ind.id, "winsorised", tuple(units[col[list(touched)]].tolist()), res.detail
                    )
                )
            if res.log_transformed:
                records.append(
                    TreatmentRecord(
                        ind.id, "log_transformed", tuple(units[col].tolist()), res.detail
                    )
                )
    return out


def _normalise(
    scheme: Scheme, frame: _Frame, X: FloatArray, keep: BoolArray, groups: NDArray[np.str_]
) -> FloatArray:
    specs = [ind.normalisation or scheme.treatment.normalisation for ind in frame.indicators]
    dirs = np.array([1 if ind.direction == "higher" else -1 for ind in frame.indicators])
    labels = np.unique(groups)
    # Column-major: each pillar's indicators are then one contiguous block, which the
    # per-pillar weights and aggregations read column by column.
    if labels.size == 1 and keep.all():
        return normalise.normalise_matrix(X, specs, dirs, out=np.empty(X.shape, order="F"))
    out = np.full(X.shape, np.nan, order="F")
    for g in labels:
        rows = np.flatnonzero((groups == g) & keep)
        if rows.size:
            out[rows] = normalise.normalise_matrix(X[rows], specs, dirs)
    return out


# --- weights and aggregation up the tree --------------------------------------------------------
def _aggregate(
    scheme: Scheme, frame: _Frame, normalised: FloatArray, cats: NDArray[np.str_], keep: BoolArray
) -> tuple[dict[str, FloatArray], dict[str, FloatArray]]:
    """Bottom-up scores. Returns node scores and per-node child weights (n, c) actually used.

    When every unit has every child and one weight vector applies to all, the weights are kept
    as a broadcast view and the aggregator gets a (c,) vector: no (n, c) weight matrix is built.
    """
    col = {ind.id: j for j, ind in enumerate(frame.indicators)}
    values: dict[str, FloatArray] = {}
    applies: dict[str, BoolArray] = {}
    node_weights: dict[str, FloatArray] = {}
    default_norm = scheme.treatment.normalisation
    lo, hi = getattr(default_norm, "low", 0.0), getattr(default_norm, "high", 100.0)
    all_kept = bool(keep.all())
    for node_id in reversed(scheme.node_ids()):
        kids = scheme.children(node_id)
        V = child_block(kids, col, normalised, values)
        A = child_block(kids, col, frame.applies, applies)
        W = _child_weights(scheme, node_id, kids, V, A, cats, keep)
        method = _method(scheme, node_id)
        complete = all_kept and W.strides[0] == 0 and has_no_nan(V)
        try:
            if complete:
                w = W[0] / W[0].sum() if W[0].sum() > 0 else W[0]
                Wn = np.broadcast_to(w, W.shape)
                s = aggregate.METHODS[method](V, w)
            else:
                Wn, s = _aggregate_general(scheme, method, V, A, W, keep)
        except MethodError as exc:
            raise MethodError(f"汇总 aggregating '{node_id}' with {method}: {exc}") from None
        if method in ("topsis", "vikor"):
            s = lo + (hi - lo) * s
        values[node_id] = s
        applies[node_id] = np.asarray(A.any(axis=1), dtype=bool)
        node_weights[node_id] = Wn
    return {n: values[n] for n in scheme.node_ids()}, node_weights


def _aggregate_general(
    scheme: Scheme, method: str, V: FloatArray, A: BoolArray, W: FloatArray, keep: BoolArray
) -> tuple[FloatArray, FloatArray]:
    """Per-unit weights: gaps and inapplicable children dropped, weights re-normalised."""
    avail = np.isfinite(V) & (W > 0)
    Wu = np.where(avail, W, 0.0)
    tot = Wu.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        Wn = np.where(tot > 0, Wu / tot, 0.0)
    s = aggregate.METHODS[method](np.where(avail, V, np.nan), Wn)
    unscored = (tot[:, 0] == 0) | ~keep
    if scheme.treatment.missing == "none":
        unscored |= (A & ~np.isfinite(V)).any(axis=1)
    return Wn, np.where(unscored, np.nan, s)


def _method(scheme: Scheme, node_id: str) -> str:
    node = (
        scheme.index
        if node_id == scheme.index.id
        else next(p for p in scheme.pillars if p.id == node_id)
    )
    if node.aggregation is not None:
        return node.aggregation
    return scheme.aggregation.levels.get(scheme.level(node_id), scheme.aggregation.method)


def _child_weights(
    scheme: Scheme,
    node_id: str,
    kids: Sequence[PillarSpec | IndicatorSpec],
    V: FloatArray,
    A: BoolArray,
    cats: NDArray[np.str_],
    keep: BoolArray,
) -> FloatArray:
    """Nominal child weights per unit (n, c): method, category overrides, applicability.

    A broadcast view when one vector applies to every unit.
    """
    how = scheme.node(node_id).weighting
    ids = [k.id for k in kids]
    labels = np.unique(cats)
    vectors: dict[str, NDArray[np.float64]] = {}
    for c in labels:
        cat = scheme.category(str(c)) if c else None
        over = cat.weights if cat else {}
        if how.method == "fixed":
            w = np.array([over.get(i, k.weight) for i, k in zip(ids, kids, strict=True)])
        elif how.method == "equal":
            w = np.ones(len(ids))
        elif how.method == "ahp":
            assert how.ahp is not None
            order = how.ahp.order or ids
            m = weighting.ahp_matrix(order, matrix=how.ahp.matrix, pairs=how.ahp.pairs)
            res = weighting.ahp_weights(m, random_index=how.ahp.random_index)
            w = np.array([res.weights[order.index(i)] for i in ids])
        else:
            sel = keep if labels.size == 1 else (cats == c) & keep
            sub = V if sel.all() else V[sel]
            w = _data_weights(how.method, how.correlation, sub, node_id)
            w = np.where(np.array([i in over and over[i] == 0 for i in ids]), 0.0, w)
        vectors[str(c)] = np.asarray(w, dtype=np.float64)
    if labels.size == 1 and A.all():
        return np.broadcast_to(vectors[str(labels[0])], V.shape)
    W = np.zeros(V.shape)
    for c in labels:
        W[cats == c] = vectors[str(c)]
    return np.where(A, W, 0.0)


def _data_weights(method: str, correlation: str, sub: FloatArray, node_id: str) -> FloatArray:
    if sub.shape[0] < 2:
        return np.ones(sub.shape[1])
    try:
        if method == "critic":
            return weighting.critic(sub, correlation=correlation)  # type: ignore[arg-type]
        return weighting.entropy(sub)
    except MethodError as exc:
        raise MethodError(f"权重 weighting '{node_id}' by {method}: {exc}") from None


def _sources(
    scheme: Scheme, frame: _Frame, normalised: FloatArray, eff: FloatArray, score: FloatArray
) -> tuple[dict[str, FloatArray], tuple[FloatArray, FloatArray, FloatArray] | None]:
    """Per-source sub-scores; with ``reweight`` also the fused score, contributions, weights."""
    src = np.array([i.source for i in frame.indicators])
    present = list(dict.fromkeys(src.tolist()))
    by_source = subscores(normalised, eff, {s: src == s for s in present})
    if scheme.sources.mode != "reweight":
        return by_source, None
    sw = scheme.sources.weights
    share = np.zeros(eff.shape)
    for s in present:
        cols = src == s
        tot = eff[:, cols].sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            share[:, cols] = np.where(tot > 0, eff[:, cols] / tot, 0.0) * sw.get(s, 0.0)
    tot = share.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        new_eff = np.where(tot > 0, share / tot, 0.0)
    contrib = np.where(new_eff > 0, new_eff * np.nan_to_num(normalised), 0.0)
    new_score = np.where(np.isnan(score), np.nan, contrib.sum(axis=1))
    contrib[np.isnan(score)] = np.nan
    return by_source, (new_score, contrib, new_eff)


def _vetoes(
    scheme: Scheme, panel: Panel, frame: _Frame, t: int, grade: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[VetoRecord, ...]]:
    names = scheme.grades.names
    pos = {g: i for i, g in enumerate(names)}
    out = list(grade)
    recs: list[VetoRecord] = []
    period = panel.periods[t]
    col = {i.id: j for j, i in enumerate(frame.indicators)}
    for v in scheme.vetoes:
        hits: dict[int, str] = {}
        for e in panel.events:
            if e.veto_id == v.id and e.period == period and e.unit_id in panel.unit_ids:
                hits[panel.unit_ids.index(e.unit_id)] = e.reason or v.name
        if v.indicator is not None:
            x = (
                frame.raw[:, col[v.indicator]]
                if v.indicator in col
                else panel.series(v.indicator)[t]
            )
            with np.errstate(invalid="ignore"):
                cond = _OPS[v.op](x, v.threshold) & np.isfinite(x)
            for hit in np.flatnonzero(cond).tolist():
                u = int(hit)
                hits.setdefault(u, f"{v.indicator} = {float(x[u]):g} {v.op} {v.threshold:g}")
        for u, reason in sorted(hits.items()):
            before = out[u]
            after = before if before and pos[before] >= pos[v.cap] else v.cap
            if not before:
                after = ""
            out[u] = after
            recs.append(VetoRecord(panel.unit_ids[u], v.id, v.name, reason, before, after))
    return tuple(out), tuple(recs)


_OPS = {
    ">": np.greater,
    ">=": np.greater_equal,
    "<": np.less,
    "<=": np.less_equal,
    "==": np.equal,
    "!=": np.not_equal,
}
