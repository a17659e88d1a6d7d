"""Dispute mediation (矛盾纠纷排查化解) as a pure state machine over plain values.

A case moves: ``registered`` → ``assigned`` (a mediator) → ``mediating`` (sessions) →
``agreed`` (调解协议) | ``referred`` (to court or arbitration 诉讼/仲裁) → ``closed`` after
follow-up visits (回访). ``escalate`` moves the case one level up (village → township → county,
i.e. to the comprehensive governance centre 综治中心) and waits for a new assignment there.
``petition`` records that a party took the dispute to 信访 (the failure the Fengqiao goal
"矛盾不上交" counts); it can happen in any state.
The store shell (:mod:`zhengji.grid.disputes`) replays the stored events through :func:`step`
before appending a new one, so an invalid step is refused before anything is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from zhengji.errors import ZhengjiError

__all__ = [
    "ACTIONS",
    "KINDS",
    "LEVELS",
    "OUTCOMES",
    "RISKS",
    "STATES",
    "Case",
    "StepError",
    "replay",
    "step",
]

STATES = ("registered", "assigned", "mediating", "agreed", "referred", "closed", "petitioned")
LEVELS = ("village", "township", "county")
KINDS = {
    "neighbourhood": "邻里纠纷 neighbourhood",
    "land": "土地山林纠纷 land and forest",
    "family": "婚姻家庭纠纷 family and marriage",
    "labour": "劳动劳务纠纷 labour",
    "property": "房屋宅基地纠纷 housing and homestead",
    "debt": "债务纠纷 debt",
    "damage": "损害赔偿纠纷 damages",
    "other": "其他纠纷 other",
}
RISKS = ("low", "medium", "high", "major")
OUTCOMES = {
    "agreement": "达成调解协议 mediated agreement",
    "court": "引导诉讼 referred to court",
    "arbitration": "引导仲裁 referred to arbitration",
}
ACTIONS = {
    "register": "登记 register",
    "assign": "指派调解员 assign a mediator",
    "session": "调解 mediation session",
    "agree": "达成协议 agreement",
    "refer": "引导诉讼/仲裁 refer to court or arbitration",
    "escalate": "上报 escalate one level",
    "follow_up": "回访 follow-up visit",
    "close": "结案 close",
    "petition": "转为信访 taken to petition",
}
_FROM: dict[str, tuple[str, ...]] = {
    "assign": ("registered", "assigned", "mediating"),
    "session": ("assigned", "mediating"),
    "agree": ("mediating",),
    "refer": ("assigned", "mediating"),
    "escalate": ("registered", "assigned", "mediating"),
    "follow_up": ("agreed", "referred"),
    "close": ("agreed", "referred"),
    "petition": STATES[:-1],
}


class StepError(ZhengjiError):
    """The step is not allowed in the case's current state (nothing is written)."""


@dataclass(frozen=True)
class Case:
    """What the event history says now."""

    state: str
    level: str
    mediator_id: str | None
    sessions: int = 0
    follow_ups: int = 0
    outcome: str | None = None
    concluded_at: dt.datetime | None = None
    concluded_level: str | None = None
    petitioned: bool = False


def step(
    case: Case | None,
    action: str,
    at: dt.datetime,
    *,
    mediator_id: str | None = None,
    outcome: str | None = None,
) -> Case:
    """The case after ``action``; raises :class:`StepError` when it is not allowed."""
    if action not in ACTIONS:
        raise StepError(f"未知操作 unknown action '{action}'; {sorted(ACTIONS)}")
    if case is None:
        if action != "register":
            raise StepError("纠纷尚未登记 the dispute must be registered first")
        return Case("registered", "village", None)
    if action == "register":
        raise StepError("纠纷已登记 the dispute is already registered")
    if case.state not in _FROM[action]:
        raise StepError(
            f"当前状态 '{case.state}' 不能执行 '{ACTIONS[action]}' "
            f"cannot {action} a case in state '{case.state}'"
        )
    if action == "assign":
        if not mediator_id:
            raise StepError("需要调解员 assign needs a mediator_id")
        return replace(case, state="assigned", mediator_id=mediator_id)
    if action == "session":
        return replace(case, state="mediating", sessions=case.sessions + 1)
    if action == "agree":
        return _conclude(case, "agreed", "agreement", at)
    if action == "refer":
        if outcome not in ("court", "arbitration"):
            raise StepError(
                "引导去向须为 court 或 arbitration refer needs outcome court|arbitration"
            )
        return _conclude(case, "referred", outcome, at)
    if action == "escalate":
        i = LEVELS.index(case.level)
        if i + 1 >= len(LEVELS):
            raise StepError("已在县级综治中心 the case is already at the county centre")
        return replace(case, state="registered", level=LEVELS[i + 1], mediator_id=None)
    if action == "follow_up":
        return replace(case, follow_ups=case.follow_ups + 1)
    if action == "close":
        if case.follow_ups < 1:
            raise StepError("结案前须至少回访一次 close needs at least one follow-up visit")
        return replace(case, state="closed")
    # petition
    return replace(case, state="petitioned", petitioned=True)


def _conclude(case: Case, state: str, outcome: str, at: dt.datetime) -> Case:
    return replace(case, state=state, outcome=outcome, concluded_at=at, concluded_level=case.level)


def replay(events: list[tuple[str, dt.datetime, str | None, str | None]]) -> Case | None:
    """Fold ``(action, at, mediator_id, outcome)`` events (oldest first) into the case."""
    case: Case | None = None
    for action, at, mediator_id, outcome in events:
        case = step(case, action, at, mediator_id=mediator_id, outcome=outcome)
    return case
