"""Evaluations CSV: every problem with file, line and field; nothing stored on any error."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from zhengji.cadres.evaluations import import_evaluations, latest_evaluations
from zhengji.errors import DataError
from zhengji.store import Store
from zhengji.store.schema_cadres import CadreEvaluationRow

from .conftest import BY


def test_problems_name_file_line_and_field(small: tuple[Store, Path], tmp_path: Path) -> None:
    st, _ = small
    bad = tmp_path / "evaluations.csv"
    bad.write_text(
        "person_id,period,source,score,raters\n"
        "A,2025,party,80,9\n"  # line 2 fine
        "Q,2025,party,80,9\n"  # line 3 unknown person
        "A,2025,boss,80,9\n"  # line 4 bad source
        "A,2025,peer,120,9\n"  # line 5 out of range
        "A,2025,mass,八十,x\n",  # line 6 not a number, raters not a number
        encoding="utf-8",
    )
    with pytest.raises(DataError) as err, st.transaction() as s:
        import_evaluations(s, bad, BY)
    where = {(f, row, col) for f, row, col, _ in err.value.problems}
    assert where == {
        ("evaluations.csv", 3, "person_id"),
        ("evaluations.csv", 4, "source"),
        ("evaluations.csv", 5, "score"),
        ("evaluations.csv", 6, "score"),
        ("evaluations.csv", 6, "raters"),
    }
    with st.transaction() as s:
        assert s.scalar(select(func.count()).select_from(CadreEvaluationRow)) == 0


def test_missing_column_and_latest_row_wins(small: tuple[Store, Path], tmp_path: Path) -> None:
    st, csv = small
    bad = tmp_path / "e.csv"
    bad.write_text("person_id,period,score\nA,2025,80\n", encoding="utf-8")
    with pytest.raises(DataError) as err, st.transaction() as s:
        import_evaluations(s, bad, BY)
    assert "source" in err.value.problems[0][3]
    again = tmp_path / "again.csv"
    again.write_text("person_id,period,source,score\nA,2025,party,66\n", encoding="utf-8")
    with st.transaction() as s:
        assert import_evaluations(s, csv, BY) == 7
        assert import_evaluations(s, again, BY) == 1
        assert latest_evaluations(s)[("A", "2025")] == {"party": 66.0, "peer": 70.0, "mass": 60.0}
