"""The three distinctions (三个区分开来) as a proposal: each rule from the seed and the 2018 意见."""

from __future__ import annotations

import pytest

from zhengji.accountability.tolerance import CRITERIA, Criteria, propose

GOOD = dict(exploratory=True, public_interest=True, due_process=True)


def test_exploratory_public_interest_due_process_is_exempt() -> None:
    p = propose(Criteria(**GOOD))
    assert p.decision == "exempt"
    text = " ".join(r.zh for r in p.reasons)
    assert "先行先试" in text and "出于公心" in text and "程序合规" in text
    assert all(r.source for r in p.reasons)


def test_unforeseeable_market_change_with_due_process_is_exempt() -> None:
    """Seed: "出于公心、程序合规，但因市场变化或政策调整等难以预见的……因素导致效果不及预期"."""
    c = Criteria(public_interest=True, due_process=True, unforeseeable_change=True)
    assert propose(c).decision == "exempt"


@pytest.mark.parametrize("bad", ["knowing_violation", "defied_prohibition", "private_gain"])
def test_second_half_of_any_distinction_is_not_eligible(bad: str) -> None:
    p = propose(Criteria(**GOOD, **{bad: True}))
    assert p.decision == "not_eligible"
    assert len(p.reasons) == 1 and p.reasons[0].source.startswith("种子文章")


def test_prior_prohibition_alone_is_not_disqualifying_but_removes_that_reason() -> None:
    p = propose(Criteria(**GOOD, prior_prohibition=True))
    assert p.decision == "exempt"
    assert not any("尚无明确限制" in r.zh for r in p.reasons)


@pytest.mark.parametrize(
    "criteria",
    [
        Criteria(exploratory=True, public_interest=True),  # process not followed
        Criteria(exploratory=True, due_process=True),  # public purpose not shown
        Criteria(public_interest=True, due_process=True),  # neither exploratory nor unforeseeable
    ],
)
def test_missing_conditions_mitigate(criteria: Criteria) -> None:
    p = propose(criteria)
    assert p.decision == "mitigate"
    assert any(r.zh.startswith("未能认定") or "并非源于" in r.zh for r in p.reasons)


def test_remedying_is_a_listed_reason() -> None:
    p = propose(Criteria(exploratory=True, public_interest=True, remedied=True))
    assert p.decision == "mitigate"
    assert any("挽回损失" in r.zh and "2018" in r.source for r in p.reasons)


def test_criteria_round_trip_and_unknown_names() -> None:
    c = Criteria(**GOOD)
    assert Criteria.from_mapping(c.as_dict()) == c
    assert set(c.as_dict()) == set(CRITERIA)
    with pytest.raises(ValueError, match="unknown criteria"):
        Criteria.from_mapping({"brave": True})
