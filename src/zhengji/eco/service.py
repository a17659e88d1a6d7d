"""Ecological accounts in the store: holders, awards, sign-offs, objections, reversals.

Every function takes a SQLAlchemy ``Session`` and works inside the caller's transaction.
Each journal entry, sign-off, objection and ruling is committed to the ledger
(:func:`zhengji.ledger.log.append_many`) in the same transaction, so a committed award always
has its leaf. The database refuses what the rules forbid even if this code is bypassed (see
migration 0008); the checks here come first only to give a readable message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from zhengji.eco.rulebook import Rulebook, parse_rulebook
from zhengji.eco.scoring import Balance, Posting, balances
from zhengji.errors import DataError, StoreError
from zhengji.ledger.log import append, append_many
from zhengji.store.schema_eco import (
    EcoAccountRow,
    EcoEntryRow,
    EcoHolderNameRow,
    EcoHolderRow,
    EcoObjectionRow,
    EcoPersonRow,
    EcoRulebookRow,
    EcoRuleDimensionRow,
    EcoRuleItemRow,
    EcoRulingRow,
    EcoSignoffRow,
)

__all__ = [
    "AwardInput",
    "add_holder",
    "add_person",
    "award",
    "award_many",
    "current_rulebook",
    "entry_record",
    "erase_holder",
    "holder_balances",
    "holder_units",
    "install_rulebook",
    "object_to",
    "postings",
    "reverse",
    "rule_on",
    "sign_off",
    "utc",
]

_ENTRIES: Table = EcoEntryRow.__table__  # type: ignore[assignment]
_SIGNOFFS: Table = EcoSignoffRow.__table__  # type: ignore[assignment]


def utc(t: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes: they were stored as UTC."""
    return t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t.astimezone(dt.UTC)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(t: dt.datetime | None) -> str | None:
    return None if t is None else utc(t).isoformat()


def _plus_years(t: dt.datetime, years: int) -> dt.datetime:
    try:
        return t.replace(year=t.year + years)
    except ValueError:  # 29 February
        return t.replace(year=t.year + years, day=28)


# --- rulebooks ----------------------------------------------------------------------------------
def install_rulebook(session: Session, rb: Rulebook) -> int:
    """Store the rulebook (once per fingerprint) and its programme account; returns its key."""
    pk = session.scalar(
        select(EcoRulebookRow.id).where(EcoRulebookRow.fingerprint == rb.fingerprint)
    )
    if pk is not None:
        return pk
    row = EcoRulebookRow(
        rulebook_id=rb.id,
        version=rb.version,
        fingerprint=rb.fingerprint,
        toml=rb.toml,
        total_cap=rb.total_cap,
        objection_days=rb.objection_days,
        created_at=_now(),
    )
    session.add(row)
    session.flush()
    session.add_all(
        EcoRuleDimensionRow(rulebook_pk=row.id, dimension_id=d.id, cap=d.cap) for d in rb.dimensions
    )
    session.flush()
    session.add_all(
        EcoRuleItemRow(
            rulebook_pk=row.id,
            item_id=i.id,
            dimension_id=i.dimension,
            points=i.points,
            cap=i.cap,
            validity_years=i.validity_years,
            needs_photo="photo" in i.evidence,
            needs_location="location" in i.evidence,
            needs_time="time" in i.evidence,
        )
        for i in rb.items
    )
    if (
        session.scalar(select(EcoAccountRow.id).where(EcoAccountRow.programme == rb.programme))
        is None
    ):
        session.add(EcoAccountRow(kind="programme", programme=rb.programme))
    session.flush()
    return row.id


def current_rulebook(session: Session) -> tuple[int, Rulebook]:
    """The rulebook installed last (raises if none is)."""
    row = session.scalars(
        select(EcoRulebookRow).order_by(EcoRulebookRow.id.desc()).limit(1)
    ).first()
    if row is None:
        raise StoreError(
            "库中没有生态积分细则 no rulebook in the store: "
            "run `zhengji eco rulebook install` or `zhengji eco import`"
        )
    return row.id, parse_rulebook(row.toml, f"eco_rulebooks#{row.id}")


# --- people and holders -------------------------------------------------------------------------
def add_person(
    session: Session, person_id: str, household_id: str | None, name: str | None
) -> None:
    if not person_id.strip():
        raise DataError("人员编号为空 empty person_id")
    if session.get(EcoPersonRow, person_id) is None:
        session.add(
            EcoPersonRow(id=person_id, household_id=household_id, name=name, erased_at=None)
        )
        session.flush()


