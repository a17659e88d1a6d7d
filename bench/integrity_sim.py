"""Simulation study of the integrity screen (issue 11): recall and false-discovery rate per check.

Seeded synthetic worlds of counties × years where honest units follow the model, with one kind
of manipulation planted per world at a known size; every world goes through the real
``screen(scheme, panel)`` with a scheme that declares all checks (digits, proxies, an additive
indicator, a growth target), so each flag competes in the run-wide Benjamini–Hochberg family as
it would in use. Flag = severity ≠ info and q ≤ 0.1. Per check type:

* recall = planted cases flagged / planted cases;
* FDR = false flags / all flags of that check type in the worlds planting that type (a flag is
  false when it names a unit, cell or parent-period where nothing was planted); reported as the
  mean over worlds of false/flags (0 when a world has no flag: the definition of the FDR) and as
  the pooled ratio Σ false / Σ flags, as ``docs/integrity_checks.md`` does;
* target bunching is one pooled test per world: recall = planted worlds flagged, FDR = flags in
  honest worlds / all flags (as many honest as planted worlds).

Every check type also reports its false flags per fully honest world.

    .venv/bin/python bench/integrity_sim.py                  # 50 worlds per type (~4 min)
    .venv/bin/python bench/integrity_sim.py --worlds 10 --no-plot
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from zhengji.engine.panel import Panel
from zhengji.integrity.findings import Finding
from zhengji.integrity.screen import ScreenResult, screen
from zhengji.scheme.load import scheme_from_dict
from zhengji.scheme.model import Scheme

__all__ = [
    "KINDS",
    "Row",
    "Sizes",
    "World",
    "make_scheme",
    "make_world",
    "markdown",
    "plot",
    "run",
    "score_world",
]

FloatArray = NDArray[np.float64]
ROOT = Path(__file__).resolve().parents[1]
PLOT = ROOT / "docs" / "img" / "integrity_recall_fdr.png"
N_FIGURES = 20  # level figures per county (reported statistics), besides GDP growth
TARGET = 6.5  # declared GDP growth target, percent
TOLERANCE = 0.01  # sum-of-parts tolerance declared for the additive indicator
WITH_TOWNSHIPS = 20  # counties that have townships (3 each) for the sum of parts
Q = 0.1

DIGIT_KINDS = ("rounding", "invented", "copied")
#: planted manipulation → the check types that are meant to catch it
KINDS: dict[str, tuple[str, ...]] = {
    "inflation": ("proxy_persistent", "proxy_residual"),
    "rounding": ("digits.last",),
    "invented": ("digits.benford",),
    "copied": ("digits.duplication",),
    "smooth": ("too_smooth",),
    "sum_gap": ("sum_of_parts",),
    "bunching": ("target_bunching",),
    "outlier": ("peer_outlier",),
}


@dataclass(frozen=True)
class Sizes:
    """Sizes of the planted manipulations and the noise of the honest world."""

    units: int = 80  # counties, in 4 categories of equal size
    periods: int = 10
    proxy_noise: float = 1.0  # proxy noise sd per unit of slope (docs/integrity_checks.md)
    inflation_pp: float = 2.0  # added to reported GDP growth, pp a year …
    inflation_years: int = 3  # … for this many consecutive years
    round_share: float = 0.5  # share of a unit's figures rounded to a multiple of 5
    invented_share: float = 0.5  # share of a unit's figures with an invented (uniform) mantissa
    copied_indicators: int = 10  # indicators whose previous-year figure is reported again …
    copied_years: int = 3  # … in this many years
    smooth_ratio: float = 0.3  # planted growth sd / the unit's honest growth sd
    gap_share: float = 0.03  # county total above the sum of its townships (tolerance 1 %)
    honest_gap_sd: float = 0.002  # honest statistical discrepancy of the sum, relative sd
    bunching_share: float = 0.5  # just-missers (within 1 pp below target) who report ≥ target
    outlier_pp: float = 10.0  # one-year spike of reported GDP growth (≈ 4.7 peer sd)


@dataclass(frozen=True)
class World:
    """A panel, what was planted in it (keys per check type) and the planted kind."""

    panel: Panel
    kind: str
    planted: dict[str, set[tuple[str, ...]]] = field(default_factory=dict)


def make_scheme(digits: bool = True) -> Scheme:
    """A county scheme declaring every check: digits (unless ``digits=False``), GDP growth vs
    four proxies, an additive indicator (townships sum to the county) and a growth target."""
    figures = [f"s{i:02d}" for i in range(1, N_FIGURES + 1)]
    return scheme_from_dict(
        {
            "scheme": {"id": "sim", "name": "核查模拟"},
            "levels": ["county"],
            "indicators": [{"id": "gdp_growth", "name": "GDP增速", "parent": "index"}]
            + [{"id": f, "name": f"统计数{f}", "parent": "index"} for f in figures],
            "denominators": [{"id": p, "name": p} for p in ("power", "freight", "loans", "tax")],
            "vetoes": [{"id": "falsification", "name": "数据造假", "cap": "较差"}],
            "integrity": {
                "digits": digits,
                "veto": "falsification",
                "proxies": [
                    {"indicator": "gdp_growth", "proxies": ["power", "freight", "loans", "tax"]}
                ],
                "additive": [{"indicator": "s01", "tolerance": TOLERANCE}],
                "targets": [{"indicator": "gdp_growth", "target": TARGET, "window": 0.5}],
            },
        }
    )


def _pick(rng: np.random.Generator, n: int, k: int) -> list[int]:
    return sorted(int(i) for i in rng.choice(n, size=k, replace=False))


def make_world(kind: str, seed: int, sizes: Sizes = Sizes()) -> World:
    """One seeded world with ``kind`` planted (``"honest"``: nothing) in 1–3 units or cells."""
    rng = np.random.default_rng([seed, sorted([*KINDS, "honest"]).index(kind)])
    n, T = sizes.units, sizes.periods
    ids = [f"c{u:03d}" for u in range(n)]
    cats = [f"k{u % 4}" for u in range(n)]
    periods = tuple(str(2016 + t) for t in range(T))
    # true growth: period mean + category + unit level + noise (pp)
    g = (
        rng.normal(7, 1.5, T)[None, :]
        + rng.normal(0, 0.5, 4)[np.arange(n) % 4][:, None]
        + rng.normal(0, 1.5, n)[:, None]
        + rng.normal(0, 1.5, (n, T))
    )
    slopes = (0.9, 1.2, 0.8, 1.0)
    proxies = [
        1 + b * g + rng.normal(0, 0.5, n)[:, None] + rng.normal(0, sizes.proxy_noise * b, (n, T))
        for b in slopes
    ]
    # level figures: indicator scale × unit size × indicator-unit factor, growing over time
    base = 10 ** rng.uniform(1.5, 4.5, N_FIGURES)
    size = np.exp(rng.normal(0, 1.0, n))
    start = base[None, :] * size[:, None] * np.exp(rng.normal(0, 0.5, (n, N_FIGURES)))
    step = 1 + (g[:, :, None] + rng.normal(0, 3, (n, T, N_FIGURES))) / 100
    levels = start[:, None, :] * np.cumprod(step, axis=1)  # (n, T, figures)
    rep_g = g.copy()
    planted: dict[str, set[tuple[str, ...]]] = {c: set() for cs in KINDS.values() for c in cs}
    k = int(rng.integers(1, 4))  # 1–3 planted units or cells
    who = _pick(rng, n, k)
    if kind == "inflation":
        for u in who:
            a = int(rng.integers(0, T - sizes.inflation_years + 1))
            rep_g[u, a : a + sizes.inflation_years] += sizes.inflation_pp
            planted["proxy_persistent"].add((ids[u],))
            planted["proxy_residual"] |= {
                (ids[u], periods[t]) for t in range(a, a + sizes.inflation_years)
            }
    elif kind == "smooth":
        for u in who:
            m = g[u].mean()
            rep_g[u] = m + sizes.smooth_ratio * (g[u] - m)
            planted["too_smooth"].add((ids[u],))
    elif kind == "outlier":
        cells = _pick(rng, n * T, k)
        for c in cells:
            u, t = divmod(c, T)
            rep_g[u, t] += sizes.outlier_pp
            planted["peer_outlier"].add((ids[u], periods[t]))
    elif kind == "bunching":
        near = (g >= TARGET - 1) & (g < TARGET) & (rng.random((n, T)) < sizes.bunching_share)
        rep_g[near] = TARGET + rng.integers(0, 3, int(near.sum())) / 10
        planted["target_bunching"].add(("*",))
    figs = np.round(levels)
    if kind in ("rounding", "invented", "copied"):
        for u in who:
            if kind == "rounding":
                m = rng.random((T, N_FIGURES)) < sizes.round_share
                figs[u][m] = 5 * np.round(levels[u][m] / 5)
                planted["digits.last"].add((ids[u],))
            elif kind == "invented":
                m = rng.random((T, N_FIGURES)) < sizes.invented_share
                mag = 10 ** np.floor(np.log10(levels[u][m]))
                figs[u][m] = np.round(rng.uniform(1, 10, int(m.sum())) * mag)
                planted["digits.benford"].add((ids[u],))
            else:
                for i in rng.choice(N_FIGURES, sizes.copied_indicators, replace=False):
                    for t in rng.choice(np.arange(1, T), sizes.copied_years, replace=False):
                        figs[u, t, i] = figs[u, t - 1, i]
                planted["digits.duplication"].add((ids[u],))
    # townships: the first WITH_TOWNSHIPS counties have 3 each; s01 of the county is their sum
    town_ids: list[str] = []
    town_s01: list[FloatArray] = []
    for u in range(WITH_TOWNSHIPS):
        w = rng.dirichlet(np.ones(3) * 4)
        parts = np.round(levels[u, :, 0][None, :] * w[:, None])
        town_s01 += list(parts)
        town_ids += [f"{ids[u]}_t{j}" for j in range(3)]
        total = parts.sum(axis=0) * (1 + rng.normal(0, sizes.honest_gap_sd, T))
        figs[u, :, 0] = np.round(total)
    if kind == "sum_gap":
        for c in _pick(rng, WITH_TOWNSHIPS * T, k):
            u, t = divmod(c, T)
            figs[u, t, 0] = np.round(figs[u, t, 0] * (1 + sizes.gap_share))
            planted["sum_of_parts"].add((ids[u], periods[t]))
    variables = ("gdp_growth", *[f"s{i:02d}" for i in range(1, N_FIGURES + 1)],
                 "power", "freight", "loans", "tax")  # fmt: skip
    county = np.concatenate(
        [np.round(rep_g, 1)[:, :, None], figs, np.round(np.stack(proxies, axis=-1), 1)], axis=2
    ).transpose(1, 0, 2)  # (T, n, v)
    towns = np.full((T, len(town_ids), len(variables)), np.nan)
    towns[:, :, 1] = np.array(town_s01).T
    all_ids = (*ids, *town_ids)
    panel = Panel(
        all_ids,
        all_ids,
        (*cats, *["" for _ in town_ids]),
        periods,
        variables,
        np.concatenate([county, towns], axis=1),
        parents=(*["" for _ in ids], *[t.split("_")[0] for t in town_ids]),
        levels=(*["county" for _ in ids], *["township" for _ in town_ids]),
        synthetic=True,
    )
    return World(panel, kind, planted)


_BENFORD = {"digits.first", "digits.second", "digits.first_two"}
_LAST = {"digits.last", "digits.last_two", "digits.repeated_pairs", "digits.adjacent_pairs",
         "digits.round_0_5"}  # fmt: skip


def _check_type(f: Finding) -> str:
    """Digit tests count as two check types per unit: Benford (first, second, first two) and
    last digits (last, last two, pairs, 0-or-5); any of their tests flagging flags the unit."""
    if f.check in _BENFORD:
        return "digits.benford"
    if f.check in _LAST:
        return "digits.last"
    return f.check


def _key(f: Finding, ctype: str) -> tuple[str, ...]:
    if ctype in ("proxy_residual", "peer_outlier", "sum_of_parts"):
        return (f.unit_id, f.periods[0])
    return (f.unit_id,)


def flags_by_type(result: ScreenResult) -> dict[str, set[tuple[str, ...]]]:
    """Flagged discoveries (severity ≠ info and q ≤ 0.1) per check type."""
    out: dict[str, set[tuple[str, ...]]] = {}
    for f in result.flagged:
        if f.q_value <= Q:
            c = _check_type(f)
            out.setdefault(c, set()).add(_key(f, c))
    return out


@dataclass
class Tally:
    """Counts of one check type over worlds."""

    planted: int = 0
    hits: int = 0
    flags: int = 0
    false: int = 0
    fdr_per_world: list[float] = field(default_factory=list)
    honest_false: int = 0
    honest_worlds: int = 0


@dataclass(frozen=True)
class Row:
    """One line of the result table."""

    kind: str
    check: str
    size: str
    recall: float
    fdr_mean: float
    fdr_pooled: float
    false_per_honest_world: float
    planted: int


def score_world(
    world: World, flags: dict[str, set[tuple[str, ...]]], tallies: dict[str, Tally]
) -> None:
    """Add one planted world's flags to the tallies of the check types its kind targets."""
    for c in KINDS[world.kind]:
        t = tallies.setdefault(f"{world.kind}:{c}", Tally())
        truth, got = world.planted[c], flags.get(c, set())
        t.planted += len(truth)
        t.hits += len(truth & got)
        t.flags += len(got)
        t.false += len(got - truth)
        t.fdr_per_world.append(len(got - truth) / len(got) if got else 0.0)


