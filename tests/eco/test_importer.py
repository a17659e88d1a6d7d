"""CSV import: all or nothing, every problem named by file, row and column."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from zhengji.eco import service as sv
from zhengji.eco.gep import default_prices
from zhengji.eco.importer import (
    gep_accounts,
    gep_inputs,
    gep_left_out,
    import_dir,
    read_gep_csv,
    store_gep_inputs,
)
from zhengji.eco.indicators import gep_rows
from zhengji.eco.units import Quantity
from zhengji.errors import DataError
from zhengji.store.schema_eco import EcoEntryRow, EcoGepInputRow, EcoHolderRow

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


# --- GEP inputs: any file name, every value checked (review of issue 8) ------------------------
HEAD = "unit_id,year,service,quantity,unit,source\n"
OK_ROW = "jiangkou,2023,recreation,350,万人次,旅游局\n"
BAD_GEP = [
    ("jiangkou,2024,recreation,-350,万人次,typo\n", "quantity"),
    ("jiangkou,2024,recreation,nan,万人次,x\n", "quantity"),
    ("jiangkou,2024,recreation,inf,万人次,x\n", "quantity"),
    ("jiangkou,2024,gdp,0,亿元,x\n", "quantity"),
    (",2024,recreation,350,万人次,x\n", "unit_id"),
    ("jiangkou,二〇二四,recreation,350,万人次,x\n", "year"),
    ("jiangkou,20x4,recreation,350,万人次,x\n", "year"),
    ("jiangkou,２０２４,recreation,350,万人次,x\n", "year"),  # full-width digits
]


def test_gep_csv_of_any_name_and_a_folder(tmp_path: Path) -> None:
    f = tmp_path / "gep_good.csv"
    f.write_text(GEP, encoding="utf-8")
    got = read_gep_csv(f)
    assert got["jiangkou", "2025"]["water_conservation"] == Quantity(3.3, "亿m³")
    d = write(tmp_path / "dir", gep_inputs=GEP)
    assert read_gep_csv(d / "gep_inputs.csv") == got


@pytest.mark.parametrize(("row", "field"), BAD_GEP)
def test_gep_csv_refuses_bad_values(tmp_path: Path, row: str, field: str) -> None:
    f = tmp_path / "mine.csv"
    f.write_text(HEAD + OK_ROW + row, encoding="utf-8")
    with pytest.raises(DataError) as ei:
        read_gep_csv(f)
    assert [p[:3] for p in ei.value.problems] == [("mine.csv", 3, field)]


@pytest.mark.parametrize(("row", "field"), BAD_GEP)
def test_gep_import_refuses_bad_values(world: World, tmp_path: Path, row: str, field: str) -> None:
    d = write(tmp_path / "in", gep_inputs=HEAD + OK_ROW + row)
    with pytest.raises(DataError) as ei, world.store.transaction() as s:
        import_dir(s, d, world.rb_pk, world.rb, "test")
    assert [p[:3] for p in ei.value.problems] == [("gep_inputs.csv", 3, field)]
    with world.store.transaction() as s:
        assert s.scalar(select(func.count()).select_from(EcoGepInputRow)) == 0


def test_gep_import_needs_a_known_unit(world: World, tmp_path: Path) -> None:
    """Units: the store's units and those of the eco-account holders (v1, t1, jiangkou)."""
    d = write(tmp_path / "in", gep_inputs=HEAD + OK_ROW + "c_a,2024,recreation,1,人次,x\n")
    with pytest.raises(DataError) as ei, world.store.transaction() as s:
        import_dir(s, d, world.rb_pk, world.rb, "test")
    ((f, n, col, msg),) = ei.value.problems
    assert (f, n, col) == ("gep_inputs.csv", 3, "unit_id") and "c_a" in msg
    # without a database any non-empty id will do
    (tmp_path / "g.csv").write_text(HEAD + "c_a,2024,recreation,1,人次,x\n", encoding="utf-8")
    assert ("c_a", "2024") in read_gep_csv(tmp_path / "g.csv")


def test_gep_same_key_twice_refused_with_both_lines(world: World, tmp_path: Path) -> None:
    """Into a fresh store the last row used to win silently; over a stored key a raw UNIQUE
    error with SQL showed."""
    twice = HEAD + "jiangkou,2024,material_products,3,亿元,a\n" + OK_ROW
    twice += "jiangkou,2024,material_products,30,亿元,b\n"
    for stored in ("", "jiangkou,2024,material_products,5,亿元,a\n"):
        with world.store.transaction() as s:
            import_dir(
                s, write(tmp_path / "a", gep_inputs=HEAD + stored), world.rb_pk, world.rb, ""
            )
        with pytest.raises(DataError) as ei, world.store.transaction() as s:
            import_dir(s, write(tmp_path / "b", gep_inputs=twice), world.rb_pk, world.rb, "t")
        ((f, n, _, msg),) = ei.value.problems
        assert (f, n) == ("gep_inputs.csv", 4) and "rows 2 and 4" in msg
    with world.store.transaction() as s:  # one row supersedes the stored one
        body = HEAD + "jiangkou,2024,material_products,7,亿元,c\n"
        import_dir(s, write(tmp_path / "c", gep_inputs=body), world.rb_pk, world.rb, "t")
        assert gep_inputs(s)["jiangkou", "2024"]["material_products"] == Quantity(7, "亿元")