def add_holder(
    session: Session,
    holder_id: str,
    kind: str,
    village_id: str,
    township_id: str,
    county_id: str,
    household_id: str | None = None,
    person_id: str | None = None,
    name: str | None = None,
) -> int:
    """Register a holder and open its account; returns the account id."""
    if session.get(EcoHolderRow, holder_id) is not None:
        raise DataError(f"账户持有人已存在 holder '{holder_id}' already exists")
    session.add(
        EcoHolderRow(
            id=holder_id,
            kind=kind,
            village_id=village_id,
            township_id=township_id,
            county_id=county_id,
            household_id=household_id,
            person_id=person_id,
            created_at=_now(),
        )
    )
    session.flush()
    session.add(EcoHolderNameRow(holder_id=holder_id, name=name, erased_at=None))
    acc = EcoAccountRow(kind="holder", holder_id=holder_id)
    session.add(acc)
    session.flush()
    return acc.id


def erase_holder(session: Session, holder_id: str, by: str, reason: str) -> int:
    """Erase a holder's name and its person's name (PIPL); ids, entries and ledger stay."""
    row = session.get(EcoHolderNameRow, holder_id)
    if row is None:
        raise StoreError(f"没有账户持有人 no holder '{holder_id}'")
    if row.erased_at is not None:  # a second erasure would be a second, empty ledger record
        raise StoreError(
            f"账户持有人 '{holder_id}' 的个人信息已删除 already erased 已删除 "
            f"({_iso(row.erased_at)}); nothing was changed"
        )
    if not by.strip() or not reason.strip():
        raise StoreError("须注明经办人和依据 give who erases (--by) and the legal basis (--reason)")
    when = _now()
    row.name, row.erased_at = None, when
    holder = session.get(EcoHolderRow, holder_id)
    if holder is not None and holder.person_id:
        person = session.get(EcoPersonRow, holder.person_id)
        if person is not None:
            person.name, person.erased_at = None, when
    entry = append(
        session,
        "eco_erasure",
        {"holder_id": holder_id, "erased_at": when.isoformat(), "by": by, "reason": reason},
    )
    session.flush()
    return entry.index


def holder_units(session: Session) -> dict[str, tuple[str, str, str]]:
    """holder id → (village, township, county)."""
    q = select(
        EcoHolderRow.id, EcoHolderRow.village_id, EcoHolderRow.township_id, EcoHolderRow.county_id
    )
    return {h: (v, t, c) for h, v, t, c in session.execute(q)}


# --- awards -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AwardInput:
    """One award as the inspector records it, with its evidence and (optionally) sign-off."""

    holder_id: str
    item_id: str
    period: str
    inspector_id: str
    awarded_at: dt.datetime
    photo_ref: str | None = None
    lat: float | None = None
    lon: float | None = None
    evidence_at: dt.datetime | None = None
    device_id: str | None = None
    signed_by: str | None = None
    signed_at: dt.datetime | None = None


def _accounts(session: Session, holder_ids: Iterable[str]) -> dict[str, int]:
    ids = sorted(set(holder_ids))
    out: dict[str, int] = {}
    for k in range(0, len(ids), 500):
        q = select(EcoAccountRow.holder_id, EcoAccountRow.id).where(
            EcoAccountRow.holder_id.in_(ids[k : k + 500])
        )
        out.update({h: a for h, a in session.execute(q) if h is not None})
    return out


def _next_id(session: Session, col: Any) -> int:
    return int(session.scalar(select(func.coalesce(func.max(col), 0)))) + 1


