"""Ecological latent indicators for the engine, as observation rows with source ``derived``.

From eco accounts, per village, township and county: participation rate (% of holders with
counted points), mean score, and mean points per holder in each dimension. From GEP: level
(亿元), growth (%), GEP/GDP ratio, and the "two-way conversion" (双向转化) — the smaller of
GDP growth and GEP growth (%): positive only when the economy and the ecosystem grow together,
and as large as the slower of the two.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from zhengji.bundle.model import ObservationRow
from zhengji.eco.rulebook import Rulebook
from zhengji.eco.scoring import Balance

__all__ = ["ACCOUNT_INDICATORS", "GEP_INDICATORS", "account_rows", "gep_rows", "growth"]

ACCOUNT_INDICATORS = {
    "eco_participation": ("生态账户参与率", "Eco-account participation rate", "%"),
    "eco_mean_score": ("生态账户户均积分", "Mean eco-account score", "分"),
}
GEP_INDICATORS = {
    "eco_gep": ("生态产品总值", "Gross ecosystem product", "亿元"),
    "eco_gep_growth": ("GEP增长率", "GEP growth", "%"),
    "eco_gep_gdp_ratio": ("GEP与GDP之比", "GEP/GDP ratio", "倍"),
    "eco_gep_two_way": (
        "GDP与GEP双向转化（两者增速之较小者）",
        "Two-way conversion: the smaller of GDP and GEP growth",
        "%",
    ),
}


def account_rows(
    holders: Mapping[str, tuple[str, str, str]],
    balances: Mapping[str, Balance],
    rb: Rulebook,
    period: str,
) -> list[ObservationRow]:
    """``holders``: holder id → (village, township, county). Holders without postings count
    as non-participants with 0 points."""
    groups: dict[str, list[str]] = defaultdict(list)
    for hid, (village, township, county) in holders.items():
        for unit in (village, township, county):
            groups[unit].append(hid)
    rows = []
    for unit in sorted(groups):
        members = groups[unit]
        pts = [balances[h].points if h in balances else 0 for h in members]
        n = len(members)
        rows.append(
            ObservationRow(
                unit, period, "eco_participation", 100.0 * sum(p > 0 for p in pts) / n, "derived"
            )
        )
        rows.append(ObservationRow(unit, period, "eco_mean_score", sum(pts) / n, "derived"))
        for d in rb.dimensions:
            tot = sum(balances[h].by_dimension.get(d.id, 0) for h in members if h in balances)
            rows.append(ObservationRow(unit, period, f"eco_points_{d.id}", tot / n, "derived"))
    return rows


def growth(series: Mapping[str, float], year: str) -> float:
    """Growth (%) of ``year`` over the year before; NaN when the year before is missing or
    ``year`` is not a four-digit year (rows stored by an older version may hold one)."""
    if not (len(year) == 4 and year.isascii() and year.isdigit()):
        return float("nan")
    prev = str(int(year) - 1)
    if prev not in series or not series[prev]:
        return float("nan")
    return 100.0 * (series[year] / series[prev] - 1.0)


def gep_rows(
    unit_id: str, gep_yuan: Mapping[str, float], gdp_yuan: Mapping[str, float]
) -> list[ObservationRow]:
    """GEP level (亿元), growth, GEP/GDP and two-way conversion for every year with a GEP.

    Rows whose value cannot be computed (no previous year, no GDP) are left out, not zeroed.
    """
    rows = []
    for year in sorted(gep_yuan):
        rows.append(ObservationRow(unit_id, year, "eco_gep", gep_yuan[year] / 1e8, "derived"))
        g = growth(gep_yuan, year)
        if g == g:
            rows.append(ObservationRow(unit_id, year, "eco_gep_growth", g, "derived"))
        if gdp_yuan.get(year):
            rows.append(
                ObservationRow(
                    unit_id, year, "eco_gep_gdp_ratio", gep_yuan[year] / gdp_yuan[year], "derived"
                )
            )
            gg = growth(gdp_yuan, year) if year in gdp_yuan else float("nan")
            if g == g and gg == gg:
                rows.append(ObservationRow(unit_id, year, "eco_gep_two_way", min(g, gg), "derived"))
    return rows


def rows_as_csv(rows: Sequence[ObservationRow]) -> list[list[str]]:
    """observations.csv rows (``unit_id, period, indicator_id, value, source``)."""
    return [[r.unit_id, r.period, r.indicator_id, f"{r.value:.4f}", r.source] for r in rows]
