"""Too smooth: a growth series far calmer than its category peers or its own past."""

from __future__ import annotations

import numpy as np
import pytest

from zhengji.integrity.smoothness import too_smooth

PERIODS = [str(2012 + t) for t in range(10)]


def _panel(seed: int = 1, n: int = 30) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.round(7 + rng.normal(0, 1.5, (n, 10)), 1)


def test_flat_series_is_flagged_against_peers() -> None:
    g = _panel()
    g[4] = [8.0, 8.1, 8.0, 8.0, 8.1, 8.0, 8.1, 8.0, 8.0, 8.1]
    units = [f"u{i}" for i in range(30)]
    found = {f.unit_id: f for f in too_smooth(g, units, ["A"] * 30, PERIODS, "GDP")}
    f = found["u4"]
    assert f.p_value < 1e-4 and f.severity == "high"
    assert f.evidence["sd_pp"] < 0.1 and f.evidence["peer_median_sd_pp"] > 1.0
    assert "过于平滑" in f.summary_zh
    honest = [x.p_value for u, x in found.items() if u != "u4"]
    assert min(honest) > 0.001


def test_smoothing_in_recent_years_flagged_against_own_history() -> None:
    g = _panel(n=3)
    g[0, 6:] = [7.0, 7.1, 7.0, 7.1]
    (f, *_) = too_smooth(g, ["a", "b", "c"], ["A"] * 3, PERIODS, "GDP")
    assert np.isnan(f.evidence["p_peer"])  # 2 peers < 5: only the own-history view
    assert f.evidence["p_own_history"] < 0.01 and f.p_value == f.evidence["p_own_history"]


def test_peers_only_within_category() -> None:
    """A calm category is not judged against a volatile one."""
    rng = np.random.default_rng(3)
    calm = 7 + rng.normal(0, 0.3, (10, 10))
    wild = 7 + rng.normal(0, 3.0, (10, 10))
    g = np.vstack([calm, wild])
    found = too_smooth(
        g, [f"u{i}" for i in range(20)], ["calm"] * 10 + ["wild"] * 10, PERIODS, "GDP"
    )
    assert min(f.p_value for f in found[:10]) > 0.001


def test_too_short_series_is_not_tested() -> None:
    g = _panel()[:, :4]
    found = too_smooth(g, [f"u{i}" for i in range(30)], ["A"] * 30, PERIODS[:4], "GDP")
    assert all(f.severity == "info" and np.isnan(f.p_value) for f in found)
    assert "need 5" in found[0].summary_en


def test_permuting_units_permutes_findings() -> None:
    g = _panel()
    units = [f"u{i}" for i in range(30)]
    perm = np.random.default_rng(0).permutation(30)
    a = {f.unit_id: f.p_value for f in too_smooth(g, units, ["A"] * 30, PERIODS, "GDP")}
    b = {
        f.unit_id: f.p_value
        for f in too_smooth(g[perm], [units[i] for i in perm], ["A"] * 30, PERIODS, "GDP")
    }
    assert a == pytest.approx(b)


def test_honest_peer_p_values_are_roughly_uniform() -> None:
    """Homogeneous honest units (shared period shocks, 9-df variances): about 5 % of the
    p-values fall below 0.05. The old normal tail on log variances gave about 10 %."""
    rng = np.random.default_rng(11)
    units = [f"u{i}" for i in range(20)]
    p_peer, p_all = [], []
    for _ in range(150):
        g = np.round(
            7
            + rng.normal(0, 1.5, 10)[None, :]
            + rng.normal(0, 1.5, (20, 1))
            + rng.normal(0, 1.5, (20, 10)),
            1,
        )
        found = too_smooth(g, units, ["A"] * 20, PERIODS, "GDP")
        p_peer += [f.evidence["p_peer"] for f in found]
        p_all += [f.p_value for f in found]
    assert 0.02 <= np.mean(np.array(p_peer) < 0.05) <= 0.08
    assert 0.02 <= np.mean(np.array(p_all) < 0.05) <= 0.08
    assert np.mean(np.array(p_peer) < 0.5) == pytest.approx(0.5, abs=0.1)


def test_genuinely_different_volatility_widens_the_reference() -> None:
    """Peers whose true sd differs (lognormal, sdlog 0.7) give τ > 0 and few honest flags."""
    rng = np.random.default_rng(5)
    sd = 1.5 * np.exp(rng.normal(0, 0.7, 20))
    g = 7 + sd[:, None] * rng.normal(0, 1, (20, 10))
    found = too_smooth(g, [f"u{i}" for i in range(20)], ["A"] * 20, PERIODS, "GDP")
    assert all(f.evidence["tau_peer"] > 0.3 for f in found)
    assert min(f.p_value for f in found) > 0.001
