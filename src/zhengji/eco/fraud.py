"""Anti-fraud signals on awards, as integrity findings (pure: awards in, findings out).

* ``eco_burst`` — one inspector's busiest day against their own daily rate: the chance that a
  Poisson day reaches that count, times the number of active days (Bonferroni), is the p-value.
* ``eco_under_cap`` — one inspector's holders end a year just under an item's cap (within one
  award of it) more often than everybody else's: one-sided binomial test.
* ``eco_tier_bunching`` — in a county, more holders just above a tier threshold than just below
  it (a point or two added to reach a better loan): binomial test against an even split.
* ``eco_device_shared`` and ``eco_location_cluster`` — records, not tests (p = 0): one device
  used by several inspectors; many different holders' evidence taken at one spot (~10 m).

The findings have the shape of :class:`zhengji.integrity.findings.Finding`; run-wide q-values
come from :func:`zhengji.integrity.findings.with_qvalues` as for every other screen.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scipy import stats

from zhengji.integrity.findings import Finding, with_qvalues

__all__ = ["Award", "screen_awards"]


@dataclass(frozen=True)
class Award:
    """What the screen needs of one award (not reversed)."""

    id: int
    holder_id: str
    county_id: str
    inspector_id: str
    item_id: str
    period: str
    points: int
    awarded_at: dt.datetime
    device_id: str | None
    lat: float | None
    lon: float | None


def _finding(
    unit: str,
    indicator: str,
    period: str,
    check: str,
    stat: float,
    p: float,
    evidence: Mapping[str, float],
    zh: str,
    en: str,
    severity: str = "info",
) -> Finding:
    return Finding(
        unit, indicator, (period,), check, stat, p, float("nan"), severity, dict(evidence), zh, en
    )


def _home_county(awards: Sequence[Award]) -> str:
    return Counter(a.county_id for a in awards).most_common(1)[0][0]


def bursts(awards: Sequence[Award], min_count: int = 10) -> list[Finding]:
    by_insp: dict[str, list[Award]] = defaultdict(list)
    for a in awards:
        by_insp[a.inspector_id].append(a)
    out = []
    for insp, aw in sorted(by_insp.items()):
        days = Counter(a.awarded_at.date() for a in aw)
        n_days = len(days)
        day, top = max(days.items(), key=lambda kv: (kv[1], kv[0]))
        if top < min_count or n_days < 2:
            continue
        rate = (len(aw) - top) / max(n_days - 1, 1)  # rate on the other days
        p = min(1.0, n_days * float(stats.poisson.sf(top - 1, max(rate, 0.5))))
        out.append(
            _finding(
                _home_county(aw),
                f"eco_awards/{insp}",
                str(day.year),
                "eco_burst",
                float(top),
                p,
                {"awards_that_day": top, "usual_per_day": rate, "active_days": n_days},
                f"核查人 {insp} 于 {day} 单日记分 {top} 次，平时每日约 {rate:.1f} 次（q={{q}}）",
                f"Inspector {insp} made {top} awards on {day}, usually {rate:.1f} a day (q={{q}})",
            )
        )
    return out


def under_cap(
    awards: Sequence[Award], caps: Mapping[str, int], points: Mapping[str, int], min_n: int = 20
) -> list[Finding]:
    totals: dict[tuple[str, str, str], int] = defaultdict(int)
    insp_of: dict[tuple[str, str, str], str] = {}
    for a in awards:
        key = (a.holder_id, a.item_id, a.period)
        totals[key] += a.points
        insp_of[key] = a.inspector_id
    near: dict[str, list[bool]] = defaultdict(list)
    for key, tot in totals.items():
        cap, pts = caps.get(key[1]), points.get(key[1])
        if cap is None or pts is None or cap <= pts:
            continue  # an item of one award cannot be "just under" its cap
        near[insp_of[key]].append(cap - pts <= tot < cap)
    all_n = sum(len(f) for f in near.values())
    all_k = sum(sum(f) for f in near.values())
    by_insp: dict[str, list[Award]] = defaultdict(list)
    for a in awards:
        by_insp[a.inspector_id].append(a)
    out = []
    for insp, flags in sorted(near.items()):
        n, k = len(flags), sum(flags)
        if n < min_n:
            continue
        p0 = (all_k - k + 1) / (all_n - n + 2)
        p = float(stats.binom.sf(k - 1, n, p0))
        county = _home_county(by_insp[insp])
        period = max(a.period for a in by_insp[insp])
        out.append(
            _finding(
                county,
                f"eco_awards/{insp}",
                period,
                "eco_under_cap",
                k / n,
                p,
                {"just_under_cap": k, "holder_items": n, "share_elsewhere": p0},
                f"核查人 {insp} 的 {n} 个户-项目中 {k} 个恰在上限之下，"
                f"其他人为 {p0:.0%}（q={{q}}）",
                f"{k} of {n} holder-items of inspector {insp} end just under the cap; elsewhere "
                f"{p0:.0%} (q={{q}})",
            )
        )
    return out


def tier_bunching(
    holder_points: Mapping[str, tuple[str, int]],
    tier_step: int,
    total_cap: int,
    period: str,
    width: int = 5,
    min_n: int = 20,
) -> list[Finding]:
    """``holder_points``: holder → (county, counted points)."""
    above: Counter[str] = Counter()
    below: Counter[str] = Counter()
    for county, pts in holder_points.values():
        r = pts % tier_step
        if pts >= tier_step and pts <= total_cap and r < width:
            above[county] += 1
        elif r >= tier_step - width:
            below[county] += 1
    out = []
    for county in sorted(set(above) | set(below)):
        a, b = above[county], below[county]
        if a + b < min_n:
            continue
        p = float(stats.binom.sf(a - 1, a + b, 0.5))
        out.append(
            _finding(
                county,
                "eco_account_points",
                period,
                "eco_tier_bunching",
                a / (a + b),
                p,
                {"just_above": a, "just_below": b},
                f"积分恰在等级线上方 {a} 户、下方 {b} 户（q={{q}}）",
                f"{a} holders just above a tier line, {b} just below (q={{q}})",
            )
        )
    return out


def shared_devices(awards: Sequence[Award]) -> list[Finding]:
    users: dict[str, set[str]] = defaultdict(set)
    first: dict[str, Award] = {}
    for a in awards:
        if a.device_id:
            users[a.device_id].add(a.inspector_id)
            first.setdefault(a.device_id, a)
    out = []
    for dev, insp in sorted(users.items()):
        if len(insp) > 1:
            a = first[dev]
            names = "、".join(sorted(insp))
            out.append(
                _finding(
                    a.county_id,
                    f"eco_device/{dev}",
                    a.period,
                    "eco_device_shared",
                    float(len(insp)),
                    0.0,
                    {"inspectors": len(insp)},
                    f"设备 {dev} 被 {len(insp)} 名核查人使用（{names}）",
                    f"Device {dev} was used by {len(insp)} inspectors ({', '.join(sorted(insp))})",
                    "medium",
                )
            )
    return out


def location_clusters(awards: Sequence[Award], min_holders: int = 5) -> list[Finding]:
    cells: dict[tuple[float, float], set[str]] = defaultdict(set)
    first: dict[tuple[float, float], Award] = {}
    for a in awards:
        if a.lat is None or a.lon is None:
            continue
        cell = (round(a.lat, 4), round(a.lon, 4))  # ~11 m
        cells[cell].add(a.holder_id)
        first.setdefault(cell, a)
    out = []
    for cell, holders in sorted(cells.items()):
        if len(holders) >= min_holders:
            a = first[cell]
            out.append(
                _finding(
                    a.county_id,
                    f"eco_location/{cell[0]:.4f},{cell[1]:.4f}",
                    a.period,
                    "eco_location_cluster",
                    float(len(holders)),
                    0.0,
                    {"holders": len(holders), "lat": cell[0], "lon": cell[1]},
                    f"{len(holders)} 户的证据拍摄于同一地点（{cell[0]:.4f}, {cell[1]:.4f}）",
                    f"Evidence of {len(holders)} holders was taken at one spot {cell}",
                    "medium",
                )
            )
    return out


def screen_awards(
    awards: Sequence[Award],
    caps: Mapping[str, int],
    points: Mapping[str, int],
    holder_points: Mapping[str, tuple[str, int]],
    tier_step: int,
    total_cap: int,
    period: str,
) -> list[Finding]:
    """All signals, with q-values across the run (records keep their severity)."""
    found = (
        bursts(awards)
        + under_cap(awards, caps, points)
        + tier_bunching(holder_points, tier_step, total_cap, period)
    )
    return with_qvalues(found) + shared_devices(awards) + location_clusters(awards)
