"""Balances and unit figures of many holders at once: one grouped SQL read, NumPy after.

The rules are those of :func:`zhengji.eco.scoring.balances` (the state of each award at
``as_of``, from the sign-offs, objections and rulings recorded by then) and
:func:`zhengji.eco.indicators.account_rows` (participation, mean score and mean points by
dimension per village, township and county), written as set operations so that a
dashboard over 20,000 holders and ~48,000 awards does not build one Python object per entry:
the database classifies every award and sums its points per holder and dimension; caps, tiers
and the unit figures are array arithmetic. ``tests/eco/test_tally.py`` holds both to equality.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from zhengji.eco.rulebook import Rulebook, benefit_for
from zhengji.eco.scoring import Balance
from zhengji.store.schema_eco import (
    EcoEntryRow,
    EcoHolderRow,
    EcoObjectionRow,
    EcoRuleItemRow,
    EcoRulingRow,
    EcoSignoffRow,
)

__all__ = ["LEVELS", "Tally", "UnitFigures", "latest_award", "tally", "unit_figures"]

Ints = npt.NDArray[np.int64]
_COLUMN = {"counted": 0, "pending": 1, "expired": 2}
#: The levels of the eco chain, in the order of ``eco_holders`` (village → township → county).
LEVELS = ("village", "township", "county")


@dataclass(frozen=True)
class Tally:
    """Every holder with at least one award, as columns (rows in ``holders`` order)."""

    rb: Rulebook
    as_of: dt.datetime
    holders: tuple[str, ...]  # sorted
    dimensions: tuple[str, ...]  # the rulebook's, then any other met in the entries
    counted: Ints  # holders × dimensions: counted points before the caps
    by_dimension: Ints  # after the dimension caps
    points: Ints  # after the total cap
    pending: Ints  # posted, unsigned or under objection
    expired: Ints  # awards expired at ``as_of`` (not reversed)
    tier: Ints

    def get(self, holder_id: str) -> Balance | None:
        """One holder's balance (None: no awards)."""
        k = bisect.bisect_left(self.holders, holder_id)
        if k == len(self.holders) or self.holders[k] != holder_id:
            return None
        return self._balance(k)

    def _balance(self, i: int) -> Balance:
        row = self.by_dimension[i]
        dims = {d: int(row[k]) for k, d in enumerate(self.dimensions) if row[k] > 0}
        p = int(self.points[i])
        h = self.holders[i]
        return Balance(h, p, dims, int(self.pending[i]), int(self.tier[i]), benefit_for(p, self.rb))

    def live(self, holder_ids: Iterable[str] | None = None) -> int:
        """Points still valid (counted before the caps, and pending) of these holders."""
        keep = self._mask(holder_ids)
        return int(self.counted[keep].sum() + self.pending[keep].sum())

    def _mask(self, holder_ids: Iterable[str] | None) -> npt.NDArray[np.bool_]:
        if holder_ids is None:
            return np.ones(len(self.holders), dtype=bool)
        return np.isin(np.array(self.holders, dtype=str), np.array(list(holder_ids), dtype=str))

    def balances(self) -> dict[str, Balance]:
        """As :func:`zhengji.eco.scoring.balances` (without ``counted_ids``)."""
        return {h: self._balance(i) for i, h in enumerate(self.holders)}


def _utc(t: dt.datetime) -> dt.datetime:
    return t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t.astimezone(dt.UTC)


def _grouped(
    session: Session, when: dt.datetime, within: str | None
) -> list[tuple[str, str, int, int, int]]:
    """(holder, dimension, counted, pending, expired points) of every award at ``when``, from
    what was recorded by then: a sign-off given at or before ``when``; an objection open at
    ``when`` was raised at or before it and not ruled on by then."""
    e, rev, sign = EcoEntryRow, aliased(EcoEntryRow), EcoSignoffRow
    o, ru = EcoObjectionRow, EcoRulingRow
    open_objection = (
        select(o.entry_id)
        .outerjoin(ru, and_(ru.objection_id == o.id, ru.ruled_at <= when))
        .where(o.raised_at <= when, ru.id.is_(None))
    )
    state = case(  # the order of scoring.status
        (rev.id.is_not(None), "reversed"),
        (e.awarded_at > when, "future"),
        (e.valid_until <= when, "expired"),
        (sign.id.is_(None), "pending"),
        (e.id.in_(open_objection), "pending"),
        (e.objection_until > when, "pending"),
        else_="counted",
    )
    awards = (
        select(
            e.holder_id.label("holder"),
            EcoRuleItemRow.dimension_id.label("dim"),
            e.points.label("points"),
            state.label("state"),
        )
        .join(
            EcoRuleItemRow,
            (EcoRuleItemRow.rulebook_pk == e.rulebook_pk) & (EcoRuleItemRow.item_id == e.item_id),
        )
        .outerjoin(sign, and_(sign.entry_id == e.id, sign.signed_at <= when))
        .outerjoin(
            rev, and_(rev.reverses_id == e.id, rev.kind == "reversal", rev.awarded_at <= when)
        )
        .where(e.kind == "award")
    )
    if within is not None:
        h = EcoHolderRow
        awards = awards.join(h, h.id == e.holder_id).where(
            or_(h.village_id == within, h.township_id == within, h.county_id == within)
        )
    sub = awards.subquery()
    q = select(sub.c.holder, sub.c.dim, sub.c.state, func.sum(sub.c.points)).group_by(
        sub.c.holder, sub.c.dim, sub.c.state
    )
    out: dict[tuple[str, str], list[int]] = {}
    for h, d, st, pts in session.execute(q):
        if st in _COLUMN:
            out.setdefault((h, d), [0, 0, 0])[_COLUMN[st]] += int(pts)
        else:
            out.setdefault((h, d), [0, 0, 0])  # reversed or future: the holder still has a row
    return [(h, d, c, p, x) for (h, d), (c, p, x) in out.items()]


