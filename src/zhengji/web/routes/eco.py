"""Pages of the ecological accounts (梵净生态账户) and GEP accounting (生态产品总值).

The numbers are the core's: balances, tiers and benefits from :mod:`zhengji.eco.scoring`
(through :func:`zhengji.eco.service.holder_balances`), unit aggregates from
:func:`zhengji.eco.indicators.account_rows`, the statement from :mod:`zhengji.eco.statement`,
GEP from :func:`zhengji.eco.importer.gep_accounts` and :func:`zhengji.eco.indicators.gep_rows`.
These views only read, group for display and render.

Who sees what (docs/eco.md, "Eco pages"): the office's accounts (``STAFF``): admin, assessor and
inspector see every county; a reporter sees only the units under their own and their holders.
Villages are not units of the web's hierarchy (``units``): a holder's village → township →
county chain in ``eco_holders`` extends it, so a village is inside a reporter's scope exactly
when its township (or county) is. Holder statements carry a name (personal data): every read
is audited (``read:eco_holder``, ``read:eco_statement``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from zhengji.eco import service as sv
from zhengji.eco.gep import ACCOUNTS, SERVICES, PriceTable, default_prices
from zhengji.eco.importer import gep_accounts, gep_inputs
from zhengji.eco.indicators import account_rows, gep_rows
from zhengji.eco.rulebook import Rulebook, benefit_for
from zhengji.eco.scoring import Balance
from zhengji.eco.statement import (
    DEMO_PREFIX,
    KIND_ZH,
    STATE_ZH,
    build_statement,
    render_html,
    render_pdf,
)
from zhengji.errors import DataError, PermissionDenied, StoreError
from zhengji.store.findings import list_findings
from zhengji.store.schema import FindingRow
from zhengji.store.schema_eco import (
    EcoEntryRow,
    EcoGepInputRow,
    EcoHolderRow,
    EcoObjectionRow,
    EcoRulingRow,
    EcoSignoffRow,
)
from zhengji.web import audit as audit_log
from zhengji.web.deps import Ctx, OptText, PathText, require
from zhengji.web.pages import nav, page
from zhengji.web.roles import STAFF, subtree
from zhengji.web.routes.reports import DOC_CSP
from zhengji.web.services import NotFoundError, units

__all__ = ["ECO_ROLES", "PAGE_SIZE", "eco_findings", "router"]

router = APIRouter()
#: The office's accounts; a reporter is scoped to their unit (organisation, centre, … get 403).
ECO_ROLES = STAFF
PAGE_SIZE = 50
CHINA = dt.timezone(dt.timedelta(hours=8))
nav("/eco", "生态账户", "Eco accounts", ECO_ROLES, order=66)

AsOf = Annotated[dt.date | None, Query(description="截至日期 as of (YYYY-MM-DD; default now)")]
PageNo = Annotated[int, Query(alias="page", ge=1, le=1_000_000)]
LEVEL_NAMES = {
    "county": ("区县", "county"),
    "township": ("乡镇", "township"),
    "village": ("村", "village"),
}
KIND_EN = {
    "household": "household",
    "sole_trader": "sole trader",
    "enterprise": "enterprise",
    "village": "village collective",
}
STATE_EN = {k: v.split(" ", 1)[1] for k, v in STATE_ZH.items()}


def _when(as_of: dt.date | None) -> dt.datetime:
    """End of the given day in Beijing (as ``zhengji eco … --as-of``), or now."""
    if as_of is None:
        return dt.datetime.now(dt.UTC)
    return dt.datetime(as_of.year, as_of.month, as_of.day, 23, 59, 59, tzinfo=CHINA)


def _keep(as_of: dt.date | None) -> str:
    """The query that keeps an explicit ``as_of`` on the links of a page."""
    return f"?as_of={as_of.isoformat()}" if as_of else ""


def _day(t: dt.datetime) -> str:
    """The date in Beijing."""
    return f"{t.astimezone(CHINA):%Y-%m-%d}"


def _bj(t: dt.datetime | None) -> dt.datetime | None:
    """A stored time (UTC; naive on SQLite) in Beijing time, as the page shows it."""
    return None if t is None else sv.utc(t).astimezone(CHINA)


def _rulebook(s: Session) -> Rulebook | None:
    try:
        return sv.current_rulebook(s)[1]
    except StoreError:
        return None  # no eco records yet: the pages say so


@dataclass(frozen=True)
class _Book:
    """What the account pages read, once per request."""

    rb: Rulebook | None
    as_of: dt.datetime
    holders: Mapping[str, tuple[str, str, str]]  # holder → (village, township, county)
    balances: Mapping[str, Balance]
    names: Mapping[str, str]  # unit names of the web's hierarchy
    parents: Mapping[str, str | None]  # the web's hierarchy extended by the eco chain


def _eco_parents(
    chains: Iterable[tuple[str, str, str]], web: Mapping[str, str | None]
) -> dict[str, str | None]:
    """village → township → county from ``eco_holders``; the web's own links win."""
    out: dict[str, str | None] = {}
    for village, township, county in chains:
        out[village] = township
        out.setdefault(township, county)
        out.setdefault(county, None)
    return out | dict(web)


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