def award_many(
    session: Session,
    rb_pk: int,
    rb: Rulebook,
    awards: Sequence[AwardInput],
    by: str,
) -> list[int]:
    """Record awards (debit the programme, credit the holder), each committed to the ledger;
    awards with ``signed_by`` get their sign-off too. Returns the entry ids."""
    if not awards:
        return []
    prog = session.scalar(select(EcoAccountRow.id).where(EcoAccountRow.programme == rb.programme))
    if prog is None:
        raise StoreError(
            f"没有发放项目账户 no programme account '{rb.programme}': install the rulebook first"
        )
    accounts = _accounts(session, (a.holder_id for a in awards))
    missing = sorted({a.holder_id for a in awards} - set(accounts))
    if missing:
        raise DataError(f"没有这些账户持有人 unknown holders: {', '.join(missing[:10])}")
    now = _now()
    first = _next_id(session, EcoEntryRow.id)
    rows: list[dict[str, Any]] = []
    for k, a in enumerate(awards):
        item = rb.item(a.item_id)
        at = utc(a.awarded_at)
        rows.append(
            {
                "id": first + k,
                "kind": "award",
                "rulebook_pk": rb_pk,
                "item_id": a.item_id,
                "period": a.period,
                "holder_id": a.holder_id,
                "debit_account": prog,
                "credit_account": accounts[a.holder_id],
                "points": item.points,
                "inspector_id": a.inspector_id,
                "photo_ref": a.photo_ref,
                "lat": a.lat,
                "lon": a.lon,
                "evidence_at": None if a.evidence_at is None else utc(a.evidence_at),
                "device_id": a.device_id,
                "awarded_at": at,
                "valid_until": _plus_years(at, item.validity_years),
                "posted_at": at,
                "objection_until": at + dt.timedelta(days=rb.objection_days),
                "reverses_id": None,
                "reason": None,
                "recorded_by": by,
                "recorded_at": now,
            }
        )
    # an award signed off at once is committed with its sign-off in one leaf
    signs = {
        r["id"]: (a.signed_by, utc(a.signed_at or now))
        for r, a in zip(rows, awards, strict=True)
        if a.signed_by
    }
    records = []
    for r in rows:
        rec = entry_record(r)
        if r["id"] in signs:
            p, t = signs[r["id"]]
            rec["signoff"] = {"person_id": p, "signed_at": t.isoformat()}
        records.append(("eco_entry", rec))
    entries = append_many(session, records)
    for r, e in zip(rows, entries, strict=True):
        r["ledger_index"] = e.index
    session.execute(insert(_ENTRIES), rows)
    leaf = {r["id"]: r["ledger_index"] for r in rows}
    _sign_many(session, [(e, p, t) for e, (p, t) in signs.items()], leaf)
    return [r["id"] for r in rows]


def award(session: Session, rb_pk: int, rb: Rulebook, a: AwardInput, by: str) -> int:
    return award_many(session, rb_pk, rb, [a], by)[0]


def entry_record(r: Mapping[str, Any]) -> dict[str, Any]:
    keep = (
        "id",
        "kind",
        "rulebook_pk",
        "item_id",
        "period",
        "holder_id",
        "debit_account",
        "credit_account",
        "points",
        "inspector_id",
        "photo_ref",
        "device_id",
        "reverses_id",
        "reason",
        "recorded_by",
    )
    rec: dict[str, Any] = {k: r[k] for k in keep}
    for k in ("awarded_at", "valid_until", "objection_until", "evidence_at"):
        rec[k] = _iso(r[k])
    rec["location"] = None if r["lat"] is None else f"{r['lat']:.6f},{r['lon']:.6f}"
    return rec


def _sign_many(
    session: Session,
    signs: Sequence[tuple[int, str, dt.datetime]],
    leaf: Mapping[int, int] | None = None,
) -> None:
    """Insert sign-offs; without ``leaf`` (entry → ledger index) each gets its own leaf."""
    if not signs:
        return
    first = _next_id(session, EcoSignoffRow.id)
    if leaf is None:
        recs = [{"entry_id": e, "person_id": p, "signed_at": t.isoformat()} for e, p, t in signs]
        leaves = append_many(session, [("eco_signoff", r) for r in recs])
        leaf = {e: lf.index for (e, _, _), lf in zip(signs, leaves, strict=True)}
    session.execute(
        insert(_SIGNOFFS),
        [
            {
                "id": first + k,
                "entry_id": e,
                "person_id": p,
                "signed_at": t,
                "ledger_index": leaf[e],
            }
            for k, (e, p, t) in enumerate(signs)
        ],
    )


def _entry(session: Session, entry_id: int) -> EcoEntryRow:
    row = session.get(EcoEntryRow, entry_id)
    if row is None:
        raise DataError(f"没有此分录 no entry #{entry_id}")
    return row


def _person(session: Session, person_id: str, role: str) -> EcoPersonRow:
    """A registered person (sign-offs and rulings name one: the ledger keeps their id)."""
    p = session.get(EcoPersonRow, person_id) if person_id.strip() else None
    if p is None:
        raise DataError(
            f"没有此人员 no person '{person_id}' ({role}): register them first "
            "(people.csv of `zhengji eco import`)"
        )
    return p


def _reversal_of(session: Session, entry_id: int) -> int | None:
    return session.scalar(select(EcoEntryRow.id).where(EcoEntryRow.reverses_id == entry_id))


def _bj(t: dt.datetime) -> str:
    """A time as people read it on the pages and statements: Beijing (UTC+8)."""
    return f"{utc(t).astimezone(dt.timezone(dt.timedelta(hours=8))):%Y-%m-%d %H:%M} (UTC+8)"


