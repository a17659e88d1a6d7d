"""``screen(scheme, panel)``: every integrity check the scheme declares, over one panel.

Pure: arrays in, findings out. The scheme's ``[integrity]`` section says what to check (see
``docs/scheme.md``); the checks live in their own modules. All findings of a run share one
Benjamini–Hochberg correction, because a flag only means something against the number of tests
made; checks that could not run say so as ``info`` findings, never silently.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from zhengji.engine.panel import Panel
from zhengji.integrity.digits import BENFORD_TESTS, LAST_TESTS, SHARE_TESTS, count_digits
from zhengji.integrity.duplication import duplication_findings
from zhengji.integrity.findings import (
    Finding,
    digit_findings_from_counts,
    flagged,
    with_qvalues,
)
from zhengji.integrity.outliers import peer_outliers
from zhengji.integrity.proxies import proxy_checks
from zhengji.integrity.revisions import late_revisions
from zhengji.integrity.smoothness import too_smooth
from zhengji.integrity.structure import sum_of_parts
from zhengji.integrity.targets import exact_target_hits, integer_growth, target_bunching
from zhengji.scheme.model import Scheme

__all__ = ["ScreenResult", "reporting_decimals", "screen"]

FloatArray = NDArray[np.float64]
UNIT_DIGIT_TESTS = (*LAST_TESTS, *SHARE_TESTS)


@dataclass(frozen=True)
class ScreenResult:
    """All findings of one screening (q-values filled), the flagged ones, and what could not be
    tested (no p-value: too few values, no proxies, …; each says why)."""

    findings: tuple[Finding, ...]
    flagged: tuple[Finding, ...]
    not_tested: tuple[Finding, ...]
    period: str


class Version(Protocol):
    """One stored version of a figure (``zhengji.store.ObservationVersion``)."""

    @property
    def unit_id(self) -> str: ...
    @property
    def indicator_id(self) -> str: ...
    @property
    def period(self) -> str: ...
    @property
    def value(self) -> float: ...
    @property
    def recorded_at(self) -> dt.datetime: ...
    @property
    def import_id(self) -> int: ...


# Deadlines are dates in Beijing time (UTC+8, no daylight saving): a figure recorded after
# the end of that day was revised after the deadline.
BEIJING = dt.timezone(dt.timedelta(hours=8))


def screen(
    scheme: Scheme,
    panel: Panel,
    *,
    seed: int = 0,
    versions: Sequence[Version] | None = None,
    turnover: Mapping[str, Collection[str]] | None = None,
) -> ScreenResult:
    """Run the checks of ``scheme.integrity`` on ``panel`` (all units, all periods).

    ``versions`` (every stored version of the figures, from the store) enables the
    late-revision check when the scheme sets ``revision_deadline``. ``turnover`` maps a unit
    to the periods its leadership changed (from tenure records): the proxy check then tests
    for larger residuals in those years, as it does in the scheme's ``target_years``.
    """
    spec = scheme.integrity
    whole = panel  # sums of parts need the context units (parents) too
    if scheme.levels:
        panel = panel.select([i for i, lv in enumerate(panel.levels) if lv in scheme.levels])
    units, periods = panel.unit_ids, panel.periods
    found: list[Finding] = []
    if spec.digits:
        found += _digits(scheme, panel, seed)
    flags = _year_flags(spec.target_years, turnover, units, periods)
    for p in spec.proxies:
        found += proxy_checks(
            _series(panel, p.indicator),
            {name: _series(panel, name) for name in p.proxies},
            units,
            periods,
            p.indicator,
            flags=flags,
        )
    children = _children(whole)
    for a in spec.additive:
        if not children:
            why = ("数据包中没有上下级单位", "the bundle has no parent/child units")
            found.append(_not_tested(a.indicator, "sum_of_parts", *why))
            continue
        found += sum_of_parts(
            _series(whole, a.indicator),
            whole.unit_ids,
            whole.periods,
            children,
            a.indicator,
            rel_tol=a.tolerance,
        )
    for t in spec.targets:
        y = _series(panel, t.indicator)
        found += target_bunching(y, t.target, periods, t.indicator, bandwidth=t.window)
        found += exact_target_hits(y, t.target, units, periods, t.indicator, bandwidth=t.window)
        step = 10.0 ** -reporting_decimals(y)
        if step < 1:  # whole-number growth only means something when decimals are reported
            found += integer_growth(y, units, periods, t.indicator, precision=step)
    key = list(
        dict.fromkeys([p.indicator for p in spec.proxies] + [t.indicator for t in spec.targets])
    )
    peers = _peer_groups(scheme, panel)
    for ind in key:
        y = _series(panel, ind)
        found += too_smooth(y, units, peers, periods, ind)
        found += peer_outliers(y, units, peers, periods, ind)
    if spec.revision_deadline is not None:
        found += _revisions(scheme, units, versions)
    run = with_qvalues(found)
    not_tested = tuple(f for f in run if math.isnan(f.p_value))
    return ScreenResult(tuple(run), tuple(flagged(run)), not_tested, periods[-1] if periods else "")


def _year_flags(
    target_years: Sequence[str],
    turnover: Mapping[str, Collection[str]] | None,
    units: Sequence[str],
    periods: Sequence[str],
) -> dict[str, NDArray[np.bool_]]:
    """Boolean (unit, period) masks of target years and leadership-turnover years.

    A flag that marks no cell, or every cell, carries no contrast and is left out.
    """
    flags: dict[str, NDArray[np.bool_]] = {}
    targets = set(target_years)
    if targets:
        row = np.array([p in targets for p in periods], dtype=bool)
        flags["target_year"] = np.broadcast_to(row, (len(units), len(periods))).copy()
    if turnover is not None:
        flags["turnover"] = np.array(
            [[p in set(turnover.get(u, ())) for p in periods] for u in units], dtype=bool
        )
    return {k: v for k, v in flags.items() if v.any() and not v.all()}


def reporting_decimals(values: FloatArray, cap: int = 6) -> int:
    """How many decimals the figures were reported with (the most any value needs, ≤ cap).

    Last-digit tests read the last *reported* digit, so 7.4 (one decimal) ends in 4.
    """
    v = values[np.isfinite(values)]
    if v.size == 0:
        return 0
    for d in range(cap + 1):
        scaled = np.abs(v) * 10.0**d
        if np.all(np.abs(scaled - np.round(scaled)) <= 1e-9 * np.maximum(1.0, scaled)):
            return d
    return cap


def _digits(scheme: Scheme, panel: Panel, seed: int) -> list[Finding]:
    """Digit tests on the reported statistics, each indicator at its own precision.

    Per unit: last-digit tests and number duplication (reporting habits: Beber & Scacco 2012;
    Nigrini ch. 8). Benford tests need independent figures, and one unit's panel is not: the
    same indicator over the years shares its leading digits, which made honest counties fail
    by the dozen in the simulation study (docs/integrity.md); and most indicators (rates,
    bounded scores) are not Benford-distributed at all. So Benford tests run only for the
    indicators the scheme lists in ``[integrity] benford``, across all units and periods
    (Nigrini's cross-section use), unit ``*``.
    """
    reported = [i.id for i in scheme.indicators if i.source == "statistics"]
    reported = [i for i in reported if i in panel.variables]
    if not reported:
        return []
    decimals = {ind: reporting_decimals(panel.series(ind)) for ind in reported}
    first, last = panel.periods[0], panel.periods[-1]
    span = first if first == last else f"{first}–{last}"
    per_unit = {}
    for u, unit in enumerate(panel.unit_ids):
        total = None
        for ind in reported:
            col = panel.series(ind)[:, u]
            c = count_digits(col[np.isfinite(col)], decimals[ind])
            total = c if total is None else total + c
        if total is not None:
            per_unit[unit] = total
    found = digit_findings_from_counts(per_unit, "*", span, UNIT_DIGIT_TESTS, seed=seed)
    for ind in scheme.integrity.benford:
        values = panel.series(ind)
        pooled = {"*": count_digits(values[np.isfinite(values)], reporting_decimals(values))}
        found += digit_findings_from_counts(pooled, ind, span, BENFORD_TESTS, seed=seed)
    cols = [panel.variable_index(ind) for ind in reported]
    found += duplication_findings(
        panel.values[:, :, cols], [decimals[i] for i in reported], panel.unit_ids, span, seed=seed
    )
    return found


def _revisions(
    scheme: Scheme, units: Sequence[str], versions: Sequence[Version] | None
) -> list[Finding]:
    """Figures revised after the deadline (the store's history of every version)."""
    if versions is None:
        why = ("没有数据修改历史（需在数据库中运行）", "no revision history: run with the store")
        return [_not_tested("*", "revision", *why)]
    assert scheme.integrity.revision_deadline is not None
    day = scheme.integrity.revision_deadline + dt.timedelta(days=1)
    deadline = dt.datetime(day.year, day.month, day.day, tzinfo=BEIJING)
    keep = [v for v in versions if v.unit_id in set(units)]
    return late_revisions(
        [v.unit_id for v in keep],
        [v.indicator_id for v in keep],
        [v.period for v in keep],
        np.array([v.value for v in keep], dtype=np.float64),
        [v.recorded_at for v in keep],
        [v.import_id for v in keep],
        deadline=deadline,
        higher_is_better={i.id: i.direction == "higher" for i in scheme.indicators},
        rel_threshold=scheme.integrity.revision_threshold,
    )


def _series(panel: Panel, variable: str) -> FloatArray:
    """(units, periods) of one variable."""
    return np.ascontiguousarray(panel.series(variable).T)


def _children(panel: Panel) -> dict[str, list[str]]:
    kids: dict[str, list[str]] = {}
    for unit, parent in zip(panel.unit_ids, panel.parents, strict=False):
        if parent:
            kids.setdefault(parent, []).append(unit)
    return kids


def _peer_groups(scheme: Scheme, panel: Panel) -> Sequence[str]:
    """Peers for smoothness and outliers: the unit's category when it has enough members
    (five, what the checks need), else all units of its level."""
    cats = list(panel.categories)
    levels = list(panel.levels) if panel.levels else ["" for _ in cats]
    size = {c: cats.count(c) for c in cats}
    return [
        c if c and size[c] >= 5 else f"同级全部 all {lv}"
        for c, lv in zip(cats, levels, strict=True)
    ]


def _not_tested(indicator: str, check: str, why_zh: str, why_en: str) -> Finding:
    return Finding(
        "*", indicator, (), check, math.nan, math.nan, math.nan, "info", {"not_tested": 1.0},
        f"未检验：{why_zh}", f"Not tested: {why_en}", False,
    )  # fmt: skip
