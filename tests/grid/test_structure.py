"""Structure import: CSV and XLSX, hierarchy checks with file/row/column, nothing stored on
error, idempotent re-import."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select
from tests.grid.conftest import FILES, World, write_files

from zhengji.errors import DataError
from zhengji.grid.importer import read_structure
from zhengji.grid.roster import erase_person, locate_grid, store_structure
from zhengji.store import Store
from zhengji.store.schema_grid import (
    GridHouseholdRow,
    GridPersonRow,
    GridRoleRow,
    GridVillageRow,
)


def test_import_stores_the_tree(world: World) -> None:
    with world.store.transaction() as s:
        assert s.scalar(select(func.count(GridHouseholdRow.id))) == 6
        assert s.scalar(select(func.count(GridRoleRow.id))) == 12
        w = locate_grid(s, "g3")
        assert (w.village_id, w.township_id, w.county_id) == ("v2", "t2", "c1")
        assert s.get(GridVillageRow, "v1").county_id == "c1"  # type: ignore[union-attr]


def test_reimport_of_same_files_adds_nothing(world: World, tmp_path: Path) -> None:
    structure = read_structure(write_files(tmp_path / "again", FILES))
    with world.store.transaction() as s:
        n = store_structure(s, structure)
    assert (n.villages, n.households, n.people, n.roles) == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("table", "old", "new", "where"),
    [
        ("households", "h6,k3,5", "h6,k9,5", ("households", 7, "group_id")),
        ("households", "h6,k3,5", "h6,k3,5\nh6,k3,5", ("households", 7, "id")),
        ("groups", "k1,一组,g1,h1", "k1,一组,g1,h4", ("groups", 2, "lead_household_id")),
        ("villages", "v2,二社区,t2", "v2,二社区,t9", ("villages", 3, "township_id")),
        (
            "people",
            "m1,调解员甲,,mediator,v1,part_time,",
            "m1,调解员甲,,mediator,v1,,",
            ("people", 6, "mode"),
        ),
        (
            "people",
            "w3,网格员丙,,grid_worker,g3",
            "w3,网格员丙,,grid_worker,v2",
            ("people", 4, "unit_id"),
        ),
    ],
)
def test_bad_hierarchy_names_the_cell_and_stores_nothing(
    bare: Store, tmp_path: Path, table: str, old: str, new: str, where: tuple[str, int, str]
) -> None:
    files = dict(FILES)
    assert old in files[table]
    files[table] = files[table].replace(old, new)
    with pytest.raises(DataError) as exc, bare.transaction() as s:
        store_structure(s, read_structure(write_files(tmp_path / "bad", files)))
    assert where in [(f, r, c) for f, r, c, _ in exc.value.problems]
    with bare.transaction() as s:
        assert s.scalar(select(func.count(GridVillageRow.id))) == 0
        assert s.scalar(select(func.count(GridPersonRow.id))) == 0


def test_bad_numbers_and_missing_columns_are_reported(tmp_path: Path) -> None:
    files = dict(FILES)
    files["households"] = files["households"].replace("h2,k1,2", "h2,k1,两")
    files["grids"] = files["grids"].replace("grid_id,name,village_id", "grid_id,name,village")
    with pytest.raises(DataError) as exc:
        read_structure(write_files(tmp_path / "bad", files))
    places = {(f, r, c) for f, r, c, _ in exc.value.problems}
    assert ("grids.csv", 1, "village_id") in places
    files["grids"] = FILES["grids"]
    with pytest.raises(DataError) as exc:
        read_structure(write_files(tmp_path / "bad2", files))
    assert ("households.csv", 3, "members") in {(f, r, c) for f, r, c, _ in exc.value.problems}


def test_xlsx_workbook_imports_like_csv(bare: Store, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for name, body in FILES.items():
        ws = wb.create_sheet(name)
        for line in body.strip().splitlines():
            ws.append(line.split(","))
    path = tmp_path / "grid.xlsx"
    wb.save(path)
    with bare.transaction() as s:
        n = store_structure(s, read_structure(path))
    assert (n.villages, n.grids, n.groups, n.households, n.people) == (2, 3, 3, 6, 12)


def test_erasing_a_person_keeps_roles(world: World) -> None:
    with world.store.transaction() as s:
        erase_person(s, "w1", "admin", "本人申请 PIPL art. 47")
    with world.store.transaction() as s:
        p = s.get(GridPersonRow, "w1")
        assert p is not None and p.name is None and p.phone is None and p.erased_at is not None
        assert (
            s.scalar(select(func.count(GridRoleRow.id)).where(GridRoleRow.person_id == "w1")) == 1
        )
