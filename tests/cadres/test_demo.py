"""The demo's cadre stories (示例数据（模拟）), as the issue asks for them."""

from __future__ import annotations

from zhengji.cadres import service
from zhengji.cadres.lists import decisions
from zhengji.demo.accountability import VANITY_PROJECT
from zhengji.demo.cadres import ECO_OUTCOME, ECO_TENURE, MOVER_TENURE, CadreDemo
from zhengji.ledger.verify import verify_ledger

from .conftest import Demo


def _summary(demo: Demo) -> CadreDemo:
    assert isinstance(demo.summary, CadreDemo)
    return demo.summary


def test_about_sixty_cadres_and_batches(demo: Demo) -> None:
    d = _summary(demo)
    assert 55 <= d.cadres <= 70
    with demo.store.transaction() as s:
        kinds = [(b.kind, b.label) for b in service.batches(s)]
        quarters = [("routine", f"2025-Q{q}") for q in range(1, 5)]
        assert kinds == [("annual", "2024"), ("annual", "2025"), ("term", "all"), *quarters]
        assert (d.annual_batches, d.term_batch, d.routine_batches) == ((1, 2), 3, (4, 5, 6, 7))
        _, rows = service.results(s, d.annual_batches[0])
        assert "不定等次" in {r.grade for r in rows}  # the rotated head: 3 months of 2024
        assert len(decisions(s)) == 1
        assert verify_ledger(s).ok


def test_vanity_debt_after_moving_on_reaches_the_term_result(demo: Demo) -> None:
    d = _summary(demo)
    with demo.store.transaction() as s:
        _, r = service.latest_result(s, d.mover, d.term_batch)
    assert r.inputs["label"] == MOVER_TENURE
    late = [o for o in r.inputs["outcomes"] if o["after_leaving"] and o["kind"] == "bad"]
    assert late and late[0]["project_code"] == VANITY_PROJECT
    assert r.result["deduction"] > 0
    assert r.result["caps"][0]["kind"] == "vanity" and r.result["grade"] in ("基本称职", "不称职")


def test_ecological_work_maturing_after_leaving_is_credited(demo: Demo) -> None:
    d = _summary(demo)
    with demo.store.transaction() as s:
        _, r = service.latest_result(s, d.eco_deputy, d.term_batch)
    assert r.inputs["label"] == ECO_TENURE
    eco = next(o for o in r.inputs["outcomes"] if o["code"] == ECO_OUTCOME)
    assert eco["after_leaving"] and eco["kind"] == "good"
    assert r.result["credit"] >= eco["points"]
    assert r.inputs["posts"][0]["pillars_used"] == ["ecology"]  # measured on the pillar in charge


def test_fault_tolerance_exemption_is_applied_and_explained(demo: Demo) -> None:
    d = _summary(demo)
    with demo.store.transaction() as s:
        found = []
        for bid in d.annual_batches:
            _, rows = service.results(s, bid)
            found += [r for r in rows if r.person_id == d.exempted and r.result["exempted"]]
    assert found
    assert any("容错免责" in x["zh"] for x in found[0].result["lines"])


def test_routine_quarters_match_the_annual_record(demo: Demo) -> None:
    """Each quarter's 平时考核 batch grades the same record as the annual batch carries for
    that quarter (the same inputs, collected once for the quarter, once inside the year)."""
    d = _summary(demo)
    with demo.store.transaction() as s:
        _, annual = service.latest_result(s, d.eco_deputy, d.annual_batches[-1])
        inside = {q["label"]: q for q in annual.result["routine"]}
        for bid in d.routine_batches:
            b, r = service.latest_result(s, d.eco_deputy, bid)
            assert (r.grade, r.score) == (inside[b.label]["grade"], inside[b.label]["score"])


def test_every_demo_batch_recomputes(demo: Demo) -> None:
    d = _summary(demo)
    with demo.store.transaction() as s:
        for bid in (*d.annual_batches, d.term_batch, *d.routine_batches):
            v = service.verify_batch(s, bid)
            assert v.recomputed and v.inputs_current
