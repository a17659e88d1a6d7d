"""Store services for accountability records; each takes a ``Session`` (one transaction).

Every record row is committed to the ledger (``zhengji.ledger.log.append``) in the caller's
transaction: a stored record always has its leaf, a rolled-back one has neither. A record
whose key already exists with different content is a **correction**: a new row pointing at
the old one (``corrects_id``), committed as ledger kind ``correction``; nothing is updated.
People's names stay in ``acc_people`` (erasable); records carry only ``person_id``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhengji.accountability import codec, validate
from zhengji.accountability.attribution import PersonRecord, answerable_people, person_record
from zhengji.accountability.model import Case, Records, Ruling
from zhengji.accountability.tolerance import PROPOSALS, Criteria, Proposal, propose
from zhengji.errors import DataError, StoreError
from zhengji.ledger.log import append, verify_record
from zhengji.store.findings import StoredFinding, list_findings
from zhengji.store.schema_accountability import (
    RECORD_TABLES,
    DossierRow,
    PersonRow,
    RecordColumns,
)

__all__ = [
    "DossierResult",
    "Stored",
    "add_person",
    "dossier_payload",
    "dossiers",
    "erase_person",
    "erasure_payload",
    "generate_dossier",
    "known",
    "ledger_payload",
    "list_findings_for",
    "load_records",
    "open_case",
    "person_names",
    "record",
    "record_many",
    "rule_case",
    "verify_rows",
    "who",
]


@dataclass(frozen=True)
class Stored:
    """What happened to one record: ``added``, ``corrected`` or ``unchanged``."""

    kind: str
    code: str
    status: str
    row_id: int
    ledger_index: int


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- people (erasable) ----------------------------------------------------------------------------
def add_person(session: Session, person_id: str, name: str, kind: str = "cadre") -> None:
    """Register a person (or update the name of one not erased)."""
    if kind not in ("cadre", "supervisor"):
        raise DataError(f"人员类别 '{kind}' 无效 person kind must be cadre or supervisor")
    if not person_id.strip():
        raise DataError("人员编号为空 empty person_id")
    row = session.get(PersonRow, person_id)
    if row is None:
        session.add(PersonRow(person_id=person_id, name=name, kind=kind, created_at=_now()))
    elif row.erased_at is not None:
        raise StoreError(
            f"人员 '{person_id}' 的个人信息已依法删除 this person's data was erased on "
            f"{row.erased_at:%Y-%m-%d}; a new registration needs a new person_id"
        )
    else:
        row.name, row.kind = name, kind
    session.flush()


def erase_person(session: Session, person_id: str, by: str, reason: str) -> int:
    """Erase a person's name (PIPL); records keep the ``person_id`` and the log verifies.

    The erasure itself is committed to the ledger (kind ``erasure``: who, when, why — no
    name), so an auditor can see that data was removed on purpose. Returns its ledger index.
    """
    row = session.get(PersonRow, person_id)
    if row is None:
        raise StoreError(f"没有人员 '{person_id}' no such person")
    if not by.strip() or not reason.strip():
        raise StoreError("须注明经办人和依据 give who erases (--by) and the legal basis (--reason)")
    if row.erased_at is not None:
        raise StoreError(
            f"人员 '{person_id}' 的个人信息已删除 already erased on {row.erased_at:%Y-%m-%d}"
        )
    row.name = None
    row.erased_at = _now()
    row.erased_by = by.strip()
    row.erasure_reason = reason.strip()
    entry = append(session, kind="erasure", record=erasure_payload(row))
    row.erasure_ledger_index = entry.index
    session.flush()
    return entry.index


def _utc_text(ts: dt.datetime) -> str:
    """A timestamp as UTC text, the same whether the database hands it back naive (SQLite)
    or aware in the session's zone (PostgreSQL)."""
    if ts.tzinfo is not None:
        ts = ts.astimezone(dt.UTC).replace(tzinfo=None)
    return ts.isoformat(timespec="microseconds") + "Z"


