"""Handover dossier (离任交接): what an outgoing leader leaves to the successor.

"严格执行离任审计程序，明晰决策、项目、廉政责任……遏制'击鼓传花'式责任转嫁". On a change of a
principal post, the dossier lists the unit's open decisions and unfinished projects, the debt
they carry, the integrity findings still pending, audit results, outcomes and cases, and the
citizens' complaints backlog (a section kept even while that capability has no records).

:func:`assemble` is pure (records in, a JSON-able dict out); :func:`render_html` (Jinja2) and
:func:`render_pdf` (WeasyPrint, Noto Sans CJK embedded) turn it into the documents whose
SHA-256 hashes the service commits to the ledger.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from zhengji.accountability.checks import check_decision, vanity_signs
from zhengji.accountability.model import DECISION_TYPES, POSTS, ROLES, Records, Tenure
from zhengji.accountability.tolerance import PROPOSALS
from zhengji.errors import StoreError

__all__ = ["PendingFinding", "assemble", "handover", "render_html", "render_pdf"]

#: Project statuses that are still the successor's to finish.
OPEN_PROJECT = ("planned", "building")


@dataclass(frozen=True)
class PendingFinding:
    """An integrity finding still open or explained (from ``zhengji.store.findings``)."""

    id: int
    indicator_id: str
    periods: tuple[str, ...]
    check: str
    state: str
    summary_zh: str


def handover(
    tenures: Iterable[Tenure], unit_id: str, post: str, outgoing: str | None = None
) -> tuple[Tenure, Tenure | None]:
    """The outgoing tenure (given, else the latest that has ended) and its successor."""
    ts = sorted(
        (t for t in tenures if t.unit_id == unit_id and t.post == post),
        key=lambda t: (t.start, t.code),
    )
    if outgoing is not None:
        out = next((t for t in ts if t.code == outgoing), None)
        if out is None:
            raise StoreError(f"单位 {unit_id} 的 {post} 没有任职记录 '{outgoing}' no such tenure")
    else:
        ended = [t for t in ts if t.end is not None]
        if not ended:
            raise StoreError(
                f"单位 {unit_id} 的{POSTS.get(post, (post,))[0]}没有离任记录 no ended tenure for "
                f"{post} in {unit_id}: record the end of the tenure first"
            )
        out = max(ended, key=lambda t: (t.end or dt.date.min, t.code))
    later = [t for t in ts if t.start > out.start and t.person_id != out.person_id]
    return out, (later[0] if later else None)


def _name(names: Mapping[str, str | None], pid: str | None) -> str:
    if pid is None:
        return "—"
    n = names.get(pid)
    return f"{n}（{pid}）" if n else f"{pid}（个人信息已删除 erased）" if pid in names else pid


def assemble(
    records: Records,
    *,
    unit_id: str,
    unit_name: str,
    post: str,
    outgoing: Tenure,
    incoming: Tenure | None,
    names: Mapping[str, str | None],
    findings: Sequence[PendingFinding],
    synthetic: bool = False,
    as_of: dt.date | None = None,
) -> dict[str, Any]:
    """The dossier's content as plain data (stored with the documents, shown by the web app).

    ``as_of`` (default: the handover date — the successor's start, else the outgoing end) is
    the state the dossier describes: records dated later are left out, so a dossier made
    years after a change still shows what was handed over. Project status is the current one.
    """
    if as_of is None:
        as_of = incoming.start if incoming else (outgoing.end or dt.date.today())
    records = _as_of(records, as_of)
    decisions = [d for d in records.decisions if d.unit_id == unit_id and d.status == "open"]
    projects = [p for p in records.projects if p.unit_id == unit_id]
    open_projects = [p for p in projects if p.status in OPEN_PROJECT]
    people_of: dict[str, list[str]] = {}
    for r in records.responsibilities:
        people_of.setdefault(r.project_code, []).append(
            f"{ROLES.get(r.role, (r.role,))[0]}：{_name(names, r.person_id)}"
        )
    overdue = {
        p.code: [
            f"{m.name}（应于{m.due}完成）" for m in records.milestones
            if m.project_code == p.code and m.reached_on is None and m.due <= as_of
        ]
        for p in open_projects
    }  # fmt: skip
    vanity = {
        v.subject.split(":", 1)[1]: v.reason_zh for v in vanity_signs(projects, records.outcomes)
    }
    outcomes = [o for o in records.outcomes if o.unit_id == unit_id]
    rulings = {r.case_code: r for r in records.rulings}
    outcome_codes = {o.code for o in outcomes}
    cases = [c for c in records.cases if c.outcome_code in outcome_codes]
    audits = [a for a in records.audits if a.unit_id == unit_id]
    debt_total = sum(p.debt for p in projects if p.status != "abandoned")
    return {
        "unit_id": unit_id,
        "unit_name": unit_name,
        "post": post,
        "post_name": POSTS.get(post, (post, post))[0],
        "post_name_en": POSTS.get(post, (post, post))[1],
        "synthetic": synthetic,
        "as_of": as_of.isoformat(),
        "outgoing": {
            "tenure": outgoing.code,
            "person": _name(names, outgoing.person_id),
            "start": outgoing.start.isoformat(),
            "end": outgoing.end.isoformat() if outgoing.end else "",
        },
        "incoming": None
        if incoming is None
        else {
            "tenure": incoming.code,
            "person": _name(names, incoming.person_id),
            "start": incoming.start.isoformat(),
        },
        "decisions": [
            {
                "code": d.code,
                "held_on": d.held_on.isoformat(),
                "type": DECISION_TYPES.get(d.type, (d.type,))[0],
                "title": d.title,
                "problems": [v.reason_zh for v in check_decision(d)],
            }
            for d in decisions
        ],
        "projects": [
            {
                "code": p.code,
                "name": p.name,
                "status": p.status,
                "budget": p.budget,
                "debt": p.debt,
                "planned_end": p.planned_end.isoformat() if p.planned_end else "",
                "responsible": people_of.get(p.code, []),
                "overdue": overdue.get(p.code, []),
                "vanity": vanity.get(p.code, ""),
            }
            for p in open_projects
        ],
        "liabilities": {
            "debt_total": round(debt_total, 2),
            "by_project": [
                {"code": p.code, "name": p.name, "debt": p.debt, "status": p.status}
                for p in projects
                if p.debt > 0 and p.status != "abandoned"
            ],
        },
        "vanity": [{"code": k, "reason": v} for k, v in sorted(vanity.items())],
        "findings": [
            {
                "id": f.id,
                "indicator": f.indicator_id,
                "periods": ", ".join(f.periods),
                "check": f.check,
                "state": f.state,
                "summary": f.summary_zh,
            }
            for f in findings
        ],
        "audits": [
            {
                "code": a.code,
                "date": a.audited_on.isoformat(),
                "kind": a.kind,
                "auditor": a.auditor,
                "result": "无问题 clean" if a.result == "clean" else "发现问题 issues",
                "summary": a.summary,
                "amount_irregular": a.amount_irregular,
            }
            for a in audits
        ],
        "outcomes": [
            {
                "code": o.code,
                "date": o.observed_on.isoformat(),
                "kind": "成效 good" if o.kind == "good" else "损失 bad",
                "points": o.points,
                "description": o.description,
            }
            for o in outcomes
        ],
        "cases": [
            {
                "code": c.code,
                "person": _name(names, c.person_id),
                "failure": c.failure,
                "proposal": PROPOSALS[c.proposal][0],
                "ruling": PROPOSALS[rulings[c.code].ruling][0] if c.code in rulings else "待裁定",
            }
            for c in cases
        ],
        # Citizens' requests (民生诉求) arrive with the voice capability; until then the section
        # is kept and says so, so a reader never mistakes "not recorded" for "no complaints".
        "complaints": [],
        "complaints_note": "暂无记录：群众诉求模块尚未接入 none recorded (citizen requests are not "
        "yet recorded in this system)",
    }


def _as_of(r: Records, day: dt.date) -> Records:
    return replace(
        r,
        decisions=tuple(x for x in r.decisions if x.held_on <= day),
        projects=tuple(x for x in r.projects if x.start <= day),
        # a milestone reached after the handover was still open at the handover
        milestones=tuple(
            replace(x, reached_on=None) if x.reached_on and x.reached_on > day else x
            for x in r.milestones
        ),
        outcomes=tuple(x for x in r.outcomes if x.observed_on <= day),
        audits=tuple(x for x in r.audits if x.audited_on <= day),
        cases=tuple(x for x in r.cases if x.opened_on <= day),
        rulings=tuple(x for x in r.rulings if x.ruled_on <= day),
    )


def _env() -> Environment:
    return Environment(
        loader=PackageLoader("zhengji.accountability", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(content: Mapping[str, Any], synthetic_label: str = "") -> str:
    """The dossier as a standalone HTML page (Chinese first, English labels)."""
    return _env().get_template("dossier.html").render(d=content, label=synthetic_label)


def render_pdf(html: str) -> bytes:
    """The HTML as PDF with the CJK font embedded (WeasyPrint subsets Noto Sans CJK)."""
    from weasyprint import HTML  # heavy import: only when a PDF is made

    buf = io.BytesIO()
    HTML(string=html).write_pdf(buf)
    return buf.getvalue()
