"""Sobol indices: Ishigami against its analytic values, SALib side by side on the very same run
matrix, and the scheme-level analysis (a choice that changes nothing has zero indices)."""

from __future__ import annotations

import numpy as np
import pytest
from SALib.analyze import sobol as salib_analyze
from SALib.sample import sobol as salib_sample

from zhengji.bundle import Bundle
from zhengji.engine.assess import assess
from zhengji.engine.sensitivity import (
    remove_one,
    run_sensitivity,
    saltelli_sample,
    sobol_indices,
)
from zhengji.engine.uncertainty import rank_rows
from zhengji.scheme.model import MinMax, UncertaintySpec

PROBLEM = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}


def ishigami(X: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(X[:, 0]) + a * np.sin(X[:, 1]) ** 2 + b * X[:, 2] ** 4 * np.sin(X[:, 0])


def test_sobol_ishigami_homma1990() -> None:
    """Ishigami & Homma (1990); analytic indices for a = 7, b = 0.1 as tabulated in Saltelli et
    al. (2008) *Global Sensitivity Analysis: The Primer* and the SALib docs: S1 = 0.3139,
    0.4424, 0; ST = 0.5576, 0.4424, 0.2437. N = 2^14 base samples: the estimators' error is a
    few thousandths (checked against the bootstrap half-width)."""
    U = saltelli_sample(2**14, 3, seed=2)
    Y = ishigami(-np.pi + 2 * np.pi * U)
    ix = sobol_indices(Y, 3, bootstrap=200, seed=4)
    np.testing.assert_allclose(ix.S1, [0.3139, 0.4424, 0.0], atol=0.01)
    np.testing.assert_allclose(ix.ST, [0.5576, 0.4424, 0.2437], atol=0.01)
    assert (np.abs(ix.ST - [0.5576, 0.4424, 0.2437]) <= 2 * ix.ST_conf + 1e-3).all()
    assert (ix.S1_conf > 0).all() and (ix.S1_conf < 0.05).all()


def test_agrees_with_salib_on_the_same_samples() -> None:
    """SALib 1.6 ``sample.sobol`` matrix, evaluated once, analysed by both: equal to rounding,
    bootstrap intervals included (same seed → same resamples)."""
    X = salib_sample.sample(PROBLEM, 1024, calc_second_order=False, seed=3)
    Y = ishigami(X)
    ref = salib_analyze.analyze(
        PROBLEM, Y, calc_second_order=False, num_resamples=100, seed=5, print_to_console=False
    )
    mine = sobol_indices(Y, 3, bootstrap=100, seed=5)
    np.testing.assert_allclose(mine.S1, ref["S1"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(mine.ST, ref["ST"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(mine.S1_conf, ref["S1_conf"], rtol=1e-9)
    np.testing.assert_allclose(mine.ST_conf, ref["ST_conf"], rtol=1e-9)


def test_salib_reads_our_run_matrix_the_same_way() -> None:
    U = saltelli_sample(512, 3, seed=8)
    Y = ishigami(-np.pi + 2 * np.pi * U)
    ref = salib_analyze.analyze(PROBLEM, Y, calc_second_order=False, print_to_console=False)
    mine = sobol_indices(Y, 3, bootstrap=0)
    np.testing.assert_allclose(mine.S1, ref["S1"], atol=1e-12)
    np.testing.assert_allclose(mine.ST, ref["ST"], atol=1e-12)


def test_many_outputs_at_once_equal_one_at_a_time() -> None:
    U = saltelli_sample(256, 3, seed=1)
    X = -np.pi + 2 * np.pi * U
    Y = np.column_stack([ishigami(X), ishigami(X, a=2.0), ishigami(X, b=0.5)])
    both = sobol_indices(Y, 3, bootstrap=0)
    for j in range(3):
        one = sobol_indices(Y[:, j], 3, bootstrap=0)
        np.testing.assert_allclose(both.S1[:, j], one.S1, atol=1e-14)
        np.testing.assert_allclose(both.ST[:, j], one.ST, atol=1e-14)


def test_scheme_sensitivity_and_an_inert_choice(demo: Bundle) -> None:
    """A choice that changes nothing gets zero indices (COINr's own sensitivity test uses two
    identical normalisation alternatives the same way), while the weights do something."""
    nominal = assess(demo.scheme, demo.panel)
    scheme = demo.scheme.model_copy(
        update={
            "indicators": [
                i.model_copy(update={"normalisation": None}) for i in demo.scheme.indicators
            ],
            "treatment": demo.scheme.treatment.model_copy(update={"normalisation": MinMax()}),
        }
    )
    spec = UncertaintySpec(samples=64, bootstrap=50, normalisation=[MinMax()])
    res = run_sensitivity(scheme, demo.panel, spec)
    names = [f.name for f in res.factors]
    assert names == ["weights", "normalisation"]
    assert res.runs == 64 * 4
    k = names.index("normalisation")
    assert res.rank_shift.S1[k] == 0.0
    assert res.rank_shift.ST[k] == 0.0
    assert res.rank_shift.ST[names.index("weights")] > 0.5
    assert res.unit_scores.ST.shape == (2, len(nominal.unit_ids))
    assert np.nanmax(np.abs(res.unit_scores.ST[k])) == 0.0


def test_remove_one_pillar_equals_rebuilding_with_weight_zero(demo: Bundle) -> None:
    nominal = assess(demo.scheme, demo.panel)
    out = {r.pillar_id: r for r in remove_one(demo.scheme, demo.panel)}
    assert set(out) == {p.id for p in demo.scheme.pillars}  # sub-pillars too (eco_value, …)
    assert out["grassroots"].parent_id == "foundations"
    pid = "livelihood"
    pillars = [
        p.model_copy(update={"weight": 0.0}) if p.id == pid else p for p in demo.scheme.pillars
    ]
    cats = [
        c.model_copy(update={"weights": {**c.weights, pid: 0.0}} if pid in c.weights else {})
        for c in demo.scheme.categories
    ]
    rebuilt = assess(
        demo.scheme.model_copy(update={"pillars": pillars, "categories": cats}), demo.panel
    )
    both = (nominal.rank > 0) & (rebuilt.rank > 0)
    expected = np.abs(rebuilt.rank - nominal.rank)[both]
    assert out[pid].mean_abs_rank_change == pytest.approx(expected.mean())
    assert out[pid].max_abs_rank_change == expected.max()
    assert (rank_rows(rebuilt.score)[0] == rebuilt.rank).all()
