"""Time limits from TOML and the working-day calendar (statutory holidays, 调休)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from zhengji.errors import DataError
from zhengji.voice.limits import (
    CHINA,
    add_working_days,
    calendar_note,
    default_limits,
    is_workday,
    load_limits,
    working_days_between,
)


def cst(*a: int) -> dt.datetime:
    return dt.datetime(*a, tzinfo=CHINA)


def test_national_day_2025_follows_the_state_council_notice() -> None:
    """国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号): 国庆节、中秋节
    10月1日至8日放假调休，共8天；9月28日（周日）、10月11日（周六）上班."""
    assert is_workday(dt.date(2025, 9, 28)) and is_workday(dt.date(2025, 10, 11))
    assert not any(is_workday(dt.date(2025, 10, d)) for d in range(1, 9))
    # accepted on 30 Sept, 2 working days: 9 and 10 October → due at 24:00 on 10 October
    assert add_working_days(cst(2025, 9, 30, 15), 2) == cst(2025, 10, 11).astimezone(dt.UTC)
    # accepted on Saturday 27 Sept: Sunday 28 (adjusted working day) counts
    assert add_working_days(cst(2025, 9, 27, 10), 2) == cst(2025, 9, 30)
    assert working_days_between(cst(2025, 9, 30, 9), cst(2025, 10, 10, 9)) == 2


def test_defaults_cite_their_source_and_limits() -> None:
    lim = default_limits()
    assert lim.category("consultation").days == 2
    assert lim.category("help").days == 10 and lim.category("suggestion").days == 10
    assert lim.category("complaint").days == 15 and lim.category("report").days == 15
    assert lim.category("emergency").hours == 2
    assert all(c.source for c in lim.categories.values())
    assert sum(lim.weights.values()) == pytest.approx(1.0)
    resp, due = lim.due("emergency", cst(2025, 10, 2, 23))
    assert due - cst(2025, 10, 2, 23) == dt.timedelta(hours=2)  # hours run through holidays
    assert resp - cst(2025, 10, 2, 23) == dt.timedelta(hours=1)


def test_years_beyond_the_calendar_fall_back_and_say_so() -> None:
    assert calendar_note(2025) is None
    assert "2031" in (calendar_note(2031) or "")
    assert is_workday(dt.date(2031, 1, 6)) and not is_workday(dt.date(2031, 1, 5))


def test_a_local_file_replaces_the_defaults(tmp_path: Path) -> None:
    f = tmp_path / "limits.toml"
    f.write_text(
        "[weights]\nresponse = 0.1\nresolution = 0.45\nsatisfaction = 0.45\n"
        '[categories.help]\nname = "求助"\ndays = 7\nresponse_hours = 12\nsource = "local rule"\n',
        encoding="utf-8",
    )
    lim = load_limits(f)
    assert lim.category("help").days == 7 and lim.weights["response"] == 0.1
    with pytest.raises(DataError, match="unknown request category"):
        lim.category("complaint")


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('[categories.help]\nname="x"\nresponse_hours=1\nsource="s"\n', "categories.help"),
        (
            '[categories.help]\nname="x"\ndays=0\nresponse_hours=1\nsource="s"\n',
            "categories.help.days",
        ),
        ('[categories.help]\nname="x"\ndays=2\nresponse_hours=1\n', "categories.help.source"),
        (
            '[weights]\nresponse=0.5\nresolution=0.5\nsatisfaction=0.5\n[categories.h]\nname="x"\ndays=1\nresponse_hours=1\nsource="s"\n',
            "weights",
        ),
    ],
)
def test_bad_files_name_the_key(tmp_path: Path, body: str, key: str) -> None:
    if "[weights]" not in body:
        body = "[weights]\nresponse=0.3\nresolution=0.35\nsatisfaction=0.35\n" + body
    f = tmp_path / "bad.toml"
    f.write_text(body, encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_limits(f)
    assert any(p[2] == key for p in err.value.problems), err.value.problems
