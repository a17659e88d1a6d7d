"""Too smooth: a growth series that varies far less than its peers' or its own past.

Two one-sided views per unit, combined by Bonferroni (``p = min(1, 2·min(p_peer, p_own))``):

* **peers**: ``v = log(s² + precision²/12)`` (sample variance of the growth rates plus the
  variance rounding alone adds, so a flat series is finite). Model: ``v = log σ² + log(χ²_k/k)``
  with ``k = n − 1`` and ``log σ²`` of the units of a category ~ N(μ, τ²). The sampling part is
  the exact, left-skewed law of a log sample variance (a normal lower tail on ``v`` would be
  anti-conservative); μ is the peers' median of ``v`` less the median of ``log(χ²_k/k)``; τ² =
  (1.4826·MAD of the peers' ``v``)² − ψ′(k/2) (the sampling variance of ``log χ²_k``), floored
  at 0, so genuine differences between units widen the reference instead of producing flags;
  the uncertainty of μ (π/2 · variance / peers) is added to τ². p = ∫ F_χ²_k(k·e^{v − μ − τz})
  φ(z) dz (Gauss–Hermite). With τ = 0 this is the F test of the unit against the peers' level.
  When the peers' log variances agree more closely than ``k`` df allow (shocks shared by the
  whole category, e.g. the national cycle), the reference uses the effective df that match
  their sample variance taken at its upper 90 % bound (at most 8k), so a small draw cannot
  make honest units look smooth.
* **own history**: the last ``recent`` periods against the earlier ones, ``F = s²_recent /
  s²_earlier``, p = F-distribution lower tail with ``(recent − 1, earlier − 1)`` df.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, special, stats

from zhengji.errors import DataError
from zhengji.integrity.findings import Finding

__all__ = ["too_smooth"]

_NAN = float("nan")


def too_smooth(
    growth: NDArray[np.float64],
    unit_ids: Sequence[str],
    categories: Sequence[str],
    periods: Sequence[str],
    indicator_id: str,
    precision: float = 0.1,
    min_periods: int = 5,
    min_peers: int = 5,
    recent: int = 4,
) -> list[Finding]:
    """One ``too_smooth`` finding per unit (or an ``info`` finding saying why not tested)."""
    g = np.asarray(growth, dtype=float)
    if g.shape != (len(unit_ids), len(periods)) or len(categories) != len(unit_ids):
        raise DataError(f"增速的形状应为 growth must have shape {(len(unit_ids), len(periods))}")
    floor = precision**2 / 12
    n_obs = np.isfinite(g).sum(axis=1)
    logv = np.full(len(unit_ids), np.nan)
    for j in np.flatnonzero(n_obs >= min_periods):
        logv[j] = math.log(float(np.nanvar(g[j], ddof=1)) + floor)
    dfs = n_obs - 1
    cats = np.asarray(categories)
    out: list[Finding] = []
    for i, unit in enumerate(unit_ids):
        if not math.isfinite(logv[i]):
            out.append(
                _info(
                    unit,
                    indicator_id,
                    periods,
                    f"只有{n_obs[i]}年增速，少于{min_periods}年",
                    f"only {n_obs[i]} growth values (need {min_periods})",
                )
            )
            continue
        peers = logv[(cats == cats[i]) & np.isfinite(logv) & (np.arange(len(unit_ids)) != i)]
        peer_df = dfs[(cats == cats[i]) & np.isfinite(logv) & (np.arange(len(unit_ids)) != i)]
        z_peer = p_peer = tau = df_peer = _NAN
        if peers.size >= min_peers:
            p_peer, tau, df_peer = _peer_p(float(logv[i]), int(dfs[i]), peers, peer_df)
            z_peer = float(stats.norm.ppf(p_peer))
        series = g[i][np.isfinite(g[i])]
        f_own = p_own = _NAN
        if series.size >= recent + 3 and recent >= 3:
            late, early = series[-recent:], series[:-recent]
            f_own = (float(np.var(late, ddof=1)) + floor) / (float(np.var(early, ddof=1)) + floor)
            p_own = float(stats.f.cdf(f_own, late.size - 1, early.size - 1))
        ps = [p for p in (p_peer, p_own) if math.isfinite(p)]
        if not ps:
            out.append(
                _info(
                    unit,
                    indicator_id,
                    periods,
                    f"同类单位少于{min_peers}个，且年份不够与自身比较",
                    f"fewer than {min_peers} peers in category {cats[i]!r} and too few "
                    "periods to compare with its own past",
                )
            )
            continue
        p = min(1.0, len(ps) * min(ps))
        sd = math.sqrt(math.exp(logv[i]))
        peer_sd = math.sqrt(math.exp(float(np.median(peers)))) if peers.size else _NAN
        sev = "info" if not p < 0.05 else "high" if p < 0.001 else "medium" if p < 0.01 else "low"
        stat = z_peer if math.isfinite(z_peer) else math.log(f_own)
        out.append(
            Finding(
                unit,
                indicator_id,
                tuple(periods),
                "too_smooth",
                float(stat),
                p,
                _NAN,
                sev,
                {
                    "sd_pp": sd,
                    "peer_median_sd_pp": peer_sd,
                    "z_peer": z_peer,
                    "p_peer": p_peer,
                    "tau_peer": tau,
                    "df_peer": df_peer,
                    "f_own_history": f_own,
                    "p_own_history": p_own,
                    "peers": float(peers.size),
                },
                *_summaries(indicator_id, sd, peer_sd, p),
            )
        )
    return out


_MAX_DF_RATIO = 8.0
_GH_X, _GH_W = np.polynomial.hermite_e.hermegauss(48)
_GH_W = _GH_W / _GH_W.sum()


def _peer_p(
    v: float, k: int, peers: NDArray[np.float64], peer_df: NDArray[np.int64]
) -> tuple[float, float, float]:
    """Lower-tail p of ``v`` (log variance, ``k`` df) against its peers, τ and the df used."""
    level = peers - np.log(stats.chi2.median(peer_df) / peer_df)  # estimates of log σ²_j
    mu = float(np.median(level))
    spread = (1.4826 * float(np.median(np.abs(level - mu)))) ** 2
    noise = float(np.mean(special.polygamma(1, peer_df / 2)))
    df = float(k)
    # the peers' sample variance, taken at its upper 90 % bound: a small draw must not shrink
    # the reference (a smoothed peer only inflates it, which is conservative)
    m = peers.size
    agree = float(np.var(level, ddof=1)) * (m - 1) / float(stats.chi2.ppf(0.1, m - 1))
    if agree < noise:  # peers agree more than k df allow (shared shocks): more effective df
        target = max(agree, noise / _MAX_DF_RATIO)
        df = float(optimize.brentq(lambda d: _trigamma_half(d) - target, 1.0, 1e6))
        mu = float(np.median(peers)) - math.log(float(stats.chi2.median(df)) / df)
        noise = spread = target
    tau2 = max(0.0, spread - noise)
    tau2 += math.pi / 2 * (tau2 + noise) / peers.size  # the median μ is itself estimated
    tau = math.sqrt(tau2)
    p = float(np.sum(_GH_W * stats.chi2.cdf(df * np.exp(v - mu - tau * _GH_X), df)))
    return min(1.0, max(p, 0.0)), tau, df


def _trigamma_half(d: float) -> float:
    return float(special.polygamma(1, d / 2))


def _info(unit: str, ind: str, periods: Sequence[str], zh: str, en: str) -> Finding:
    return Finding(
        unit,
        ind,
        tuple(periods),
        "too_smooth",
        _NAN,
        _NAN,
        _NAN,
        "info",
        {"not_tested": 1.0},
        f"未检验是否过于平滑：{zh}",
        f"Smoothness not tested: {en}",
    )


def _summaries(ind: str, sd: float, peer_sd: float, p: float) -> tuple[str, str]:
    if p < 0.05:
        return (
            f"该单位{ind}增速的波动（标准差{sd:.2f}个百分点）明显小于同类单位（中位数"
            f"{peer_sd:.2f}）或自身以往水平；数据过于平滑可能是人为“熨平”，p={p:.2g}。",
            f"This unit's {ind} growth varies less (sd {sd:.2f} points) than its peers "
            f"(median {peer_sd:.2f}) or its own past; a series this smooth may have been "
            f"smoothed by hand, p={p:.2g}.",
        )
    return (
        f"该单位{ind}增速的波动（标准差{sd:.2f}个百分点，同类中位数{peer_sd:.2f}）"
        f"未见异常平滑，p={p:.2g}。",
        f"This unit's {ind} growth (sd {sd:.2f} points, peer median {peer_sd:.2f}) is not "
        f"unusually smooth, p={p:.2g}.",
    )