def erasure_payload(row: PersonRow) -> dict[str, Any]:
    """What the ledger holds for an erasure: who was erased (by id), when, by whom, why."""
    assert row.erased_at is not None
    return {
        "person_id": row.person_id,
        "erased_at": _utc_text(row.erased_at),
        "by": row.erased_by,
        "reason": row.erasure_reason,
    }


def person_names(session: Session) -> dict[str, str | None]:
    """person id → name (None once erased)."""
    return {r.person_id: r.name for r in session.scalars(select(PersonRow))}


# --- records --------------------------------------------------------------------------------------
def _current_rows(session: Session, table: type[RecordColumns]) -> list[RecordColumns]:
    t: Any = table
    corrected = select(t.corrects_id).where(t.corrects_id.is_not(None))
    q = select(t).where(t.id.not_in(corrected)).order_by(t.id)
    return list(session.scalars(q))


def load_records(session: Session) -> Records:
    """The current version of every record (rows corrected by a later row left out)."""
    got: dict[str, tuple[Any, ...]] = {}
    for kind, table in RECORD_TABLES.items():
        got[kind] = tuple(codec.decode(kind, r.record) for r in _current_rows(session, table))
    return Records(
        tenures=got["tenure"],
        decisions=got["decision"],
        projects=got["project"],
        responsibilities=got["responsibility"],
        milestones=got["milestone"],
        acceptances=got["acceptance"],
        outcomes=got["outcome"],
        audits=got["audit"],
        cases=got["case"],
        rulings=got["ruling"],
    )


def known(session: Session) -> validate.Known:
    codes = {
        kind: frozenset(r.code for r in _current_rows(session, table))
        for kind, table in RECORD_TABLES.items()
    }
    return validate.Known(frozenset(person_names(session)), codes)


def ledger_payload(kind: str, row: RecordColumns, corrected_index: int | None) -> dict[str, Any]:
    """The exact object committed to the ledger for a row (for verification)."""
    if corrected_index is None:
        return dict(row.record)
    return {
        "kind": kind,
        "corrects": corrected_index,
        "reason": row.reason,
        "record": dict(row.record),
    }


def _index_columns(obj: Any) -> dict[str, str | None]:
    unit = getattr(obj, "unit_id", None)
    person = getattr(obj, "person_id", None) or getattr(obj, "principal_id", None)
    ref = None
    for attr in ("project_code", "outcome_code", "case_code", "decision_code"):
        ref = ref or getattr(obj, attr, None)
    return {"unit_id": unit, "person_id": person, "ref_code": ref}


def record(session: Session, obj: Any, *, by: str, reason: str = "", check: bool = True) -> Stored:
    """Store one record (or its correction) and commit it to the ledger.

    Same key, same content: nothing is written (``unchanged``). Same key, new content: a
    correction, which needs a ``reason``. ``check=False`` skips validation (the importer has
    validated the whole bundle already).
    """
    kind = codec.kind_of(obj)
    code = codec.code_of(obj)
    if check:
        bad = validate.problems(obj, known(session))
        if bad:
            raise DataError(
                f"{kind} '{code}' 记录无效 invalid record",
                [(kind, None, field, msg) for field, msg in bad],
            )
    if not by.strip():
        raise DataError("须注明录入人 give who records it (--by)")
    table: Any = RECORD_TABLES[kind]
    data = codec.encode(obj)
    old = session.scalars(
        select(table)
        .where(
            table.code == code,
            table.id.not_in(select(table.corrects_id).where(table.corrects_id.is_not(None))),
        )
        .order_by(table.id.desc())
    ).first()
    if old is not None and old.record == data:
        return Stored(kind, code, "unchanged", old.id, old.ledger_index)
    if old is not None and not reason.strip():
        raise DataError(
            f"{kind} '{code}' 已存在且内容不同：更正须说明理由 already recorded with different "
            "content; a correction needs a reason (correction_reason / --reason)"
        )
    row = table(
        code=code,
        record=data,
        reason=reason.strip(),
        recorded_by=by.strip(),
        recorded_at=_now(),
        corrects_id=None if old is None else old.id,
        ledger_index=-1,
        **_index_columns(obj),
    )
    corrected = None if old is None else old.ledger_index
    entry = append(
        session,
        kind=kind if old is None else "correction",
        record=ledger_payload(kind, row, corrected),
    )
    row.ledger_index = entry.index
    session.add(row)
    session.flush()
    return Stored(kind, code, "added" if old is None else "corrected", row.id, entry.index)


