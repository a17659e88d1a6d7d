"""Integrity benchmark: digit tests over 10^8 values, and side by side with benford_py.

zhengji counts every digit statistic (first, second, first two, last, last two) of Benford
values generated chunk by chunk (generation is not timed), then runs all eight tests. The peer
row runs benford_py's ``Benford`` (first, second, first-two, last-two digits) on a sample it can
handle, with zhengji on the same sample; first-digit counts must agree before a ratio is shown.
Prints a markdown table (the lead pastes it into docs/benchmarks.md).

    .venv/bin/python bench/integrity.py                        # 10^8 values, no peer
    .venv/bin/python bench/integrity.py --values 1000000 \\
        --peer-site /tmp/peers/lib/python3.11/site-packages       # benford_py from a peer venv
    .venv/bin/python bench/integrity.py --values 1000000 --workers 1
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import time
import tracemalloc
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from zhengji.integrity.digits import (
    BENFORD_TESTS,
    LAST_TESTS,
    SHARE_TESTS,
    DigitCounts,
    count_digits,
    run_test,
)


def benford_chunks(n: int, chunk: int, seed: int) -> Iterator[np.ndarray]:
    """Benford-distributed integers 10^2..10^9, generated lazily so 10^8 never sit in memory."""
    rng = np.random.default_rng(seed)
    for start in range(0, n, chunk):
        yield np.rint(10.0 ** rng.uniform(2, 9, size=min(chunk, n - start)))


def vm_hwm_mb() -> float:
    with contextlib.suppress(OSError), open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run_zhengji(n: int, workers: int, chunk: int, seed: int, trace: bool = False) -> float:
    """Seconds counting + testing (generation excluded); with ``trace``, peak traced MB instead
    (tracemalloc slows every allocation, so memory is measured in a separate, untimed pass)."""
    gen = 1 << 22  # values per generated block; counting chunks are smaller inside
    total = DigitCounts.empty()
    spent = 0.0
    if trace:
        tracemalloc.start()
    for block in benford_chunks(n, gen, seed):
        t0 = time.perf_counter()
        total = total + count_digits(block, workers=workers, chunk_size=chunk)
        spent += time.perf_counter() - t0
    t0 = time.perf_counter()
    for test in (*BENFORD_TESTS, *LAST_TESTS, *SHARE_TESTS):
        run_test(total, test)
    spent += time.perf_counter() - t0
    assert int(total.counts("first").sum()) == n
    if trace:
        _, traced = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return traced / 1e6
    return spent


def run_peer(n: int, seed: int, workers: int) -> list[str]:
    try:
        import benford as bf  # type: ignore[import-not-found]
    except ImportError:
        return ["| benford_py | — | not installed here: run with the peer venv | | |"]
    x = next(benford_chunks(n, n, seed))
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = bf.Benford(x, decimals=0)
    t_peer = time.perf_counter() - t0
    t0 = time.perf_counter()
    counts = count_digits(x, workers=workers)
    t_count = time.perf_counter() - t0
    tests = [run_test(counts, t) for t in (*BENFORD_TESTS, *LAST_TESTS, *SHARE_TESTS)]
    t_z = time.perf_counter() - t0
    peer_f1d = b.F1D.sort_index()["Counts"].to_numpy()
    agree = np.array_equal(peer_f1d, tests[0].counts)
    mad_diff = abs(b.F1D.MAD - tests[0].mad)
    return [
        f"| benford_py `Benford(x, decimals=0)` | {n:,} | {t_peer:.2f} | "
        f"{t_peer / n * 1e9:.0f} | F1D counts equal: {agree}, MAD diff {mad_diff:.1e} |",
        f"| zhengji, same sample (8 tests) | {n:,} | {t_z:.3f} | {t_z / n * 1e9:.1f} | "
        f"**{t_peer / t_z:.0f}× faster per value**; counting {t_count * 1e3:.1f} ms "
        f"({t_peer / t_count:.0f}×), tests {(t_z - t_count) * 1e3:.1f} ms (cold MAD calibration) |",
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--values", type=int, default=10**8)
    ap.add_argument("--peer-values", type=int, default=10**6)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--chunk", type=int, default=1 << 16)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--peer-site", help="site-packages holding benford_py, appended to sys.path")
    args = ap.parse_args()
    if args.peer_site:
        sys.path.append(args.peer_site)
    secs = run_zhengji(args.values, args.workers, args.chunk, args.seed)
    rss = vm_hwm_mb()
    traced = run_zhengji(args.values, args.workers, args.chunk, args.seed, trace=True)
    print(f"cores: {os.cpu_count()}, workers: {args.workers}, numpy {np.__version__}\n")
    print("| run | values | seconds | ns / value | notes |")
    print("| --- | ---: | ---: | ---: | --- |")
    print(
        f"| zhengji count_digits + 8 tests | {args.values:,} | {secs:.2f} | "
        f"{secs / args.values * 1e9:.1f} | peak RSS {rss:.0f} MB (incl. generator), "
        f"traced peak {traced:.0f} MB |"
    )
    if not args.no_peer:
        for line in run_peer(args.peer_values, args.seed, args.workers):
            print(line)


if __name__ == "__main__":
    main()
