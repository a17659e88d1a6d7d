"""What the eco pages read: plain functions taking a ``Session``, returning plain values.

The web routes (:mod:`zhengji.web.routes.eco`) only check who may see what, translate and
render. Balances and unit figures come from :mod:`zhengji.eco.tally` (one grouped read, equal
to :func:`zhengji.eco.service.holder_balances` and :func:`zhengji.eco.indicators.account_rows`),
a holder's statement from :mod:`zhengji.eco.statement`, GEP from
:func:`zhengji.eco.importer.gep_accounts` and :func:`zhengji.eco.indicators.gep_rows` at a price
table of :mod:`zhengji.eco.pricebook` (the one in force unless a page asks for another).
Dates are shown in Beijing time (``Asia/Shanghai``, UTC+8, no daylight saving).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from zhengji.eco import service as sv
from zhengji.eco.gep import ACCOUNTS, SERVICES
from zhengji.eco.importer import gep_accounts, gep_inputs, gep_left_out
from zhengji.eco.indicators import gep_rows
from zhengji.eco.pricebook import TableUsed, builtin, list_tables
from zhengji.eco.rulebook import Rulebook, benefit_for
from zhengji.eco.scoring import Balance
from zhengji.eco.statement import CHINA, KIND_ZH, STATE_ZH, build_statement
from zhengji.eco.tally import Tally, latest_award, tally, unit_figures
from zhengji.errors import StoreError
from zhengji.store.findings import list_findings
from zhengji.store.schema import FindingRow, UnitRecord
from zhengji.store.schema_eco import (
    EcoEntryRow,
    EcoGepInputRow,
    EcoHolderRow,
    EcoObjectionRow,
    EcoRulingRow,
    EcoSignoffRow,
)

__all__ = [
    "CHINA",
    "KIND_EN",
    "STATE_EN",
    "Book",
    "day",
    "dimensions",
    "eco_findings",
    "eco_parents",
    "end_of_day",
    "entry_details",
    "expiry_note",
    "gep",
    "gep_summary",
    "holder_account",
    "holder_row",
    "holders_page",
    "levels",
    "pending",
    "price_table",
    "price_tables",
    "read_book",
    "rulebook",
    "rulebook_info",
    "summaries",
    "tier_benefits",
]

Scope = Callable[[Mapping[str, str | None]], frozenset[str] | None]
KIND_EN = {
    "household": "household",
    "sole_trader": "sole trader",
    "enterprise": "enterprise",
    "village": "village collective",
}
STATE_EN = {k: v.split(" ", 1)[1] for k, v in STATE_ZH.items()}


def end_of_day(as_of: dt.date | None) -> dt.datetime:
    """End of the given day in Beijing (as ``zhengji eco … --as-of``), or now."""
    if as_of is None:
        return dt.datetime.now(dt.UTC)
    return dt.datetime(as_of.year, as_of.month, as_of.day, 23, 59, 59, tzinfo=CHINA)


def day(t: dt.datetime) -> str:
    """The date in Beijing."""
    return f"{sv.utc(t).astimezone(CHINA):%Y-%m-%d}"


def _bj(t: dt.datetime | None) -> dt.datetime | None:
    """A stored time (UTC; naive on SQLite) in Beijing time, as the page shows it."""
    return None if t is None else sv.utc(t).astimezone(CHINA)


def rulebook(s: Session) -> Rulebook | None:
    """The current rulebook; None when no eco records exist yet (the pages say so)."""
    try:
        return sv.current_rulebook(s)[1]
    except StoreError:
        return None


def rulebook_info(rb: Rulebook | None) -> dict[str, Any] | None:
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


# --- accounts -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Book:
    """What the account pages read, once per request."""

    rb: Rulebook | None
    as_of: dt.datetime
    holders: Mapping[str, tuple[str, str, str]]  # holder → (village, township, county)
    tally: Tally | None  # balances (None: not asked for, or no rulebook)
    names: Mapping[str, str]  # unit names of the web's hierarchy
    parents: Mapping[str, str | None]  # the web's hierarchy extended by the eco chain

    def balance(self, holder_id: str) -> Balance | None:
        return None if self.tally is None else self.tally.get(holder_id)


def eco_parents(
    chains: Iterable[tuple[str, str, str]], web: Mapping[str, str | None]
) -> dict[str, str | None]:
    """village → township → county from ``eco_holders``; the web's own links win."""
    out: dict[str, str | None] = {}
    for village, township, county in chains:
        out[village] = township
        out.setdefault(township, county)
        out.setdefault(county, None)
    return out | dict(web)


