"""Cadre assessment pages (issue 9): results with their explanation, the lists and the
reviewers' decisions, the feedback sheet, the warning-education case library and the public
disclosure list (曝光台).

The rules are :mod:`zhengji.cadres` (``service`` — batches and results, ``lists`` — the lists
and :func:`~zhengji.cadres.lists.decide`, ``cases`` — the library, its search, the public
policy and :func:`~zhengji.cadres.cases.disclose`, ``views`` — the read-only queries the pages
show, ``render`` — the feedback sheet and the digest); this module only reads them, records
decisions through them, and shapes what they return for the templates.

Who sees what (``docs/cadres.md``, "Pages"):

* 组织部 (``organisation``) and the office (``admin``) read everything here and record decisions
  (on the lists, and putting a case on the public list or taking it off: 曝光/撤回);
  inspectors (纪检/审计) read; third-party assessors do not (a cadre's record is a personnel
  file, and assessors assess units, not people); reporters, 综治中心, grid workers and
  mediators do not;
* a cadre (``cadre``, ``subject`` = their person id) reads only their own results
  (``/cadres/me``, their own person page and feedback sheet); any other person's → 403;
* ``/disclosures`` (曝光台) is public, like the citizens' pages: only cases a reviewer disclosed,
  shown through the public anonymisation policy (no names, generic units, year only); a
  signed-in user sees their navigation there, a visitor none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.responses import Response

from zhengji.accountability.model import POSTS
from zhengji.accountability.service import person_names
from zhengji.cadres import cases as case_lib
from zhengji.cadres import lists as cadre_lists
from zhengji.cadres import render, service, views
from zhengji.cadres.config import EVAL_SOURCES
from zhengji.errors import DataError, PermissionDenied, StoreError
from zhengji.store.schema_cadres import CadreBatchRow, CadreResultRow, CaseDisclosureRow
from zhengji.web import audit as audit_log
from zhengji.web.deps import (
    MAX_ID,
    Ctx,
    OptId,
    OptionalUser,
    OptText,
    PathText,
    require,
    require_write,
)
from zhengji.web.deps import wants_html as _wants_html
from zhengji.web.i18n import language, translator
from zhengji.web.pages import NAV, nav, page, templates
from zhengji.web.roles import Role, subtree
from zhengji.web.routes.reports import DOC_CSP
from zhengji.web.services import NotFoundError

__all__ = ["CADRE_READERS", "CASE_READERS", "DECIDERS", "DISCLOSERS", "router"]

router = APIRouter()
#: Read every cadre's record and the lists: 组织部, the office, inspectors.
CADRE_READERS = frozenset({Role.organisation, Role.admin, Role.inspector})
#: Record reviewers' decisions on the lists.
DECIDERS = frozenset({Role.organisation, Role.admin})
#: The case library (names already removed) and its digest.
CASE_READERS = CADRE_READERS
#: Put a case on the public list (曝光) or take it off (撤回): 组织部 and the office.
DISCLOSERS = DECIDERS
#: A person's page: the readers, and a cadre for their own record only.
PERSON_READERS = CADRE_READERS | {Role.cadre}
DIGEST_TITLE = "警示教育案例汇编 Warning-education digest"
ERASED = ("个人信息已删除", "erased")
DECISION_NAMES = {"accept": ("同意", "accept"), "reject": ("不同意", "reject"),
                  "defer": ("暂缓", "defer")}  # fmt: skip
DISCLOSURE_ACTIONS = {"disclose": ("曝光", "disclose"), "withdraw": ("撤回", "withdraw")}

nav("/cadres", "干部考核", "Cadres", CADRE_READERS, order=70)
nav("/cadres/me", "我的考核", "My assessment", {Role.cadre}, order=70)
nav("/cadres/lists", "结果运用", "Use of results", CADRE_READERS, order=71)
nav("/cases", "警示教育", "Warning cases", CASE_READERS, order=72)
nav("/disclosures", "曝光台", "Disclosures", {Role.organisation, Role.cadre}, order=73)


# --- helpers --------------------------------------------------------------------------------
def _kind_name(ctx: Ctx, kind: str) -> str:
    zh, en = service.KINDS.get(kind, (kind, kind))
    return ctx.tr(zh, en)


def _ts(x: dt.datetime) -> str:
    """UTC, to the second, the same whether the database kept the zone (PG) or not (SQLite)."""
    utc = x.astimezone(dt.UTC).replace(tzinfo=None) if x.tzinfo else x
    return utc.replace(microsecond=0).isoformat()


def _batch(ctx: Ctx, b: CadreBatchRow, grades: Mapping[str, int] | None = None) -> dict[str, Any]:
    return {
        "id": b.id, "kind": b.kind, "kind_name": _kind_name(ctx, b.kind), "label": b.label,
        "as_of": b.as_of, "created_by": b.created_by, "created_at": _ts(b.created_at),
        "ledger_index": b.ledger_index, "config_fingerprint": b.config_fingerprint,
        "result_fingerprint": b.result_fingerprint,
        "grades": dict(grades or {}), "people": sum((grades or {}).values()),
    }  # fmt: skip


def _unit_name(units: Mapping[str, str], unit_id: str) -> str:
    return units.get(unit_id, unit_id)


class _Names:
    """How a person is shown: their name and id; an erased name says so."""

    def __init__(self, ctx: Ctx, names: Mapping[str, str | None]) -> None:
        self.names, self.erased = names, ctx.tr(*ERASED)

    def __call__(self, pid: str) -> str:
        if pid in self.names and self.names[pid] is None:
            return self.erased
        return self.names.get(pid) or pid


def _check_person(ctx: Ctx, person_id: str) -> None:
    """A cadre may read only their own record."""
    if ctx.user.role is Role.cadre and person_id != ctx.user.subject:
        raise PermissionDenied(
            f"只能查看本人的考核结果 a cadre may see only their own record "
            f"({ctx.user.subject or 'none'}), not '{person_id}'"
        )


# --- results --------------------------------------------------------------------------------
def _row(r: CadreResultRow, units: Mapping[str, str], who: _Names) -> dict[str, Any]:
    res = r.result
    ids = [p["unit_id"] for p in r.inputs.get("posts", [])]
    return {
        "batch_id": r.batch_id, "person_id": r.person_id, "name": who(r.person_id),
        "label": r.inputs.get("label", ""), "grade": r.grade,
        "grade_by_score": res.get("grade_by_score", r.grade), "score": r.score,
        "unit_component": res.get("unit_component"), "evaluation": res.get("evaluation"),
        "credit": res.get("credit"), "deduction": res.get("deduction"),
        "capped": bool(res.get("caps")), "exempted": list(res.get("exempted", [])),
        "units": [{"id": u, "name": _unit_name(units, u)} for u in dict.fromkeys(ids)],
    }  # fmt: skip


def _choose(
    bs: Sequence[CadreBatchRow], batch: int | None, kind: str | None
) -> CadreBatchRow | None:
    if batch is not None:
        found = next((b for b in bs if b.id == batch), None)
        if found is None:
            raise NotFoundError(f"没有干部考核批次 no cadre assessment batch {batch}")
        return found
    return service.default_batch(bs, kind)


@page(router, "/cadres", "cadre_index.html", audit="read:cadres")
def cadres(
    ctx: Annotated[Ctx, require(CADRE_READERS)],
    batch: OptId = None,
    kind: OptText = None,
    county: OptText = None,
) -> dict[str, Any]:
    """Batches and every person's grade in one batch (default: the latest, of ``kind``)."""
    if kind and kind not in service.KINDS:
        raise DataError(f"考核类型 '{kind}' 无效 kind must be one of {', '.join(service.KINDS)}")
    with ctx.store.transaction() as s:
        bs = service.batches(s)
        counts = views.grade_counts(s)
        chosen = _choose(bs, batch, kind or None)
        units = views.unit_names(s)
        counties = views.counties(s)
        who = _Names(ctx, person_names(s))
        rows = [] if chosen is None else service.results(s, chosen.id)[1]
        results = [_row(r, units, who) for r in rows]
        synthetic = service.is_synthetic(s)
    if county:
        inside = subtree(county, ctx.parents)  # the county and the townships under it
        results = [r for r in results if any(u["id"] in inside for u in r["units"])]
    return {
        "batches": [_batch(ctx, b, counts.get(b.id)) for b in bs if not kind or b.kind == kind],
        "batch": None if chosen is None else _batch(ctx, chosen, counts.get(chosen.id)),
        "kind": kind or None,
        "county": county or None,
        "kinds": [{"id": k, "name": ctx.tr(*v)} for k, v in service.KINDS.items()],
        "counties": [{"id": uid, "name": name} for uid, name in counties],
        "results": results,
        "synthetic": synthetic,
    }


