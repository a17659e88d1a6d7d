"""The assessment scheme (考核方案): a frozen, validated record of how an assessment is built.

A scheme plus a data panel fully determines a result (COINr's "coin" idea): a variation is the
same scheme with one setting replaced (``scheme.model_copy(update=...)``) and rebuilt.

The TOML layout is flat, like COINr's iMeta table: one ``[index]``, then ``[[pillars]]`` and
``[[indicators]]`` that each name their ``parent``; any depth is allowed. See
``docs/scheme.md`` for every key.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "AHPSpec",
    "AdditiveCheck",
    "Category",
    "DenominatorSpec",
    "DistanceToTarget",
    "Goalposts",
    "GradeLevel",
    "Grades",
    "Horizon",
    "IndexSpec",
    "IndicatorSpec",
    "IntegritySpec",
    "MinMax",
    "Normalisation",
    "Percentile",
    "PillarSpec",
    "ProxyCheck",
    "Rank",
    "Scheme",
    "SourceWeights",
    "TargetCheck",
    "Treatment",
    "UncertaintySpec",
    "Veto",
    "Weighting",
    "ZScore",
]

Identifier = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.\-]*$", max_length=64)]
Direction = Literal["higher", "lower"]
Kind = Literal["visible", "latent"]
Source = Literal["statistics", "party_committee", "mass_evaluation", "third_party", "derived"]
AggregationMethod = Literal["arithmetic", "geometric", "harmonic", "topsis", "vikor"]
SOURCES: tuple[Source, ...] = (
    "statistics",
    "party_committee",
    "mass_evaluation",
    "third_party",
    "derived",
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


# --- normalisation -----------------------------------------------------------------------------
class MinMax(_Frozen):
    """Min-max to ``[low, high]`` over the units assessed together (COINr ``n_minmax``)."""

    method: Literal["minmax"] = "minmax"
    low: float = 0.0
    high: float = 100.0

    @model_validator(mode="after")
    def _order(self) -> MinMax:
        if not self.high > self.low:
            raise ValueError(f"high ({self.high}) must be greater than low ({self.low})")
        return self


class ZScore(_Frozen):
    """Standardise to mean ``centre`` and standard deviation ``spread`` (sample SD, ddof=1)."""

    method: Literal["zscore"] = "zscore"
    centre: float = 0.0
    spread: float = Field(1.0, gt=0)


class Goalposts(_Frozen):
    """Fixed goalposts (HDI style): ``min`` scores ``low``, ``max`` scores ``high``."""

    method: Literal["goalposts"] = "goalposts"
    min: float
    max: float
    low: float = 0.0
    high: float = 100.0
    clip: bool = True

    @model_validator(mode="after")
    def _order(self) -> Goalposts:
        if not self.max > self.min:
            raise ValueError(f"max ({self.max}) must be greater than min ({self.min})")
        return self


class DistanceToTarget(_Frozen):
    """Progress from the worst observed value to ``target`` (COINr ``n_dist2targ``).

    ``(x - worst) / (target - worst)`` scaled to ``[low, high]``; with ``cap`` a value beyond
    the target scores ``high``.
    """

    method: Literal["distance_to_target"] = "distance_to_target"
    target: float
    cap: bool = True
    low: float = 0.0
    high: float = 100.0


class Rank(_Frozen):
    """Rank among the units (1 = worst … n = best; ties share the average rank)."""

    method: Literal["rank"] = "rank"


class Percentile(_Frozen):
    """Percentile rank scaled to ``[low, high]``: ``(rank - 1) / (n - 1)``."""

    method: Literal["percentile"] = "percentile"
    low: float = 0.0
    high: float = 100.0


Normalisation = Annotated[
    MinMax | ZScore | Goalposts | DistanceToTarget | Rank | Percentile,
    Field(discriminator="method"),
]


class Horizon(_Frozen):
    """How a latent indicator is read over time (潜绩的考察期).

    ``level``: the value in the assessed period; ``change``: value(t) - value(t - periods);
    ``slope``: least-squares trend over the last ``periods + 1`` periods.
    """

    mode: Literal["level", "change", "slope"] = "level"
    periods: int = Field(1, ge=1, le=50)


# --- weighting -------------------------------------------------------------------------------
class AHPSpec(_Frozen):
    """A pairwise comparison matrix over the node's children, in ``order``.

    Give either ``matrix`` (full, reciprocal) or ``pairs`` (``"a>b" = 3`` means a is moderately
    more important than b). ``random_index`` names the RI table used for the consistency ratio.
    """

    order: list[str] | None = None
    matrix: list[list[float]] | None = None
    pairs: dict[str, float] | None = None
    random_index: Literal["saaty", "saaty2008", "tummala_ling", "donegan_dodd"] = "saaty"
    max_cr: float = Field(0.1, gt=0, le=1)

    @model_validator(mode="after")
    def _one_form(self) -> AHPSpec:
        if (self.matrix is None) == (self.pairs is None):
            raise ValueError("give exactly one of 'matrix' or 'pairs'")
        return self


class Weighting(_Frozen):
    """How a node weighs its children.

    ``fixed``: the children's ``weight`` (expert weights), normalised to sum 1; ``equal``;
    ``entropy`` and ``critic``: from the children's normalised values; ``ahp``: from ``ahp``.
    """

    method: Literal["fixed", "equal", "entropy", "critic", "ahp"] = "fixed"
    ahp: AHPSpec | None = None
    correlation: Literal["pearson", "spearman"] = "pearson"

    @model_validator(mode="after")
    def _ahp_needs_matrix(self) -> Weighting:
        if self.method == "ahp" and self.ahp is None:
            raise ValueError("method 'ahp' needs an [ahp] table with 'matrix' or 'pairs'")
        if self.method != "ahp" and self.ahp is not None:
            raise ValueError(f"an [ahp] table is only used with method 'ahp', not '{self.method}'")
        return self


# --- the tree --------------------------------------------------------------------------------
class IndexSpec(_Frozen):
    """The root of the tree (综合指数)."""

    id: Identifier = "index"
    name: str = "综合得分"
    name_en: str = "Overall score"
    aggregation: AggregationMethod | None = None
    weighting: Weighting = Weighting()


class PillarSpec(_Frozen):
    """A pillar or sub-pillar (维度): aggregates its children."""

    id: Identifier
    name: str
    name_en: str = ""
    parent: Identifier
    weight: float = Field(1.0, ge=0)
    aggregation: AggregationMethod | None = None
    weighting: Weighting = Weighting()
    description: str = ""


class IndicatorSpec(_Frozen):
    """An indicator (指标): the leaves of the tree."""

    id: Identifier
    name: str
    name_en: str = ""
    parent: Identifier
    unit: str = ""
    direction: Direction = "higher"
    kind: Kind = "visible"
    source: Source = "statistics"
    weight: float = Field(1.0, ge=0)
    normalisation: Normalisation | None = None
    outliers: Literal["none", "coinr"] | None = None
    horizon: Horizon | None = None
    denominator: Identifier | None = None
    scale: float = Field(1.0, gt=0)
    categories: list[Identifier] | None = None
    description: str = ""

    @model_validator(mode="after")
    def _horizon_latent_only(self) -> IndicatorSpec:
        if self.horizon is not None and self.horizon.mode != "level" and self.kind != "latent":
            raise ValueError(
                "a horizon other than 'level' is only for latent indicators (kind = \"latent\")"
            )
        return self


class DenominatorSpec(_Frozen):
    """An auxiliary variable used only to divide indicators (e.g. population, GDP)."""

    id: Identifier
    name: str
    name_en: str = ""
    unit: str = ""


class Category(_Frozen):
    """A unit category (e.g. 重点生态功能区) with its own indicator set and weight overrides."""

    id: Identifier
    name: str
    name_en: str = ""
    exclude: list[Identifier] = []
    weights: dict[Identifier, float] = {}
    description: str = ""

    @model_validator(mode="after")
    def _weights_non_negative(self) -> Category:
        bad = [k for k, v in self.weights.items() if v < 0]
        if bad:
            raise ValueError(f"weights must be ≥ 0 (negative for {', '.join(bad)})")
        return self


# --- treatment, grades, vetoes, sources -------------------------------------------------------
class Treatment(_Frozen):
    """Data treatment before normalisation.

    ``missing``: ``none`` (leave gaps), ``group_mean`` (mean of the unit's ``group``),
    ``carry_forward`` (latest earlier period), ``drop_reweight`` (aggregate what is there and
    re-normalise weights; COINr's default). Units whose data availability is below
    ``min_availability`` are screened out, counted on the ``imputed`` data (COINr's
    ``Screen(dset = "Imputed")``) or on what was ``observed``. ``outliers = "coinr"`` applies
    COINr's default ``Treat()``: winsorise up to ``winsor_max`` points while |skew| ≥
    ``skew`` and kurtosis ≥ ``kurtosis``, else log-transform the original.
    """

    missing: Literal["none", "group_mean", "carry_forward", "drop_reweight"] = "drop_reweight"
    group: str = "category"
    min_availability: float = Field(0.0, ge=0, le=1)
    screen_on: Literal["imputed", "observed"] = "imputed"
    outliers: Literal["none", "coinr"] = "none"
    skew: float = Field(2.0, gt=0)
    kurtosis: float = Field(3.5, gt=0)
    winsor_max: int = Field(5, ge=0)
    normalisation: Normalisation = MinMax()
    normalise_within: Literal["all", "category"] = "all"


class GradeLevel(_Frozen):
    """One grade, best first. ``min``: score threshold; ``share``: quota of units (0–1)."""

    name: str
    name_en: str = ""
    min: float | None = None
    share: float | None = Field(None, ge=0, le=1)


class Grades(_Frozen):
    """Grades (等次) by score thresholds or by quota (top-k %), best first; last is the rest."""

    method: Literal["thresholds", "quota"] = "thresholds"
    scope: Literal["all", "category"] = "all"
    levels: list[GradeLevel] = [
        GradeLevel(name="优秀", name_en="Excellent", min=85.0),
        GradeLevel(name="良好", name_en="Good", min=70.0),
        GradeLevel(name="一般", name_en="Fair", min=60.0),
        GradeLevel(name="较差", name_en="Poor"),
    ]

    @model_validator(mode="after")
    def _levels(self) -> Grades:
        if len(self.levels) < 2:
            raise ValueError("give at least two grade levels")
        names = [lv.name for lv in self.levels]
        if len(set(names)) != len(names):
            raise ValueError(f"grade names must be unique: {names}")
        head = self.levels[:-1]
        if self.method == "thresholds":
            mins = [lv.min for lv in head]
            if any(m is None for m in mins):
                raise ValueError("with method 'thresholds' every level but the last needs 'min'")
            if any(a <= b for a, b in itertools.pairwise(mins)):  # type: ignore[operator]
                raise ValueError(f"thresholds must decrease from best to worst: {mins}")
        else:
            shares = [lv.share for lv in head]
            if any(s is None for s in shares):
                raise ValueError("with method 'quota' every level but the last needs 'share'")
            if sum(shares) > 1 + 1e-9:  # type: ignore[arg-type]
                raise ValueError(f"quota shares add up to more than 1: {shares}")
        return self

    @property
    def names(self) -> list[str]:
        return [lv.name for lv in self.levels]


class Veto(_Frozen):
    """A one-vote veto (一票否决): when it applies, the grade is at most ``cap``.

    It applies when the bundle's ``vetoes.csv`` records a confirmed event with this ``id`` for
    the unit and period, or when ``indicator`` ``op`` ``threshold`` holds for the unit's raw
    value (e.g. major safety accidents > 0).
    """

    id: Identifier
    name: str
    name_en: str = ""
    cap: str
    indicator: Identifier | None = None
    op: Literal[">", ">=", "<", "<=", "==", "!="] = ">"
    threshold: float = 0.0
    description: str = ""


class ProxyCheck(_Frozen):
    """A key indicator and the proxies its reported growth is checked against (Li Keqiang index)."""

    indicator: Identifier
    proxies: list[Identifier] = Field(min_length=1)


class AdditiveCheck(_Frozen):
    """An additive indicator: children (e.g. townships) must sum to their parent's figure."""

    indicator: Identifier
    tolerance: float = Field(0.01, ge=0)


class TargetCheck(_Frozen):
    """A declared target: bunching just at or above it is a sign of managed figures."""

    indicator: Identifier
    target: float
    window: float = Field(0.5, gt=0)


class IntegritySpec(_Frozen):
    """What ``zhengji screen`` checks (数据真实性核查), declared with the scheme.

    ``digits``: last-digit and duplication tests on every unit's reported statistics;
    ``benford``: indicators whose figures across units should follow Benford's law (amounts
    spanning orders of magnitude; rates and bounded scores do not); ``proxies``,
    ``additive``, ``targets``: the structural checks; ``veto``: the veto a confirmed
    falsification triggers; ``revision_deadline``: figures revised after it by more than
    ``revision_threshold`` (relative) are flagged (the store keeps every version);
    ``target_years``: periods in which targets are assessed (e.g. the last year of a five-year
    plan), tested with leadership-turnover years for larger proxy residuals.
    """

    digits: bool = True
    benford: list[Identifier] = []
    proxies: list[ProxyCheck] = []
    additive: list[AdditiveCheck] = []
    targets: list[TargetCheck] = []
    veto: Identifier | None = None
    revision_deadline: datetime.date | None = None
    revision_threshold: float = Field(0.02, gt=0)
    target_years: list[str] = []


class SourceWeights(_Frozen):
    """Weights of the evaluating parties (多元评价): ``decompose`` only reports a sub-score per
    source; ``reweight`` rescales indicator weights so each source carries its declared share."""

    mode: Literal["decompose", "reweight"] = "decompose"
    weights: dict[Source, float] = {}

    @model_validator(mode="after")
    def _weights(self) -> SourceWeights:
        if self.mode == "reweight" and not self.weights:
            raise ValueError("mode 'reweight' needs [sources.weights]")
        if any(v < 0 for v in self.weights.values()):
            raise ValueError("source weights must be ≥ 0")
        return self


class AggregationDefaults(_Frozen):
    """Default aggregation, optionally per level (level 2 = parents of indicators, COINr style)."""

    method: AggregationMethod = "arithmetic"
    levels: dict[int, AggregationMethod] = {}


class UncertaintySpec(_Frozen):
    """What ``zhengji uncertainty`` and ``zhengji sensitivity`` vary (不确定性与敏感性分析).

    COINr's ``SA_specs``: each uncertain choice is a list of alternatives (the scheme's own
    choice is always one of them), and weights get noise around their nominal values. See
    ``docs/uncertainty.md``.
    """

    replications: int = Field(1000, ge=10, le=1_000_000)
    seed: int = 20251
    weights: Literal["none", "uniform", "dirichlet"] = "uniform"
    weight_noise: float = Field(0.25, ge=0, lt=1)
    concentration: float = Field(100.0, gt=0)
    weight_levels: list[int] = []
    normalisation: list[Normalisation] = []
    aggregation: list[AggregationMethod] = []
    aggregation_level: int | None = None
    missing: list[Literal["none", "group_mean", "carry_forward", "drop_reweight"]] = []
    winsorisation: list[int] = []
    leave_out: Literal["none", "indicator", "pillar"] = "none"
    robust_share: float = Field(0.95, gt=0.5, lt=1)
    samples: int = Field(256, ge=8, le=1_000_000)
    bootstrap: int = Field(200, ge=0, le=100_000)

    @model_validator(mode="after")
    def _winsor(self) -> UncertaintySpec:
        if any(w < 0 for w in self.winsorisation):
            raise ValueError("winsorisation values must be ≥ 0 (0 = no outlier treatment)")
        return self


# --- the scheme --------------------------------------------------------------------------------
class Scheme(_Frozen):
    """A whole assessment scheme. Build with :func:`zhengji.scheme.load_scheme`.

    ``levels`` names the unit levels it assesses (e.g. ``["township"]``); units of other levels
    in the same bundle are context (the hierarchy) and are not scored. Empty: every unit.
    """

    id: Identifier
    name: str
    name_en: str = ""
    version: str = "1"
    description: str = ""
    synthetic: bool = False
    levels: list[str] = []
    index: IndexSpec = IndexSpec()
    pillars: list[PillarSpec] = []
    indicators: list[IndicatorSpec]
    denominators: list[DenominatorSpec] = []
    categories: list[Category] = []
    treatment: Treatment = Treatment()
    aggregation: AggregationDefaults = AggregationDefaults()
    grades: Grades = Grades()
    vetoes: list[Veto] = []
    sources: SourceWeights = SourceWeights()
    integrity: IntegritySpec = IntegritySpec()
    uncertainty: UncertaintySpec = UncertaintySpec()

    @model_validator(mode="after")
    def _cross_checks(self) -> Scheme:
        problems = list(_cross_problems(self))
        if problems:
            raise ValueError("\n".join(problems))
        return self

    # -- lookups (cheap; the scheme is small) --
    def indicator(self, indicator_id: str) -> IndicatorSpec:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    def node(self, node_id: str) -> IndexSpec | PillarSpec:
        """The index or the pillar with this id."""
        if node_id == self.index.id:
            return self.index
        for p in self.pillars:
            if p.id == node_id:
                return p
        raise KeyError(node_id)

    def category(self, category_id: str) -> Category | None:
        for cat in self.categories:
            if cat.id == category_id:
                return cat
        return None

    def children(self, node_id: str) -> list[PillarSpec | IndicatorSpec]:
        """Children of a node in file order (pillars first, then indicators)."""
        out: list[PillarSpec | IndicatorSpec] = [p for p in self.pillars if p.parent == node_id]
        out += [i for i in self.indicators if i.parent == node_id]
        return out

    def node_ids(self) -> list[str]:
        """Index and pillar ids, parents before children (breadth first)."""
        order = [self.index.id]
        for node in order:
            order.extend(p.id for p in self.pillars if p.parent == node)
        return order

    def level(self, node_id: str) -> int:
        """COINr level: indicators are 1, a node is 1 + the highest level of its children."""
        kids = self.children(node_id)
        if not kids:
            return 1
        return 1 + max(self.level(k.id) for k in kids)

    def path(self, node_id: str) -> list[str]:
        """Ids from the index down to ``node_id``."""
        parents = {p.id: p.parent for p in self.pillars} | {i.id: i.parent for i in self.indicators}
        out = [node_id]
        while out[-1] in parents and parents[out[-1]] not in out:  # a cycle is reported elsewhere
            out.append(parents[out[-1]])
        return out[::-1]

    def indicators_for(self, category_id: str | None) -> list[IndicatorSpec]:
        """Indicators that apply to a category (common + specific, minus its exclusions)."""
        cat = self.category(category_id) if category_id is not None else None
        excluded = set(cat.exclude) if cat else set()
        out = []
        for ind in self.indicators:
            if ind.categories is not None and category_id not in ind.categories:
                continue
            if excluded.intersection(self.path(ind.id)):
                continue
            out.append(ind)
        return out


CROSS_CHECK_SEPARATOR = "\u241e"  # one problem per line: "<key path>␞<message>"


def _cross_problems(s: Scheme) -> Iterator[str]:
    """Problems that span several keys, each as ``path␞message`` (see ``CROSS_CHECK_SEPARATOR``)."""
    for path, msg in _cross_pairs(s):
        yield f"{path}{CROSS_CHECK_SEPARATOR}{msg}"


def _where(kind: str, items: list[str], item_id: str) -> str:
    return f"{kind}[{items.index(item_id)}](id={item_id})"


def _cross_pairs(s: Scheme) -> Iterator[tuple[str, str]]:
    tree = list(_tree_pairs(s))
    if tree:  # the later rules walk the tree: report a broken tree alone
        yield from tree
        return
    yield from _rule_pairs(s)


def _tree_pairs(s: Scheme) -> Iterator[tuple[str, str]]:
    """Ids unique, parents exist, no cycles, no empty pillars."""
    pil = [p.id for p in s.pillars]
    ind = [i.id for i in s.indicators]
    den = [d.id for d in s.denominators]
    ids = [s.index.id, *pil, *ind, *den]
    seen: set[str] = set()
    for node_id in ids:
        if node_id in seen:
            yield (
                node_id,
                f"编号重复 id '{node_id}' is used more than once (ids must be unique)",
            )
        seen.add(node_id)
    nodes = {s.index.id, *pil}
    for p in s.pillars:
        if p.parent not in nodes:
            yield (
                f"{_where('pillars', pil, p.id)}.parent",
                f"上级不存在 '{p.parent}' is not the index or a pillar; known: {sorted(nodes)}",
            )
    for i in s.indicators:
        if i.parent not in nodes:
            yield (
                f"{_where('indicators', ind, i.id)}.parent",
                f"上级不存在 '{i.parent}' is not the index or a pillar; known: {sorted(nodes)}",
            )
    parent_of = {p.id: p.parent for p in s.pillars}
    for p in s.pillars:
        walk, cur = {p.id}, p.parent
        while cur in parent_of:
            if cur in walk:
                yield (f"{_where('pillars', pil, p.id)}.parent", "上级成环 parents form a cycle")
                break
            walk.add(cur)
            cur = parent_of[cur]
    has_child = {p.parent for p in s.pillars} | {i.parent for i in s.indicators}
    for p in s.pillars:
        if p.id not in has_child:
            yield (
                _where("pillars", pil, p.id),
                "维度下没有指标 no indicators or sub-pillars under it",
            )


def _rule_pairs(s: Scheme) -> Iterator[tuple[str, str]]:
    """Rules across keys of a sound tree: references, overrides, weights, levels, sources."""
    pil = [p.id for p in s.pillars]
    ind = [i.id for i in s.indicators]
    den = [d.id for d in s.denominators]
    cats = [c.id for c in s.categories]
    parent_of = {p.id: p.parent for p in s.pillars}
    divisible = set(den) | set(ind)
    for i in s.indicators:
        if i.denominator is not None and i.denominator not in divisible:
            yield (
                f"{_where('indicators', ind, i.id)}.denominator",
                f"分母未声明 '{i.denominator}' is not in [[denominators]]; declared: {den}",
            )
        for c in i.categories or []:
            if c not in cats:
                yield (
                    f"{_where('indicators', ind, i.id)}.categories",
                    f"类别不存在 '{c}' is not in [[categories]]; declared: {cats}",
                )
    tree = {*pil, *ind}
    for cat in s.categories:
        where = _where("categories", cats, cat.id)
        for key in cat.exclude:
            if key not in tree:
                yield (f"{where}.exclude", f"'{key}' 不是维度或指标 is not a pillar or indicator")
        for key in cat.weights:
            if key not in tree:
                yield (f"{where}.weights", f"'{key}' 不是维度或指标 is not a pillar or indicator")
                continue
            parent = s.indicator(key).parent if key in ind else parent_of[key]
            how = s.node(parent).weighting.method
            if how != "fixed" and cat.weights[key] != 0:
                yield (
                    f"{where}.weights.{key}",
                    f"上级 '{parent}' 用 {how} 计算权重，只能设为 0（排除） the parent is weighted "
                    f"by '{how}': an override can only be 0 (exclude); use exclude or fixed "
                    "weights",
                )
        if not s.indicators_for(cat.id):
            yield (f"{where}.exclude", "排除了全部指标 the category excludes every indicator")
    grade_names = s.grades.names
    vet = [v.id for v in s.vetoes]
    for v in s.vetoes:
        where = _where("vetoes", vet, v.id)
        if v.cap not in grade_names:
            yield (f"{where}.cap", f"等次不存在 grade '{v.cap}' is not one of {grade_names}")
        if v.indicator is not None and v.indicator not in divisible:
            yield (
                f"{where}.indicator",
                f"'{v.indicator}' 未声明 is not a declared indicator or denominator",
            )
    all_nodes: list[IndexSpec | PillarSpec] = [s.index, *s.pillars]
    for node in all_nodes:
        where = "index" if node is s.index else _where("pillars", pil, node.id)
        kids = [p.id for p in s.pillars if p.parent == node.id]
        kids += [i.id for i in s.indicators if i.parent == node.id]
        ahp = node.weighting.ahp
        if ahp is not None:
            order = ahp.order or kids
            if sorted(order) != sorted(kids):
                yield (
                    f"{where}.weighting.ahp.order",
                    f"须列出全部下级 must list exactly the children {kids}, got {order}",
                )
            if ahp.matrix is not None and (
                len(ahp.matrix) != len(kids) or any(len(r) != len(kids) for r in ahp.matrix)
            ):
                yield (
                    f"{where}.weighting.ahp.matrix",
                    f"矩阵须为 {len(kids)}×{len(kids)} must be one row and column per child",
                )
        if node.weighting.method == "fixed" and kids:
            weights = {k.id: k.weight for k in s.children(node.id)}
            for cat_id in [None, *cats]:
                spec = s.category(cat_id) if cat_id else None
                over = spec.weights if spec else {}
                live = {i.id for i in s.indicators_for(cat_id)}
                total = sum(
                    over.get(k, w) for k, w in weights.items() if any(k in s.path(i) for i in live)
                )
                if total == 0 and any(any(k in s.path(i) for i in live) for k in weights):
                    label = f" for category '{cat_id}'" if cat_id else ""
                    yield (
                        f"{where}.weighting",
                        f"下级权重全为 0 every child weight is 0{label}: nothing can be scored",
                    )
    height = s.level(s.index.id)
    for lv in s.aggregation.levels:
        if not 2 <= lv <= height:
            yield (
                f"aggregation.levels.{lv}",
                f"层级不存在 level {lv} does not exist: levels run from 2 to {height} "
                "(indicators are level 1)",
            )
    if s.sources.mode == "reweight":
        used = list(dict.fromkeys(i.source for i in s.indicators))
        for src in used:
            if src not in s.sources.weights:
                yield (
                    "sources.weights",
                    f"缺少来源权重 no weight for source '{src}', which has indicators; "
                    "give it one (0 to leave it out on purpose)",
                )
        for src in s.sources.weights:
            if src not in used:
                yield (
                    f"sources.weights.{src}",
                    f"没有指标来自 '{src}' no indicator has this source; remove the weight",
                )
    yield from _integrity_pairs(s, divisible)


def _integrity_pairs(s: Scheme, declared: set[str]) -> Iterator[tuple[str, str]]:
    """Every variable an integrity check names must be declared; the veto must exist."""
    spec = s.integrity
    groups: list[tuple[str, list[list[str]]]] = [
        ("benford", [[b] for b in spec.benford]),
        ("proxies", [[p.indicator, *p.proxies] for p in spec.proxies]),
        ("additive", [[a.indicator] for a in spec.additive]),
        ("targets", [[t.indicator] for t in spec.targets]),
    ]
    for kind, entries in groups:
        for n, names in enumerate(entries):
            for name in names:
                if name not in declared:
                    yield (
                        f"integrity.{kind}[{n}]",
                        f"'{name}' 未声明 is not a declared indicator or denominator",
                    )
    if spec.veto is not None and spec.veto not in {v.id for v in s.vetoes}:
        yield (
            "integrity.veto",
            f"否决规则不存在 veto '{spec.veto}' is not in [[vetoes]]; declared: "
            f"{[v.id for v in s.vetoes]}",
        )
