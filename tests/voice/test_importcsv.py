"""Import of a 12345 platform's CSV export: all or nothing, errors name file/line/column."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhengji.errors import DataError
from zhengji.store import Store
from zhengji.voice.importcsv import import_csv
from zhengji.voice.limits import default_limits
from zhengji.voice.requests import count_requests
from zhengji.voice.units import load_units
from zhengji.voice.views import events

HEADER = "工单编号,受理时间,服务类型,区县,乡镇,诉求内容,电话,签收时间,办结时间,满意度,是否解决\n"
GOOD = (
    HEADER
    + "GD001,2025-03-03 09:00,road_repair,bijiang,bijiang_t1,路灯不亮,13700000000,2025-03-03 10:00,2025-03-04 16:00,3,是\n"
    + "GD002,2025-03-04 11:00,sanitation,bijiang,bijiang_t2,垃圾未清运,,2025-03-04 12:00,,,\n"
    + "GD003,2025-03-05 08:30,policy_consult,wanshan,,社保政策咨询,,,,,\n"
)


def run(store: Store, path: Path) -> tuple[int, int]:
    with store.transaction() as s:
        r = import_csv(s, path, load_units(s), default_limits(), "导入员")
    return r.added, r.unchanged


def test_import_and_reimport(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "export.csv"
    f.write_text(GOOD, encoding="utf-8")
    assert run(store, f) == (3, 0)
    assert run(store, f) == (0, 3)  # the same tickets again change nothing
    with store.transaction() as s:
        assert count_requests(s) == 3
        assert [e.action for e in events(s, 1)] == [
            "accept",
            "dispatch",
            "sign",
            "complete",
            "callback_satisfied",
        ]


def test_errors_name_file_line_column_and_nothing_is_stored(store: Store, tmp_path: Path) -> None:
    bad = (
        HEADER
        + "GD001,2025-03-03 09:00,road_repair,bijiang,bijiang_t1,ok,,,,,\n"
        + "GD002,yesterday,road_repair,bijiang,,x,,,,,\n"
        + "GD003,2025-03-03 09:00,teleport,mars,,x,,,,,\n"
        + "GD001,2025-03-03 09:00,road_repair,bijiang,,x,,,2025-03-04,4,\n"
    )
    f = tmp_path / "bad.csv"
    f.write_text(bad, encoding="utf-8")
    with pytest.raises(DataError) as err:
        run(store, f)
    where = {(p[0], p[1], p[2]) for p in err.value.problems}
    assert ("bad.csv", 3, "受理时间") in where
    assert ("bad.csv", 4, "服务类型") in where and ("bad.csv", 4, "区县") in where
    assert ("bad.csv", 5, "工单编号") in where and ("bad.csv", 5, "满意度") in where
    assert ("bad.csv", 5, "签收时间") in where
    assert "第3行" in str(err.value)
    with store.transaction() as s:
        assert count_requests(s) == 0


def test_missing_columns(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "cols.csv"
    f.write_text("工单编号,诉求内容\nA,b\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        run(store, f)
    assert {p[2] for p in err.value.problems} == {"受理时间", "服务类型", "区县"}
