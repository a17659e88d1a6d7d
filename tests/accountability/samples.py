"""Small hand-made records for the accountability tests (one county, five people)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from zhengji.accountability.model import (
    Decision,
    Dissent,
    Outcome,
    Project,
    Responsibility,
    Tenure,
)

D = dt.date
PEOPLE = (
    ("p1", "甲书记", "cadre"),
    ("p2", "乙县长", "cadre"),
    ("p3", "丙副县长", "cadre"),
    ("p4", "丁常委", "cadre"),
    ("p5", "戊书记", "cadre"),
    ("s1", "己监督员", "supervisor"),
)
MEMBERS = ("p1", "p2", "p3", "p4")


def decision(**kw: Any) -> Decision:
    """A clean decision of the four-member body chaired by p1 (who speaks last)."""
    base: dict[str, Any] = dict(
        code="D1",
        unit_id="u1",
        type="major_decision",
        title="修建文化广场",
        meeting="常委会第1次会议",
        held_on=D(2022, 3, 1),
        principal_id="p1",
        members=MEMBERS,
        attendees=MEMBERS,
        speakers=("p3", "p2", "p4", "p1"),
        votes={"p1": "for", "p2": "for", "p3": "for", "p4": "against"},
        dissent=(Dissent("p4", "债务风险过高"),),
    )
    base.update(kw)
    return Decision(**base)


def tenure(code: str, person: str, start: dt.date, end: dt.date | None, **kw: Any) -> Tenure:
    return Tenure(
        code, person, kw.pop("unit_id", "u1"), kw.pop("post", "party_secretary"), start, end, **kw
    )


def project(code: str = "P1", **kw: Any) -> Project:
    base: dict[str, Any] = dict(
        code=code,
        unit_id="u1",
        name="文化广场",
        decision_code="D1",
        budget=10000.0,
        funding={"fiscal": 4000.0, "debt": 6000.0},
        start=D(2022, 4, 1),
        planned_end=D(2023, 6, 30),
        status="in_use",
        fiscal_revenue=50000.0,
    )
    base.update(kw)
    return Project(**base)


def outcome(code: str, kind: str, points: float, year: int, **kw: Any) -> Outcome:
    base: dict[str, Any] = dict(
        code=code,
        project_code="P1",
        decision_code=None,
        unit_id="u1",
        observed_on=D(year, 6, 1),
        kind=kind,
        points=points,
        description="说明",
    )
    base.update(kw)
    return Outcome(**base)


RESPONSIBLE = (Responsibility("P1", "p1", "principal"), Responsibility("P1", "p3", "in_charge"))
