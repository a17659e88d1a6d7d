"""The demo world's accountability records (示例数据（模拟）): tenures, decisions, projects …

Deterministic by seed, drawn from its own generator so the county figures do not move. All
people are invented ("张某甲"): real county names, fictional officials and events.

Planted, for the checks to catch (``docs/accountability.md``, "Demo"):

* :data:`LEADER_FIRST` decisions where the party secretary speaks first (末位表态 violated),
  and one cadre appointment without a two-thirds quorum;
* one vanity project (形象工程) in :data:`CHANGE_COUNTY`: mostly debt-financed, used at 15 %
  after acceptance (2024) and 12 % a year later; the later bad outcome (2025) follows the
  secretary responsible to their next post;
* a leadership change: the secretary of :data:`CHANGE_COUNTY` leaves on :data:`CHANGE_DATE`
  for the same post in :data:`MOVE_COUNTY`; the handover dossier is generated;
* a fault-tolerance case (a tea-processing plant hit by a price collapse) ruled exempt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from zhengji.accountability import service
from zhengji.accountability.attribution import derive_observations
from zhengji.accountability.model import (
    Acceptance,
    Audit,
    Decision,
    Dissent,
    Milestone,
    Outcome,
    Project,
    Records,
    Responsibility,
    Ruling,
    Signoff,
    Tenure,
)
from zhengji.accountability.tolerance import Criteria, propose
from zhengji.bundle.model import ObservationRow
from zhengji.demo.catalogue import COUNTIES, PERIODS

__all__ = [
    "CHANGE_COUNTY",
    "CHANGE_DATE",
    "LEADER_FIRST",
    "MOVE_COUNTY",
    "VANITY_PROJECT",
    "DemoRecords",
    "DemoSummary",
    "accountability_files",
    "demo_records",
    "derived_csv_rows",
    "derived_rows",
    "populate",
]

STREAM = 23
CHANGE_COUNTY = "dejiang"
MOVE_COUNTY = "yanhe"
CHANGE_DATE = dt.date(2024, 6, 30)
VANITY_PROJECT = "P-dejiang-04"
TOLERANCE_CASE = "C-2025-001"
TOLERANCE_OUTCOME = "O-sinan-02"
LEADER_FIRST = ("D-bijiang-03", "D-shiqian-02", "D-songtao-05")
NO_QUORUM = "D-yuping-02"
RECORDER = "示例数据（模拟） demo"

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢"
    "宋唐许韩冯邓曹彭曾萧田董袁潘蒋蔡余杜叶程魏苏吕丁任沈"
)
_TAGS = "甲乙丙丁戊己庚辛壬癸"
_PILLARS = ("quality", "livelihood", "ecology", "foundations", "risk")
_TYPES = ("major_decision", "cadre_appointment", "major_project", "large_funds", "major_decision")
_TITLES = {
    "major_decision": ("县域产业发展规划调整", "城乡环境整治三年行动方案", "生态保护红线管控方案"),
    "cadre_appointment": ("乡镇领导班子调整", "县直部门主要负责人任免"),
    "major_project": ("重点项目年度计划", "农村供水保障工程建设方案"),
    "large_funds": ("衔接推进乡村振兴补助资金分配", "教育医疗专项资金安排"),
}
_PROJECTS = (
    ("农村饮水安全巩固提升工程", "为村民供水"),
    ("茶叶加工园区", "年加工干茶"),
    ("乡村旅游公路", "通行"),
    ("县城文化广场及景观大道", "游客与市民使用"),
)


@dataclass(frozen=True)
class DemoRecords:
    """People ``(person_id, name, kind)`` and records, in the order they are stored."""

    people: tuple[tuple[str, str, str], ...]
    records: tuple[Any, ...]

    def as_records(self) -> Records:
        by: dict[type[Any], list[Any]] = {}
        for r in self.records:
            by.setdefault(type(r), []).append(r)
        return Records(
            tenures=tuple(by.get(Tenure, ())),
            decisions=tuple(by.get(Decision, ())),
            projects=tuple(by.get(Project, ())),
            responsibilities=tuple(by.get(Responsibility, ())),
            milestones=tuple(by.get(Milestone, ())),
            acceptances=tuple(by.get(Acceptance, ())),
            outcomes=tuple(by.get(Outcome, ())),
            audits=tuple(by.get(Audit, ())),
            cases=tuple(r for r in self.records if type(r).__name__ == "Case"),
            rulings=tuple(by.get(Ruling, ())),
        )


@dataclass(frozen=True)
class DemoSummary:
    people: int
    records: int
    dossier_id: int
    dossier_ledger_index: int
    case_code: str
    proposal: str


def demo_records(seed: int = 20251) -> DemoRecords:
    """Every demo record, deterministic by seed (own stream: county figures do not move)."""
    from zhengji.accountability.model import Case

    rng = np.random.default_rng((seed, STREAM))
    people: list[tuple[str, str, str]] = []
    recs: list[Any] = []
    surnames = list(_SURNAMES)
    rng.shuffle(surnames)
    k = 0

    def person(kind: str = "cadre") -> str:
        nonlocal k
        pid = f"{'S' if kind == 'supervisor' else 'P'}{k + 1:03d}"
        people.append(
            (pid, f"{surnames[k % len(surnames)]}某{_TAGS[(k // len(surnames)) % 10]}", kind)
        )
        k += 1
        return pid

    committee: dict[str, list[str]] = {}
    secretary: dict[str, str] = {}
    for c in COUNTIES:
        start = dt.date(2019 + int(rng.integers(0, 2)), 1 + int(rng.integers(0, 12)), 1)
        members = [person() for _ in range(9)]
        committee[c.id] = members
        secretary[c.id] = members[0]
        sec_end = CHANGE_DATE if c.id in (CHANGE_COUNTY, MOVE_COUNTY) else None
        recs.append(Tenure(f"T-{c.id}-sec", members[0], c.id, "party_secretary", start, sec_end))
        recs.append(Tenure(f"T-{c.id}-gov", members[1], c.id, "government_head", start, None))
        for i, m in enumerate(members[2:5]):
            recs.append(
                Tenure(f"T-{c.id}-dep{i + 1}", m, c.id, "deputy", start, None, (_PILLARS[i],))
            )
    # The leadership change: dejiang's secretary moves to yanhe; a new secretary for dejiang.
    mover = secretary[CHANGE_COUNTY]
    successor = person()
    recs.append(
        Tenure(f"T-{MOVE_COUNTY}-sec2", mover, MOVE_COUNTY, "party_secretary", dt.date(2024, 7, 1))
    )
    recs.append(
        Tenure(
            f"T-{CHANGE_COUNTY}-sec2", successor, CHANGE_COUNTY, "party_secretary",
            dt.date(2024, 7, 15),
        )
    )  # fmt: skip
    supervisors = {c.id: (person("supervisor"), person("supervisor")) for c in COUNTIES}

    # --- decisions: five per county ---------------------------------------------------------------
    new_lead = {CHANGE_COUNTY: successor, MOVE_COUNTY: mover}
    for c in COUNTIES:
        for j, typ in enumerate(_TYPES, start=1):
            code = f"D-{c.id}-{j:02d}"
            titles = _TITLES[typ]
            year = 2021 + (j - 1) % 5
            held = dt.date(year, 1 + int(rng.integers(0, 12)), 1 + int(rng.integers(0, 28)))
            members = committee[c.id]
            if c.id in new_lead and held > CHANGE_DATE:
                members = [new_lead[c.id], *members[1:]]  # the secretary who chairs by then
            attendees = list(members)
            if code == NO_QUORUM:
                attendees = members[:5]  # 5 of 9 < two thirds for a cadre appointment (守则第3条)
            elif rng.random() < 0.3:
                attendees.remove(members[2 + int(rng.integers(0, 7))])
            others = [m for m in attendees if m != members[0]]
            rng.shuffle(others)
            speakers = [*others, members[0]]
            if code in LEADER_FIRST:
                speakers = [members[0], *others]
            votes = {m: "for" for m in attendees}
            dissent: tuple[Dissent, ...] = ()
            if rng.random() < 0.25:
                objector = others[0]
                votes[objector] = "against"
                dissent = (Dissent(objector, "资金来源不明确，建议分期实施"),)
            status = "open" if year >= 2024 else "closed"
            recs.append(
                Decision(
                    code, c.id, typ, f"{c.name}{titles[j % len(titles)]}",
                    f"县委常委会{year}年第{j}次会议", held, members[0], tuple(members),
                    tuple(attendees), tuple(speakers), votes, dissent, (), status,
                )
            )  # fmt: skip

    # --- projects: four per county ----------------------------------------------------------------
    for c in COUNTIES:
        members = committee[c.id]
        for j, (pname, use) in enumerate(_PROJECTS, start=1):
            code = f"P-{c.id}-{j:02d}"
            budget = float(np.round(rng.uniform(2000, 30000), -1))
            debt_share = float(rng.uniform(0.0, 0.45))
            revenue = float(np.round(rng.uniform(80000, 300000), -2))
            start = dt.date(2021 + int(rng.integers(0, 2)), 3, 1)
            if code == VANITY_PROJECT:
                budget, debt_share, revenue = 68000.0, 0.82, 95000.0
                start = dt.date(2021, 5, 1)
            debt = round(budget * debt_share, 1)
            end = dt.date(start.year + 2, 6, 30)
            status = "in_use" if j != 3 or c.id in ("bijiang", "wanshan") else "building"
            funding = {"fiscal": round(budget - debt, 1), "debt": debt}
            recs.append(
                Project(
                    code, c.id, f"{c.name}{pname}", f"D-{c.id}-03", budget, funding, start, end,
                    status, revenue, use,
                )
            )  # fmt: skip
            recs.append(Responsibility(code, members[0], "principal"))
            recs.append(Responsibility(code, members[2 + (j % 3)], "in_charge"))
            recs.append(Responsibility(code, members[5 + (j % 4)], "direct"))
            recs.append(Milestone(code, "开工 start", start, start))
            reached = None if status == "building" else end
            recs.append(Milestone(code, "完工 completion", end, reached))
            if status == "building":
                continue
            s1, s2 = supervisors[c.id]
            objection = code == VANITY_PROJECT
            recs.append(
                Acceptance(
                    code, end + dt.timedelta(days=20), True,
                    (
                        Signoff(s1, "群众代表监督员 citizen supervisor", "signed"),
                        Signoff(
                            s2, "村民代表监督员 villager supervisor",
                            "objected" if objection else "signed",
                            "建设规模过大，群众使用不便 too large, hard for residents to use"
                            if objection else "",
                        ),
                    ),
                )
            )  # fmt: skip
            # later outcomes
            year = min(end.year + 1, 2025)
            observed = dt.date(year, 10, 1)
            if code == VANITY_PROJECT:
                recs.append(
                    Outcome(
                        f"O-{c.id}-{j:02d}", code, None, c.id, dt.date(2024, 3, 1), "bad", 5.0,
                        "验收后长期闲置，使用量仅为设计的15%", 0.15,
                    )
                )  # fmt: skip
                recs.append(
                    Outcome(
                        f"O-{c.id}-{j:02d}b", code, None, c.id, dt.date(2025, 9, 1), "bad", 3.0,
                        "债务本息由财政负担，挤占民生支出；使用量仍仅为设计的12%", 0.12,
                    )
                )  # fmt: skip
            elif f"O-{c.id}-{j:02d}" == TOLERANCE_OUTCOME:
                recs.append(
                    Outcome(
                        TOLERANCE_OUTCOME, code, None, c.id, observed, "bad", 4.0,
                        "茶叶价格大幅下跌，园区开工率低于预期", 0.45,
                    )
                )  # fmt: skip
            elif rng.random() < 0.7:
                use_share = float(np.round(rng.uniform(0.6, 1.05), 2))
                recs.append(
                    Outcome(
                        f"O-{c.id}-{j:02d}", code, None, c.id, observed, "good",
                        float(np.round(rng.uniform(1.0, 5.0), 1)),
                        f"{use}达到设计的{use_share:.0%}，群众满意", use_share,
                    )
                )  # fmt: skip

    # --- audits -----------------------------------------------------------------------------
    recs.append(
        Audit(
            "A-2024-001", CHANGE_COUNTY, dt.date(2024, 7, 10), "departure", "铜仁市审计局（模拟）",
            "issues", "离任经济责任审计：形象工程举债过高，债务风险未如实披露", VANITY_PROJECT,
            mover, 1200.0,
        )
    )  # fmt: skip
    recs.append(
        Audit(
            "A-2023-002", "bijiang", dt.date(2023, 11, 2), "project", "铜仁市审计局（模拟）",
            "clean", "农村饮水工程竣工决算审计，未发现问题", "P-bijiang-01",
        )
    )  # fmt: skip

    # --- fault tolerance: the tea plant, public interest, due process, price collapse -------------
    sinan = committee["sinan"]
    criteria = Criteria(
        exploratory=True, public_interest=True, due_process=True, unforeseeable_change=True,
        remedied=True,
    )  # fmt: skip
    recs.append(
        Case(
            TOLERANCE_CASE, TOLERANCE_OUTCOME, sinan[0], dt.date(2025, 3, 1),
            "茶叶加工园区因茶叶价格下跌开工不足，造成投资效益低于预期", criteria,
            propose(criteria).decision,
        )
    )  # fmt: skip
    recs.append(
        Ruling(
            TOLERANCE_CASE, "exempt", "铜仁市容错纠错工作领导小组（模拟）",
            "经集体研究：出于公心、程序合规，损失源于难以预见的市场变化，且已主动调整经营，符合"
            "“三个区分开来”，予以免责", dt.date(2025, 4, 15),
        )
    )  # fmt: skip
    return DemoRecords(tuple(people), tuple(recs))


def derived_rows(seed: int = 20251, periods: Sequence[str] = PERIODS) -> list[ObservationRow]:
    """The demo's ``project_credit`` / ``accountability_deduction`` rows for every county."""
    return derive_observations(demo_records(seed).as_records(), [c.id for c in COUNTIES], periods)


