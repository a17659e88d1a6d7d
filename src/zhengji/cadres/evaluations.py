"""Evaluations of a person (党委评价, 民主测评, 群众评价): CSV in, append-only rows out.

``evaluations.csv`` columns: ``person_id, period, source, score`` and optional ``raters``.
``source`` is one of :data:`~zhengji.cadres.config.EVAL_SOURCES`; ``score`` is 0–100 (a
民主测评 tallied as 优秀/称职/… votes is converted by the office before import: e.g. the share
of 优秀+称职 votes × 100). Every problem is reported with file, line and field, and nothing is
stored if there is any. A re-import adds rows; the latest row of (person, period, source) wins.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhengji.bundle.tables import read_csv_table
from zhengji.bundle.validate import Problems, parse_number
from zhengji.cadres.config import EVAL_SOURCES
from zhengji.errors import DataError
from zhengji.store.schema_accountability import PersonRow
from zhengji.store.schema_cadres import CadreEvaluationRow

__all__ = ["REQUIRED", "import_evaluations", "latest_evaluations"]

REQUIRED = ("person_id", "period", "source", "score")


def import_evaluations(session: Session, path: Path, by: str) -> int:
    """Validate ``path`` and store its rows (all or nothing); returns the number stored."""
    table, found = read_csv_table(Path(path))
    problems = Problems()
    problems.extend(found)
    label = Path(path).name
    if table is not None:
        missing = [c for c in REQUIRED if c not in table.columns]
        if missing:
            problems.add(label, None, None, f"缺少列 missing columns: {', '.join(missing)}")
    if problems.items or table is None:
        raise DataError(f"{path}: 评价文件有问题，未导入 not imported", problems.final())
    people = set(session.scalars(select(PersonRow.person_id)))
    rows: list[CadreEvaluationRow] = []
    now = dt.datetime.now(dt.UTC)
    for num, cells in table.rows:
        pid = cells.get("person_id", "").strip()
        if pid not in people:
            problems.add(label, num, "person_id", f"'{pid}' 不是已登记的人员 unknown person")
        period = cells.get("period", "").strip()
        if not period:
            problems.add(label, num, "period", "期间为空 empty period")
        src = cells.get("source", "").strip()
        if src not in EVAL_SOURCES:
            problems.add(
                label, num, "source", f"'{src}' 应为 must be one of {', '.join(EVAL_SOURCES)}"
            )
        score = parse_number(cells.get("score", "").strip())
        if isinstance(score, str):
            problems.add(label, num, "score", score)
        elif not 0 <= score <= 100:
            problems.add(label, num, "score", f"{score:g} 不在 0–100 之间 must be in 0–100")
        raters: int | None = None
        text = cells.get("raters", "").strip()
        if text:
            if not text.isdigit():
                problems.add(label, num, "raters", f"'{text}' 应为非负整数 must be a whole number")
            else:
                raters = int(text)
        if not isinstance(score, str):
            rows.append(
                CadreEvaluationRow(
                    person_id=pid, period=period, source=src, score=float(score), raters=raters,
                    file=label, line=num, recorded_by=by, recorded_at=now,
                )
            )  # fmt: skip
    if problems.items:
        n = len(problems.items) + problems.dropped
        raise DataError(
            f"{path}: 评价文件有 {n} 个问题，未导入 {n} problem(s); nothing imported",
            problems.final(),
        )
    session.add_all(rows)
    session.flush()
    return len(rows)


def latest_evaluations(session: Session) -> Mapping[tuple[str, str], Mapping[str, float]]:
    """(person, period) → {source: score}, the latest row of each winning."""
    out: dict[tuple[str, str], dict[str, float]] = {}
    for r in session.scalars(select(CadreEvaluationRow).order_by(CadreEvaluationRow.id)):
        out.setdefault((r.person_id, r.period), {})[r.source] = r.score
    return out
