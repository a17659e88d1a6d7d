"""The lifecycle of a citizen request as a pure state machine (a transition table).

::

    受理 accepted ─派单 dispatch─► dispatched ─签收 sign─► signed ─办理 process─► processing
       │   ▲                          │   ▲                  │                      │
       │   └──── returned ◄─退回 return┘   │                  └──办结 complete───────┤
       └─ answer 即时答复 ────────────────┼─────────────────────────────────► completed
                                           └── reopened ◄─ 回访不满意 callback_unsatisfied
                                                          回访满意 callback_satisfied ─► closed
    any open state ─merge 合并─► merged;  flag 恶意重复 / escalate 督办 / note keep the state

The store keeps one append-only event per step (actor, time); the current state is the state of
the last event. Nothing here touches a database: :func:`step` says what a step leads to or why
it is not allowed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from zhengji.errors import ZhengjiError

__all__ = [
    "ACTIONS",
    "ACTION_ZH",
    "ANNOTATIONS",
    "CLOSED_STATES",
    "RETURN_WINDOW",
    "STATES",
    "STATE_ZH",
    "TRANSITIONS",
    "Step",
    "TransitionError",
    "open311_status",
    "step",
]


class TransitionError(ZhengjiError):
    """A lifecycle step that the current state does not allow."""


STATE_ZH: dict[str, str] = {
    "accepted": "已受理",
    "dispatched": "已派单",
    "signed": "已签收",
    "processing": "办理中",
    "completed": "已办结待回访",
    "closed": "已回访办结",
    "reopened": "重办",
    "returned": "已退回待改派",
    "merged": "已合并",
}
STATES = tuple(STATE_ZH)
CLOSED_STATES = frozenset({"completed", "closed", "merged"})
_OPEN = frozenset(STATES) - {"closed", "merged"}

#: action → (states it may start from, state it leads to). ``callback`` is split by outcome.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "accept": (frozenset({""}), "accepted"),
    "dispatch": (frozenset({"accepted", "returned"}), "dispatched"),
    "answer": (frozenset({"accepted", "dispatched"}), "completed"),
    "sign": (frozenset({"dispatched", "reopened"}), "signed"),
    "process": (frozenset({"signed"}), "processing"),
    "complete": (frozenset({"signed", "processing"}), "completed"),
    "callback_satisfied": (frozenset({"completed"}), "closed"),
    "callback_unsatisfied": (frozenset({"completed"}), "reopened"),
    "return": (frozenset({"dispatched", "signed", "reopened"}), "returned"),
    "merge": (_OPEN, "merged"),
}
#: Steps that record something without changing the state.
ANNOTATIONS = frozenset({"flag", "escalate", "note"})
ACTIONS = frozenset(TRANSITIONS) | ANNOTATIONS

ACTION_ZH: dict[str, str] = {
    "accept": "受理",
    "dispatch": "派单",
    "answer": "即时答复",
    "sign": "签收",
    "process": "办理",
    "complete": "办结",
    "callback_satisfied": "回访（满意）",
    "callback_unsatisfied": "回访（不满意，重办）",
    "return": "退回",
    "merge": "合并",
    "flag": "标记恶意重复",
    "escalate": "督办",
    "note": "备注",
}

#: 首接负责: a unit may return a misrouted request only within this time of its dispatch;
#: afterwards it stays responsible and must handle or coordinate it itself.
RETURN_WINDOW = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Step:
    state: str
    changed: bool


def step(
    state: str,
    action: str,
    *,
    dispatched_at: dt.datetime | None = None,
    at: dt.datetime | None = None,
) -> Step:
    """The state after ``action`` from ``state`` ("" before the first event), or raise.

    ``dispatched_at``/``at`` are needed for ``return`` (the 首接负责 window).
    """
    if action in ANNOTATIONS:
        if not state:
            raise TransitionError("诉求尚未受理 the request has not been accepted yet")
        return Step(state, False)
    if action not in TRANSITIONS:
        raise TransitionError(f"未知操作 unknown action '{action}'; known: {sorted(ACTIONS)}")
    sources, target = TRANSITIONS[action]
    if state not in sources:
        now = STATE_ZH.get(state, "未受理 not accepted")
        raise TransitionError(
            f"当前状态「{now}」不能{ACTION_ZH[action]} cannot {action} a request in state "
            f"'{state or 'new'}'; allowed from: {sorted(s for s in sources if s)}"
        )
    late = dispatched_at is not None and at is not None and at - dispatched_at > RETURN_WINDOW
    if action == "return" and late:
        raise TransitionError(
            "首接负责：派单超过 24 小时不能退回，请本单位办理或协调 "
            f"first-receiver-responsible: a request dispatched more than {RETURN_WINDOW} ago "
            "cannot be returned"
        )
    return Step(target, True)


def open311_status(state: str) -> str:
    """Open311 ``status``: ``closed`` once the work is done (办结), merged or closed."""
    return "closed" if state in CLOSED_STATES else "open"
