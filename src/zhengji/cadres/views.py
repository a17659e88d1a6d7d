"""Read-only queries the cadre pages show; each takes a ``Session`` and only selects rows.

The web routes (``zhengji.web.routes.cadres``) and any other reader call these instead of
writing their own SQL, so what a page shows is what the core stores: a person's results across
batches, grade counts per batch, a case by its code with its disclosure history, the cases as
shown through the digest or the public anonymisation policy, and unit names. Nothing here
computes a rule; :func:`quarter_grades` only picks the 平时考核 rows out of a person's results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhengji.cadres import cases as case_lib
from zhengji.cadres.config import parse_config
from zhengji.errors import StoreError
from zhengji.store.schema import UnitRecord
from zhengji.store.schema_cadres import (
    CadreBatchRow,
    CadreCaseRow,
    CadreResultRow,
    CaseDisclosureRow,
)

__all__ = [
    "case_by_code",
    "case_views",
    "counties",
    "disclosed_codes",
    "disclosure_history",
    "grade_counts",
    "is_disclosed",
    "person_results",
    "public_cases",
    "quarter_grades",
    "unit_names",
]


def person_results(session: Session, person_id: str) -> list[tuple[CadreBatchRow, CadreResultRow]]:
    """The person's result in every batch that assessed them, newest batch first."""
    q = (
        select(CadreBatchRow, CadreResultRow)
        .join(CadreResultRow, CadreResultRow.batch_id == CadreBatchRow.id)
        .where(CadreResultRow.person_id == person_id)
        .order_by(CadreBatchRow.id.desc())
    )
    return [(b, r) for b, r in session.execute(q)]


def quarter_grades(
    pairs: Sequence[tuple[CadreBatchRow, CadreResultRow]],
) -> list[dict[str, Any]]:
    """The 平时考核 (routine) batches among ``pairs``, by quarter: the latest batch of a quarter
    wins (a re-run supersedes), oldest quarter first."""
    latest: dict[str, tuple[CadreBatchRow, CadreResultRow]] = {}
    for b, r in sorted(pairs, key=lambda p: p[0].id):
        if b.kind == "routine":
            latest[b.label] = (b, r)
    return [
        {"label": label, "batch_id": b.id, "grade": r.grade, "score": r.score}
        for label, (b, r) in sorted(latest.items())
    ]


def grade_counts(session: Session) -> dict[int, dict[str, int]]:
    """batch id → grade → how many people."""
    q = select(CadreResultRow.batch_id, CadreResultRow.grade, func.count()).group_by(
        CadreResultRow.batch_id, CadreResultRow.grade
    )
    out: dict[int, dict[str, int]] = {}
    for bid, grade, n in session.execute(q):
        out.setdefault(bid, {})[grade] = int(n)
    return out


def unit_names(session: Session) -> dict[str, str]:
    """unit id → name, every unit of the store."""
    return {u.id: u.name for u in session.scalars(select(UnitRecord))}


def counties(session: Session) -> list[tuple[str, str]]:
    """(id, name) of the county-level units, in the store's order."""
    return [(u.id, u.name) for u in session.scalars(select(UnitRecord)) if u.level == "county"]


def case_by_code(session: Session, code: str) -> CadreCaseRow:
    """The case ``code`` of the library (:class:`StoreError` if there is none)."""
    row = session.scalar(select(CadreCaseRow).where(CadreCaseRow.code == code))
    if row is None:
        raise StoreError(f"没有案例 no case '{code}'; see `zhengji cases search`")
    return row


def disclosure_history(session: Session, code: str) -> list[CaseDisclosureRow]:
    """Every disclosure decision about case ``code``, oldest first (append-only)."""
    return list(
        session.scalars(
            select(CaseDisclosureRow)
            .where(CaseDisclosureRow.case_code == code)
            .order_by(CaseDisclosureRow.id)
        )
    )


def is_disclosed(history: Sequence[CaseDisclosureRow]) -> bool:
    """On the public list: the latest decision is ``disclose`` (as :func:`cases.public_list`)."""
    return bool(history) and history[-1].action == "disclose"


def case_views(
    session: Session, rows: Sequence[CadreCaseRow], public: bool
) -> list[dict[str, Any]]:
    """Cases as shown, through the digest or the public anonymisation policy (as the CLI)."""
    from zhengji.accountability.service import person_names

    cfg = parse_config("")
    units: Mapping[str, str] = unit_names(session)
    names = person_names(session)
    return [dict(case_lib.case_view(c, cfg, units, names, public)) for c in rows]


def public_cases(session: Session) -> list[dict[str, Any]]:
    """The public disclosure list (曝光台): disclosed cases through the public policy."""
    return case_views(session, case_lib.public_list(session), public=True)


def disclosed_codes(session: Session) -> set[str]:
    """Codes of the cases on the public list now."""
    return {c.code for c in case_lib.public_list(session)}
