"""Engine benchmark: zhengji ``assess`` against pymcdm and a plain pandas pipeline, one run.

Workload (issue goal): 40,000 units × 200 indicators, 3 levels (index → 10 pillars → 20
indicators each), min-max 0–100, entropy weights per pillar, TOPSIS (or arithmetic) at the
index. Each implementation runs in a fresh subprocess so one does not inflate another's memory
high-water mark; every implementation's scores are checked against zhengji's before any time is
reported, because a benchmark of different computations is worthless.

    .venv/bin/python bench/engine.py                    # full run, updates docs/benchmarks.md
    .venv/bin/python bench/engine.py --units 2000 --indicators 40 --no-doc   # quick look
    .venv/bin/python bench/engine.py --profile          # cProfile of assess (top 25)
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import gc
import importlib.metadata
import json
import os
import platform
import pstats
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench/engine.py:start -->", "<!-- bench/engine.py:end -->"
MB = 1e6
ENV_KNOBS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")

FloatArray = NDArray[np.float64]


# --- workload -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Workload:
    """The synthetic matrix and its tree: ``X`` (n, k), ``lower`` (k,), ``pillar`` (k,)."""

    X: FloatArray
    lower: NDArray[np.bool_]
    pillar: NDArray[np.int64]

    @property
    def groups(self) -> list[NDArray[np.int64]]:
        return [np.flatnonzero(self.pillar == p) for p in range(int(self.pillar.max()) + 1)]


def generate(
    units: int, indicators: int, pillars: int, seed: int, missing: float = 0.0
) -> Workload:
    """Seeded lognormal indicators sharing one latent factor; ~25 % are lower-is-better."""
    rng = np.random.default_rng(seed)
    mu = rng.uniform(0.0, 3.0, indicators)
    sigma = rng.uniform(0.3, 1.0, indicators)
    factor = rng.standard_normal((units, 1))
    z = 0.5 * factor + np.sqrt(0.75) * rng.standard_normal((units, indicators))
    X = np.exp(mu + sigma * z)
    lower = rng.random(indicators) < 0.25
    if missing > 0:
        X[rng.random(X.shape) < missing] = np.nan
    pillar = np.arange(indicators) * pillars // indicators
    return Workload(X=X, lower=lower, pillar=pillar.astype(np.int64))


def scheme_toml(w: Workload, index_aggregation: str) -> str:
    """index → pillars (entropy weights over their indicators) → indicators, min-max 0–100."""
    lines = [
        "[scheme]",
        'id = "bench"',
        'name = "基准测试"',
        "",
        "[index]",
        f'aggregation = "{index_aggregation}"',
        "",
        "[treatment]",
        'outliers = "none"',
        'missing = "drop_reweight"',
        'normalisation = { method = "minmax", low = 0, high = 100 }',
        "",
    ]
    for p in range(len(w.groups)):
        lines += [
            "[[pillars]]",
            f'id = "p{p:02d}"',
            f'name = "维度{p}"',
            'parent = "index"',
            'aggregation = "arithmetic"',
            'weighting = { method = "entropy" }',
            "",
        ]
    for j in range(w.X.shape[1]):
        lines += [
            "[[indicators]]",
            f'id = "x{j:03d}"',
            f'name = "指标{j}"',
            f'parent = "p{int(w.pillar[j]):02d}"',
            f'direction = "{"lower" if w.lower[j] else "higher"}"',
            "",
        ]
    return "\n".join(lines)


# --- implementations: each is setup(w) -> run() -> scores ---------------------------------------
Runner = Callable[[], FloatArray]


def _zhengji_assess(w: Workload, index_aggregation: str) -> Runner:
    from zhengji.engine.assess import assess
    from zhengji.engine.panel import Panel
    from zhengji.scheme import parse_scheme

    scheme = parse_scheme(scheme_toml(w, index_aggregation))
    n, k = w.X.shape
    ids = tuple(f"u{i}" for i in range(n))
    panel = Panel(
        unit_ids=ids,
        unit_names=ids,
        categories=("",) * n,
        periods=("2024",),
        variables=tuple(f"x{j:03d}" for j in range(k)),
        values=w.X[None, :, :],
    )
    return lambda: np.asarray(assess(scheme, panel).score)


def _zhengji_flat(w: Workload) -> Runner:
    from zhengji.engine.aggregate import topsis
    from zhengji.engine.weights import entropy

    types = np.where(w.lower, -1.0, 1.0)

    def run() -> FloatArray:
        weights = entropy(w.X)
        return topsis(w.X, weights, types, normalisation="minmax")

    return run


def _pymcdm_flat(w: Workload) -> Runner:
    from pymcdm.methods import TOPSIS
    from pymcdm.weights import entropy_weights

    types = np.where(w.lower, -1, 1)
    method = TOPSIS()

    def run() -> FloatArray:
        weights = entropy_weights(w.X)
        return np.asarray(method(w.X, weights, types), dtype=np.float64)

    return run


def _pandas_hier(w: Workload, index_aggregation: str) -> Runner:
    """The textbook DataFrame version: min-max, entropy per pillar, weighted sums, TOPSIS."""
    import pandas as pd

    cols = [f"x{j:03d}" for j in range(w.X.shape[1])]
    df = pd.DataFrame(w.X, columns=cols)
    lower_cols = [c for c, lo in zip(cols, w.lower, strict=True) if lo]
    groups = {f"p{p:02d}": [cols[j] for j in g] for p, g in enumerate(w.groups)}

    def run() -> FloatArray:
        lo, hi = df.min(), df.max()
        norm = (df - lo) / (hi - lo) * 100.0
        norm[lower_cols] = 100.0 - norm[lower_cols]
        pillars = {}
        for name, members in groups.items():
            sub = norm[members]
            p = sub / sub.sum()
            with np.errstate(divide="ignore", invalid="ignore"):
                plogp = (p * np.log(p)).fillna(0.0)
            e: pd.Series = -plogp.sum() / np.log(sub.count())
            d = 1.0 - e
            wt = d / d.sum()
            pillars[name] = (sub * wt).sum(axis=1) / (sub.notna() * wt).sum(axis=1)
        P = pd.DataFrame(pillars)
        if index_aggregation == "arithmetic":
            return P.mean(axis=1).to_numpy(dtype=np.float64)
        V = P / P.shape[1]
        d_plus = ((V - V.max()) ** 2).sum(axis=1) ** 0.5
        d_minus = ((V - V.min()) ** 2).sum(axis=1) ** 0.5
        return (100.0 * d_minus / (d_plus + d_minus)).to_numpy(dtype=np.float64)

    return run


def _numpy_tree(w: Workload, index_aggregation: str) -> Runner:
    """Lean NumPy, no checks, no stages kept: a floor for what the tree costs (no NaN)."""
    from scipy.special import xlogy

    sign = np.where(w.lower, -1.0, 1.0)
    groups = w.groups

    def run() -> FloatArray:
        Y = w.X * sign
        lo, hi = Y.min(axis=0), Y.max(axis=0)
        Y -= lo
        Y *= 100.0 / (hi - lo)
        n, c = Y.shape[0], len(groups)
        P = np.empty((n, c))
        for p, cols in enumerate(groups):
            sub = Y[:, cols]
            q = sub / sub.sum(axis=0)
            d = 1.0 + xlogy(q, q).sum(axis=0) / np.log(n)
            P[:, p] = sub @ (d / d.sum())
        if index_aggregation == "arithmetic":
            return np.asarray(P.mean(axis=1), dtype=np.float64)
        V = P / c
        d_plus = np.sqrt(((V - V.max(axis=0)) ** 2).sum(axis=1))
        d_minus = np.sqrt(((V - V.min(axis=0)) ** 2).sum(axis=1))
        return np.asarray(100.0 * d_minus / (d_plus + d_minus), dtype=np.float64)

    return run


def _numpy_flat(w: Workload) -> Runner:
    """Lean NumPy flat entropy + min-max TOPSIS (no checks): the floor for the flat ratio."""
    from scipy.special import xlogy

    lower = w.lower

    def run() -> FloatArray:
        X = w.X
        n = X.shape[0]
        q = X / X.sum(axis=0)
        d = 1.0 + xlogy(q, q).sum(axis=0) / np.log(n)
        wt = d / d.sum()
        lo, hi = X.min(axis=0), X.max(axis=0)
        V = (X - lo) * (wt / (hi - lo))
        pis = np.where(lower, 0.0, wt)
        nis = wt - pis
        d_plus = np.sqrt(((V - pis) ** 2).sum(axis=1))
        d_minus = np.sqrt(((V - nis) ** 2).sum(axis=1))
        return np.asarray(d_minus / (d_plus + d_minus), dtype=np.float64)

    return run


@dataclass(frozen=True)
class Impl:
    name: str
    what: str
    reference: str  # the zhengji implementation computing the same thing ("" for itself)
    setup: Callable[[Workload], Runner]
    handles_missing: bool = True


IMPLS: dict[str, Impl] = {
    i.name: i
    for i in [
        Impl(
            "zhengji assess (TOPSIS)",
            "tree: entropy per pillar, arithmetic pillars, TOPSIS index",
            "",
            lambda w: _zhengji_assess(w, "topsis"),
        ),
        Impl(
            "pandas (TOPSIS)",
            "same tree, DataFrame ops",
            "zhengji assess (TOPSIS)",
            lambda w: _pandas_hier(w, "topsis"),
        ),
        Impl(
            "numpy floor (TOPSIS)",
            "same tree, lean NumPy, no checks or stages",
            "zhengji assess (TOPSIS)",
            lambda w: _numpy_tree(w, "topsis"),
            handles_missing=False,
        ),
        Impl(
            "zhengji assess (arithmetic)",
            "tree: entropy per pillar, arithmetic everywhere",
            "",
            lambda w: _zhengji_assess(w, "arithmetic"),
        ),
        Impl(
            "pandas (arithmetic)",
            "same tree, DataFrame ops",
            "zhengji assess (arithmetic)",
            lambda w: _pandas_hier(w, "arithmetic"),
        ),
        Impl(
            "zhengji methods (flat)",
            "flat: entropy + TOPSIS (min-max) on all columns",
            "",
            _zhengji_flat,
            handles_missing=False,
        ),
        Impl(
            "numpy floor (flat)",
            "flat, lean NumPy, no checks",
            "zhengji methods (flat)",
            _numpy_flat,
            handles_missing=False,
        ),
        Impl(
            "pymcdm (flat)",
            "flat: entropy_weights + TOPSIS()",
            "zhengji methods (flat)",
            _pymcdm_flat,
            handles_missing=False,
        ),
    ]
}


# --- measuring (inside the worker subprocess) ---------------------------------------------------
def _reset_rss_peak() -> None:
    """Linux ≥ 4.0: writing 5 to clear_refs resets this process's RSS high-water mark."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _status_bytes(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _rss_high_water() -> int:
    """RSS high-water mark: ``VmHWM``, else ``getrusage``.

    ``ru_maxrss`` is not used first because it also keeps the high-water mark of the process
    image replaced by ``exec``; Python spawns workers by vfork + exec, so every worker's
    ``ru_maxrss`` would start at the parent's peak and ``clear_refs`` cannot lower it.
    """
    hwm = _status_bytes("VmHWM")
    if hwm is not None:
        return hwm
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def measure(run: Runner, repeats: int) -> tuple[dict[str, Any], FloatArray]:
    """Best-of-``repeats`` wall time; RSS and tracemalloc peaks above the post-setup baseline."""
    gc.collect()
    _reset_rss_peak()
    base = _rss_high_water()
    # If the reset did not take, the high-water mark still holds setup's peak: say so.
    reset_ok = abs(base - (_status_bytes("VmRSS") or 0)) < 4 * MB
    t0 = time.perf_counter()
    scores = run()
    times = [time.perf_counter() - t0]
    rss_peak = _rss_high_water() - base
    for _ in range(repeats - 1):
        gc.collect()
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    run()
    traced_peak = tracemalloc.get_traced_memory()[1] - before
    tracemalloc.stop()
    return {
        "time": min(times),
        "times": times,
        "rss_peak": float(rss_peak) if reset_ok else float("nan"),
        "traced_peak": float(traced_peak),
    }, scores


