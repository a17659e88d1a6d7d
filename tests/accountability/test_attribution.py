"""Lifetime responsibility: outcomes follow people to later posts; rulings scale deductions."""

from __future__ import annotations

import datetime as dt

from zhengji.accountability.attribution import (
    ACCOUNTABILITY_DEDUCTION,
    PROJECT_CREDIT,
    answerable_people,
    derive_observations,
    person_record,
)
from zhengji.accountability.model import Case, Records, Ruling
from zhengji.accountability.tolerance import Criteria

from .samples import RESPONSIBLE, decision, outcome, project, tenure

D = dt.date


def _records(**kw: object) -> Records:
    base: dict[str, object] = dict(
        tenures=(
            tenure("T1", "p1", D(2019, 1, 1), D(2023, 6, 30)),
            tenure("T2", "p1", D(2023, 7, 1), None, unit_id="u2"),  # moved to another county
        ),
        decisions=(decision(),),
        projects=(project(),),
        responsibilities=RESPONSIBLE,
        outcomes=(outcome("O1", "good", 3.0, 2022), outcome("O2", "bad", 4.0, 2024)),
    )
    base.update(kw)
    return Records(**base)  # type: ignore[arg-type]


def _case(person: str, code: str = "C1") -> Case:
    return Case(code, "O2", person, D(2024, 7, 1), "广场闲置", Criteria(), "mitigate")


def test_outcome_after_the_move_is_still_answered_for() -> None:
    rec = person_record(_records(), "p1")
    kinds = [(i.kind, i.code, i.unit_id) for i in rec.items]
    assert ("tenure", "T2", "u2") in kinds  # now serving in u2 …
    assert ("outcome", "O2", "u1") in kinds  # … and still answers for u1's project in 2024
    assert rec.credit == 3.0 and rec.deduction == 4.0
    o2 = next(i for i in rec.items if i.code == "O2")
    assert o2.points == -4.0 and o2.status == "counts" and o2.role == "principal"


def test_dissent_protects_its_author_but_the_majority_answers() -> None:
    recs = _records(
        responsibilities=(),
        outcomes=(outcome("O3", "bad", 2.0, 2024, project_code=None, decision_code="D1"),),
    )
    people = answerable_people(recs, recs.outcomes[0])
    assert people == {"p1": "decision_maker", "p2": "decision_maker", "p3": "decision_maker"}
    assert person_record(recs, "p4").deduction == 0.0  # voted against, dissent recorded


def test_exempt_ruling_removes_the_deduction_for_that_person_only() -> None:
    recs = _records(
        cases=(_case("p1"),),
        rulings=(Ruling("C1", "exempt", "审查组", "符合三个区分开来", D(2024, 8, 1)),),
    )
    assert person_record(recs, "p1").deduction == 0.0
    assert person_record(recs, "p3").deduction == 4.0  # p3 has no case: still counts
    item = next(i for i in person_record(recs, "p1").items if i.code == "O2")
    assert item.status == "exempt" and "免责" in item.summary_zh


def test_mitigate_halves_and_later_ruling_wins() -> None:
    rulings = (Ruling("C1", "mitigate", "审查组", "程序不完全合规", D(2024, 8, 1)),)
    assert person_record(_records(cases=(_case("p1"),), rulings=rulings), "p1").deduction == 2.0


def test_derived_indicators_window_and_exclusion() -> None:
    recs = _records()
    rows = derive_observations(recs, ["u1", "u2"], ["2021", "2022", "2024", "2025"])
    table = {(r.unit_id, r.period, r.indicator_id): r.value for r in rows}
    assert len(rows) == 2 * 4 * 2 and {r.source for r in rows} == {"derived"}
    assert table[("u1", "2021", PROJECT_CREDIT)] == 0.0
    assert table[("u1", "2022", PROJECT_CREDIT)] == 3.0
    assert table[("u1", "2024", PROJECT_CREDIT)] == 3.0  # still within three years
    assert table[("u1", "2025", PROJECT_CREDIT)] == 0.0  # 2022 is out of the window
    assert table[("u1", "2024", ACCOUNTABILITY_DEDUCTION)] == 4.0
    assert table[("u2", "2024", ACCOUNTABILITY_DEDUCTION)] == 0.0  # the unit, not the person
    # every person with a case exempted: the unit's deduction is excluded too
    exempt = _records(
        cases=(_case("p1"), _case("p3", "C2")),
        rulings=(
            Ruling("C1", "exempt", "审查组", "理由", D(2024, 8, 1)),
            Ruling("C2", "exempt", "审查组", "理由", D(2024, 8, 1)),
        ),
    )
    rows = derive_observations(exempt, ["u1"], ["2024"])
    assert {r.indicator_id: r.value for r in rows}[ACCOUNTABILITY_DEDUCTION] == 0.0
    # one ruling not eligible: counts in full
    mixed = _records(
        cases=(_case("p1"), _case("p3", "C2")),
        rulings=(
            Ruling("C1", "exempt", "审查组", "理由", D(2024, 8, 1)),
            Ruling("C2", "not_eligible", "审查组", "理由", D(2024, 8, 1)),
        ),
    )
    rows = derive_observations(mixed, ["u1"], ["2024"])
    assert {r.indicator_id: r.value for r in rows}[ACCOUNTABILITY_DEDUCTION] == 4.0
