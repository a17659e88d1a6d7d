"""慢作为 from 接诉即办 (``[slow_requests]``, off by default): the overdue citizen requests of a
unit a person led, as evidence only — by hand, then collected from real voice records in the
store (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from zhengji.cadres import evaluations, service
from zhengji.cadres.config import parse_config
from zhengji.cadres.lists import build_lists
from zhengji.cadres.rules import grade_person, overdue_requests
from zhengji.errors import SchemeError
from zhengji.store import Store
from zhengji.voice.limits import CHINA, load_limits
from zhengji.voice.requests import Submission, submit
from zhengji.voice.units import Unit, load_units, register_units

from .conftest import BY

ON = "[slow_requests]\nenabled = true\nmin_requests = 5\n"
AS_OF = dt.date(2025, 12, 31)


def test_off_by_default_and_the_fingerprint_of_the_defaults_is_unchanged() -> None:
    base = parse_config("")
    assert not base.slow_requests.enabled
    assert (base.slow_requests.max_overdue_rate, base.slow_requests.min_requests) == (20.0, 20)
    # the section at its defaults is left out of the fingerprint: batches stored before verify
    assert parse_config("[slow_requests]\nenabled = false\n").fingerprint == base.fingerprint
    assert parse_config(ON).fingerprint != base.fingerprint
    with pytest.raises(SchemeError, match=r"slow_requests\.enabled"):
        parse_config('[slow_requests]\nenabled = "yes"\n')
    with pytest.raises(SchemeError, match=r"slow_requests\.max_overdue_rate"):
        parse_config("[slow_requests]\nmax_overdue_rate = 120.0\n")


def _req(n: int, k: int, unit: str = "u1") -> dict[str, Any]:
    return {"tenure": "T-A", "unit_id": unit, "months": ["2025-01", "2025-12"],
            "requests": n, "overdue": k}  # fmt: skip


def test_evidence_by_hand_no_points() -> None:
    """min_requests 5, line 20 %: 10 of 40 (25 %) counts; 4 of 4 is too few to judge; 10 of 50
    (20 %) is not above the line. The score is what it is without the evidence."""
    cfg = parse_config(ON)
    got = overdue_requests([_req(40, 10), _req(4, 4, "u2"), _req(50, 10, "u3")], cfg)
    assert [(x["unit_id"], x["rate"]) for x in got] == [("u1", 25.0)]
    inputs: dict[str, Any] = {
        "person_id": "A", "kind": "annual", "label": "2025", "window": ["2025-01-01", "2025-12-31"],
        "posts": [{"tenure": "T-A", "unit_id": "u1", "post": "party_secretary", "pillars": [],
                   "share": 1.0, "score": 80.0, "pillars_used": []}],
        "evaluations": {}, "outcomes": [], "vetoes": [], "milestones": [],
    }  # fmt: skip
    without = grade_person(inputs, cfg)
    with_ev = grade_person(inputs | {"requests": [_req(40, 10)]}, cfg)
    assert with_ev["score"] == without["score"] == 80.0
    assert "overdue_requests" not in without  # not collected: the result keeps its old shape
    assert with_ev["overdue_requests"] == [_req(40, 10) | {"rate": 25.0}]
    line = next(x["zh"] for x in with_ev["lines"] if "接诉即办" in x["zh"])
    assert "超期率 25.0%（40 件中 10 件超期），高于 20%" in line and "不扣分" in line
    out = build_lists([(inputs | {"requests": [_req(40, 10)]}, with_ev)], {}, cfg)
    entry = next(e for e in out if e["list"] == "accountable")
    assert entry["reason_zh"] == "慢作为：所主持单位接诉即办超期率 25.0%"
    assert entry["evidence"]["overdue_requests"][0]["rate"] == 25.0
    assert [e["list"] for e in build_lists([(inputs, without)], {}, cfg)] == []


def _voice(st: Store) -> None:
    """u1 (the small store's county) with one township; 6 road-repair requests in March 2025
    (10 working days: overdue and still open at the year's end) and 4 on 29 December (due in
    January 2026: not yet overdue at the year's end)."""
    with st.transaction() as s:
        register_units(s, [Unit("c0", "市", None, "city"), Unit("u1", "一县", "c0", "county"),
                           Unit("u1_t1", "一镇", "u1", "township")])  # fmt: skip
        units, limits = load_units(s), load_limits()
        for day, n in ((dt.datetime(2025, 3, 10, 9, tzinfo=CHINA), 6),
                       (dt.datetime(2025, 12, 29, 9, tzinfo=CHINA), 4)):  # fmt: skip
            for k in range(n):
                sub = Submission("u1", "road_repair", "web", "tests", f"路灯坏了 {k}", "x", "u1_t1")
                submit(s, sub, units, limits, at=day + dt.timedelta(minutes=k))


def _batch(st: Store, kind: str, label: str, cfg: str) -> dict[str, Any]:
    with st.transaction() as s:
        bid = service.assess(s, kind, label, BY, config_toml=cfg, as_of=AS_OF)
        _, rows = service.results(s, bid)
        return {"id": bid, **{r.person_id: r for r in rows}}


def test_collected_from_the_voice_records(small: tuple[Store, Path]) -> None:
    """A, secretary of u1 all 2025: the township's requests roll up into u1 (as the 接诉即办
    figures do): 6 of 10 overdue = 60 % > 20 % → evidence; B, a deputy, led nothing → none.
    Q1 alone: 6 of 6. Off (the default): no ``requests`` in the inputs, the same scores."""
    st, csv = small
    _voice(st)
    with st.transaction() as s:
        evaluations.import_evaluations(s, csv, BY)
    on, off = _batch(st, "annual", "2025", ON), _batch(st, "annual", "2025", "")
    a = on["A"]
    assert a.inputs["requests"] == [{"tenure": "T-A", "unit_id": "u1",
                                     "months": ["2025-01", "2025-12"], "requests": 10,
                                     "overdue": 6}]  # fmt: skip
    assert a.result["overdue_requests"][0]["rate"] == 60.0
    assert on["B"].inputs["requests"] == [] and on["B"].result["overdue_requests"] == []
    assert "requests" not in off["A"].inputs and "overdue_requests" not in off["A"].result
    assert (a.score, a.grade) == (off["A"].score, off["A"].grade)
    q1 = _batch(st, "routine", "2025-Q1", ON)["A"]
    assert q1.inputs["requests"] == [{"tenure": "T-A", "unit_id": "u1",
                                      "months": ["2025-01", "2025-03"], "requests": 6,
                                      "overdue": 6}]  # fmt: skip
    assert any("接诉即办超期率 100.0%" in x["zh"] for x in q1.result["lines"])
    # recollected from the store: the same inputs (the facts as they stood at the window's end)
    with st.transaction() as s:
        v = service.verify_batch(s, on["id"])
    assert v.recomputed and v.inputs_current