def _load(
    ctx: Ctx, as_of: dt.date | None, balances: bool = True, within: str | None = None
) -> _Book:
    """Holders this user may see (those of unit ``within`` only, if given) and their balances."""
    when = _when(as_of)
    with ctx.store.transaction() as s:
        rb = _rulebook(s)
        holders = sv.holder_units(s)
        web = units(s)
        names = {u.id: u.name for u in web}
        parents = _eco_parents(holders.values(), {u.id: u.parent_id for u in web})
        scope = _scope(ctx, parents)
        if scope is not None:
            holders = {h: c for h, c in holders.items() if c[0] in scope}
        if within is not None:
            holders = {h: c for h, c in holders.items() if within in c}
        bal = (
            _balances(s, rb, when, sorted(holders) if scope is not None or within else None)
            if rb is not None and balances
            else {}
        )
    return _Book(rb, when, holders, bal, names, parents)


def _balances(
    s: Session, rb: Rulebook, when: dt.datetime, ids: list[str] | None
) -> dict[str, Balance]:
    """The service's balances, asked for in slices (a county may hold more holders than a
    query may carry parameters; each holder's balance depends on its own entries only)."""
    if ids is None:
        return sv.holder_balances(s, rb, when)
    out: dict[str, Balance] = {}
    for k in range(0, len(ids), 5000):
        out.update(sv.holder_balances(s, rb, when, ids[k : k + 5000]))
    return out


def _levels(holders: Mapping[str, tuple[str, str, str]]) -> dict[str, tuple[str, str | None]]:
    """unit → (level, eco parent) for every village, township and county holding accounts."""
    out: dict[str, tuple[str, str | None]] = {}
    for village, township, county in holders.values():
        out[village] = ("village", township)
        out.setdefault(township, ("township", county))
        out.setdefault(county, ("county", None))
    return out


def _tr(ctx: Ctx, pair: tuple[str, str]) -> str:
    return ctx.tr(*pair)


