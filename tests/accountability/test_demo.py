"""The demo's accountability world: deterministic, and every planted case is caught."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from zhengji.accountability import service
from zhengji.accountability.attribution import ACCOUNTABILITY_DEDUCTION, PROJECT_CREDIT
from zhengji.accountability.checks import (
    check_decisions,
    check_tenures,
    turnover_periods,
    vanity_signs,
)
from zhengji.bundle import load_bundle
from zhengji.demo.accountability import (
    CHANGE_COUNTY,
    LEADER_FIRST,
    MOVE_COUNTY,
    NO_QUORUM,
    TOLERANCE_CASE,
    VANITY_PROJECT,
    demo_records,
    derived_rows,
)
from zhengji.demo.catalogue import COUNTIES
from zhengji.engine.assess import assess
from zhengji.ledger.verify import verify_ledger
from zhengji.store import Store


def test_same_seed_same_records_other_seed_other_records() -> None:
    assert demo_records(7) == demo_records(7)
    assert demo_records(7) != demo_records(8)


def test_sizes_and_tenures_for_every_county() -> None:
    r = demo_records().as_records()
    assert len(r.decisions) == 50 and len(r.projects) == 40
    secretaries = Counter(t.unit_id for t in r.tenures if t.post == "party_secretary")
    assert set(secretaries) == {c.id for c in COUNTIES}
    assert secretaries[CHANGE_COUNTY] == 2 and secretaries[MOVE_COUNTY] == 2
    assert turnover_periods(r.tenures) == {CHANGE_COUNTY: ("2024",), MOVE_COUNTY: ("2024",)}
    assert not [v for v in check_tenures(r.tenures) if v.severity == "violation"]


def test_planted_decisions_are_caught_and_nothing_else() -> None:
    found = check_decisions(demo_records().as_records().decisions)
    last = sorted(v.subject for v in found if v.check == "last_word")
    assert last == sorted(f"decision:{c}" for c in LEADER_FIRST)
    assert {v.subject for v in found if v.check == "quorum"} == {f"decision:{NO_QUORUM}"}
    assert {v.subject.split(":")[1] for v in found} <= {*LEADER_FIRST, NO_QUORUM}


def test_the_vanity_project_alone_is_flagged() -> None:
    r = demo_records().as_records()
    assert [v.subject for v in vanity_signs(r.projects, r.outcomes)] == [
        f"project:{VANITY_PROJECT}"
    ]


def test_derived_indicators_and_the_exempted_case() -> None:
    rows = derived_rows()
    ded = {
        (x.unit_id, x.period): x.value for x in rows if x.indicator_id == ACCOUNTABILITY_DEDUCTION
    }
    assert ded[(CHANGE_COUNTY, "2025")] == 8.0  # vanity project: 5 (2024) + 3 (2025)
    assert ded[("sinan", "2025")] == 0.0  # the tea plant's loss was exempted (容错)
    assert sum(x.value for x in rows if x.indicator_id == PROJECT_CREDIT) > 0


def test_county_bundle_carries_the_derived_indicators(demo_store: tuple[Store, Path]) -> None:
    _, world = demo_store
    bundle = load_bundle(world)
    assert {o.indicator_id for o in bundle.observations if o.source == "derived"} == {
        PROJECT_CREDIT,
        ACCOUNTABILITY_DEDUCTION,
    }
    result = assess(bundle.scheme, bundle.panel)
    j = result.indicator_ids.index(ACCOUNTABILITY_DEDUCTION)
    k = result.unit_ids.index(CHANGE_COUNTY)
    assert result.weights[k, j] > 0
    normalised = result.stages["normalised"][:, j]
    assert normalised[k] == normalised.min() < normalised.max()  # the deduction costs it


def test_populated_store_who_follows_the_mover(demo_store: tuple[Store, Path]) -> None:
    st, world = demo_store
    pdf = world.parent / "out" / f"dossier-{CHANGE_COUNTY}-party_secretary.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    records = demo_records().as_records()
    mover = next(t.person_id for t in records.tenures if t.code == f"T-{MOVE_COUNTY}-sec2")
    with st.transaction() as s:
        name, rec = service.who(s, mover)
        assert name and "某" in name
        units = {(i.kind, i.code): i.unit_id for i in rec.items}
        assert units[("tenure", f"T-{MOVE_COUNTY}-sec2")] == MOVE_COUNTY
        late = [i for i in rec.items if i.kind == "outcome" and i.when.year == 2025]
        assert late and late[0].unit_id == CHANGE_COUNTY and late[0].points == -3.0
        case = next(c for c in service.load_records(s).cases if c.code == TOLERANCE_CASE)
        assert case.proposal == "exempt"
        assert service.who(s, case.person_id)[1].deduction == 0.0
        assert service.verify_rows(s) == []
        report = verify_ledger(s)
        assert report.problem_count == 0 and report.size == len(demo_records().records) + 1
