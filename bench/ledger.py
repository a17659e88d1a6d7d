"""Ledger benchmark: durable appends, proofs at 10^7 entries, full verification of 10^6,
side by side with pymerkle's ``SqliteTree`` (v7) on the same appends.

Rows (all on SQLite files under a temporary directory on the same disk as the repository):

* append, batched: ``append_many`` of ``--batch`` records per transaction (one lock, bulk
  inserts), ``--appends`` records; pymerkle ``append_entries`` of the same canonical record
  bytes in the same batches.
* append, one per transaction: ``append`` in its own transaction, ``--single`` records;
  pymerkle ``append_entry`` (its own transaction each). Durable in both: zhengji's store runs
  SQLite in WAL mode with ``synchronous=FULL`` (the default, checked below); pymerkle uses
  SQLite's default rollback journal with ``synchronous=FULL``.
* proofs at ``--proof-size`` entries (default 10^7): the log is built by the bulk generator
  below, then ``--proofs`` random inclusion proofs (index, full size) and consistency proofs
  (random old size → full size) are served by ``zhengji.ledger.tree`` through a SQLAlchemy
  session (median, p95, max). Each proof is verified against the root (not timed).
* full verification of ``--verify-size`` entries (default 10^6): ``verify_ledger`` recomputes
  every leaf hash, every stored node and two signed checkpoints (at n/2 and n) with their
  consistency proof. Records are not part of this row (their cost is the domain's
  canonicalisation: reported separately per record).

Bulk generator (``generate``): writes exactly the rows ``append`` would write for records whose
digest is SHA-256 of the 8-byte big-endian entry number (kind ``bench``): leaf data v1, leaf
hash, and every perfect-subtree node via the same binary-counter frontier, with executemany in
100k chunks and ``synchronous=OFF`` (a one-off build, not an append path). It is checked by
building a small log both ways and comparing roots, and by ``verify_ledger``.

    .venv/bin/python bench/ledger.py                       # full run (~10 min, ~3 GB disk)
    .venv/bin/python bench/ledger.py --quick               # 10^5 proofs / 10^5 verify
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib.metadata
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text

from zhengji.ledger import append, append_many, canonical, log, merkle, note, tree
from zhengji.ledger.verify import verify_ledger
from zhengji.store import Store
from zhengji.store.schema_ledger import LedgerCheckpointRow

ORIGIN = "bench.example/ledger"


def record(i: int) -> dict[str, object]:
    """A realistic small record (a decision's summary)."""
    return {
        "id": i,
        "type": "重大决策",
        "unit": f"U{i % 97:03d}",
        "meeting": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "votes": {"for": 7, "against": i % 3, "abstain": 0},
    }


# --- appends ------------------------------------------------------------------------------------
def bench_zhengji_batched(path: Path, n: int, batch: int) -> float:
    with Store.open(f"sqlite:///{path}") as st:
        with st.transaction() as s:
            sync = s.execute(text("PRAGMA synchronous")).scalar_one()
            mode = s.execute(text("PRAGMA journal_mode")).scalar_one()
        assert (sync, mode) == (2, "wal"), (sync, mode)  # FULL, WAL: durable on commit
        t = time.perf_counter()
        for start in range(0, n, batch):
            with st.transaction() as s:
                append_many(
                    s, [("decision", record(i)) for i in range(start, min(n, start + batch))]
                )
        return time.perf_counter() - t


def bench_zhengji_single(path: Path, n: int) -> float:
    with Store.open(f"sqlite:///{path}") as st:
        t = time.perf_counter()
        for i in range(n):
            with st.transaction() as s:
                append(s, "decision", record(i))
        return time.perf_counter() - t


def bench_pymerkle_batched(path: Path, n: int, batch: int) -> float:
    from pymerkle import SqliteTree

    with SqliteTree(str(path)) as t_:
        t = time.perf_counter()
        for start in range(0, n, batch):
            t_.append_entries([canonical(record(i)) for i in range(start, min(n, start + batch))])
        return time.perf_counter() - t


def bench_pymerkle_single(path: Path, n: int) -> float:
    from pymerkle import SqliteTree

    with SqliteTree(str(path)) as t_:
        t = time.perf_counter()
        for i in range(n):
            t_.append_entry(canonical(record(i)))
        return time.perf_counter() - t


# --- bulk generator -----------------------------------------------------------------------------
def generate(path: Path, n: int, progress: Callable[[int], None] | None = None) -> None:
    """Build a migrated ledger of ``n`` synthetic entries in bulk (see the module doc)."""
    Store.open(f"sqlite:///{path}").close()  # migrations: the real schema and triggers
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    con.execute(
        "INSERT INTO ledger_meta (id, hash_suite, origin, created_at) VALUES (1, 'sha256', ?, ?)",
        (ORIGIN, dt.datetime.now(dt.UTC).isoformat(sep=" ")),
    )
    sha = hashlib.sha256
    prefix = b"\x00\x01\x05bench"
    stack: list[tuple[int, bytes]] = []
    leaves: list[tuple[int, str, bytes, bytes]] = []
    nodes: list[tuple[int, int, bytes]] = []

    def flush() -> None:
        con.executemany(
            "INSERT INTO ledger_leaves (idx, kind, record_digest, leaf_hash) VALUES (?,?,?,?)",
            leaves,
        )
        con.executemany("INSERT INTO ledger_nodes (level, idx, hash) VALUES (?,?,?)", nodes)
        con.commit()
        leaves.clear()
        nodes.clear()

    for i in range(n):
        digest = sha(i.to_bytes(8, "big")).digest()
        lh = sha(prefix + digest).digest()
        leaves.append((i, "bench", digest, lh))
        level, node = 0, lh
        while stack and stack[-1][0] == level:
            node = sha(b"\x01" + stack.pop()[1] + node).digest()
            level += 1
            nodes.append((level, i >> level, node))
        stack.append((level, node))
        if len(leaves) == 100_000:
            flush()
            if progress:
                progress(i + 1)
    flush()
    con.close()


def check_generator(tmp: Path) -> None:
    """The generator writes what ``append`` writes: same root, and the log verifies."""
    n = 3_000
    gen = tmp / "gen_check.db"
    generate(gen, n)
    ref = tmp / "gen_ref.db"
    with Store.open(f"sqlite:///{ref}") as st, st.transaction() as s:
        log.create_ledger(s, "sha256", ORIGIN)
        digests = [hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(n)]
        log._append_digests(s, merkle.sha256, [("bench", d) for d in digests])
        ref_root = tree.root_at(s)
    with Store.open(f"sqlite:///{gen}") as st, st.transaction() as s:
        assert tree.root_at(s) == ref_root, "generator and append disagree"
        report = verify_ledger(s, record_loaders={})
        assert report.ok, report.problems


# --- proofs -------------------------------------------------------------------------------------
def bench_proofs(path: Path, n: int, count: int) -> dict[str, list[float]]:
    rng = random.Random(9162)
    out: dict[str, list[float]] = {"inclusion": [], "consistency": [], "root": [], "cpu": []}
    with Store.open(f"sqlite:///{path}") as st, st.transaction() as s:
        root = tree.root_at(s, n)
        for _ in range(count):
            i = rng.randrange(n)
            c = time.process_time()
            t = time.perf_counter()
            proof = tree.inclusion_proof(s, i, n)
            out["inclusion"].append(time.perf_counter() - t)
            out["cpu"].append(time.process_time() - c)
            (lh,) = s.execute(
                text("SELECT leaf_hash FROM ledger_leaves WHERE idx = :i"), {"i": i}
            ).one()
            assert merkle.verify_inclusion(bytes(lh), i, n, proof, root)
        for _ in range(count):
            m = rng.randrange(1, n)
            t = time.perf_counter()
            proof = tree.consistency_proof(s, m, n)
            out["consistency"].append(time.perf_counter() - t)
            t = time.perf_counter()
            old = tree.root_at(s, m)
            out["root"].append(time.perf_counter() - t)
            assert merkle.verify_consistency(m, n, old, root, proof)
    return out


def bench_pymerkle_proofs(path: Path, n: int, count: int) -> dict[str, list[float]]:
    from pymerkle import SqliteTree

    rng = random.Random(9162)
    out: dict[str, list[float]] = {"inclusion": [], "consistency": []}
    with SqliteTree(str(path)) as t_:
        t_.append_entries((i.to_bytes(8, "big") for i in range(n)), chunksize=100_000)
        for _ in range(count):
            i = rng.randrange(n)
            t = time.perf_counter()
            t_.prove_inclusion(i + 1, n)
            out["inclusion"].append(time.perf_counter() - t)
        for _ in range(count):
            m = rng.randrange(1, n)
            t = time.perf_counter()
            t_.prove_consistency(m, n)
            out["consistency"].append(time.perf_counter() - t)
    return out


# --- verification -------------------------------------------------------------------------------
def add_checkpoints(path: Path, n: int) -> note.Verifier:
    key = note.generate_key(ORIGIN)
    with Store.open(f"sqlite:///{path}") as st, st.transaction() as s:
        for size in (n // 2, n):
            root = tree.root_at(s, size)
            signed = note.sign_note(note.Checkpoint(ORIGIN, size, root).text, [key])
            s.add(
                LedgerCheckpointRow(
                    size=size, root_hash=root, note=signed, created_at=dt.datetime.now(dt.UTC)
                )
            )
    return key.verifier


def bench_verify(path: Path, key: note.Verifier) -> tuple[float, int]:
    with Store.open(f"sqlite:///{path}") as st, st.transaction() as s:
        t = time.perf_counter()
        report = verify_ledger(s, [key], record_loaders={})
        elapsed = time.perf_counter() - t
    assert report.ok and report.checkpoints_checked == 2, report.problems
    return elapsed, report.nodes_checked


def ms(xs: list[float]) -> str:
    xs = sorted(xs)
    p95 = xs[min(len(xs) - 1, int(0.95 * len(xs)))]
    return f"{statistics.median(xs) * 1e3:.2f} / {p95 * 1e3:.2f} / {xs[-1] * 1e3:.2f}"


def row(*cells: object) -> None:
    print("| " + " | ".join(str(c) for c in cells) + " |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--appends", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=1_000)
    ap.add_argument("--single", type=int, default=2_000)
    ap.add_argument("--proof-size", type=int, default=10_000_000)
    ap.add_argument("--proofs", type=int, default=1_000)
    ap.add_argument("--verify-size", type=int, default=1_000_000)
    ap.add_argument("--peer-proof-size", type=int, default=1_000_000)
    ap.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    ap.add_argument(
        "--only",
        default="appends,proofs,verify",
        help="comma-separated sections to run (appends, proofs, verify)",
    )
    ap.add_argument("--dir", type=Path, default=Path.cwd(), help="where the temp dir goes")
    a = ap.parse_args()
    if a.quick:
        a.appends, a.single, a.proofs = 10_000, 300, 200
        a.proof_size = a.verify_size = a.peer_proof_size = 100_000
    with tempfile.TemporaryDirectory(dir=a.dir) as d:
        tmp = Path(d)
        print(
            f"# bench/ledger.py — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
            f"pymerkle {importlib.metadata.version('pymerkle')}, {platform.machine()}",
            flush=True,
        )
        check_generator(tmp)
        print("generator check: OK (same root as append, verify_ledger passes)\n", flush=True)

        only = set(a.only.split(","))
        if "appends" in only:
            run_appends(tmp, a)
        if "proofs" in only:
            run_proofs(tmp, a)
        if "verify" in only:
            run_verify(tmp, a)


def run_appends(tmp: Path, a: argparse.Namespace) -> None:
    zb = bench_zhengji_batched(tmp / "zb.db", a.appends, a.batch)
    pb = bench_pymerkle_batched(tmp / "pb.db", a.appends, a.batch)
    zs = bench_zhengji_single(tmp / "zs.db", a.single)
    ps = bench_pymerkle_single(tmp / "ps.db", a.single)
    row("append (SQLite, durable)", "zhengji entries/s", "pymerkle entries/s", "ratio")
    row("---", "---:", "---:", "---:")
    row(
        f"batched, {a.batch:,} per transaction, {a.appends:,} entries",
        f"{a.appends / zb:,.0f}",
        f"{a.appends / pb:,.0f}",
        f"{pb / zb:.2f}",
    )
    row(
        f"one per transaction, {a.single:,} entries",
        f"{a.single / zs:,.0f}",
        f"{a.single / ps:,.0f}",
        f"{ps / zs:.2f}",
    )

    t = time.perf_counter()
    for i in range(20_000):
        hashlib.sha256(canonical(record(i))).digest()
    per_rec = (time.perf_counter() - t) / 20_000
    print(f"\nRFC 8785 canonical + SHA-256 of one record: {per_rec * 1e6:.1f} µs", flush=True)


def run_proofs(tmp: Path, a: argparse.Namespace) -> None:
    big = tmp / "big.db"
    t = time.perf_counter()
    generate(big, a.proof_size, _progress)
    gen_s = time.perf_counter() - t
    size_mb = big.stat().st_size / 1e6
    pr = bench_proofs(big, a.proof_size, a.proofs)
    print(f"\nbulk generator: {a.proof_size:,} entries in {gen_s:.0f} s ({size_mb:,.0f} MB)\n")
    load = os.getloadavg()[0]
    row(
        f"at {a.proof_size:,} entries, {a.proofs} each (load {load:.1f})", "median / p95 / max (ms)"
    )
    row("---", "---:")
    row("inclusion proof (random index, size n)", ms(pr["inclusion"]))
    row("inclusion proof, CPU time of this process", ms(pr["cpu"]))
    row("consistency proof (random m → n)", ms(pr["consistency"]))
    row("root at a random old size m", ms(pr["root"]))
    big.unlink()


def run_verify(tmp: Path, a: argparse.Namespace) -> None:
    vdb = tmp / "verify.db"
    generate(vdb, a.verify_size)
    key = add_checkpoints(vdb, a.verify_size)
    vs, nodes = bench_verify(vdb, key)
    print(
        f"\nfull verification, {a.verify_size:,} entries ({nodes:,} stored nodes, "
        f"2 signed checkpoints): {vs:.1f} s\n",
        flush=True,
    )
    zp = bench_proofs(vdb, a.verify_size, min(a.proofs, 200))
    pp = bench_pymerkle_proofs(tmp / "pp.db", a.peer_proof_size, min(a.proofs, 200))
    row(f"proofs at {a.verify_size:,}, median ms", "zhengji", "pymerkle", "ratio")
    row("---", "---:", "---:", "---:")
    for kind in ("inclusion", "consistency"):
        z, p = statistics.median(zp[kind]), statistics.median(pp[kind])
        row(kind, f"{z * 1e3:.2f}", f"{p * 1e3:.2f}", f"{p / z:.1f}")
    print(f"(pymerkle's slowest, cold cache: inclusion {max(pp['inclusion']) * 1e3:.0f} ms)")


def _progress(k: int) -> None:
    if k % 1_000_000 == 0:
        print(f"  generated {k:,}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
