"""Weighting methods against the entropy, CRITIC and AHP cases of the MCDA reference file.

``tests/data/mcda_reference_cases.json`` holds matrices and expected outputs from the test
suites of pymcdm, scikit-criteria, pyrepo-mcda and AHPy (see tests/data/README.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.stats import rankdata

from zhengji.engine.weights import (
    METHODS,
    RANDOM_INDEX,
    AHPResult,
    ahp_matrix,
    ahp_weights,
    critic,
    entropy,
    equal,
    fixed,
)
from zhengji.errors import MethodError
from zhengji.testing import assert_printed, load_json

REF: dict[str, Any] = load_json(Path(__file__).parents[1] / "data" / "mcda_reference_cases.json")


def _case(section: str, prefix: str) -> dict[str, Any]:
    found = [c for c in REF[section] if c["id"].startswith(prefix)]
    assert len(found) == 1, prefix
    case: dict[str, Any] = found[0]
    return case


def _minmax(X: Any) -> np.ndarray:
    A = np.asarray(X, dtype=float)
    out: np.ndarray = (A - A.min(axis=0)) / (A.max(axis=0) - A.min(axis=0))
    return out


# --- equal / fixed -------------------------------------------------------------------------------
def test_equal_and_fixed() -> None:
    np.testing.assert_allclose(equal(4), [0.25] * 4)
    np.testing.assert_allclose(fixed([2, 1, 1]), [0.5, 0.25, 0.25])
    with pytest.raises(MethodError, match="all weights are zero"):
        fixed([0, 0])
    with pytest.raises(MethodError, match="≥ 0"):
        fixed([1, -1])
    with pytest.raises(MethodError):
        equal(0)


def test_registry() -> None:
    assert set(METHODS) == {"equal", "fixed", "entropy", "critic"}
    assert METHODS["entropy"] is entropy


# --- entropy ---------------------------------------------------------------------------------------
def test_entropy_elsayed2017_pymcdm() -> None:
    """Elsayed 2017 via pymcdm test/test_weights.py::TestEntropyWeights (6 decimals)."""
    case = _case("entropy", "Elsayed2017")
    assert_printed(entropy(case["matrix"]), case["expected"], case["round"])


def test_entropy_xu2004_pyrepo() -> None:
    """Xu 2004, EJOR 156(2), via pyrepo-mcda tests/test_weighting_methods.py (4 decimals)."""
    case = _case("entropy", "Xu2004")
    assert_printed(entropy(case["matrix"]), case["expected"], case["round"])


def test_entropy_scikit_criteria_simple_matrix() -> None:
    """scikit-criteria test_weighters.py::test_EntropyWeighter_simple_matrix (6 decimals)."""
    case = _case("entropy", "scikit-criteria")
    assert_printed(entropy(case["matrix"]), case["expected"], case["round"])


def test_entropy_zero_uses_0log0_equals_0() -> None:
    """Constructed zero-handling case: with 0·ln0 = 0 (not pymcdm's 'any zero → e = 0')."""
    case = _case("entropy", "zero-handling")
    w = entropy(case["matrix"])
    assert_printed(w, case["expected_if_0log0_is_0"], 4)
    assert not np.allclose(w, case["expected_pymcdm_rule_any_zero_sets_entropy_0"], atol=1e-3)


def test_entropy_constant_column_gets_zero() -> None:
    w = entropy([[1, 5, 2], [3, 5, 9], [8, 5, 4]])
    assert w[1] == 0.0
    np.testing.assert_allclose(w[[0, 2]], entropy([[1, 2], [3, 9], [8, 4]]))


def test_entropy_all_constant_is_equal() -> None:
    np.testing.assert_allclose(entropy([[2, 0], [2, 0]]), [0.5, 0.5])


def test_entropy_negative_is_error() -> None:
    with pytest.raises(MethodError, match="non-negative"):
        entropy([[1, -1], [2, 3]])


def test_entropy_nan_row_is_dropped() -> None:
    """A row missing everywhere is the same as that row absent (n counts values present)."""
    X = np.array([[1.0, 4, 2], [3, 1, 7], [5, 9, 3], [2, 2, 2]])
    with_gap = np.vstack([X, [np.nan, np.nan, np.nan]])
    np.testing.assert_allclose(entropy(with_gap), entropy(X))


def test_entropy_nan_counts_available_values_per_column() -> None:
    """Column 0 has three values: its entropy uses ln 3, the others ln 4."""
    X = np.array([[1.0, 4], [3, 1], [np.nan, 9], [2, 2]])
    p0 = np.array([1, 3, 2]) / 6
    p1 = np.array([4, 1, 9, 2]) / 16
    d0 = 1 + (p0 * np.log(p0)).sum() / np.log(3)
    d1 = 1 + (p1 * np.log(p1)).sum() / np.log(4)
    np.testing.assert_allclose(entropy(X), [d0 / (d0 + d1), d1 / (d0 + d1)])


@given(
    X=arrays(
        np.int64, st.tuples(st.integers(2, 12), st.integers(2, 5)), elements=st.integers(0, 1000)
    ),
    scale=st.floats(0.01, 100),
)
def test_entropy_ignores_column_scale(X: np.ndarray, scale: float) -> None:
    """p_ij are shares of the column total, so rescaling a column leaves the weights alone."""
    Xf = X.astype(float)
    Y = Xf.copy()
    Y[:, 0] *= scale
    w = entropy(Xf)
    np.testing.assert_allclose(entropy(Y), w, rtol=1e-6, atol=1e-12)
    assert w.sum() == pytest.approx(1.0)


def test_entropy_nearly_constant_columns_share_equally() -> None:
    """Every ``1 - e`` rounds to 0: no 0/0, the non-constant columns share equally."""
    up = np.nextafter(0.5, 1.0)  # one ulp above 0.5
    X = np.array([[0.5, 2.0, 0.5], [0.5, 2.0, up], [up, 2.0, 0.5]])
    np.testing.assert_allclose(entropy(X), [0.5, 0.0, 0.5])


# --- CRITIC ----------------------------------------------------------------------------------------
def test_critic_diakoulaki1995_minmax_pearson() -> None:
    """Diakoulaki et al. 1995 via scikit-criteria test_CRITIC_diakoulaki1995determining (8 dp)."""
    case = _case("critic", "Diakoulaki1995")
    assert_printed(critic(_minmax(case["matrix"])), case["expected_minmax_pearson"], 8)


def test_critic_diakoulaki1995_unscaled_pearson() -> None:
    """Same source, CRITIC on the raw (unscaled) matrix (8 dp)."""
    case = _case("critic", "Diakoulaki1995")
    assert_printed(critic(case["matrix"]), case["expected_unscaled_pearson"], 8)


def test_critic_diakoulaki1995_minmax_spearman() -> None:
    """Same source, Spearman rank correlation on min-max scaled data (8 dp)."""
    case = _case("critic", "Diakoulaki1995")
    w = critic(_minmax(case["matrix"]), correlation="spearman")
    assert_printed(w, case["expected_minmax_spearman"], 8)


def test_critic_tus_adali2019_pymcdm() -> None:
    """Tuş & Adalı 2019 (Opsearch) via pymcdm TestCRITICWeights: min-max then CRITIC (3 dp)."""
    case = _case("critic", "Tus&Adali2019")
    assert_printed(critic(_minmax(case["matrix"])), case["expected"], 3)


def test_critic_sigma_ddof_cancels_without_missing_values() -> None:
    """σ with ddof 0 or 1 differs by one factor for every column, so the weights agree."""
    X = np.asarray(_case("critic", "Diakoulaki1995")["matrix"])
    r = np.corrcoef(X, rowvar=False)
    for ddof in (0, 1):
        c = X.std(axis=0, ddof=ddof) * (1 - r).sum(axis=0)
        np.testing.assert_allclose(critic(X), c / c.sum())


def test_critic_constant_column_gets_zero() -> None:
    X = np.asarray(_case("critic", "Diakoulaki1995")["matrix"])
    with_const = np.column_stack([X[:, 0], np.full(len(X), 3.0), X[:, 1:]])
    w = critic(with_const)
    assert w[1] == 0.0
    np.testing.assert_allclose(w[[0, 2, 3]], critic(X))


def test_critic_spearman_ignores_monotone_transforms() -> None:
    X = _minmax(_case("critic", "Tus&Adali2019")["matrix"])
    Y = X.copy()
    Y[:, 1] = Y[:, 1] ** 3  # monotone, same ranks; σ changes so weights change in proportion
    w_x, w_y = critic(X, "spearman"), critic(Y, "spearman")
    sx, sy = X.std(axis=0, ddof=1), Y.std(axis=0, ddof=1)
    np.testing.assert_allclose(w_x / sx / (w_x / sx).sum(), w_y / sy / (w_y / sy).sum())


def test_critic_errors() -> None:
    with pytest.raises(MethodError, match="correlation"):
        critic([[1, 2], [3, 4]], correlation="kendall")  # type: ignore[arg-type]


# --- AHP -------------------------------------------------------------------------------------------
def test_random_index_tables_match_reference() -> None:
    tables = REF["ahp_random_index_tables"]
    classic = tables["Saaty_classic_as_in_pyDecision_pyrepo (n=1..15)"]
    assert [RANDOM_INDEX["saaty"][n] for n in range(1, 16)] == classic
    tl = tables["Tummala&Ling1998_as_in_pymcdm (n=1..15)"]
    assert [RANDOM_INDEX["tummala_ling"][n] for n in range(1, 16)] == tl
    s08 = tables["Saaty2008_as_in_AHPy_'saaty' (n=3..15)"]
    assert [RANDOM_INDEX["saaty2008"][n] for n in range(3, 16)] == s08
    dd = tables["Donegan&Dodd1991_as_in_AHPy_'dd'_default (n=3..20, then 25..100)"]
    assert {n: RANDOM_INDEX["donegan_dodd"][int(n)] for n in dd} == {n: v for n, v in dd.items()}
    assert set(RANDOM_INDEX) == {"saaty", "saaty2008", "tummala_ling", "donegan_dodd"}


def _drinks() -> tuple[dict[str, Any], np.ndarray]:
    case = _case("ahp", "Saaty2008")
    return case, ahp_matrix(case["elements"], pairs=case["pairs"])


def test_ahp_saaty2008_drinks_weights_and_lambda() -> None:
    """Saaty 2008 drinks example via AHPy tests/test_ahp.py: eigen weights (4 dp), λmax."""
    case, m = _drinks()
    res = ahp_weights(m, random_index="saaty2008")
    expected = [case["weights_eigen"][e] for e in case["elements"]]
    assert_printed(res.weights, expected, 4)
    assert_printed(res.lambda_max, case["lambda_max"], 4)
    assert res.weights.sum() == pytest.approx(1.0)


def test_ahp_saaty2008_drinks_cr_saaty2008_table() -> None:
    """AHPy random_index='saaty' (Saaty 2008, RI₇ = 1.35): CR 0.022 (3 dp)."""
    case, m = _drinks()
    res = ahp_weights(m, random_index="saaty2008")
    assert res.ri == 1.35
    assert_printed(res.cr, case["CR_saaty_RI1.35"], 3)


def test_ahp_saaty2008_drinks_cr_donegan_dodd_table() -> None:
    """AHPy default random_index='dd' (Donegan & Dodd 1991, RI₇ = 1.2519): CR 0.0235 (4 dp)."""
    case, m = _drinks()
    res = ahp_weights(m, random_index="donegan_dodd")
    assert res.ri == 1.2519
    assert_printed(res.cr, case["CR_DonegaDodd_RI1.2519"], 4)
    assert res.ci == pytest.approx((res.lambda_max - 7) / 6)


def test_ahp_pairs_build_a_reciprocal_matrix() -> None:
    case, m = _drinks()
    names = case["elements"]
    i, j = names.index("coffee"), names.index("wine")
    assert m[i, j] == 9 and m[j, i] == pytest.approx(1 / 9)
    i, j = names.index("water"), names.index("coffee")
    assert m[i, j] == 2 and m[j, i] == 0.5
    np.testing.assert_allclose(m * m.T, np.ones_like(m))


def test_ahp_wang_chin2011_inconsistent() -> None:
    """Wang & Chin 2011 (Inf. Sci. 181) via pymcdm TestAHPWeights: CR 0.229 with RI₆ = 1.24.

    The reference's RI 1.24 is Saaty's classic table (Tummala & Ling give 1.2358 → 0.2298).
    Either way CR > 0.1: the matrix is too inconsistent to use.
    """
    case = _case("ahp", "Wang&Chin2011")
    m = ahp_matrix(list("abcdef"), matrix=case["matrix"])
    res = ahp_weights(m, random_index="saaty")
    assert_printed(res.weights, case["weights_eigen"], 4)
    assert_printed(res.lambda_max, case["lambda_max"], 4)
    assert_printed(res.cr, case["CR_saaty_RI1.24"], 3)
    tl = ahp_weights(m, random_index="tummala_ling")
    assert tl.cr == pytest.approx(res.ci / 1.2358)
    assert tl.cr > 0.1 and res.cr > 0.1


def test_ahp_two_elements_cr_zero() -> None:
    res = ahp_weights(ahp_matrix(["a", "b"], pairs={"a>b": 3}))
    np.testing.assert_allclose(res.weights, [0.75, 0.25])
    assert res.cr == 0.0
    assert isinstance(res, AHPResult)


def test_ahp_consistent_matrix_has_cr_zero() -> None:
    w = np.array([0.5, 0.3, 0.2])
    res = ahp_weights(np.outer(w, 1 / w), random_index="tummala_ling")
    np.testing.assert_allclose(res.weights, w)
    assert res.lambda_max == pytest.approx(3.0)
    assert abs(res.cr) < 1e-12


def test_ahp_missing_pairs_are_named() -> None:
    with pytest.raises(MethodError, match=r"a>c, b>c"):
        ahp_matrix(["a", "b", "c"], pairs={"a>b": 2})


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ({"a>b": 2, "b>a": 0.5}, "twice"),
        ({"a>x": 2}, "unknown"),
        ({"a-b": 2}, "a>b"),
        ({"a>b": 0}, "positive"),
        ({"a>a": 2}, "itself"),
    ],
)
def test_ahp_bad_pairs(pairs: dict[str, float], message: str) -> None:
    with pytest.raises(MethodError, match=message):
        ahp_matrix(["a", "b"], pairs=pairs)


