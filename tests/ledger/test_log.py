"""The stored log: append inside the caller's transaction, roots and proofs from stored nodes.

Reference: the pure RFC 9162 functions of ``zhengji.ledger.merkle`` (themselves checked against
the published vectors in test_merkle.py); RFC 8785 §3.2.2 for the canonical encoding.
"""

from __future__ import annotations

import hashlib
import math
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from zhengji.errors import DataError, StoreError
from zhengji.ledger import canonical, log, merkle, tree
from zhengji.store import Store
from zhengji.store.schema_ledger import LedgerLeafRow, LedgerNodeRow


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store.open(db_url) as s:
        yield s


def leaf_hashes(store: Store) -> list[bytes]:
    with store.transaction() as s:
        return [
            bytes(x) for x in s.scalars(select(LedgerLeafRow.leaf_hash).order_by(LedgerLeafRow.idx))
        ]


def test_canonical_is_rfc8785() -> None:
    # RFC 8785 §3.2.2 example: numbers, escapes and literals, keys sorted by UTF-16 units
    record = {
        "numbers": [333333333.33333329, 1e30, 4.50, 2e-3, 0.000000000000000000000000001],
        "string": "\u20ac$\u000f\u000aA'\u0042\u0022\u005c\\\"/",
        "literals": [None, True, False],
    }
    expected = (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    assert canonical(record) == expected.encode("utf-8")
    assert canonical({"b": 1, "a": "张三"}) == '{"a":"张三","b":1}'.encode()


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_canonical_refuses_nan_and_infinity(bad: float) -> None:
    with pytest.raises(DataError, match="NaN"):
        canonical({"x": [1, {"y": bad}]})


def test_canonical_refuses_non_json() -> None:
    import datetime as dt

    with pytest.raises(DataError, match="isoformat"):
        canonical({"when": dt.date(2026, 1, 1)})
    with pytest.raises(DataError, match="2\\^53"):
        canonical({"n": 2**60})


def test_append_returns_the_documented_leaf(store: Store) -> None:
    record = {"decision": "重大项目安排", "votes": {"for": 7, "against": 1}}
    with store.transaction() as s:
        e0 = log.append(s, "decision", record)
        e1 = log.append(s, "tenure", {"person": "p1"})
    assert (e0.index, e1.index) == (0, 1)
    digest = hashlib.sha256(canonical(record)).digest()
    assert e0.record_digest == digest and e0.kind == "decision"
    # leaf data v1 = 0x01 ‖ len(kind) ‖ kind ‖ digest; leaf hash = SHA-256(0x00 ‖ leaf data)
    data = b"\x01\x08decision" + digest
    assert log.encode_leaf("decision", digest) == data
    assert e0.leaf_hash == hashlib.sha256(b"\x00" + data).digest()
    with store.transaction() as s:
        assert log.entry(s, 0) == e0
        assert log.verify_record(s, 0, record)
        assert not log.verify_record(s, 0, {**record, "votes": {"for": 8, "against": 1}})
        assert not log.verify_record(s, 1, record)
        assert log.info(s).size == 2


def test_roots_and_proofs_from_stored_nodes_match_the_rfc(store: Store) -> None:
    with store.transaction() as s:
        for i in range(70):  # one entry per call: exercises the node frontier every time
            log.append(s, "t", {"i": i})
    leaves = leaf_hashes(store)
    with store.transaction() as s:
        for n in range(71):
            assert tree.root_at(s, n) == merkle.root(leaves[:n])
            for i in range(0, n, 7):
                assert tree.inclusion_proof(s, i, n) == merkle.inclusion_proof(leaves[:n], i)
            for m in range(1, n + 1, 5):
                assert tree.consistency_proof(s, m, n) == merkle.consistency_proof(leaves[:n], m)
        # exactly the perfect subtrees: sum over levels of floor(n / 2^level)
        assert s.scalar(select(func.count()).select_from(LedgerNodeRow)) == sum(
            70 >> lv for lv in range(1, 8)
        )
        with pytest.raises(Exception, match="out of range"):
            tree.root_at(s, 71)


def test_rollback_leaves_no_leaf(store: Store) -> None:
    with store.transaction() as s:
        log.append(s, "t", {"i": 0})
    with pytest.raises(RuntimeError), store.transaction() as s:
        log.append(s, "t", {"i": 1})
        log.append(s, "t", {"i": 2})
        raise RuntimeError("caller fails after appending")
    with store.transaction() as s:
        assert log.size(s) == 1
        assert s.scalar(select(func.count()).select_from(LedgerNodeRow)) == 0
        assert log.append(s, "t", {"i": 1}).index == 1


def test_bad_input_changes_nothing(store: Store) -> None:
    with pytest.raises(DataError, match="kind"), store.transaction() as s:
        log.append(s, "Bad Kind", {"i": 0})
    with pytest.raises(DataError, match="NaN"), store.transaction() as s:
        log.append_many(s, [("t", {"i": 0}), ("t", {"x": math.nan})])
    with store.transaction() as s:
        assert log.size(s) == 0


@pytest.mark.parametrize("table", ["ledger_leaves", "ledger_nodes", "ledger_meta"])
def test_ledger_tables_are_append_only(store: Store, table: str) -> None:
    with store.transaction() as s:
        log.append_many(s, [("t", {"i": i}) for i in range(4)])
    col = {"ledger_leaves": "kind", "ledger_nodes": "hash", "ledger_meta": "origin"}[table]
    for stmt in (f"UPDATE {table} SET {col} = {col}", f"DELETE FROM {table}"):
        with pytest.raises(StoreError, match="append-only"), store.transaction() as s:
            s.execute(text(stmt))
    with store.transaction() as s:
        assert log.size(s) == 4


def test_sm3_suite_is_fixed_at_creation(store: Store) -> None:
    with store.transaction() as s:
        log.create_ledger(s, "sm3", "example.gov.cn/gm-ledger")
        entries = log.append_many(s, [("t", {"i": i}) for i in range(13)])
    rec = {"i": 3}
    assert entries[3].record_digest == hashlib.new("sm3", canonical(rec)).digest()
    assert entries[3].leaf_hash == merkle.leaf_hash(
        log.encode_leaf("t", entries[3].record_digest), merkle.sm3
    )
    leaves = leaf_hashes(store)
    with store.transaction() as s:
        assert tree.root_at(s) == merkle.root(leaves, merkle.sm3)
        assert tree.inclusion_proof(s, 5) == merkle.inclusion_proof(leaves, 5, merkle.sm3)
        assert log.verify_record(s, 3, rec)
        log.create_ledger(s, "sm3", "example.gov.cn/gm-ledger")  # same parameters: harmless
        with pytest.raises(StoreError, match="cannot be changed"):
            log.create_ledger(s, "sha256", "example.gov.cn/gm-ledger")


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=300), min_size=1, max_size=8))
def test_batched_appends_match_the_naive_tree(batches: list[int]) -> None:
    with tempfile.TemporaryDirectory() as d, Store.open(f"sqlite:///{Path(d) / 'h.db'}") as st_:
        total = 0
        sizes = []
        for b in batches:
            with st_.transaction() as s:
                log.append_many(s, [("h", {"i": total + k}) for k in range(b)])
            total += b
            sizes.append(total)
        leaves = leaf_hashes(st_)
        with st_.transaction() as s:
            for n in sizes:
                assert tree.root_at(s, n) == merkle.root(leaves[:n])
                assert tree.inclusion_proof(s, n - 1, total) == merkle.inclusion_proof(
                    leaves, n - 1
                )
                assert tree.consistency_proof(s, n, total) == merkle.consistency_proof(leaves, n)
