"""Fill a demo store with every capability's synthetic records, in dependency order.

The county and township bundles are assessed first (they bring the units); then the
accountability records (tenures feed the integrity screen's turnover flag), cadre results,
citizen requests and the survey round, grids and disputes (after the requests: visits
become requests), ecological accounts and GEP inputs. Each step is its
capability's own deterministic ``populate``; this module only orders them and reports what
each added, so ``zhengji demo`` and the tests share one path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zhengji.store import Store

__all__ = ["DemoRecords", "populate_records"]


@dataclass
class DemoRecords:
    """What each capability added to the demo store (its own summary object)."""

    summaries: dict[str, Any] = field(default_factory=dict)


def populate_records(
    store: Store,
    seed: int,
    out: Path,
    step: Callable[[str], None] | None = None,
) -> DemoRecords:
    """Add the accountability, citizen-voice … demo records to ``store`` (idempotent)."""
    from zhengji.demo import accountability, cadres, eco, grid, voice

    done = DemoRecords()
    steps: list[tuple[str, str, Callable[[], Any]]] = [
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
    ]
    for key, label, run in steps:
        if step is not None:
            step(label)
        done.summaries[key] = run()
    return done
