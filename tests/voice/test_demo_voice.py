"""The demo's requests and survey: deterministic, ranked, with the planted survey block caught."""

from __future__ import annotations

from pathlib import Path

from zhengji.demo import SYNTHETIC_LABEL
from zhengji.demo.voice import PLANTED_SURVEY_UNIT, SURVEY_CODE, demo_units, populate, ranking_rows
from zhengji.integrity.findings import flagged, with_qvalues
from zhengji.store import Store
from zhengji.voice.requests import count_requests
from zhengji.voice.surveys import signals


def test_demo_is_deterministic_ranked_and_labelled(tmp_path: Path) -> None:
    tables = []
    for name in ("a", "b"):
        with Store.open(f"sqlite:///{tmp_path / name}.db") as st:
            done = populate(st, seed=7, n_requests=3000)
            assert done.requests == 3000 and done.events > 6 * 3000 * 0.8
            assert populate(st, seed=7, n_requests=3000).requests == 0  # once only
            tables.append(ranking_rows(st, "2025-06"))
            with st.transaction() as s:
                assert count_requests(s) == 3000
                found = flagged(with_qvalues(signals(s, SURVEY_CODE)))
    assert tables[0] == tables[1]
    rows = tables[0]
    assert len(rows) == 10 and [r["rank"] for r in rows] == sorted(r["rank"] for r in rows)
    assert all(r["label"] == SYNTHETIC_LABEL for r in rows)
    assert {r["unit_id"] for r in rows} == {u.id for u in demo_units() if u.level == "county"}
    assert all(0 <= r["response_rate"] <= 100 for r in rows)
    # the organised block of votes is caught by every signal; nothing else is flagged high
    caught = {f.check for f in found if f.unit_id == PLANTED_SURVEY_UNIT}
    assert caught == {"survey.straightlining", "survey.burst", "survey.speed", "survey.network"}
    assert not [f for f in found if f.unit_id != PLANTED_SURVEY_UNIT and f.severity == "high"]
