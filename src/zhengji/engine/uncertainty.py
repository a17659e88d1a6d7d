"""Uncertainty analysis of a ranking (不确定性分析): how far do ranks move when defensible
method choices change?

COINr's design (``get_sensitivity``): the scheme records how the index is built, and a
replication is the same scheme with some settings replaced, rebuilt. The uncertain choices and
their alternatives are declared in the scheme's ``[uncertainty]`` section; each is a *factor*
with a list of options (the scheme's own choice is always option 0):

========================  ============================================================
factor                    options
========================  ============================================================
``weights``               a pool of noisy weight sets (±x % uniform noise or Dirichlet)
``normalisation``         the scheme's own normalisation, or one method for every indicator
``aggregation``           the method of the nodes at one level (arithmetic, geometric …)
``missing``               imputation: drop and re-weight, group mean, carry forward …
``winsorisation``         0 = no outlier treatment, n = COINr treatment winsorising ≤ n points
``leave_out``             nothing, or one indicator / pillar dropped (its weight set to 0)
========================  ============================================================

A replication picks one option per factor from a number ``u`` in [0, 1) (as COINr maps its
sample to discrete alternatives and to a pre-generated pool of noisy weights).

Speed: :func:`variant_scheme` builds the scheme of a replication for a rebuild with
:func:`zhengji.engine.assess` (the COINr way; the tests and the benchmark use it as the
reference). The analysis itself runs ``assess`` once per *data* alternative (imputation ×
winsorisation × normalisation) and re-aggregates all replications sharing it as array
operations (:mod:`zhengji.engine.replicate`), in chunks that bound memory.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from zhengji.engine.assess import assess
from zhengji.engine.panel import Panel
from zhengji.engine.replicate import (
    Base,
    base_of,
    evaluate,
    grade_index,
    node_method,
    rank_quantiles,
    rank_rows,
)
from zhengji.engine.result import Assessment
from zhengji.errors import SchemeError
from zhengji.scheme.model import (
    Category,
    IndicatorSpec,
    Normalisation,
    PillarSpec,
    Scheme,
    UncertaintySpec,
    Weighting,
)

__all__ = [
    "FACTOR_LABELS",
    "Design",
    "Factor",
    "PairOrder",
    "UncertaintyResult",
    "build_design",
    "data_scheme",
    "evaluate",
    "grade_index",
    "rank_quantiles",
    "rank_rows",
    "replicate_scores",
    "run_uncertainty",
    "variant_scheme",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
Progress = Callable[[int, int], None]

FACTOR_LABELS: dict[str, tuple[str, str]] = {
    "weights": ("权重扰动", "weights"),
    "normalisation": ("标准化方法", "normalisation"),
    "aggregation": ("汇总方法", "aggregation"),
    "missing": ("缺失值处理", "imputation"),
    "winsorisation": ("异常值缩尾", "winsorisation"),
    "leave_out": ("剔除一个要素", "leave one out"),
}
_POOL_MAX = 10_000
_CHUNK_ELEMENTS = 1 << 24  # R·n·width per chunk (width: see _widest): ~128 MiB of float64


# --- the design: factors and their options ------------------------------------------------------
@dataclass(frozen=True)
class Factor:
    """One uncertain choice and the labels of its options (option 0 = the scheme's own)."""

    name: str
    options: tuple[str, ...]

    @property
    def label(self) -> str:
        zh, en = FACTOR_LABELS[self.name]
        return f"{zh} {en}"


@dataclass(frozen=True)
class Design:
    """Everything a replication can change, resolved against one scheme (and its data)."""

    scheme: Scheme
    spec: UncertaintySpec
    factors: tuple[Factor, ...]
    missing: tuple[str, ...]
    winsor: tuple[int | None, ...]
    normalisation: tuple[Normalisation | None, ...]
    aggregation: tuple[str | None, ...]
    aggregation_nodes: tuple[str, ...]
    leave_out: tuple[tuple[str, int] | None, ...]
    pool: tuple[Mapping[str, FloatArray], ...]

    def index(self, name: str) -> int | None:
        for i, f in enumerate(self.factors):
            if f.name == name:
                return i
        return None

    def options(self, u: FloatArray) -> IntArray:
        """Map a sample ``u`` in [0, 1)^(R, d) to option indices (R, d)."""
        sizes = np.array([len(f.options) for f in self.factors])
        out: IntArray = np.minimum((np.asarray(u) * sizes).astype(np.int64), sizes - 1)
        return out


def _nominal_vector(scheme: Scheme, node_id: str) -> FloatArray | None:
    """Declared weights of a node's children (before categories and data), or None."""
    how = scheme.node(node_id).weighting
    kids = scheme.children(node_id)
    if how.method == "fixed":
        w = np.array([k.weight for k in kids], dtype=float)
    elif how.method == "equal":
        w = np.ones(len(kids))
    elif how.method == "ahp":
        w = _ahp_vector(scheme, node_id)
    else:
        return None
    return w / w.sum() if w.sum() > 0 else w


def _ahp_vector(scheme: Scheme, node_id: str) -> FloatArray:
    from zhengji.engine.weights import ahp_matrix, ahp_weights

    how = scheme.node(node_id).weighting
    assert how.ahp is not None
    ids = [k.id for k in scheme.children(node_id)]
    order = how.ahp.order or ids
    res = ahp_weights(
        ahp_matrix(order, matrix=how.ahp.matrix, pairs=how.ahp.pairs),
        random_index=how.ahp.random_index,
    )
    return np.array([float(res.weights[order.index(i)]) for i in ids])


def _weight_pool(scheme: Scheme, spec: UncertaintySpec, size: int) -> list[dict[str, FloatArray]]:
    """Noisy weight factors per node (multipliers of the nominal child weights)."""
    if spec.weights == "none" or size == 0:
        return []
    rng = np.random.default_rng([spec.seed, 1])
    levels = set(spec.weight_levels)
    pool: list[dict[str, FloatArray]] = [{} for _ in range(size)]
    for node in scheme.node_ids():
        if levels and scheme.level(node) not in levels:
            continue
        w = _nominal_vector(scheme, node)
        if w is None or w.size < 2:
            continue
        if spec.weights == "uniform":
            x = spec.weight_noise
            draws = 1.0 + rng.uniform(-x, x, size=(size, w.size))
        else:
            live = w > 0
            d = rng.dirichlet(spec.concentration * w[live] / w[live].sum(), size=size)
            draws = np.ones((size, w.size))
            draws[:, live] = d / (w[live] / w[live].sum())
        for p in range(size):
            pool[p][node] = draws[p]
    return pool


def _level_nodes(scheme: Scheme, level: int | None) -> tuple[str, ...]:
    top = scheme.level(scheme.index.id)
    lv = top if level is None else level
    nodes = tuple(n for n in scheme.node_ids() if scheme.level(n) == lv)
    if not nodes:
        raise SchemeError(
            f"uncertainty.aggregation_level: 层级不存在 level {lv} has no node; levels run from "
            f"2 to {top}"
        )
    return nodes


def _leave_options(scheme: Scheme, mode: str) -> list[tuple[str, int]]:
    if mode == "none":
        return []
    out: list[tuple[str, int]] = []
    for node in scheme.node_ids():
        if scheme.node(node).weighting.method not in ("fixed", "equal", "ahp"):
            continue
        kids = scheme.children(node)
        if len(kids) < 2:
            continue
        for c, kid in enumerate(kids):
            wanted = IndicatorSpec if mode == "indicator" else PillarSpec
            if isinstance(kid, wanted):
                out.append((node, c))
    return out


def build_design(scheme: Scheme, spec: UncertaintySpec | None = None) -> Design:
    """Resolve ``[uncertainty]`` against the scheme: the factors and their options."""
    spec = spec or scheme.uncertainty
    tr = scheme.treatment
    missing = (tr.missing, *[m for m in dict.fromkeys(spec.missing) if m != tr.missing])
    nominal_w = 0 if tr.outliers == "none" else tr.winsor_max
    winsor: tuple[int | None, ...] = (
        None,
        *[w for w in dict.fromkeys(spec.winsorisation) if w != nominal_w],
    )
    norms: tuple[Normalisation | None, ...] = (None, *spec.normalisation)
    nodes = _level_nodes(scheme, spec.aggregation_level)
    nominal_a = node_method(scheme, nodes[0])
    aggs: tuple[str | None, ...] = (
        None,
        *[a for a in dict.fromkeys(spec.aggregation) if a != nominal_a],
    )
    leave: tuple[tuple[str, int] | None, ...] = (None, *_leave_options(scheme, spec.leave_out))
    pool = _weight_pool(scheme, spec, min(spec.replications, _POOL_MAX))
    factors: list[Factor] = []
    if pool and any(pool[0]):
        factors.append(Factor("weights", tuple(f"#{p}" for p in range(len(pool)))))
    if len(norms) > 1:
        factors.append(
            Factor("normalisation", ("nominal", *[_norm_label(n) for n in norms[1:] if n]))
        )
    if len(aggs) > 1:
        factors.append(Factor("aggregation", (f"nominal ({nominal_a})", *map(str, aggs[1:]))))
    if len(missing) > 1:
        factors.append(Factor("missing", (f"nominal ({missing[0]})", *missing[1:])))
    if len(winsor) > 1:
        factors.append(Factor("winsorisation", (f"nominal ({nominal_w})", *map(str, winsor[1:]))))
    if len(leave) > 1:
        labels = [f"{x[0]}/{scheme.children(x[0])[x[1]].id}" for x in leave[1:] if x is not None]
        factors.append(Factor("leave_out", ("none", *labels)))
    if not factors:
        raise SchemeError(
            "uncertainty: 没有任何不确定的选择 nothing is uncertain: declare weight noise or "
            "alternatives (normalisation, aggregation, missing, winsorisation, leave_out) in "
            "[uncertainty]"
        )
    return Design(
        scheme, spec, tuple(factors), missing, winsor, norms, aggs, nodes, leave, tuple(pool)
    )


def _norm_label(n: Normalisation) -> str:
    return str(n.method)


# --- one replication as a scheme (the COINr way) -------------------------------------------------
@dataclass(frozen=True)
class _Choice:
    data: tuple[int, int, int]  # missing, winsor, normalisation option
    aggregation: int
    pool: int | None
    leave: int


def _choice(design: Design, row: Sequence[int]) -> _Choice:
    def pick(name: str) -> int:
        i = design.index(name)
        return 0 if i is None else int(row[i])

    w = design.index("weights")
    return _Choice(
        (pick("missing"), pick("winsorisation"), pick("normalisation")),
        pick("aggregation"),
        None if w is None else int(row[w]),
        pick("leave_out"),
    )


def _factors(design: Design, choice: _Choice) -> dict[str, FloatArray]:
    """Weight multipliers per node for one replication (pool draw × leave-one-out)."""
    out = (
        {k: np.array(v) for k, v in design.pool[choice.pool].items()}
        if choice.pool is not None
        else {}
    )
    lo = design.leave_out[choice.leave]
    if lo is not None:
        node, c = lo
        f = out.get(node, np.ones(len(design.scheme.children(node))))
        f = np.array(f)
        f[c] = 0.0
        out[node] = f
    return out


def data_scheme(design: Design, data: tuple[int, int, int]) -> Scheme:
    """The scheme with one data alternative (imputation, winsorisation, normalisation)."""
    s = design.scheme
    mi, wi, ni = data
    tr = s.treatment.model_copy(update={"missing": design.missing[mi]})
    w = design.winsor[wi]
    if w is not None:
        tr = tr.model_copy(
            update={"outliers": "none"} if w == 0 else {"outliers": "coinr", "winsor_max": w}
        )
    norm = design.normalisation[ni]
    update: dict[str, Any] = {}
    if norm is not None:
        tr = tr.model_copy(update={"normalisation": norm})
        update["indicators"] = [i.model_copy(update={"normalisation": None}) for i in s.indicators]
    return s.model_copy(update={**update, "treatment": tr})


def _scale_overrides(
    cat: Category, kids: Sequence[PillarSpec | IndicatorSpec], f: FloatArray
) -> Category:
    pos = {k.id: i for i, k in enumerate(kids)}
    weights = {k: v * float(f[pos[k]]) if k in pos else v for k, v in cat.weights.items()}
    return cat.model_copy(update={"weights": weights})


def variant_scheme(design: Design, row: Sequence[int]) -> Scheme:
    """The whole scheme of one replication (option index per factor), for a rebuild."""
    choice = _choice(design, row)
    s = data_scheme(design, choice.data)
    method = design.aggregation[choice.aggregation]
    factors = _factors(design, choice)
    pillars = {p.id: p for p in s.pillars}
    indicators = {i.id: i for i in s.indicators}
    index = s.index
    cats = list(s.categories)
    for node_id, f in factors.items():
        node = s.node(node_id)
        kids = s.children(node_id)
        how = node.weighting.method
        base = (
            np.array([k.weight for k in kids])
            if how == "fixed"
            else (np.ones(len(kids)) if how == "equal" else _ahp_vector(s, node_id))
        )
        for k, kid, b in zip(range(len(kids)), kids, base, strict=True):
            new = float(b * f[k])
            if isinstance(kid, PillarSpec):
                pillars[kid.id] = pillars[kid.id].model_copy(update={"weight": new})
            else:
                indicators[kid.id] = indicators[kid.id].model_copy(update={"weight": new})
        if how == "fixed":
            cats = [_scale_overrides(c, kids, f) for c in cats]
        if how != "fixed":
            if node_id == s.index.id:
                index = index.model_copy(update={"weighting": Weighting(method="fixed")})
            else:
                pillars[node_id] = pillars[node_id].model_copy(
                    update={"weighting": Weighting(method="fixed")}
                )
    if method is not None:
        for node_id in design.aggregation_nodes:
            if node_id == s.index.id:
                index = index.model_copy(update={"aggregation": method})
            else:
                pillars[node_id] = pillars[node_id].model_copy(update={"aggregation": method})
    return s.model_copy(
        update={
            "index": index,
            "pillars": [pillars[p.id] for p in s.pillars],
            "indicators": [indicators[i.id] for i in s.indicators],
            "categories": cats,
        }
    )


def _veto_caps(scheme: Scheme, a: Assessment) -> IntArray:
    """Best grade position each unit may reach (0 = no cap), from the nominal vetoes."""
    pos = {g: i for i, g in enumerate(scheme.grades.names)}
    caps = np.zeros(len(a.unit_ids), dtype=np.int64)
    for v in a.vetoes:
        veto = next((x for x in scheme.vetoes if x.id == v.veto_id), None)
        if veto is not None:
            u = a.unit(v.unit_id)
            caps[u] = max(caps[u], pos[veto.cap])
    return caps


# --- the Monte Carlo run ------------------------------------------------------------------------
@dataclass(frozen=True)
class PairOrder:
    """Two units adjacent in the nominal ranking and how often the order holds."""

    ahead: str
    behind: str
    p_ahead: float  # share of replications in which ``ahead`` ranks above (ties count half)
    robust: bool


@dataclass(frozen=True)
class UncertaintyResult:
    """Per unit: nominal rank, median rank, 5–95 % rank interval, probability of each grade."""

    scheme_id: str
    period: str
    unit_ids: tuple[str, ...]
    unit_names: tuple[str, ...]
    categories: tuple[str, ...]
    factors: tuple[Factor, ...]
    replications: int
    seed: int
    robust_share: float
    nominal_score: FloatArray
    nominal_rank: IntArray
    nominal_grade: tuple[str, ...]
    median_rank: FloatArray
    rank_low: FloatArray
    rank_high: FloatArray
    mean_score: FloatArray
    score_low: FloatArray
    score_high: FloatArray
    grade_names: tuple[str, ...]
    grade_prob: FloatArray  # (n, grades)
    pairs: tuple[PairOrder, ...]
    tied_groups: tuple[tuple[str, ...], ...]
    rank_shift: FloatArray  # (R,) mean absolute rank change against nominal
    choices: IntArray  # (R, d) option per factor
    ranks: NDArray[Any] = field(repr=False)  # (R, n) ranks, compact integers
    synthetic: bool = False

    def not_robust(self) -> tuple[PairOrder, ...]:
        return tuple(p for p in self.pairs if not p.robust)


def _groups(design: Design, choices: IntArray) -> dict[tuple[tuple[int, int, int], int], IntArray]:
    out: dict[tuple[tuple[int, int, int], int], list[int]] = {}
    for r, row in enumerate(choices):
        c = _choice(design, row)
        out.setdefault((c.data, c.aggregation), []).append(r)
    return {k: np.array(v, dtype=np.int64) for k, v in out.items()}


def _widest(scheme: Scheme) -> int:
    """How many (R, n) arrays one chunk holds at once: the widest node evaluated as an
    (R, n, c) array (source fusion, TOPSIS, VIKOR), else a few accumulators per tree level."""
    fused = scheme.sources.mode == "reweight"
    widths = [
        len(kids)
        for node in scheme.node_ids()
        if (kids := scheme.children(node))
        and (
            fused
            or not all(isinstance(k, IndicatorSpec) for k in kids)
            or node_method(scheme, node) in ("topsis", "vikor")
        )
    ]
    return max([8, *widths])


def replicate_scores(
    design: Design,
    panel: Panel,
    choices: IntArray,
    period: str | None = None,
    progress: Progress | None = None,
    sink: Callable[[IntArray, FloatArray], None] | None = None,
    nominal: Assessment | None = None,
) -> FloatArray | None:
    """Scores of every replication (R, n), or feed chunks to ``sink(rows, scores)`` instead.

    ``nominal``: the scheme's own assessment, if already computed (it is data alternative 0).
    """
    scheme = design.scheme
    R = choices.shape[0]
    out: FloatArray | None = None
    bases: dict[tuple[int, int, int], Base] = {}
    if nominal is not None:
        bases[(0, 0, 0)] = base_of(nominal)
    done = 0
    for (data, agg), rows in _groups(design, choices).items():
        if data not in bases:
            bases[data] = base_of(assess(data_scheme(design, data), panel, period))
        base = bases[data]
        n = base.X0.shape[0]
        if out is None and sink is None:
            out = np.empty((R, n))
        widest = _widest(scheme)
        step = max(1, min(len(rows), _CHUNK_ELEMENTS // max(1, n * max(widest, 4))))
        method = design.aggregation[agg]
        methods = dict.fromkeys(design.aggregation_nodes, method) if method else None
        for start in range(0, len(rows), step):
            part = rows[start : start + step]
            facs = [_factors(design, _choice(design, choices[r])) for r in part]
            stacked: dict[str, FloatArray] = {}
            for node in {k for f in facs for k in f}:
                c = len(scheme.children(node))
                stacked[node] = np.stack([f.get(node, np.ones(c)) for f in facs])
            S = evaluate(scheme, base, stacked, len(part), methods)
            if sink is not None:
                sink(part, S)
            else:
                assert out is not None
                out[part] = S
            done += len(part)
            if progress is not None:
                progress(done, R)
    return out


def run_uncertainty(
    scheme: Scheme,
    panel: Panel,
    spec: UncertaintySpec | None = None,
    *,
    period: str | None = None,
    replications: int | None = None,
    seed: int | None = None,
    progress: Progress | None = None,
) -> UncertaintyResult:
    """Monte Carlo over the choices in ``[uncertainty]``; the same seed gives the same result."""
    spec = spec or scheme.uncertainty
    update: dict[str, Any] = {}
    if replications is not None:
        update["replications"] = replications
    if seed is not None:
        update["seed"] = seed
    spec = spec.model_copy(update=update) if update else spec
    design = build_design(scheme, spec)
    nominal = assess(scheme, panel, period)
    R = spec.replications
    rng = np.random.default_rng([spec.seed, 0])
    choices = design.options(rng.random((R, len(design.factors))))
    n = len(nominal.unit_ids)
    rank_dtype = np.uint16 if n < 65_535 else np.int32
    ranks = np.zeros((R, n), dtype=rank_dtype)
    caps = _veto_caps(scheme, nominal)
    L = len(scheme.grades.levels)
    grade_counts = np.zeros((n, L + 1))
    s1 = np.zeros(n)
    s2 = np.zeros(n)
    smin = np.full(n, np.inf)
    smax = np.full(n, -np.inf)
    shift = np.zeros(R)
    nom_rank = np.asarray(nominal.rank)
    ranked = nom_rank > 0

    def sink(rows: IntArray, S: FloatArray) -> None:
        nonlocal s1, s2
        rk = rank_rows(S)
        ranks[rows] = rk.astype(rank_dtype)
        g = np.maximum(grade_index(scheme, S, rk, nominal.categories), caps[None, :])
        g = np.where(np.isfinite(S), g, L)
        for lv in range(L + 1):
            grade_counts[:, lv] += (g == lv).sum(axis=0)
        fin = np.where(np.isfinite(S), S, 0.0)
        s1 += fin.sum(axis=0)
        s2 += (fin**2).sum(axis=0)
        np.minimum(smin, np.where(np.isfinite(S), S, np.inf).min(axis=0), out=smin)
        np.maximum(smax, np.where(np.isfinite(S), S, -np.inf).max(axis=0), out=smax)
        both = ranked[None, :] & (rk > 0)
        with np.errstate(invalid="ignore"):
            shift[rows] = np.where(both, np.abs(rk - nom_rank[None, :]), 0).sum(
                axis=1
            ) / np.maximum(both.sum(axis=1), 1)

    replicate_scores(design, panel, choices, period, progress, sink, nominal)
    return _summarise(
        scheme, spec, design, nominal, ranks, grade_counts, s1, s2, smin, smax, shift, choices
    )


def _summarise(
    scheme: Scheme,
    spec: UncertaintySpec,
    design: Design,
    nominal: Assessment,
    ranks: NDArray[Any],
    grade_counts: FloatArray,
    s1: FloatArray,
    s2: FloatArray,
    smin: FloatArray,
    smax: FloatArray,
    shift: FloatArray,
    choices: IntArray,
) -> UncertaintyResult:
    R = ranks.shape[0]
    q = rank_quantiles(ranks, (0.05, 0.5, 0.95))
    order = nominal.order()
    ranked = [int(u) for u in order if nominal.rank[u] > 0]
    idx = np.array(ranked, dtype=np.int64)
    share = np.ones(max(idx.size - 1, 0))
    for lo in range(0, share.size, 4096) if R else ():  # column blocks bound the memory
        hi = min(lo + 4096, share.size)
        a_ = ranks[:, idx[lo:hi]]
        b_ = ranks[:, idx[lo + 1 : hi + 1]]
        share[lo : lo + a_.shape[1]] = (a_ < b_).mean(axis=0) + 0.5 * (a_ == b_).mean(axis=0)
    pairs = [
        PairOrder(
            nominal.unit_ids[idx[i]], nominal.unit_ids[idx[i + 1]], float(p), p >= spec.robust_share
        )
        for i, p in enumerate(share.tolist())
    ]
    groups: list[list[str]] = []
    for i, u in enumerate(ranked):
        if i > 0 and not pairs[i - 1].robust:
            groups[-1].append(nominal.unit_ids[u])
        else:
            groups.append([nominal.unit_ids[u]])
    counts = grade_counts[:, : len(scheme.grades.levels)]
    tot = np.maximum(counts.sum(axis=1, keepdims=True), 1)
    mean = s1 / max(R, 1)
    return UncertaintyResult(
        scheme_id=scheme.id,
        period=nominal.period,
        unit_ids=nominal.unit_ids,
        unit_names=nominal.unit_names,
        categories=nominal.categories,
        factors=design.factors,
        replications=R,
        seed=spec.seed,
        robust_share=spec.robust_share,
        nominal_score=np.asarray(nominal.score),
        nominal_rank=np.asarray(nominal.rank),
        nominal_grade=nominal.grade,
        median_rank=q[1],
        rank_low=q[0],
        rank_high=q[2],
        mean_score=np.where(np.isfinite(nominal.score), mean, np.nan),
        score_low=np.where(np.isfinite(smin), smin, np.nan),
        score_high=np.where(np.isfinite(smax), smax, np.nan),
        grade_names=tuple(scheme.grades.names),
        grade_prob=counts / tot,
        pairs=tuple(pairs),
        tied_groups=tuple(tuple(g) for g in groups if len(g) > 1),
        rank_shift=shift,
        choices=choices,
        ranks=ranks,
        synthetic=nominal.synthetic,
    )