def worker(name: str, data: Path, out: Path, repeats: int) -> None:
    with np.load(data) as z:
        w = Workload(X=z["X"], lower=z["lower"], pillar=z["pillar"])
    run = IMPLS[name].setup(w)
    stats, scores = measure(run, repeats)
    np.save(out, np.asarray(scores, dtype=np.float64))
    print(json.dumps(stats))


# --- the parent: spawn workers, check agreement, report ------------------------------------------
@dataclass(frozen=True)
class Row:
    impl: Impl
    stats: dict[str, Any]
    scores: FloatArray


def _spawn(name: str, data: Path, tmp: Path, repeats: int) -> Row:
    out = tmp / f"{abs(hash(name))}.npy"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", name]
    cmd += ["--data", str(data), "--out", str(out), "--repeats", str(repeats)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"worker '{name}' failed:\n{proc.stderr}")
    stats = json.loads(proc.stdout.strip().splitlines()[-1])
    return Row(IMPLS[name], stats, np.load(out))


def agreement(a: FloatArray, b: FloatArray) -> tuple[float, float]:
    """Spearman rank correlation and max |a - b| over units scored by both."""
    from scipy.stats import spearmanr

    ok = np.isfinite(a) & np.isfinite(b)
    rho = float(spearmanr(a[ok], b[ok]).statistic)
    return rho, float(np.max(np.abs(a[ok] - b[ok])))


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {
        "cores (nproc)": str(os.cpu_count()),
        "CPU": cpu,
        "Python": platform.python_version(),
        "numpy": np.__version__,
    }
    blas = _blas()
    if blas:
        info["BLAS"] = blas
    import pandas

    info["pandas"] = pandas.__version__
    info["pymcdm"] = importlib.metadata.version("pymcdm")
    env = ", ".join(f"{k}={os.environ[k]}" for k in ENV_KNOBS if k in os.environ)
    info["BLAS environment"] = env or "none of " + ", ".join(ENV_KNOBS) + " set"
    return info


