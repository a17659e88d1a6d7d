"""Lifetime-accountability pages: the record browser, a person's record (``who``), dossiers.

The rules and the assembling are :mod:`zhengji.accountability` (checks, attribution, the
dossier); these views only read and show them.

Who sees what (docs/web.md, "Accountability pages"):

* the record browser is open to every role; a reporter sees only their unit and the units
  under it (``?unit=`` of another county is refused, rows are filtered);
* **personal names** are shown to the assessment office and inspectors (纪检/审计) only;
  assessors and reporters see the person id (``P001``) — the records themselves carry no names;
* a person's page (``/who/{person}``) spans every unit the person served in, so it is not
  for unit-scoped reporters (403); assessors get it with ids instead of names;
* dossiers hold names and a unit's whole handover, so they are for the office and
  inspectors; "verify" recomputes both documents' SHA-256 and checks the ledger leaf.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from starlette.responses import Response

from zhengji.accountability import checks, service
from zhengji.accountability.model import (
    DECISION_TYPES,
    POSTS,
    Records,
)
from zhengji.errors import StoreError
from zhengji.ledger import log as ledger_log
from zhengji.store.schema_accountability import DossierRow
from zhengji.web import audit as audit_log
from zhengji.web.deps import Ctx, OptText, PathId, PathText, require
from zhengji.web.pages import nav, page
from zhengji.web.roles import READERS, STAFF, Role
from zhengji.web.routes.reports import DOC_CSP
from zhengji.web.services import NotFoundError

__all__ = ["DOSSIER_ROLES", "NAME_ROLES", "router"]

router = APIRouter()
#: Roles that see personal names (the records carry only person ids).
NAME_ROLES = frozenset({Role.admin, Role.inspector})
#: Roles that read dossiers (they carry names and a unit's whole handover).
DOSSIER_ROLES = frozenset({Role.admin, Role.inspector})
KINDS = ("tenure", "decision", "project", "outcome", "case")
KIND_NAMES = {
    "tenure": ("任职", "Tenures"),
    "decision": ("三重一大决策", "Decisions"),
    "project": ("项目", "Projects"),
    "outcome": ("后果", "Outcomes"),
    "case": ("容错纠错", "Cases"),
}
ERASED = ("个人信息已删除", "erased")
nav("/accountability", "终身问责", "Accountability", STAFF, order=62)
nav("/dossiers", "交接清单", "Dossiers", DOSSIER_ROLES, order=64)

KindQuery = Annotated[Literal["tenure", "decision", "project", "outcome", "case"] | None, Query()]


class _People:
    """How a person is shown to this user: the name (office, inspectors) or the id."""

    def __init__(self, ctx: Ctx, names: Mapping[str, str | None]) -> None:
        self.names = names
        self.show = ctx.user.role in NAME_ROLES
        self.erased = ctx.tr(*ERASED)

    def __call__(self, pid: str | None) -> str:
        if pid is None:
            return ""
        if not self.show:
            return pid
        if pid in self.names and self.names[pid] is None:
            return f"{pid} ({self.erased})"
        return f"{self.names.get(pid) or ''} ({pid})" if self.names.get(pid) else pid


def _by_subject(violations: list[checks.Violation], lang: str) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    for v in violations:
        out[v.subject].append(
            {
                "check": v.check,
                "severity": v.severity,
                "reason": v.reason_en if lang == "en" else v.reason_zh,
                "source": v.source,
            }
        )
    return out


def _rows(ctx: Ctx, r: Records, kind: str, unit: str | None, who: _People) -> list[dict[str, Any]]:
    def visible(unit_id: str) -> bool:
        return ctx.can_see(unit_id) and (unit is None or unit_id == unit)

    en = ctx.lang == "en"
    if kind == "tenure":
        return [
            {
                "code": t.code,
                "unit_id": t.unit_id,
                "person": who(t.person_id),
                "person_id": t.person_id,
                "post": POSTS[t.post][1 if en else 0] if t.post in POSTS else t.post,
                "start": t.start,
                "end": t.end,
            }
            for t in r.tenures
            if visible(t.unit_id)
        ]
    if kind == "decision":
        found = _by_subject(checks.check_decisions(r.decisions), ctx.lang)
        return [
            {
                "code": d.code,
                "unit_id": d.unit_id,
                "type": DECISION_TYPES[d.type][1 if en else 0]
                if d.type in DECISION_TYPES
                else d.type,
                "title": d.title,
                "held_on": d.held_on,
                "meeting": d.meeting,
                "principal": who(d.principal_id),
                "present": f"{len(d.attendees)}/{len(d.members)}",
                "speakers": [who(p) for p in d.speakers],
                "votes_for": d.votes_for,
                "status": d.status,
                "checks": found.get(f"decision:{d.code}", []),
            }
            for d in r.decisions
            if visible(d.unit_id)
        ]
    if kind == "project":
        signs = _by_subject(checks.vanity_signs(r.projects, r.outcomes), ctx.lang)
        return [
            {
                "code": p.code,
                "unit_id": p.unit_id,
                "name": p.name,
                "budget": p.budget,
                "debt": p.debt,
                "status": p.status,
                "start": p.start,
                "responsible": [
                    {"person": who(x.person_id), "person_id": x.person_id, "role": x.role}
                    for x in r.responsibilities
                    if x.project_code == p.code
                ],
                "vanity": signs.get(f"project:{p.code}", []),
            }
            for p in r.projects
            if visible(p.unit_id)
        ]
    if kind == "outcome":
        return [
            {
                "code": o.code,
                "unit_id": o.unit_id,
                "of": o.project_code or o.decision_code,
                "observed_on": o.observed_on,
                "kind": o.kind,
                "points": o.points,
                "utilisation": o.utilisation,
                "description": o.description,
            }
            for o in r.outcomes
            if visible(o.unit_id)
        ]
    unit_of = {o.code: o.unit_id for o in r.outcomes}
    rulings: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for g in sorted(r.rulings, key=lambda g: g.ruled_on):
        rulings[g.case_code].append(
            {"ruling": g.ruling, "reviewer": g.reviewer, "reason": g.reason, "ruled_on": g.ruled_on}
        )
    return [
        {
            "code": c.code,
            "unit_id": unit_of.get(c.outcome_code, ""),
            "outcome": c.outcome_code,
            "person": who(c.person_id),
            "person_id": c.person_id,
            "opened_on": c.opened_on,
            "failure": c.failure,
            "proposal": c.proposal,
            "rulings": rulings.get(c.code, []),
        }
        for c in r.cases
        if visible(unit_of.get(c.outcome_code, ""))
    ]


@page(router, "/accountability", "accountability.html", audit="read:accountability")
def accountability(
    ctx: Annotated[Ctx, require(STAFF)], unit: OptText = None, kind: KindQuery = None
) -> dict[str, Any]:
    """The records this user may see, by kind, optionally of one unit (scoped)."""
    if unit:
        ctx.check_unit(unit)
    with ctx.store.transaction() as s:
        records = service.load_records(s)
        names = service.person_names(s)
    who = _People(ctx, names)
    kinds = [kind] if kind else list(KINDS)
    return {
        "unit": unit or None,
        "kind": kind,
        "kinds": [{"id": k, "name": ctx.tr(*KIND_NAMES[k])} for k in KINDS],
        "names_shown": who.show,
        "records": {k: _rows(ctx, records, k, unit or None, who) for k in kinds},
    }


@page(router, "/who/{person_id}", "who.html", audit="read:who")
def who(person_id: PathText, ctx: Annotated[Ctx, require(READERS)]) -> dict[str, Any]:
    """Everything a person answers for, in every unit and post, ever (``zhengji who``)."""
    with ctx.store.transaction() as s:
        try:
            name, rec = service.who(s, person_id)
        except StoreError as exc:
            raise NotFoundError(str(exc)) from exc
    show = ctx.user.role in NAME_ROLES
    en = ctx.lang == "en"
    return {
        "person_id": person_id,
        "name": (name if name is not None else ctx.tr(*ERASED)) if show else None,
        "credit": rec.credit,
        "deduction": rec.deduction,
        "items": [
            {
                "kind": a.kind,
                "code": a.code,
                "unit_id": a.unit_id,
                "role": a.role,
                "when": a.when,
                "summary": a.summary_en if en else a.summary_zh,
                "points": a.points,
                "status": a.status,
            }
            for a in rec.items
        ],
    }


def _dossier(ctx: Ctx, dossier_id: int) -> DossierRow:
    with ctx.store.transaction() as s:
        row = s.get(DossierRow, dossier_id)
        if row is None:
            raise NotFoundError(f"没有该交接清单 no dossier #{dossier_id}")
        s.expunge(row)
    ctx.check_unit(row.unit_id)
    return row


def _summary(d: DossierRow) -> dict[str, Any]:
    return {
        "id": d.id,
        "unit_id": d.unit_id,
        "post": d.post,
        "outgoing_tenure": d.outgoing_tenure,
        "incoming_tenure": d.incoming_tenure,
        "generated_by": d.generated_by,
        "generated_at": d.generated_at,
        "ledger_index": d.ledger_index,
        "html_sha256": d.html_sha256,
        "pdf_sha256": d.pdf_sha256,
    }


@page(router, "/dossiers", "dossiers.html", audit="read:dossiers")
def dossiers(ctx: Annotated[Ctx, require(DOSSIER_ROLES)], unit: OptText = None) -> dict[str, Any]:
    """Handover dossiers (离任交接清单), optionally of one unit."""
    if unit:
        ctx.check_unit(unit)
    with ctx.store.transaction() as s:
        rows = [_summary(d) for d in service.dossiers(s, unit or None) if ctx.can_see(d.unit_id)]
    return {"unit": unit or None, "dossiers": rows}


@page(router, "/dossiers/{dossier_id}", "dossier_view.html", audit="read:dossier")
def dossier(dossier_id: PathId, ctx: Annotated[Ctx, require(DOSSIER_ROLES)]) -> dict[str, Any]:
    """One dossier: its facts, its ledger entry, and whether it still matches the ledger."""
    d = _dossier(ctx, dossier_id)
    html_ok = hashlib.sha256(d.html.encode("utf-8")).hexdigest() == d.html_sha256
    pdf_ok = hashlib.sha256(d.pdf).hexdigest() == d.pdf_sha256
    with ctx.store.transaction() as s:
        leaf_ok = ledger_log.verify_record(s, d.ledger_index, service.dossier_payload(d))
    return _summary(d) | {
        "content": d.content,
        "verify": {
            "html_matches": html_ok,
            "pdf_matches": pdf_ok,
            "ledger_matches": leaf_ok,
            "ok": html_ok and pdf_ok and leaf_ok,
        },
    }


_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


@router.get("/dossiers/{dossier_id}/document.{fmt}", response_model=None)
def dossier_document(
    dossier_id: PathId, fmt: Literal["html", "pdf"], ctx: Annotated[Ctx, require(DOSSIER_ROLES)]
) -> Response:
    """The stored document exactly as hashed (HTML to read, PDF to download)."""
    d = _dossier(ctx, dossier_id)
    with ctx.store.transaction() as s:
        audit_log.record(
            s, ctx.user, "read:dossier_document", f"dossier={dossier_id},{fmt}", ctx.client
        )
    headers = {"Content-Security-Policy": DOC_CSP}
    if fmt == "pdf":
        name = f"dossier-{d.unit_id}-{d.post}-{d.id}.pdf"
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return Response(d.pdf, media_type=_TYPES[fmt], headers=headers)
    return Response(d.html.encode("utf-8"), media_type=_TYPES[fmt], headers=headers)
