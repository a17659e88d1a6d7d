"""Citizen supervisors: register, sign off or object; acceptance needs an approval and no
standing objection."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from zhengji.errors import DataError, StoreError
from zhengji.store import Store
from zhengji.voice import supervisors

T = dt.datetime(2025, 6, 1, 10, tzinfo=dt.UTC)


def test_register_get_and_sign_off(store: Store) -> None:
    with store.transaction() as s:
        sup = supervisors.register(
            s,
            "sv-1",
            "王监督",
            "bijiang_t1",
            "碧江区人大",
            dt.date(2025, 1, 1),
            dt.date(2027, 12, 31),
        )
        supervisors.register(s, "sv-2", "李监督", "bijiang_t1", "碧江区人大", dt.date(2025, 1, 1))
        assert supervisors.get(s, "sv-1") == sup and supervisors.get(s, "nobody") is None
        assert supervisors.acceptance(s, "P-1").accepted is False
        supervisors.sign_off(s, "P-1", "sv-1", "approve", "现场查看，路面平整", at=T)
        assert supervisors.acceptance(s, "P-1").accepted is True
        supervisors.sign_off(s, "P-1", "sv-2", "object", "排水沟未完工", at=T)
        acc = supervisors.acceptance(s, "P-1")
        assert acc.accepted is False and [o.supervisor_id for o in acc.objections] == ["sv-2"]
        # the objection stands until the same supervisor signs off later
        supervisors.sign_off(s, "P-1", "sv-2", "approve", "已整改", at=T + dt.timedelta(days=9))
        assert supervisors.acceptance(s, "P-1").accepted is True
        assert [x.verdict for x in supervisors.signoffs(s, "P-1")] == [
            "approve",
            "object",
            "approve",
        ]


def test_refusals(store: Store) -> None:
    with store.transaction() as s:
        supervisors.register(
            s, "sv-1", "王监督", "bijiang_t1", "人大", dt.date(2025, 1, 1), dt.date(2025, 3, 31)
        )
    cases = [
        ("sv-1", "approve", "ok", T),  # out of term
        ("sv-9", "approve", "ok", T - dt.timedelta(days=100)),  # unknown
        ("sv-1", "maybe", "ok", T - dt.timedelta(days=100)),  # bad verdict
        ("sv-1", "object", "  ", T - dt.timedelta(days=100)),  # no reason
    ]
    for sid, verdict, reason, at in cases:
        with pytest.raises(DataError), store.transaction() as s:
            supervisors.sign_off(s, "P-2", sid, verdict, reason, at=at)
    with pytest.raises(DataError), store.transaction() as s:
        supervisors.register(s, "sv-1", "重复", "bijiang_t1", "人大", dt.date(2025, 1, 1))
    with pytest.raises(StoreError), store.transaction() as s:
        s.execute(text("DELETE FROM voice_supervisors"))