def sign_off(session: Session, entry_id: int, person_id: str, at: dt.datetime | None = None) -> int:
    """Second sign-off: never the inspector, the beneficiary or their household (the database
    refuses these too; here they get a readable message). Returns its ledger index."""
    e = _entry(session, entry_id)
    if e.kind != "award":
        raise DataError(
            f"分录 #{entry_id} 是冲正，无需复核 entry is a reversal: only awards are signed off"
        )
    p = _person(session, person_id, "复核人 reviewer")
    if e.inspector_id == person_id:
        raise DataError(
            "复核人不能是核查人本人 the second sign-off must be by someone other than the inspector"
        )
    h = session.get(EcoHolderRow, e.holder_id)
    if h is not None and (
        h.person_id == person_id
        or (h.household_id is not None and p.household_id == h.household_id)
    ):
        raise DataError(
            f"复核人不能是受益人或其家庭成员 '{person_id}' is the beneficiary of #{entry_id} or of "
            "their household: ask someone else to sign off"
        )
    if (
        session.scalar(select(EcoSignoffRow.id).where(EcoSignoffRow.entry_id == entry_id))
        is not None
    ):
        raise DataError(f"分录 #{entry_id} 已复核 entry already signed off")
    rev = _reversal_of(session, entry_id)
    if rev is not None:
        raise DataError(f"分录 #{entry_id} 已被 #{rev} 冲正 already reversed: nothing to sign off")
    _sign_many(session, [(entry_id, person_id, utc(at or _now()))])
    leaf = session.scalar(
        select(EcoSignoffRow.ledger_index).where(EcoSignoffRow.entry_id == entry_id)
    )
    return int(leaf or 0)


def object_to(
    session: Session, entry_id: int, raised_by: str, text: str, at: dt.datetime | None = None
) -> int:
    """Raise an objection while the award is publicly posted; returns the objection id."""
    e = _entry(session, entry_id)
    when = utc(at or _now())
    if e.kind != "award":
        raise DataError(
            f"分录 #{entry_id} 是冲正，不在公示期内 entry is a reversal, not within an objection "
            "window: object to the award itself"
        )
    start, end = utc(e.posted_at), utc(e.objection_until)
    if when >= end:
        raise DataError(
            f"分录 #{entry_id} 的公示期已于 {_bj(end)} 结束 not within its objection window: it "
            f"closed on {_bj(end)} ({_iso(end)}); a late complaint goes to the office, which may "
            "reverse the award (`zhengji eco reverse`)"
        )
    if when < start:
        raise DataError(
            f"分录 #{entry_id} 尚未公示 not within its objection window: it opens on {_bj(start)}"
        )
    if not raised_by.strip():
        raise DataError("须注明异议人 give who raises the objection (a name or person id)")
    if not text.strip():
        raise DataError("异议须说明理由 an objection needs a text")
    rev = _reversal_of(session, entry_id)
    if rev is not None:
        raise DataError(f"分录 #{entry_id} 已被 #{rev} 冲正 already reversed: nothing to object to")
    oid = _next_id(session, EcoObjectionRow.id)
    rec = {"id": oid, "entry_id": entry_id, "raised_at": when.isoformat()}
    leaf = append(session, "eco_objection", rec)
    session.add(
        EcoObjectionRow(
            id=oid,
            entry_id=entry_id,
            raised_by=raised_by,
            text=text,
            raised_at=when,
            ledger_index=leaf.index,
        )
    )
    session.flush()
    return oid


def reverse(
    session: Session, entry_id: int, by: str, reason: str, at: dt.datetime | None = None
) -> int:
    """A reversal: a new entry mirroring the award (credit the programme, debit the holder)."""
    e = _entry(session, entry_id)
    if e.kind != "award":
        raise DataError(f"只能冲正记分分录 only awards can be reversed (#{entry_id} is a {e.kind})")
    if (
        session.scalar(select(EcoEntryRow.id).where(EcoEntryRow.reverses_id == entry_id))
        is not None
    ):
        raise DataError(f"分录 #{entry_id} 已冲正 already reversed")
    if not reason.strip():
        raise DataError("冲正须说明理由 a reversal needs a reason")
    when = utc(at or _now())
    row: dict[str, Any] = {
        "id": _next_id(session, EcoEntryRow.id),
        "kind": "reversal",
        "rulebook_pk": e.rulebook_pk,
        "item_id": e.item_id,
        "period": e.period,
        "holder_id": e.holder_id,
        "debit_account": e.credit_account,
        "credit_account": e.debit_account,
        "points": e.points,
        "inspector_id": e.inspector_id,
        "photo_ref": None,
        "lat": None,
        "lon": None,
        "evidence_at": None,
        "device_id": None,
        "awarded_at": when,
        "valid_until": when,
        "posted_at": when,
        "objection_until": when,
        "reverses_id": entry_id,
        "reason": reason,
        "recorded_by": by,
        "recorded_at": _now(),
    }
    row["ledger_index"] = append(session, "eco_entry", entry_record(row)).index
    session.execute(insert(_ENTRIES), [row])
    return int(row["id"])


