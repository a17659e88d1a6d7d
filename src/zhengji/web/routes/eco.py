"""Pages of the ecological accounts (梵净生态账户) and GEP accounting (生态产品总值).

A thin shell: what the pages read comes from :mod:`zhengji.eco.views` (balances and unit
figures through :mod:`zhengji.eco.tally`, equal to the core's ``holder_balances`` and
``account_rows``; the statement from :mod:`zhengji.eco.statement`; GEP from
:func:`zhengji.eco.importer.gep_accounts` at the price table in force of
:mod:`zhengji.eco.pricebook`, or another stored one on ``/eco/gep?prices=VERSION``). These
views check access, translate and render.

Who sees what (docs/eco.md, "Eco pages"): the office's accounts (``STAFF``): admin, assessor and
inspector see every county; a reporter sees only the units under their own and their holders.
Villages are not units of the web's hierarchy (``units``): a holder's village → township →
county chain in ``eco_holders`` extends it, so a village is inside a reporter's scope exactly
when its township (or county) is. Holder statements carry a name (personal data): every read
is audited (``read:eco_holder``, ``read:eco_statement``). Storing a GEP price table from the page
(``POST /eco/gep/prices``) is the office admin's alone: it changes every GEP figure.

Review (docs/eco.md, "Sign-off, objections and rulings"): the office's writers (admin,
assessor) give a late second sign-off, record a citizen's objection inside its window and rule
on open objections from the holder's page (``POST /eco/entries/{id}/signoff``,
``…/objections``, ``POST /eco/objections/{id}/ruling``), each through
:mod:`zhengji.eco.service` (ledgered) with its audit row in one transaction; ``/eco/pending``
lists what awaits them. Inspectors (纪检/审计) and reporters read only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from zhengji.eco import pricebook
from zhengji.eco import service as sv
from zhengji.eco import views as vw
from zhengji.eco.gep import ACCOUNTS
from zhengji.eco.rulebook import Rulebook
from zhengji.eco.statement import DEMO_PREFIX, build_statement, render_html, render_pdf
from zhengji.eco.views import eco_findings
from zhengji.errors import DataError, PermissionDenied
from zhengji.store.schema_eco import EcoEntryRow, EcoHolderRow, EcoObjectionRow
from zhengji.web import audit as audit_log
from zhengji.web.deps import (
    Ctx,
    OptText,
    PathId,
    PathText,
    require,
    require_write,
    wants_html,
)
from zhengji.web.pages import nav, page, render
from zhengji.web.roles import STAFF, WRITERS, Role, subtree
from zhengji.web.routes.reports import DOC_CSP
from zhengji.web.services import NotFoundError

__all__ = [
    "ECO_ROLES",
    "MAX_PRICE_BYTES",
    "PAGE_SIZE",
    "PRICE_KEEPERS",
    "REVIEWERS",
    "eco_findings",
    "reviewer_id",
    "router",
]

router = APIRouter()
#: The office's accounts; a reporter is scoped to their unit (organisation, centre, … get 403).
ECO_ROLES = STAFF
#: May store a GEP price table: it becomes the table in force for every GEP figure.
PRICE_KEEPERS = frozenset({Role.admin})
#: May sign off awards, record objections for citizens and rule on them (the office's writers).
REVIEWERS = WRITERS
#: Rows of each list on ``/eco/pending`` (the totals are always given).
PENDING_ROWS = 500
#: A price table is a few KB; anything much larger is not one.
MAX_PRICE_BYTES = 256 * 1024
PAGE_SIZE = 50
nav("/eco", "生态账户", "Eco accounts", ECO_ROLES, order=66)

AsOf = Annotated[dt.date | None, Query(description="截至日期 as of (YYYY-MM-DD; default now)")]
PageNo = Annotated[int, Query(alias="page", ge=1, le=1_000_000)]
LEVEL_NAMES = {
    "county": ("区县", "county"),
    "township": ("乡镇", "township"),
    "village": ("村", "village"),
}


def _keep(as_of: dt.date | None) -> str:
    """The query that keeps an explicit ``as_of`` on the links of a page."""
    return f"?as_of={as_of.isoformat()}" if as_of else ""


def _scope(ctx: Ctx, parents: Mapping[str, str | None]) -> frozenset[str] | None:
    """Units a scoped user may see (None: every unit)."""
    if not ctx.user.scoped:
        return None
    return subtree(ctx.user.unit_id, parents) if ctx.user.unit_id else frozenset()


def _refuse(ctx: Ctx, unit_id: str) -> PermissionDenied:
    return PermissionDenied(
        f"无权访问该单位 you may not see unit '{unit_id}': a {ctx.user.role.value} sees only "
        f"their own unit ({ctx.user.unit_id}) and the units under it"
    )


def _book(
    ctx: Ctx, as_of: dt.date | None, balances: bool = True, within: str | None = None
) -> vw.Book:
    with ctx.store.transaction() as s:
        return vw.read_book(s, vw.end_of_day(as_of), lambda p: _scope(ctx, p), within, balances)


def _visible(book: vw.Book, ctx: Ctx) -> Callable[[str], bool]:
    scope = _scope(ctx, book.parents)
    return (lambda u: True) if scope is None else (lambda u: u in scope)


def _synthetic(holders: Any) -> bool:
    return any(h.startswith(DEMO_PREFIX) for h in holders)


def _chart(ctx: Ctx, rb: Rulebook | None, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean points per holder by dimension, one stacked bar per unit (ECharts, eco.js)."""
    return {
        "categories": [r["name"] for r in rows],
        "axis": ctx.tr("户均积分", "mean points per holder"),
        "stack": True,
        "series": [
            {"name": d["name"], "data": [_round(r["by_dimension"].get(d["id"])) for r in rows]}
            for d in vw.dimensions(rb, ctx.lang == "en")
        ],
    }


