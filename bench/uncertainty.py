"""Uncertainty-analysis benchmark: vectorised replications against a rebuild loop (COINr's way).

Workload (issue 6 goals): 1,000 replications for 2,800 units × 60 indicators (all China's
county-level units) and for 40,000 units × 200 indicators. Scheme: index → pillars (20
indicators each) → indicators, fixed random weights, min-max 1–100, arithmetic. Uncertain
choices: ±25 % uniform weight noise at every level, normalisation (min-max 1–100 or percentile
1–100), index aggregation (arithmetic or geometric), leave one pillar out.

Rows: ``zhengji vectorised`` is ``run_uncertainty`` end to end (the nominal run, one engine
run per data alternative, every replication re-aggregated as array operations, ranks, grade
odds, rank intervals, pair probabilities). ``rebuild loop`` is the COINr way: per replication,
build the variant scheme and call ``zhengji.engine.assess`` on it; it is timed over
``--rebuilds`` replications and scaled to the same number (stated in the output), and its
scores are compared with the vectorised ones for those replications.

    .venv/bin/python bench/uncertainty.py                  # both sizes, updates docs/benchmarks.md
    .venv/bin/python bench/uncertainty.py --sizes 2800x60 --no-doc
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

from engine import Workload, generate  # noqa: E402  (bench/engine.py's seeded workload)

DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench/uncertainty.py:start -->", "<!-- bench/uncertainty.py:end -->"


def scheme_toml(w: Workload, seed: int) -> str:
    rng = np.random.default_rng(seed)
    lines = [
        "[scheme]",
        'id = "bench_uncertainty"',
        'name = "不确定性基准"',
        "",
        "[index]",
        'aggregation = "arithmetic"',
        "",
        "[treatment]",
        'outliers = "none"',
        'missing = "drop_reweight"',
        'normalisation = { method = "minmax", low = 1, high = 100 }',
        "",
        "[uncertainty]",
        "replications = 1000",
        'weights = "uniform"',
        "weight_noise = 0.25",
        'normalisation = [{ method = "percentile", low = 1, high = 100 }]',
        'aggregation = ["geometric"]',
        'leave_out = "pillar"',
        "",
    ]
    for p in range(len(w.groups)):
        lines += [
            "[[pillars]]",
            f'id = "p{p:02d}"',
            f'name = "维度{p}"',
            'parent = "index"',
            f"weight = {rng.uniform(0.5, 2):.4f}",
            "",
        ]
    for j in range(w.X.shape[1]):
        lines += [
            "[[indicators]]",
            f'id = "x{j:03d}"',
            f'name = "指标{j}"',
            f'parent = "p{int(w.pillar[j]):02d}"',
            f'direction = "{"lower" if w.lower[j] else "higher"}"',
            f"weight = {rng.uniform(0.5, 2):.4f}",
            "",
        ]
    return "\n".join(lines)


def _hwm() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reset_hwm() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def run_size(
    units: int, indicators: int, replications: int, rebuilds: int, seed: int
) -> dict[str, Any]:
    from zhengji.engine.assess import assess
    from zhengji.engine.panel import Panel
    from zhengji.engine.uncertainty import (
        build_design,
        replicate_scores,
        run_uncertainty,
        variant_scheme,
    )
    from zhengji.scheme import parse_scheme

    w = generate(units, indicators, max(1, indicators // 20), seed)
    scheme = parse_scheme(scheme_toml(w, seed))
    ids = tuple(f"u{i}" for i in range(units))
    panel = Panel(
        unit_ids=ids,
        unit_names=ids,
        categories=("",) * units,
        periods=("2024",),
        variables=tuple(f"x{j:03d}" for j in range(indicators)),
        values=w.X[None, :, :],
    )
    assess(scheme, panel)  # warm imports and caches
    gc.collect()
    base_mb = _hwm()
    _reset_hwm()
    base_rss = _hwm()
    t0, c0 = time.perf_counter(), time.process_time()
    res = run_uncertainty(scheme, panel, replications=replications, seed=seed)
    t_vec, c_vec = time.perf_counter() - t0, time.process_time() - c0
    peak = _hwm() - base_rss
    # the rebuild loop on the first `rebuilds` replications of the same draw
    spec = scheme.uncertainty.model_copy(update={"replications": replications, "seed": seed})
    design = build_design(scheme, spec)
    rows = res.choices[:rebuilds]
    t0, c0 = time.perf_counter(), time.process_time()
    rebuilt = []
    for r in range(rebuilds):
        rebuilt.append(np.asarray(assess(variant_scheme(design, rows[r]), panel).score))
    t_loop = (time.perf_counter() - t0) / rebuilds
    c_loop = (time.process_time() - c0) / rebuilds
    vec = replicate_scores(design, panel, rows)
    assert vec is not None
    diff = float(np.nanmax(np.abs(np.vstack(rebuilt) - vec)))
    same_rank = bool((res.ranks[:rebuilds] == np.vstack([_ranks(x) for x in rebuilt])).all())
    return {
        "size": f"{units:,} × {indicators}",
        "replications": replications,
        "factors": ", ".join(f"{f.name} ({len(f.options)})" for f in res.factors),
        "vectorised_s": t_vec,
        "vectorised_cpu_s": c_vec,
        "loop_cpu_ratio": c_loop * replications / c_vec,
        "load": os.getloadavg()[0],
        "loop_per_rep_s": t_loop,
        "loop_s": t_loop * replications,
        "ratio": t_loop * replications / t_vec,
        "rebuilds": rebuilds,
        "max_abs_diff": diff,
        "same_ranks": same_rank,
        "peak_rss_mb": peak,
        "baseline_mb": base_mb,
        "input_mb": w.X.nbytes / 2**20,
    }


def _ranks(score: np.ndarray) -> np.ndarray:
    from zhengji.engine.uncertainty import rank_rows

    return rank_rows(score)[0]


def machine() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs (load average "
        f"{load:.1f} at the end: the machine is shared); Python {platform.python_version()}; "
        f"NumPy {np.__version__}"
    )


def markdown(results: list[dict[str, Any]], command: str) -> str:
    head = (
        "| size | replications | zhengji vectorised (s) | CPU (s) | rebuild loop (s, scaled) | "
        "loop ÷ vectorised (wall / CPU) | goal | load | peak RSS (MB) | input (MB) | "
        "agreement |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    )
    goal = {"2,800 × 60": 5.0, "40,000 × 200": 60.0}
    rows = []
    for r in results:
        g = goal.get(r["size"])
        ok = "—" if g is None else (f"< {g:g} s ✓" if r["vectorised_s"] < g else f"< {g:g} s ✗")
        rows.append(
            f"| {r['size']} | {r['replications']:,} | {r['vectorised_s']:.2f} | "
            f"{r['vectorised_cpu_s']:.2f} | "
            f"{r['loop_s']:.0f} ({r['loop_per_rep_s']:.3f} s × {r['replications']:,}; timed on "
            f"{r['rebuilds']}) | {r['ratio']:.0f}× / {r['loop_cpu_ratio']:.0f}× | {ok} | "
            f"{r['load']:.1f} | {r['peak_rss_mb']:.0f} | "
            f"{r['input_mb']:.0f} | max \\|Δscore\\| {r['max_abs_diff']:.1e}, ranks "
            f"{'identical' if r['same_ranks'] else 'DIFFER'} |"
        )
    factors = "; ".join(f"{r['size']}: {r['factors']}" for r in results)
    return "\n".join(
        [
            START,
            "## Uncertainty analysis (`bench/uncertainty.py`)",
            "",
            f"Run {dt.date.today().isoformat()} with `{command}` on {machine()}.",
            "",
            f"Uncertain choices (options): {factors}. The rebuild loop is COINr's way "
            "(`get_sensitivity` regenerates the coin per replication): build the replication's "
            "scheme and call `engine.assess`; it is timed on the first replications of the same "
            "draw and scaled to the full count, and its scores are compared with the vectorised "
            "ones for those replications.",
            "",
            head,
            *rows,
            "",
            "Peak RSS: the process's RSS high-water mark during the vectorised run above the "
            "level before it (`/proc/self/clear_refs` reset, `VmHWM`); it includes the engine "
            "runs of the data alternatives. Replications are processed in chunks of at most "
            "2^24 / (units × 8) (the work arrays of one chunk stay around 128 MiB); the stored "
            "ranks take replications × units × 2 bytes.",
            END,
        ]
    )


def write_doc(section: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", nargs="+", default=["2800x60", "40000x200"])
    ap.add_argument("--replications", type=int, default=1000)
    ap.add_argument("--rebuilds", type=int, default=None, help="rebuild-loop replications timed")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-doc", action="store_true")
    args = ap.parse_args(argv)
    results = []
    for s in args.sizes:
        n, k = (int(x) for x in s.lower().split("x"))
        rebuilds = args.rebuilds or (20 if n * k <= 200_000 else 5)
        r = run_size(n, k, args.replications, rebuilds, args.seed)
        print(
            f"{r['size']}: vectorised {r['vectorised_s']:.2f} s; rebuild loop "
            f"{r['loop_per_rep_s']:.3f} s/rep → {r['loop_s']:.0f} s ({r['ratio']:.0f}×); "
            f"CPU {r['vectorised_cpu_s']:.2f} s (loop ÷ vectorised {r['loop_cpu_ratio']:.0f}×); "
            f"load {r['load']:.1f}; "
            f"peak RSS +{r['peak_rss_mb']:.0f} MB; max |Δ| {r['max_abs_diff']:.1e}; "
            f"ranks identical: {r['same_ranks']}",
            flush=True,
        )
        results.append(r)
    command = "python bench/uncertainty.py " + " ".join(argv if argv is not None else sys.argv[1:])
    section = markdown(results, command.strip())
    print(section)
    if not args.no_doc:
        write_doc(section)


if __name__ == "__main__":
    main()
