"""Store services of cadre assessment; each takes a ``Session`` (one transaction).

A batch (one kind, one period/tenure/programme) stores every person's inputs, result and
fingerprints and commits one ledger leaf (kind ``cadre_assessment``) naming them all, in the
caller's transaction. :func:`verify_batch` recomputes every result from its stored inputs and
config, and recollects the inputs from the store to say whether the underlying data moved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhengji.cadres import inputs as collect
from zhengji.cadres.config import Config, parse_config
from zhengji.cadres.rules import apply_quota, fingerprint, grade_person
from zhengji.errors import DataError, NotReproducibleError, StoreError
from zhengji.ledger.log import append
from zhengji.store.schema_cadres import CadreBatchRow, CadreResultRow

__all__ = [
    "KINDS",
    "Verification",
    "assess",
    "batch_payload",
    "batches",
    "compute",
    "default_batch",
    "is_synthetic",
    "latest_result",
    "results",
    "verify_batch",
]

KINDS = {
    "annual": ("年度考核", "annual"),
    "term": ("任期考核", "term"),
    "special": ("专项考核", "special"),
    "routine": ("平时考核", "routine (quarterly)"),
}


def compute(people_inputs: Sequence[Mapping[str, Any]], cfg: Config) -> list[dict[str, Any]]:
    """Grade everyone, then apply the 优秀 quota over the batch (pure)."""
    return apply_quota([grade_person(i, cfg) for i in people_inputs], cfg)


def _gather(
    session: Session,
    kind: str,
    label: str,
    as_of: dt.date,
    projects: Sequence[str] = (),
    requests: bool = False,
) -> list[dict[str, Any]]:
    """Everyone's inputs of one batch; ``requests``: also the 接诉即办 evidence (慢作为) as it
    stood at the end of the window (``[slow_requests] enabled``; not for special batches)."""
    world = collect.load_world(session)
    if kind == "annual":
        try:
            year = int(label)
        except ValueError as exc:
            raise DataError(
                f"年度考核的期间应为年份 an annual period is a year, not '{label}'"
            ) from exc
        lo, hi = dt.date(year, 1, 1), dt.date(year, 12, 31)
        if requests:
            world = collect.with_requests(session, world, hi)
        people = sorted(
            {
                t.person_id
                for t in world.records.tenures
                if t.start <= hi and (t.end is None or t.end >= lo)
            }
        )
        return [collect.annual_inputs(world, p, year) for p in people]
    if kind == "term":
        codes = (
            [label]
            if label
            else sorted(
                t.code for t in world.records.tenures if t.end is not None and t.end <= as_of
            )
        )
        if requests:
            world = collect.with_requests(session, world, as_of)
        return [collect.term_inputs(world, c, as_of) for c in codes]
    if kind == "special":
        if not projects:
            raise DataError("专项考核须列出项目 a special assessment needs --projects")
        people = sorted(
            {r.person_id for r in world.records.responsibilities if r.project_code in set(projects)}
        )
        return [collect.special_inputs(world, p, label, projects, as_of) for p in people]
    if kind == "routine":
        lo, hi = collect.quarter_bounds(*collect.parse_quarter(label))
        if requests:
            world = collect.with_requests(session, world, hi)
        people = sorted(
            {
                t.person_id
                for t in world.records.tenures
                if t.start <= hi and (t.end is None or t.end >= lo)
            }
        )
        return [collect.routine_inputs(world, p, label) for p in people]
    raise DataError(f"考核类型 '{kind}' 无效 kind must be one of {', '.join(KINDS)}")


def batch_payload(b: CadreBatchRow, rows: Sequence[CadreResultRow]) -> dict[str, Any]:
    """The ledger record of a batch (rebuilt the same way by the verification loader)."""
    return {
        "kind": b.kind, "label": b.label, "as_of": b.as_of,
        "config_fingerprint": b.config_fingerprint, "result_fingerprint": b.result_fingerprint,
        "created_by": b.created_by,
        "results": [
            {"person_id": r.person_id, "grade": r.grade, "inputs_fingerprint": r.inputs_fingerprint,
             "result_fingerprint": r.result_fingerprint}
            for r in rows
        ],
    }  # fmt: skip


def assess(
    session: Session,
    kind: str,
    label: str,
    by: str,
    *,
    config_toml: str = "",
    as_of: dt.date | None = None,
    projects: Sequence[str] = (),
) -> int:
    """Assess, store and commit one batch; returns its id."""
    if not by.strip():
        raise DataError("须注明经办人 give who runs the assessment (--by)")
    cfg = parse_config(config_toml)
    day = as_of or dt.date.today()
    people = _gather(session, kind, label, day, projects, cfg.slow_requests.enabled)
    if not people:
        raise DataError(f"没有可考核的人员 nobody to assess for {kind} {label}")
    res = compute(people, cfg)
    batch = CadreBatchRow(
        kind=kind, label=label or "all", config_toml=config_toml,
        config_fingerprint=cfg.fingerprint,
        as_of=day.isoformat(), result_fingerprint=fingerprint(res), ledger_index=-1,
        created_by=by.strip(), created_at=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    rows = [
        CadreResultRow(
            person_id=r["person_id"], grade=r["grade"], score=r["score"], inputs=i,
            inputs_fingerprint=fingerprint(i), result=r, result_fingerprint=fingerprint(r),
        )
        for i, r in zip(people, res, strict=True)
    ]  # fmt: skip
    batch.ledger_index = append(session, "cadre_assessment", batch_payload(batch, rows)).index
    session.add(batch)
    session.flush()
    for r in rows:
        r.batch_id = batch.id
    session.add_all(rows)
    session.flush()
    return batch.id


def is_synthetic(session: Session) -> bool:
    """Whether the stored runs are demo data (then every sheet carries the synthetic label)."""
    from zhengji.store.ops import list_runs

    return any(r.result.get("synthetic") for r in list_runs(session))


def batches(session: Session) -> list[CadreBatchRow]:
    return list(session.scalars(select(CadreBatchRow).order_by(CadreBatchRow.id)))


def default_batch(bs: Sequence[CadreBatchRow], kind: str | None = None) -> CadreBatchRow | None:
    """The latest batch (of ``kind``); without a kind, the latest that is not a quarter's 平时
    check: the annual, term or special result is the headline a reader expects, and a routine
    batch is shown when asked for by id (or when it is all there is)."""
    pool = [b for b in bs if kind is None or b.kind == kind]
    if kind is None:
        pool = [b for b in pool if b.kind != "routine"] or pool
    return max(pool, key=lambda b: b.id) if pool else None


def _batch(session: Session, batch_id: int | None) -> CadreBatchRow:
    """The batch asked for, else :func:`default_batch`."""
    if batch_id is None:
        found = default_batch(batches(session))
    else:
        found = session.get(CadreBatchRow, batch_id)
    if found is None:
        raise StoreError(
            f"没有干部考核批次 no cadre assessment batch {batch_id or ''}; "
            "run `zhengji cadres assess` first"
        )
    return found


def results(
    session: Session, batch_id: int | None = None
) -> tuple[CadreBatchRow, list[CadreResultRow]]:
    b = _batch(session, batch_id)
    q = select(CadreResultRow).where(CadreResultRow.batch_id == b.id).order_by(CadreResultRow.id)
    return b, list(session.scalars(q))


def latest_result(
    session: Session, person_id: str, batch_id: int | None = None
) -> tuple[CadreBatchRow, CadreResultRow]:
    """The person's result in ``batch_id`` (default: the latest non-routine batch of theirs)."""
    q = select(CadreResultRow).where(CadreResultRow.person_id == person_id)
    if batch_id is not None:
        q = q.where(CadreResultRow.batch_id == batch_id)
    q = q.order_by(CadreResultRow.id.desc()).limit(1)
    row = None
    if batch_id is None:  # the headline result first, as in ``_batch``
        headline = q.join(CadreBatchRow, CadreBatchRow.id == CadreResultRow.batch_id)
        row = session.scalar(headline.where(CadreBatchRow.kind != "routine"))
    row = row or session.scalar(q)
    if row is None:
        raise StoreError(f"没有 '{person_id}' 的考核结果 no cadre result for this person")
    b = session.get(CadreBatchRow, row.batch_id)
    assert b is not None
    return b, row


