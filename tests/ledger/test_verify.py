"""Tampering by someone with database access is detected, whatever they change.

The attacker first drops the append-only triggers (as a DBA could), then: flips one byte,
deletes a row, reorders two rows, rewrites a record with a recomputed leaf (and then also every
node). Each is found by ``verify_ledger`` with the first bad index; erasing a record (PIPL) is
not a problem. SQLite tampers a copy of the file; PostgreSQL a throwaway database.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from zhengji.ledger import log
from zhengji.ledger.canonical import canonical
from zhengji.ledger.checkpoints import sign_checkpoint
from zhengji.ledger.note import Signer, generate_key
from zhengji.ledger.verify import Report, verify_ledger
from zhengji.store import Store

from .records_table import DDL, KIND, add, drop_triggers, load, record

N = 20


@pytest.fixture
def key() -> Signer:
    return generate_key(log.DEFAULT_ORIGIN)


@pytest.fixture
def ledger(db_url: str, tmp_path: Path, key: Signer) -> Iterator[Store]:
    """20 records, checkpoints at 16 and 20; yields a store the test may tamper with."""
    with Store.open(db_url) as st:
        with st.transaction() as s:
            s.execute(text(DDL))
            for n in range(16):
                add(s, n, f"决定 decision {n}")
            sign_checkpoint(s, [key])
        with st.transaction() as s:
            for n in range(16, N):
                add(s, n, f"决定 decision {n}")
            sign_checkpoint(s, [key])
    target = db_url
    if db_url.startswith("sqlite"):  # tamper with a copy, keep the original intact
        src = Path(db_url.removeprefix("sqlite:///"))
        copy = tmp_path / "tampered.db"
        shutil.copy(src, copy)
        target = f"sqlite:///{copy}"
    with Store.open(target) as st:
        drop_triggers(st.engine)
        yield st


def check(store: Store, key: Signer) -> Report:
    with store.transaction() as s:
        return verify_ledger(s, [key.verifier], record_loaders={KIND: load})


def sql(store: Store, stmt: str, **params: object) -> None:
    with store.transaction() as s:
        s.execute(text(stmt), params)


def test_untouched_ledger_verifies(ledger: Store, key: Signer) -> None:
    r = check(ledger, key)
    assert r.ok, r.problems
    assert (r.size, r.leaves_checked, r.records_checked, r.checkpoints_checked) == (N, N, N, 2)
    assert r.nodes_checked == sum(N >> lv for lv in range(1, 6))
    assert r.signatures_verified == 2 and not r.keys_from_database


def test_flipped_byte_in_a_leaf_is_found(ledger: Store, key: Signer) -> None:
    with ledger.transaction() as s:
        digest = bytearray(log.entry(s, 5).record_digest)
    digest[0] ^= 0x01
    sql(ledger, "UPDATE ledger_leaves SET record_digest = :d WHERE idx = 5", d=bytes(digest))
    r = check(ledger, key)
    assert not r.ok and r.first_bad_index == 5
    assert any("leaf hash does not match" in p.en for p in r.problems if p.index == 5)


def test_flipped_byte_in_a_node_is_found(ledger: Store, key: Signer) -> None:
    with ledger.transaction() as s:
        h = bytearray(
            s.execute(text("SELECT hash FROM ledger_nodes WHERE level=2 AND idx=3")).scalar_one()
        )
    h[31] ^= 0x80
    sql(ledger, "UPDATE ledger_nodes SET hash = :h WHERE level = 2 AND idx = 3", h=bytes(h))
    r = check(ledger, key)
    assert not r.ok and r.first_bad_index == 12  # node (2, 3) covers entries 12–15
    assert "node (level 2, index 3)" in str(r.problems[0])


def test_deleted_row_is_found(ledger: Store, key: Signer) -> None:
    sql(ledger, "DELETE FROM ledger_leaves WHERE idx = 9")
    r = check(ledger, key)
    assert not r.ok and r.first_bad_index == 9
    assert any("missing" in p.en for p in r.problems if p.index == 9)


def test_deleted_last_rows_are_found_by_the_checkpoint(ledger: Store, key: Signer) -> None:
    sql(ledger, "DELETE FROM ledger_nodes WHERE idx >= 9 AND level = 1")
    sql(ledger, "DELETE FROM ledger_nodes WHERE level >= 2 AND idx * 4 >= 16")
    sql(ledger, "DELETE FROM ledger_leaves WHERE idx >= 18")
    sql(ledger, "DELETE FROM test_records WHERE ledger_index >= 18")
    r = check(ledger, key)
    assert not r.ok and r.first_bad_index == 18
    assert any("signed 20 entries but the log has 18" in p.en for p in r.problems)


def test_reordered_rows_are_found(ledger: Store, key: Signer) -> None:
    with ledger.transaction() as s:
        a, b = log.entry(s, 3), log.entry(s, 4)
    for idx, e in ((3, b), (4, a)):
        sql(
            ledger,
            "UPDATE ledger_leaves SET kind = :k, record_digest = :d, leaf_hash = :h WHERE idx = :i",
            k=e.kind,
            d=e.record_digest,
            h=e.leaf_hash,
            i=idx,
        )
    r = check(ledger, key)
    assert not r.ok
    bad = {p.index for p in r.problems}
    assert {3, 4} <= bad  # both records no longer match the leaves at their indices
    assert r.first_bad_index is not None and r.first_bad_index <= 3


def _rewrite_record(ledger: Store, n: int, body: str) -> None:
    """Change a record and recompute its digest and leaf hash, as a careful attacker would."""
    digest = hashlib.sha256(canonical(record(n, body))).digest()
    leaf = hashlib.sha256(b"\x00" + log.encode_leaf(KIND, digest)).digest()
    sql(ledger, "UPDATE test_records SET body = :b WHERE n = :n", b=body, n=n)
    sql(
        ledger,
        "UPDATE ledger_leaves SET record_digest = :d, leaf_hash = :h WHERE idx = :n",
        d=digest,
        h=leaf,
        n=n,
    )


def test_rewritten_record_with_recomputed_leaf_is_found(ledger: Store, key: Signer) -> None:
    _rewrite_record(ledger, 7, "决定 decision 7 (改写 rewritten)")
    r = check(ledger, key)
    assert not r.ok
    # leaf and record agree with each other now; the node over entries 6–7 does not
    assert all("leaf hash" not in p.en for p in r.problems)
    assert r.first_bad_index == 6
    assert "entries 6–7" in r.problems[0].en


def test_rewritten_record_with_all_nodes_recomputed_is_found_by_the_checkpoint(
    ledger: Store, key: Signer
) -> None:
    _rewrite_record(ledger, 7, "决定 decision 7 (改写 rewritten)")
    with ledger.transaction() as s:
        leaves = [
            bytes(x[0]) for x in s.execute(text("SELECT leaf_hash FROM ledger_leaves ORDER BY idx"))
        ]
    level, nodes = 0, leaves
    while len(nodes) > 1:
        level += 1
        nodes = [
            hashlib.sha256(b"\x01" + nodes[i] + nodes[i + 1]).digest()
            for i in range(0, len(nodes) - 1, 2)
        ]
        for i, h in enumerate(nodes):
            sql(
                ledger,
                "UPDATE ledger_nodes SET hash = :h WHERE level = :l AND idx = :i",
                h=h,
                l=level,
                i=i,
            )
    r = check(ledger, key)
    assert not r.ok
    assert all("node" not in p.en for p in r.problems)  # the tree itself is self-consistent
    assert sum("root differs" in p.en for p in r.problems) == 2  # both signed roots disagree


def test_tampered_checkpoint_is_found(ledger: Store, key: Signer) -> None:
    sql(ledger, "UPDATE ledger_checkpoints SET note = REPLACE(note, '\n16\n', '\n15\n')")
    r = check(ledger, key)
    assert not r.ok
    assert any("does not verify" in p.en for p in r.problems)
    other = generate_key(log.DEFAULT_ORIGIN)
    with ledger.transaction() as s:
        r2 = verify_ledger(
            s, [other.verifier], record_loaders={}
        )  # someone else's key: nothing trusted verifies
    assert sum("no valid signature" in p.en for p in r2.problems) == 2


def test_erasing_a_record_is_not_a_problem(ledger: Store, key: Signer) -> None:
    # PIPL erasure: the ordinary record row goes; the leaf still proves something existed
    sql(ledger, "DELETE FROM test_records WHERE n = 4")
    r = check(ledger, key)
    assert r.ok, r.problems
    assert (r.records_checked, r.records_absent) == (N - 1, 1)


def test_cli_verify_reports_the_first_bad_index(ledger: Store, key: Signer, tmp_path: Path) -> None:
    url = ledger.engine.url.render_as_string(hide_password=False)
    vkey = tmp_path / "log.vkey"
    vkey.write_text(key.verifier.vkey + "\n")
    cmd = [
        sys.executable,
        "-m",
        "zhengji.cli",
        "ledger",
        "verify",
        "--db",
        url,
        "--vkey",
        str(vkey),
    ]
    env = {**os.environ, "COLUMNS": "200"}
    ok = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert ok.returncode == 0, ok.stderr
    assert "通过 OK" in ok.stdout
    with ledger.transaction() as s:
        digest = bytearray(log.entry(s, 11).record_digest)
    digest[7] ^= 0xFF
    sql(ledger, "UPDATE ledger_leaves SET record_digest = :d WHERE idx = 11", d=bytes(digest))
    bad = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert bad.returncode == 1
    assert "首个异常条目 first bad index: 11" in bad.stderr
    assert "叶哈希与叶数据不符" in bad.stderr and "leaf hash does not match" in bad.stderr
