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
    """2025, no unit runs stored: base = evaluations. A: 0.4×80+0.35×70+0.25×60 = 71.5, minus
    the tea-garden harm 1.5×2×0.5 (从轻) = 1.5 → 70.0 基本称职. B: deputy from 1 July (184/365 ≥
    half a year), party 90 → 90 优秀 by score, but 20 % of 2 graded people is 0 places → 称职.
    C held no post in 2025: not in the annual batch."""
    st, csv = small
    bid = _assess(st, csv, "annual", "2025")
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
