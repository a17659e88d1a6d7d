"""CSV import: the demo files round-trip exactly; errors name file, line and column; a bad
bundle stores nothing; changing a stored record needs a correction reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from zhengji.accountability import service
from zhengji.accountability.importer import import_records
from zhengji.demo.accountability import accountability_files, demo_records
from zhengji.errors import DataError
from zhengji.ledger.log import size
from zhengji.ledger.verify import verify_ledger
from zhengji.store import Store
from zhengji.store.schema_accountability import PersonRow


@pytest.fixture
def files(tmp_path: Path) -> Path:
    d = tmp_path / "acc"
    for name, data in accountability_files(prefix="").items():
        (d / name).parent.mkdir(parents=True, exist_ok=True)
        (d / name).write_bytes(data)
    return d


def test_demo_files_import_to_exactly_the_demo_records(store: Store, files: Path) -> None:
    with store.transaction() as s:
        summary = import_records(s, files, "录入员")
    demo = demo_records()
    assert summary.added == len(demo.records) == size_of(store)
    assert summary.by_kind["decision"] == 50 and summary.by_kind["project"] == 40
    with store.transaction() as s:
        got = service.load_records(s)
        want = demo.as_records()
        for field in ("tenures", "decisions", "projects", "acceptances", "outcomes", "cases"):
            assert sorted(map(repr, getattr(got, field))) == sorted(map(repr, getattr(want, field)))
        assert verify_ledger(s).problem_count == 0
    with store.transaction() as s:
        again = import_records(s, files, "录入员")
    assert (again.added, again.corrected, again.unchanged) == (0, 0, len(demo.records))


def size_of(st: Store) -> int:
    with st.transaction() as s:
        return size(s)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_errors_name_file_line_and_column_and_nothing_is_stored(store: Store, files: Path) -> None:
    _edit(files / "tenures.csv", "party_secretary", "mayor")  # line 2, column post
    _edit(files / "projects.csv", ",in_use,", ",in_use_maybe,")
    lines = (files / "decisions.csv").read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("2023-", "2023/", 1)  # line 4: a date in the wrong format
    (files / "decisions.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as err, store.transaction() as s:
        import_records(s, files, "录入员")
    problems = err.value.problems
    assert ("tenures.csv", 2, "post") in {p[:3] for p in problems}
    assert any(p[0] == "projects.csv" and p[2] == "status" for p in problems)
    assert any(p[0] == "decisions.csv" and p[1] == 4 and p[2] == "held_on" for p in problems)
    assert "未导入任何内容" in str(err.value) and "第2行 (row 2)" in str(err.value)
    with store.transaction() as s:
        assert size(s) == 0
        assert s.scalar(select(func.count()).select_from(PersonRow)) == 6  # the fixture's only


def test_unknown_references_and_columns(store: Store, tmp_path: Path) -> None:
    d = tmp_path / "b"
    d.mkdir()
    (d / "tenures.csv").write_text(
        "code,person_id,unit_id,post,start,colour\nT1,ghost,u1,party_secretary,2020-01-01,red\n",
        encoding="utf-8",
    )
    (d / "outcomes.csv").write_text(
        "code,unit_id,observed_on,kind,points,description,project_code\n"
        "O1,u1,2024-01-01,bad,-3,坏,P404\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as err, store.transaction() as s:
        import_records(s, d, "录入员")
    where = {p[:3] for p in err.value.problems}
    assert ("tenures.csv", 1, "colour") in where
    d2 = tmp_path / "c"
    shutil.copytree(d, d2)
    (d2 / "tenures.csv").write_text(
        "code,person_id,unit_id,post,start\nT1,ghost,u1,party_secretary,2020-01-01\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as err, store.transaction() as s:
        import_records(s, d2, "录入员")
    where = {p[:3] for p in err.value.problems}
    assert ("tenures.csv", 2, "person_id") in where
    assert ("outcomes.csv", 2, "project_code") in where
    assert ("outcomes.csv", 2, "points") in where


def test_changed_row_needs_correction_reason(store: Store, files: Path) -> None:
    with store.transaction() as s:
        import_records(s, files, "录入员")
    n = size_of(store)
    _edit(files / "outcomes.csv", "验收后长期闲置", "验收后基本闲置")
    with pytest.raises(DataError) as err, store.transaction() as s:
        import_records(s, files, "录入员")
    assert any(p[0] == "outcomes.csv" and p[2] == "correction_reason" for p in err.value.problems)
    assert size_of(store) == n
    text = (files / "outcomes.csv").read_text(encoding="utf-8").splitlines()
    text[0] += ",correction_reason"
    text[1:] = [line + (",核查后更正表述" if "基本闲置" in line else ",") for line in text[1:]]
    (files / "outcomes.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    with store.transaction() as s:
        summary = import_records(s, files, "复核员")
    assert (summary.added, summary.corrected) == (0, 1)
    with store.transaction() as s:
        assert verify_ledger(s).problem_count == 0
