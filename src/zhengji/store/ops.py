"""Store operations as functions of a :class:`Session` (the :class:`Store` class wraps them).

Imports only ever INSERT: a value that changed gets a new row pointing at the one it
supersedes; the current value of a cell is the newest row for its (unit, period, indicator).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from zhengji.bundle.load import build_panel
from zhengji.bundle.model import Bundle, ObservationRow, UnitRow, value_key
from zhengji.bundle.validate import period_format
from zhengji.engine.panel import Panel, VetoEvent
from zhengji.engine.result import Assessment
from zhengji.errors import StoreError
from zhengji.scheme import dump_scheme, scheme_fingerprint
from zhengji.scheme.model import Scheme
from zhengji.store.schema import (
    AssessmentRunRow,
    ImportRow,
    ObservationRecord,
    SchemeVersionRow,
    UnitRecord,
    VetoEventRecord,
)

__all__ = [
    "ImportInfo",
    "ImportSummary",
    "ObservationVersion",
    "RunRecord",
    "get_run",
    "history",
    "import_bundle",
    "list_imports",
    "list_runs",
    "load_panel",
    "record_run",
    "scheme_version_id",
]


@dataclass(frozen=True)
class ImportSummary:
    """What one import wrote: new value rows vs. values already current."""

    import_id: int
    scheme_version_id: int
    bundle_fingerprint: str
    rows_added: int
    rows_unchanged: int
    units_added: int
    vetoes_added: int


@dataclass(frozen=True)
class ImportInfo:
    id: int
    source_path: str
    bundle_fingerprint: str
    scheme_version_id: int
    created_at: dt.datetime
    rows_added: int
    rows_unchanged: int


@dataclass(frozen=True)
class ObservationVersion:
    """One stored version of a value; ``supersedes_id`` is the version it replaced."""

    id: int
    unit_id: str
    period: str
    indicator_id: str
    value: float
    source: str
    extra: dict[str, Any]
    import_id: int
    supersedes_id: int | None
    recorded_at: dt.datetime


@dataclass(frozen=True)
class RunRecord:
    """A stored assessment run with the scheme it used (TOML) so it can be rebuilt."""

    id: int
    scheme_version_id: int
    scheme_id: str
    scheme_version: str
    scheme_fingerprint: str
    scheme_toml: str
    period: str
    input_fingerprint: str
    result_fingerprint: str
    as_of_import_id: int | None
    created_at: dt.datetime
    unit_ids: tuple[str, ...]
    result: dict[str, Any]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def scheme_version_id(session: Session, scheme: Scheme, toml: str | None = None) -> int:
    """The id of this scheme's stored version, inserting it (with its TOML) if new."""
    fp = scheme_fingerprint(scheme)
    found = session.scalar(select(SchemeVersionRow.id).where(SchemeVersionRow.fingerprint == fp))
    if found is not None:
        return found
    clash = session.scalar(
        select(SchemeVersionRow.fingerprint).where(
            SchemeVersionRow.scheme_id == scheme.id, SchemeVersionRow.version == scheme.version
        )
    )
    if clash is not None:
        raise StoreError(
            f"方案 '{scheme.id}' 版本 '{scheme.version}' 已存在但内容不同 scheme '{scheme.id}' "
            f"version '{scheme.version}' is already stored with different content "
            f"(fingerprint {clash[:12]}…, this one {fp[:12]}…); a changed scheme needs a new "
            'version = "…" so past runs stay traceable'
        )
    row = SchemeVersionRow(
        scheme_id=scheme.id,
        version=scheme.version,
        fingerprint=fp,
        toml=toml if toml is not None else dump_scheme(scheme),
        created_at=_now(),
    )
    session.add(row)
    session.flush()
    return row.id


def _current_ids(as_of_import_id: int | None, table: Any, key: Sequence[Any]) -> Any:
    """Subquery: the newest row id per key among rows imported up to ``as_of_import_id``."""
    q = select(func.max(table.id).label("id")).group_by(*key)
    if as_of_import_id is not None:
        q = q.where(table.import_id <= as_of_import_id)
    return q.subquery()


def _unit_differences(stored: UnitRecord, new: UnitRow) -> list[str]:
    pairs = {
        "name": (stored.name, new.name),
        "parent_id": (stored.parent_id or "", new.parent_id),
        "level": (stored.level, new.level),
        "category": (stored.category, new.category),
        "attributes": (dict(stored.attributes), dict(new.attributes)),
    }
    return [f"{k}: '{a}' → '{b}'" for k, (a, b) in pairs.items() if a != b]


