"""Monthly 接诉即办 metrics: definitions on a hand-counted table, roll-up, ranks, and the
same numbers computed from real lifecycle events in the store."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from zhengji.store import Store
from zhengji.voice.facts import monthly_table, request_facts
from zhengji.voice.handling import act, callback
from zhengji.voice.limits import CHINA, default_limits
from zhengji.voice.metrics import INDICATORS, monthly, observation_rows, ranking
from zhengji.voice.requests import Submission, submit
from zhengji.voice.units import load_units

W = {"response": 0.3, "resolution": 0.35, "satisfaction": 0.35}


def facts(rows: list[tuple[str, bool, bool, bool, bool, bool, bool, bool]]) -> pd.DataFrame:
    cols = [
        "unit_id",
        "responded",
        "called_back",
        "resolved",
        "satisfied",
        "overdue",
        "reopened",
        "excluded",
    ]
    df = pd.DataFrame(rows, columns=cols)
    df.insert(0, "request_id", range(1, len(df) + 1))
    df.insert(2, "month", "2025-03")
    return df


def test_definitions_on_a_hand_counted_month() -> None:
    # 4 requests counted for t1 (a 5th is a merged duplicate), 2 for t2
    f = facts(
        [
            ("t1", True, True, True, True, False, False, False),
            ("t1", True, True, False, False, True, True, False),
            ("t1", False, True, True, True, False, False, False),
            ("t1", True, False, False, False, True, False, False),
            ("t1", False, False, False, False, True, False, True),  # excluded
            ("t2", True, True, True, True, False, False, False),
            ("t2", True, True, True, True, False, False, False),
        ]
    )
    t = monthly(
        f, W, {"t1": "c", "t2": "c", "c": None}, {"t1": "township", "t2": "township", "c": "county"}
    )
    t1 = t.set_index("unit_id").loc["t1"]
    assert t1["volume"] == 4
    assert t1["response_rate"] == pytest.approx(75.0)  # 3 of 4 on time
    assert t1["resolution_rate"] == pytest.approx(200 / 3)  # 2 of 3 called back say resolved
    assert t1["satisfaction_rate"] == pytest.approx(200 / 3)
    assert t1["overdue_rate"] == pytest.approx(50.0) and t1["reopen_rate"] == pytest.approx(25.0)
    assert t1["composite"] == pytest.approx(0.3 * 75 + 0.35 * 200 / 3 + 0.35 * 200 / 3)
    c = t.set_index("unit_id").loc["c"]
    assert c["volume"] == 6 and c["response_rate"] == pytest.approx(500 / 6)
    r = ranking(t, "2025-03", "township")
    assert list(r["unit_id"]) == ["t2", "t1"] and list(r["rank"]) == [1, 2]


def test_observation_rows_for_the_engine() -> None:
    f = facts([("t1", True, False, False, False, False, False, False)])
    rows = observation_rows(monthly(f, W))
    ids = {r.indicator_id for r in rows}
    # no callbacks yet: resolution/satisfaction (and the composite) are missing, not zero
    assert ids == {"voice_volume", "voice_response_rate", "voice_overdue_rate", "voice_reopen_rate"}
    src = {r.indicator_id: r.source for r in rows}
    assert src["voice_response_rate"] == "derived"
    assert INDICATORS["voice_satisfaction_rate"][1] == "mass_evaluation"
    assert all(r.period == "2025-03" for r in rows)


def test_metrics_from_stored_events(store: Store) -> None:
    t0 = dt.datetime(2025, 3, 3, 9, tzinfo=CHINA)
    with store.transaction() as s:
        units = load_units(s)
        ids = [
            submit(
                s,
                Submission(
                    "bijiang",
                    "road_repair",
                    "phone",
                    "中心",
                    address_id="bijiang_t1",
                    requested_at=t0,
                ),
                units,
                default_limits(),
            ).id
            for _ in range(3)
        ]
        act(s, ids[0], "sign", "甲镇", at=t0 + dt.timedelta(hours=1))
        act(s, ids[0], "complete", "甲镇", at=t0 + dt.timedelta(days=1))
        callback(s, ids[0], "回访", satisfaction=3, resolved=True, at=t0 + dt.timedelta(days=2))
        act(s, ids[1], "sign", "甲镇", at=t0 + dt.timedelta(hours=30))  # late response
        act(s, ids[1], "complete", "甲镇", at=t0 + dt.timedelta(days=20))  # after the due time
        callback(s, ids[1], "回访", satisfaction=1, resolved=False, at=t0 + dt.timedelta(days=21))
        f = request_facts(s, as_of=t0 + dt.timedelta(days=30))
        table = monthly_table(s, default_limits(), as_of=t0 + dt.timedelta(days=30))
    by = f.set_index("request_id")
    assert list(by["responded"]) == [True, False, False]
    assert list(by["overdue"]) == [False, True, True]  # the third is still open past due
    assert list(by["reopened"]) == [False, True, False]
    t1 = table.set_index("unit_id").loc["bijiang_t1"]
    assert t1["volume"] == 3 and t1["satisfaction_rate"] == pytest.approx(50.0)
    assert table.set_index("unit_id").loc["bijiang"]["volume"] == 3  # rolled up to the county


def test_yearly_periods_for_annual_schemes() -> None:
    f = facts(
        [
            ("t1", True, True, True, True, False, False, False),
            ("t1", False, True, True, False, False, False, False),
        ]
    )
    f.loc[1, "month"] = "2025-11"
    y = monthly(f, W, by="year")
    assert list(y["month"]) == ["2025"] and int(y["volume"].iloc[0]) == 2
    assert y["response_rate"].iloc[0] == pytest.approx(50.0)
    assert {r.period for r in observation_rows(y)} == {"2025"}
    with pytest.raises(ValueError):
        monthly(f, W, by="week")