def _web_units(s: Session) -> tuple[dict[str, str], dict[str, str | None]]:
    rows = s.execute(select(UnitRecord.id, UnitRecord.name, UnitRecord.parent_id)).all()
    return {u: n for u, n, _ in rows}, {u: p for u, _, p in rows}


def unit_names(s: Session) -> dict[str, str]:
    return _web_units(s)[0]


def read_book(
    s: Session,
    when: dt.datetime,
    scope: Scope,
    within: str | None = None,
    balances: bool = True,
) -> Book:
    """Holders visible in ``scope`` (given the hierarchy, the units a user may see; None:
    all), only those of unit ``within`` if given, and their balances at ``when``."""
    rb = rulebook(s)
    holders = sv.holder_units(s)
    names, web = _web_units(s)
    parents = eco_parents(holders.values(), web)
    seen = scope(parents)
    if seen is not None:
        holders = {h: c for h, c in holders.items() if c[0] in seen}
    if within is not None:
        holders = {h: c for h, c in holders.items() if within in c}
    t = tally(s, rb, when, within) if rb is not None and balances else None
    return Book(rb, when, holders, t, names, parents)


def levels(holders: Mapping[str, tuple[str, str, str]]) -> dict[str, tuple[str, str | None]]:
    """unit → (level, eco parent) for every village, township and county holding accounts."""
    out: dict[str, tuple[str, str | None]] = {}
    for village, township, county in holders.values():
        out[village] = ("village", township)
        out.setdefault(township, ("township", county))
        out.setdefault(county, ("county", None))
    return out


def summaries(book: Book, ids: list[str]) -> list[dict[str, Any]]:
    """Participation, mean score, mean points by dimension (as ``account_rows``) and holders
    by tier, for each of ``ids``."""
    if not ids:
        return []
    rb = book.rb
    figs = unit_figures(book.holders, book.tally, ids) if book.tally is not None else {}
    lv = levels(book.holders)
    out = []
    for u in ids:
        f = figs.get(u)
        n = sum(1 for c in book.holders.values() if u in c) if f is None else f.holders
        out.append(
            {
                "unit_id": u,
                "name": book.names.get(u, u),
                "level": lv[u][0] if u in lv else None,
                "holders": n,
                "participation": f.participation if f else None,
                "mean_score": f.mean_score if f else None,
                "by_dimension": {
                    d.id: (f.by_dimension.get(d.id) if f else None)
                    for d in (rb.dimensions if rb else ())
                },
                "tiers": {str(t): k for t, k in f.tiers.items()} if f else ({"0": n} if n else {}),
            }
        )
    return out


def dimensions(rb: Rulebook | None, en: bool) -> list[dict[str, Any]]:
    return [
        {"id": d.id, "name": d.name_en if en else d.name, "cap": d.cap}
        for d in (rb.dimensions if rb else ())
    ]