def _check_units(session: Session, bundle: Bundle) -> list[UnitRow]:
    """Units not yet stored (parents first); a changed stored unit is an error."""
    stored = {u.id: u for u in session.scalars(select(UnitRecord))}
    problems = []
    for u in bundle.units:
        if u.unit_id in stored:
            diffs = _unit_differences(stored[u.unit_id], u)
            if diffs:
                problems.append(f"  {u.unit_id}: {'; '.join(diffs)}")
    if problems:
        raise StoreError(
            "单位信息与库中不一致 units differ from the stored ones:\n"
            + "\n".join(problems)
            + "\nA unit's category decides which indicators and weights apply, so changing it "
            "(or its name, parent, level or groups) in place would silently change past "
            "results. Give the changed unit a new unit_id, or use a new database for a new "
            "administrative layout."
        )
    new = [u for u in bundle.units if u.unit_id not in stored]
    ordered: list[UnitRow] = []
    placed = set(stored)
    pending = list(new)
    while pending:
        ready = [u for u in pending if not u.parent_id or u.parent_id in placed]
        if not ready:  # bundle validation forbids cycles; guard anyway
            raise StoreError("单位上级关系成环 unit parents form a cycle")
        ordered.extend(ready)
        placed.update(u.unit_id for u in ready)
        pending = [u for u in pending if u.unit_id not in placed]
    return ordered


def _check_period_format(session: Session, bundle: Bundle) -> None:
    if not bundle.observations:
        return
    stored = session.scalar(select(ObservationRecord.period).limit(1))
    if stored is None:
        return
    new = bundle.observations[0].period
    if period_format(stored) != period_format(new):
        raise StoreError(
            f"期间格式不一致 this bundle uses periods like '{new}' but the store holds periods "
            f"like '{stored}'; keep one format per database"
        )


def import_bundle(session: Session, bundle: Bundle) -> ImportSummary:
    """Append the bundle's changed values. Call inside one transaction (``session.begin()``)."""
    if session.get_bind().dialect.name == "postgresql":  # one writer at a time (docs/scale.md)
        session.execute(text("LOCK TABLE observations IN SHARE ROW EXCLUSIVE MODE"))
    _check_period_format(session, bundle)
    sv_id = scheme_version_id(session, bundle.scheme, bundle.scheme_text)
    new_units = _check_units(session, bundle)
    periods = sorted({o.period for o in bundle.observations} | {e.period for e in bundle.events})

    ids = _current_ids(None, ObservationRecord, _OBS_KEY)
    Obs = ObservationRecord
    current = {
        (u, p, i): (row_id, v, src)
        for row_id, u, p, i, v, src in session.execute(
            select(Obs.id, Obs.unit_id, Obs.period, Obs.indicator_id, Obs.value, Obs.source)
            .join(ids, Obs.id == ids.c.id)
            .where(Obs.period.in_(periods))
        )
    }
    obs_rows: list[dict[str, Any]] = []
    unchanged = 0
    for o in bundle.observations:
        cur = current.get((o.unit_id, o.period, o.indicator_id))
        if cur is not None and value_key(cur[1]) == value_key(o.value) and cur[2] == o.source:
            unchanged += 1
            continue
        obs_rows.append(
            {
                "unit_id": o.unit_id,
                "period": o.period,
                "indicator_id": o.indicator_id,
                "value": o.value,
                "source": o.source,
                "extra": dict(o.extra),
                "supersedes_id": None if cur is None else cur[0],
            }
        )

    vids = _current_ids(None, VetoEventRecord, _VETO_KEY)
    current_vetoes = {
        (r.unit_id, r.period, r.veto_id): r
        for r in session.scalars(
            select(VetoEventRecord)
            .join(vids, VetoEventRecord.id == vids.c.id)
            .where(VetoEventRecord.period.in_(periods))
        )
    }
    veto_rows: list[dict[str, Any]] = []
    for e in bundle.events:
        prev = current_vetoes.get((e.unit_id, e.period, e.veto_id))
        same = prev is not None and (prev.reason, prev.evidence) == (e.reason, e.evidence)
        if same and prev is not None and not prev.withdrawn:
            continue
        veto_rows.append(
            {
                "unit_id": e.unit_id,
                "period": e.period,
                "veto_id": e.veto_id,
                "reason": e.reason,
                "evidence": e.evidence,
                "supersedes_id": None if prev is None else prev.id,
            }
        )

    now = _now()
    imp = ImportRow(
        source_path=str(bundle.source_path),
        bundle_fingerprint=bundle.fingerprint,
        scheme_version_id=sv_id,
        created_at=now,
        rows_added=len(obs_rows),
        rows_unchanged=unchanged,
        units_added=len(new_units),
        vetoes_added=len(veto_rows),
    )
    session.add(imp)
    session.flush()
    if new_units:
        start = (session.scalar(select(func.max(UnitRecord.position))) or 0) + 1
        order = {u.unit_id: k for k, u in enumerate(bundle.units)}
        session.execute(
            insert(UnitRecord),
            [
                {
                    "id": u.unit_id,
                    "name": u.name,
                    "parent_id": u.parent_id or None,
                    "level": u.level,
                    "category": u.category,
                    "attributes": dict(u.attributes),
                    "position": start + order[u.unit_id],
                    "first_import_id": imp.id,
                }
                for u in new_units
            ],
        )
    stamp = {"import_id": imp.id, "recorded_at": now}
    if obs_rows:
        session.execute(insert(ObservationRecord), [r | stamp for r in obs_rows])
    if veto_rows:
        session.execute(insert(VetoEventRecord), [r | stamp for r in veto_rows])
    return ImportSummary(
        import_id=imp.id,
        scheme_version_id=sv_id,
        bundle_fingerprint=bundle.fingerprint,
        rows_added=len(obs_rows),
        rows_unchanged=unchanged,
        units_added=len(new_units),
        vetoes_added=len(veto_rows),
    )