def _round(v: float | None, digits: int = 3) -> float | None:
    return None if v is None or v != v else round(v, digits)


@dataclass(frozen=True)
class _Gep:
    rows: list[dict[str, Any]]
    synthetic: bool
    used: pricebook.TableUsed
    tables: list[dict[str, Any]]


def _gep(ctx: Ctx, can: Callable[[str], bool], version: str | None = None) -> _Gep:
    """GEP at the price table in force (the newest stored, else the built-in one), or at the
    stored table ``version``; with the tables a page may offer."""
    with ctx.store.transaction() as s:
        used = pricebook.table_used(s, version)
        rows, synthetic = vw.gep(s, can, used, ctx.lang == "en")
        return _Gep(rows, synthetic, used, vw.price_tables(s, used))


def _accounts(ctx: Ctx, book: vw.Book, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """What every account page shows around its rows."""
    return {
        "as_of": book.as_of,
        "as_of_date": vw.day(book.as_of),
        "dimensions": vw.dimensions(book.rb, ctx.lang == "en"),
        "tier_benefits": vw.tier_benefits(book.rb, rows),
    }


# --- pages --------------------------------------------------------------------------------------
@page(router, "/eco", "eco_index.html")
def eco_index(ctx: Annotated[Ctx, require(ECO_ROLES)], as_of: AsOf = None) -> dict[str, Any]:
    """County dashboards: accounts per county (drill down to townships and villages), GEP per
    county and year, and the eco anti-fraud findings if a screen recorded them."""
    book = _book(ctx, as_of)
    can = _visible(book, ctx)
    rows = vw.summaries(book, sorted({c for _, _, c in book.holders.values()}))
    gep = _gep(ctx, can)
    with ctx.store.transaction() as s:
        found = eco_findings(s, can)
        note = vw.expiry_note(s, book)
    return _accounts(ctx, book, rows) | {
        "keep": _keep(as_of),
        "rulebook": vw.rulebook_info(book.rb),
        "synthetic": _synthetic(book.holders) or gep.synthetic,
        "expired_note": note,
        "units": rows,
        "chart": _chart(ctx, book.rb, rows),
        "gep": vw.gep_summary(gep.rows),
        "price_table": gep.used.info.as_dict(),
        "findings": found,
    }


@page(router, "/eco/units/{unit_id}", "eco_unit.html")
def eco_unit(
    unit_id: PathText, ctx: Annotated[Ctx, require(ECO_ROLES)], as_of: AsOf = None
) -> dict[str, Any]:
    """One county, township or village: its figures and those of the units under it (a
    village: its holders)."""
    book = _book(ctx, as_of, within=unit_id)
    if not _visible(book, ctx)(unit_id):
        raise _refuse(ctx, unit_id)
    levels = vw.levels(book.holders)
    if unit_id not in levels:
        raise NotFoundError(f"没有该单位的生态账户 no eco accounts in unit '{unit_id}'")
    level = levels[unit_id][0]
    trail = []
    up: str | None = unit_id
    while up is not None and up in levels:
        trail.append({"unit_id": up, "name": book.names.get(up, up), "level": levels[up][0]})
        up = levels[up][1]
    children = sorted(u for u, (_, p) in levels.items() if p == unit_id)
    rows = vw.summaries(book, [unit_id, *children])
    village = sorted(h for h, c in book.holders.items() if c[0] == unit_id)
    gep = _gep(ctx, lambda u: u == unit_id) if level == "county" else None
    return _accounts(ctx, book, rows) | {
        "unit_id": unit_id,
        "name": book.names.get(unit_id, unit_id),
        "level": level,
        "level_name": ctx.tr(*LEVEL_NAMES[level]),
        "trail": list(reversed(trail)),
        "keep": _keep(as_of),
        "synthetic": _synthetic(book.holders),
        "unit": rows[0],
        "children": rows[1:],
        "chart": _chart(ctx, book.rb, rows[1:] or rows),
        "holders": [vw.holder_row(h, book.holders[h], book.balance(h)) for h in village],
        "gep": vw.gep_summary(gep.rows) if gep else [],
        "price_table": gep.used.info.as_dict() if gep else None,
    }


@page(router, "/eco/holders", "eco_holders.html", audit="read:eco_holders")
def eco_holders(
    ctx: Annotated[Ctx, require(ECO_ROLES)],
    q: OptText = None,
    unit: OptText = None,
    as_of: AsOf = None,
    page_no: PageNo = 1,
) -> dict[str, Any]:
    """Holders this user may see, by id or village (``q``, part of either) and unit, 50 a page,
    with balance and tier (ids only: names are on the statement)."""
    book = _book(ctx, as_of, balances=False)
    if unit and not _visible(book, ctx)(unit):
        raise _refuse(ctx, unit)
    with ctx.store.transaction() as s:
        found = vw.holders_page(s, book, q or "", unit or "", page_no, PAGE_SIZE, ctx.lang == "en")
    return {
        "q": q or "",
        "unit": unit or "",
        "as_of": book.as_of,
        "as_of_date": vw.day(book.as_of),
        "keep": _keep(as_of),
        "synthetic": _synthetic(found.pop("shown")),
        "page": page_no,
        "page_size": PAGE_SIZE,
    } | found


def _holder(ctx: Ctx, holder_id: str) -> EcoHolderRow:
    """The holder, if this user may see its village (403 otherwise, 404 if unknown)."""
    with ctx.store.transaction() as s:
        h = s.get(EcoHolderRow, holder_id)
        if h is None:
            raise NotFoundError(f"没有账户持有人 no holder '{holder_id}'")
        s.expunge(h)
    parents = vw.eco_parents([(h.village_id, h.township_id, h.county_id)], ctx.parents)
    if not ctx.user.can_see(h.village_id, parents):
        raise _refuse(ctx, h.county_id)
    return h


def _rulebook_or_404(rb: Rulebook | None) -> Rulebook:
    if rb is None:
        raise NotFoundError("库中没有生态积分细则 no rulebook in the store")
    return rb


@page(router, "/eco/holders/{holder_id}", "eco_holder.html", audit="read:eco_holder")
def eco_holder(
    holder_id: PathText,
    ctx: Annotated[Ctx, require(ECO_ROLES)],
    as_of: AsOf = None,
    reviewed: OptText = None,
) -> dict[str, Any]:
    """The 生态存折: balance, tier, benefit, points by dimension and every entry with its
    evidence, inspector, sign-off, objection window and objections; for the office's
    reviewers, what they may do now (sign off, record an objection, rule)."""
    _holder(ctx, holder_id)
    with ctx.store.transaction() as s:
        rb = _rulebook_or_404(vw.rulebook(s))
        d = vw.holder_account(s, holder_id, rb, vw.end_of_day(as_of), ctx.lang == "en")
    query = _keep(as_of)
    link = f"/eco/holders/{quote(holder_id, safe='')}/statement"
    return _reviewable(ctx, d) | {
        "keep": query,
        "statement_pdf": f"{link}.pdf{query}",
        "statement_html": f"{link}.html{query}",
        "reviewed": _REVIEWED.get(reviewed or ""),
        "review": None,
    }


def _reviewable(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    """Mark what a reviewer may do now (not at ``as_of``): sign off an award without one that
    was not reversed, record an objection inside its window, rule on an open objection."""
    can = ctx.user.role in REVIEWERS
    now = dt.datetime.now(dt.UTC)
    for e in d["entries"]:
        live = can and e["kind"] == "award" and not e.get("reversed_by")
        e["can_sign_off"] = live and not e.get("signed_by")
        e["can_object"] = live and now < e["objection_until"]
        for o in e.get("objections", []):
            o["can_rule"] = can and not o["ruled"]
    return d | {"can_review": can}


_REVIEWED = {
    "signoff": ("已复核，已记入存证账本。", "Signed off and committed to the ledger."),
    "objection": (
        "异议已登记：裁决前该记分不计入。",
        "Objection recorded: the award does not count until it is ruled on.",
    ),
    "upheld": ("异议成立：该记分已冲正（新分录）。", "Objection upheld: the award was reversed."),
    "rejected": ("异议不成立：该记分照常计入。", "Objection rejected: the award counts."),
}


_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


@router.get("/eco/holders/{holder_id}/statement.{fmt}", response_model=None)
def eco_statement(
    holder_id: PathText,
    fmt: Literal["pdf", "html"],
    ctx: Annotated[Ctx, require(ECO_ROLES)],
    as_of: AsOf = None,
) -> Response:
    """The printable 生态存折 of ``zhengji eco statement`` (the same renderer, dates in Beijing
    time; the PDF embeds its fonts): PDF to download, HTML to print from the browser."""
    _holder(ctx, holder_id)
    with ctx.store.transaction() as s:
        rb = _rulebook_or_404(vw.rulebook(s))
        st = build_statement(s, holder_id, rb, vw.end_of_day(as_of))
        audit_log.record(
            s, ctx.user, "read:eco_statement", f"holder_id={holder_id},{fmt}", ctx.client
        )
    headers = {"Content-Security-Policy": DOC_CSP}
    if fmt == "html":
        return Response(
            render_html(st, rb).encode("utf-8"), media_type=_TYPES[fmt], headers=headers
        )
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in holder_id)
    headers["Content-Disposition"] = f'attachment; filename="eco-statement-{safe}.pdf"'
    return Response(render_pdf(st, rb), media_type=_TYPES[fmt], headers=headers)


@page(router, "/eco/gep", "eco_gep.html")
def eco_gep(
    ctx: Annotated[Ctx, require(ECO_ROLES)],
    unit: OptText = None,
    year: OptText = None,
    prices: OptText = None,
    stored: OptText = None,
) -> dict[str, Any]:
    """GEP accounts per county and year: each service's physical quantity × price, the three
    accounts, GEP, growth, GEP/GDP and the two-way conversion, and the price table used (the
    one in force, or the stored version ``?prices=``), with the versions one may pick; for the
    office's admin, the form that stores a new table (``?stored=new|same`` after it)."""
    scope = _scope(ctx, ctx.parents)

    def can(u: str) -> bool:
        return (scope is None or u in scope) and (not unit or u == unit)

    if unit and not (scope is None or unit in scope):
        raise _refuse(ctx, unit)
    gep = _gep(ctx, can, prices or None)
    rows = gep.rows
    years = sorted({r["year"] for r in rows})
    if year and year not in years:
        raise DataError(f"没有该年度的GEP核算 no GEP accounts for year '{year}'; known: {years}")
    chosen = year or (years[-1] if years else None)
    shown = [r for r in rows if r["year"] == chosen]
    en = ctx.lang == "en"
    return {
        "unit": unit or "",
        "year": chosen,
        "years": years,
        "synthetic": gep.synthetic,
        "accounts": [{"id": k, "name": k if en else v} for k, v in ACCOUNTS.items()],
        "prices": vw.price_table(gep.used),
        "prices_choice": prices or "",
        "price_tables": gep.tables,
        "can_store": ctx.user.role in PRICE_KEEPERS,
        "max_price_kb": MAX_PRICE_BYTES // 1024,
        "notice": _notice(stored, gep),
        "upload": None,
        "summary": vw.gep_summary(rows),
        "units": shown,
        "chart": {
            "categories": [r["name"] for r in shown],
            "axis": ctx.tr("亿元", "100 million yuan"),
            "stack": True,
            "series": [
                {"name": k if en else v, "data": [_round(r["accounts_yi"][k]) for r in shown]}
                for k, v in ACCOUNTS.items()
            ],
        },
    }


def _notice(stored: str | None, gep: _Gep) -> dict[str, Any] | None:
    """What the page says after a store (``?stored=new`` or ``same``) about the table shown."""
    info = gep.used.info
    if stored not in ("new", "same") or info.kind != "stored":
        return None
    in_force = any(t["in_force"] and t["used"] for t in gep.tables)
    return {"created": stored == "new", "in_force": in_force} | info.as_dict()


class _TooLargeError(DataError):
    """An upload over :data:`MAX_PRICE_BYTES` (answered 413)."""


def _upload_text(file: UploadFile | None) -> tuple[str, str]:
    """The upload's exact text (no newline or BOM translation: its sha256 is ``sha256sum``'s)
    and its file name, or a :class:`DataError` saying what to fix."""
    name = (Path(file.filename or "").name if file else "") or "upload.toml"
    name = name[:200]
    raw = file.file.read(MAX_PRICE_BYTES + 1) if file else b""
    kb = MAX_PRICE_BYTES // 1024
    if len(raw) > MAX_PRICE_BYTES:
        raise _TooLargeError(
            f"文件过大 price table file is larger than {kb} KB",
            [(name, None, None, f"超过 {kb} KB larger than {kb} KB: is this a price table?")],
        )
    if not raw.strip():
        raise DataError(
            "没有选择文件或文件为空 no file chosen, or the file is empty",
            [(name, None, None, "选择价格表TOML文件 choose a price table TOML file")],
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raise DataError(
            "文件以BOM开头 the file starts with a byte-order mark (BOM)",
            [(name, 1, None, "另存为无BOM的UTF-8 save it as UTF-8 without BOM")],
        )
    try:
        return raw.decode("utf-8"), name
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            "价格表须为UTF-8编码 the price table is not UTF-8 text",
            [
                (
                    name,
                    line,
                    None,
                    f"第{exc.start}字节不是UTF-8 byte {exc.start} is not UTF-8; "
                    "save the file as UTF-8",
                )
            ],
        ) from None


def _refused(ctx: Ctx, request: Request, exc: DataError, note: str) -> Response:
    """A refused upload: the page again with the problems (file, line, field) above the form,
    or the app's JSON error; 413 for a file too large, else 422. Nothing was stored."""
    status = 413 if isinstance(exc, _TooLargeError) else 422
    message = str(exc).split("\n")[0]
    problems = [{"file": f, "row": r, "column": c, "message": m} for f, r, c, m in exc.problems]
    if not wants_html(request):
        return JSONResponse(
            {"error": message, "status": status, "problems": problems}, status_code=status
        )
    data = eco_gep(ctx=ctx)
    data["upload"] = {"status": status, "message": message, "problems": problems, "note": note}
    return render(ctx, "eco_gep.html", data, status=status)


@router.post("/eco/gep/prices", include_in_schema=False)
def eco_gep_prices(
    ctx: Annotated[Ctx, require_write(PRICE_KEEPERS)],
    request: Request,
    file: Annotated[UploadFile | None, File(description="GEP 价格表 price table (TOML)")] = None,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Store an uploaded price table (``pricebook.store``: validated, append-only, ledgered)
    with its audit row in one transaction; it is then in force for every GEP figure. The same
    text again changes nothing; other text under a stored version is refused."""
    try:
        text, name = _upload_text(file)
        with ctx.store.transaction() as s:
            done = pricebook.store(s, text, name, ctx.user.username, note.strip())
            info = done.info
            audit_log.record(
                s,
                ctx.user,
                "eco_gep_prices",
                f"version={info.version}",
                ctx.client,
                {"sha256": info.sha256, "file": name, "created": done.created},
            )
            in_force = pricebook.table_used(s).info.version == info.version
    except DataError as exc:
        return _refused(ctx, request, exc, note)
    if not wants_html(request):
        body = {"created": done.created, "in_force": in_force, "message": done.message()}
        return JSONResponse(body | {"table": info.as_dict()})
    query = {"prices": info.version} if len(info.version) <= 200 else {}
    query["stored"] = "new" if done.created else "same"
    return RedirectResponse(f"/eco/gep?{urlencode(query)}", status_code=303)


# --- review: sign-off, objections, rulings ------------------------------------------------------
def reviewer_id(ctx: Ctx) -> str:
    """The eco person a signed-in reviewer acts as, ``web:<username>``: sign-offs and rulings
    name a person of ``eco_people`` (the ledger keeps the id); the audit row names the account."""
    return f"web:{ctx.user.username}"


def _entry_holder(ctx: Ctx, entry_id: int) -> str:
    """The holder of an entry this user may see (404 if unknown, 403 outside the scope)."""
    with ctx.store.transaction() as s:
        hid = s.scalar(select(EcoEntryRow.holder_id).where(EcoEntryRow.id == entry_id))
    if hid is None:
        raise NotFoundError(f"没有此分录 no entry #{entry_id}")
    _holder(ctx, hid)
    return str(hid)


Act = Callable[[Session, str], tuple[dict[str, Any], str]]


def _review(
    ctx: Ctx,
    request: Request,
    holder_id: str,
    entry_id: int,
    action: str,
    form: dict[str, Any],
    act: Act,
) -> Response:
    """Run one review step through the service with its audit row, in one transaction (the
    reviewer is registered as an eco person on first use, in the same transaction). Refused:
    nothing is written; the holder's page again with the message (422), or the JSON error."""
    try:
        with ctx.store.transaction() as s:
            pid = reviewer_id(ctx)
            sv.add_person(s, pid, None, None)
            result, done = act(s, pid)
            audit_log.record(
                s, ctx.user, f"eco_{action}", f"entry_id={entry_id}", ctx.client, result
            )
    except DataError as exc:
        message = str(exc).split("\n")[0]
        if not wants_html(request):
            return JSONResponse({"error": message, "status": 422}, status_code=422)
        data = eco_holder(holder_id=holder_id, ctx=ctx)
        data["review"] = {"action": action, "entry_id": entry_id, "message": message} | form
        return render(ctx, "eco_holder.html", data, status=422)
    if not wants_html(request):
        body = result | {"holder_id": holder_id, "message": ctx.tr(*_REVIEWED[done])}
        return JSONResponse(body)
    where = f"/eco/holders/{quote(holder_id, safe='')}?reviewed={done}#entry-{entry_id}"
    return RedirectResponse(where, status_code=303)


@router.post("/eco/entries/{entry_id}/signoff", include_in_schema=False)
def eco_signoff(
    entry_id: PathId, ctx: Annotated[Ctx, require_write(REVIEWERS)], request: Request
) -> Response:
    """The second sign-off of an award, by the signed-in reviewer (``service.sign_off``:
    never the inspector, the beneficiary or their household; ledgered, audited)."""
    holder_id = _entry_holder(ctx, entry_id)

    def act(s: Session, pid: str) -> tuple[dict[str, Any], str]:
        leaf = sv.sign_off(s, entry_id, pid)
        return {"entry_id": entry_id, "signed_by": pid, "ledger_index": leaf}, "signoff"

    return _review(ctx, request, holder_id, entry_id, "signoff", {}, act)


@router.post("/eco/entries/{entry_id}/objections", include_in_schema=False)
def eco_object(
    entry_id: PathId,
    ctx: Annotated[Ctx, require_write(REVIEWERS)],
    request: Request,
    raised_by: Annotated[str, Form(max_length=200)] = "",
    text: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Record a citizen's objection to an award, only inside its objection window
    (``service.object_to``; ledgered, audited: the account that recorded it is in the audit)."""
    holder_id = _entry_holder(ctx, entry_id)
    form = {"raised_by": raised_by, "text": text}

    def act(s: Session, _pid: str) -> tuple[dict[str, Any], str]:
        oid = sv.object_to(s, entry_id, raised_by.strip(), text.strip())
        return {"entry_id": entry_id, "objection_id": oid}, "objection"

    return _review(ctx, request, holder_id, entry_id, "objection", form, act)


@router.post("/eco/objections/{objection_id}/ruling", include_in_schema=False)
def eco_rule(
    objection_id: PathId,
    ctx: Annotated[Ctx, require_write(REVIEWERS)],
    request: Request,
    decision: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Rule on an open objection (``service.rule_on``): upheld reverses the award as a new
    entry, rejected lets it count; ledgered, audited."""
    with ctx.store.transaction() as s:
        entry_id = s.scalar(
            select(EcoObjectionRow.entry_id).where(EcoObjectionRow.id == objection_id)
        )
    if entry_id is None:
        raise NotFoundError(f"没有此异议 no objection #{objection_id}")
    holder_id = _entry_holder(ctx, entry_id)
    form = {"objection_id": objection_id, "decision": decision, "reason": reason}

    def act(s: Session, pid: str) -> tuple[dict[str, Any], str]:
        if decision not in ("upheld", "rejected"):
            raise DataError("请选择异议成立或不成立 choose upheld or rejected")
        upheld = decision == "upheld"
        rev = sv.rule_on(s, objection_id, upheld, pid, reason.strip())
        body = {"objection_id": objection_id, "entry_id": entry_id, "upheld": upheld}
        return body | {"reversal_id": rev, "ruled_by": pid}, decision

    return _review(ctx, request, holder_id, entry_id, "ruling", form, act)


@page(router, "/eco/pending", "eco_pending.html", audit="read:eco_pending")
def eco_pending(ctx: Annotated[Ctx, require(ECO_ROLES)], unit: OptText = None) -> dict[str, Any]:
    """Awards awaiting a second sign-off and objections awaiting a ruling in this user's scope
    (``?unit=`` a county, township or village), oldest first, with each award's objection
    window end; links to the holder's page, where reviewers act."""
    book = _book(ctx, None, balances=False)
    can = _visible(book, ctx)
    if unit and not can(unit):
        raise _refuse(ctx, unit)
    with ctx.store.transaction() as s:
        got = vw.pending(s, book.as_of, can, unit or None, ctx.lang == "en", PENDING_ROWS)
    rows = got["signoffs"] + got["objections"]
    return got | {
        "limit": PENDING_ROWS,
        "can_review": ctx.user.role in REVIEWERS,
        "synthetic": _synthetic(r["holder_id"] for r in rows),
        "unit_names": {
            u: book.names.get(u, u) for r in rows for u in (r["village_id"], r["county_id"])
        },
    }
