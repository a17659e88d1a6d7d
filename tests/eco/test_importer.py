"""CSV import: all or nothing, every problem named by file, row and column."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from zhengji.eco import service as sv
from zhengji.eco.gep import default_prices
from zhengji.eco.importer import gep_accounts, gep_inputs, import_dir
from zhengji.errors import DataError
from zhengji.store.schema_eco import EcoEntryRow, EcoHolderRow

from .conftest import World

PEOPLE = "person_id,household_id,name\np1,hh1,张某甲\np2,hh1,张某乙\ni1,,检查员\nr1,,复核员\n"
HOLDERS = (
    "holder_id,kind,village_id,township_id,county_id,household_id,person_id,name\n"
    "X1,household,v1,t1,jiangkou,hh1,p1,张某甲户\nX2,enterprise,v1,t1,jiangkou,,,某茶业公司\n"
)
AWARDS = (
    "holder_id,item_id,period,inspector_id,awarded_at,photo_ref,lat,lon,evidence_at,device_id,signed_by,signed_at\n"
    "X1,stove_electric,2025,i1,2025-03-01T10:00,p1.jpg,27.7,108.8,2025-03-01T10:00,d1,r1,2025-03-02T10:00\n"
    "X2,organic_certified,2025,i1,2025-04-01T10:00,p2.jpg,,,2025-04-01T10:00,d1,r1,2025-04-02T10:00\n"
)
GEP = (
    "unit_id,year,service,quantity,unit,source\n"
    "jiangkou,2024,water_conservation,3.0,亿m³,水文站\njiangkou,2024,gdp,120,亿元,统计年鉴\n"
    "jiangkou,2025,water_conservation,3.3,亿m³,水文站\njiangkou,2025,gdp,126,亿元,统计年鉴\n"
)


def write(d: Path, **files: str) -> Path:
    d.mkdir(exist_ok=True)
    for name, body in files.items():
        (d / f"{name}.csv").write_text(body, encoding="utf-8")
    return d


def test_import_everything(world: World, tmp_path: Path) -> None:
    d = write(tmp_path / "in", people=PEOPLE, holders=HOLDERS, awards=AWARDS, gep_inputs=GEP)
    with world.store.transaction() as s:
        n = import_dir(s, d, world.rb_pk, world.rb, "test")
        assert (n.people, n.holders, n.awards, n.gep_inputs) == (4, 2, 2, 4)
        bal = sv.holder_balances(
            s,
            world.rb,
            __import__("datetime").datetime(2025, 6, 1, tzinfo=__import__("datetime").UTC),
        )
        inputs = gep_inputs(s)
    assert bal["X1"].points == 5 and bal["X2"].points == 12
    accs, gdp = gep_accounts(inputs, default_prices())
    assert accs[1].total() == pytest.approx(3.3e8 * 6.1107)
    assert gdp["jiangkou"]["2025"] == pytest.approx(126e8)


def test_bad_rows_named_and_nothing_written(world: World, tmp_path: Path) -> None:
    bad = AWARDS.replace(
        "X1,stove_electric,2025,i1", "X1,stove_electric,2025,p2"
    )  # household member
    bad = bad.replace("p2.jpg", "")  # organic_certified needs a photo
    bad += "X9,nope,2025,i1,2025-05-01T10:00,,,,,,,\n"
    gep = GEP.replace("3.3,亿m³", "3.3,t")
    d = write(tmp_path / "bad", people=PEOPLE, holders=HOLDERS, awards=bad, gep_inputs=gep)
    with pytest.raises(DataError) as ei, world.store.transaction() as s:
        import_dir(s, d, world.rb_pk, world.rb, "test")
    where = {(f, r, c) for f, r, c, _ in ei.value.problems}
    assert ("awards.csv", 2, "inspector_id") in where
    assert ("awards.csv", 3, "photo_ref") in where
    assert ("awards.csv", 4, "item_id") in where
    assert ("gep_inputs.csv", 4, "unit") in where
    with world.store.transaction() as s:
        assert s.scalar(select(func.count()).select_from(EcoHolderRow)) == 2  # only the fixture's
        assert s.scalar(select(func.count()).select_from(EcoEntryRow)) == 0
