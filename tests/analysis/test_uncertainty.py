"""Uncertainty analysis: the vectorised replications are exactly the rebuilt schemes (COINr's
way), reproducible from a seed, and the demo shows a pair of counties whose order is not robust."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

from zhengji.bundle import Bundle
from zhengji.engine.assess import assess
from zhengji.engine.grades import assign_grades, rank_min
from zhengji.engine.panel import Panel
from zhengji.engine.uncertainty import (
    build_design,
    grade_index,
    rank_rows,
    replicate_scores,
    run_uncertainty,
    variant_scheme,
)
from zhengji.errors import SchemeError
from zhengji.report.analysis import not_robust_sentence, uncertainty_json
from zhengji.scheme.load import dump_scheme, parse_scheme
from zhengji.scheme.model import (
    GradeLevel,
    Grades,
    MinMax,
    Percentile,
    Scheme,
    UncertaintySpec,
)

ROOT = Path(__file__).resolve().parents[2]


def _rebuild_check(demo: Bundle, scheme: Scheme, spec: UncertaintySpec, n: int, seed: int) -> None:
    design = build_design(scheme, spec)
    rng = np.random.default_rng(seed)
    choices = design.options(rng.random((n, len(design.factors))))
    S = replicate_scores(design, demo.panel, choices)
    assert S is not None
    for r in range(n):
        rebuilt = assess(variant_scheme(design, choices[r]), demo.panel)
        np.testing.assert_allclose(S[r], rebuilt.score, rtol=0, atol=1e-9, equal_nan=True)
        assert (rank_rows(S[r])[0] == rebuilt.rank).all()


def test_replications_equal_rebuilding_each_scheme(demo: Bundle) -> None:
    """Demo scheme: sources 'reweight', category weight overrides, an AHP pillar, vetoes."""
    spec = UncertaintySpec(
        replications=50,
        leave_out="indicator",
        missing=["group_mean", "drop_reweight"],
        winsorisation=[0, 3],
        normalisation=[MinMax(low=1, high=100)],
    )
    _rebuild_check(demo, demo.scheme, spec, 25, seed=1)


def test_dirichlet_geometric_and_pillar_leave_out_equal_rebuilding(demo: Bundle) -> None:
    """Tree aggregation (no source fusion) with a geometric alternative at the index level."""
    scheme = demo.scheme.model_copy(
        update={"sources": demo.scheme.sources.model_copy(update={"mode": "decompose"})}
    )
    spec = UncertaintySpec(
        replications=40,
        weights="dirichlet",
        concentration=30,
        leave_out="pillar",
        aggregation=["geometric", "harmonic"],
        normalisation=[MinMax(low=1, high=100)],
    )
    design = build_design(scheme, spec)
    assert [f.name for f in design.factors] == [
        "weights",
        "normalisation",
        "aggregation",
        "leave_out",
    ]
    # geometric needs positive values: pillar scores of the 1–100 alternative only
    rng = np.random.default_rng(7)
    u = rng.random((20, len(design.factors)))
    u[:, 1] = 0.75  # the 1–100 min-max alternative
    choices = design.options(u)
    S = replicate_scores(design, demo.panel, choices)
    assert S is not None
    for r in range(20):
        rebuilt = assess(variant_scheme(design, choices[r]), demo.panel)
        np.testing.assert_allclose(S[r], rebuilt.score, rtol=0, atol=1e-9, equal_nan=True)


def test_nominal_choice_reproduces_the_assessment(demo: Bundle) -> None:
    design = build_design(demo.scheme)
    zero = np.zeros((1, len(design.factors)), dtype=np.int64)
    S = replicate_scores(design, demo.panel, zero)
    assert S is not None
    nominal = assess(demo.scheme, demo.panel)
    # option 0 of the weight pool is a noisy draw: replace it by "no noise"
    plain = variant_scheme(design, zero[0])
    np.testing.assert_allclose(S[0], assess(plain, demo.panel).score, atol=1e-9)
    spec = UncertaintySpec(weights="none", missing=["group_mean"])
    d2 = build_design(demo.scheme, spec)
    S2 = replicate_scores(d2, demo.panel, np.zeros((1, 1), dtype=np.int64))
    assert S2 is not None
    np.testing.assert_allclose(S2[0], nominal.score, atol=1e-12, equal_nan=True)


def test_same_seed_same_result_other_seed_differs(demo: Bundle) -> None:
    a = run_uncertainty(demo.scheme, demo.panel, replications=300, seed=11)
    b = run_uncertainty(demo.scheme, demo.panel, replications=300, seed=11)
    c = run_uncertainty(demo.scheme, demo.panel, replications=300, seed=12)
    assert (a.ranks == b.ranks).all() and (a.choices == b.choices).all()
    assert uncertainty_json(a) == uncertainty_json(b)
    assert not (a.ranks == c.ranks).all()


def test_rank_intervals_and_grade_probabilities(demo: Bundle) -> None:
    res = run_uncertainty(demo.scheme, demo.panel, replications=400)
    nominal = assess(demo.scheme, demo.panel)
    ranked = nominal.rank > 0
    assert (res.rank_low[ranked] <= res.median_rank[ranked]).all()
    assert (res.median_rank[ranked] <= res.rank_high[ranked]).all()
    np.testing.assert_allclose(res.grade_prob[ranked].sum(axis=1), 1.0)
    assert res.ranks.shape == (400, len(nominal.unit_ids))
    # the 5–95 % interval is the empirical quantile of the stored ranks
    u = int(np.flatnonzero(ranked)[0])
    assert res.rank_high[u] == pytest.approx(np.quantile(res.ranks[:, u].astype(float), 0.95))
    # the grade odds are the share of replications with that grade, vetoes capping it as in
    # the nominal run (a veto depends on events and raw values, not on method choices)
    assert nominal.vetoes
    spec = demo.scheme.uncertainty.model_copy(update={"replications": 400})
    S = replicate_scores(build_design(demo.scheme, spec), demo.panel, res.choices)
    assert S is not None
    G = grade_index(demo.scheme, S, rank_rows(S), nominal.categories)
    pos = {g: i for i, g in enumerate(demo.scheme.grades.names)}
    cap = {v.id: pos[v.cap] for v in demo.scheme.vetoes}
    for v in nominal.vetoes:
        u_v = nominal.unit(v.unit_id)
        G[:, u_v] = np.maximum(G[:, u_v], cap[v.veto_id])
    for k in range(len(res.grade_names)):
        np.testing.assert_allclose(res.grade_prob[ranked, k], (G[:, ranked] == k).mean(axis=0))
    assert res.grade_names[0] == "优秀"


def test_demo_has_a_pair_whose_order_is_not_robust(demo: Bundle) -> None:
    """Issue 6: the demo shows at least one pair of counties whose order is not robust."""
    res = run_uncertainty(demo.scheme, demo.panel)
    bad = res.not_robust()
    assert bad, "expected at least one non-robust adjacent pair in the demo"
    assert res.tied_groups
    text = not_robust_sentence(res)
    p = min(bad, key=lambda x: abs(x.p_ahead - 0.5))
    names = dict(zip(res.unit_ids, res.unit_names, strict=True))
    assert names[p.ahead] in text and names[p.behind] in text
    assert "不稳健" in text and "示例数据（模拟）" in text
    for pair in bad:
        assert pair.p_ahead < res.robust_share


def test_grade_index_matches_the_engine_row_by_row() -> None:
    rng = np.random.default_rng(3)
    S = rng.uniform(40, 95, size=(30, 25))
    S[0, 3] = np.nan
    cats = np.array(["a", "b", "c"] * 8 + ["a"])
    thresholds = Grades()
    quota = Grades(
        method="quota",
        scope="category",
        levels=[
            GradeLevel(name="A", share=0.2),
            GradeLevel(name="B", share=0.5),
            GradeLevel(name="C"),
        ],
    )
    for spec in (thresholds, quota):
        scheme = _tiny_scheme().model_copy(update={"grades": spec})
        R = rank_rows(S)
        G = grade_index(scheme, S, R, cats)
        names = [*spec.names, ""]
        for r in range(S.shape[0]):
            rank = rank_min(S[r])
            assert (R[r] == rank).all()
            rc = np.zeros_like(rank)
            for c in np.unique(cats):
                rc[cats == c] = rank_min(S[r][cats == c])
            expected = assign_grades(spec, S[r], rank, rc, cats)
            assert tuple(names[g] for g in G[r]) == expected


def _tiny_scheme() -> Scheme:
    return parse_scheme(
        """
