"""Who answers for what, for life; and the indicators the assessment engine reads.

"健全决策与项目责任清单……终身问责", "功成不必在我": an outcome attaches to the people on the
project's responsibility list (or, for a decision, to the principal leader and those who voted
for it — a recorded dissent or vote against protects its author) **wherever they serve later**.
A fault-tolerance ruling scales how much a bad outcome still counts against a person
(:data:`zhengji.accountability.tolerance.FACTORS`): an exempted outcome counts for nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from zhengji.accountability.model import (
    DECISION_TYPES,
    POSTS,
    ROLES,
    Outcome,
    Records,
)
from zhengji.accountability.tolerance import FACTORS, PROPOSALS
from zhengji.bundle.model import ObservationRow

__all__ = [
    "ACCOUNTABILITY_DEDUCTION",
    "INDICATORS",
    "PROJECT_CREDIT",
    "WINDOW",
    "Answerable",
    "PersonRecord",
    "answerable_people",
    "derive_observations",
    "outcome_factor",
    "person_record",
]

PROJECT_CREDIT = "project_credit"
#: Years an outcome keeps counting in the derived indicators (a rolling sum).
WINDOW = 3
ACCOUNTABILITY_DEDUCTION = "accountability_deduction"
#: indicator id → (中文, English); both have source ``derived``.
INDICATORS = {
    PROJECT_CREDIT: ("潜绩记功（项目成效）", "Latent-achievement credit from project outcomes"),
    ACCOUNTABILITY_DEDUCTION: ("问责扣分", "Accountability deductions"),
}


@dataclass(frozen=True)
class Answerable:
    """One thing a person answers for. ``points`` is signed (credit +, deduction −) and
    already scaled by any fault-tolerance ruling; ``status`` says how it counts."""

    kind: str  # tenure / decision / project / outcome / audit / case
    code: str
    unit_id: str
    role: str
    when: dt.date
    summary_zh: str
    summary_en: str
    points: float = 0.0
    status: str = ""


@dataclass(frozen=True)
class PersonRecord:
    person_id: str
    items: tuple[Answerable, ...]
    credit: float
    deduction: float


def answerable_people(records: Records, outcome: Outcome) -> dict[str, str]:
    """person id → role, for everyone an outcome attaches to."""
    people: dict[str, str] = {}
    if outcome.project_code is not None:
        for r in records.responsibilities:
            if r.project_code == outcome.project_code:
                people.setdefault(r.person_id, r.role)
    if outcome.decision_code is not None:
        for d in records.decisions:
            if d.code == outcome.decision_code:
                people.setdefault(d.principal_id, "decision_maker")
                for p, v in d.votes.items():
                    if v == "for":
                        people.setdefault(p, "decision_maker")
    return people


def outcome_factor(records: Records, outcome_code: str, person_id: str) -> tuple[float, str]:
    """How much of a bad outcome counts against ``person_id``, and the ruling it comes from
    (``""`` if no case was ruled: it counts in full). The latest ruling of a case wins."""
    cases = {
        c.code for c in records.cases if c.outcome_code == outcome_code and c.person_id == person_id
    }
    rulings = sorted((r for r in records.rulings if r.case_code in cases), key=lambda r: r.ruled_on)
    if not rulings:
        return 1.0, ""
    last = rulings[-1].ruling
    return FACTORS[last], last


def _unit_factor(records: Records, o: Outcome) -> float:
    """How much of a bad outcome counts against its unit: a ruling judges the failure itself
    (the three distinctions are about how it came about), so once cases on the outcome have
    been ruled, the largest ruled factor counts — excluded when every ruling exempts, in full
    when any ruling finds it not eligible. No ruled case: it counts in full."""
    ruled = [
        outcome_factor(records, o.code, c.person_id)
        for c in records.cases
        if c.outcome_code == o.code
    ]
    factors = [f for f, ruling in ruled if ruling]
    return max(factors) if factors else 1.0


def person_record(records: Records, person_id: str) -> PersonRecord:
    """Everything ``person_id`` is answerable for, anywhere, ever (oldest first)."""
    items: list[Answerable] = []
    for t in records.tenures:
        if t.person_id == person_id:
            zh, en = POSTS.get(t.post, (t.post, t.post))
            end = t.end.isoformat() if t.end else "至今"
            items.append(
                Answerable(
                    "tenure", t.code, t.unit_id, t.post, t.start,
                    f"{zh} {t.start}–{end}", f"{en} {t.start}–{t.end or 'now'}",
                )
            )  # fmt: skip
    for d in records.decisions:
        role = ""
        if d.principal_id == person_id:
            role = "principal"
        elif d.votes.get(person_id) == "for":
            role = "voted_for"
        if role:
            tzh, ten = DECISION_TYPES.get(d.type, (d.type, d.type))
            items.append(
                Answerable(
                    "decision", d.code, d.unit_id, role, d.held_on,
                    f"{tzh}：{d.title}（{'主持并表态' if role == 'principal' else '投同意票'}）",
                    f"{ten}: {d.title} ({'chaired' if role == 'principal' else 'voted for'})",
                )
            )  # fmt: skip
    projects = {p.code: p for p in records.projects}
    for r in records.responsibilities:
        if r.person_id == person_id and r.project_code in projects:
            p = projects[r.project_code]
            rzh, ren = ROLES.get(r.role, (r.role, r.role))
            items.append(
                Answerable(
                    "project", p.code, p.unit_id, r.role, p.start,
                    f"项目“{p.name}”{rzh}", f"project '{p.name}': {ren}",
                )
            )  # fmt: skip
    credit = deduction = 0.0
    for o in records.outcomes:
        o_role = answerable_people(records, o).get(person_id)
        if o_role is None:
            continue
        if o.kind == "good":
            pts, status = o.points, "credit"
            credit += pts
        else:
            factor, ruling = outcome_factor(records, o.code, person_id)
            pts, status = 0.0 - o.points * factor, (ruling or "counts")
            deduction += o.points * factor
        note_zh = f"（容错：{PROPOSALS[status][0]}）" if status in PROPOSALS else ""
        note_en = f" (fault tolerance: {PROPOSALS[status][1]})" if status in PROPOSALS else ""
        items.append(
            Answerable(
                "outcome", o.code, o.unit_id, o_role, o.observed_on,
                f"{'成效' if o.kind == 'good' else '损失'}：{o.description}{note_zh}",
                f"{'good' if o.kind == 'good' else 'bad'} outcome: {o.description}{note_en}",
                pts, status,
            )
        )  # fmt: skip
    for a in records.audits:
        if a.person_id == person_id:
            items.append(
                Answerable(
                    "audit", a.code, a.unit_id, a.kind, a.audited_on,
                    f"审计（{a.auditor}）：{a.summary}", f"audit by {a.auditor}: {a.result}",
                )
            )  # fmt: skip
    ruled = {r.case_code: r for r in sorted(records.rulings, key=lambda r: r.ruled_on)}
    for c in records.cases:
        if c.person_id == person_id:
            rl = ruled.get(c.code)
            state = rl.ruling if rl else "pending"
            zh = PROPOSALS[state][0] if state in PROPOSALS else "待裁定"
            items.append(
                Answerable(
                    "case", c.code, "", state, c.opened_on,
                    f"容错纠错案件：{c.failure}（{zh}）", f"fault-tolerance case ({state})",
                )
            )  # fmt: skip
    items.sort(key=lambda a: (a.when, a.kind, a.code))
    return PersonRecord(person_id, tuple(items), credit, deduction)


def derive_observations(
    records: Records, unit_ids: Iterable[str], periods: Sequence[str], window: int = WINDOW
) -> list[ObservationRow]:
    """The two ``derived`` indicators per unit and period (source ``derived``).

    ``project_credit``: points of good outcomes of the unit's projects and decisions observed
    in the ``window`` years up to the period (latent credit keeps counting for a while: 潜绩).
    ``accountability_deduction``: the same for bad outcomes, each scaled by the largest factor
    of the fault-tolerance rulings on it (all rulings exempt: excluded; none ruled: in full).
    Every unit gets a row for every period (0 when nothing happened), so nothing is missing.
    Periods are read by their year (``2025``, ``2025-Q3`` → 2025).
    """
    credit: dict[tuple[str, int], float] = defaultdict(float)
    deduction: dict[tuple[str, int], float] = defaultdict(float)
    for o in records.outcomes:
        key = (o.unit_id, o.observed_on.year)
        if o.kind == "good":
            credit[key] += o.points
        else:
            deduction[key] += o.points * _unit_factor(records, o)
    rows: list[ObservationRow] = []
    for u in unit_ids:
        for p in periods:
            year = int(p[:4])
            for ind, table in ((PROJECT_CREDIT, credit), (ACCOUNTABILITY_DEDUCTION, deduction)):
                total = sum(table.get((u, y), 0.0) for y in range(year - window + 1, year + 1))
                rows.append(ObservationRow(u, p, ind, round(total, 2), "derived"))
    return rows
