"""Stored analyses of recorded runs (issue 6): run the uncertainty analysis of a stored run and
keep its result, and read it back for the pages (rank intervals, grade odds, fragile orders).

The store keeps the run's scheme (TOML) and the import it used, so the analysis rebuilds the
exact panel of the run; the row keeps the ``[uncertainty]`` spec and seed, so the same numbers
come back from ``run_uncertainty`` again. Rows are append-only (migration 0011): rerunning adds
a row and the newest is the one shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhengji.engine.uncertainty import Progress, run_uncertainty
from zhengji.errors import StoreError
from zhengji.report.analysis import uncertainty_json
from zhengji.scheme import Scheme, parse_scheme
from zhengji.store import ops
from zhengji.store.schema import AssessmentRunRow
from zhengji.store.schema_analysis import AnalysisResultRow

__all__ = [
    "KINDS",
    "StoredAnalysis",
    "latest_analysis",
    "list_analyses",
    "rank_intervals",
    "record_analysis",
    "store_uncertainty",
]

KINDS = ("uncertainty", "sensitivity")


@dataclass(frozen=True)
class StoredAnalysis:
    id: int
    run_id: int
    kind: str
    spec: dict[str, Any]
    seed: int
    result: dict[str, Any]
    created_at: dt.datetime
    actor: str


def _stored(r: AnalysisResultRow) -> StoredAnalysis:
    return StoredAnalysis(
        r.id, r.run_id, r.kind, dict(r.spec), r.seed, dict(r.result), r.created_at, r.actor
    )


def record_analysis(
    session: Session,
    run_id: int,
    kind: str,
    spec: dict[str, Any],
    seed: int,
    result: dict[str, Any],
    actor: str,
) -> int:
    """Append one analysis result of a stored run; returns its id."""
    if kind not in KINDS:
        raise StoreError(
            f"未知分析类型 unknown analysis kind '{kind}'; allowed: {', '.join(KINDS)}"
        )
    if session.get(AssessmentRunRow, run_id) is None:
        raise StoreError(f"没有这次考核记录 no assessment run with id {run_id}")
    if not actor.strip():
        raise StoreError("须注明操作人 the analysis needs an actor (who ran it)")
    row = AnalysisResultRow(
        run_id=run_id,
        kind=kind,
        spec=spec,
        seed=seed,
        result=result,
        created_at=dt.datetime.now(dt.UTC),
        actor=actor,
    )
    session.add(row)
    session.flush()
    return row.id


def list_analyses(session: Session, run_id: int, kind: str | None = None) -> list[StoredAnalysis]:
    """The analyses of a run, oldest first."""
    q = select(AnalysisResultRow).where(AnalysisResultRow.run_id == run_id)
    if kind is not None:
        q = q.where(AnalysisResultRow.kind == kind)
    return [_stored(r) for r in session.scalars(q.order_by(AnalysisResultRow.id))]


def latest_analysis(session: Session, run_id: int, kind: str) -> StoredAnalysis | None:
    """The newest analysis of this kind of a run, or None."""
    q = (
        select(AnalysisResultRow)
        .where(AnalysisResultRow.run_id == run_id, AnalysisResultRow.kind == kind)
        .order_by(AnalysisResultRow.id.desc())
        .limit(1)
    )
    row = session.scalars(q).first()
    return None if row is None else _stored(row)


def _run_scheme(rec: ops.RunRecord) -> Scheme:
    return parse_scheme(rec.scheme_toml, source=f"run {rec.id} scheme")


def store_uncertainty(
    session: Session,
    run_id: int,
    actor: str,
    *,
    replications: int | None = None,
    seed: int | None = None,
    progress: Progress | None = None,
) -> StoredAnalysis:
    """Run the uncertainty analysis of a stored run on its own data and record the result."""
    rec = ops.get_run(session, run_id)
    scheme = _run_scheme(rec)
    panel = ops.load_panel(session, scheme, rec.as_of_import_id, unit_ids=rec.unit_ids or None)
    res = run_uncertainty(
        scheme,
        panel,
        period=rec.period,
        replications=replications,
        seed=seed,
        progress=progress,
    )
    spec = scheme.uncertainty.model_dump(mode="json") | {
        "replications": res.replications,
        "seed": res.seed,
    }
    data = uncertainty_json(res)
    new_id = record_analysis(session, run_id, "uncertainty", spec, res.seed, data, actor)
    stored = session.get(AnalysisResultRow, new_id)
    assert stored is not None
    return _stored(stored)


def rank_intervals(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per unit of an uncertainty result: median rank, 5–95 % interval, grade odds, and the
    unit ranked just below it when their order is not robust (``tied_with``)."""
    fragile = {p["ahead"]: p for p in result.get("pairs", []) if not p["robust"]}
    out: dict[str, dict[str, Any]] = {}
    for u in result.get("units", []):
        p = fragile.get(u["unit_id"])
        out[u["unit_id"]] = {
            "median_rank": u["median_rank"],
            "rank_low": u["rank_low"],
            "rank_high": u["rank_high"],
            "nominal_rank": u["nominal_rank"],
            "grade_prob": u["grade_prob"],
            "tied_with": None if p is None else p["behind"],
            "tied_with_name": None if p is None else p["behind_name"],
            "p_ahead": None if p is None else p["p_ahead"],
        }
    return out