def test_ahp_matrix_must_be_reciprocal_and_positive() -> None:
    with pytest.raises(MethodError, match="reciprocal"):
        ahp_matrix(["a", "b"], matrix=[[1, 3], [0.5, 1]])
    with pytest.raises(MethodError, match="positive"):
        ahp_matrix(["a", "b"], matrix=[[1, -3], [-1 / 3, 1]])
    with pytest.raises(MethodError, match="2×2"):
        ahp_matrix(["a", "b"], matrix=[[1, 3, 1], [1 / 3, 1, 1]])
    with pytest.raises(MethodError, match="exactly one"):
        ahp_matrix(["a", "b"])
    # within 1e-3 is accepted (1/3 printed as 0.333)
    ahp_matrix(["a", "b"], matrix=[[1, 3], [0.3333, 1]])


def test_ahp_beyond_table_is_error() -> None:
    big = np.ones((16, 16))
    with pytest.raises(MethodError, match="no entry for 16"):
        ahp_weights(big, random_index="saaty")
    with pytest.raises(MethodError, match="no entry for 21"):
        ahp_weights(np.ones((21, 21)), random_index="donegan_dodd")
    assert ahp_weights(np.ones((25, 25)), random_index="donegan_dodd").ri == 1.5619
    with pytest.raises(MethodError, match="unknown random index"):
        ahp_weights(np.ones((3, 3)), random_index="nope")