def _size(kind: str, s: Sizes) -> str:
    return {
        "inflation": f"+{s.inflation_pp:g} pp/yr × {s.inflation_years} yr, proxy noise "
        f"{s.proxy_noise:g}",
        "rounding": f"{s.round_share:.0%} of figures rounded to 0/5",
        "invented": f"{s.invented_share:.0%} of figures, uniform mantissa",
        "copied": f"{s.copied_indicators} indicators × {s.copied_years} yr repeated",
        "smooth": f"growth sd × {s.smooth_ratio:g}",
        "sum_gap": f"gap {s.gap_share:.0%} (tolerance {TOLERANCE:.0%})",
        "bunching": f"{s.bunching_share:.0%} of just-missers report ≥ target",
        "outlier": f"+{s.outlier_pp:g} pp in one year",
    }[kind]


Flags = dict[str, set[tuple[str, ...]]]


def _screen_one(task: tuple[str, int, Sizes, bool]) -> tuple[World, Flags]:
    """Build and screen one world (a process-pool task)."""
    kind, seed, sizes, digits = task
    world = make_world(kind, seed, sizes)
    return world, flags_by_type(screen(make_scheme(digits), world.panel))


def run(
    worlds: int = 50,
    sizes: Sizes = Sizes(),
    kinds: Sequence[str] = tuple(KINDS),
    *,
    digits: bool = True,
    jobs: int = 1,
) -> list[Row]:
    """``worlds`` seeded worlds per planted kind plus ``worlds`` honest ones, all screened with
    one scheme (``digits=False``: without the digit and duplication tests)."""
    tasks = [(k, s, sizes, digits) for k in ("honest", *kinds) for s in range(worlds)]
    if jobs > 1:
        with ProcessPoolExecutor(jobs) as pool:
            done = list(pool.map(_screen_one, tasks, chunksize=4))
    else:
        done = [_screen_one(t) for t in tasks]
    tallies: dict[str, Tally] = {}
    honest_flags: dict[str, int] = {}
    bunch_honest = 0
    for world, flags in done:
        if world.kind == "honest":
            for c, got in flags.items():
                honest_flags[c] = honest_flags.get(c, 0) + len(got)
            bunch_honest += int("target_bunching" in flags)
        else:
            score_world(world, flags, tallies)
    rows = []
    for kind in kinds:
        for c in KINDS[kind]:
            t = tallies[f"{kind}:{c}"]
            per_honest = honest_flags.get(c, 0) / max(worlds, 1)
            if c == "target_bunching":  # pooled: honest worlds are the negatives
                flags_all = t.hits + bunch_honest
                fdr = bunch_honest / flags_all if flags_all else 0.0
                rows.append(Row(kind, c, _size(kind, sizes), t.hits / t.planted, fdr, fdr,
                                per_honest, t.planted))  # fmt: skip
                continue
            rows.append(
                Row(
                    kind,
                    c,
                    _size(kind, sizes),
                    t.hits / t.planted if t.planted else math.nan,
                    float(np.mean(t.fdr_per_world)),
                    t.false / t.flags if t.flags else 0.0,
                    per_honest,
                    t.planted,
                )
            )
    return rows