def _summaries(ctx: Ctx, book: _Book, ids: list[str]) -> list[dict[str, Any]]:
    """Participation, mean score, mean points by dimension (the core's ``account_rows``) and
    holders by tier, for each of ``ids``."""
    if not ids:
        return []
    wanted = set(ids)
    members = {
        h: c for h, c in book.holders.items() if wanted & {c[0], c[1], c[2]}
    }  # only the holders of the units shown
    rb = book.rb
    obs: dict[str, dict[str, float]] = defaultdict(dict)
    if rb is not None:
        for r in account_rows(members, book.balances, rb, f"{book.as_of:%Y-%m-%d}"):
            obs[r.unit_id][r.indicator_id] = r.value
    tiers: dict[str, Counter[int]] = defaultdict(Counter)
    for h, chain in members.items():
        b = book.balances.get(h)
        for u in chain:
            tiers[u][b.tier if b else 0] += 1
    levels = _levels(members)
    out = []
    for u in ids:
        o = obs.get(u, {})
        out.append(
            {
                "unit_id": u,
                "name": book.names.get(u, u),
                "level": levels[u][0] if u in levels else None,
                "holders": sum(tiers[u].values()),
                "participation": o.get("eco_participation"),
                "mean_score": o.get("eco_mean_score"),
                "by_dimension": {
                    d.id: o.get(f"eco_points_{d.id}") for d in (rb.dimensions if rb else ())
                },
                "tiers": {str(t): n for t, n in sorted(tiers[u].items())},
            }
        )
    return out


def _dimensions(ctx: Ctx, rb: Rulebook | None) -> list[dict[str, Any]]:
    return [
        {"id": d.id, "name": d.name_en if ctx.lang == "en" else d.name, "cap": d.cap}
        for d in (rb.dimensions if rb else ())
    ]


