"""Loading bundles: the panel built from valid files, and one test per validation rule."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from zhengji.bundle import load_bundle, write_bundle, write_workbook
from zhengji.bundle.validate import MAX_PROBLEMS
from zhengji.engine.panel import Panel, VetoEvent
from zhengji.errors import DataError, SchemeError

from .conftest import MakeBundle
from .samples import CATEGORIES, OBSERVATIONS, SCHEME, UNITS, VETOES


def problem_of(exc: DataError, file: str, row: int | None, column: str | None) -> str:
    """The message of the problem at (file, row, column); also checks the rendered text."""
    found = [p for p in exc.problems if p[:3] == (file, row, column)]
    assert found, f"no problem at {file} row {row} column {column}: {exc.problems}"
    where = file + (f", 第{row}行 (row {row})" if row is not None else "")
    where += f", 列 column '{column}'" if column else ""
    assert where in str(exc)
    return found[0][3]


def assert_panels_equal(a: Panel, b: Panel) -> None:
    assert a.unit_ids == b.unit_ids
    assert a.unit_names == b.unit_names
    assert a.categories == b.categories
    assert a.periods == b.periods
    assert a.variables == b.variables
    assert a.parents == b.parents
    assert a.levels == b.levels
    assert dict(a.attributes) == dict(b.attributes)
    assert a.events == b.events
    assert a.synthetic == b.synthetic
    assert np.array_equal(a.values, b.values, equal_nan=True)


def add_obs(line: str) -> str:
    return OBSERVATIONS + line + "\n"


# --- valid bundles ------------------------------------------------------------------------------
def test_valid_bundle_builds_panel(make_bundle: MakeBundle) -> None:
    b = load_bundle(make_bundle(vetoes=VETOES))
    p = b.panel
    assert p.unit_ids == ("c1", "c2", "c3")
    assert p.unit_names == ("甲县", "乙县", "丙县")
    assert p.periods == ("2023", "2024")
    assert p.variables == ("gdp", "sat", "pop")  # indicators, then denominators
    assert p.parents == ("", "c1", "")
    assert p.levels == ("county",) * 3
    assert dict(p.attributes) == {"region": ("north", "south", "north")}
    t24 = p.period_index("2024")
    assert p.values[t24, 1, 0] == 120.0  # " 1.2e2 " with spaces
    assert p.values[t24, 1, 1] == 0.5  # ".5"
    assert p.values[t24, 2, 0] == -3.5
    assert p.values[t24, 0, 2] == 12.5
    assert math.isnan(p.values[p.period_index("2023"), 1, 0])  # never observed
    assert int(np.isnan(p.values).sum()) == 2 * 3 * 3 - 7
    assert p.events == (VetoEvent("c2", "2024", "fraud", "统计数据造假", "督查通报〔2024〕1号"),)
    assert len(b.observations) == 7
    first = b.observations[0]
    assert (first.unit_id, first.value, first.row, dict(first.extra)) == (
        "c1",
        100.5,
        2,
        {"evidence": "统计公报"},
    )
    assert dict(b.observations[1].extra) == {}  # empty extra cells are not kept
    assert len(b.fingerprint) == 64


def test_csv_with_and_without_bom_load_the_same(make_bundle: MakeBundle) -> None:
    plain = load_bundle(make_bundle(bom=False))
    bom = load_bundle(make_bundle(bom=True))
    assert bom.units[0].unit_id == "c1"  # the BOM did not leak into the first header
    assert_panels_equal(plain.panel, bom.panel)
    assert plain.fingerprint == bom.fingerprint


def test_fingerprint_ignores_row_order_but_not_values(make_bundle: MakeBundle) -> None:
    base = load_bundle(make_bundle()).fingerprint
    head, *rows = OBSERVATIONS.strip().split("\n")
    shuffled = "\n".join([head, *reversed(rows)]) + "\n"
    uhead, *urows = UNITS.strip().split("\n")
    units = "\n".join([uhead, urows[2], urows[0], urows[1]]) + "\n"
    assert load_bundle(make_bundle(units=units, observations=shuffled)).fingerprint == base
    changed = OBSERVATIONS.replace("c3,2024,gdp,-3.5", "c3,2024,gdp,-3.6")
    assert load_bundle(make_bundle(observations=changed)).fingerprint != base


def test_write_bundle_round_trip_from_mappings(tmp_path: Path) -> None:
    d = write_bundle(
        tmp_path / "b",
        [{"unit_id": "u1", "name": "一", "region": "n"}, {"unit_id": "u2", "name": "二"}],
        [
            {
                "unit_id": "u1",
                "period": "2024-Q1",
                "indicator_id": "gdp",
                "value": 0.1,
                "source": "statistics",
            },
            {
                "unit_id": "u2",
                "period": "2024-Q1",
                "indicator_id": "gdp",
                "value": 1 / 3,
                "source": "statistics",
                "evidence": "=SUM(A1)",
            },
        ],
        SCHEME,
        vetoes=[VetoEvent("u2", "2024-Q1", "fraud", "理由")],
    )
    assert (d / "units.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    b = load_bundle(d)
    assert b.panel.values[0, 1, 0] == 1 / 3  # repr round-trips floats exactly
    assert b.panel.attribute("region") == ("n", "")
    assert b.observations[1].extra == {"evidence": "=SUM(A1)"}
    assert b.events[0].reason == "理由"


# --- XLSX --------------------------------------------------------------------------------------
def test_xlsx_round_trip_same_panel_and_fingerprint(
    make_bundle: MakeBundle, tmp_path: Path
) -> None:
    b = load_bundle(make_bundle(vetoes=VETOES))
    book = write_workbook(tmp_path / "out" / "book.xlsx", b)
    again = load_bundle(book)
    assert_panels_equal(b.panel, again.panel)
    assert again.fingerprint == b.fingerprint
    assert again.scheme_text == b.scheme_text


def test_xlsx_in_directory_with_scheme_toml_beside(make_bundle: MakeBundle, tmp_path: Path) -> None:
    b = load_bundle(make_bundle())
    d = tmp_path / "xl"
    book = write_workbook(d / "data.xlsx", b)
    wb = openpyxl.load_workbook(book)
    del wb["scheme"]
    wb.save(book)
    (d / "scheme.toml").write_text(SCHEME, encoding="utf-8")
    assert load_bundle(d).fingerprint == b.fingerprint


def test_xlsx_numeric_period_cell_reads_as_year(make_bundle: MakeBundle, tmp_path: Path) -> None:
    """Excel stores a typed 2024 as the number 2024.0; it must read back as period '2024'."""
    b = load_bundle(make_bundle())
    book = write_workbook(tmp_path / "book.xlsx", b)
    wb = openpyxl.load_workbook(book)
    ws = wb["observations"]
    for row in range(2, ws.max_row + 1):
        ws.cell(row=row, column=2).value = float(ws.cell(row=row, column=2).value)
    wb.save(book)
    assert load_bundle(book).fingerprint == b.fingerprint


def test_xlsx_bad_cell_names_sheet_row_column(make_bundle: MakeBundle, tmp_path: Path) -> None:
    book = write_workbook(tmp_path / "book.xlsx", load_bundle(make_bundle()))
    wb = openpyxl.load_workbook(book)
    wb["observations"].cell(row=4, column=4).value = "十二"
    wb.save(book)
    with pytest.raises(DataError) as err:
        load_bundle(book)
    assert "不是数字" in problem_of(err.value, "book.xlsx[observations]", 4, "value")


def test_xlsx_missing_sheet(make_bundle: MakeBundle, tmp_path: Path) -> None:
    book = write_workbook(tmp_path / "book.xlsx", load_bundle(make_bundle()))
    wb = openpyxl.load_workbook(book)
    del wb["units"]
    wb.save(book)
    with pytest.raises(DataError) as err:
        load_bundle(book)
    assert "missing sheet 'units'" in problem_of(err.value, "book.xlsx[units]", None, None)


# --- files -------------------------------------------------------------------------------------
def test_missing_file_is_named(make_bundle: MakeBundle) -> None:
    with pytest.raises(DataError) as err:
        load_bundle(make_bundle(units=None))
    assert "missing file" in problem_of(err.value, "units.csv", None, None)


def test_gbk_csv_is_rejected_with_a_hint(make_bundle: MakeBundle) -> None:
    d = make_bundle()
    (d / "units.csv").write_bytes(UNITS.encode("gbk"))
    with pytest.raises(DataError) as err:
        load_bundle(d)
    assert "CSV UTF-8" in problem_of(err.value, "units.csv", None, None)


def test_invalid_scheme_raises_scheme_error(make_bundle: MakeBundle) -> None:
    bad = SCHEME.replace('parent = "eco"\ndenom', 'parent = "x"\ndenom')
    assert bad != SCHEME
    with pytest.raises(SchemeError, match=r"scheme\.toml"):
        load_bundle(make_bundle(scheme=bad))


# --- units rules -------------------------------------------------------------------------------
def test_units_missing_required_column(make_bundle: MakeBundle) -> None:
    units = UNITS.replace("parent_id,level,category", "parent_id,category,x")
    with pytest.raises(DataError) as err:
        load_bundle(make_bundle(units=units))
    assert "missing required column 'level'" in problem_of(err.value, "units.csv", 1, "level")


def test_units_duplicate_id(make_bundle: MakeBundle) -> None:
    with pytest.raises(DataError) as err:
        load_bundle(make_bundle(units=UNITS + "c2,又一个,,county,,north\n"))
    assert "first on row 3" in problem_of(err.value, "units.csv", 5, "unit_id")


def test_units_empty_id(make_bundle: MakeBundle) -> None:
    with pytest.raises(DataError) as err:
        load_bundle(make_bundle(units=UNITS + ",无编号,,county,,north\n"))
    assert "unit_id is empty" in problem_of(err.value, "units.csv", 5, "unit_id")


def test_units_unknown_parent(make_bundle: MakeBundle) -> None:
    with pytest.raises(DataError) as err:
        load_bundle(make_bundle(units=UNITS + "c4,丁县,zz,county,,north\n"))
    assert "'zz'" in problem_of(err.value, "units.csv", 5, "parent_id")


def test_units_parent_cycle(make_bundle: MakeBundle) -> None:
    units = UNITS.replace("c1,甲县,,", "c1,甲县,c2,")
    with pytest.raises(DataError) as err:
        load_bundle(make_bundle(units=units))
    assert "cycle" in problem_of(err.value, "units.csv", 2, "parent_id")


def test_units_undeclared_category(make_bundle: MakeBundle) -> None:
    units = UNITS.replace(",county,,", ",county,urban,")
    units = units.replace("c3,丙县,,county,urban", "c3,丙县,,county,rural")
    with pytest.raises(DataError) as err:
        load_bundle(make_bundle(units=units, scheme=SCHEME + CATEGORIES))
    assert "'rural'" in problem_of(err.value, "units.csv", 4, "category")


def test_units_need_a_category_when_scheme_declares_them(make_bundle: MakeBundle) -> None:
    units = UNITS.replace(",county,,", ",county,urban,", 2)
    with pytest.raises(DataError) as err:
        load_bundle(make_bundle(units=units, scheme=SCHEME + CATEGORIES))
    assert "needs one of" in problem_of(err.value, "units.csv", 4, "category")
    assert len(err.value.problems) == 1


def test_context_units_of_other_levels_need_no_category(make_bundle: MakeBundle) -> None:
    """c1 is a city above the assessed counties: its category belongs to another scheme."""
    units = UNITS.replace("c1,甲县,,county,,", "c1,甲市,,city,whatever,")
    units = units.replace(",county,,", ",county,urban,")
    scheme = SCHEME.replace('name = "测试"\n', 'name = "测试"\nlevels = ["county"]\n', 1)
    b = load_bundle(make_bundle(units=units, scheme=scheme + CATEGORIES))
    assert b.panel.levels == ("city", "county", "county")
    with pytest.raises(DataError) as err:  # an assessed unit still needs a declared category
        load_bundle(
            make_bundle(
                units=units.replace("c3,丙县,,county,urban", "c3,丙县,,county,"),
                scheme=scheme + CATEGORIES,
            )
        )
    assert "needs one of" in problem_of(err.value, "units.csv", 4, "category")


def test_units_categories_free_when_scheme_declares_none(make_bundle: MakeBundle) -> None:
    b = load_bundle(make_bundle(units=UNITS.replace(",county,,", ",county,平原,")))
    assert b.panel.categories == ("平原",) * 3


# --- observations rules ------------------------------------------------------------------------
def test_observations_missing_required_column(make_bundle: MakeBundle) -> None:
    obs = OBSERVATIONS.replace(",source,", ",origin,")
    with pytest.raises(DataError) as err:
        load_bundle(make_bundle(observations=obs))
    assert "'source'" in problem_of(err.value, "observations.csv", 1, "source")


def test_observations_unknown_unit(make_bundle: MakeBundle) -> None:
    with pytest.raises(DataError) as err:
        load_bundle(make_bundle(observations=add_obs("c9,2024,gdp,1,statistics,")))
    assert "'c9'" in problem_of(err.value, "observations.csv", 9, "unit_id")


def test_observations_unknown_indicator(make_bundle: MakeBundle) -> None:
    with pytest.raises(DataError) as err:
        load_bundle(make_bundle(observations=add_obs("c3,2024,eco,1,statistics,")))
    assert "'eco'" in problem_of(err.value, "observations.csv", 9, "indicator_id")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("abc", "不是数字"),
        ('"1,234.5"', "thousands separators"),
        ("nan", "不是数字"),
        ("inf", "不是数字"),
        ("1_000", "不是数字"),
        ("１２", "不是数字"),  # full-width digits
        ("1e999", "finite"),
    ],
)
def test_observations_value_not_a_finite_number(
    make_bundle: MakeBundle, cell: str, expected: str
) -> None:
    with pytest.raises(DataError) as err:
        load_bundle(make_bundle(observations=add_obs(f"c3,2024,sat,{cell},mass_evaluation,")))
    assert expected in problem_of(err.value, "observations.csv", 9, "value")


def test_observations_empty_value(make_bundle: MakeBundle) -> None:
    with pytest.raises(DataError) as err:
        load_bundle(make_bundle(observations=add_obs("c3,2024,sat,  ,mass_evaluation,")))
    msg = problem_of(err.value, "observations.csv", 9, "value")
    assert "omit the row for a missing value" in msg


def test_observations_unknown_source(make_bundle: MakeBundle) -> None:
    with pytest.raises(DataError) as err:
        load_bundle(make_bundle(observations=add_obs("c3,2024,sat,1,survey,")))
    assert "'survey'" in problem_of(err.value, "observations.csv", 9, "source")


def test_observations_source_differs_from_scheme(make_bundle: MakeBundle) -> None:
    with pytest.raises(DataError) as err:
        load_bundle(make_bundle(observations=add_obs("c3,2024,sat,1,statistics,")))
    msg = problem_of(err.value, "observations.csv", 9, "source")
    assert "'mass_evaluation'" in msg and "'statistics'" in msg


def test_observations_denominator_takes_any_source(make_bundle: MakeBundle) -> None:
    b = load_bundle(make_bundle(observations=add_obs("c3,2024,pop,7,party_committee,")))
    assert b.panel.values[1, 2, 2] == 7.0


def test_observations_duplicate_key(make_bundle: MakeBundle) -> None:
    with pytest.raises(DataError) as err:
        load_bundle(make_bundle(observations=add_obs("c1,2024,gdp,111,statistics,")))
    assert "first on row 3" in problem_of(err.value, "observations.csv", 9, "indicator_id")


@pytest.mark.parametrize("period", ["24", "2024-Q5", "2024-13", "2024-1", "2024-01-01", "2024q1"])
def test_observations_bad_period(make_bundle: MakeBundle, period: str) -> None:
    with pytest.raises(DataError) as err:
        load_bundle(make_bundle(observations=add_obs(f"c3,{period},gdp,1,statistics,")))
    assert "YYYY-Qn" in problem_of(err.value, "observations.csv", 9, "period")


def test_observations_mixed_period_formats(make_bundle: MakeBundle) -> None:
    with pytest.raises(DataError) as err:
        load_bundle(make_bundle(observations=add_obs("c3,2024-Q1,gdp,1,statistics,")))
    assert "row 2 uses YYYY" in problem_of(err.value, "observations.csv", 9, "period")


@pytest.mark.parametrize("period", ["2024-Q1", "2024-06"])
def test_observations_quarterly_and_monthly_periods(make_bundle: MakeBundle, period: str) -> None:
    obs = "unit_id,period,indicator_id,value,source\n" + f"c1,{period},gdp,1,statistics\n"
    assert load_bundle(make_bundle(observations=obs)).panel.periods == (period,)


def test_all_problems_are_collected(make_bundle: MakeBundle) -> None:
    obs = add_obs("c9,2024,gdp,x,statistics,") + "c1,2024,sat,,derived,\n"
    with pytest.raises(DataError) as err:
        load_bundle(make_bundle(observations=obs, units=UNITS + "c4,丁县,zz,county,,\n"))
    where = {(p[0], p[1], p[2]) for p in err.value.problems}
    assert where == {
        ("units.csv", 5, "parent_id"),
        ("observations.csv", 9, "unit_id"),
        ("observations.csv", 9, "value"),
        ("observations.csv", 10, "value"),
        ("observations.csv", 10, "source"),
        ("observations.csv", 10, "indicator_id"),  # duplicate of row 6
    }


def test_problem_list_is_capped(make_bundle: MakeBundle) -> None:
    bad = "".join(f"c1,{2000 + i % 20},sat,bad{i},mass_evaluation,\n" for i in range(1200))
    with pytest.raises(DataError) as err:
        load_bundle(make_bundle(observations=OBSERVATIONS + bad))
    assert len(err.value.problems) == MAX_PROBLEMS + 1
    assert "more problems not listed" in err.value.problems[-1][3]


# --- vetoes rules ------------------------------------------------------------------------------
def test_vetoes_unknown_veto_id(make_bundle: MakeBundle) -> None:
    with pytest.raises(DataError) as err:
        load_bundle(make_bundle(vetoes=VETOES + "c1,2024,bribery,理由,\n"))
    assert "'bribery'" in problem_of(err.value, "vetoes.csv", 3, "veto_id")


def test_vetoes_need_reason_and_known_unit(make_bundle: MakeBundle) -> None:
    with pytest.raises(DataError) as err:
        load_bundle(make_bundle(vetoes=VETOES + "c9,2024,fraud,,\n"))
    assert "reason" in problem_of(err.value, "vetoes.csv", 3, "reason")
    assert "'c9'" in problem_of(err.value, "vetoes.csv", 3, "unit_id")


def test_vetoes_period_format_follows_observations(make_bundle: MakeBundle) -> None:
    with pytest.raises(DataError) as err:
        load_bundle(make_bundle(vetoes=VETOES + "c1,2024-Q2,fraud,理由,\n"))
    assert "observations uses YYYY" in problem_of(err.value, "vetoes.csv", 3, "period")


def test_asem_xlsx_from_csv_has_the_same_fingerprint_and_reimports_nothing(tmp_path: Path) -> None:
    """openpyxl alone would write 16 significant digits and change 211 ASEM values."""
    from zhengji.store import Store

    root = Path(__file__).resolve().parents[2]
    csv_bundle = load_bundle(root / "examples" / "asem")
    book = write_workbook(tmp_path / "asem.xlsx", csv_bundle)
    (tmp_path / "scheme.toml").write_bytes((root / "examples/asem/scheme.toml").read_bytes())
    xlsx_bundle = load_bundle(book)
    assert xlsx_bundle.fingerprint == csv_bundle.fingerprint
    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as st:
        first = st.import_bundle(csv_bundle)
        second = st.import_bundle(xlsx_bundle)
    assert first.rows_added == 2639
    assert second.rows_added == 0


def test_old_excel_or_ods_file_gets_a_save_as_hint(tmp_path: Path) -> None:
    f = tmp_path / "data.xls"
    f.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(DataError, match=r"另存为 \.xlsx"):
        load_bundle(f)