@dataclass(frozen=True)
class Verification:
    batch_id: int
    recomputed: bool  # results recomputed from the stored inputs match
    inputs_current: bool  # inputs recollected from the store today are the same
    changed: tuple[str, ...]  # people whose inputs moved since


def verify_batch(session: Session, batch_id: int | None = None) -> Verification:
    """Recompute a batch from its stored inputs (must match, else NotReproducibleError) and
    recollect the inputs from the store (may differ: data corrected since)."""
    b, rows = results(session, batch_id)
    cfg = parse_config(b.config_toml)
    if cfg.fingerprint != b.config_fingerprint:
        raise NotReproducibleError(
            f"批次 {b.id} 的配置已变 the config of batch {b.id} no longer reads the same"
        )
    again = compute([r.inputs for r in rows], cfg)
    bad = [
        r.person_id
        for r, x in zip(rows, again, strict=True)
        if fingerprint(x) != r.result_fingerprint
    ]
    if bad or fingerprint(again) != b.result_fingerprint:
        raise NotReproducibleError(
            f"批次 {b.id} 重算结果不一致 batch {b.id} does not recompute to what was "
            f"stored: {bad[:5]}"
        )
    label = "" if b.kind == "term" and b.label == "all" else b.label
    projects = rows[0].inputs.get("projects", []) if b.kind == "special" else []
    day = dt.date.fromisoformat(b.as_of)
    now = _gather(session, b.kind, label, day, projects, cfg.slow_requests.enabled)
    current = {i["person_id"] + "|" + i["label"]: fingerprint(i) for i in now}
    changed = tuple(
        r.person_id for r in rows
        if current.get(r.person_id + "|" + r.inputs["label"]) != r.inputs_fingerprint
    )  # fmt: skip
    return Verification(b.id, True, not changed, changed)
