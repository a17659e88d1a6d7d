"""Proxy cross-checks: is reported growth higher than what electricity, freight, loans… explain?

The Li Keqiang-index idea (Wallace 2016, "Juking the stats?"; Chen, Chen, Hsieh & Song 2019,
"A forensic examination of China's national accounts", BPEA). Reported growth ``y[u, t]`` is
regressed on proxy growth with estimated weights, robustly (Huber IRLS), in two models:

* **cross-section** – period effects only: a unit that inflates every year stands out from
  the other units (unit effects would absorb exactly that constant inflation);
* **own history** – unit and period effects: a unit whose residual rises for a run of years
  stands out against its own earlier (or later) years.

Per unit, the persistent-inflation test takes the smaller of the two one-sided p-values with a
Bonferroni factor 2. Per cell, studentised residuals of the two-way model are tested
two-sided. Target / leadership-turnover flags enter the two-way model as a regressor whose
coefficient is tested one-sided. Formulas: ``docs/integrity_checks.md``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from zhengji.errors import DataError
from zhengji.integrity.findings import Finding

__all__ = ["HUBER_C", "RobustFit", "huber_fe_fit", "proxy_checks"]

HUBER_C = 1.345  # 95 % efficiency at the normal (Huber 1981)
_NAN = float("nan")
_N_NULL_SIM = 20_000


@dataclass(frozen=True)
class RobustFit:
    """A Huber fit of ``y`` on ``X`` plus fixed effects (weights estimated, not assumed)."""

    beta: NDArray[np.float64]
    se: NDArray[np.float64]
    resid: NDArray[np.float64]
    scale: float
    leverage: NDArray[np.float64]
    dof: int


def _demean(
    v: NDArray[np.float64], w: NDArray[np.float64], groups: Sequence[NDArray[np.intp]]
) -> NDArray[np.float64]:
    """Weighted alternating projections: ``v`` minus its fixed-effect fit (FWL theorem)."""
    out = v.copy()
    for _ in range(1 if len(groups) == 1 else 500):
        before = out.copy()
        for g in groups:
            n = int(g.max()) + 1
            for j in range(out.shape[1]):
                sw = np.bincount(g, w, n)
                m = np.bincount(g, w * out[:, j], n) / np.where(sw > 0, sw, 1.0)
                out[:, j] -= m[g]
        if len(groups) == 1 or np.max(np.abs(out - before)) < 1e-10:
            break
    return out


def huber_fe_fit(
    y: NDArray[np.float64],
    X: NDArray[np.float64],
    groups: Sequence[NDArray[np.intp]],
    c: float = HUBER_C,
    max_iter: int = 100,
) -> RobustFit:
    """Huber M-estimate of ``y = FE + X·beta + e`` by IRLS, scale from the MAD of residuals.

    Fixed effects are swept out by weighted alternating projections, so memory stays linear in
    the number of rows. ``groups`` are integer codes (e.g. unit, period) per row.
    """
    n, k = X.shape
    n_fe = sum(int(np.unique(g).size) for g in groups) - (len(groups) - 1)
    dof = n - n_fe - k
    if dof < 2:
        raise DataError("数据太少，无法拟合 too few observations for the proxy model")
    w: NDArray[np.float64] = np.ones(n)
    beta: NDArray[np.float64] = np.zeros(k)
    resid: NDArray[np.float64] = np.zeros(n)
    scale = 1.0
    for _ in range(max_iter):
        Z = _demean(np.column_stack([y, X]), w, groups)
        yt, Xt = Z[:, 0], Z[:, 1:]
        sw = np.sqrt(w)
        new_beta = np.asarray(np.linalg.lstsq(Xt * sw[:, None], yt * sw, rcond=None)[0], float)
        resid = yt - Xt @ new_beta
        mad = float(np.median(np.abs(resid - np.median(resid))))
        scale = max(mad / 0.6745 * math.sqrt(n / dof), 1e-12)
        u = np.abs(resid) / scale
        w = np.asarray(np.minimum(1.0, c / np.maximum(u, 1e-12)), dtype=np.float64)
        done = bool(np.max(np.abs(new_beta - beta)) < 1e-8 * (1 + np.max(np.abs(beta))))
        beta = new_beta
        if done:
            break
    xtx_inv = np.linalg.pinv(Xt.T @ Xt)
    # leverage: proxy part plus the fixed-effect part (1/size of the group, per factor)
    h = np.einsum("ij,jk,ik->i", Xt, xtx_inv, Xt)
    for g in groups:
        h = h + 1.0 / np.bincount(g)[g]
    if len(groups) == 2:
        h = h - 1.0 / n
    h = np.clip(h, 0.0, 0.99)
    # Huber's asymptotic covariance: kappa * scale^2 * (X'X)^-1, kappa = E[psi^2] / E[psi']^2
    u = resid / scale
    kappa = float(np.mean(np.clip(u, -c, c) ** 2)) / max(float(np.mean(np.abs(u) <= c)), 1e-6) ** 2
    se = np.sqrt(np.maximum(np.diag(xtx_inv), 0.0) * scale**2 * kappa)
    return RobustFit(beta, se, resid, scale, h, dof)


@lru_cache(maxsize=64)
def _scan_null(n: int, min_len: int, min_rest: int) -> NDArray[np.float64]:
    """Sorted simulated null maxima of the window-contrast statistic for ``n`` iid N(0,1)."""
    rng = np.random.default_rng(20240611 + 1000 * n + min_len)
    sims = rng.standard_normal((_N_NULL_SIM, n))
    return np.sort(_scan_stats(sims, min_len, min_rest)[0])


def _scan_stats(
    r: NDArray[np.float64], min_len: int, min_rest: int
) -> tuple[NDArray[np.float64], NDArray[np.intp], NDArray[np.intp]]:
    """Max over windows ``[a, b)`` of (mean inside − mean outside)/sqrt(1/|W| + 1/|rest|)."""
    n = r.shape[1]
    cs = np.concatenate([np.zeros((r.shape[0], 1)), np.cumsum(r, axis=1)], axis=1)
    total = cs[:, -1]
    best = np.full(r.shape[0], -np.inf)
    best_a = np.zeros(r.shape[0], dtype=np.intp)
    best_b = np.zeros(r.shape[0], dtype=np.intp)
    for a in range(n):
        for b in range(a + min_len, n + 1):
            m = b - a
            if n - m < min_rest:
                continue
            inside = cs[:, b] - cs[:, a]
            t = (inside / m - (total - inside) / (n - m)) / math.sqrt(1 / m + 1 / (n - m))
            better = t > best
            best = np.where(better, t, best)
            best_a = np.where(better, a, best_a)
            best_b = np.where(better, b, best_b)
    return best, best_a, best_b


def _n_windows(n: int, min_len: int, min_rest: int) -> int:
    return sum(1 for a in range(n) for b in range(a + min_len, n + 1) if n - (b - a) >= min_rest)


def _severity(p: float, size: float, big: float) -> str:
    if not p < 0.05:
        return "info"
    if p < 0.001 and size >= big:
        return "high"
    return "medium" if p < 0.01 else "low"


def _not_tested(
    unit: str, indicator: str, periods: Sequence[str], check: str, zh: str, en: str
) -> Finding:
    return Finding(
        unit,
        indicator,
        tuple(periods),
        check,
        _NAN,
        _NAN,
        _NAN,
        "info",
        {"not_tested": 1.0},
        f"未检验：{zh}",
        f"Not tested: {en}",
    )


def proxy_checks(
    reported: NDArray[np.float64],
    proxies: Mapping[str, NDArray[np.float64]],
    unit_ids: Sequence[str],
    periods: Sequence[str],
    indicator_id: str,
    flags: Mapping[str, NDArray[np.bool_]] | None = None,
    min_run: int = 3,
    min_units: int = 10,
    cell_findings: bool = True,
) -> list[Finding]:
    """All proxy cross-check findings for one key indicator.

    ``reported`` and each proxy are growth rates in percent, shape ``(units, periods)``, NaN
    where missing; ``flags`` maps a name (e.g. ``"target_year"``, ``"turnover"``) to a boolean
    array of the same shape. Returns one unit-level ``proxy_persistent`` finding per unit, one
    ``proxy_residual`` per observed cell (if ``cell_findings``), one ``proxy_flag:<name>`` per
    flag, or ``info`` findings saying what could not be tested and why.
    """
    y = np.asarray(reported, dtype=float)
    n_u, n_t = len(unit_ids), len(periods)
    if y.shape != (n_u, n_t):
        raise DataError(
            f"上报增速的形状应为 reported growth must have shape {(n_u, n_t)}, got {y.shape}"
        )
    everyone, every_period = "*", tuple(periods)
    if not proxies:
        return [
            _not_tested(
                everyone,
                indicator_id,
                every_period,
                "proxy_persistent",
                "没有声明代理指标（如用电量、货运量）",
                "no proxy indicators declared",
            )
        ]
    names = sorted(proxies)
    P = np.stack([np.asarray(proxies[k], dtype=float) for k in names], axis=-1)
    if P.shape[:2] != (n_u, n_t):
        raise DataError(f"代理指标的形状应为 proxies must have shape {(n_u, n_t)}")
    ok = np.isfinite(y) & np.all(np.isfinite(P), axis=-1)
    units_ok = np.flatnonzero(ok.sum(axis=1) >= 2)
    if units_ok.size < min_units:
        return [
            _not_tested(
                everyone,
                indicator_id,
                every_period,
                "proxy_persistent",
                f"同时有上报值和代理指标的单位只有{units_ok.size}个，少于{min_units}个",
                f"only {units_ok.size} units have reported and proxy growth (need {min_units})",
            )
        ]
    ok[np.setdiff1d(np.arange(n_u), units_ok)] = False
    ui, ti = np.nonzero(ok)
    yv, Xv = y[ok], P[ok]
    _, t_codes = np.unique(ti, return_inverse=True)
    _, u_codes = np.unique(ui, return_inverse=True)
    cross = huber_fe_fit(yv, Xv, [t_codes])
    within = huber_fe_fit(yv, Xv, [u_codes, t_codes])
    out: list[Finding] = []
    out += _unit_findings(cross, within, ui, ti, unit_ids, periods, indicator_id, names, min_run)
    if cell_findings:
        out += _cell_findings(within, ui, ti, yv, unit_ids, periods, indicator_id)
    for flag_name, flag in sorted((flags or {}).items()):
        out.append(
            _flag_finding(
                flag_name,
                np.asarray(flag, dtype=bool),
                ok,
                yv,
                Xv,
                u_codes,
                t_codes,
                every_period,
                indicator_id,
            )
        )
    return out


def _unit_findings(
    cross: RobustFit,
    within: RobustFit,
    ui: NDArray[np.intp],
    ti: NDArray[np.intp],
    unit_ids: Sequence[str],
    periods: Sequence[str],
    indicator_id: str,
    proxy_names: Sequence[str],
    min_run: int,
) -> list[Finding]:
    present = np.unique(ui)
    means = np.array([float(np.mean(cross.resid[ui == u])) for u in present])
    centre = float(np.median(means))
    spread = max(float(np.median(np.abs(means - centre))) / 0.6745, 1e-12)
    proxies_zh = "、".join(proxy_names)
    # the MAD has ~37 % efficiency at the normal: a t with 0.37·N df carries its noise
    df_cross = max(1.0, 0.37 * present.size - 1)
    out: list[Finding] = []
    for u, mean_u in zip(present, means, strict=True):
        rows = np.flatnonzero(ui == u)
        rows = rows[np.argsort(ti[rows])]
        n = rows.size
        z_cross = (mean_u - centre) / spread
        p_cross = float(stats.t.sf(z_cross, df_cross))
        est_cross = mean_u - centre
        half_cross = 1.96 * cross.scale / math.sqrt(n)
        z_hist, p_hist, a, b = _NAN, _NAN, 0, n
        if n >= min_run + 2:
            r = within.resid[rows][None, :] / within.scale
            scan, aa, bb = _scan_stats(r, min_run, 2)
            z_hist, a, b = float(scan[0]), int(aa[0]), int(bb[0])
            null = _scan_null(n, min_run, 2)
            exceed = null.size - int(np.searchsorted(null, z_hist, side="left"))
            # beyond the simulated range, Bonferroni over the windows bounds the tail
            p_hist = min(
                (1 + exceed) / (1 + null.size),
                _n_windows(n, min_run, 2) * float(stats.norm.sf(z_hist)),
            )
        m = b - a
        if math.isfinite(p_hist) and p_hist <= p_cross:
            res = within.resid[rows]
            est = float(np.mean(res[a:b]) - np.mean(np.r_[res[:a], res[b:]]))
            half = 1.96 * within.scale * math.sqrt(1 / m + 1 / (n - m))
            win = tuple(periods[t] for t in ti[rows][a:b])
            view_zh, view_en = "与本地区其他年份相比", "against its own other years"
            stat = z_hist
        else:
            est, half, win = est_cross, half_cross, tuple(periods[t] for t in ti[rows])
            view_zh, view_en = "与同期其他地区相比", "against other units in the same years"
            stat = z_cross
        p = min(1.0, 2 * min(p_cross, p_hist)) if math.isfinite(p_hist) else p_cross
        sev = _severity(p, est, 2.0)
        lo, hi = est - half, est + half
        zh = (
            f"该单位上报的{indicator_id}增速在{win[0]}–{win[-1]}年共{len(win)}年"
            f"{'高于' if est > 0 else '低于'}{proxies_zh}等指标所能解释的水平"
            f"（{view_zh}），平均{'高出' if est > 0 else '低出'}约{abs(est):.1f}个百分点"
            f"（95%区间{lo:.1f}–{hi:.1f}），p={p:.2g}。"
        )
        en = (
            f"Reported {indicator_id} growth in {win[0]}–{win[-1]} ({len(win)} years) is "
            f"{'above' if est > 0 else 'below'} what {', '.join(proxy_names)} explain "
            f"({view_en}) by about {est:.1f} percentage points a year "
            f"(95% interval {lo:.1f} to {hi:.1f}), p={p:.2g}."
        )
        out.append(
            Finding(
                unit_ids[int(u)],
                indicator_id,
                win,
                "proxy_persistent",
                float(stat),
                p,
                _NAN,
                sev,
                {
                    "implied_inflation_pp": est,
                    "ci_low": lo,
                    "ci_high": hi,
                    "years": float(len(win)),
                    "z_cross_section": float(z_cross),
                    "p_cross_section": p_cross,
                    "z_own_history": z_hist,
                    "p_own_history": p_hist,
                },
                zh,
                en,
                material=est > 0,
            )
        )
    if not out or min_run + 2 > max(int(np.sum(ui == u)) for u in present):
        out.append(
            _not_tested(
                "*",
                indicator_id,
                tuple(periods),
                "proxy_persistent",
                f"年份少于{min_run + 2}年，只做了与其他地区的比较",
                f"fewer than {min_run + 2} periods: only the cross-section comparison was made",
            )
        )
    return out


def _cell_findings(
    fit: RobustFit,
    ui: NDArray[np.intp],
    ti: NDArray[np.intp],
    yv: NDArray[np.float64],
    unit_ids: Sequence[str],
    periods: Sequence[str],
    indicator_id: str,
) -> list[Finding]:
    student = fit.resid / (fit.scale * np.sqrt(1.0 - fit.leverage))
    pvals = 2 * stats.t.sf(np.abs(student), fit.dof)
    out: list[Finding] = []
    for i in range(student.size):
        z, p = float(student[i]), float(pvals[i])
        sev = _severity(p, abs(z), 4.0)
        side_zh, side_en = ("高于", "above") if z > 0 else ("低于", "below")
        out.append(
            Finding(
                unit_ids[int(ui[i])],
                indicator_id,
                (periods[int(ti[i])],),
                "proxy_residual",
                z,
                p,
                _NAN,
                sev,
                {
                    "reported": float(yv[i]),
                    "residual_pp": float(fit.resid[i]),
                    "expected_pp": float(yv[i] - fit.resid[i]),
                },
                f"该年上报增速{side_zh}代理指标和本地区常态所预期的水平约{abs(fit.resid[i]):.1f}个百分点"
                f"（标准化残差{z:.1f}），p={p:.2g}。",
                f"Reported growth this year is {abs(fit.resid[i]):.1f} points {side_en} what the "
                f"proxies and the unit's usual level predict (studentised residual {z:.1f}), "
                f"p={p:.2g}.",
                # Inflation shows as excess; a year below what the proxies explain is listed
                # (it counts in the run's BH correction) but not flagged: with unit effects, an
                # inflating unit's honest years look low.
                z > 0,
            )
        )
    return out


def _flag_finding(
    name: str,
    flag: NDArray[np.bool_],
    ok: NDArray[np.bool_],
    yv: NDArray[np.float64],
    Xv: NDArray[np.float64],
    u_codes: NDArray[np.intp],
    t_codes: NDArray[np.intp],
    periods: tuple[str, ...],
    indicator_id: str,
) -> Finding:
    check = f"proxy_flag:{name}"
    if flag.shape != ok.shape:
        raise DataError(f"标记{name}的形状应为 flag {name!r} must have shape {ok.shape}")
    f = flag[ok].astype(float)
    # A flag that varies across units (turnover) is tested in the two-way model; one that
    # marks the same years for everyone (plan-target years) is absorbed by period effects, so
    # it is tested with unit effects only and the proxies carrying the common cycle.
    groups = [u_codes, t_codes]
    ft = _demean(f[:, None], np.ones(f.size), groups)[:, 0]
    if float(np.sum(ft**2)) < 1e-8:
        groups = [u_codes]
        ft = _demean(f[:, None], np.ones(f.size), groups)[:, 0]
    if f.sum() < 2 or (1 - f).sum() < 2 or float(np.sum(ft**2)) < 1e-8:
        return _not_tested(
            "*",
            indicator_id,
            periods,
            check,
            f"“{name}”年份太少，或在所有年份都出现，无法比较",
            f"'{name}' flags are too few, or mark every year, so there is nothing to compare",
        )
    fit = huber_fe_fit(yv, np.column_stack([Xv, f]), groups)
    d, se = float(fit.beta[-1]), float(fit.se[-1])
    t = d / se if se > 0 else _NAN
    p = float(stats.t.sf(t, fit.dof)) if math.isfinite(t) else _NAN
    lo, hi = d - 1.96 * se, d + 1.96 * se
    return Finding(
        "*",
        indicator_id,
        periods,
        check,
        t,
        p,
        _NAN,
        _severity(p, d, 1.0),
        {
            "difference_pp": d,
            "se": se,
            "ci_low": lo,
            "ci_high": hi,
            "flagged_cells": float(f.sum()),
            "period_effects": float(len(groups) == 2),
        },
        f"在“{name}”年份，各地区上报增速比代理指标所预期的平均多出{d:.1f}个百分点"
        f"（95%区间{lo:.1f}–{hi:.1f}），p={p:.2g}。",
        f"In '{name}' years reported growth exceeds what the proxies predict by {d:.1f} "
        f"points more than in other years (95% interval {lo:.1f} to {hi:.1f}), p={p:.2g}.",
    )
