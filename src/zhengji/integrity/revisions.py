"""Revisions: figures changed after the assessment deadline or after an audit.

The store keeps every version of a figure. For each figure (unit, indicator, period) the value
standing at a cut-off (deadline, or an audit date of that unit) is the newest version recorded
at or before it; the final value is the newest version overall. A relative revision
``(final − standing)/|standing|`` of at least ``rel_threshold`` is flagged. This is a record,
not a statistical test: flagged revisions carry ``p_value = 0`` and unrevised figures produce
no finding. Severity: a revision that *improves* the unit's standing (up when higher is
better) is ``high`` when it also moves the unit up in the peer ranking of that indicator and
period, ``medium`` otherwise; a revision that worsens the standing is ``low``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from zhengji.errors import DataError
from zhengji.integrity.findings import Finding

__all__ = ["late_revisions"]

_NAN = float("nan")
Key = tuple[str, str, str]


def _standing(versions: list[tuple[dt.datetime, int, float]], cut: dt.datetime) -> float | None:
    before = [v for v in versions if v[0] <= cut]
    return max(before)[2] if before else None


def late_revisions(
    unit_ids: Sequence[str],
    indicator_ids: Sequence[str],
    periods: Sequence[str],
    values: NDArray[np.float64],
    recorded_at: Sequence[dt.datetime],
    import_ids: Sequence[int],
    deadline: dt.datetime | None = None,
    audits: Mapping[str, Sequence[dt.datetime]] | None = None,
    higher_is_better: Mapping[str, bool] | None = None,
    rel_threshold: float = 0.02,
) -> list[Finding]:
    """Findings for figures revised by ``rel_threshold`` or more after a cut-off.

    One row per stored version (parallel sequences). ``audits`` maps a unit id to its audit
    dates; ``higher_is_better`` maps an indicator id to its direction (default True).
    """
    vals = np.asarray(values, dtype=float)
    n = len(unit_ids)
    if not (
        len(indicator_ids) == len(periods) == vals.size == len(recorded_at) == len(import_ids) == n
    ):
        raise DataError("各列长度不一致 version columns must all have the same length")
    if deadline is None and not audits:
        return [
            Finding(
                "*",
                "*",
                (),
                "revision",
                _NAN,
                _NAN,
                _NAN,
                "info",
                {"not_tested": 1.0},
                "未检验修订：没有给出考核截止日期或审计日期",
                "Revisions not tested: no assessment deadline or audit dates given",
            )
        ]
    history: dict[Key, list[tuple[dt.datetime, int, float]]] = defaultdict(list)
    for k in range(n):
        history[(unit_ids[k], indicator_ids[k], periods[k])].append(
            (recorded_at[k], int(import_ids[k]), float(vals[k]))
        )
    direction = higher_is_better or {}
    out: list[Finding] = []
    for key in sorted(history):
        unit, ind, _ = key
        versions = history[key]
        final = max(versions)[2]
        cuts: list[tuple[str, dt.datetime]] = []
        if deadline is not None:
            cuts.append(("deadline", deadline))
        cuts += [("audit", a) for a in sorted((audits or {}).get(unit, ()))]
        for kind, cut in cuts:
            before = _standing(versions, cut)
            if before is None or not any(v[0] > cut for v in versions):
                continue
            rel = (
                (final - before) / abs(before)
                if before != 0
                else (0.0 if final == before else math.copysign(math.inf, final - before))
            )
            if not abs(rel) >= rel_threshold:
                continue
            up = direction.get(ind, True)
            improves = (rel > 0) == up
            rank_before, rank_after = _ranks(history, key, cut, before, final, up)
            gained = rank_before - rank_after
            sev = ("high" if gained > 0 else "medium") if improves else "low"
            out.append(
                _finding(key, kind, cut, before, final, rel, improves, rank_before, rank_after, sev)
            )
            break  # one finding per figure: the earliest cut-off it was revised after
    return out


def _ranks(
    history: Mapping[Key, list[tuple[dt.datetime, int, float]]],
    key: Key,
    cut: dt.datetime,
    before: float,
    final: float,
    up: bool,
) -> tuple[float, float]:
    """1 = best. The unit's rank among peers (their values at the cut-off), before and after."""
    _, ind, period = key
    peers = [
        s
        for k, vs in history.items()
        if k != key and k[1] == ind and k[2] == period
        if (s := _standing(vs, cut)) is not None
    ]
    if not peers:
        return _NAN, _NAN
    arr = np.asarray(peers)

    def rank(x: float) -> float:
        return 1 + float(np.sum(arr > x) if up else np.sum(arr < x))

    return rank(before), rank(final)


def _finding(
    key: Key,
    kind: str,
    cut: dt.datetime,
    before: float,
    final: float,
    rel: float,
    improves: bool,
    rank_before: float,
    rank_after: float,
    sev: str,
) -> Finding:
    unit, ind, period = key
    when_zh = "考核截止日" if kind == "deadline" else "审计"
    when_en = "the assessment deadline" if kind == "deadline" else "an audit"
    ranks_zh = (
        f"，排名由第{rank_before:.0f}变为第{rank_after:.0f}" if math.isfinite(rank_before) else ""
    )
    ranks_en = (
        f"; its rank moved from {rank_before:.0f} to {rank_after:.0f}"
        if math.isfinite(rank_before)
        else ""
    )
    return Finding(
        unit,
        ind,
        (period,),
        f"revision_after_{kind}",
        rel,
        0.0,
        _NAN,
        sev,
        {
            "before": before,
            "after": final,
            "relative_change": rel,
            "improves_standing": float(improves),
            "rank_before": rank_before,
            "rank_after": rank_after,
            "cutoff_timestamp": cut.timestamp(),
        },
        f"{period}年{ind}在{when_zh}（{cut:%Y-%m-%d}）之后由{before:g}改为{final:g}"
        f"（{rel:+.1%}），{'对该单位更有利' if improves else '对该单位不利'}{ranks_zh}。",
        f"{ind} for {period} was changed after {when_en} ({cut:%Y-%m-%d}) from {before:g} to "
        f"{final:g} ({rel:+.1%}), {'in the unit' if improves else 'against the unit'}'s "
        f"favour{ranks_en}.",
        material=improves,
    )
