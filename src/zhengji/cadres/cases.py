"""Warning education (不想偏): the case library, its search, digest and public list.

:func:`build_library` turns the sources into cases (each once, by its source reference), with
names already removed from the stored facts, tags, and a ledger leaf (kind ``warning_case``):

* confirmed integrity findings → 数字造假;
* 形象工程 projects (``checks.vanity_signs``) with a counted harm → 形象工程, plus 击鼓传花 when
  the harm surfaced after the principal responsible had left the unit;
* decisions breaking the collective-decision rules (末位表态, 圈阅, 一人发言) → 一言堂;
* ruled fault-tolerance cases → 容错免责 / 从轻减轻 / 不予容错.

Texts are shown through :mod:`.anonymise` with the digest or the public policy. A case reaches
the public list (曝光) only by a reviewer's disclosure decision; exempted (容错免责) cases are
never disclosed as negative examples.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhengji.cadres.anonymise import anonymise_text, date_text
from zhengji.cadres.config import Config
from zhengji.errors import DataError, StoreError
from zhengji.ledger.log import append
from zhengji.store.schema_cadres import CadreCaseRow, CaseDisclosureRow

__all__ = [
    "TAGS",
    "build_library",
    "case_payload",
    "case_view",
    "cases",
    "disclose",
    "disclosure_payload",
    "public_list",
    "search",
]

TAGS: Mapping[str, str] = {
    "数字造假": "falsified figures",
    "形象工程": "vanity project",
    "击鼓传花": "passing the debt on",
    "一言堂": "one-man rule",
    "容错免责": "exempted under fault tolerance",
    "从轻减轻": "mitigated",
    "不予容错": "fault tolerance refused",
}
_RULING_TAG = {"exempt": "容错免责", "mitigate": "从轻减轻", "not_eligible": "不予容错"}


def _ts(x: dt.datetime) -> str:
    return (x.astimezone(dt.UTC) if x.tzinfo else x.replace(tzinfo=dt.UTC)).isoformat()


def case_payload(c: CadreCaseRow) -> dict[str, Any]:
    return {"code": c.code, "source_kind": c.source_kind, "source_ref": c.source_ref,
            "tags": list(c.tags), "facts": c.facts, "created_by": c.created_by}  # fmt: skip


def disclosure_payload(d: CaseDisclosureRow) -> dict[str, Any]:
    return {"case_code": d.case_code, "action": d.action, "reviewer": d.reviewer,
            "reason": d.reason, "decided_at": _ts(d.decided_at)}  # fmt: skip


def _candidates(session: Session) -> list[dict[str, Any]]:
    from zhengji.accountability import service as acc
    from zhengji.accountability.checks import check_decision, vanity_signs
    from zhengji.accountability.model import PRINCIPAL_POSTS
    from zhengji.store.findings import list_findings

    r = acc.load_records(session)
    out: list[dict[str, Any]] = []
    for f in list_findings(session):
        if f.state == "confirmed":
            out.append({
                "source_kind": "finding", "source_ref": f"finding:{f.id}", "tags": ["数字造假"],
                "unit_id": f.unit_id, "when": f.periods[-1] if f.periods else "",
                "what": f.summary_zh, "rule": "统计法；考核办法数据真实性要求（一票否决）",
                "cost": "单位考核一票否决；时任主要负责人年度考核等次封顶",
            })  # fmt: skip
    projects = {p.code: p for p in r.projects}
    for v in vanity_signs(r.projects, r.outcomes):
        code = v.subject.split(":", 1)[1]
        p = projects[code]
        bad = [o for o in r.outcomes if o.project_code == code and o.kind == "bad"]
        if not bad:
            continue
        last = max(bad, key=lambda o: o.observed_on)
        principals = {
            x.person_id
            for x in r.responsibilities
            if x.project_code == code and x.role == "principal"
        }
        left = any(
            t.person_id in principals and t.unit_id == p.unit_id and t.post in PRINCIPAL_POSTS
            and t.end is not None and t.end < last.observed_on
            for t in r.tenures
        )  # fmt: skip
        tags = ["形象工程", *(["击鼓传花"] if left else [])]
        cost = f"问责扣分合计 {sum(o.points for o in bad):g} 分；债务 {p.debt:g} 万元"
        if left:
            cost += "；责任人调任后损失显现，仍终身追责"
        out.append({
            "source_kind": "vanity", "source_ref": f"project:{code}", "tags": tags,
            "unit_id": p.unit_id, "when": last.observed_on.isoformat(),
            "what": f"{p.name}：{v.reason_zh}；" + "；".join(o.description for o in bad),
            "rule": "种子文章“对……‘政绩工程’，进行终身问责”", "cost": cost,
        })  # fmt: skip
    for d in r.decisions:
        found = [
            x
            for x in check_decision(d)
            if x.check in ("last_word", "outside_meeting", "single_speaker")
        ]
        if found:
            out.append({
                "source_kind": "decision", "source_ref": f"decision:{d.code}", "tags": ["一言堂"],
                "unit_id": d.unit_id, "when": d.held_on.isoformat(),
                "what": f"{d.title}：" + "；".join(x.reason_zh for x in found),
                "rule": found[0].source, "cost": "决策程序违规，列入问责记录",
            })  # fmt: skip
    ruled = {x.case_code: x for x in sorted(r.rulings, key=lambda x: x.ruled_on)}
    for c in r.cases:
        rl = ruled.get(c.code)
        if rl is None:
            continue
        out.append({
            "source_kind": "tolerance", "source_ref": f"case:{c.code}",
            "tags": [_RULING_TAG[rl.ruling]],
            "unit_id": next((o.unit_id for o in r.outcomes if o.code == c.outcome_code), ""),
            "when": rl.ruled_on.isoformat(), "what": f"{c.failure}。裁定理由：{rl.reason}",
            "rule": "“三个区分开来”（中办 2018 意见）",
            "cost": {"exempt": "予以免责，考核不受影响", "mitigate": "从轻减轻，扣分减半",
                     "not_eligible": "不予容错，全额问责"}[rl.ruling],
        })  # fmt: skip
    return out


def build_library(session: Session, by: str) -> list[CadreCaseRow]:
    """Add every new case (a source already in the library is skipped). Names of people are
    removed from the stored facts here; unit generalisation is applied when shown."""
    from zhengji.accountability.service import person_names

    if not by.strip():
        raise DataError("须注明经办人 give who builds the library (--by)")
    names = person_names(session)
    have = set(session.scalars(select(CadreCaseRow.source_ref)))
    n = len(have)
    added: list[CadreCaseRow] = []
    for cand in _candidates(session):
        if cand["source_ref"] in have:
            continue
        n += 1
        facts = {k: anonymise_text(v, names, {}) if isinstance(v, str) and k != "unit_id" else v
                 for k, v in cand.items()
                 if k not in ("source_kind", "source_ref", "tags")}  # fmt: skip
        row = CadreCaseRow(
            code=f"JS-{n:04d}", source_kind=cand["source_kind"], source_ref=cand["source_ref"],
            tags=cand["tags"], facts=facts, ledger_index=-1, created_by=by.strip(),
            created_at=dt.datetime.now(dt.UTC),
        )  # fmt: skip
        row.ledger_index = append(session, "warning_case", case_payload(row)).index
        session.add(row)
        session.flush()
        have.add(cand["source_ref"])
        added.append(row)
    return added


def cases(session: Session) -> list[CadreCaseRow]:
    return list(session.scalars(select(CadreCaseRow).order_by(CadreCaseRow.id)))


def case_view(
    c: CadreCaseRow,
    cfg: Config,
    units: Mapping[str, str],
    names: Mapping[str, str | None],
    public: bool,
) -> dict[str, Any]:
    """A case as shown: the digest policy, or the public one (``public=True``)."""
    a = cfg.anonymise
    mode = a["public_units"] if public else a["digest_units"]

    def t(s: str) -> str:
        return anonymise_text(
            s, names, units, person=a["person"], units_mode=mode, generic_unit=a["generic_unit"]
        )

    f = c.facts
    unit = a["generic_unit"] if mode == "generic" else units.get(f["unit_id"], f["unit_id"])
    return {
        "code": c.code, "tags": list(c.tags), "unit": unit,
        "when": date_text(f["when"], a["public_dates"]) if public else f["when"],
        "what": t(f["what"]), "rule": t(f["rule"]), "cost": t(f["cost"]),
    }  # fmt: skip


def search(
    views: Sequence[Mapping[str, Any]], query: str = "", tag: str = ""
) -> list[Mapping[str, Any]]:
    """Cases whose text contains every word of ``query`` (and carrying ``tag``)."""
    words = query.split()
    out = []
    for v in views:
        text = " ".join(str(v[k]) for k in ("code", "unit", "what", "rule", "cost")) + " ".join(
            v["tags"]
        )
        if tag and tag not in v["tags"]:
            continue
        if all(w in text for w in words):
            out.append(v)
    return out


def disclose(
    session: Session, code: str, action: str, reviewer: str, reason: str
) -> CaseDisclosureRow:
    """A reviewer puts a case on the public list (``disclose``) or takes it off (``withdraw``,
    only a case on the list). The CLI and the web both record through here."""
    if action not in ("disclose", "withdraw"):
        raise DataError("操作应为 disclose 或 withdraw action must be disclose or withdraw")
    if not reviewer.strip() or not reason.strip():
        raise DataError("须注明审核人和理由 give --reviewer and --reason")
    c = session.scalar(select(CadreCaseRow).where(CadreCaseRow.code == code))
    if c is None:
        raise StoreError(f"没有案例 no case '{code}'")
    if action == "disclose" and "容错免责" in c.tags:
        raise DataError(
            f"{code} 已容错免责，不得作为反面典型曝光 an exempted case is never disclosed"
        )
    if action == "withdraw" and _last_action(session, code) != "disclose":
        raise DataError(
            f"{code} 不在曝光台上，无需撤回 the case is not on the public list; nothing to withdraw"
        )
    row = CaseDisclosureRow(
        case_code=code, action=action, reviewer=reviewer.strip(), reason=reason.strip(),
        decided_at=dt.datetime.now(dt.UTC).replace(microsecond=0), ledger_index=-1,
    )  # fmt: skip
    row.ledger_index = append(session, "case_disclosure", disclosure_payload(row)).index
    session.add(row)
    session.flush()
    return row


def _last_action(session: Session, code: str) -> str | None:
    q = (
        select(CaseDisclosureRow.action)
        .where(CaseDisclosureRow.case_code == code)
        .order_by(CaseDisclosureRow.id.desc())
        .limit(1)
    )
    return session.scalar(q)


def public_list(session: Session) -> list[CadreCaseRow]:
    """Cases whose latest disclosure decision is ``disclose``."""
    last: dict[str, str] = {}
    for d in session.scalars(select(CaseDisclosureRow).order_by(CaseDisclosureRow.id)):
        last[d.case_code] = d.action
    return [c for c in cases(session) if last.get(c.code) == "disclose"]