def record_many(
    session: Session, objs: Iterable[Any], *, by: str, reasons: Sequence[str] | None = None
) -> list[Stored]:
    """Store records in order (validated one by one against what is stored so far)."""
    objs = list(objs)
    reasons = list(reasons) if reasons is not None else [""] * len(objs)
    return [record(session, o, by=by, reason=r) for o, r in zip(objs, reasons, strict=True)]


# --- who ------------------------------------------------------------------------------------------
def who(session: Session, person_id: str) -> tuple[str | None, PersonRecord]:
    """A person's name (None if erased) and everything they answer for, anywhere, ever."""
    row = session.get(PersonRow, person_id)
    if row is None:
        raise StoreError(f"没有人员 '{person_id}' no such person (see people.csv)")
    return row.name, person_record(load_records(session), person_id)


# --- fault tolerance ------------------------------------------------------------------------------
def open_case(
    session: Session,
    code: str,
    outcome_code: str,
    person_id: str,
    failure: str,
    criteria: Criteria,
    opened_on: dt.date,
    by: str,
) -> Proposal:
    """Open a fault-tolerance case; stores the system's proposal with it and returns it."""
    records = load_records(session)
    outcome = next((o for o in records.outcomes if o.code == outcome_code), None)
    if outcome is None:
        raise StoreError(f"没有结果记录 '{outcome_code}' no such outcome")
    if outcome.kind != "bad":
        raise StoreError(f"结果 '{outcome_code}' 不是损失 is a good outcome: nothing to tolerate")
    if person_id not in answerable_people(records, outcome):
        raise StoreError(
            f"'{person_id}' 不对结果 '{outcome_code}' 负责 is not answerable for this outcome "
            "(not on the project's responsibility list nor a decision maker)"
        )
    proposal = propose(criteria)
    case = Case(code, outcome_code, person_id, opened_on, failure, criteria, proposal.decision)
    record(session, case, by=by)
    return proposal


def rule_case(
    session: Session,
    case_code: str,
    ruling: str,
    reviewer: str,
    reason: str,
    ruled_on: dt.date,
    *,
    correction_reason: str = "",
) -> Stored:
    """A reviewer's ruling; a later ruling on the same case is a correction (needs a reason)."""
    if ruling not in PROPOSALS:
        raise DataError(f"裁定 '{ruling}' 无效 ruling must be one of {', '.join(PROPOSALS)}")
    return record(
        session,
        Ruling(case_code, ruling, reviewer, reason, ruled_on),
        by=reviewer,
        reason=correction_reason,
    )


# --- verification ---------------------------------------------------------------------------------
def verify_rows(session: Session) -> list[tuple[str, int, str]]:
    """Every record row against its ledger leaf; returns ``(table, row id, problem)``.

    Catches a row edited behind the triggers' back (content no longer matches the leaf) and a
    row pointing at a leaf that is missing; the log itself is checked by ``zhengji ledger
    verify``.
    """
    bad: list[tuple[str, int, str]] = []
    for kind, table in RECORD_TABLES.items():
        t: Any = table
        rows = list(session.scalars(select(t).order_by(t.id)))
        by_id = {r.id: r for r in rows}
        for r in rows:
            corrected = by_id[r.corrects_id].ledger_index if r.corrects_id else None
            try:
                ok = verify_record(session, r.ledger_index, ledger_payload(kind, r, corrected))
            except DataError as exc:
                bad.append((t.__tablename__, r.id, str(exc)))
                continue
            if not ok:
                bad.append((t.__tablename__, r.id, "与账本不符 does not match its ledger leaf"))
    for d in session.scalars(select(DossierRow).order_by(DossierRow.id)):
        try:
            ok = verify_record(session, d.ledger_index, dossier_payload(d))
        except DataError as exc:
            bad.append(("acc_dossiers", d.id, str(exc)))
            continue
        if not ok:
            bad.append(("acc_dossiers", d.id, "与账本不符 does not match its ledger leaf"))
    return bad


