"""Sum of parts: for an additive indicator, the children (townships) must add up to the parent.

An accounting identity, not a statistical test: a gap beyond the tolerance is a certain
violation, so its finding carries ``p_value = 0``; parents whose parts add up produce no
finding (they would only dilute the Benjamini–Hochberg family). Parent–periods that cannot be
checked (parent or a child missing) produce an ``info`` finding saying so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from zhengji.errors import DataError
from zhengji.integrity.findings import Finding

__all__ = ["sum_of_parts"]

_NAN = float("nan")


def sum_of_parts(
    values: NDArray[np.float64],
    unit_ids: Sequence[str],
    periods: Sequence[str],
    children: Mapping[str, Sequence[str]],
    indicator_id: str,
    rel_tol: float = 0.005,
    abs_tol: float = 0.0,
) -> list[Finding]:
    """Findings where ``|parent − Σ children| > rel_tol·|parent| + abs_tol``.

    ``values`` has shape ``(units, periods)``; ``children`` maps a parent unit id to its child
    unit ids. Severity grows with the gap relative to the tolerance (×3 medium, ×10 high).
    """
    v = np.asarray(values, dtype=float)
    if v.shape != (len(unit_ids), len(periods)):
        raise DataError(f"数值的形状应为 values must have shape {(len(unit_ids), len(periods))}")
    if rel_tol < 0 or abs_tol < 0:
        raise DataError("容差不能为负 tolerances must not be negative")
    index = {u: i for i, u in enumerate(unit_ids)}
    out: list[Finding] = []
    for parent, kids in sorted(children.items()):
        unknown = [k for k in (parent, *kids) if k not in index]
        if unknown or not kids:
            why_zh = f"未知单位{unknown}" if unknown else "没有下级单位"
            why_en = f"unknown units {unknown}" if unknown else "no children listed"
            out.append(_not_tested(parent, indicator_id, tuple(periods), why_zh, why_en))
            continue
        rows = [index[k] for k in kids]
        for t, period in enumerate(periods):
            total, parts = float(v[index[parent], t]), v[rows, t]
            if not math.isfinite(total) or not np.all(np.isfinite(parts)):
                missing = [k for k, x in zip(kids, parts, strict=True) if not math.isfinite(x)]
                if not math.isfinite(total):
                    missing = [parent, *missing]
                out.append(
                    _not_tested(
                        parent,
                        indicator_id,
                        (period,),
                        f"缺少{'、'.join(missing)}的数值",
                        f"missing values for {', '.join(missing)}",
                    )
                )
                continue
            s = float(parts.sum())
            gap = total - s
            tol = rel_tol * abs(total) + abs_tol
            if abs(gap) <= tol:
                continue
            share = gap / total if total != 0 else math.copysign(math.inf, gap)
            ratio = abs(gap) / tol if tol > 0 else math.inf
            sev = "high" if ratio >= 10 else "medium" if ratio >= 3 else "low"
            more_zh, more_en = ("高出", "exceeds") if gap > 0 else ("低于", "falls short of")
            out.append(
                Finding(
                    parent,
                    indicator_id,
                    (period,),
                    "sum_of_parts",
                    share,
                    0.0,
                    _NAN,
                    sev,
                    {
                        "parent": total,
                        "children_sum": s,
                        "gap": gap,
                        "gap_share": share,
                        "tolerance": tol,
                        "children": float(len(kids)),
                    },
                    f"{parent}上报的{indicator_id}合计为{total:g}，但{len(kids)}个下级单位相加为{s:g}，"
                    f"合计{more_zh}分项之和{abs(gap):g}（占{abs(share):.1%}），超出允许误差{tol:g}。",
                    f"{parent}'s reported {indicator_id} total {total:g} {more_en} the sum of its "
                    f"{len(kids)} parts, {s:g}, by {abs(gap):g} ({abs(share):.1%}); the tolerance "
                    f"is {tol:g}.",
                )
            )
    return out


def _not_tested(unit: str, indicator: str, periods: tuple[str, ...], zh: str, en: str) -> Finding:
    return Finding(
        unit,
        indicator,
        periods,
        "sum_of_parts",
        _NAN,
        _NAN,
        _NAN,
        "info",
        {"not_tested": 1.0},
        f"未检验分项加总：{zh}",
        f"Sum of parts not tested: {en}",
    )
