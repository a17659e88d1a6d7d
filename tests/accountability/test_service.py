"""Records in the store: each with its ledger leaf in the same transaction, corrections as new
rows, append-only triggers, erasure that keeps the log verifiable (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from zhengji.accountability import service
from zhengji.accountability.model import Acceptance, Signoff
from zhengji.errors import DataError, StoreError
from zhengji.ledger.log import size, verify_record
from zhengji.ledger.verify import verify_ledger
from zhengji.store import Store
from zhengji.store.schema_accountability import DecisionRow, PersonRow, TenureRow

from .samples import RESPONSIBLE, decision, outcome, project, tenure

D = dt.date


def _seed(st: Store) -> None:
    with st.transaction() as s:
        service.record(s, tenure("T1", "p1", D(2019, 1, 1), D(2023, 6, 30)), by="录入员")
        service.record(s, tenure("T2", "p5", D(2023, 7, 1), None), by="录入员")
        service.record(s, decision(), by="录入员")
        service.record(s, project(), by="录入员")
        for r in RESPONSIBLE:
            service.record(s, r, by="录入员")
        service.record(s, outcome("O1", "bad", 4.0, 2024, utilisation=0.1), by="录入员")


def test_every_record_has_its_leaf_and_matches_it(store: Store) -> None:
    _seed(store)
    with store.transaction() as s:
        assert size(s) == 7
        row = s.scalars(select(DecisionRow)).one()
        assert row.ledger_index == 2 and row.corrects_id is None
        assert verify_record(s, row.ledger_index, row.record)
        assert service.verify_rows(s) == []
        report = verify_ledger(s)
        assert report.problem_count == 0 and report.records_checked == 7


def test_same_record_twice_is_unchanged_and_writes_nothing(store: Store) -> None:
    _seed(store)
    with store.transaction() as s:
        res = service.record(s, decision(), by="录入员")
        assert res.status == "unchanged" and res.ledger_index == 2
        assert size(s) == 7


def test_a_correction_is_a_new_row_pointing_at_the_old_one(store: Store) -> None:
    _seed(store)
    fixed = decision(title="修建文化广场（缩减规模）")
    with store.transaction() as s, pytest.raises(DataError, match="correction needs a reason"):
        service.record(s, fixed, by="录入员")
    with store.transaction() as s:
        res = service.record(s, fixed, by="复核员", reason="会议纪要笔误")
        assert res.status == "corrected" and res.ledger_index == 7
        rows = list(s.scalars(select(DecisionRow).order_by(DecisionRow.id)))
        assert [r.record["title"] for r in rows] == ["修建文化广场", "修建文化广场（缩减规模）"]
        assert rows[1].corrects_id == rows[0].id and rows[1].reason == "会议纪要笔误"
        assert [d.title for d in service.load_records(s).decisions] == ["修建文化广场（缩减规模）"]
        leaf = s.execute(text("SELECT kind FROM ledger_leaves WHERE idx = 7")).scalar_one()
        assert leaf == "correction"
        assert verify_ledger(s).problem_count == 0


def test_tables_are_append_only(store: Store) -> None:
    _seed(store)
    for sql in (
        "UPDATE acc_decisions SET code = 'X'",
        "DELETE FROM acc_tenures",
        "UPDATE acc_projects SET record = '{}'",
    ):
        with pytest.raises(StoreError, match=r"append-only|只能追加"), store.transaction() as s:
            s.execute(text(sql))
    with store.transaction() as s:
        assert s.scalar(select(func.count()).select_from(TenureRow)) == 2


def test_bad_record_is_refused_with_field_and_nothing_written(store: Store) -> None:
    with pytest.raises(DataError) as err, store.transaction() as s:
        service.record(s, tenure("T9", "nobody", D(2020, 1, 1), None, post="mayor"), by="录入员")
    msg = str(err.value)
    assert "post" in msg and "'mayor'" in msg and "nobody" in msg
    with store.transaction() as s:
        assert size(s) == 0 and s.scalar(select(func.count()).select_from(TenureRow)) == 0


def test_rollback_takes_the_leaf_with_the_row(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction() as s:
        service.record(s, tenure("T1", "p1", D(2019, 1, 1), None), by="录入员")
        raise RuntimeError("crash after the append")
    with store.transaction() as s:
        assert size(s) == 0 and s.scalar(select(func.count()).select_from(TenureRow)) == 0


def test_supervisor_objection_needs_a_reason_and_is_kept(store: Store) -> None:
    _seed(store)
    bad = Acceptance("P1", D(2023, 7, 20), True, (Signoff("s1", "居民代表", "objected"),))
    with pytest.raises(DataError, match="异议须写明理由"), store.transaction() as s:
        service.record(s, bad, by="录入员")
    good = Acceptance(
        "P1", D(2023, 7, 20), True, (Signoff("s1", "居民代表", "objected", "规模过大"),)
    )
    with store.transaction() as s:
        service.record(s, good, by="录入员")
        (acc,) = service.load_records(s).acceptances
        assert acc.signoffs[0].supervisor_id == "s1" and acc.signoffs[0].text == "规模过大"


def test_erasing_a_person_keeps_records_and_the_log_verifiable(store: Store) -> None:
    _seed(store)
    with store.transaction() as s:
        index = service.erase_person(s, "p1", "数据保护专员", "个人信息保护法第47条")
        assert index == 7
    with store.transaction() as s:
        row = s.get(PersonRow, "p1")
        assert row is not None and row.name is None and row.erased_at is not None
        name, rec = service.who(s, "p1")
        assert name is None and any(i.code == "O1" for i in rec.items)
        assert service.verify_rows(s) == []
        report = verify_ledger(s)
        assert report.problem_count == 0 and report.records_checked == 8
        names = s.execute(text("SELECT record FROM acc_tenures")).scalars().all()
        assert all("甲书记" not in str(r) for r in names)  # records never held the name
    with store.transaction() as s, pytest.raises(StoreError, match="erased"):
        service.add_person(s, "p1", "甲书记")


def test_a_row_altered_behind_the_triggers_is_found(store: Store) -> None:
    _seed(store)
    with store.transaction() as s:
        dialect = s.get_bind().dialect.name
        if dialect == "sqlite":
            s.execute(text("DROP TRIGGER acc_decisions_no_update"))
        else:
            s.execute(text("ALTER TABLE acc_decisions DISABLE TRIGGER acc_decisions_append_only"))
        s.execute(text("UPDATE acc_decisions SET record = :r"), {"r": '{"code": "D1"}'})
    with store.transaction() as s:
        bad = service.verify_rows(s)
        assert [(t, i) for t, i, _ in bad] == [("acc_decisions", 1)]
        report = verify_ledger(s)
        assert report.problem_count >= 1 and report.problems[0].index == 2


def test_case_and_ruling_through_the_service(store: Store) -> None:
    from zhengji.accountability.tolerance import Criteria

    _seed(store)
    crit = Criteria(public_interest=True, due_process=True, unforeseeable_change=True)
    with store.transaction() as s:
        with pytest.raises(StoreError, match="not answerable"):
            service.open_case(s, "C1", "O1", "p4", "广场闲置", crit, D(2024, 7, 1), "审查组")
        prop = service.open_case(s, "C1", "O1", "p1", "广场闲置", crit, D(2024, 7, 1), "审查组")
        assert prop.decision == "exempt"
        service.rule_case(s, "C1", "exempt", "审查组", "符合三个区分开来", D(2024, 8, 1))
        assert service.who(s, "p1")[1].deduction == 0.0
    with store.transaction() as s, pytest.raises(DataError, match="correction needs a reason"):
        service.rule_case(s, "C1", "not_eligible", "复查组", "发现谋取私利", D(2025, 1, 1))
    with store.transaction() as s:
        res = service.rule_case(
            s, "C1", "not_eligible", "复查组", "发现谋取私利", D(2025, 1, 1),
            correction_reason="复查改判",
        )  # fmt: skip
        assert res.status == "corrected"
        assert service.who(s, "p1")[1].deduction == 4.0
        assert verify_ledger(s).problem_count == 0


def test_append_only_errors_are_dbapi_errors_underneath(store: Store) -> None:
    """The trigger refusal reaches the caller as StoreError wrapping the driver's error."""
    _seed(store)
    with pytest.raises(StoreError) as err, store.transaction() as s:
        s.execute(text("DELETE FROM acc_decisions"))
    assert isinstance(err.value.__cause__, DBAPIError)
