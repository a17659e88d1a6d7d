"""The evidence chart of an integrity finding, from the numbers its check stored (pure).

Each check keeps a flat ``evidence`` dict (``zhengji.integrity``); this turns it into one chart
spec the page draws with ECharts (``static/app.js``, builder ``evidence``): categories and
series of bars (observed, reported) and lines (expected, proxy-predicted, peers). Checks with
nothing to compare (not tested) get no chart; the evidence table always stays.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from zhengji.errors import MethodError
from zhengji.integrity.digits import expected_distribution

__all__ = ["evidence_chart"]

# expected share of the "yes" category of the share tests (Beber & Scacco 2012; 0/5 endings)
_SHARE_EXPECTED = {"repeated_pairs": 0.1, "adjacent_pairs": 0.2, "round_0_5": 0.2}
_SHARE_NAMES = {
    "repeated_pairs": ("末两位相同", "repeated last pair"),
    "adjacent_pairs": ("末两位相邻", "adjacent last pair"),
    "round_0_5": ("以 0 或 5 结尾", "ends in 0 or 5"),
}


def _v(ev: Mapping[str, Any], key: str) -> float | None:
    x = ev.get(key)
    if x is None:
        return None
    f = float(x)
    return f if math.isfinite(f) else None


def _series(name: tuple[str, str], kind: str, data: list[float | None]) -> dict[str, Any]:
    return {"name_zh": name[0], "name_en": name[1], "type": kind, "data": data}


def _chart(
    title: tuple[str, str],
    categories: list[str],
    series: list[dict[str, Any]],
    unit: str = "",
) -> dict[str, Any] | None:
    if not any(x is not None for x in series[0]["data"]):
        return None  # nothing observed (e.g. below the test's minimum size): no chart
    return {
        "title_zh": title[0],
        "title_en": title[1],
        "categories": categories,
        "series": series,
        "unit": unit,
    }


def _digits(test: str, ev: Mapping[str, Any]) -> dict[str, Any] | None:
    try:
        digits, expected = expected_distribution(test)
    except MethodError:
        return None
    cats = [str(int(d)) for d in digits]
    observed = [_v(ev, f"share_{int(d)}") for d in digits]
    return _chart(
        ("数字分布：实际与期望", "Digit distribution: observed vs expected"),
        cats,
        [
            _series(("实际占比", "observed share"), "bar", observed),
            _series(("期望占比", "expected share"), "line", [float(p) for p in expected]),
        ],
        "share",
    )


def _share(test: str, ev: Mapping[str, Any]) -> dict[str, Any] | None:
    p = _SHARE_EXPECTED[test]
    return _chart(
        ("占比：实际与期望", "Share: observed vs expected"),
        [_SHARE_NAMES[test][0] + " " + _SHARE_NAMES[test][1]],
        [
            _series(("实际占比", "observed share"), "bar", [_v(ev, "share_1")]),
            _series(("期望占比", "expected share"), "bar", [p]),
        ],
        "share",
    )


def _pairs(
    title: tuple[str, str],
    rows: list[tuple[tuple[str, str], float | None]],
    unit: str = "",
) -> dict[str, Any] | None:
    """One bar per labelled number (the names go in both languages on the axis)."""
    return _chart(
        title,
        [f"{zh} {en}".strip() for (zh, en), _ in rows],
        [_series(("数值", "value"), "bar", [x for _, x in rows])],
        unit,
    )


def evidence_chart(check: str, evidence: Mapping[str, Any]) -> dict[str, Any] | None:
    """The chart spec for a finding's evidence, or None when there is nothing to draw."""
    ev = evidence
    if _v(ev, "not_tested"):
        return None
    if check.startswith("digits."):
        test = check.removeprefix("digits.")
        if test in _SHARE_EXPECTED:
            return _share(test, ev)
        if test == "duplication":
            k = 1
            rows: list[tuple[tuple[str, str], float | None]] = []
            while f"top_{k}_value" in ev:
                val = _v(ev, f"top_{k}_value")
                rows.append(
                    ((f"{val:g}" if val is not None else "—", ""), _v(ev, f"top_{k}_count"))
                )
                k += 1
            rows.append((("重复次数", "repeats"), _v(ev, "repeats")))
            rows.append((("期望重复", "expected repeats"), _v(ev, "expected_repeats")))
            return _pairs(("最常重复的数值", "Most repeated values"), rows, "count")
        return _digits(test, ev)
    if check == "proxy_residual":
        return _pairs(
            ("上报增长与代理指标预测", "Reported vs proxy-predicted growth"),
            [
                (("上报增速", "reported"), _v(ev, "reported")),
                (("代理指标预测", "proxy-predicted"), _v(ev, "expected_pp")),
            ],
            "pp",
        )
    if check == "proxy_persistent":
        return _pairs(
            ("隐含虚增（百分点/年）及区间", "Implied inflation (pp a year) and interval"),
            [
                (("区间下限", "low"), _v(ev, "ci_low")),
                (("估计值", "estimate"), _v(ev, "implied_inflation_pp")),
                (("区间上限", "high"), _v(ev, "ci_high")),
            ],
            "pp",
        )
    if check == "target_bunching":
        bw = _v(ev, "bandwidth")
        w = "" if bw is None else f" ±{bw:g}"
        return _pairs(
            ("目标附近的分布", "Around the target"),
            [
                ((f"差一点未达标{w}", "just missed"), _v(ev, "just_miss")),
                ((f"刚好达标{w}", "just met"), _v(ev, "just_meet")),
            ],
            "count",
        )
    if check in ("target_exact", "integer_growth"):
        key = "exact_hits" if check == "target_exact" else "integer_values"
        hits, periods = _v(ev, key), _v(ev, "periods")
        rate = None if hits is None or not periods else hits / periods
        return _chart(
            ("出现比例：实际与期望", "Rate: observed vs expected"),
            ["恰等于目标 exact" if check == "target_exact" else "整数增速 integer"],
            [
                _series(("实际比例", "observed rate"), "bar", [rate]),
                _series(("期望比例", "expected rate"), "bar", [_v(ev, "expected_rate")]),
            ],
            "share",
        )
    if check == "too_smooth":
        return _pairs(
            ("增速波动：本单位与同类", "Growth volatility: unit vs peers"),
            [
                (("本单位标准差", "unit SD"), _v(ev, "sd_pp")),
                (("同类中位标准差", "peer median SD"), _v(ev, "peer_median_sd_pp")),
            ],
            "pp",
        )
    if check == "peer_outlier":
        return _pairs(
            ("本单位与同类中位数", "Unit vs peer median"),
            [
                (("本单位", "unit"), _v(ev, "value")),
                (("同类中位数", "peer median"), _v(ev, "median")),
            ],
        )
    if check == "sum_of_parts":
        return _pairs(
            ("总数与分项之和", "Total vs sum of parts"),
            [
                (("上报总数", "reported total"), _v(ev, "parent")),
                (("分项之和", "sum of parts"), _v(ev, "children_sum")),
            ],
        )
    if check.startswith("revision"):
        return _pairs(
            ("修订前后", "Before and after revision"),
            [(("修订前", "before"), _v(ev, "before")), (("修订后", "after"), _v(ev, "after"))],
        )
    return None
