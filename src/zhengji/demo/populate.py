"""Fill a demo store with every capability's synthetic records, in dependency order.

Two phases around the assessment (``zhengji demo`` runs them in this order):

1. :func:`populate_inputs` — the records whose derived indicators the demo schemes weigh:
   citizen requests and the survey round, grids and disputes (after the requests: visits
   become requests), ecological accounts and GEP inputs; then their derived indicators are
   appended to the bundles (:mod:`zhengji.demo.derived`), so the assessment sees them.
2. The county and township bundles are assessed (they bring the units; the caller runs them).
3. :func:`populate_records` — what needs the assessed units and runs: the accountability
   records (tenures feed the integrity screen's turnover flag; the dossier names the county),
   cadre results (built on the county runs), and the survey's integrity signals stored as
   findings for review (the townships are assessed units by then).

Each step is its capability's own deterministic ``populate``; this module only orders them and
reports what each added, so ``zhengji demo`` and the tests share one path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zhengji.store import Store

__all__ = ["DemoRecords", "populate_inputs", "populate_records"]


@dataclass
class DemoRecords:
    """What each capability added to the demo store (its own summary object)."""

    summaries: dict[str, Any] = field(default_factory=dict)


def populate_inputs(
    store: Store,
    seed: int,
    bundle_dir: Path,
    step: Callable[[str], None] | None = None,
    done: DemoRecords | None = None,
) -> DemoRecords:
    """Phase 1: the voice, grid and eco demo records, then their derived indicators appended
    to the county bundle ``bundle_dir`` and its ``townships`` bundle (idempotent)."""
    from zhengji.demo import derived, eco, grid, voice

    return _run(
        [
            (
                "voice",
                "民生诉求与群众评议 citizen requests and the survey round",
                lambda: voice.populate(store, seed=seed),
            ),
            (
                "grid",
                "网格与矛盾纠纷调解 grids, visits and dispute mediation",
                lambda: grid.populate(store, seed),
            ),
            (
                "eco",
                "梵净生态账户与生态产品总值 eco accounts and GEP",
                lambda: eco.populate(store, seed),
            ),
            (
                "derived",
                "派生指标写入数据包 derived indicators into the bundles",
                lambda: derived.add_to_bundles(bundle_dir, store),
            ),
        ],
        step,
        done,
    )


def populate_records(
    store: Store,
    seed: int,
    out: Path,
    step: Callable[[str], None] | None = None,
    done: DemoRecords | None = None,
) -> DemoRecords:
    """Phase 3, after the bundles are assessed: accountability records, cadre results, and
    the survey's integrity signals as findings (idempotent)."""
    from zhengji.demo import accountability, cadres, voice

    return _run(
        [
            (
                "accountability",
                "问责记录与离任交接 accountability records and the handover dossier",
                lambda: accountability.populate(store, seed=seed, out=out),
            ),
            (
                "cadres",
                "干部考核与警示教育案例 cadre assessment and the case library",
                lambda: cadres.populate(store, seed),
            ),
            (
                "survey_screen",
                "群众评议真实性核查 survey integrity signals",
                lambda: voice.screen_survey(store),
            ),
        ],
        step,
        done,
    )


def _run(
    steps: list[tuple[str, str, Callable[[], Any]]],
    step: Callable[[str], None] | None,
    done: DemoRecords | None,
) -> DemoRecords:
    done = done if done is not None else DemoRecords()
    for key, label, run in steps:
        if step is not None:
            step(label)
        done.summaries[key] = run()
    return done
