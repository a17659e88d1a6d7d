"""Eco-account participation and points by dimension as Ibis expressions equal
``zhengji.eco.indicators.account_rows`` over ``zhengji.eco.scoring.balances`` on the same store
(DuckDB over the SQLite file), at dates before, during and after the demo's year of awards,
with the demo rulebook and with one whose caps bind; a sign-off or ruling recorded after the
as-of date does not count at it; and the Parquet export carries the eco tables without personal
data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from tests.analytics.conftest import (
    ECO_AS_OF,
    ECO_LATE,
    IGNORE_IBIS_WARNINGS,
    Demo,
    eco_points,
    tight_rulebook,
)

from zhengji import analytics as an
from zhengji.eco.indicators import account_rows
from zhengji.eco.rulebook import Rulebook, default_rulebook
from zhengji.eco.service import holder_balances, holder_units
from zhengji.eco.tally import tally
from zhengji.errors import MethodError, StoreError
from zhengji.store import Store
from zhengji.store.bulk import EXPORT_COLUMNS, export_parquet

pytestmark = IGNORE_IBIS_WARNINGS

AS_OFS = {
    "before": dt.datetime(2024, 12, 31, tzinfo=dt.UTC),  # no award made yet
    "mid-year": ECO_AS_OF,  # counted, in the objection window, not yet made
    "after": dt.datetime(2026, 1, 10, tzinfo=dt.UTC),
    "expiring": dt.datetime(2026, 6, 1, tzinfo=dt.UTC),  # one-year items have expired
}
RULEBOOKS = {"demo": default_rulebook, "tight": tight_rulebook}


def _reference(demo: Demo, rb: Rulebook, as_of: dt.datetime) -> dict[tuple[str, str], float]:
    with Store.open(demo.url) as st, st.transaction() as s:
        rows = account_rows(holder_units(s), holder_balances(s, rb, as_of), rb, "2025")
    return {(r.unit_id, r.indicator_id): r.value for r in rows}


def _derived(demo: Demo, rb: Rulebook, as_of: dt.datetime) -> dict[tuple[str, str], float]:
    with an.connect(demo.url) as a:
        pts = eco_points(a, rb, as_of)
        part = an.eco_participation(pts).execute()
        dims = an.eco_points_by_dimension(pts, [d.id for d in rb.dimensions]).execute()
    out = {}
    for r in part.itertuples(index=False):
        out[(r.unit_id, "eco_participation")] = r.participation
        out[(r.unit_id, "eco_mean_score")] = r.mean_score
    for r in dims.itertuples(index=False):
        out[(r.unit_id, f"eco_points_{r.dimension_id}")] = r.mean
    return out


@pytest.mark.parametrize("rb_name", list(RULEBOOKS))
@pytest.mark.parametrize("when", list(AS_OFS))
def test_unit_figures_equal_account_rows(sqlite_demo: Demo, when: str, rb_name: str) -> None:
    """Every value of ``account_rows`` (village, township, county), float for float."""
    rb, as_of = RULEBOOKS[rb_name](), AS_OFS[when]
    ref = _reference(sqlite_demo, rb, as_of)
    got = _derived(sqlite_demo, rb, as_of)
    assert len(ref) == 260 * (2 + len(rb.dimensions))  # 200 villages, 50 townships, 10 counties
    assert got == ref
    part = [v for (_, k), v in ref.items() if k == "eco_participation"]
    if when == "before":
        assert max(part) == 0.0
    else:
        assert 20.0 < sum(part) / len(part) < 90.0


def test_caps_bind_and_match_balances(sqlite_demo: Demo) -> None:
    """Per holder, points and capped points by dimension equal ``balances``, with caps that
    cut: some holders are over a dimension cap and some over the total cap before capping."""
    rb = tight_rulebook()
    after = AS_OFS["after"]
    with Store.open(sqlite_demo.url) as st, st.transaction() as s:
        bal = holder_balances(s, rb, after)
        t = tally(s, rb, after)
    caps = [d.cap for d in rb.dimensions]
    k = len(caps)
    over_dim = int((t.counted[:, :k] > caps).any(axis=1).sum())
    over_total = int((t.by_dimension.sum(axis=1) > rb.total_cap).sum())
    assert over_dim >= 20 and over_total >= 5, (over_dim, over_total)
    with an.connect(sqlite_demo.url) as a:
        df = eco_points(a, rb, after).execute()
    assert len(df) == 400
    for r in df.itertuples(index=False):
        b = bal.get(r.holder_id)
        assert r.points == (b.points if b else 0)
        for d in rb.dimensions:
            assert getattr(r, f"points_{d.id}") == (b.by_dimension.get(d.id, 0) if b else 0)
    assert df.points.max() == rb.total_cap


def test_late_signoffs_and_rulings_count_only_after(sqlite_demo: Demo) -> None:
    """Awards signed off, or whose objection was rejected, only at ECO_LATE: pending at
    ECO_AS_OF (their window long closed), counted after ECO_LATE, in the per-entry scorer, the
    grouped tally and the Ibis expression alike."""
    rb = default_rulebook()
    late = set(sqlite_demo.late)
    assert len(late) >= 5
    for when, counts in ((ECO_AS_OF, False), (ECO_LATE, True), (AS_OFS["after"], True)):
        with Store.open(sqlite_demo.url) as st, st.transaction() as s:
            bal = holder_balances(s, rb, when)
            t = tally(s, rb, when)
        counted = {i for b in bal.values() for i in b.counted_ids}
        assert (late <= counted) if counts else not (late & counted), when
        with an.connect(sqlite_demo.url) as a:
            df = eco_points(a, rb, when).execute()
        for r in df.itertuples(index=False):
            b, g = bal.get(r.holder_id), t.get(r.holder_id)
            assert r.points == (b.points if b else 0) == (g.points if g else 0), when
    before = ECO_LATE - dt.timedelta(microseconds=1)
    with Store.open(sqlite_demo.url) as st, st.transaction() as s:
        bal = holder_balances(s, rb, before)
    assert not late & {i for b in bal.values() for i in b.counted_ids}


def test_levels_and_counts(sqlite_demo: Demo) -> None:
    """Each unit once, at its level; a county's holders are the sum of its villages'."""
    with an.connect(sqlite_demo.url) as a:
        part = an.eco_participation(eco_points(a, default_rulebook(), ECO_AS_OF)).execute()
    assert part.level.value_counts().to_dict() == {"village": 200, "township": 50, "county": 10}
    assert (part[part.level == "village"].holders == 2).all()
    assert part[part.level == "county"].holders.sum() == 400
    assert (part.participants <= part.holders).all()
    with pytest.raises(MethodError, match="at least one dimension"):
        an.eco_points_by_dimension(eco_points(a, default_rulebook(), ECO_AS_OF), [])


def test_export_leaves_out_personal_data(sqlite_demo: Demo, parquet_dir: Path) -> None:
    """The eco tables go to Parquet with the allowed columns only; people and names never."""
    for name, cols in EXPORT_COLUMNS.items():
        assert tuple(pq.read_schema(parquet_dir / f"{name}.parquet").names) == cols
    assert pq.read_metadata(parquet_dir / "eco_holders.parquet").num_rows == 400
    for banned in ("person_id", "household_id", "lat", "lon", "photo_ref", "device_id", "text"):
        for name in EXPORT_COLUMNS:
            assert banned not in pq.read_schema(parquet_dir / f"{name}.parquet").names
    with Store.open(sqlite_demo.url) as st:
        for private in ("eco_people", "eco_holder_names"):
            with pytest.raises(StoreError, match="personal"):
                export_parquet(st, parquet_dir / "no", [private])
