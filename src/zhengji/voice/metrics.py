"""Monthly 接诉即办 metrics per unit (pure, over a table of per-request facts).

Definitions (docs/voice.md, "Metrics"), per responsible unit and month of submission, over the
requests counted (merged duplicates and requests flagged as malicious repeats are left out):

- 受理量 volume: requests counted.
- 响应率 response rate: share signed for (签收) or answered within the response limit.
- 解决率 resolution rate: share of called-back requests the citizen called resolved at the
  last callback.
- 满意率 satisfaction rate: share of called-back requests rated 满意 or 基本满意 at the last
  callback.
- 超期率 overdue rate: share completed after the due time, or still open past it at ``as_of``.
- 重办率 reopen rate: share with at least one dissatisfied callback (重办).
- 综合得分 composite: weights × (响应率, 解决率, 满意率), weights from time_limits.toml.

A county's figures include its townships' requests (roll-up); ranks are within a level and
month, higher composite first ("min" ties).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from zhengji.bundle.model import ObservationRow

__all__ = ["FACT_COLUMNS", "INDICATORS", "monthly", "observation_rows", "ranking"]

FACT_COLUMNS = (
    "request_id",
    "unit_id",
    "month",
    "responded",
    "called_back",
    "resolved",
    "satisfied",
    "overdue",
    "reopened",
    "excluded",
)
#: indicator id → (column, source, 中文, English)
INDICATORS: dict[str, tuple[str, str, str, str]] = {
    "voice_volume": ("volume", "derived", "受理量", "requests"),
    "voice_response_rate": ("response_rate", "derived", "响应率", "response rate"),
    "voice_resolution_rate": ("resolution_rate", "mass_evaluation", "解决率", "resolution rate"),
    "voice_satisfaction_rate": (
        "satisfaction_rate",
        "mass_evaluation",
        "满意率",
        "satisfaction rate",
    ),
    "voice_overdue_rate": ("overdue_rate", "derived", "超期率", "overdue rate"),
    "voice_reopen_rate": ("reopen_rate", "derived", "重办率", "reopen rate"),
    "voice_composite": ("composite", "derived", "接诉即办综合得分", "composite score"),
}


def _with_rollup(facts: pd.DataFrame, parents: Mapping[str, str | None]) -> pd.DataFrame:
    """Each request once for its unit and once for every ancestor below the city."""
    frames = [facts]
    cur = facts
    for _ in range(5):
        up = cur["unit_id"].map(lambda u: parents.get(u))
        keep = up.notna()
        if not keep.any():
            break
        cur = cur[keep].assign(unit_id=up[keep])
        frames.append(cur)
    return pd.concat(frames, ignore_index=True)


def monthly(
    facts: pd.DataFrame,
    weights: Mapping[str, float],
    parents: Mapping[str, str | None] | None = None,
    levels: Mapping[str, str] | None = None,
    by: str = "month",
) -> pd.DataFrame:
    """One row per (unit, month): the rates in percent, the composite and the rank.

    ``by="year"`` gives one row per (unit, year) instead (column ``month`` then holds the year,
    e.g. "2025"), the period an annual assessment scheme uses.

    ``parents`` (unit → parent) rolls townships up into their county; units whose parent is
    None (the city) are not rolled into. ``levels`` (unit → level) makes ranks per level.
    """
    f = facts.loc[~facts["excluded"].astype(bool)]
    if by == "year":
        f = f.assign(month=f["month"].astype(str).str[:4])
    elif by != "month":
        raise ValueError(f"by must be 'month' or 'year', got {by!r}")
    if parents:
        f = _with_rollup(f, parents)
    cb = f["called_back"].astype(bool)
    g = f.assign(
        responded=f["responded"].astype(float),
        overdue=f["overdue"].astype(float),
        reopened=f["reopened"].astype(float),
        cb=cb.astype(float),
        res=(f["resolved"].astype(bool) & cb).astype(float),
        sat=(f["satisfied"].astype(bool) & cb).astype(float),
    ).groupby(["unit_id", "month"], sort=True)
    out = pd.DataFrame(
        {
            "volume": g.size(),
            "response_rate": g["responded"].mean() * 100,
            "callbacks": g["cb"].sum(),
            "res": g["res"].sum(),
            "sat": g["sat"].sum(),
            "overdue_rate": g["overdue"].mean() * 100,
            "reopen_rate": g["reopened"].mean() * 100,
        }
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        out["resolution_rate"] = np.where(
            out["callbacks"] > 0, out["res"] / out["callbacks"] * 100, np.nan
        )
        out["satisfaction_rate"] = np.where(
            out["callbacks"] > 0, out["sat"] / out["callbacks"] * 100, np.nan
        )
    out["composite"] = (
        weights["response"] * out["response_rate"]
        + weights["resolution"] * out["resolution_rate"]
        + weights["satisfaction"] * out["satisfaction_rate"]
    )
    out = out.drop(columns=["res", "sat"]).reset_index()
    out["level"] = out["unit_id"].map(lambda u: (levels or {}).get(u, ""))
    out["rank"] = (
        out.groupby(["month", "level"])["composite"].rank(method="min", ascending=False)
    ).astype("Int64")
    return out


def ranking(table: pd.DataFrame, month: str, level: str | None = None) -> pd.DataFrame:
    """The monthly 接诉即办 ranking: one month (and level), best composite first."""
    t = table.loc[table["month"] == month]
    if level is not None:
        t = t.loc[t["level"] == level]
    return t.sort_values(["rank", "unit_id"]).reset_index(drop=True)


def observation_rows(
    table: pd.DataFrame, units: Sequence[str] | None = None
) -> list[ObservationRow]:
    """The metrics as engine observations (period = the month, ``YYYY-MM``); NaN rates
    (no callbacks yet) are left out, as missing values."""
    out = []
    keep = set(units) if units is not None else None
    for rec in table.to_dict("records"):
        if keep is not None and rec["unit_id"] not in keep:
            continue
        for ind, (col, source, _zh, _en) in INDICATORS.items():
            v = float(rec[col])
            if np.isnan(v):
                continue
            out.append(
                ObservationRow(
                    str(rec["unit_id"]),
                    str(rec["month"]),
                    ind,
                    v,
                    source,
                    {"basis": f"n={int(rec['volume'])}; callbacks={int(rec['callbacks'])}"},
                )
            )
    return out