def tally(session: Session, rb: Rulebook, as_of: dt.datetime, within: str | None = None) -> Tally:
    """Balance of every holder that has awards (in unit ``within`` only, if given), as of
    ``as_of``, by the rules of :mod:`zhengji.eco.scoring`."""
    when = _utc(as_of)
    rows = _grouped(session, when, within)
    known = [d.id for d in rb.dimensions]
    dims = tuple(known + sorted({r[1] for r in rows} - set(known)))
    col = {d: k for k, d in enumerate(dims)}
    holders, hi = np.unique(np.array([r[0] for r in rows], dtype=str), return_inverse=True)
    n = len(holders)
    di = np.array([col[r[1]] for r in rows], dtype=np.int64)
    vals = np.array([r[2:] for r in rows], dtype=np.int64).reshape(-1, 3)
    counted = np.zeros((n, len(dims)), dtype=np.int64)
    np.add.at(counted, (hi, di), vals[:, 0])
    big = np.iinfo(np.int64).max
    caps = np.array([next((x.cap for x in rb.dimensions if x.id == d), big) for d in dims])
    by_dim = np.minimum(counted, caps.astype(np.int64))
    points = np.minimum(by_dim.sum(axis=1), rb.total_cap)
    return Tally(
        rb,
        when,
        tuple(str(h) for h in holders),
        dims,
        counted,
        by_dim,
        points,
        np.bincount(hi, weights=vals[:, 1], minlength=n).astype(np.int64),
        np.bincount(hi, weights=vals[:, 2], minlength=n).astype(np.int64),
        np.maximum(points, 0) // rb.tier_step,
    )


@dataclass(frozen=True)
class UnitFigures:
    """One village, township or county: ``account_rows``'s values and holders by tier."""

    unit_id: str
    level: str
    holders: int
    participation: float  # % of holders with counted points
    mean_score: float
    by_dimension: Mapping[str, float]  # mean points per holder
    tiers: Mapping[int, int]  # tier → holders (holders without awards: tier 0)


def unit_figures(
    chains: Mapping[str, tuple[str, str, str]], t: Tally, wanted: Iterable[str] | None = None
) -> dict[str, UnitFigures]:
    """Figures of every unit of ``chains`` (holder → village, township, county), or of
    ``wanted`` only; a holder without awards counts with 0 points."""
    if not chains:
        return {}
    ids = np.array(list(chains), dtype=str)
    known = np.array(t.holders, dtype=str)
    at = np.minimum(np.searchsorted(known, ids), max(len(known) - 1, 0))
    has = known[at] == ids if len(known) else np.zeros(len(ids), dtype=bool)
    pts = np.zeros(len(ids), dtype=np.int64)
    tier = np.zeros(len(ids), dtype=np.int64)
    dims = np.zeros((len(ids), len(t.dimensions)), dtype=np.int64)
    pts[has], tier[has], dims[has] = t.points[at[has]], t.tier[at[has]], t.by_dimension[at[has]]
    chain = np.array(list(chains.values()), dtype=str).reshape(-1, 3)
    labels = np.concatenate([chain[:, k] for k in range(3)])
    level = np.repeat(np.arange(3), len(ids))
    units, inv = np.unique(labels, return_inverse=True)
    m = len(units)
    n = np.bincount(inv, minlength=m)
    three = np.concatenate([pts, pts, pts])
    active = np.bincount(inv, weights=three > 0, minlength=m)
    score = np.bincount(inv, weights=three, minlength=m)
    dim_sum = np.stack(
        [
            np.bincount(inv, weights=np.tile(dims[:, k], 3), minlength=m)
            for k in range(dims.shape[1])
        ],
        axis=1,
    ).reshape(m, -1)
    first = np.full(m, 3)
    np.minimum.at(first, inv, level)  # a village is a village even if named as a township
    top = int(tier.max(initial=0)) + 1
    pairs, counts = np.unique(inv * top + np.tile(tier, 3), return_counts=True)
    tiers: dict[int, dict[int, int]] = {}
    for key, c in zip(pairs.tolist(), counts.tolist(), strict=True):
        tiers.setdefault(key // top, {})[key % top] = c
    index = {str(u): k for k, u in enumerate(units)}
    pick = list(index) if wanted is None else [u for u in wanted if u in index]
    out = {}
    for u in pick:
        k = index[u]
        out[u] = UnitFigures(
            u,
            LEVELS[first[k]],
            int(n[k]),
            100.0 * float(active[k]) / int(n[k]),
            float(score[k]) / int(n[k]),
            {d: float(dim_sum[k, j]) / int(n[k]) for j, d in enumerate(t.dimensions)},
            dict(sorted(tiers.get(k, {}).items())),
        )
    return out


def latest_award(session: Session, before: dt.datetime) -> dt.datetime | None:
    """When the latest award made at or before ``before`` was made (UTC)."""
    e = EcoEntryRow
    q = select(func.max(e.awarded_at)).where(e.kind == "award", e.awarded_at <= _utc(before))
    got = session.scalar(q)
    return None if got is None else _utc(got)