def _blas() -> str:
    try:
        from threadpoolctl import threadpool_info  # type: ignore[import-not-found]
    except ImportError:
        return ""
    return "; ".join(
        f"{d.get('internal_api')} {d.get('version')} ({d.get('threading_layer')}, "
        f"{d.get('num_threads')} threads, {d.get('architecture')})"
        for d in threadpool_info()
        if d.get("user_api") == "blas"
    )


def _table_rows(rows: list[Row], input_bytes: float) -> list[list[str]]:
    by_name = {r.impl.name: r for r in rows}
    out = []
    for r in rows:
        ref = by_name.get(r.impl.reference) if r.impl.reference else None
        t = r.stats["time"]
        ratio = f"{t / ref.stats['time']:.2f}×" if ref else "1 (ref)"
        agree = "—"
        if ref:
            rho, diff = agreement(r.scores, ref.scores)
            agree = f"ρ = {rho:.6f}, max\\|Δ\\| = {diff:.1e}"
        out.append(
            [
                r.impl.name,
                r.impl.what,
                f"{t:.3f}",
                f"{r.stats['times'][0]:.3f}",
                f"{r.stats['rss_peak'] / MB:.0f}",
                f"{r.stats['traced_peak'] / MB:.0f}",
                f"{r.stats['rss_peak'] / input_bytes:.1f}",
                ratio,
                agree,
            ]
        )
    return out


