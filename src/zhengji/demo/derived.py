"""The demo's derived indicators: what the people's voice, the grids and the eco accounts
recorded, as observations of the county and township bundles (示例数据（模拟）).

Each capability already turns its records into observation rows (``zhengji requests metrics``,
``zhengji survey results``, ``zhengji grid indicators``, ``zhengji eco score`` and
``zhengji eco gep indicators`` write them as CSV for a bundle). ``zhengji demo`` populates
those records first, then :func:`add_to_bundles` appends the rows the demo schemes weigh to
each bundle's ``observations.csv`` — the documented path, a bundle — and notes it in the
bundle's README, before the bundles are assessed. So the runs, ``zhengji reproduce`` and a
later ``zhengji run`` of the same bundle directory all see the same figures. Values are
rounded to 2 decimals as reported. GEP is valued at the store's price table in force
(``zhengji.eco.pricebook``: the newest stored, else the built-in one). Deterministic: the
records are, and every "as of" is fixed.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from zhengji.bundle.model import ObservationRow
from zhengji.scheme import load_scheme
from zhengji.store import Store

__all__ = ["FROM_RECORDS", "MARK", "Derived", "add_to_bundles", "derived_rows"]

CHINA = dt.timezone(dt.timedelta(hours=8))
#: The indicators the demo schemes weigh that come from the store's records: the bundles as
#: ``build_world`` writes them have no rows for these (assessed alone, their weight is spread
#: over the indicators present, as for any missing value).
FROM_RECORDS = (
    "survey_score",
    "voice_composite",
    "grid_visit_coverage",
    "grid_mediation_success",
    "grid_petition_rate",
    "eco_participation",
    "eco_gep_two_way",
)
#: The heading :func:`add_to_bundles` adds to a bundle's README (and looks for: once only).
MARK = "## 派生指标 Derived indicators (added by `zhengji demo`)"
_README = """
{mark}

`zhengji demo` 在考核前把以下派生指标追加到 observations.csv：它们来自同一数据库中的
民生诉求（接诉即办）、群众评议、网格治理和梵净生态账户记录（均为示例数据（模拟））。
Before the assessment, `zhengji demo` appended these rows to observations.csv, derived from
the synthetic citizen requests, survey votes, grids and eco accounts in the same store:

| indicator | rows |
| --- | --- |
{table}
"""


@dataclass(frozen=True)
class Derived:
    """Rows appended per bundle (``county``, ``townships``) and indicator."""

    county: dict[str, int]
    townships: dict[str, int]

    @property
    def rows(self) -> int:
        return sum(self.county.values()) + sum(self.townships.values())


def derived_rows(store: Store) -> list[ObservationRow]:
    """Every derived row the store's demo records give (all units, all indicators)."""
    from zhengji.demo.eco import PERIOD
    from zhengji.demo.voice import SURVEY_CODE, YEAR
    from zhengji.eco.importer import gep_accounts, gep_inputs
    from zhengji.eco.indicators import account_rows, gep_rows
    from zhengji.eco.pricebook import in_force
    from zhengji.eco.service import current_rulebook, holder_balances, holder_units
    from zhengji.grid.facts import indicator_rows
    from zhengji.voice import metrics, surveys
    from zhengji.voice.facts import monthly_table
    from zhengji.voice.limits import default_limits

    end = dt.datetime(YEAR + 1, 1, 1, tzinfo=dt.UTC)  # as ``ranking_rows`` reads the year
    rows: list[ObservationRow] = []
    with store.transaction() as s:
        rows += metrics.observation_rows(monthly_table(s, default_limits(), end, by="year"))
        survey = surveys.get_survey(s, SURVEY_CODE)
        rows += surveys.observation_rows(surveys.results(s, SURVEY_CODE), survey)
        rows += indicator_rows(s, str(YEAR))
        _, rb = current_rulebook(s)
        year_end = dt.datetime(int(PERIOD) + 1, 1, 1, tzinfo=CHINA)
        rows += account_rows(holder_units(s), holder_balances(s, rb, year_end), rb, PERIOD)
        accounts, gdp = gep_accounts(gep_inputs(s), in_force(s))  # the store's table in force
    series: dict[str, dict[str, float]] = {}
    for a in accounts:
        series.setdefault(a.unit_id, {})[a.year] = a.total()
    rows += [r for u in sorted(series) for r in gep_rows(u, series[u], gdp.get(u, {}))]
    return rows


def _fmt(x: float) -> str:
    text = f"{x:.2f}"
    return "0.00" if text == "-0.00" else text


def _append(directory: Path, rows: list[ObservationRow]) -> dict[str, int]:
    """Append the rows this bundle's scheme declares, for its assessed units; note it."""
    readme = directory / "README.md"
    if readme.exists() and MARK in readme.read_text(encoding="utf-8"):
        return {}  # appended before: a bundle never gets the same rows twice
    scheme = load_scheme(directory / "scheme.toml")
    declared = {i.id: i.source for i in scheme.indicators}
    with (directory / "units.csv").open(encoding="utf-8", newline="") as fh:
        units = {
            r["unit_id"]
            for r in csv.DictReader(fh)
            if not scheme.levels or r["level"] in scheme.levels
        }
    wanted = {i: src for i, src in declared.items() if i in FROM_RECORDS}
    kept = sorted(
        (r for r in rows if r.unit_id in units and wanted.get(r.indicator_id) == r.source),
        key=lambda r: (r.indicator_id, r.period, r.unit_id),
    )
    with (directory / "observations.csv").open("a", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerows([r.unit_id, r.period, r.indicator_id, _fmt(r.value), r.source] for r in kept)
    counts = dict(sorted(Counter(r.indicator_id for r in kept).items()))
    table = "\n".join(f"| {k} | {n} |" for k, n in counts.items())
    with readme.open("a", encoding="utf-8") as fh:
        fh.write(_README.format(mark=MARK, table=table))
    return counts


def add_to_bundles(bundle_dir: Path, store: Store) -> Derived:
    """Append the derived rows to the county bundle and its ``townships`` bundle (once)."""
    rows = derived_rows(store)
    return Derived(_append(bundle_dir, rows), _append(bundle_dir / "townships", rows))
