"""The read-only queries the cadre pages show (``zhengji.cadres.views``), on the demo."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from zhengji.cadres import cases, service, views
from zhengji.demo.cadres import ROUTINE_YEAR, CadreDemo
from zhengji.errors import StoreError
from zhengji.store.schema import UnitRecord
from zhengji.store.schema_cadres import CadreResultRow

from .conftest import Demo


def _summary(demo: Demo) -> CadreDemo:
    assert isinstance(demo.summary, CadreDemo)
    return demo.summary


def test_person_results_are_every_batch_newest_first(demo: Demo) -> None:
    d = _summary(demo)
    with demo.store.transaction() as s:
        pairs = views.person_results(s, d.mover)
        stored = list(s.scalars(select(CadreResultRow).where(CadreResultRow.person_id == d.mover)))
        assert views.person_results(s, "NOBODY") == []
    assert [b.id for b, _ in pairs] == sorted({r.batch_id for r in stored}, reverse=True)
    assert all(r.person_id == d.mover and r.batch_id == b.id for b, r in pairs)
    assert {r.id for _, r in pairs} == {r.id for r in stored}


def test_quarter_grades_are_the_routine_batches(demo: Demo) -> None:
    d = _summary(demo)
    with demo.store.transaction() as s:
        pairs = views.person_results(s, d.mover)
        expected = [service.latest_result(s, d.mover, b)[1] for b in d.routine_batches]
    q = views.quarter_grades(pairs)
    assert [x["label"] for x in q] == [f"{ROUTINE_YEAR}-Q{k}" for k in range(1, 5)]
    assert [x["batch_id"] for x in q] == list(d.routine_batches)
    assert [(x["grade"], x["score"]) for x in q] == [(r.grade, r.score) for r in expected]
    # a later batch of the same quarter supersedes the earlier one
    b, r = next(p for p in pairs if p[0].id == d.routine_batches[0])
    again = type(b)(id=999, kind="routine", label=b.label)
    redo = type(r)(batch_id=999, person_id=r.person_id, grade="一般", score=70.0)
    first = views.quarter_grades([*pairs, (again, redo)])[0]
    assert (first["batch_id"], first["grade"]) == (999, "一般")


def test_grade_counts_equal_the_results(demo: Demo) -> None:
    with demo.store.transaction() as s:
        counts = views.grade_counts(s)
        for b in service.batches(s):
            _, rows = service.results(s, b.id)
            assert counts[b.id] == dict(Counter(r.grade for r in rows)), b.id


def test_units_and_counties(demo: Demo) -> None:
    with demo.store.transaction() as s:
        rows = list(s.scalars(select(UnitRecord)))
        names, counties = views.unit_names(s), views.counties(s)
    assert names == {u.id: u.name for u in rows}
    assert counties == [(u.id, u.name) for u in rows if u.level == "county"] and counties
    assert ("jiangkou", "江口县") in counties


def test_a_case_its_history_and_the_public_list(demo: Demo) -> None:
    d = _summary(demo)
    with demo.store.transaction() as s:
        row = views.case_by_code(s, d.disclosed)
        hist = views.disclosure_history(s, d.disclosed)
        assert [h.action for h in hist] == ["disclose"] and views.is_disclosed(hist)
        other = next(c.code for c in cases.cases(s) if c.code != d.disclosed)
        assert not views.is_disclosed(views.disclosure_history(s, other))
        assert views.disclosed_codes(s) == {d.disclosed}
        public = views.public_cases(s)
        assert [c["code"] for c in public] == [d.disclosed] and public[0]["unit"] == "某县（区）"
        inside = views.case_views(s, [row], public=False)[0]
        assert inside["unit"] == "德江县" and inside["code"] == row.code
        with pytest.raises(StoreError, match="JS-9999"):
            views.case_by_code(s, "JS-9999")
