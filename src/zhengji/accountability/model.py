"""The accountability records as frozen values: what the rules read and the store writes.

Every record has a user-facing ``code`` (``T-bijiang-01``, ``D-2024-007``…) so bundles can
refer to one another's rows and a correction can name what it corrects. People appear only by
``person_id``: names live in the erasable person table, never in a ledgered record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from zhengji.accountability.tolerance import Criteria

__all__ = [
    "ACCEPTANCE_SIGNOFFS",
    "DEBT_SOURCES",
    "DECISION_TYPES",
    "OUTCOME_KINDS",
    "POSTS",
    "PRINCIPAL_POSTS",
    "ROLES",
    "VOTES",
    "Acceptance",
    "Audit",
    "Case",
    "Decision",
    "Dissent",
    "Milestone",
    "Outcome",
    "Project",
    "Records",
    "Responsibility",
    "Ruling",
    "Signoff",
    "Tenure",
]

#: post id → (中文, English). 政府主要负责人 is the 县长 of a county, the 乡镇长 of a township.
POSTS: Final[Mapping[str, tuple[str, str]]] = {
    "party_secretary": ("党委书记", "Party secretary"),
    "government_head": ("政府主要负责人（县长/乡镇长）", "Head of government (county/township)"),
    "deputy": ("分管领导", "Deputy in charge"),
}
#: The two principal posts (党政主要负责人): their changes are leadership turnover.
PRINCIPAL_POSTS: Final[tuple[str, ...]] = ("party_secretary", "government_head")

#: 三重一大: the four kinds of matter that must be decided collectively.
DECISION_TYPES: Final[Mapping[str, tuple[str, str]]] = {
    "major_decision": ("重大决策", "Major decision"),
    "cadre_appointment": ("重要干部任免", "Important cadre appointment or removal"),
    "major_project": ("重大项目安排", "Major project arrangement"),
    "large_funds": ("大额资金使用", "Use of large funds"),
}
VOTES: Final[Mapping[str, tuple[str, str]]] = {
    "for": ("同意", "for"),
    "against": ("不同意", "against"),
    "abstain": ("弃权", "abstain"),
    "defer": ("缓议", "defer"),
}
#: Roles on a project's responsibility list (责任清单).
ROLES: Final[Mapping[str, tuple[str, str]]] = {
    "principal": ("主要负责人", "Principal responsible leader"),
    "in_charge": ("分管负责人", "Leader in charge"),
    "direct": ("直接责任人", "Directly responsible person"),
    "decision_maker": ("决策责任人", "Decision maker"),
}
OUTCOME_KINDS: Final[Mapping[str, tuple[str, str]]] = {
    "good": ("潜绩显现（记功）", "Latent achievement realised (credit)"),
    "bad": ("造成损失（问责）", "Harm or loss (accountability)"),
}
ACCEPTANCE_SIGNOFFS: Final[Mapping[str, tuple[str, str]]] = {
    "signed": ("签字同意", "signed off"),
    "objected": ("提出异议", "recorded an objection"),
}


@dataclass(frozen=True)
class Tenure:
    """Who held which post in which unit from ``start`` to ``end`` (None: still in post)."""

    code: str
    person_id: str
    unit_id: str
    post: str
    start: dt.date
    end: dt.date | None = None
    pillars: tuple[str, ...] = ()  # 分管 areas (scheme pillar ids) of a deputy

    def holds_on(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Dissent:
    person_id: str
    text: str


@dataclass(frozen=True)
class Decision:
    """A 三重一大 decision as minuted.

    ``members`` is the body that should attend (应到会成员), ``attendees`` who did,
    ``speakers`` who stated a position in order, ``principal_id`` the leader who must speak
    last. ``meeting`` is empty for a decision taken outside a meeting (圈阅, 书记办公会 …).
    """

    code: str
    unit_id: str
    type: str
    title: str
    meeting: str
    held_on: dt.date
    principal_id: str
    members: tuple[str, ...]
    attendees: tuple[str, ...]
    speakers: tuple[str, ...]
    votes: Mapping[str, str]
    dissent: tuple[Dissent, ...] = ()
    recusals: tuple[str, ...] = ()
    status: str = "open"  # open (being implemented) / closed

    @property
    def votes_for(self) -> int:
        return sum(1 for v in self.votes.values() if v == "for")


@dataclass(frozen=True)
class Responsibility:
    project_code: str
    person_id: str
    role: str


@dataclass(frozen=True)
class Milestone:
    project_code: str
    name: str
    due: dt.date
    reached_on: dt.date | None = None


@dataclass(frozen=True)
class Signoff:
    """A citizen supervisor's sign-off or objection at acceptance (监督员)."""

    supervisor_id: str
    role: str
    verdict: str  # signed / objected
    text: str = ""