# --- fast paths against straightforward references -------------------------------------------
def _entropy_reference(X: np.ndarray) -> np.ndarray:
    """The textbook loop: per column, shares of the present values, 0·ln0 = 0."""
    k = X.shape[1]
    d = np.zeros(k)
    const = np.zeros(k, dtype=bool)
    for j in range(k):
        x = X[~np.isnan(X[:, j]), j]
        const[j] = x.size < 2 or x.min() == x.max()
        if not const[j]:
            p = x / x.sum()
            p = p[p > 0]
            d[j] = max(0.0, 1.0 + (p * np.log(p)).sum() / np.log(x.size))
    if const.all():
        return np.full(k, 1.0 / k)
    if d.sum() <= 0:
        return np.where(const, 0.0, 1.0 / (~const).sum())
    return d / d.sum()


def _critic_reference(X: np.ndarray, correlation: str = "pearson") -> np.ndarray:
    """One np.corrcoef per pair on its complete rows (R ``use = "pairwise"``)."""
    k = X.shape[1]
    present = [X[~np.isnan(X[:, j]), j] for j in range(k)]
    keep = [j for j in range(k) if present[j].size > 1 and np.ptp(present[j]) > 0]
    if not keep:
        return np.full(k, 1.0 / k)
    sub = X[:, keep]
    basis = sub.copy()
    if correlation == "spearman":
        for j in range(len(keep)):
            ok = ~np.isnan(sub[:, j])
            basis[ok, j] = rankdata(sub[ok, j])
    r = np.eye(len(keep))
    for a in range(len(keep)):
        for b in range(a + 1, len(keep)):
            ok = ~np.isnan(basis[:, a]) & ~np.isnan(basis[:, b])
            xa, xb = basis[ok, a], basis[ok, b]
            if ok.sum() >= 2 and np.ptp(xa) > 0 and np.ptp(xb) > 0:
                r[a, b] = r[b, a] = np.corrcoef(xa, xb)[0, 1]
    conflict = (1.0 - r).sum(axis=0)
    conflict[conflict < 1e-12 * len(keep)] = 0.0
    c = np.nanstd(sub, axis=0, ddof=1) * conflict
    w = np.zeros(k)
    w[keep] = c / c.sum() if c.sum() > 0 else 1.0 / len(keep)
    return w