def populate(
    store: Any, seed: int = 20251, by: str = RECORDER, out: Path | None = None
) -> DemoSummary:
    """Record the demo's people and records into ``store`` (a :class:`zhengji.store.Store`),
    each committed to the ledger, and generate the dossier of the leadership change.

    Run it on a fresh store (after importing the county bundle, so the dossier shows the
    county's name); records already present unchanged are skipped. With ``out``, the dossier is
    also written there as ``dossier-dejiang-party_secretary.html`` / ``.pdf``.
    """
    demo = demo_records(seed)
    with store.transaction() as s:
        for pid, name, kind in demo.people:
            service.add_person(s, pid, name, kind)
        for r in demo.records:
            service.record(s, r, by=by, check=False)
        dossier = service.generate_dossier(s, CHANGE_COUNTY, "party_secretary", by, synthetic=True)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        stem = out / f"dossier-{CHANGE_COUNTY}-party_secretary"
        stem.with_suffix(".html").write_text(dossier.html, encoding="utf-8")
        stem.with_suffix(".pdf").write_bytes(dossier.pdf)
    case = next(r for r in demo.records if getattr(r, "code", None) == TOLERANCE_CASE)
    return DemoSummary(
        len(demo.people), len(demo.records), dossier.id, dossier.ledger_index,
        TOLERANCE_CASE, case.proposal,
    )  # fmt: skip


def derived_csv_rows(seed: int = 20251) -> list[list[str]]:
    """:func:`derived_rows` as observations.csv rows (for ``zhengji.demo.world``)."""
    return [
        [r.unit_id, r.period, r.indicator_id, f"{r.value:.2f}", r.source]
        for r in derived_rows(seed)
    ]


def accountability_files(seed: int = 20251, prefix: str = "accountability/") -> dict[str, bytes]:
    """The demo records as CSV files for ``zhengji records import`` (under ``prefix``)."""
    from zhengji.accountability.importer import to_csv

    demo = demo_records(seed)
    return {f"{prefix}{name}": data for name, data in to_csv(demo.people, demo.records).items()}
