"""Which points count, and a holder's balance, tier and benefit (pure).

An award counts from the moment its objection window has closed, if it was signed off by a
second person, no objection to it is open, it has not been reversed and it has not expired.
Every one of these is judged at the as-of instant from what was recorded by then (a sign-off
given, an objection raised or ruled on later does not change an earlier figure): a figure as of
a date can be reproduced at any time after.
Caps are applied again here (per dimension and in total) because points of several years can
be valid at once; the database enforces the caps of each scoring year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from zhengji.eco.rulebook import Benefit, Rulebook, benefit_for, tier_for

__all__ = ["Balance", "Posting", "balances", "status"]


@dataclass(frozen=True)
class Posting:
    """A journal entry as the scorer sees it (read from ``eco_entries``, its sign-off and the
    objections to it): the times, not flags, so that its state can be judged at any instant."""

    id: int
    kind: str  # award | reversal
    holder_id: str
    item_id: str
    dimension: str
    period: str
    points: int
    awarded_at: dt.datetime
    valid_until: dt.datetime
    objection_until: dt.datetime
    reverses_id: int | None = None
    signed_at: dt.datetime | None = None  # the second sign-off (None: not signed off)
    objections: tuple[tuple[dt.datetime, dt.datetime | None], ...] = ()  # (raised, ruled at)

    def signed_by(self, at: dt.datetime) -> bool:
        """Signed off at ``at``: a sign-off given at or before it."""
        return self.signed_at is not None and self.signed_at <= at

    def objected_at(self, at: dt.datetime) -> bool:
        """An objection open at ``at``: raised at or before it, not ruled on by then."""
        return any(r <= at and (ru is None or ru > at) for r, ru in self.objections)


@dataclass(frozen=True)
class Balance:
    holder_id: str
    points: int  # counted, after caps
    by_dimension: Mapping[str, int]
    pending: int  # awarded but not (yet) counted: window open, unsigned or under objection
    tier: int
    benefit: Benefit
    counted_ids: tuple[int, ...] = field(default=())


def status(p: Posting, reversed_ids: set[int], as_of: dt.datetime) -> str:
    """计入 counted | 公示中 posted | 待复核 unsigned | 异议中 objected | 已冲正 reversed |
    已过期 expired | 未生效 future — the state of an award at ``as_of``, from what was recorded by
    then (a later sign-off or ruling does not change it)."""
    if p.kind != "award":
        return "reversal"
    if p.id in reversed_ids:
        return "reversed"
    if p.awarded_at > as_of:
        return "future"
    if p.valid_until <= as_of:
        return "expired"
    if not p.signed_by(as_of):
        return "unsigned"
    if p.objected_at(as_of):
        return "objected"
    if as_of < p.objection_until:
        return "posted"
    return "counted"


def balances(postings: Iterable[Posting], rb: Rulebook, as_of: dt.datetime) -> dict[str, Balance]:
    """Balance of every holder that has postings, as of ``as_of``."""
    posts = list(postings)
    reversed_ids = {
        p.reverses_id
        for p in posts
        if p.kind == "reversal" and p.reverses_id and p.awarded_at <= as_of
    }
    caps = {d.id: d.cap for d in rb.dimensions}
    dims: dict[str, dict[str, int]] = {}
    pending: dict[str, int] = {}
    counted: dict[str, list[int]] = {}
    for p in sorted(posts, key=lambda x: (x.awarded_at, x.id)):
        if p.kind != "award":
            continue
        st = status(p, reversed_ids, as_of)
        bucket = dims.setdefault(p.holder_id, {})
        pending.setdefault(p.holder_id, 0)
        counted.setdefault(p.holder_id, [])
        if st == "counted":
            bucket[p.dimension] = bucket.get(p.dimension, 0) + p.points
            counted[p.holder_id].append(p.id)
        elif st in ("posted", "unsigned", "objected"):
            pending[p.holder_id] += p.points
    out = {}
    for hid, by in dims.items():
        capped = {d: min(v, caps.get(d, v)) for d, v in by.items()}
        total = min(sum(capped.values()), rb.total_cap)
        out[hid] = Balance(
            hid,
            total,
            capped,
            pending[hid],
            tier_for(total, rb),
            benefit_for(total, rb),
            tuple(counted[hid]),
        )
    return out