def dossier_payload(d: DossierRow) -> Mapping[str, Any]:
    """What the ledger holds for a dossier: the unit, the handover and the documents' hashes."""
    return {
        "unit_id": d.unit_id,
        "post": d.post,
        "outgoing_tenure": d.outgoing_tenure,
        "incoming_tenure": d.incoming_tenure,
        "html_sha256": d.html_sha256,
        "pdf_sha256": d.pdf_sha256,
    }


# --- handover dossier -----------------------------------------------------------------------------
@dataclass(frozen=True)
class DossierResult:
    id: int
    ledger_index: int
    content: Mapping[str, Any]
    html: str
    pdf: bytes
    html_sha256: str
    pdf_sha256: str


def generate_dossier(
    session: Session,
    unit_id: str,
    post: str,
    by: str,
    *,
    outgoing: str | None = None,
    synthetic: bool = False,
    as_of: dt.date | None = None,
) -> DossierResult:
    """Assemble, render (HTML + PDF), store and commit the handover dossier of a tenure change.

    ``outgoing`` names the outgoing tenure (default: the latest ended one of that post).
    """
    import hashlib

    from zhengji.accountability.dossier import (
        PendingFinding,
        assemble,
        handover,
        render_html,
        render_pdf,
    )
    from zhengji.demo import SYNTHETIC_LABEL
    from zhengji.store.schema import UnitRecord

    if not by.strip():
        raise DataError("须注明经办人 give who generates the dossier (--by)")
    records = load_records(session)
    out, inc = handover(records.tenures, unit_id, post, outgoing)
    unit = session.get(UnitRecord, unit_id)
    pending = [
        PendingFinding(f.id, f.indicator_id, f.periods, f.check, f.state, f.summary_zh)
        for f in list_findings_for(session, unit_id)
        if f.state in ("open", "explained")
    ]
    content = assemble(
        records,
        unit_id=unit_id,
        unit_name=unit.name if unit is not None else unit_id,
        post=post,
        outgoing=out,
        incoming=inc,
        names=person_names(session),
        findings=pending,
        synthetic=synthetic,
        as_of=as_of,
    )
    html = render_html(content, SYNTHETIC_LABEL if synthetic else "")
    pdf = render_pdf(html)
    row = DossierRow(
        unit_id=unit_id,
        post=post,
        outgoing_tenure=out.code,
        incoming_tenure=None if inc is None else inc.code,
        content=content,
        html=html,
        pdf=pdf,
        html_sha256=hashlib.sha256(html.encode("utf-8")).hexdigest(),
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        ledger_index=-1,
        generated_by=by.strip(),
        generated_at=_now(),
    )
    entry = append(session, kind="dossier", record=dossier_payload(row))
    row.ledger_index = entry.index
    session.add(row)
    session.flush()
    return DossierResult(row.id, entry.index, content, html, pdf, row.html_sha256, row.pdf_sha256)


def list_findings_for(session: Session, unit_id: str) -> list[StoredFinding]:
    """The unit's integrity findings of the latest screen, with their review state."""
    return [f for f in list_findings(session) if f.unit_id == unit_id]


def dossiers(session: Session, unit_id: str | None = None) -> list[DossierRow]:
    q = select(DossierRow).order_by(DossierRow.id)
    if unit_id is not None:
        q = q.where(DossierRow.unit_id == unit_id)
    return list(session.scalars(q))
