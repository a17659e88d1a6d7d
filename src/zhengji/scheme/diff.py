"""Two versions of a scheme compared (方案版本比较): what changed, and what it does.

:func:`diff_schemes` lists every difference key by key (indicators and pillars added, removed
or changed field by field; nominal weights per category; every method setting), from the
validated models, so formatting and key order in the files do not matter.
:func:`impact` assesses the same data under both versions and reports each unit's score, rank
and grade before and after (the engine is pure: a version is a rebuild).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from zhengji.scheme.model import Scheme
from zhengji.scheme.weights import nominal_weights

if TYPE_CHECKING:
    from zhengji.engine.panel import Panel

__all__ = ["Change", "SchemeDiff", "UnitImpact", "diff_schemes", "impact"]

_SETTINGS = ("treatment", "aggregation", "grades", "sources", "levels", "uncertainty", "integrity")
_WEIGHT_TOL = 1e-9


@dataclass(frozen=True)
class Change:
    """One difference: ``kind`` added/removed/changed at ``path`` (``indicators.gdp.weight``)."""

    kind: str
    path: str
    old: Any
    new: Any


@dataclass(frozen=True)
class SchemeDiff:
    a: str  # "id vversion"
    b: str
    indicators: tuple[Change, ...]
    pillars: tuple[Change, ...]
    weights: tuple[Change, ...]  # nominal share of the index, per category
    methods: tuple[Change, ...]
    other: tuple[Change, ...]  # categories, vetoes, index

    @property
    def empty(self) -> bool:
        return not (self.indicators or self.pillars or self.weights or self.methods or self.other)

    def all(self) -> tuple[Change, ...]:
        return self.indicators + self.pillars + self.weights + self.methods + self.other


def _dump(x: Any) -> Any:
    return x.model_dump(mode="json") if hasattr(x, "model_dump") else x


def _fields(prefix: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    out: list[Change] = []
    for key in dict.fromkeys([*old, *new]):
        if old.get(key) != new.get(key):
            out.append(Change("changed", f"{prefix}.{key}", old.get(key), new.get(key)))
    return out


def _by_id(prefix: str, old: list[Any], new: list[Any]) -> list[Change]:
    a = {x.id: _dump(x) for x in old}
    b = {x.id: _dump(x) for x in new}
    out: list[Change] = []
    for k in a:
        if k not in b:
            out.append(Change("removed", f"{prefix}.{k}", a[k].get("name", k), None))
    for k in b:
        if k not in a:
            out.append(Change("added", f"{prefix}.{k}", None, b[k].get("name", k)))
        else:
            out += _fields(f"{prefix}.{k}", a[k], b[k])
    return out


def _weights(a: Scheme, b: Scheme) -> list[Change]:
    out: list[Change] = []
    cats = [None, *dict.fromkeys([c.id for c in a.categories] + [c.id for c in b.categories])]
    for cat in cats:
        wa = nominal_weights(a, cat) if cat is None or a.category(cat) else {}
        wb = nominal_weights(b, cat) if cat is None or b.category(cat) else {}
        where = "weights" if cat is None else f"weights[{cat}]"
        for k in dict.fromkeys([*wa, *wb]):
            x, y = wa.get(k), wb.get(k)
            if x is None or y is None or abs(x - y) > _WEIGHT_TOL:
                out.append(Change("changed", f"{where}.{k}", x, y))
    return out


def diff_schemes(a: Scheme, b: Scheme) -> SchemeDiff:
    """Every difference from version ``a`` to version ``b``."""
    methods: list[Change] = []
    for key in _SETTINGS:
        x, y = _dump(getattr(a, key)), _dump(getattr(b, key))
        if isinstance(x, dict) and isinstance(y, dict):
            methods += _fields(key, x, y)
        elif x != y:
            methods.append(Change("changed", key, x, y))
    other = _fields("index", _dump(a.index), _dump(b.index))
    other += _by_id("categories", a.categories, b.categories)
    other += _by_id("vetoes", a.vetoes, b.vetoes)
    other += _by_id("denominators", a.denominators, b.denominators)
    return SchemeDiff(
        f"{a.id} v{a.version}",
        f"{b.id} v{b.version}",
        tuple(_by_id("indicators", a.indicators, b.indicators)),
        tuple(_by_id("pillars", a.pillars, b.pillars)),
        tuple(_weights(a, b)),
        tuple(methods),
        tuple(other),
    )


@dataclass(frozen=True)
class UnitImpact:
    unit_id: str
    unit_name: str
    score_a: float | None
    score_b: float | None
    rank_a: int
    rank_b: int
    grade_a: str
    grade_b: str

    @property
    def rank_change(self) -> int:
        """Places gained (positive = better) from ``a`` to ``b``; 0 if either is unranked."""
        return self.rank_a - self.rank_b if self.rank_a and self.rank_b else 0


def impact(a: Scheme, b: Scheme, panel: Panel, period: str | None = None) -> tuple[UnitImpact, ...]:
    """Each unit's score, rank and grade under both versions on the same data."""
    from zhengji.engine.assess import assess

    ra, rb = assess(a, panel, period), assess(b, panel, period)
    pos_b = {u: i for i, u in enumerate(rb.unit_ids)}
    out: list[UnitImpact] = []
    for i, u in enumerate(ra.unit_ids):
        j = pos_b.get(u)
        sa = float(ra.score[i])
        sb = float(rb.score[j]) if j is not None else float("nan")
        out.append(
            UnitImpact(
                u,
                ra.unit_names[i],
                sa if np.isfinite(sa) else None,
                sb if np.isfinite(sb) else None,
                int(ra.rank[i]),
                int(rb.rank[j]) if j is not None else 0,
                ra.grade[i],
                rb.grade[j] if j is not None else "",
            )
        )
    return tuple(sorted(out, key=lambda x: (x.rank_a == 0, x.rank_a)))