def _outcome(o: Mapping[str, Any], exempted: Sequence[str]) -> dict[str, Any]:
    kind = "credit" if o["kind"] == "good" else "exempt" if o["code"] in exempted else "deduction"
    return {**o, "as": kind}


def _result(
    ctx: Ctx, b: CadreBatchRow, r: CadreResultRow, units: Mapping[str, str]
) -> dict[str, Any]:
    """One result with everything it was computed from (the stored inputs) and its lines."""
    res, inp = r.result, r.inputs
    en = ctx.lang == "en"
    posts = [
        {**p, "unit_name": _unit_name(units, p["unit_id"]),
         "post_name": POSTS[p["post"]][1 if en else 0] if p["post"] in POSTS else p["post"]}
        for p in inp.get("posts", [])
    ]  # fmt: skip
    evals = [
        {"source": k, "name": ctx.tr(*EVAL_SOURCES.get(k, (k, k))), "score": v}
        for k, v in sorted(inp.get("evaluations", {}).items())
    ]
    outcomes = [_outcome(o, res.get("exempted", [])) for o in inp.get("outcomes", [])]
    late = set(res.get("overdue", []))  # 慢作为: the milestones the core counted
    overdue = [m for m in inp.get("milestones", []) if f"{m['project_code']}:{m['name']}" in late]
    return {
        "batch": _batch(ctx, b), "label": inp.get("label", ""), "window": inp.get("window"),
        "grade": r.grade, "grade_by_score": res.get("grade_by_score"), "score": r.score,
        "coverage": res.get("coverage"), "unit_component": res.get("unit_component"),
        "unit_share": res.get("unit_share"), "evaluation": res.get("evaluation"),
        "credit": res.get("credit"), "deduction": res.get("deduction"),
        "posts": posts, "evaluations": evals,
        "credits": [o for o in outcomes if o["as"] == "credit"],
        "deductions": [o for o in outcomes if o["as"] == "deduction"],
        "exemptions": [o for o in outcomes if o["as"] == "exempt"],
        "vetoes": inp.get("vetoes", []), "caps": res.get("caps", []),
        "overdue": overdue, "procedure_problems": res.get("procedure_problems"),
        "overdue_requests": [
            {**x, "unit_name": _unit_name(units, x["unit_id"])}
            for x in res.get("overdue_requests", [])
        ],
        "routine": res.get("routine", []), "routine_mean": res.get("routine_mean"),
        "lines": [x["en"] if en else x["zh"] for x in res.get("lines", [])],
        "inputs_fingerprint": r.inputs_fingerprint, "result_fingerprint": r.result_fingerprint,
    }  # fmt: skip