HEADERS = [
    "implementation",
    "computation",
    "best (s)",
    "first run (s)",
    "peak RSS (MB)",
    "peak traced (MB)",
    "RSS ÷ input",
    "time ÷ zhengji",
    "agreement with zhengji",
]
TERMINAL = (0, 2, 3, 4, 5, 6, 7, 8)  # the computation column is only in the markdown


def goals(rows: list[Row], input_bytes: float) -> list[str]:
    by = {r.impl.name: r for r in rows}
    z = by.get("zhengji assess (TOPSIS)")
    lines: list[str] = []
    if z is None:
        return lines
    t, mem = z.stats["time"], z.stats["rss_peak"]
    first = z.stats["times"][0]
    lines.append(
        f"- assess (TOPSIS) < 2 s: best {t:.2f} s → {'met' if t < 2 else 'NOT met'}; "
        f"first run {first:.2f} s → {'met' if first < 2 else 'NOT met'}"
    )
    lines.append(
        f"- memory < 3× input ({3 * input_bytes / MB:.0f} MB): peak RSS {mem / MB:.0f} MB "
        f"({mem / input_bytes:.1f}×), traced {z.stats['traced_peak'] / MB:.0f} MB → "
        f"{'met' if mem < 3 * input_bytes else 'NOT met'}"
    )
    flat, pf = by.get("zhengji methods (flat)"), by.get("pymcdm (flat)")
    if flat and pf:
        r = pf.stats["time"] / flat.stats["time"]
        lines.append(
            f"- ≥ 10× faster than pymcdm, like for like (flat entropy + TOPSIS): {r:.1f}× → "
            f"{'met' if r >= 10 else 'NOT met'}"
        )
        floor = by.get("numpy floor (flat)")
        if floor:
            r3 = pf.stats["time"] / floor.stats["time"]
            lines.append(
                f"- for scale: pymcdm flat ÷ lean-NumPy flat = {r3:.1f}× (what a plain NumPy "
                "version of the flat computation gains over pymcdm on this machine)"
            )
        r2 = pf.stats["time"] / t
        lines.append(
            f"- pymcdm flat vs the whole `assess` (tree, all stages kept): {r2:.1f}× → "
            f"{'met' if r2 >= 10 else 'NOT met'}"
        )
    return lines


