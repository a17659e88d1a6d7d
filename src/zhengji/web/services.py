"""What the pages read and do, as calls into the core and the store (no maths here).

:class:`Views` rebuilds the full :class:`~zhengji.engine.result.Assessment` of a stored run
from the store (the run keeps only a summary; rebuilding is exact, see ``zhengji reproduce``)
and caches it: runs are append-only, so a cached rebuild never goes stale.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhengji.engine.assess import assess
from zhengji.engine.result import Assessment
from zhengji.errors import StoreError, ZhengjiError
from zhengji.scheme import parse_scheme
from zhengji.scheme.model import Scheme
from zhengji.store import Store, ops
from zhengji.store.schema import ImportRow, SchemeVersionRow, UnitRecord

__all__ = [
    "NotFoundError",
    "RunView",
    "SchemeVersion",
    "UnitInfo",
    "Views",
    "record_store_run",
    "scheme_versions",
    "units",
]


class NotFoundError(ZhengjiError):
    """The record asked for does not exist (the web answers 404)."""


@dataclass(frozen=True)
class RunView:
    run: ops.RunRecord
    scheme: Scheme
    assessment: Assessment
    reproduced: bool  # the rebuilt result has the stored fingerprint


@dataclass(frozen=True)
class SchemeVersion:
    id: int
    scheme_id: str
    version: str
    fingerprint: str
    created_at: Any
    toml: str


@dataclass(frozen=True)
class UnitInfo:
    id: str
    name: str
    parent_id: str | None
    level: str
    category: str


def units(session: Session) -> list[UnitInfo]:
    q = select(UnitRecord).order_by(UnitRecord.position)
    return [UnitInfo(u.id, u.name, u.parent_id, u.level, u.category) for u in session.scalars(q)]


def scheme_versions(session: Session) -> list[SchemeVersion]:
    q = select(SchemeVersionRow).order_by(SchemeVersionRow.id)
    return [
        SchemeVersion(r.id, r.scheme_id, r.version, r.fingerprint, r.created_at, r.toml)
        for r in session.scalars(q)
    ]


def scheme_version(session: Session, version_id: int) -> tuple[SchemeVersion, Scheme]:
    r = session.get(SchemeVersionRow, version_id)
    if r is None:
        raise NotFoundError(f"没有该方案版本 no stored scheme version {version_id}")
    sv = SchemeVersion(r.id, r.scheme_id, r.version, r.fingerprint, r.created_at, r.toml)
    return sv, parse_scheme(r.toml, source=f"stored scheme version {version_id}")


def record_store_run(
    session: Session, version_id: int, period: str | None
) -> tuple[int, Assessment, Scheme]:
    """Assess what the store holds now under a stored scheme version and record the run."""
    _, scheme = scheme_version(session, version_id)
    as_of = session.scalar(select(func.max(ImportRow.id)))
    if as_of is None:
        raise StoreError("库中没有数据 the store holds no data yet: upload a bundle first")
    unit_ids = _units_for(session, scheme)
    panel = ops.load_panel(session, scheme, as_of, unit_ids=unit_ids)
    if period is not None and period not in panel.periods:
        raise ZhengjiError(
            f"没有该考核期 no period '{period}' in the store; known: {', '.join(panel.periods)}"
        )
    result = assess(scheme, panel, period)
    stamp = f"store:import:{as_of}:scheme:{result.scheme_fingerprint}"
    fp = hashlib.sha256(stamp.encode("utf-8")).hexdigest()
    run_id = ops.record_run(session, result, fp, as_of, scheme)
    return run_id, result, scheme


def _units_for(session: Session, scheme: Scheme) -> list[str]:
    """The units a store run assesses: those of the scheme's last run, else those the scheme
    fits (its ``levels``, its declared categories), in first-listed order."""
    last = [r for r in ops.list_runs(session) if r.scheme_id == scheme.id]
    if last:
        return list(last[-1].unit_ids)
    q = select(UnitRecord.id).order_by(UnitRecord.position)
    if scheme.levels:
        q = q.where(UnitRecord.level.in_(scheme.levels))
    if scheme.categories:
        q = q.where(UnitRecord.category.in_([c.id for c in scheme.categories]))
    return list(session.scalars(q))


class Views:
    """Read models of the pages over one :class:`Store`, with a small cache of rebuilt runs."""

    def __init__(self, store: Store, cache_size: int = 16) -> None:
        self.store = store
        self._cache: OrderedDict[int, RunView] = OrderedDict()
        self._trend: dict[int, dict[str, dict[str, float | None]]] = {}
        self._size = cache_size
        self._lock = threading.Lock()

    def run(self, run_id: int) -> RunView:
        with self._lock:
            hit = self._cache.get(run_id)
            if hit is not None:
                self._cache.move_to_end(run_id)
                return hit
        try:
            rec = self.store.run(run_id)
        except StoreError:
            raise NotFoundError(f"没有这次考核记录 no assessment run {run_id}") from None
        scheme = parse_scheme(rec.scheme_toml, source=f"run {run_id} scheme")
        panel = self.store.panel(scheme, rec.as_of_import_id, unit_ids=rec.unit_ids or None)
        a = assess(scheme, panel, rec.period)
        view = RunView(rec, scheme, a, a.fingerprint() == rec.result_fingerprint)
        with self._lock:
            self._cache[run_id] = view
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return view

    def latest_runs(self) -> list[ops.RunRecord]:
        """The newest run of each scheme, schemes in the order they were first run."""
        seen: dict[str, ops.RunRecord] = {}
        for r in self.store.runs():
            seen[r.scheme_id] = r
        return list(seen.values())

    def trend(self, run_id: int) -> dict[str, dict[str, float | None]]:
        """Score per period (≤ the run's) per unit, with the run's scheme and data."""
        if run_id in self._trend:
            return self._trend[run_id]
        view = self.run(run_id)
        rec = view.run
        panel = self.store.panel(view.scheme, rec.as_of_import_id, unit_ids=rec.unit_ids or None)
        out: dict[str, dict[str, float | None]] = {}
        for p in panel.periods:
            if p > rec.period:
                break
            try:
                a = view.assessment if p == rec.period else assess(view.scheme, panel, p)
            except ZhengjiError:
                continue  # too early for the scheme's horizons
            out[p] = {
                uid: (None if s != s else round(float(s), 4))
                for uid, s in zip(a.unit_ids, a.score, strict=True)
            }
        self._trend[run_id] = out
        return out

    def parents(self) -> dict[str, str | None]:
        with self.store.transaction() as s:
            return {u.id: u.parent_id for u in units(s)}
