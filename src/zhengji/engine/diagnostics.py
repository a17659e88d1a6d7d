"""Diagnostics of the scheme itself (方案自身的诊断): what the data do to the declared design.

* **Effective vs nominal weights.** A weight is a statement of importance, but what a part
  actually does to the index is its *main effect* (correlation ratio)
  ``S_i = Var(E[y | x_i]) / Var(y)`` (Paruolo, Saisana & Saltelli 2013, "Ratings and rankings:
  voodoo or science?", J. R. Stat. Soc. A 176: 609–634). ``E[y | x_i]`` is estimated by a
  least-squares cubic B-spline in ``x_i`` with interior knots at quantiles (one knot per ~10
  units, at most 5; scipy ``make_lsq_spline``); with fewer than 12 distinct values a straight
  line (then ``S_i`` is Pearson's r²). Shares ``S_i / Σ S`` are compared with the nominal
  weights; :func:`equal_influence` suggests weights that give every child the same main effect
  (Becker et al. 2017 iterate weights against main effects the same way).
* **Redundancy.** Correlations within each pillar and across levels (indicator ↔ pillar ↔
  index), pairs above 0.9 (COINr ``get_corr_flags`` default), negative correlations within a
  pillar (below −0.4, COINr's "low" threshold), Cronbach's alpha and a PCA of each pillar.
* **Gaming signs (Goodhart).** Bunching at declared targets (from :mod:`zhengji.integrity`) and
  indicators whose score rose while their declared proxies (``[integrity].proxies``) did not.

All functions take the engine's :class:`~zhengji.engine.result.Assessment` (normalised values,
node scores, effective weights), never recompute the index.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.interpolate import make_lsq_spline

from zhengji.engine.assess import assess
from zhengji.engine.panel import Panel
from zhengji.engine.result import Assessment
from zhengji.scheme.model import IndicatorSpec, Scheme

__all__ = [
    "CorrelationFlag",
    "Diagnostics",
    "EffectiveWeight",
    "GamingSign",
    "PillarRedundancy",
    "correlation_matrix",
    "cronbach_alpha",
    "diagnose",
    "equal_influence",
    "main_effect",
    "pca",
]

FloatArray = NDArray[np.float64]
HIGH_CORRELATION = 0.9
NEGATIVE_CORRELATION = -0.4


def main_effect(x: FloatArray, y: FloatArray) -> float:
    """Correlation ratio ``Var(E[y|x]) / Var(y)`` by a cubic B-spline smoother (see module)."""
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = np.asarray(x)[ok], np.asarray(y)[ok]
    if x.size < 3:  # e.g. an indicator without any value
        return 0.0
    vy = float(np.var(y))
    if vy == 0 or np.ptp(x) == 0:
        return 0.0
    distinct = np.unique(x).size
    if distinct < 12:
        fit = np.polyval(np.polyfit(x, y, 1), x)
    else:
        o = np.argsort(x, kind="stable")
        xs, ys = x[o], y[o]
        inner = int(min(5, max(1, xs.size // 10)))
        qs = np.quantile(xs, np.linspace(0, 1, inner + 2)[1:-1])
        qs = np.unique(qs[(qs > xs[0]) & (qs < xs[-1])])
        t = np.r_[[xs[0]] * 4, qs, [xs[-1]] * 4]
        try:
            spl = make_lsq_spline(xs, ys, t, k=3)
            fit = np.empty_like(y)
            fit[o] = spl(xs)
        except (ValueError, np.linalg.LinAlgError):  # Schoenberg–Whitney fails: fall back
            fit = np.polyval(np.polyfit(x, y, 1), x)
    return float(min(1.0, max(0.0, np.var(fit) / vy)))


def equal_influence(V: FloatArray, w: FloatArray, iterations: int = 100) -> FloatArray:
    """Weights that give each column of ``V`` the same main effect on ``V @ w`` (a suggestion).

    Damped fixed point ``w_i ← w_i · sqrt(mean(S) / S_i)`` on complete rows; returns the iterate
    whose main-effect shares are closest to equal (largest deviation), stopping below 0.5 %.
    Columns without any effect keep their weight.
    """
    rows = np.isfinite(V).all(axis=1)
    X = V[rows]
    w = np.asarray(w, dtype=float) / np.sum(w)
    if X.shape[0] < 3:
        return w
    best, best_dev = w, np.inf
    for _ in range(iterations):
        y = X @ w
        S = np.array([main_effect(X[:, j], y) for j in range(X.shape[1])])
        live = S > 1e-9
        if not live.any():
            break
        share = S[live] / S[live].sum()
        dev = float(np.max(np.abs(share - 1 / live.sum())))
        if dev < best_dev:
            best, best_dev = w, dev
        if dev < 0.005:
            break
        step = np.sqrt(S[live].mean() / np.maximum(S, 1e-12))
        w = np.where(live, w * np.minimum(step, 4.0), w)
        w = w / w.sum()
    return best


def correlation_matrix(X: FloatArray) -> FloatArray:
    """Pearson correlations on pairwise complete rows (constant columns give NaN)."""
    k = X.shape[1]
    out = np.full((k, k), np.nan)
    for i in range(k):
        for j in range(i, k):
            ok = np.isfinite(X[:, i]) & np.isfinite(X[:, j])
            a, b = X[ok, i], X[ok, j]
            if ok.sum() >= 3 and np.std(a) > 0 and np.std(b) > 0:
                out[i, j] = out[j, i] = float(np.corrcoef(a, b)[0, 1])
    return out


def cronbach_alpha(X: FloatArray | None = None, cov: FloatArray | None = None) -> float:
    """Cronbach's alpha ``k/(k−1)·(1 − Σσ²_i / σ²_total)`` on complete rows (or a covariance).

    Given a correlation matrix as ``cov`` it is the standardised alpha.
    """
    if cov is None:
        assert X is not None
        rows = X[np.isfinite(X).all(axis=1)]
        if rows.shape[0] < 2 or rows.shape[1] < 2:
            return float("nan")
        cov = np.cov(rows, rowvar=False)
    C = np.asarray(cov, dtype=float)
    k = C.shape[0]
    total = C.sum()
    if k < 2 or total <= 0:
        return float("nan")
    return float(k / (k - 1) * (1 - np.trace(C) / total))


def pca(X: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Eigenvalues (descending) of the correlation matrix and the first component's loadings."""
    rows = X[np.isfinite(X).all(axis=1)]
    if rows.shape[0] < 3:  # e.g. an indicator without any value: no complete row
        return np.array([]), np.array([])
    sd = rows.std(axis=0)
    rows = rows[:, sd > 0]
    if rows.shape[0] < 3 or rows.shape[1] < 2:
        return np.array([]), np.array([])
    vals, vecs = np.linalg.eigh(np.corrcoef(rows, rowvar=False))
    order = np.argsort(vals)[::-1]
    v1 = vecs[:, order[0]]
    return vals[order], v1 * np.sign(v1.sum() or 1.0)


