"""Diagnostics: Cronbach's alpha against a published example, main effects (correlation ratio)
on known functions, equal-influence weights, redundancy flags and gaming signs."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from zhengji.bundle import Bundle
from zhengji.engine.diagnostics import (
    correlation_matrix,
    cronbach_alpha,
    diagnose,
    equal_influence,
    main_effect,
    pca,
)

# Flanagan, M. T., "Cronbach Example Data Two" analysis output (program Cronbach, 2010),
# http://www.ee.ucl.ac.uk/~mflanaga/java/CronbachDataTwoAnalysis.txt: the correlation matrix of
# its 7 items (raw data, 23 persons) and "Cronbach's coefficient alpha, Standardized data
# 0.720197".
FLANAGAN_R = np.array(
    [
        [1.0, 0.488511, 0.034654, 0.265369, 0.233631, 0.407826, 0.727304],
        [0.488511, 1.0, 0.353753, 0.335013, 0.126665, 0.340935, 0.469801],
        [0.034654, 0.353753, 1.0, 0.051373, -0.023473, -0.036648, 0.128127],
        [0.265369, 0.335013, 0.051373, 1.0, 0.341638, 0.287994, 0.240071],
        [0.233631, 0.126665, -0.023473, 0.341638, 1.0, 0.101077, 0.227553],
        [0.407826, 0.340935, -0.036648, 0.287994, 0.101077, 1.0, 0.544652],
        [0.727304, 0.469801, 0.128127, 0.240071, 0.227553, 0.544652, 1.0],
    ]
)


def test_cronbach_alpha_standardised_flanagan2010() -> None:
    assert cronbach_alpha(cov=FLANAGAN_R) == pytest.approx(0.720197, abs=2e-6)


def test_cronbach_alpha_from_data_is_the_covariance_formula() -> None:
    """Raw alpha = k/(k−1)·(1 − Σσ²ᵢ/σ²_total) with sample variances (Cronbach 1951)."""
    rng = np.random.default_rng(1)
    f = rng.normal(size=200)
    X = np.column_stack([f + rng.normal(scale=s, size=200) for s in (0.5, 1.0, 1.5, 2.0)])
    k = X.shape[1]
    expected = k / (k - 1) * (1 - X.var(axis=0, ddof=1).sum() / X.sum(axis=1).var(ddof=1))
    assert cronbach_alpha(X) == pytest.approx(expected, rel=1e-12)
    X[3, 2] = np.nan  # incomplete rows are left out
    assert cronbach_alpha(X) == pytest.approx(cronbach_alpha(np.delete(X, 3, axis=0)))


def test_main_effect_of_known_functions() -> None:
    """y = x1 + x2 (independent, equal variance): S = 0.5 each; y = x² on [−1, 1]: Pearson r²
    is ~0 but the correlation ratio is ~1 — why a smoother, not a correlation, is used."""
    rng = np.random.default_rng(2)
    x1, x2 = rng.uniform(size=4000), rng.uniform(size=4000)
    assert main_effect(x1, x1 + x2) == pytest.approx(0.5, abs=0.03)
    x = rng.uniform(-1, 1, size=4000)
    y = x**2
    assert np.corrcoef(x, y)[0, 1] ** 2 < 0.01
    assert main_effect(x, y) > 0.98
    assert main_effect(x, rng.normal(size=4000)) < 0.01


def test_equal_influence_weights() -> None:
    """Two independent indicators with equal spread: equal influence needs equal weights."""
    rng = np.random.default_rng(3)
    V = rng.uniform(0, 100, size=(3000, 2))
    w = equal_influence(V, np.array([0.8, 0.2]))
    assert w == pytest.approx([0.5, 0.5], abs=0.02)
    y = V @ w
    s = [main_effect(V[:, j], y) for j in range(2)]
    assert s[0] == pytest.approx(s[1], abs=0.02)


def test_pca_and_correlations() -> None:
    X = FLANAGAN_R[:3] @ np.random.default_rng(4).normal(size=(7, 60))
    vals, load = pca(X.T)
    assert vals.sum() == pytest.approx(3.0)
    assert (np.diff(vals) <= 1e-12).all()
    assert np.linalg.norm(load) == pytest.approx(1.0)
    C = correlation_matrix(X.T)
    np.testing.assert_allclose(C, np.corrcoef(X), atol=1e-12)


def test_diagnose_demo(demo: Bundle) -> None:
    d = diagnose(demo.scheme, demo.panel)
    pillars = [e for e in d.effective if e.level == "pillar"]
    assert {e.id for e in pillars} == set(d.pillar_ids)
    assert sum(e.share for e in pillars) == pytest.approx(1.0)
    assert sum(e.suggested or 0 for e in pillars) == pytest.approx(1.0)
    for p in d.pillars:
        assert p.correlations.shape == (len(p.indicators),) * 2
    for f in d.flags:
        assert (f.kind == "high" and f.r > 0.9) or (f.kind == "negative" and f.r < -0.4)
    # the demo plants bunching at the GDP growth target (docs/demo.md): found via integrity
    assert any(g.kind == "target_bunching" and g.indicator == "gdp_growth" for g in d.gaming)


def test_score_rose_without_proxies(demo: Bundle) -> None:
    """Raise one county's reported GDP growth while its proxies stay flat: flagged."""
    p = demo.panel
    v = np.array(p.values)
    t = len(p.periods) - 1
    u = 0
    g = p.variable_index("gdp_growth")
    v[t, :, g] = v[t - 1, :, g]  # nobody's GDP growth moves …
    v[t, u, g] = v[t - 1, u, g] + 4.0  # … except this county's
    for proxy in ("electricity_growth", "freight_growth", "loan_growth", "tax_growth"):
        j = p.variable_index(proxy)
        v[t, :, j] = v[t - 1, :, j] + 1.0  # everyone's proxies rise a little …
        v[t, u, j] = v[t - 1, u, j] - 1.0  # … this county's fall
    d = diagnose(demo.scheme, replace(p, values=v))
    signs = [s for s in d.gaming if s.kind == "rose_without_proxies"]
    assert [s.unit_id for s in signs] == [p.unit_ids[u]]
    assert p.unit_names[u] in signs[0].summary_zh