_OBS_KEY = (ObservationRecord.unit_id, ObservationRecord.period, ObservationRecord.indicator_id)
_VETO_KEY = (VetoEventRecord.unit_id, VetoEventRecord.period, VetoEventRecord.veto_id)


def _check_import_id(session: Session, import_id: int | None) -> None:
    if import_id is not None and session.get(ImportRow, import_id) is None:
        raise StoreError(f"没有这次导入 no import with id {import_id}")


def load_panel(
    session: Session,
    scheme: Scheme,
    as_of_import_id: int | None = None,
    unit_ids: Sequence[str] | None = None,
) -> Panel:
    """The panel of current values as of an import (None: latest), built like a bundle's.

    Units are those known by then in first-listed order, or exactly ``unit_ids`` in that order.
    """
    _check_import_id(session, as_of_import_id)
    q = select(UnitRecord).order_by(UnitRecord.position)
    if as_of_import_id is not None:
        q = q.where(UnitRecord.first_import_id <= as_of_import_id)
    records = list(session.scalars(q))
    if unit_ids is not None:
        by_id = {r.id: r for r in records}
        missing = [u for u in unit_ids if u not in by_id]
        if missing:
            raise StoreError(f"库中没有这些单位 units not in the store: {', '.join(missing)}")
        records = [by_id[u] for u in unit_ids]
    units = [
        UnitRow(r.id, r.name, r.parent_id or "", r.level, r.category, dict(r.attributes))
        for r in records
    ]
    variables = [i.id for i in scheme.indicators] + [d.id for d in scheme.denominators]
    ids = _current_ids(as_of_import_id, ObservationRecord, _OBS_KEY)
    rows = session.execute(
        select(
            ObservationRecord.unit_id,
            ObservationRecord.period,
            ObservationRecord.indicator_id,
            ObservationRecord.value,
            ObservationRecord.source,
        )
        .join(ids, ObservationRecord.id == ids.c.id)
        .where(ObservationRecord.indicator_id.in_(variables))
    )
    observations = [ObservationRow(u, p, i, float(v), s) for u, p, i, v, s in rows]
    vids = _current_ids(as_of_import_id, VetoEventRecord, _VETO_KEY)
    veto_q = (
        select(VetoEventRecord)
        .join(vids, VetoEventRecord.id == vids.c.id)
        .where(VetoEventRecord.withdrawn.is_(False))
    )
    events = [
        VetoEvent(r.unit_id, r.period, r.veto_id, r.reason, r.evidence)
        for r in session.scalars(veto_q)
    ]
    return build_panel(scheme, units, observations, events)


def history(
    session: Session, unit_id: str, period: str, indicator_id: str
) -> list[ObservationVersion]:
    """Every stored version of one value, oldest first."""
    return versions(session, [unit_id], [indicator_id], period)


