"""Services the CLI and (later) the web call: load → store → assess → record, and reproduce.

The only place that wires the shell (bundle files, database) to the pure engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from rich.progress import Progress

from zhengji.bundle import Bundle, load_bundle
from zhengji.engine.assess import assess
from zhengji.engine.panel import Panel
from zhengji.engine.result import Assessment
from zhengji.errors import NotReproducibleError
from zhengji.integrity.screen import ScreenResult, screen
from zhengji.scheme import parse_scheme
from zhengji.scheme.model import Scheme

if TYPE_CHECKING:
    from zhengji.store import Store

__all__ = ["RunResult", "ScreenRun", "reproduce_run", "run_bundle", "screen_bundle"]


@dataclass(frozen=True)
class RunResult:
    """An assessment with where it came from and where it was recorded."""

    assessment: Assessment
    scheme: Scheme
    bundle: Bundle
    run_id: int | None
    db_url: str | None
    notes: tuple[str, ...] = ()


def run_bundle(
    path: str | Path,
    *,
    period: str | None = None,
    db_url: str | None = None,
    store: bool = True,
    progress: Progress | None = None,
) -> RunResult:
    """Load a bundle, assess it and (by default) import it and record the run in the store."""

    def step(text: str) -> None:
        if progress is not None:
            for t in progress.task_ids:
                progress.remove_task(t)
            progress.add_task(text, total=None)

    step(f"读取数据包 loading bundle {path}…")
    bundle = load_bundle(path)
    if not store:
        step("考核计算 assessing…")
        result = assess(bundle.scheme, bundle.panel, period)
        _done(progress)
        return RunResult(result, bundle.scheme, bundle, None, None)

    from zhengji.store import Store

    step("写入数据库 importing into the store…")
    with Store.open(db_url) as st:
        summary = st.import_bundle(bundle)
        # One record: assess what the store holds after the import, so the run can always be
        # rebuilt from the store. Omitting a value in a bundle does not retract a stored one.
        panel = st.panel(bundle.scheme, summary.import_id, unit_ids=bundle.panel.unit_ids)
        notes = _differences(bundle.panel, panel)
        step("考核计算 assessing…")
        result = assess(bundle.scheme, panel, period)
        run_id = st.record_run(result, bundle.fingerprint, summary.import_id)
        url = st.url
    _done(progress)
    return RunResult(result, bundle.scheme, bundle, run_id, url, notes)


def _done(progress: Progress | None) -> None:
    if progress is not None:
        for t in progress.task_ids:
            progress.remove_task(t)


def _differences(bundle_panel: Panel, stored: Panel) -> tuple[str, ...]:
    """Say where the store's record differs from the bundle that was just imported."""
    notes = []
    extra = [p for p in stored.periods if p not in bundle_panel.periods]
    if extra:
        notes.append(
            f"数据库还有数据包之外的期数 the store also holds periods {', '.join(extra)}; "
            "they are used for horizons and carry-forward"
        )
    rows = [stored.periods.index(p) for p in bundle_panel.periods]
    cols = [stored.variables.index(v) for v in bundle_panel.variables]
    held = stored.values[np.ix_(rows, range(len(stored.unit_ids)), cols)]
    more = int((np.isnan(bundle_panel.values) & ~np.isnan(held)).sum())
    if more:
        notes.append(
            f"数据库中有 {more} 个数值在数据包中缺失，仍按库中记录计算 the store holds {more} "
            "values the bundle omits; the stored values are used (omitting a row does not "
            "retract a value: import a correction instead)"
        )
    return tuple(notes)


def reproduce_run(run_id: int, db_url: str | None = None) -> str:
    """Rebuild a stored run from its stored scheme and data; raise if anything differs."""
    from zhengji.store import Store

    with Store.open(db_url) as st:
        run = st.run(run_id)
        scheme = parse_scheme(run.scheme_toml, source=f"run {run_id} scheme")
        panel = st.panel(scheme, as_of_import_id=run.as_of_import_id, unit_ids=run.unit_ids)
    again = assess(scheme, panel, run.period)
    fp = again.fingerprint()
    if fp != run.result_fingerprint:
        raise NotReproducibleError(
            f"第{run_id}次考核无法复现 run {run_id} does not reproduce: stored result "
            f"{run.result_fingerprint[:16]}, rebuilt {fp[:16]}. The stored data or the engine "
            "changed since the run; compare `zhengji runs` and the import history."
        )
    return fp


@dataclass(frozen=True)
class ScreenRun:
    """An integrity screening of a bundle, and where it was recorded."""

    result: ScreenResult
    bundle: Bundle
    screen_id: int | None
    db_url: str | None


def _turnover(st: Store) -> dict[str, tuple[str, ...]] | None:
    """Leadership-turnover years per unit from the store's tenure records (None: no tenures),
    for the proxy check's turnover flag."""
    from zhengji.accountability.checks import turnover_periods
    from zhengji.accountability.service import load_records

    with st.transaction() as s:
        tenures = load_records(s).tenures
    return turnover_periods(tenures) if tenures else None


def screen_bundle(
    path: str | Path, *, db_url: str | None = None, store: bool = True, seed: int = 0
) -> ScreenRun:
    """Load a bundle, run the scheme's integrity checks, record the findings for review."""
    bundle = load_bundle(path)
    if not store:
        return ScreenRun(screen(bundle.scheme, bundle.panel, seed=seed), bundle, None, None)
    from zhengji.store import Store

    with Store.open(db_url) as st:
        summary = st.import_bundle(bundle)
        panel = st.panel(bundle.scheme, summary.import_id, unit_ids=bundle.panel.unit_ids)
        history = None
        if bundle.scheme.integrity.revision_deadline is not None:
            history = st.versions(panel.unit_ids, [i.id for i in bundle.scheme.indicators])
        result = screen(bundle.scheme, panel, seed=seed, versions=history, turnover=_turnover(st))
        not_tested = [
            {"check": f.check, "indicator": f.indicator_id, "reason": f.summary_en}
            for f in result.not_tested
        ]
        sid = st.record_screen(bundle.scheme, result.findings, summary.import_id, not_tested)
        return ScreenRun(result, bundle, sid, st.url)