def markdown(rows: list[Row], args: argparse.Namespace, input_bytes: float, command: str) -> str:
    info = machine()
    trows = _table_rows(rows, input_bytes)
    md = [
        START,
        f"## Engine: {args.units:,} units × {args.indicators} indicators",
        "",
        f"Run on {dt.date.today().isoformat()} with:",
        "",
        "```",
        command,
        "```",
        "",
        "| " + " | ".join(HEADERS) + " |",
        "|" + "---|" * len(HEADERS),
        *("| " + " | ".join(r) + " |" for r in trows),
        "",
        f"Input matrix: {args.units:,} × {args.indicators} float64 = {input_bytes / MB:.0f} MB; "
        f"{args.pillars} pillars; missing share {args.missing:g}; seed {args.seed}; "
        f"best of {args.repeats} runs.",
        "",
        "Goals (issue):",
        "",
        *goals(rows, input_bytes),
        "",
        "Machine:",
        "",
        *(f"- {k}: {v}" for k, v in info.items()),
        END,
    ]
    return "\n".join(md)


def write_doc(section: str) -> None:
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else _DOC_HEAD
    if START in text and END in text:
        head, rest = text.split(START, 1)
        tail = rest.split(END, 1)[1]
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.write_text(text, encoding="utf-8")


_DOC_HEAD = """# Benchmarks

Speed is measured by benchmark scripts, side by side with a peer in one run, as a ratio; the
section below is written by the script (between the markers), everything else by hand.
"""


def profile(w: Workload, top: int) -> None:
    run = _zhengji_assess(w, "topsis")
    run()  # warm up imports and caches
    prof = cProfile.Profile()
    prof.enable()
    run()
    prof.disable()
    pstats.Stats(prof).sort_stats("cumulative").print_stats(top)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--units", type=int, default=40_000)
    ap.add_argument("--indicators", type=int, default=200)
    ap.add_argument("--pillars", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=3, help="best of N timed runs (default 3)")
    ap.add_argument("--missing", type=float, default=0.0, help="share of cells set to NaN")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--only", nargs="*", choices=list(IMPLS), help="run these only")
    ap.add_argument("--no-doc", action="store_true", help="do not update docs/benchmarks.md")
    ap.add_argument("--profile", action="store_true", help="cProfile assess (TOPSIS) and stop")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.worker:
        worker(args.worker, args.data, args.out, args.repeats)
        return
    if not 0 <= args.missing < 1 or args.indicators < args.pillars or args.repeats < 1:
        ap.error("need 0 ≤ --missing < 1, --indicators ≥ --pillars and --repeats ≥ 1")

    w = generate(args.units, args.indicators, args.pillars, args.seed, args.missing)
    if args.profile:
        profile(w, 25)
        return

    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(Console().width, 170))
    names = args.only or list(IMPLS)
    names = [n for n in names if args.missing == 0 or IMPLS[n].handles_missing]
    input_bytes = float(w.X.nbytes)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "workload.npz"
        np.savez(data, X=w.X, lower=w.lower, pillar=w.pillar)
        for name in names:
            console.print(f"[dim]running {name} …[/dim]")
            rows.append(_spawn(name, data, Path(tmp), args.repeats))

    table = Table(title=f"{args.units:,} units × {args.indicators} indicators")
    for i in TERMINAL:
        table.add_column(HEADERS[i], justify="left" if i in (0, 8) else "right")
    for r in _table_rows(rows, input_bytes):
        table.add_row(*(r[i].replace("\\|", "|") for i in TERMINAL))
    console.print(table)
    for line in goals(rows, input_bytes):
        console.print(line)
    env = [f"{k}={os.environ[k]}" for k in ENV_KNOBS if k in os.environ]
    if env:
        console.print(f"[yellow]note: {' '.join(env)} is set; it changes OpenBLAS speed[/yellow]")

    if not args.no_doc:
        command = ".venv/bin/python bench/engine.py " + " ".join(argv or sys.argv[1:])
        write_doc(markdown(rows, args, input_bytes, command.strip()))
        console.print(f"wrote {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