def test_gep_left_out_years(world: World) -> None:
    """GDP without services is left out (not a GEP of 0); a year stored by an older version that
    is not four digits is left out, not a crash."""
    with world.store.transaction() as s:
        store_gep_inputs(
            s,
            [
                {"unit_id": "u", "year": y, "service": svc, "quantity": q, "unit": unit,
                 "source": "x"}
                for y, svc, q, unit in (
                    ("2023", "material_products", 10, "亿元"),
                    ("2023", "gdp", 100, "亿元"),
                    ("2024", "gdp", 110, "亿元"),
                    ("二〇二四", "material_products", 3, "亿元"),
                    ("2025", "material_products", 12, "亿元"),
                    ("2025", "gdp", 120, "亿元"),
                )
            ],
        )  # fmt: skip
        inputs = gep_inputs(s)
    accs, gdp = gep_accounts(inputs, default_prices())
    assert [(a.unit_id, a.year) for a in accs] == [("u", "2023"), ("u", "2025")]
    assert gdp["u"] == {"2023": 100e8, "2024": 110e8, "2025": 120e8}
    assert [(u, y) for u, y, _ in gep_left_out(inputs)] == [("u", "2024"), ("u", "二〇二四")]
    rows = gep_rows("u", {a.year: a.total() for a in accs}, gdp["u"])
    got = {(r.period, r.indicator_id): r.value for r in rows}
    assert got == {
        ("2023", "eco_gep"): 10.0,
        ("2023", "eco_gep_gdp_ratio"): 0.1,
        ("2025", "eco_gep"): 12.0,
        ("2025", "eco_gep_gdp_ratio"): 0.1,
    }  # no growth or two-way for 2025: 2024 has no GEP (before: 0, then −100 % and +inf)


# --- awards: evidence, coordinates, sign-off, period, caps --------------------------------------
ROW = "X1,no_burning,2025,i1,2025-03-01T10:00,,27.7,108.8,2025-03-01T09:00,d1,r1,2025-03-02T10:00\n"


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("2025-03-01T09:00,d1", "2099-03-01T09:00,d1", "evidence_at"),
        (",27.7,", ",97.7,", "lat"),
        (",108.8,", ",-180.5,", "lon"),
        (",27.7,", ",nan,", "lat"),
        ("r1,2025-03-02T10:00", "r1,2025-02-01T10:00", "signed_at"),
        (",2025,", ",2025年,", "period"),
        (",2025,", ",FY2025,", "period"),
        (",2025,", ",25,", "period"),
    ],
)
def test_awards_refused(world: World, tmp_path: Path, old: str, new: str, field: str) -> None:
    head = AWARDS.splitlines()[0] + "\n"
    d = write(tmp_path / "in", people=PEOPLE, holders=HOLDERS, awards=head + ROW.replace(old, new))
    with pytest.raises(DataError) as ei, world.store.transaction() as s:
        import_dir(s, d, world.rb_pk, world.rb, "test")
    assert [p[:3] for p in ei.value.problems] == [("awards.csv", 2, field)]


def test_awards_cap_overrun_named_not_a_raw_error(world: World, tmp_path: Path) -> None:
    """stove_electric: 5 points, cap 5 a year. The second award in one file, and an award over
    one already stored, are named by row, item, cap, holder and period."""
    head = AWARDS.splitlines()[0] + "\n"
    row = ROW.replace("no_burning,", "stove_electric,").replace(",,27.7", ",p.jpg,27.7")
    d = write(tmp_path / "in", people=PEOPLE, holders=HOLDERS, awards=head + row + row)
    with pytest.raises(DataError) as ei, world.store.transaction() as s:
        import_dir(s, d, world.rb_pk, world.rb, "test")
    ((f, n, col, msg),) = ei.value.problems
    assert (f, n, col) == ("awards.csv", 3, "item_id")
    assert "item stove_electric cap 5 for holder X1 in period 2025 would be exceeded" in msg
    assert "INSERT" not in str(ei.value)
    with world.store.transaction() as s:
        import_dir(s, write(tmp_path / "a", people=PEOPLE, holders=HOLDERS, awards=head + row),
                   world.rb_pk, world.rb, "t")  # fmt: skip
    with pytest.raises(DataError) as ei, world.store.transaction() as s:
        import_dir(s, write(tmp_path / "b", awards=head + row), world.rb_pk, world.rb, "t")
    assert [p[:3] for p in ei.value.problems] == [("awards.csv", 2, "item_id")]
    with world.store.transaction() as s:  # another year has its own cap
        body = head + row.replace(",2025,", ",2024,")
        n2 = import_dir(s, write(tmp_path / "c", awards=body), world.rb_pk, world.rb, "t")
    assert n2.awards == 1