@st.composite
def data_matrices(draw: st.DrawFn) -> np.ndarray:
    n = draw(st.integers(2, 15))
    k = draw(st.integers(1, 6))
    X = draw(arrays(np.int64, (n, k), elements=st.integers(0, 50))).astype(float)
    if draw(st.booleans()):
        X = np.where(draw(arrays(np.bool_, (n, k))), np.nan, X)
    return X


@given(X=data_matrices())
def test_entropy_equals_textbook_loop(X: np.ndarray) -> None:
    """Column sums, blocked p·ln p and the gap handling agree with the per-column loop."""
    np.testing.assert_allclose(entropy(X), _entropy_reference(X), rtol=1e-9, atol=1e-12)


@given(X=data_matrices(), correlation=st.sampled_from(["pearson", "spearman"]))
def test_critic_equals_pairwise_corrcoef(X: np.ndarray, correlation: str) -> None:
    """Moment-based correlations (Gram matrix, or mask products with gaps) = one corrcoef
    per pair on its complete rows."""
    w = critic(X, correlation=correlation)  # type: ignore[arg-type]
    np.testing.assert_allclose(w, _critic_reference(X, correlation), rtol=1e-9, atol=1e-12)


@given(X=data_matrices())
def test_gap_path_equals_complete_path(X: np.ndarray) -> None:
    """Adding a row of NaN forces the gap code paths; it must not change any weight."""
    X = X[~np.isnan(X).any(axis=1)]
    if X.shape[0] < 2:
        return
    gap = np.vstack([X, np.full(X.shape[1], np.nan)])
    np.testing.assert_allclose(entropy(gap), entropy(X), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(critic(gap), critic(X), rtol=1e-9, atol=1e-12)


def test_entropy_and_critic_many_row_blocks() -> None:
    """Enough rows for several cache blocks, with gaps, against the references."""
    rng = np.random.default_rng(8)
    X = rng.lognormal(size=(6000, 7)) * 10
    X[rng.random(X.shape) < 0.1] = np.nan
    X[:, 3] = np.where(np.isnan(X[:, 3]), np.nan, 2.0)  # constant with gaps
    np.testing.assert_allclose(entropy(X), _entropy_reference(X), rtol=1e-9)
    np.testing.assert_allclose(critic(X), _critic_reference(X), rtol=1e-9)
    np.testing.assert_allclose(
        critic(X, correlation="spearman"), _critic_reference(X, "spearman"), rtol=1e-9
    )


def test_critic_near_constant_pair_is_exact() -> None:
    """A column constant on the rows it shares with another gets r = 0 with it, as corrcoef's
    ptp guard says, although its moments there are only zero up to rounding."""
    X = np.array(
        [[0.1, 1.0, 5.0], [0.1, 2.0, np.nan], [0.1, 4.0, 3.0], [7.0, np.nan, 1.0], [0.3, 3.0, 2.0]]
    )
    X[4, 1] = np.nan  # column 0 is constant (0.1) on the rows column 1 has
    np.testing.assert_allclose(critic(X), _critic_reference(X), rtol=1e-12)


def test_weights_do_not_copy_the_matrix() -> None:
    """Lean on big matrices: entropy and CRITIC allocate cache-sized blocks, not copies."""
    import tracemalloc

    X = np.random.default_rng(2).lognormal(size=(20_000, 40))
    for f, share in ((entropy, 0.1), (critic, 0.5)):
        tracemalloc.start()
        f(X)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < share * X.nbytes, f.__name__


def test_entropy_infinite_is_error() -> None:
    with pytest.raises(MethodError, match="infinite"):
        entropy([[1.0, np.inf], [2.0, 3.0]])
    with pytest.raises(MethodError, match="infinite"):
        critic([[1.0, np.nan], [2.0, -np.inf], [3.0, 1.0]])