def _person(ctx: Ctx, person_id: str) -> dict[str, Any]:
    """A person's results in every batch, newest first, and their 平时考核 quarters."""
    _check_person(ctx, person_id)
    with ctx.store.transaction() as s:
        pairs = views.person_results(s, person_id)
        if not pairs and ctx.user.role is not Role.cadre:  # a cadre's own page may be empty
            raise NotFoundError(f"没有 '{person_id}' 的考核结果 no cadre result for this person")
        units = views.unit_names(s)
        name = _Names(ctx, person_names(s))(person_id)
        # The headline results (annual, term, special) first, then the quarters' 平时 checks.
        headline = sorted(pairs, key=lambda pair: pair[0].kind == "routine")
        results = [_result(ctx, b, r, units) for b, r in headline]
        synthetic = service.is_synthetic(s)
    return {
        "person_id": person_id,
        "name": name,
        "own": ctx.user.role is Role.cadre,
        "quarters": views.quarter_grades(pairs),
        "results": results,
        "synthetic": synthetic,
    }


@page(router, "/cadres/me", "cadre_person.html", audit="read:cadre")
def cadre_me(ctx: Annotated[Ctx, require({Role.cadre})]) -> dict[str, Any]:
    """The signed-in cadre's own results (their account's ``subject``)."""
    if not ctx.user.subject:
        raise PermissionDenied("账户未关联人员编号 this cadre account has no person id (--subject)")
    return _person(ctx, ctx.user.subject)