[scheme]
id = "t"
name = "t"
[[indicators]]
id = "a"
name = "a"
parent = "index"
[[indicators]]
id = "b"
name = "b"
parent = "index"
"""
    )


def test_uncertainty_section_round_trips_and_is_documented() -> None:
    text = (ROOT / "docs" / "scheme.md").read_text(encoding="utf-8")
    forms = ("`{}`", " {},", "{{ {}", ", {}", "[{}]", "[[{}]]")
    missing = [
        f for f in UncertaintySpec.model_fields if not any(x.format(f) in text for x in forms)
    ]
    assert not missing, f"docs/scheme.md does not document [uncertainty] keys {missing}"
    demo = tomllib.loads((ROOT / "src/zhengji/demo/scheme.toml").read_text(encoding="utf-8"))
    assert "uncertainty" in demo
    s = _tiny_scheme().model_copy(
        update={"uncertainty": UncertaintySpec(aggregation=["geometric"], winsorisation=[0, 2])}
    )
    assert parse_scheme(dump_scheme(s)).uncertainty == s.uncertainty


def test_nothing_uncertain_is_an_error() -> None:
    with pytest.raises(SchemeError, match="nothing is uncertain"):
        build_design(_tiny_scheme(), UncertaintySpec(weights="none"))


def test_memory_is_bounded_by_chunks(demo: Bundle, monkeypatch: pytest.MonkeyPatch) -> None:
    """A tiny chunk size gives the same scores as one chunk (replications are independent)."""
    import zhengji.engine.uncertainty as unc

    design = build_design(demo.scheme)
    choices = design.options(np.random.default_rng(5).random((30, len(design.factors))))
    whole = replicate_scores(design, demo.panel, choices)
    monkeypatch.setattr(unc, "_CHUNK_ELEMENTS", 1)
    parts = replicate_scores(design, demo.panel, choices)
    assert whole is not None and parts is not None
    np.testing.assert_array_equal(whole, parts)


def test_rank_quantiles_are_numpys_linear_quantiles() -> None:
    from zhengji.engine.uncertainty import rank_quantiles

    r = np.random.default_rng(0).integers(0, 30, size=(501, 40))
    r[:, 5] = 0  # a unit never ranked
    rf = r.astype(float)
    rf[rf == 0] = np.nan
    q = rank_quantiles(r, (0.05, 0.5, 0.95))
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        ref = np.nanquantile(rf, [0.05, 0.5, 0.95], axis=0)
    np.testing.assert_array_equal(q, ref)


def test_rank_rows_with_ties_and_gaps_is_rank_min() -> None:
    rng = np.random.default_rng(0)
    S = rng.integers(0, 20, size=(50, 60)).astype(float)
    S[S == 3] = np.nan
    R = rank_rows(S)
    for i in range(S.shape[0]):
        assert (R[i] == rank_min(S[i])).all()


def _complete_world(n: int = 60, k: int = 12, pillars: int = 3) -> tuple[Scheme, Panel]:
    """No categories, no gaps: the linear fast path (one X @ w_eff per replication) applies."""
    rng = np.random.default_rng(9)
    X = np.exp(rng.normal(size=(n, k)) * 0.5 + 2)
    lines = [
        '[scheme]\nid = "c"\nname = "c"',
        '[treatment]\nnormalisation = { method = "minmax", low = 1, high = 100 }',
    ]
    for p in range(pillars):
        lines.append(f'[[pillars]]\nid = "p{p}"\nname = "p{p}"\nparent = "index"\nweight = {p + 1}')
    for j in range(k):
        lines.append(
            f'[[indicators]]\nid = "x{j}"\nname = "x{j}"\nparent = "p{j % pillars}"\n'
            f'weight = {1 + j % 4}\ndirection = "{"lower" if j % 5 == 0 else "higher"}"'
        )
    ids = tuple(f"u{i}" for i in range(n))
    panel = Panel(
        unit_ids=ids,
        unit_names=ids,
        categories=("",) * n,
        periods=("2024",),
        variables=tuple(f"x{j}" for j in range(k)),
        values=X[None],
    )
    return parse_scheme("\n\n".join(lines)), panel


def test_linear_fast_path_equals_rebuilding() -> None:
    from zhengji.engine import replicate

    scheme, panel = _complete_world()
    spec = UncertaintySpec(
        replications=30,
        leave_out="pillar",
        aggregation=["geometric"],
        normalisation=[Percentile(low=1, high=100)],
    )
    design = build_design(scheme, spec)
    choices = design.options(np.random.default_rng(2).random((30, len(design.factors))))
    base = replicate.base_of(assess(scheme, panel))
    assert replicate._linear_weights(scheme, base, {}, 1, {}) is not None
    S = replicate_scores(design, panel, choices)
    assert S is not None
    for r in range(30):
        rebuilt = assess(variant_scheme(design, choices[r]), panel)
        np.testing.assert_allclose(S[r], rebuilt.score, rtol=0, atol=1e-9)
        assert (rank_rows(S[r])[0] == rebuilt.rank).all()
