"""Number duplication (Nigrini 2012, ch. 8): too many exactly repeated figures in one unit.

Nigrini's test counts how often each exact amount occurs and lists the most frequent ones
(benford_py ``duplicates``: ``data[data.duplicated(keep=False)].value_counts()``; R
benford.analysis ``duplicatesTable``). It is descriptive there; here it becomes a test with a
p-value so it joins the run's Benjamini–Hochberg correction. Statistic: the number of repeated
figures ``n − distinct`` among everything a unit reported (each indicator at its own reporting
precision). Null ("borrowed pattern"): each indicator's series of the unit is replaced by another
unit's series of the *same* indicator, put on this unit's footing and kept within the
indicator's observed range: amounts that span orders of magnitude across units keep the
donor's deviations from its own log-linear trend on the unit's trend (level and growth), after
undoing the donor's rounding; rates, scores and counts are shifted to the unit's level in whole
reporting steps. So rounded small counts, capped rates, slow series and persistent series
repeat under the null as much as they honestly do. Formulas, reasons and
limits: ``docs/integrity.md``.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from zhengji.errors import MethodError
from zhengji.integrity.findings import Finding

__all__ = [
    "MIN_FIGURES",
    "MIN_UNITS",
    "DuplicationTest",
    "duplicates",
    "duplication_findings",
    "duplication_tests",
    "repeats",
]

#: Fewest figures a unit needs: below this a few honest coincidences decide the result.
MIN_FIGURES = 20
#: Fewest units with data: the null borrows patterns from the other units.
MIN_UNITS = 5
_TOP = 5  # duplicated values listed in the evidence (Nigrini lists the most frequent)
_MIN_EXCESS = 2.0  # material only with at least this many repeats more than expected …
_MIN_EXCESS_SHARE = 0.01  # … and at least this share of the unit's figures

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class DuplicationTest:
    """Duplication test of one unit. ``p_value`` is NaN when not tested (``reason_*`` says why);
    ``top`` lists (value, count) of the most repeated figures, most frequent first."""

    unit_id: str
    n: int
    repeats: int
    expected: float
    sd: float
    p_value: float
    material: bool
    top: tuple[tuple[float, int], ...]
    reason_zh: str = ""
    reason_en: str = ""


def _keys(x: ArrayLike, decimals: int) -> FloatArray:
    """Figures as reported: round(x · 10^d) / 10^d, so equal reported figures are equal floats
    whatever precision each indicator used (5 at d=0 and 5.0 at d=1 compare equal)."""
    if not 0 <= decimals <= 15:
        raise MethodError(f"小数位数必须在 0 到 15 之间 decimals must be 0..15, got {decimals}")
    scale = 10.0**decimals
    out: FloatArray = np.rint(np.asarray(x, dtype=np.float64) * scale) / scale
    return out


def duplicates(values: ArrayLike, decimals: int = 0) -> tuple[tuple[float, int], ...]:
    """Every figure that occurs more than once, with its count, most frequent first (ties by
    value): benford_py's ``duplicates`` table, on the figures as reported. NaN/inf ignored."""
    return _table(_keys(values, decimals))


def _table(keys: FloatArray) -> tuple[tuple[float, int], ...]:
    k = keys.ravel()
    k = k[np.isfinite(k)]
    vals, counts = np.unique(k, return_counts=True)
    keep = counts > 1
    order = np.lexsort((vals[keep], -counts[keep]))
    return tuple(
        (float(v), int(c)) for v, c in zip(vals[keep][order], counts[keep][order], strict=True)
    )


def repeats(keys: FloatArray) -> NDArray[np.int64]:
    """``n − distinct`` per row of ``keys`` (NaN ignored): figures repeating an earlier one."""
    a = np.sort(np.atleast_2d(keys), axis=-1)  # NaN sorts last and never equals itself
    out: NDArray[np.int64] = np.count_nonzero(a[..., 1:] == a[..., :-1], axis=-1).astype(np.int64)
    return out


def _unit_seed(seed: int, unit_id: str) -> np.random.Generator:
    """A stream per unit id, so reordering the units reorders the results and nothing else."""
    return np.random.default_rng([seed, zlib.crc32(unit_id.encode("utf-8"))])