@page(router, "/cadres/people/{person_id}", "cadre_person.html", audit="read:cadre")
def cadre_person(
    person_id: PathText, ctx: Annotated[Ctx, require(PERSON_READERS)]
) -> dict[str, Any]:
    """One person's results across batches, each with its full explanation."""
    return _person(ctx, person_id)


@router.get("/cadres/people/{person_id}/feedback.pdf", include_in_schema=False)
def cadre_feedback(
    person_id: PathText, ctx: Annotated[Ctx, require(PERSON_READERS)], batch: OptId = None
) -> Response:
    """The printable feedback sheet (``zhengji cadres feedback``), as a PDF download."""
    _check_person(ctx, person_id)
    with ctx.store.transaction() as s:
        try:
            b, r = service.latest_result(s, person_id, batch)
        except StoreError as exc:
            raise NotFoundError(str(exc)) from exc
        name = person_names(s).get(person_id) or person_id
        label = _synthetic_label() if service.is_synthetic(s) else ""
        kind_zh = service.KINDS.get(b.kind, (b.kind, b.kind))[0]
        html = render.feedback_html(name, person_id, kind_zh, r.inputs["label"], r.result, label)
        audit_log.record(
            s, ctx.user, "read:cadre_feedback", f"person={person_id},batch={b.id}", ctx.client
        )
    headers = {
        "Content-Security-Policy": DOC_CSP,
        "Content-Disposition": f'attachment; filename="feedback-{person_id}-{b.id}.pdf"',
    }
    return Response(render.to_pdf(html), media_type="application/pdf", headers=headers)


def _synthetic_label() -> str:
    from zhengji.demo import SYNTHETIC_LABEL

    return SYNTHETIC_LABEL


# --- lists and decisions --------------------------------------------------------------------
def _decision(ctx: Ctx, d: Any) -> dict[str, Any]:
    return {
        "id": d.id, "batch_id": d.batch_id, "person_id": d.person_id, "list": d.list_kind,
        "decision": d.decision,
        "decision_name": ctx.tr(*DECISION_NAMES.get(d.decision, (d.decision, d.decision))),
        "reason": d.reason, "reviewer": d.reviewer, "decided_at": _ts(d.decided_at),
        "ledger_index": d.ledger_index, "supersedes_id": d.supersedes_id,
    }  # fmt: skip