@dataclass(frozen=True)
class EffectiveWeight:
    """A part's nominal weight on the index against its main effect on it."""

    id: str
    level: str  # "pillar" | "indicator"
    parent: str
    nominal: float  # mean effective weight over units (share of the index)
    main_effect: float  # S_i on the index
    share: float  # S_i / Σ S over the same level
    suggested: float | None  # equal-influence weight among its siblings (pillars only)


@dataclass(frozen=True)
class CorrelationFlag:
    a: str
    b: str
    r: float
    kind: str  # "high" | "negative"


@dataclass(frozen=True)
class PillarRedundancy:
    pillar: str
    indicators: tuple[str, ...]
    correlations: FloatArray
    alpha: float
    eigenvalues: FloatArray
    first_loadings: FloatArray
    with_pillar: FloatArray  # r(indicator, pillar score)
    with_index: FloatArray  # r(indicator, index)


@dataclass(frozen=True)
class GamingSign:
    indicator: str
    unit_id: str  # "*" for a pooled sign
    kind: str  # "target_bunching" | "rose_without_proxies"
    summary_zh: str
    summary_en: str
    value: float


@dataclass(frozen=True)
class Diagnostics:
    scheme_id: str
    period: str
    effective: tuple[EffectiveWeight, ...]
    pillars: tuple[PillarRedundancy, ...]
    flags: tuple[CorrelationFlag, ...]
    pillar_correlations: FloatArray  # between the index's children and the index (last)
    pillar_ids: tuple[str, ...]
    gaming: tuple[GamingSign, ...]
    synthetic: bool = False


def _effective(scheme: Scheme, a: Assessment) -> list[EffectiveWeight]:
    y = np.asarray(a.score)
    root = scheme.index.id
    out: list[EffectiveWeight] = []
    kids = scheme.children(root)
    V = np.column_stack(
        [
            a.node_scores[k.id]
            if k.id in a.node_scores
            else a.stages["normalised"][:, a.indicator_ids.index(k.id)]
            for k in kids
        ]
    )
    Wroot = np.asarray(a.node_weights[root])
    nominal = np.nanmean(np.where(np.isfinite(y)[:, None], Wroot, np.nan), axis=0)
    S = np.array([main_effect(V[:, j], y) for j in range(V.shape[1])])
    share = S / S.sum() if S.sum() > 0 else S
    suggested = equal_influence(V, nominal)
    for j, k in enumerate(kids):
        out.append(
            EffectiveWeight(
                k.id,
                "pillar" if k.id in a.node_scores else "indicator",
                root,
                float(nominal[j]),
                float(S[j]),
                float(share[j]),
                float(suggested[j]),
            )
        )
    X = np.asarray(a.stages["normalised"])
    W = np.asarray(a.weights)
    Si = np.array([main_effect(X[:, j], y) for j in range(X.shape[1])])
    tot = Si.sum()
    for j, ind in enumerate(a.indicator_ids):
        out.append(
            EffectiveWeight(
                ind,
                "indicator",
                scheme.indicator(ind).parent,
                float(np.nanmean(np.where(np.isfinite(y), W[:, j], np.nan))),
                float(Si[j]),
                float(Si[j] / tot) if tot > 0 else 0.0,
                None,
            )
        )
    return out