@dataclass(frozen=True)
class Acceptance:
    project_code: str
    accepted_on: dt.date
    passed: bool
    signoffs: tuple[Signoff, ...] = ()


@dataclass(frozen=True)
class Project:
    """A project and its money: ``budget`` and ``debt`` in 万元; ``fiscal_revenue`` is the
    unit's general budget revenue in the approval year (万元), for the debt burden."""

    code: str
    unit_id: str
    name: str
    decision_code: str | None
    budget: float
    funding: Mapping[str, float]  # source → 万元 (fiscal, debt, special_bonds, social …)
    start: dt.date
    planned_end: dt.date | None
    status: str  # planned / building / accepted / in_use / abandoned
    fiscal_revenue: float | None = None
    designed_use: str = ""

    @property
    def debt(self) -> float:
        return float(sum(v for k, v in self.funding.items() if k in DEBT_SOURCES))


#: Funding sources that are borrowing (the part left to successors: 击鼓传花).
DEBT_SOURCES: Final[frozenset[str]] = frozenset({"debt", "special_bonds", "loans", "platform"})


@dataclass(frozen=True)
class Outcome:
    """A later result of a project (or decision): good earns latent credit, bad accountability.

    ``points`` is the size on the scheme's scale (≥ 0); ``utilisation`` (0–1) is the share of
    the designed use reached after acceptance, when measured.
    """

    code: str
    project_code: str | None
    decision_code: str | None
    unit_id: str
    observed_on: dt.date
    kind: str  # good / bad
    points: float
    description: str
    utilisation: float | None = None

    @property
    def period(self) -> str:
        return f"{self.observed_on.year:04d}"


@dataclass(frozen=True)
class Audit:
    code: str
    unit_id: str
    audited_on: dt.date
    kind: str  # departure (离任经济责任审计) / project / special
    auditor: str
    result: str  # clean / issues
    summary: str
    project_code: str | None = None
    person_id: str | None = None
    amount_irregular: float = 0.0


@dataclass(frozen=True)
class Case:
    """A fault-tolerance case (容错纠错) about one person's part in one bad outcome.

    ``proposal`` is what :func:`zhengji.accountability.tolerance.propose` said when the case
    was opened (stored, so later rule changes do not rewrite history).
    """

    code: str
    outcome_code: str
    person_id: str
    opened_on: dt.date
    failure: str
    criteria: Criteria
    proposal: str


@dataclass(frozen=True)
class Ruling:
    """A reviewer's ruling on a case: exempt / mitigate / not_eligible."""

    case_code: str
    ruling: str
    reviewer: str
    reason: str
    ruled_on: dt.date


@dataclass(frozen=True)
class Records:
    """The current version of every accountability record (corrected rows left out).

    The service loads it from the store; every rule, the attribution and the dossier read it.
    """

    tenures: tuple[Tenure, ...] = ()
    decisions: tuple[Decision, ...] = ()
    projects: tuple[Project, ...] = ()
    responsibilities: tuple[Responsibility, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    acceptances: tuple[Acceptance, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    audits: tuple[Audit, ...] = ()
    cases: tuple[Case, ...] = ()
    rulings: tuple[Ruling, ...] = ()
