"""Decision, tenure and vanity-project rules: each broken rule is caught, clean records pass."""

from __future__ import annotations

import datetime as dt

import pytest

from zhengji.accountability.checks import (
    VanityRule,
    check_decision,
    check_decisions,
    check_tenures,
    turnover_periods,
    vanity_signs,
)

from .samples import MEMBERS, decision, outcome, project, tenure

D = dt.date


def _checks(d: object) -> list[str]:
    return [v.check for v in check_decision(d)]  # type: ignore[arg-type]


def test_a_clean_decision_passes() -> None:
    assert check_decision(decision()) == []


def test_leader_speaking_first_is_caught_with_reasons_in_both_languages() -> None:
    found = check_decision(decision(speakers=("p1", "p3", "p2", "p4")))
    assert [v.check for v in found] == ["last_word"]
    v = found[0]
    assert v.severity == "violation" and v.subject == "decision:D1" and v.unit_id == "u1"
    assert "末位表态" in v.reason_zh and "第1个" in v.reason_zh
    assert "did not speak last" in v.reason_en and "末位表态" in v.source


def test_leader_speaking_in_the_middle_is_caught() -> None:
    assert _checks(decision(speakers=("p3", "p1", "p2", "p4"))) == ["last_word"]


def test_cadre_appointment_needs_two_thirds_present() -> None:
    """守则第3条: 必须有三分之二以上成员到会 — 6 of 9 passes, 5 of 9 fails."""
    members = tuple(f"m{i}" for i in range(9))
    ok = decision(
        type="cadre_appointment", members=members, attendees=members[:6],
        speakers=(*members[1:6], members[0]), principal_id=members[0],
        votes={m: "for" for m in members[:6]}, dissent=(),
    )  # fmt: skip
    assert check_decision(ok) == []
    short = decision(
        type="cadre_appointment", members=members, attendees=members[:5],
        speakers=(*members[1:5], members[0]), principal_id=members[0],
        votes={m: "for" for m in members[:5]}, dissent=(),
    )  # fmt: skip
    found = check_decision(short)
    assert [v.check for v in found] == ["quorum"]
    assert "三分之二" in found[0].reason_zh and "5 of 9" in found[0].reason_en


def test_other_decisions_need_more_than_half_present() -> None:
    assert "quorum" in _checks(decision(attendees=("p1", "p2"), votes={"p1": "for", "p2": "for"}))
    three = decision(attendees=("p1", "p2", "p3"), votes={"p1": "for", "p2": "for", "p3": "for"})
    assert "quorum" not in _checks(three)


def test_majority_of_all_members_is_needed() -> None:
    """以应到会成员超过半数同意形成决定: 2 of 4 members for is not enough."""
    d = decision(votes={"p1": "for", "p2": "for", "p3": "against", "p4": "against"})
    assert _checks(d) == ["majority"]


def test_recused_member_who_votes_is_caught() -> None:
    d = decision(recusals=("p4",))
    found = check_decision(d)
    assert [v.check for v in found] == ["recusal"]
    assert "p4" in found[0].reason_zh and "回避" in found[0].reason_zh
    clean = decision(
        recusals=("p4",), speakers=("p3", "p2", "p1"),
        votes={"p1": "for", "p2": "for", "p3": "for"}, dissent=(),
    )  # fmt: skip
    assert check_decision(clean) == []


def test_one_man_rule_signs() -> None:
    assert _checks(decision(meeting="")) == ["outside_meeting"]
    assert _checks(decision(speakers=("p1",))) == ["single_speaker"]
    assert "non_member_vote" in _checks(decision(votes={**decision().votes, "x9": "for"}))


def test_many_decisions_without_any_dissent_is_a_signal() -> None:
    calm = {m: "for" for m in MEMBERS}
    many = [decision(code=f"D{i}", votes=calm, dissent=()) for i in range(10)]
    found = check_decisions(many)
    assert [(v.check, v.severity, v.subject) for v in found] == [
        ("never_dissent", "signal", "unit:u1")
    ]
    assert check_decisions(many[:9]) == []  # too few to say anything
    contested = [*many[:9], decision(code="D9")]  # one recorded dissent
    assert check_decisions(contested) == []