def _redundancy(
    scheme: Scheme, a: Assessment
) -> tuple[list[PillarRedundancy], list[CorrelationFlag]]:
    X = np.asarray(a.stages["normalised"])
    y = np.asarray(a.score)
    out: list[PillarRedundancy] = []
    flags: list[CorrelationFlag] = []
    for node in scheme.node_ids():
        inds = [k.id for k in scheme.children(node) if isinstance(k, IndicatorSpec)]
        if len(inds) < 2:
            continue
        cols = [a.indicator_ids.index(i) for i in inds]
        sub = X[:, cols]
        C = correlation_matrix(sub)
        node_score = np.asarray(a.node_scores[node])
        for i in range(len(inds)):
            for j in range(i + 1, len(inds)):
                r = C[i, j]
                if np.isfinite(r) and r > HIGH_CORRELATION:
                    flags.append(CorrelationFlag(inds[i], inds[j], float(r), "high"))
                elif np.isfinite(r) and r < NEGATIVE_CORRELATION:
                    flags.append(CorrelationFlag(inds[i], inds[j], float(r), "negative"))
        vals, load = pca(sub)
        out.append(
            PillarRedundancy(
                node,
                tuple(inds),
                C,
                cronbach_alpha(sub),
                vals,
                load,
                np.array([_r(sub[:, j], node_score) for j in range(len(inds))]),
                np.array([_r(sub[:, j], y) for j in range(len(inds))]),
            )
        )
    return out, flags


def _r(a: FloatArray, b: FloatArray) -> float:
    return float(correlation_matrix(np.column_stack([a, b]))[0, 1])


def _gaming(scheme: Scheme, panel: Panel, a: Assessment, period: str | None) -> list[GamingSign]:
    from zhengji.integrity.targets import target_bunching

    out: list[GamingSign] = []
    pers = panel.periods
    for tgt in scheme.integrity.targets:
        if tgt.indicator not in panel.variables:
            continue
        series = panel.series(tgt.indicator).T  # (units, periods)
        for f in target_bunching(series, tgt.target, pers, tgt.indicator, tgt.window):
            out.append(
                GamingSign(
                    tgt.indicator,
                    "*",
                    "target_bunching",
                    f.summary_zh,
                    f.summary_en,
                    float(f.p_value) if f.p_value == f.p_value else float("nan"),
                )
            )
    t = pers.index(a.period)
    if t == 0 or not scheme.integrity.proxies:
        return out
    prev = assess(scheme, panel, pers[t - 1])
    X1 = np.asarray(a.stages["normalised"])
    X0 = np.asarray(prev.stages["normalised"])
    for chk in scheme.integrity.proxies:
        if chk.indicator not in a.indicator_ids:
            continue
        j = a.indicator_ids.index(chk.indicator)
        d_score = X1[:, j] - X0[:, j]
        moves = []
        for p in chk.proxies:
            if p in panel.variables:
                s = panel.series(p)
                moves.append(_z(s[t] - s[t - 1]))
        if not moves:
            continue
        proxy = np.nanmean(np.vstack(moves), axis=0)
        zs = _z(d_score)
        for u in np.flatnonzero((zs >= 1.0) & (proxy <= 0.0)):
            name = a.unit_names[u]
            out.append(
                GamingSign(
                    chk.indicator,
                    a.unit_ids[u],
                    "rose_without_proxies",
                    f"{name}：{chk.indicator} 标准化得分上升 {d_score[u]:.1f} 分（高于多数单位），"
                    f"而代理指标 {'、'.join(chk.proxies)} 未同步上升"
                    f"（平均标准化变化 {proxy[u]:.2f}）",
                    f"{name}: the {chk.indicator} score rose by {d_score[u]:.1f} points (more "
                    "than most units) while its proxies did not (mean standardised change "
                    f"{proxy[u]:.2f})",
                    float(d_score[u]),
                )
            )
    return out


def _z(x: FloatArray) -> FloatArray:
    """Robust z-score: (x − median) / (1.4826 · MAD), NaN kept."""
    med = np.nanmedian(x)
    mad = 1.4826 * np.nanmedian(np.abs(x - med))
    if not np.isfinite(mad) or mad == 0:
        sd = np.nanstd(x)
        mad = sd if sd > 0 else 1.0
    out: FloatArray = (x - med) / mad
    return out


def diagnose(scheme: Scheme, panel: Panel, period: str | None = None) -> Diagnostics:
    """Effective weights, redundancy and gaming signs of ``scheme`` on ``panel``."""
    a = assess(scheme, panel, period)
    pillars, flags = _redundancy(scheme, a)
    kids = scheme.children(scheme.index.id)
    ids = tuple(k.id for k in kids if k.id in a.node_scores)
    P = np.column_stack([*(np.asarray(a.node_scores[i]) for i in ids), np.asarray(a.score)])
    return Diagnostics(
        scheme.id,
        a.period,
        tuple(_effective(scheme, a)),
        tuple(pillars),
        tuple(flags),
        correlation_matrix(P),
        ids,
        tuple(_gaming(scheme, panel, a, period)),
        a.synthetic,
    )