def _tiers(rb: Rulebook | None, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tiers present in ``rows`` with their benefit (the rulebook's ``benefit_for``)."""
    if rb is None:
        return []
    present = sorted({int(t) for r in rows for t in r["tiers"]})
    out = []
    for t in present:
        b = benefit_for(t * rb.tier_step, rb)
        out.append(
            {
                "tier": t,
                "from_points": t * rb.tier_step,
                "credit_limit": b.credit_limit,
                "rate": b.rate,
            }
        )
    return out


def _chart(ctx: Ctx, rb: Rulebook | None, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean points per holder by dimension, one stacked bar per unit (ECharts, eco.js)."""
    return {
        "categories": [r["name"] for r in rows],
        "axis": ctx.tr("户均积分", "mean points per holder"),
        "stack": True,
        "series": [
            {
                "name": d["name"],
                "data": [_round(r["by_dimension"].get(d["id"])) for r in rows],
            }
            for d in _dimensions(ctx, rb)
        ],
    }


def _round(v: float | None, digits: int = 3) -> float | None:
    return None if v is None or v != v else round(v, digits)


# --- GEP ----------------------------------------------------------------------------------------
def _gep(
    ctx: Ctx, can: Callable[[str], bool], prices: PriceTable
) -> tuple[list[dict[str, Any]], bool]:
    """Every visible unit-year: accounts, GEP, growth, GEP/GDP, two-way conversion; synthetic?"""
    with ctx.store.transaction() as s:
        inputs = gep_inputs(s)
        synthetic = (
            s.scalar(
                select(EcoGepInputRow.id).where(EcoGepInputRow.source.contains("示例数据")).limit(1)
            )
            is not None
        )
        names = {u.id: u.name for u in units(s)}
    accs, gdp = gep_accounts({k: v for k, v in inputs.items() if can(k[0])}, prices)
    series: dict[str, dict[str, float]] = defaultdict(dict)
    for a in accs:
        series[a.unit_id][a.year] = a.total()
    derived: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for u, ys in series.items():
        for r in gep_rows(u, ys, gdp.get(u, {})):
            derived[(r.unit_id, r.period)][r.indicator_id] = r.value
    en = ctx.lang == "en"
    rows = []
    for a in accs:
        d = derived[(a.unit_id, a.year)]
        two_way = d.get("eco_gep_two_way")
        rows.append(
            {
                "unit_id": a.unit_id,
                "name": names.get(a.unit_id, a.unit_id),
                "year": a.year,
                "gep_yi": d.get("eco_gep"),
                "accounts_yi": {k: a.total(k) / 1e8 for k in ACCOUNTS},
                "gdp_yi": gdp[a.unit_id][a.year] / 1e8
                if a.year in gdp.get(a.unit_id, {})
                else None,
                "growth": d.get("eco_gep_growth"),
                "gep_gdp_ratio": d.get("eco_gep_gdp_ratio"),
                "two_way": two_way,
                "two_way_conversion": None if two_way is None else two_way > 0,
                "prices_version": a.prices_version,
                "lines": [
                    {
                        "service": ln.service,
                        "name": SERVICES[ln.service].name_en if en else SERVICES[ln.service].name,
                        "account": ln.account,
                        "quantity": ln.quantity.value,
                        "unit": ln.quantity.unit,
                        "price": ln.price.value,
                        "price_per": ln.price.per,
                        "value_yuan": ln.value,
                    }
                    for ln in a.lines
                ],
            }
        )
    return rows, synthetic


def _gep_summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "lines"} for r in rows]


def _prices(ctx: Ctx, prices: PriceTable) -> dict[str, Any]:
    return {
        "version": prices.version,
        "source": prices.source,
        "prices": [
            {"id": pid, "name": e.name, "value": e.value, "per": e.per, "source": e.source}
            for pid, e in prices.prices.items()
        ],
        "parameters": [
            {"id": pid, "value": v, "source": prices.sources.get(pid, "")}
            for pid, v in prices.parameters.items()
        ],
    }


# --- eco anti-fraud findings --------------------------------------------------------------------
def eco_findings(s: Session, can: Callable[[str], bool]) -> dict[str, Any] | None:
    """The newest screen holding eco-account signals (``zhengji eco screen --scheme``): its
    flagged findings this user may see, and their number per unit; None when never screened."""
    sid = s.scalar(
        select(FindingRow.screen_id)
        .where(FindingRow.check.startswith("eco_", autoescape=True))
        .order_by(FindingRow.screen_id.desc())
        .limit(1)
    )
    if sid is None:
        return None
    found = [
        f
        for f in list_findings(s, sid)
        if f.check.startswith("eco_") and f.severity != "info" and can(f.unit_id)
    ]
    return {
        "screen_id": sid,
        "by_unit": dict(Counter(f.unit_id for f in found)),
        "findings": [
            {
                "id": f.id,
                "unit_id": f.unit_id,
                "check": f.check,
                "subject": f.indicator_id,
                "severity": f.severity,
                "state": f.state,
                "summary_zh": f.summary_zh,
                "summary_en": f.summary_en,
            }
            for f in found
        ],
    }


# --- pages --------------------------------------------------------------------------------------
def _visible(book: _Book, ctx: Ctx) -> Callable[[str], bool]:
    scope = _scope(ctx, book.parents)
    return (lambda u: True) if scope is None else (lambda u: u in scope)


def _synthetic(holders: Iterable[str]) -> bool:
    return any(h.startswith(DEMO_PREFIX) for h in holders)


@page(router, "/eco", "eco_index.html")
def eco_index(ctx: Annotated[Ctx, require(ECO_ROLES)], as_of: AsOf = None) -> dict[str, Any]:
    """County dashboards: accounts per county (drill down to townships and villages), GEP per
    county and year, and the eco anti-fraud findings if a screen recorded them."""
    book = _load(ctx, as_of)
    can = _visible(book, ctx)
    counties = sorted({c for _, _, c in book.holders.values()})
    rows = _summaries(ctx, book, counties)
    gep, gep_synthetic = _gep(ctx, can, default_prices())
    with ctx.store.transaction() as s:
        found = eco_findings(s, can)
    return {
        "as_of": book.as_of,
        "as_of_date": _day(book.as_of),
        "keep": _keep(as_of),
        "rulebook": _rulebook_info(book.rb),
        "synthetic": _synthetic(book.holders) or gep_synthetic,
        "dimensions": _dimensions(ctx, book.rb),
        "tier_benefits": _tiers(book.rb, rows),
        "units": rows,
        "chart": _chart(ctx, book.rb, rows),
        "gep": _gep_summary(gep),
        "findings": found,
    }


def _rulebook_info(rb: Rulebook | None) -> dict[str, Any] | None:
    if rb is None:
        return None
    return {
        "id": rb.id,
        "version": rb.version,
        "name": rb.name,
        "fingerprint": rb.fingerprint,
        "total_cap": rb.total_cap,
        "tier_step": rb.tier_step,
        "objection_days": rb.objection_days,
        "base_rate": rb.base_rate,
    }


@page(router, "/eco/units/{unit_id}", "eco_unit.html")
def eco_unit(
    unit_id: PathText, ctx: Annotated[Ctx, require(ECO_ROLES)], as_of: AsOf = None
) -> dict[str, Any]:
    """One county, township or village: its figures and those of the units under it (a
    village: its holders)."""
    book = _load(ctx, as_of, within=unit_id)
    if not _visible(book, ctx)(unit_id):
        raise _refuse(ctx, unit_id)
    levels = _levels(book.holders)
    if unit_id not in levels:
        raise NotFoundError(f"没有该单位的生态账户 no eco accounts in unit '{unit_id}'")
    level, _ = levels[unit_id]
    trail = []
    up: str | None = unit_id
    while up is not None and up in levels:
        trail.append({"unit_id": up, "name": book.names.get(up, up), "level": levels[up][0]})
        up = levels[up][1]
    children = sorted(u for u, (_, p) in levels.items() if p == unit_id)
    rows = _summaries(ctx, book, [unit_id, *children])
    holders = []
    if level == "village":
        for h in sorted(h for h, c in book.holders.items() if c[0] == unit_id):
            b = book.balances.get(h)
            holders.append(_holder_row(h, book.holders[h], b))
    gep: list[dict[str, Any]] = []
    if level == "county":
        gep = _gep_summary(_gep(ctx, lambda u: u == unit_id, default_prices())[0])
    return {
        "unit_id": unit_id,
        "name": book.names.get(unit_id, unit_id),
        "level": level,
        "level_name": _tr(ctx, LEVEL_NAMES[level]),
        "trail": list(reversed(trail)),
        "as_of": book.as_of,
        "as_of_date": _day(book.as_of),
        "keep": _keep(as_of),
        "synthetic": _synthetic(book.holders),
        "dimensions": _dimensions(ctx, book.rb),
        "tier_benefits": _tiers(book.rb, rows),
        "unit": rows[0],
        "children": rows[1:],
        "chart": _chart(ctx, book.rb, rows[1:] or rows),
        "holders": holders,
        "gep": gep,
    }


def _holder_row(h: str, chain: tuple[str, str, str], b: Balance | None) -> dict[str, Any]:
    return {
        "holder_id": h,
        "village_id": chain[0],
        "township_id": chain[1],
        "county_id": chain[2],
        "points": b.points if b else 0,
        "pending": b.pending if b else 0,
        "tier": b.tier if b else 0,
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
    book = _load(ctx, as_of, balances=False)
    if unit and not _visible(book, ctx)(unit):
        raise _refuse(ctx, unit)
    needle = (q or "").strip().lower()
    ids = sorted(
        h
        for h, c in book.holders.items()
        if (not unit or unit in c) and (not needle or needle in h.lower() or needle in c[0].lower())
    )
    pages = max(1, -(-len(ids) // PAGE_SIZE))
    shown = ids[(page_no - 1) * PAGE_SIZE : page_no * PAGE_SIZE]
    with ctx.store.transaction() as s:
        bal = sv.holder_balances(s, book.rb, book.as_of, shown) if book.rb and shown else {}
        kq = select(EcoHolderRow.id, EcoHolderRow.kind).where(EcoHolderRow.id.in_(shown))
        kinds: dict[str, str] = {h: k for h, k in s.execute(kq)}
    en = ctx.lang == "en"
    return {
        "q": q or "",
        "unit": unit or "",
        "as_of": book.as_of,
        "as_of_date": _day(book.as_of),
        "keep": _keep(as_of),
        "synthetic": _synthetic(shown),
        "total": len(ids),
        "page": page_no,
        "pages": pages,
        "page_size": PAGE_SIZE,
        "holders": [
            _holder_row(h, book.holders[h], bal.get(h))
            | {"kind": (KIND_EN if en else KIND_ZH).get(kinds.get(h, ""), kinds.get(h))}
            for h in shown
        ],
    }


def _holder(ctx: Ctx, holder_id: str) -> EcoHolderRow:
    """The holder, if this user may see its village (403 otherwise, 404 if unknown)."""
    with ctx.store.transaction() as s:
        h = s.get(EcoHolderRow, holder_id)
        if h is None:
            raise NotFoundError(f"没有账户持有人 no holder '{holder_id}'")
        s.expunge(h)
    parents = _eco_parents([(h.village_id, h.township_id, h.county_id)], ctx.parents)
    if not ctx.user.can_see(h.village_id, parents):
        raise _refuse(ctx, h.county_id)
    return h


def _entry_details(s: Session, holder_id: str) -> dict[int, dict[str, Any]]:
    """Evidence, inspector, sign-off and objections of each of a holder's entries."""
    e = EcoEntryRow
    q = (
        select(
            e.id,
            e.inspector_id,
            e.photo_ref,
            e.lat,
            e.lon,
            e.evidence_at,
            e.device_id,
            e.reason,
            e.recorded_by,
            e.ledger_index,
            EcoSignoffRow.person_id,
            EcoSignoffRow.signed_at,
        )
        .outerjoin(EcoSignoffRow, EcoSignoffRow.entry_id == e.id)
        .where(e.holder_id == holder_id)
    )
    out: dict[int, dict[str, Any]] = {}
    for i, insp, photo, lat, lon, ev_at, dev, reason, by, leaf, signer, signed_at in s.execute(q):
        out[i] = {
            "inspector_id": insp,
            "photo_ref": photo,
            "location": None if lat is None or lon is None else [lat, lon],
            "evidence_at": _bj(ev_at),
            "device_id": dev,
            "reason": reason,
            "recorded_by": by,
            "ledger_index": leaf,
            "signed_by": signer,
            "signed_at": _bj(signed_at),
            "objections": [],
        }
    oq = (
        select(
            EcoObjectionRow.entry_id,
            EcoObjectionRow.id,
            EcoObjectionRow.raised_at,
            EcoObjectionRow.text,
            EcoRulingRow.upheld,
            EcoRulingRow.reason,
            EcoRulingRow.ruled_at,
        )
        .outerjoin(EcoRulingRow, EcoRulingRow.objection_id == EcoObjectionRow.id)
        .where(EcoObjectionRow.entry_id.in_(list(out)))
        .order_by(EcoObjectionRow.id)
    )
    for entry, oid, raised, text, upheld, why, ruled in s.execute(oq):
        out[entry]["objections"].append(
            {
                "id": oid,
                "raised_at": _bj(raised),
                "text": text,
                "ruled": upheld is not None,
                "upheld": upheld,
                "ruling": why,
                "ruled_at": _bj(ruled),
            }
        )
    return out


@page(router, "/eco/holders/{holder_id}", "eco_holder.html", audit="read:eco_holder")
def eco_holder(
    holder_id: PathText, ctx: Annotated[Ctx, require(ECO_ROLES)], as_of: AsOf = None
) -> dict[str, Any]:
    """The 生态存折: balance, tier, benefit, points by dimension and every entry with its
    evidence, inspector, sign-off, objection window and objections."""
    _holder(ctx, holder_id)
    when = _when(as_of)
    with ctx.store.transaction() as s:
        rb = _rulebook(s)
        if rb is None:
            raise NotFoundError("库中没有生态积分细则 no rulebook in the store")
        st = build_statement(s, holder_id, rb, when)
        details = _entry_details(s, holder_id)
        names = {u.id: u.name for u in units(s)}
    en = ctx.lang == "en"
    items = {i.id: (i.name_en if en else i.name) for i in rb.items}
    dims = {d.id: (d.name_en if en else d.name) for d in rb.dimensions}
    reversed_by = {p.reverses_id: p.id for p, _ in st.lines if p.reverses_id}
    b = st.balance
    query = _keep(as_of)
    entries = []
    for p, state in st.lines:
        entries.append(
            {
                "id": p.id,
                "kind": p.kind,
                "item_id": p.item_id,
                "item": items.get(p.item_id, p.item_id),
                "dimension": dims.get(p.dimension, p.dimension),
                "period": p.period,
                "points": p.points if p.kind == "award" else -p.points,
                "awarded_at": _bj(p.awarded_at),
                "valid_until": _bj(p.valid_until),
                "objection_until": _bj(p.objection_until),
                "objection_open": p.kind == "award" and when < p.objection_until,
                "state": state,
                "state_name": STATE_EN[state] if en else STATE_ZH[state].split(" ", 1)[0],
                "reverses_id": p.reverses_id,
                "reversed_by": reversed_by.get(p.id),
            }
            | details.get(p.id, {})
        )
    return {
        "holder_id": st.holder_id,
        "kind": st.kind,
        "kind_name": (KIND_EN if en else KIND_ZH).get(st.kind, st.kind),
        "name": None if st.erased else st.name,
        "erased": st.erased,
        "village_id": st.village_id,
        "township_id": st.township_id,
        "county_id": st.county_id,
        "unit_names": {u: names.get(u, u) for u in (st.village_id, st.township_id, st.county_id)},
        "as_of": st.as_of,
        "as_of_date": _day(st.as_of),
        "keep": query,
        "synthetic": st.synthetic,
        "rulebook": _rulebook_info(rb),
        "points": b.points,
        "pending": b.pending,
        "tier": b.tier,
        "benefit": {
            "credit_limit": b.benefit.credit_limit,
            "rate": b.benefit.rate,
            "base_rate": rb.base_rate,
            "from_points": b.benefit.min_points,
        },
        "by_dimension": [
            {
                "id": d.id,
                "name": dims[d.id],
                "points": b.by_dimension.get(d.id, 0),
                "cap": d.cap,
            }
            for d in rb.dimensions
        ],
        "entries": entries,
        "statement_pdf": f"/eco/holders/{quote(holder_id, safe='')}/statement.pdf{query}",
        "statement_html": f"/eco/holders/{quote(holder_id, safe='')}/statement.html{query}",
    }


_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


@router.get("/eco/holders/{holder_id}/statement.{fmt}", response_model=None)
def eco_statement(
    holder_id: PathText,
    fmt: Literal["pdf", "html"],
    ctx: Annotated[Ctx, require(ECO_ROLES)],
    as_of: AsOf = None,
) -> Response:
    """The printable 生态存折 of ``zhengji eco statement`` (the same renderer; the PDF embeds its
    fonts): PDF to download, HTML to print from the browser."""
    _holder(ctx, holder_id)
    with ctx.store.transaction() as s:
        rb = _rulebook(s)
        if rb is None:
            raise NotFoundError("库中没有生态积分细则 no rulebook in the store")
        st = build_statement(s, holder_id, rb, _when(as_of))
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
    ctx: Annotated[Ctx, require(ECO_ROLES)], unit: OptText = None, year: OptText = None
) -> dict[str, Any]:
    """GEP accounts per county and year: each service's physical quantity × price, the three
    accounts, GEP, growth, GEP/GDP and the two-way conversion, and the price table used."""
    prices = default_prices()
    parents = ctx.parents
    scope = _scope(ctx, parents)

    def can(u: str) -> bool:
        return (scope is None or u in scope) and (not unit or u == unit)

    if unit and not (scope is None or unit in scope):
        raise _refuse(ctx, unit)
    rows, synthetic = _gep(ctx, can, prices)
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
        "synthetic": synthetic,
        "accounts": [{"id": k, "name": k if en else v} for k, v in ACCOUNTS.items()],
        "prices": _prices(ctx, prices),
        "summary": _gep_summary(rows),
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
