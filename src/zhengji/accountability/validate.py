"""What a record must satisfy before it is stored: closed vocabularies and references.

Pure: each function returns ``(field, message)`` pairs; the service raises one ``DataError``
and the CSV importer maps the field to the file, line and column it came from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from zhengji.accountability.codec import code_of
from zhengji.accountability.model import (
    ACCEPTANCE_SIGNOFFS,
    DECISION_TYPES,
    OUTCOME_KINDS,
    POSTS,
    ROLES,
    VOTES,
    Acceptance,
    Audit,
    Case,
    Decision,
    Milestone,
    Outcome,
    Project,
    Responsibility,
    Ruling,
    Tenure,
)
from zhengji.accountability.tolerance import PROPOSALS

__all__ = ["Known", "problems"]

FieldProblem = tuple[str, str]


@dataclass(frozen=True)
class Known:
    """Codes that exist (stored, or earlier in the same import), by kind."""

    people: frozenset[str]
    codes: Mapping[str, frozenset[str]]

    def has(self, kind: str, code: str) -> bool:
        return code in self.codes.get(kind, frozenset())


def _choice(field: str, value: str, allowed: Mapping[str, tuple[str, str]]) -> list[FieldProblem]:
    if value in allowed:
        return []
    names = ", ".join(f"{k}（{v[0]}）" for k, v in allowed.items())
    return [(field, f"'{value}' 不是可选值 is not one of: {names}")]


def _person(field: str, pid: str, known: Known) -> list[FieldProblem]:
    if pid in known.people:
        return []
    return [(field, f"人员 '{pid}' 未登记 unknown person: add them to people.csv first")]


def _ref(field: str, kind: str, code: str | None, known: Known) -> list[FieldProblem]:
    if code is None or known.has(kind, code):
        return []
    return [(field, f"没有编号为 '{code}' 的{kind}记录 no {kind} with code '{code}'")]


def _tenure(t: Tenure, k: Known) -> list[FieldProblem]:
    out = _choice("post", t.post, POSTS) + _person("person_id", t.person_id, k)
    if t.end is not None and t.end < t.start:
        out.append(("end", f"结束日期早于开始日期 ends ({t.end}) before it starts ({t.start})"))
    return out


def _decision(d: Decision, k: Known) -> list[FieldProblem]:
    out = _choice("type", d.type, DECISION_TYPES) + _person("principal_id", d.principal_id, k)
    for field, people in (
        ("members", d.members),
        ("attendees", d.attendees),
        ("speakers", d.speakers),
        ("recusals", d.recusals),
        ("votes", tuple(d.votes)),
    ):
        for p in people:
            out += _person(field, p, k)
    for v in d.votes.values():
        out += _choice("votes", v, VOTES)
    if d.status not in ("open", "closed"):
        out.append(("status", f"'{d.status}' 应为 must be open or closed"))
    return out


def _project(p: Project, k: Known) -> list[FieldProblem]:
    out = _ref("decision_code", "decision", p.decision_code, k)
    if p.budget < 0 or any(v < 0 for v in p.funding.values()):
        out.append(("budget", "金额不能为负 amounts must be ≥ 0"))
    statuses = ("planned", "building", "accepted", "in_use", "abandoned")
    if p.status not in statuses:
        out.append(("status", f"'{p.status}' 应为 must be one of {', '.join(statuses)}"))
    return out


def _responsibility(r: Responsibility, k: Known) -> list[FieldProblem]:
    return (
        _ref("project_code", "project", r.project_code, k)
        + _person("person_id", r.person_id, k)
        + _choice("role", r.role, ROLES)
    )


def _milestone(m: Milestone, k: Known) -> list[FieldProblem]:
    return _ref("project_code", "project", m.project_code, k)


def _acceptance(a: Acceptance, k: Known) -> list[FieldProblem]:
    out = _ref("project_code", "project", a.project_code, k)
    for s in a.signoffs:
        out += _person("supervisors", s.supervisor_id, k)
        out += _choice("supervisors", s.verdict, ACCEPTANCE_SIGNOFFS)
        if s.verdict == "objected" and not s.text.strip():
            out.append(
                ("supervisors", f"监督员 {s.supervisor_id} 的异议须写明理由 state the objection")
            )
    return out


def _outcome(o: Outcome, k: Known) -> list[FieldProblem]:
    out = _choice("kind", o.kind, OUTCOME_KINDS)
    out += _ref("project_code", "project", o.project_code, k)
    out += _ref("decision_code", "decision", o.decision_code, k)
    if o.project_code is None and o.decision_code is None:
        out.append(("project_code", "须指明项目或决策 give a project_code or a decision_code"))
    if o.points < 0:
        out.append(
            ("points", "分值须 ≥ 0（好坏由 kind 区分）points must be ≥ 0; kind says good/bad")
        )
    if o.utilisation is not None and not 0 <= o.utilisation <= 1.5:
        out.append(("utilisation", "使用率应在0–1.5之间 utilisation is a share of design (0–1.5)"))
    return out


def _audit(a: Audit, k: Known) -> list[FieldProblem]:
    out = _ref("project_code", "project", a.project_code, k)
    if a.person_id is not None:
        out += _person("person_id", a.person_id, k)
    if a.result not in ("clean", "issues"):
        out.append(("result", f"'{a.result}' 应为 must be clean or issues"))
    return out


def _case(c: Case, k: Known) -> list[FieldProblem]:
    return (
        _ref("outcome_code", "outcome", c.outcome_code, k)
        + _person("person_id", c.person_id, k)
        + _choice("proposal", c.proposal, PROPOSALS)
    )


def _ruling(r: Ruling, k: Known) -> list[FieldProblem]:
    out = _ref("case_code", "case", r.case_code, k) + _choice("ruling", r.ruling, PROPOSALS)
    if not r.reviewer.strip():
        out.append(("reviewer", "须注明裁定人 give the reviewer"))
    if not r.reason.strip():
        out.append(("reason", "须说明裁定理由 give the reason for the ruling"))
    return out


_RULES: Mapping[type[Any], Callable[[Any, Known], list[FieldProblem]]] = {
    Tenure: _tenure,
    Decision: _decision,
    Project: _project,
    Responsibility: _responsibility,
    Milestone: _milestone,
    Acceptance: _acceptance,
    Outcome: _outcome,
    Audit: _audit,
    Case: _case,
    Ruling: _ruling,
}


def problems(obj: Any, known: Known) -> list[FieldProblem]:
    """Everything wrong with one record, given what is known to exist."""
    out: list[FieldProblem] = []
    if not code_of(obj).strip():
        out.append(("code", "编号为空 empty code"))
    return out + _RULES[type(obj)](obj, known)