def meets(row: Row) -> bool:
    """The issue's target: recall ≥ 90 % at ≤ 10 % false discoveries (mean over worlds)."""
    return row.recall >= 0.9 and row.fdr_mean <= 0.1


def markdown(rows: Sequence[Row], worlds: int) -> str:
    """The result table (markdown)."""
    lines = [
        f"| planted | check | size | planted cases ({worlds} worlds) | recall | FDR (mean) "
        "| FDR (pooled) | false flags / honest world | target met |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.kind} | `{r.check}` | {r.size} | {r.planted} | {r.recall:.3f} | "
            f"{r.fdr_mean:.3f} | {r.fdr_pooled:.3f} | {r.false_per_honest_world:.2f} | "
            f"{'yes' if meets(r) else 'no'} |"
        )
    return "\n".join(lines)


def plot(panels: Sequence[tuple[str, Sequence[Row]]], path: Path = PLOT) -> bool:
    """Bars of recall and FDR per check type, one panel per scheme, with the 90 % / 10 %
    target lines. False when matplotlib is not importable (table only)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not importable: table only", file=sys.stderr)
        return False
    fig, axes = plt.subplots(len(panels), 1, figsize=(11, 4.2 * len(panels)), squeeze=False)
    for ax, (title, rows) in zip(axes[:, 0], panels, strict=True):
        x = np.arange(len(rows))
        ax.bar(x - 0.2, [r.recall for r in rows], 0.4, label="recall", color="#3b75af")
        ax.bar(x + 0.2, [r.fdr_mean for r in rows], 0.4, label="FDR (mean over worlds)",
               color="#d1603d")  # fmt: skip
        ax.axhline(0.9, color="#3b75af", ls="--", lw=1, label="recall target 0.90")
        ax.axhline(0.1, color="#d1603d", ls="--", lw=1, label="FDR target 0.10")
        ax.set_xticks(x, [f"{r.kind}\n{r.check}" for r in rows], fontsize=7)
        ax.set_ylim(0, 1.3)
        ax.set_yticks(np.arange(0, 1.01, 0.2))
        ax.set_ylabel("share")
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=7, loc="upper center", ncol=4, frameon=False)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("--worlds", type=int, default=50, help="worlds per planted kind (default 50)")
    # "invented" (per-unit Benford) is not run by default: the screen runs Benford tests per
    # declared indicator across units, never per unit (see docs/integrity.md).
    default = [k for k in KINDS if k != "invented"]
    ap.add_argument("--kinds", nargs="*", default=default, choices=list(KINDS))
    ap.add_argument("--proxy-noise", type=float, default=Sizes.proxy_noise)
    ap.add_argument("--inflation-pp", type=float, default=Sizes.inflation_pp)
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--no-plot", action="store_true")
    args = ap.parse_args(argv)
    sizes = replace(Sizes(), proxy_noise=args.proxy_noise, inflation_pp=args.inflation_pp)
    t0 = time.perf_counter()
    full = run(args.worlds, sizes, args.kinds, jobs=args.jobs)
    print("All checks declared (digits = true):\n")
    print(markdown(full, args.worlds))
    other = [k for k in args.kinds if k not in DIGIT_KINDS]
    panels: list[tuple[str, Sequence[Row]]] = [("all checks declared (digits = true)", full)]
    if other:
        lean = run(args.worlds, sizes, other, digits=False, jobs=args.jobs)
        print("\nSame worlds, digit tests not declared (digits = false):\n")
        print(markdown(lean, args.worlds))
        panels.append(("same worlds, digit tests not declared (digits = false)", lean))
    print(f"\n{time.perf_counter() - t0:.0f} s, {args.jobs} processes", file=sys.stderr)
    if not args.no_plot and plot(panels):
        print(f"plot: {PLOT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