def _last(rows: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    return rows[-1] if rows else None


@page(router, "/cadres/lists", "cadre_lists.html", audit="read:cadre_lists")
def cadre_lists_page(
    ctx: Annotated[Ctx, require(CADRE_READERS)], batch: OptId = None
) -> dict[str, Any]:
    """The lists of a batch (proposals, each with its evidence) and the decisions recorded."""
    with ctx.store.transaction() as s:
        try:
            bid, entries = cadre_lists.lists_for(s, batch)
        except StoreError as exc:
            if batch is not None:
                raise NotFoundError(str(exc)) from exc
            return {"batch": None, "batches": [], "lists": [], "decisions": [],
                    "can_decide": False, "synthetic": False}  # fmt: skip
        decided = [_decision(ctx, d) for d in cadre_lists.decisions(s, bid)]
        bs = service.batches(s)
        who = _Names(ctx, person_names(s))
        synthetic = service.is_synthetic(s)
    history: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for d in decided:
        history.setdefault((d["person_id"], d["list"]), []).append(d)
    en = ctx.lang == "en"
    lists = [
        {
            "id": k,
            "name": ctx.tr(*names),
            "entries": [
                {
                    "person_id": e["person_id"],
                    "name": who(e["person_id"]),
                    "reason": e["reason_en"] if en else e["reason_zh"],
                    "evidence": e["evidence"],
                    "decision": _last(history.get((e["person_id"], k), [])),
                    "history": history.get((e["person_id"], k), []),
                }
                for e in entries
                if e["list"] == k
            ],
        }
        for k, names in cadre_lists.LISTS.items()
    ]
    return {
        "batch": _batch(ctx, next(b for b in bs if b.id == bid)),
        "batches": [_batch(ctx, b) for b in bs],
        "lists": lists,
        "decisions": decided,
        "choices": [
            {"id": k, "name": ctx.tr(*DECISION_NAMES[k])}
            for k in cadre_lists.DECISIONS
            if k in DECISION_NAMES
        ],
        "can_decide": ctx.user.role in DECIDERS,
        "synthetic": synthetic,
    }


@router.post("/cadres/decisions", include_in_schema=False)
def cadre_decide(
    ctx: Annotated[Ctx, require_write(DECIDERS)],
    request: Request,
    person_id: Annotated[str, Form(min_length=1, max_length=64)],
    list_kind: Annotated[str, Form(min_length=1, max_length=32)],
    decision: Annotated[str, Form(min_length=1, max_length=16)],
    reason: Annotated[str, Form(max_length=2000)] = "",
    batch_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
) -> Response:
    """Record a reviewer's decision (``zhengji.cadres.lists.decide``: append-only, ledger)."""
    reviewer = f"{ctx.user.display_name} ({ctx.user.username})"
    with ctx.store.transaction() as s:
        try:
            row = cadre_lists.decide(s, person_id, list_kind, decision, reason, reviewer, batch_id)
        except StoreError as exc:
            raise NotFoundError(str(exc)) from exc
        out = _decision(ctx, row)
        audit_log.record(
            s, ctx.user, "cadre_decide",
            f"batch={row.batch_id},person={person_id},list={list_kind}", ctx.client,
            {"decision": decision, "ledger_index": row.ledger_index},
        )  # fmt: skip
    if not _wants_html(request):
        return JSONResponse(jsonable_encoder(out))
    return RedirectResponse(f"/cadres/lists?batch={out['batch_id']}#decision-{out['id']}", 303)


# --- the case library -----------------------------------------------------------------------
@page(router, "/cases", "case_index.html")
def case_index(
    ctx: Annotated[Ctx, require(CASE_READERS)], q: OptText = None, tag: OptText = None
) -> dict[str, Any]:
    """The warning-education library, searched by words (all of them) and a tag."""
    with ctx.store.transaction() as s:
        found = views.case_views(s, case_lib.cases(s), public=False)
        disclosed = views.disclosed_codes(s)
        synthetic = service.is_synthetic(s)
    hits = case_lib.search(found, q or "", tag or "")
    return {
        "q": q or "", "tag": tag or "",
        "tags": [{"id": k, "name": ctx.tr(k, v)} for k, v in case_lib.TAGS.items()],
        "total": len(found),
        "cases": [{**v, "disclosed": v["code"] in disclosed} for v in hits],
        "synthetic": synthetic,
    }  # fmt: skip


def _digest(ctx: Ctx, tag: str) -> tuple[list[Mapping[str, Any]], bool]:
    with ctx.store.transaction() as s:
        found = views.case_views(s, case_lib.cases(s), public=False)
        return case_lib.search(found, "", tag), service.is_synthetic(s)


@page(router, "/cases/digest", "case_digest.html")
def case_digest(ctx: Annotated[Ctx, require(CASE_READERS)], tag: OptText = None) -> dict[str, Any]:
    """The study digest (学习汇编) to print: every case (of ``tag``) in full."""
    found, synthetic = _digest(ctx, tag or "")
    return {
        "title": DIGEST_TITLE, "tag": tag or "",
        "tags": [{"id": k, "name": ctx.tr(k, v)} for k, v in case_lib.TAGS.items()],
        "cases": found, "synthetic": synthetic,
    }  # fmt: skip


@router.get("/cases/digest.pdf", include_in_schema=False)
def case_digest_pdf(ctx: Annotated[Ctx, require(CASE_READERS)], tag: OptText = None) -> Response:
    """The digest as a PDF (``zhengji cases digest --out digest.pdf``)."""
    found, synthetic = _digest(ctx, tag or "")
    html = render.digest_html(found, DIGEST_TITLE, _synthetic_label() if synthetic else "")
    headers = {
        "Content-Security-Policy": DOC_CSP,
        "Content-Disposition": 'attachment; filename="warning-digest.pdf"',
    }
    return Response(render.to_pdf(html), media_type="application/pdf", headers=headers)


def _disclosure(ctx: Ctx, d: CaseDisclosureRow) -> dict[str, Any]:
    return {
        "id": d.id, "case_code": d.case_code, "action": d.action,
        "action_name": ctx.tr(*DISCLOSURE_ACTIONS.get(d.action, (d.action, d.action))),
        "reviewer": d.reviewer, "reason": d.reason, "decided_at": _ts(d.decided_at),
        "ledger_index": d.ledger_index,
    }  # fmt: skip


@page(router, "/cases/{code}", "case_detail.html")
def case_detail(code: PathText, ctx: Annotated[Ctx, require(CASE_READERS)]) -> dict[str, Any]:
    """One case, its source, its ledger entry, its disclosure history and public form."""
    with ctx.store.transaction() as s:
        try:
            row = views.case_by_code(s, code)
        except StoreError as exc:
            raise NotFoundError(str(exc)) from exc
        view = views.case_views(s, [row], public=False)[0]
        public = views.case_views(s, [row], public=True)[0]
        hist = views.disclosure_history(s, code)
        disclosed = views.is_disclosed(hist)
        disclosures = [_disclosure(ctx, d) for d in hist]
        meta = {"source_kind": row.source_kind, "source_ref": row.source_ref,
                "ledger_index": row.ledger_index, "created_by": row.created_by,
                "created_at": _ts(row.created_at)}  # fmt: skip
        exempted = "容错免责" in row.tags
        synthetic = service.is_synthetic(s)
    can = ctx.user.role in DISCLOSERS
    return {
        "case": view, **meta, "disclosures": disclosures, "disclosed": disclosed,
        "public": public if disclosed else None,
        # what a reviewer may do next (the core refuses the rest: an exempted case is never
        # disclosed; withdrawing needs a disclosure)
        "can_disclose": can and not disclosed and not exempted,
        "can_withdraw": can and disclosed,
        "exempted": exempted, "synthetic": synthetic,
    }  # fmt: skip


@router.post("/cases/{code}/disclosure", include_in_schema=False)
def case_disclose(
    code: PathText,
    ctx: Annotated[Ctx, require_write(DISCLOSERS)],
    request: Request,
    action: Annotated[str, Form(min_length=1, max_length=16)],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Put a case on the public list or take it off (``zhengji cases disclose [--withdraw]``:
    :func:`zhengji.cadres.cases.disclose`, append-only, in the ledger), audited."""
    if action not in DISCLOSURE_ACTIONS:
        raise DataError("操作应为 disclose 或 withdraw action must be disclose or withdraw")
    reviewer = f"{ctx.user.display_name} ({ctx.user.username})"
    with ctx.store.transaction() as s:
        try:
            row = case_lib.disclose(s, code, action, reviewer, reason)
        except StoreError as exc:  # no such case
            raise NotFoundError(str(exc)) from exc
        out = _disclosure(ctx, row)
        audit_log.record(
            s, ctx.user, "case_disclosure", f"case={code},action={action}", ctx.client,
            {"ledger_index": row.ledger_index},
        )  # fmt: skip
    if not _wants_html(request):
        return JSONResponse(jsonable_encoder(out))
    return RedirectResponse(f"/cases/{code}#disclosure-{out['id']}", 303)


# --- the public disclosure list (no account) ------------------------------------------------
def _disclosure_data(request: Request) -> dict[str, Any]:
    store = request.app.state.store
    with store.transaction() as s:
        return {"cases": views.public_cases(s), "synthetic": service.is_synthetic(s)}


@router.get("/disclosures.json", name="disclosures_json", response_model=None)
def disclosures_json(request: Request) -> Response:
    """The public disclosure list (曝光台) as JSON: disclosed cases, public anonymisation."""
    return JSONResponse(jsonable_encoder(_disclosure_data(request)))


@router.get("/disclosures", include_in_schema=False, response_class=HTMLResponse)
def disclosures(request: Request, user: OptionalUser) -> Response:
    """The public disclosure list (曝光台): open to everyone, like the citizens' pages; a
    signed-in user sees their navigation (and can sign out), a visitor sees none."""
    lang = language(request)
    context = {
        "tr": translator(lang), "lang": lang, "user": user,
        "nav": [] if user is None else [n for n in NAV if user.role in n.roles],
        "csrf_token": "" if user is None else user.csrf_token,
        "data": _disclosure_data(request), "synthetic_label": _synthetic_label(),
        "path": request.url.path,
    }  # fmt: skip
    return templates.TemplateResponse(request, "case_public.html", context)
