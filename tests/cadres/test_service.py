"""Batches in the store (SQLite and PostgreSQL): collected inputs, hand-computed results,
stored explanation, recomputation from stored inputs, ledger leaves, append-only rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select, text

from zhengji.cadres import evaluations, service
from zhengji.cadres.service import batch_payload
from zhengji.errors import DataError, NotReproducibleError, StoreError
from zhengji.ledger.log import verify_record
from zhengji.ledger.verify import verify_ledger
from zhengji.store import Store
from zhengji.store.schema_cadres import CadreResultRow

from .conftest import BY

AS_OF = dt.date(2025, 12, 31)


def _assess(st: Store, csv: Path, kind: str, label: str, cfg: str = "") -> int:
    with st.transaction() as s:
        if kind == "annual":
            evaluations.import_evaluations(s, csv, BY)
        return service.assess(s, kind, label, BY, config_toml=cfg, as_of=AS_OF)


def test_annual_hand_computed_with_mitigation_and_quota(small: tuple[Store, Path]) -> None:
    """2025, no unit runs stored: base = evaluations (the routine record left out of the base
    here: ``routine.annual_weight = 0``; see the next test). A: 0.4×80+0.35×70+0.25×60 = 71.5,
    minus the tea-garden harm 1.5×2×0.5 (从轻) = 1.5 → 70.0 基本称职. B: deputy from 1 July
    (184/365 ≥ half a year), party 90 → 90 优秀 by score, but 20 % of 2 graded people is 0
    places → 称职. C held no post in 2025: not in the annual batch."""
    st, csv = small
    bid = _assess(st, csv, "annual", "2025", "[routine]\nannual_weight = 0.0\n")
    with st.transaction() as s:
        _, rows = service.results(s, bid)
        by = {r.person_id: r for r in rows}
    assert set(by) == {"A", "B"}
    a, b = by["A"].result, by["B"].result
    assert a["score"] == pytest.approx(70.0) and a["grade"] == "基本称职"
    assert a["deduction"] == 1.5 and a["coverage"] == 1.0
    assert b["coverage"] == pytest.approx(184 / 365, abs=1e-4)
    assert (b["grade_by_score"], b["grade"]) == ("优秀", "称职")
    assert any("名额" in x["zh"] for x in b["lines"])


def test_term_credits_and_charges_outcomes_after_leaving(small: tuple[Store, Path]) -> None:
    """C, secretary 2020–2023, assessed for the term as of 2025: evaluations of 2023 give 85;
    the square's good outcome (+3) and the tea garden's harm (−1.5×2, no ruling for C) both
    landed in 2025, after C left, and both count: 85 + 3 − 3 = 85 称职."""
    st, csv = small
    with st.transaction() as s:
        evaluations.import_evaluations(s, csv, BY)
    bid = _assess(st, csv, "term", "T-C")
    with st.transaction() as s:
        _, r = service.latest_result(s, "C", bid)
    res = r.result
    assert res["score"] == pytest.approx(85.0) and res["grade"] == "称职"
    assert [o["after_leaving"] for o in r.inputs["outcomes"]] == [True, True]
    assert (res["credit"], res["deduction"]) == (3.0, 3.0)


def test_batch_recomputes_from_stored_inputs_and_sees_moved_data(
    small: tuple[Store, Path], tmp_path: Path
) -> None:
    st, csv = small
    bid = _assess(st, csv, "annual", "2025")
    with st.transaction() as s:
        v = service.verify_batch(s, bid)
        assert v.recomputed and v.inputs_current
        b, rows = service.results(s, bid)
        assert verify_record(s, b.ledger_index, batch_payload(b, rows))
        assert verify_ledger(s).ok
    more = tmp_path / "more.csv"
    more.write_text("person_id,period,source,score\nA,2025,mass,90\n", encoding="utf-8")
    with st.transaction() as s:
        evaluations.import_evaluations(s, more, BY)
        v = service.verify_batch(s, bid)
    assert v.recomputed and v.changed == ("A",)


def test_stored_results_cannot_be_rewritten(small: tuple[Store, Path]) -> None:
    st, csv = small
    bid = _assess(st, csv, "annual", "2025")
    with pytest.raises(StoreError, match="append-only"), st.transaction() as s:
        s.execute(text("UPDATE cadre_results SET grade = '优秀' WHERE batch_id = :b"), {"b": bid})
    with st.transaction() as s:
        assert "优秀" not in set(s.scalars(select(CadreResultRow.grade)))


def test_a_tampered_result_does_not_verify(small: tuple[Store, Path]) -> None:
    """Recomputation compares with the stored result fingerprint (here a row written with a
    wrong fingerprint, as a direct insert by someone bypassing the service would be)."""
    st, csv = small
    bid = _assess(st, csv, "annual", "2025")
    with st.transaction() as s:
        _, rows = service.results(s, bid)
        r = rows[0]
        s.add(CadreResultRow(batch_id=bid, person_id=r.person_id, grade="优秀", score=99.0,
                             inputs=r.inputs, inputs_fingerprint=r.inputs_fingerprint,
                             result={**r.result, "grade": "优秀"}, result_fingerprint="0" * 64))  # fmt: skip
    with pytest.raises(NotReproducibleError), st.transaction() as s:
        service.verify_batch(s, bid)


def test_bad_kind_or_period_changes_nothing(small: tuple[Store, Path]) -> None:
    st, _ = small
    for kind, label in (("yearly", "2025"), ("annual", "twenty"), ("special", "X")):
        with pytest.raises(DataError), st.transaction() as s:
            service.assess(s, kind, label, BY, as_of=AS_OF)
    with st.transaction() as s:
        assert service.batches(s) == []


def test_special_programme_by_hand(small: tuple[Store, Path]) -> None:
    """Programme "X" = projects P1, P2, as of 2025: base 80 (no programme evaluations).
    C (principal of both): 80 + 3 − 1.5×2 = 80.0; A (in charge of P2, ruled 从轻): 80 − 1.5."""
    st, _ = small
    with st.transaction() as s:
        bid = service.assess(s, "special", "X", BY, as_of=AS_OF, projects=["P1", "P2"])
        _, rows = service.results(s, bid)
        by = {r.person_id: r.result["score"] for r in rows}
        assert service.verify_batch(s, bid).recomputed
    assert by == {"A": pytest.approx(78.5), "C": pytest.approx(80.0)}


def _slow_records(st: Store) -> None:
    """P2's expansion milestone due 2025-03-31 and never reached (A is in charge of P2 and
    secretary of u1); a decision A chaired on 2025-08-01 where only A spoke (一言堂)."""
    from zhengji.accountability import service as acc
    from zhengji.accountability.model import Decision, Milestone

    with st.transaction() as s:
        acc.record(s, Milestone("P2", "扩种 expansion", dt.date(2025, 3, 31)), by=BY, check=False)
        acc.record(
            s,
            Decision("D1", "u1", "major_project", "茶园扩种", "常委会", dt.date(2025, 8, 1), "A",
                     ("A", "B"), ("A", "B"), ("A",), {"A": "for", "B": "for"}),
            by=BY, check=False,
        )  # fmt: skip


def test_routine_quarters_by_hand_feed_the_annual_result(small: tuple[Store, Path]) -> None:
    """A's quarters of 2025 (default settings: base 85, −2 per milestone more than 30 days
    late, −2 per broken decision rule, outcomes as in the annual rule):
    Q1 85 (the milestone is due on the quarter's last day: 0 days late) 较好;
    Q2 85 − 1.5 (tea garden, 从轻) − 2 (91 days late) = 81.5 较好;
    Q3 85 − 2 (183 days) − 2 (D1: one speaker) = 81 较好; Q4 85 − 2 (275 days) = 83 较好.
    Mean 330.5 / 4 = 82.625; base 0.8 × 71.5 + 0.2 × 82.625 = 73.725; − 1.5 = 72.225 基本称职."""
    st, csv = small
    _slow_records(st)
    bid = _assess(st, csv, "annual", "2025")
    with st.transaction() as s:
        _, r = service.latest_result(s, "A", bid)
        assert service.verify_batch(s, bid).recomputed
    res = r.result
    assert [(q["label"], q["score"], q["grade"]) for q in res["routine"]] == [
        ("2025-Q1", 85.0, "较好"), ("2025-Q2", 81.5, "较好"), ("2025-Q3", 81.0, "较好"),
        ("2025-Q4", 83.0, "较好"),
    ]  # fmt: skip
    assert res["routine_mean"] == pytest.approx(82.625)
    assert res["score"] == pytest.approx(72.225) and res["grade"] == "基本称职"
    assert res["overdue"] == ["P2:扩种 expansion"]
    text = "\n".join(x["zh"] for x in res["lines"])
    assert "结合平时考核" in text and "逾期 275 天" in text
    m = r.inputs["milestones"][0]
    assert (m["days_late"], m["reached_on"], m["via"]) == (275, None, ["in_charge", "led"])


def test_routine_batch_of_one_quarter(small: tuple[Store, Path]) -> None:
    """A routine batch for 2025-Q3: A as above 81 较好; B (deputy from 1 July, nothing
    recorded) 85 较好; the lines name the late milestone and the decision."""
    st, _ = small
    _slow_records(st)
    with st.transaction() as s:
        bid = service.assess(s, "routine", "2025-Q3", BY, as_of=AS_OF)
        b, rows = service.results(s, bid)
        assert service.verify_batch(s, bid).recomputed and verify_ledger(s).ok
    by = {r.person_id: r.result for r in rows}
    assert b.kind == "routine" and set(by) == {"A", "B"}
    assert (by["A"]["score"], by["A"]["grade"]) == (81.0, "较好")
    assert (by["B"]["score"], by["B"]["grade"]) == (85.0, "较好")
    text = "\n".join(x["zh"] for x in by["A"]["lines"])
    assert "慢作为 P2" in text and "决策 D1" in text and "→ 较好" in text
    with pytest.raises(DataError, match="2025-Q3"), st.transaction() as s:
        service.assess(s, "routine", "2025-13", BY, as_of=AS_OF)