def duplication_tests(
    values: ArrayLike,
    decimals: Sequence[int],
    unit_ids: Sequence[str],
    *,
    n_sim: int = 999,
    seed: int = 0,
) -> tuple[DuplicationTest, ...]:
    """One test per unit of ``values[t, u, i]`` (periods × units × indicators, NaN = missing;
    the layout of ``Panel.values``), indicator ``i`` reported with ``decimals[i]`` decimals.

    For unit u and indicator i the null series is donor v's series z_v (in reporting steps)
    plus round(mean z_u − mean z_v), clipped to the indicator's observed range; donors are the
    other units observed wherever u is (any other unit with data if none is), drawn uniformly.
    With one period there is no level to keep: the donor's figure is used as it is. p is the
    Monte Carlo p of the observed repeats; beyond the simulated range (< 20 simulated counts as
    large) the normal tail of the simulated counts (continuity-corrected), so strong cases keep
    usable p-values for BH.
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 3 or x.shape[1] != len(unit_ids) or x.shape[2] != len(decimals):
        raise MethodError(
            f"数据形状应为（期数, 单位数 {len(unit_ids)}, 指标数 {len(decimals)}）"
            f" values must be (periods, {len(unit_ids)} units, {len(decimals)} indicators), "
            f"got {x.shape}"
        )
    if n_sim < 1:
        raise MethodError(f"模拟次数必须为正 n_sim must be positive, got {n_sim}")
    z = np.stack([np.rint(x[:, :, i] * 10.0**d) for i, d in enumerate(decimals)], axis=2)
    ok = np.isfinite(z)
    scale = np.array([10.0**d for d in decimals])
    with np.errstate(invalid="ignore"):
        zmin = np.where(ok.any(axis=(0, 1)), np.nanmin(np.where(ok, z, np.inf), axis=(0, 1)), 0.0)
        zmax = np.where(ok.any(axis=(0, 1)), np.nanmax(np.where(ok, z, -np.inf), axis=(0, 1)), 0.0)
        level = np.nansum(np.where(ok, z, 0.0), axis=0) / np.maximum(ok.sum(axis=0), 1)
    n_units = int(np.count_nonzero(ok.any(axis=(0, 2))))
    by_id = sorted(range(len(unit_ids)), key=lambda j: unit_ids[j])
    out = []
    for u, unit in enumerate(unit_ids):
        keys = (z[:, u, :] / scale).T[ok[:, u, :].T]  # indicator-major, observed figures
        n, top = int(keys.size), _table(keys)[:_TOP]
        obs = int(repeats(keys)[0]) if n else 0
        if n < MIN_FIGURES or n_units < MIN_UNITS:
            why = (
                (f"只有 {n} 个数字，至少需要 {MIN_FIGURES} 个",
                 f"only {n} figures, at least {MIN_FIGURES} needed")
                if n < MIN_FIGURES
                else (f"只有 {n_units} 个单位有数据，至少需要 {MIN_UNITS} 个作比较",
                      f"only {n_units} units have data, at least {MIN_UNITS} needed to compare")
            )  # fmt: skip
            out.append(DuplicationTest(unit, n, obs, math.nan, math.nan, math.nan, False, top,
                                       *why))  # fmt: skip
            continue
        sims = _simulate(z, ok, level, zmin, zmax, scale, u, by_id, n_sim, _unit_seed(seed, unit))
        exp, sd = float(sims.mean()), float(sims.std(ddof=1)) if n_sim > 1 else 0.0
        exceed = int(np.count_nonzero(sims >= obs))
        if exceed >= 20 or obs <= exp:
            p = (1 + exceed) / (n_sim + 1)
        elif sd > 0:
            p = float(stats.norm.sf(obs - 0.5, loc=exp, scale=sd))
        else:
            p = 1 / (n_sim + 1)
        excess = obs - exp
        material = excess >= max(_MIN_EXCESS, _MIN_EXCESS_SHARE * n)
        out.append(DuplicationTest(unit, n, obs, exp, sd, p, material, top))
    return tuple(out)


def _simulate(
    z: FloatArray,
    ok: NDArray[np.bool_],
    level: FloatArray,
    zmin: FloatArray,
    zmax: FloatArray,
    scale: FloatArray,
    u: int,
    by_id: Sequence[int],
    n_sim: int,
    rng: np.random.Generator,
) -> NDArray[np.int64]:
    """Repeats of ``n_sim`` borrowed-pattern copies of unit ``u``'s figures (see the caller)."""
    n_periods = z.shape[0]
    ratio_scale = _ratio_scaled(level, zmin)
    trend = _log_trends(z, ok)
    parts = []
    for i in range(z.shape[2]):
        mine = ok[:, u, i]
        if not mine.any():
            continue
        others = [v for v in by_id if v != u and ok[:, v, i].any()]
        full = [v for v in others if ok[mine, v, i].all()]
        donors = np.array(full or others, dtype=np.intp)
        if donors.size == 0:  # nobody else reports it: the unit's own figures are the null
            parts.append(np.broadcast_to(z[mine, u, i] / scale[i], (n_sim, int(mine.sum()))))
            continue
        v = donors[rng.integers(donors.size, size=n_sim)]
        zv = z[:, v, i][mine].T  # (n_sim, periods observed by u); NaN where a donor lacks one
        if n_periods > 1:
            if ratio_scale[i]:
                # Amounts spanning orders of magnitude: the donor's deviations from its own
                # log-linear trend, put on this unit's trend (its level and growth), after
                # undoing the donor's rounding (uniform within its reporting step). A small or
                # fast-growing donor's coarse repeats then do not set a large or slow unit's
                # expected ones.
                jitter = rng.uniform(-0.5, 0.5, zv.shape)
                zv = np.rint((zv + jitter) * (trend[mine, u, i][None, :] / trend[mine][:, v, i].T))
            else:
                zv = zv + np.rint(level[u, i] - level[v, i])[:, None]
            zv = np.clip(zv, zmin[i], zmax[i])
        parts.append(zv / scale[i])
    return repeats(np.concatenate(parts, axis=1))


