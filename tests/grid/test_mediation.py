"""The dispute state machine (pure) and the deadlines file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from zhengji.errors import DataError
from zhengji.grid import mediation as m
from zhengji.grid.deadlines import default_deadlines, load_deadlines, parse

T = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)


def test_agreement_path_needs_a_follow_up_before_closing() -> None:
    c = m.replay(
        [
            ("register", T, None, None),
            ("assign", T, "m1", None),
            ("session", T, None, None),
            ("session", T, None, None),
            ("agree", T, None, None),
        ]
    )
    assert c is not None and (c.state, c.sessions, c.outcome, c.concluded_level) == (
        "agreed",
        2,
        "agreement",
        "village",
    )
    with pytest.raises(m.StepError, match="follow-up"):
        m.step(c, "close", T)
    closed = m.step(m.step(c, "follow_up", T), "close", T)
    assert (closed.state, closed.follow_ups) == ("closed", 1)


def test_escalation_climbs_levels_and_clears_the_mediator() -> None:
    c = m.step(m.step(None, "register", T), "assign", T, mediator_id="m1")
    c = m.step(c, "escalate", T)
    assert (c.state, c.level, c.mediator_id) == ("registered", "township", None)
    c = m.step(c, "escalate", T)
    assert c.level == "county"
    with pytest.raises(m.StepError, match="county"):
        m.step(c, "escalate", T)


@pytest.mark.parametrize(
    ("events", "action"),
    [
        ([], "assign"),
        ([("register", T, None, None)], "agree"),
        ([("register", T, None, None)], "register"),
        ([("register", T, None, None)], "follow_up"),
        ([("register", T, None, None), ("assign", T, "m1", None)], "dance"),
    ],
)
def test_invalid_steps_are_refused(
    events: list[tuple[str, dt.datetime, str | None, str | None]], action: str
) -> None:
    with pytest.raises(m.StepError):
        m.step(m.replay(events), action, T)


def test_referral_needs_court_or_arbitration_and_petition_is_terminal() -> None:
    c = m.step(m.step(None, "register", T), "assign", T, mediator_id="m1")
    with pytest.raises(m.StepError):
        m.step(c, "refer", T, outcome="village_elder")
    r = m.step(c, "refer", T, outcome="court")
    assert (r.state, r.outcome) == ("referred", "court")
    p = m.step(r, "petition", T)
    assert p.petitioned and p.state == "petitioned"
    with pytest.raises(m.StepError):
        m.step(p, "petition", T)


def test_default_deadlines_follow_the_2002_rules() -> None:
    """《人民调解工作若干规定》(司法部令第75号, 2002) 第三十三条: "一般在一个月内调结"."""
    d = default_deadlines()
    assert d.rules["low"].days == 30
    assert d.due("low", T) == T + dt.timedelta(days=30)
    assert d.rules["high"].report_to_centre and not d.rules["low"].report_to_centre
    assert [d.rules[r].days for r in m.RISKS] == sorted(
        (d.rules[r].days for r in m.RISKS), reverse=True
    )


def test_bad_deadlines_name_the_key(tmp_path: Path) -> None:
    with pytest.raises(DataError) as exc:
        parse(
            "[risk.low]\ndays = 0\n[risk.medium]\ndays=3\n[risk.high]\ndays=2\n[risk.extreme]\ndays=1\n",
            "x.toml",
        )
    keys = {c for _, _, c, _ in exc.value.problems}
    assert keys == {"risk.low.days", "risk.major", "risk.extreme"}
    p = tmp_path / "d.toml"
    p.write_text(
        "[risk.low]\ndays=20\n[risk.medium]\ndays=10\n[risk.high]\ndays=5\n[risk.major]\ndays=1\n"
    )
    assert load_deadlines(p).rules["low"].days == 20