def test_tenure_overlap_gap_dates_and_vacancy() -> None:
    ts = [
        tenure("T1", "p1", D(2019, 1, 1), D(2022, 6, 30)),
        tenure("T2", "p5", D(2022, 6, 1), D(2023, 12, 31)),  # overlaps T1 by a month
        tenure("T3", "p2", D(2024, 3, 1), D(2024, 12, 31)),  # 60-day vacancy before it
        tenure("T4", "p3", D(2025, 1, 1), D(2024, 1, 1)),  # ends before it starts
        tenure("T5", "p4", D(2020, 1, 1), None, post="deputy", pillars=("ecology",)),
    ]
    found = check_tenures(ts, today=D(2025, 6, 1))
    got = {(v.check, v.subject, v.severity) for v in found}
    assert got == {
        ("overlap", "tenure:T2", "violation"),
        ("gap", "tenure:T3", "signal"),
        ("dates", "tenure:T4", "violation"),
        ("vacant", "tenure:T3", "signal"),
    }
    gap = next(v for v in found if v.check == "gap")
    assert "60天" in gap.reason_zh and "60 days" in gap.reason_en
    assert not [v for v in check_tenures(ts, max_gap_days=60) if v.check == "gap"]


def test_turnover_periods_per_unit() -> None:
    ts = [
        tenure("T1", "p1", D(2019, 1, 1), D(2022, 6, 30)),
        tenure("T2", "p5", D(2022, 7, 1), None),
        tenure("G1", "p2", D(2019, 1, 1), D(2024, 2, 1), post="government_head"),
        tenure("G2", "p3", D(2024, 2, 2), None, post="government_head"),
        tenure("X1", "p4", D(2020, 1, 1), D(2021, 1, 1), post="deputy"),
        tenure("X2", "p1", D(2021, 1, 2), None, post="deputy"),  # deputies are not turnover
        tenure("V1", "p4", D(2021, 1, 1), None, unit_id="u2"),  # first holder: no change
    ]
    assert turnover_periods(ts) == {"u1": ("2022", "2024")}
    assert turnover_periods(ts, posts=("deputy",)) == {"u1": ("2021",)}


@pytest.mark.parametrize(
    ("funding", "use", "flagged"),
    [
        ({"fiscal": 3000.0, "debt": 7000.0}, 0.2, True),  # 70 % debt, 20 % use
        ({"fiscal": 3000.0, "debt": 7000.0}, 0.5, False),  # well used
        ({"fiscal": 7000.0, "debt": 3000.0}, 0.2, False),  # 30 % debt, 6 % of revenue
        ({"fiscal": 5000.0, "special_bonds": 5000.0}, 0.1, False),  # 50 % < 60 %, 10 % of revenue
    ],
)
def test_vanity_signs(funding: dict[str, float], use: float, flagged: bool) -> None:
    p = project(funding=funding)
    outs = [
        outcome("O1", "bad", 1.0, 2024, utilisation=0.9),
        outcome("O2", "bad", 1.0, 2025, utilisation=use),
    ]
    found = vanity_signs([p], outs)
    assert bool(found) is flagged
    if flagged:
        assert found[0].subject == "project:P1" and "形象工程" in found[0].reason_zh
        assert "20%" in found[0].reason_zh  # the latest measurement counts


def test_vanity_debt_against_fiscal_revenue() -> None:
    """Debt half of the unit's yearly revenue is heavy even if it is a small share of budget."""
    p = project(
        budget=100000.0, funding={"fiscal": 70000.0, "debt": 30000.0}, fiscal_revenue=50000.0
    )
    assert vanity_signs([p], [outcome("O1", "bad", 1.0, 2025, utilisation=0.1)])
    assert not vanity_signs(
        [p], [outcome("O1", "bad", 1.0, 2025, utilisation=0.1)], VanityRule(debt_to_revenue=0.7)
    )
    assert not vanity_signs([p], [])  # never measured: no sign