def rule_on(
    session: Session,
    objection_id: int,
    upheld: bool,
    person_id: str,
    reason: str,
    at: dt.datetime | None = None,
) -> int | None:
    """Rule on an objection; an upheld one reverses the award. Returns the reversal id."""
    obj = session.get(EcoObjectionRow, objection_id)
    if obj is None:
        raise DataError(f"没有此异议 no objection #{objection_id}")
    if session.scalar(select(EcoRulingRow.id).where(EcoRulingRow.objection_id == objection_id)):
        raise DataError(f"异议 #{objection_id} 已处理 already ruled on")
    _person(session, person_id, "裁决人 who rules")
    if not reason.strip():
        raise DataError("裁决须说明理由 a ruling needs a reason")
    when = utc(at or _now())
    if when < utc(obj.raised_at):
        raise DataError(
            f"裁决时间早于异议 the ruling ({when:%Y-%m-%d %H:%M} UTC) is dated before objection "
            f"#{objection_id} was raised ({utc(obj.raised_at):%Y-%m-%d %H:%M} UTC): check --at"
        )
    rev = None
    if upheld:  # an award reversed already (another objection, by hand) is not reversed twice
        rev = _reversal_of(session, obj.entry_id) or reverse(
            session,
            obj.entry_id,
            person_id,
            f"异议成立 objection #{objection_id} upheld: {reason}",
            when,
        )
    rid = _next_id(session, EcoRulingRow.id)
    rec = {
        "id": rid,
        "objection_id": objection_id,
        "upheld": upheld,
        "person_id": person_id,
        "reversal_id": rev,
    }
    leaf = append(session, "eco_ruling", rec)
    session.add(
        EcoRulingRow(
            id=rid,
            objection_id=objection_id,
            upheld=upheld,
            person_id=person_id,
            reason=reason,
            reversal_id=rev,
            ruled_at=when,
            ledger_index=leaf.index,
        )
    )
    session.flush()
    return rev


# --- reading ------------------------------------------------------------------------------------
def postings(session: Session, holder_ids: Sequence[str] | None = None) -> list[Posting]:
    """Every entry (of some holders) with its dimension, when it was signed off and when each
    objection to it was raised and ruled on: the scorer judges them at its as-of instant."""
    e = EcoEntryRow
    q = (
        select(
            e.id,
            e.kind,
            e.holder_id,
            e.item_id,
            EcoRuleItemRow.dimension_id,
            e.period,
            e.points,
            e.awarded_at,
            e.valid_until,
            e.objection_until,
            e.reverses_id,
            EcoSignoffRow.signed_at,
        )
        .join(
            EcoRuleItemRow,
            (EcoRuleItemRow.rulebook_pk == e.rulebook_pk) & (EcoRuleItemRow.item_id == e.item_id),
        )
        .outerjoin(EcoSignoffRow, EcoSignoffRow.entry_id == e.id)
        .order_by(e.id)
    )
    o = EcoObjectionRow
    oq = (
        select(o.entry_id, o.raised_at, EcoRulingRow.ruled_at)
        .outerjoin(EcoRulingRow, EcoRulingRow.objection_id == o.id)
        .order_by(o.entry_id, o.id)
    )
    if holder_ids is not None:
        q = q.where(e.holder_id.in_(list(holder_ids)))
        oq = oq.join(e, e.id == o.entry_id).where(e.holder_id.in_(list(holder_ids)))
    objections: dict[int, list[tuple[dt.datetime, dt.datetime | None]]] = {}
    for entry, raised, ruled in session.execute(oq):
        ruled_at = None if ruled is None else utc(ruled)
        objections.setdefault(entry, []).append((utc(raised), ruled_at))
    return [
        Posting(
            i,
            k,
            h,
            it,
            d,
            per,
            pts,
            utc(at),
            utc(vu),
            utc(ou),
            rv,
            None if sat is None else utc(sat),
            tuple(objections.get(i, ())),
        )
        for i, k, h, it, d, per, pts, at, vu, ou, rv, sat in session.execute(q)
    ]


def holder_balances(
    session: Session, rb: Rulebook, as_of: dt.datetime, holder_ids: Sequence[str] | None = None
) -> dict[str, Balance]:
    return balances(postings(session, holder_ids), rb, utc(as_of))