def tier_benefits(rb: Rulebook | None, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tiers present in ``rows`` with their benefit (the rulebook's ``benefit_for``)."""
    if rb is None:
        return []
    out = []
    for t in sorted({int(t) for r in rows for t in r["tiers"]}):
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


def expiry_note(s: Session, book: Book) -> dict[str, Any] | None:
    """When most points valid at the end of the latest award year (in Beijing) have expired
    by ``as_of``: that year-end, to view the accounts as they stood (None otherwise)."""
    if book.rb is None or book.tally is None:
        return None
    latest = latest_award(s, book.as_of)
    if latest is None:
        return None
    year_end = dt.date(latest.astimezone(CHINA).year, 12, 31)
    if day(book.as_of) <= year_end.isoformat():
        return None
    then = tally(s, book.rb, end_of_day(year_end)).live(book.holders)
    now = book.tally.live(book.holders)
    if then == 0 or now * 2 >= then:
        return None
    return {"as_of": year_end.isoformat(), "live_then": then, "live_now": now}


def holder_row(h: str, chain: tuple[str, str, str], b: Balance | None) -> dict[str, Any]:
    return {
        "holder_id": h,
        "village_id": chain[0],
        "township_id": chain[1],
        "county_id": chain[2],
        "points": b.points if b else 0,
        "pending": b.pending if b else 0,
        "tier": b.tier if b else 0,
    }


def holders_page(
    s: Session, book: Book, q: str, unit: str, page_no: int, size: int, en: bool
) -> dict[str, Any]:
    """Holders of ``book`` matching ``q`` (part of the id or village) in ``unit``, page
    ``page_no`` of ``size``, with balance and kind."""
    needle = q.strip().lower()
    ids = sorted(
        h
        for h, c in book.holders.items()
        if (not unit or unit in c) and (not needle or needle in h.lower() or needle in c[0].lower())
    )
    shown = ids[(page_no - 1) * size : page_no * size]
    bal = sv.holder_balances(s, book.rb, book.as_of, shown) if book.rb and shown else {}
    kq = select(EcoHolderRow.id, EcoHolderRow.kind).where(EcoHolderRow.id.in_(shown))
    kinds: dict[str, str] = {h: k for h, k in s.execute(kq)}
    return {
        "total": len(ids),
        "pages": max(1, -(-len(ids) // size)),
        "shown": shown,
        "holders": [
            holder_row(h, book.holders[h], bal.get(h))
            | {"kind": (KIND_EN if en else KIND_ZH).get(kinds.get(h, ""), kinds.get(h))}
            for h in shown
        ],
    }


# --- one holder ---------------------------------------------------------------------------------
def entry_details(s: Session, holder_id: str) -> dict[int, dict[str, Any]]:
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


def holder_account(
    s: Session, holder_id: str, rb: Rulebook, when: dt.datetime, en: bool
) -> dict[str, Any]:
    """The 生态存折 of one holder: balance, tier, benefit, points by dimension and every entry
    with its evidence, sign-off, objection window and objections."""
    st = build_statement(s, holder_id, rb, when)
    details = entry_details(s, holder_id)
    names = unit_names(s)
    items = {i.id: (i.name_en if en else i.name) for i in rb.items}
    dims = {d.id: (d.name_en if en else d.name) for d in rb.dimensions}
    reversed_by = {p.reverses_id: p.id for p, _ in st.lines if p.reverses_id}
    b = st.balance
    entries = [
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
        for p, state in st.lines
    ]
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
        "as_of_date": day(st.as_of),
        "synthetic": st.synthetic,
        "rulebook": rulebook_info(rb),
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
            {"id": d.id, "name": dims[d.id], "points": b.by_dimension.get(d.id, 0), "cap": d.cap}
            for d in rb.dimensions
        ],
        "entries": entries,
    }


# --- GEP ----------------------------------------------------------------------------------------
def gep(
    s: Session, can: Callable[[str], bool], used: TableUsed, en: bool
) -> tuple[list[dict[str, Any]], bool]:
    """Every unit-year ``can`` admits, valued at ``used``: accounts, GEP, growth, GEP/GDP,
    two-way conversion, the service lines and the table's version and hash; and whether the
    inputs are synthetic."""
    prices = used.prices
    inputs = gep_inputs(s)
    synthetic = (
        s.scalar(
            select(EcoGepInputRow.id).where(EcoGepInputRow.source.contains("示例数据")).limit(1)
        )
        is not None
    )
    names = unit_names(s)
    visible = {k: v for k, v in inputs.items() if can(k[0])}
    import logging

    for unit, year, why in gep_left_out(visible):  # left out of the page, not a 500 or a zero
        logging.getLogger(__name__).warning("GEP %s %s left out: %s", unit, year, why)
    accs, gdp = gep_accounts(visible, prices)
    series: dict[str, dict[str, float]] = defaultdict(dict)
    for a in accs:
        series[a.unit_id][a.year] = a.total()
    derived: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for u, ys in series.items():
        for r in gep_rows(u, ys, gdp.get(u, {})):
            derived[(r.unit_id, r.period)][r.indicator_id] = r.value
    rows = []
    for a in accs:
        d = derived[(a.unit_id, a.year)]
        two_way = d.get("eco_gep_two_way")
        g = gdp.get(a.unit_id, {})
        rows.append(
            {
                "unit_id": a.unit_id,
                "name": names.get(a.unit_id, a.unit_id),
                "year": a.year,
                "gep_yi": d.get("eco_gep"),
                "accounts_yi": {k: a.total(k) / 1e8 for k in ACCOUNTS},
                "gdp_yi": g[a.year] / 1e8 if a.year in g else None,
                "growth": d.get("eco_gep_growth"),
                "gep_gdp_ratio": d.get("eco_gep_gdp_ratio"),
                "two_way": two_way,
                "two_way_conversion": None if two_way is None else two_way > 0,
                "prices_version": a.prices_version,
                "prices_sha256": used.info.sha256,
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


def gep_summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "lines"} for r in rows]


def price_table(used: TableUsed) -> dict[str, Any]:
    """The table a page used: which one (version, hash, built-in or stored) and its prices."""
    prices = used.prices
    return used.info.as_dict() | {
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


def price_tables(s: Session, used: TableUsed) -> list[dict[str, Any]]:
    """The tables a page may show (newest stored first, then the built-in one unless its
    version is stored), the one in force and the one ``used`` marked."""
    stored = list(reversed(list_tables(s)))
    out = [t.as_dict() | {"in_force": n == 0} for n, t in enumerate(stored)]
    built = builtin().info
    if all(t.version != built.version for t in stored):
        out.append(built.as_dict() | {"in_force": not stored})
    return [t | {"used": t["sha256"] == used.info.sha256} for t in out]


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


# --- awaiting the office: sign-offs and rulings ---------------------------------------------------
def pending(
    s: Session,
    when: dt.datetime,
    can: Callable[[str], bool] | None = None,
    unit: str | None = None,
    en: bool = False,
    limit: int | None = None,
) -> dict[str, Any]:
    """What awaits the office at ``when``: awards without a second sign-off (and not reversed:
    they never count until signed) and objections without a ruling (the award cannot count
    while one is open), oldest deadline first; only in villages ``can`` admits (None: all) and
    under ``unit`` (a county, township or village). ``limit`` caps each list, not the totals."""
    rb = rulebook(s)
    items = {i.id: (i.name_en if en else i.name) for i in rb.items} if rb else {}
    e, h, rev = EcoEntryRow, EcoHolderRow, aliased(EcoEntryRow)
    chain = (h.village_id, h.township_id, h.county_id)
    where = (
        []
        if not unit
        else [(h.village_id == unit) | (h.township_id == unit) | (h.county_id == unit)]
    )
    unsigned = (
        select(
            e.id,
            e.holder_id,
            *chain,
            e.item_id,
            e.period,
            e.points,
            e.inspector_id,
            e.awarded_at,
            e.objection_until,
        )
        .join(h, h.id == e.holder_id)
        .outerjoin(EcoSignoffRow, EcoSignoffRow.entry_id == e.id)
        .where(e.kind == "award", EcoSignoffRow.id.is_(None), *where)
        .where(~select(rev.id).where(rev.reverses_id == e.id).exists())
        .order_by(e.objection_until, e.id)
    )
    objected = (
        select(
            EcoObjectionRow.id,
            EcoObjectionRow.raised_at,
            e.id,
            e.holder_id,
            *chain,
            e.item_id,
            e.period,
            e.points,
            e.objection_until,
            EcoSignoffRow.id,
        )
        .join(e, e.id == EcoObjectionRow.entry_id)
        .join(h, h.id == e.holder_id)
        .outerjoin(EcoRulingRow, EcoRulingRow.objection_id == EcoObjectionRow.id)
        .outerjoin(EcoSignoffRow, EcoSignoffRow.entry_id == e.id)
        .where(EcoRulingRow.id.is_(None), *where)
        .order_by(EcoObjectionRow.raised_at, EcoObjectionRow.id)
    )
    ok = can or (lambda _: True)
    now = sv.utc(when)

    def unit_of(v: str, t: str, c: str) -> dict[str, str]:
        return {"village_id": v, "township_id": t, "county_id": c}

    signoffs = [
        {"entry_id": i, "holder_id": hid}
        | unit_of(v, t, c)
        | {
            "item_id": it,
            "item": items.get(it, it),
            "period": per,
            "points": pts,
            "inspector_id": insp,
            "awarded_at": _bj(at),
            "deadline": _bj(until),
            "window_open": now < sv.utc(until),
            "days_waiting": max(0, (now - sv.utc(at)).days),
        }
        for i, hid, v, t, c, it, per, pts, insp, at, until in s.execute(unsigned)
        if ok(v)
    ]
    objections = [
        {"objection_id": o, "raised_at": _bj(raised), "entry_id": i, "holder_id": hid}
        | unit_of(v, t, c)
        | {
            "item_id": it,
            "item": items.get(it, it),
            "period": per,
            "points": pts,
            "deadline": _bj(until),
            "signed_off": sid is not None,
            "days_open": max(0, (now - sv.utc(raised)).days),
        }
        for o, raised, i, hid, v, t, c, it, per, pts, until, sid in s.execute(objected)
        if ok(v)
    ]
    return {
        "as_of": now,
        "unit": unit or "",
        "signoffs_total": len(signoffs),
        "objections_total": len(objections),
        "signoffs": signoffs[:limit] if limit is not None else signoffs,
        "objections": objections[:limit] if limit is not None else objections,
    }
