"""The pure state machine: every transition of the table, refusals, the 首接负责 window."""

from __future__ import annotations

import datetime as dt

import pytest

from zhengji.voice.lifecycle import (
    ANNOTATIONS,
    RETURN_WINDOW,
    STATES,
    TRANSITIONS,
    TransitionError,
    open311_status,
    step,
)


def test_happy_path() -> None:
    state = ""
    for action in ("accept", "dispatch", "sign", "process", "complete", "callback_satisfied"):
        state = step(state, action).state
    assert state == "closed" and open311_status(state) == "closed"


def test_dissatisfied_callback_reopens_and_redo_closes() -> None:
    state = "completed"
    state = step(state, "callback_unsatisfied").state
    assert state == "reopened" and open311_status(state) == "open"
    for action in ("sign", "complete", "callback_satisfied"):
        state = step(state, action).state
    assert state == "closed"


@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_every_action_is_refused_outside_its_states(action: str) -> None:
    sources, target = TRANSITIONS[action]
    assert target in STATES
    for state in ("", *STATES):
        if state in sources:
            assert step(state, action).state == target
        else:
            with pytest.raises(TransitionError):
                step(state, action)


def test_annotations_keep_the_state() -> None:
    for a in ANNOTATIONS:
        assert step("signed", a).state == "signed" and not step("signed", a).changed
    with pytest.raises(TransitionError):
        step("", "flag")


def test_first_receiver_may_return_only_within_the_window() -> None:
    t0 = dt.datetime(2025, 3, 3, 9, tzinfo=dt.UTC)
    assert (
        step("dispatched", "return", dispatched_at=t0, at=t0 + dt.timedelta(hours=3)).state
        == "returned"
    )
    with pytest.raises(TransitionError, match="首接负责"):
        step("signed", "return", dispatched_at=t0, at=t0 + RETURN_WINDOW + dt.timedelta(minutes=1))
    # a closed or merged request cannot be merged again
    for s in ("closed", "merged"):
        with pytest.raises(TransitionError):
            step(s, "merge")


def test_unknown_action_lists_the_known_ones() -> None:
    with pytest.raises(TransitionError, match="known"):
        step("accepted", "teleport")