#: Spread (sd of log10 unit levels) above which an indicator is treated as an amount whose
#: units differ by size (a factor of ~1.8 between typical units), not as a rate.
_RATIO_SPREAD = 0.25


def _ratio_scaled(level: FloatArray, zmin: FloatArray) -> NDArray[np.bool_]:
    """Per indicator: positive amounts whose unit levels spread over orders of magnitude.

    Their null series are rescaled (a county ten times larger reports figures ten times
    larger); rates and bounded scores are shifted instead (growth of 7 % is not "larger" in a
    larger county).
    """
    out = np.zeros(level.shape[1], dtype=bool)
    for i in range(level.shape[1]):
        lv = level[:, i]
        lv = lv[np.isfinite(lv) & (lv > 0)]
        out[i] = zmin[i] > 0 and lv.size >= 2 and float(np.std(np.log10(lv))) > _RATIO_SPREAD
    return out


def _log_trends(z: FloatArray, ok: NDArray[np.bool_]) -> FloatArray:
    """Each (unit, indicator) series' fitted log-linear trend exp(a + b·t), shape of ``z``.

    Least squares on the observed positive figures; a series with fewer than three such
    figures gets its geometric mean (no growth). NaN where nothing is observed.
    """
    n_t = z.shape[0]
    t = np.arange(n_t, dtype=np.float64)[:, None, None]
    use = ok & (np.nan_to_num(z) > 0)
    w = use.astype(np.float64)
    logz = np.where(use, np.log(np.where(use, z, 1.0)), 0.0)
    n = w.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        tm = (w * t).sum(axis=0) / n
        ym = logz.sum(axis=0) / n
        stt = (w * (t - tm) ** 2).sum(axis=0)
        b = np.where((n >= 3) & (stt > 0), (w * (t - tm) * (logz - ym)).sum(axis=0) / stt, 0.0)
        out = np.exp(ym + b * (t - tm))
    return np.where(n > 0, out, np.nan)


def _fmt(v: float) -> str:
    return f"{v:.15g}"


def duplication_findings(
    values: ArrayLike,
    decimals: Sequence[int],
    unit_ids: Sequence[str],
    period: str,
    *,
    indicator_id: str = "*",
    n_sim: int = 999,
    seed: int = 0,
) -> list[Finding]:
    """:func:`duplication_tests` as findings (check ``digits.duplication``), one per unit,
    sorted by unit id; tested or not, every unit gets one (BH needs every p-value)."""
    out = []
    tests = duplication_tests(values, decimals, unit_ids, n_sim=n_sim, seed=seed)
    for t in sorted(tests, key=lambda t: t.unit_id):
        evidence: dict[str, float] = {
            "n": float(t.n), "repeats": float(t.repeats), "expected_repeats": t.expected,
            "sd_repeats": t.sd,
        }  # fmt: skip
        for k, (val, cnt) in enumerate(t.top, start=1):
            evidence[f"top_{k}_value"] = val
            evidence[f"top_{k}_count"] = float(cnt)
        top_zh = "、".join(f"{_fmt(v)}（{c} 次）" for v, c in t.top) or "无"
        top_en = ", ".join(f"{_fmt(v)} ({c}×)" for v, c in t.top) or "none"
        if math.isnan(t.p_value):
            evidence["not_tested"] = 1.0
            zh = f"未检验数字重复：{t.reason_zh}。"
            en = f"Number duplication not tested: {t.reason_en}."
        else:
            zh = (f"该单位上报的 {t.n} 个数字中，有 {t.repeats} 个与它已报的另一个数字完全相同"
                  f"（按各指标的上报精度），同类数据预期约 {t.expected:.1f} 个"
                  f"（p={t.p_value:.3g}，q={{q}}）。重复最多的：{top_zh}。"
                  "大量完全相同的数字可能是照抄或编造的。")  # fmt: skip
            en = (f"Of the {t.n} figures this unit reported, {t.repeats} repeat another of its "
                  f"figures exactly (at each indicator's precision), against about "
                  f"{t.expected:.1f} expected for figures like these (p={t.p_value:.3g}, q={{q}}). "
                  f"Most repeated: {top_en}. Many identical figures can mean copied or invented "
                  "numbers.")  # fmt: skip
        out.append(Finding(t.unit_id, indicator_id, (period,), "digits.duplication",
                           float(t.repeats), t.p_value, math.nan, "info", evidence, zh, en,
                           t.material))  # fmt: skip
    return out