def versions(
    session: Session,
    unit_ids: Sequence[str],
    indicator_ids: Sequence[str],
    period: str | None = None,
) -> list[ObservationVersion]:
    """Every stored version of the given units' indicators (one period, or all), oldest first."""
    q = (
        select(ObservationRecord)
        .where(
            ObservationRecord.unit_id.in_(list(unit_ids)),
            ObservationRecord.indicator_id.in_(list(indicator_ids)),
        )
        .order_by(ObservationRecord.id)
    )
    if period is not None:
        q = q.where(ObservationRecord.period == period)
    return [
        ObservationVersion(
            r.id,
            r.unit_id,
            r.period,
            r.indicator_id,
            r.value,
            r.source,
            dict(r.extra),
            r.import_id,
            r.supersedes_id,
            r.recorded_at,
        )
        for r in session.scalars(q)
    ]


def _num(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def _summary(a: Assessment) -> dict[str, Any]:
    """Per-unit score/rank/grade as JSON (NaN → null: JSON and PostgreSQL reject NaN)."""
    units = [
        {
            "unit_id": uid,
            "name": a.unit_names[k],
            "category": a.categories[k],
            "score": _num(float(a.score[k])),
            "rank": int(a.rank[k]),
            "rank_in_category": int(a.rank_in_category[k]),
            "grade": a.grade[k],
            "grade_before_veto": a.grade_before_veto[k],
        }
        for k, uid in enumerate(a.unit_ids)
    ]
    return {
        "units": units,
        "screened_out": list(a.screened_out),
        "vetoes": [
            {
                "unit_id": v.unit_id,
                "veto_id": v.veto_id,
                "grade_before": v.grade_before,
                "grade_after": v.grade_after,
                "reason": v.reason,
            }
            for v in a.vetoes
        ],
        "synthetic": a.synthetic,
    }


def record_run(
    session: Session,
    assessment: Assessment,
    bundle_fingerprint: str,
    as_of_import_id: int | None,
    scheme: Scheme | None = None,
) -> int:
    """Store a run; its scheme version must be stored already (by an import) or be given."""
    _check_import_id(session, as_of_import_id)
    fp = assessment.scheme_fingerprint
    sv = session.scalar(select(SchemeVersionRow.id).where(SchemeVersionRow.fingerprint == fp))
    if sv is None:
        if scheme is None or scheme_fingerprint(scheme) != fp:
            raise StoreError(
                f"库中没有该考核方案 scheme {assessment.scheme_id} v{assessment.scheme_version} "
                f"({fp[:16]}) is not stored: import its bundle first or pass the scheme"
            )
        sv = scheme_version_id(session, scheme)
    row = AssessmentRunRow(
        scheme_version_id=sv,
        period=assessment.period,
        input_fingerprint=bundle_fingerprint,
        result_fingerprint=assessment.fingerprint(),
        as_of_import_id=as_of_import_id,
        created_at=_now(),
        result=_summary(assessment),
    )
    session.add(row)
    session.flush()
    return row.id


def _run_record(run: AssessmentRunRow, sv: SchemeVersionRow) -> RunRecord:
    return RunRecord(
        id=run.id,
        scheme_version_id=sv.id,
        scheme_id=sv.scheme_id,
        scheme_version=sv.version,
        scheme_fingerprint=sv.fingerprint,
        scheme_toml=sv.toml,
        period=run.period,
        input_fingerprint=run.input_fingerprint,
        result_fingerprint=run.result_fingerprint,
        as_of_import_id=run.as_of_import_id,
        created_at=run.created_at,
        unit_ids=tuple(u["unit_id"] for u in run.result.get("units", [])),
        result=dict(run.result),
    )


def list_runs(session: Session) -> list[RunRecord]:
    """All runs, oldest first."""
    q = (
        select(AssessmentRunRow, SchemeVersionRow)
        .join(SchemeVersionRow, AssessmentRunRow.scheme_version_id == SchemeVersionRow.id)
        .order_by(AssessmentRunRow.id)
    )
    return [_run_record(r, s) for r, s in session.execute(q)]


def get_run(session: Session, run_id: int) -> RunRecord:
    run = session.get(AssessmentRunRow, run_id)
    if run is None:
        raise StoreError(f"没有这次考核记录 no assessment run with id {run_id}")
    sv = session.get(SchemeVersionRow, run.scheme_version_id)
    assert sv is not None  # foreign key
    return _run_record(run, sv)


def list_imports(session: Session) -> list[ImportInfo]:
    """All imports, oldest first."""
    return [
        ImportInfo(
            r.id,
            r.source_path,
            r.bundle_fingerprint,
            r.scheme_version_id,
            r.created_at,
            r.rows_added,
            r.rows_unchanged,
        )
        for r in session.scalars(select(ImportRow).order_by(ImportRow.id))
    ]
