"""Bulk import and Parquet export on SQLite and PostgreSQL: the append-only rule holds, bad
input names file/line/column and writes nothing, memory stays bounded by the chunk size."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select
from tests.scale.conftest import shifted_rows, write_long

from zhengji.bundle import Bundle
from zhengji.errors import DataError, StoreError
from zhengji.store import Store
from zhengji.store.bulk import export_parquet, import_observations
from zhengji.store.ops import load_panel
from zhengji.store.schema import ImportRow, ObservationRecord


def _count(st: Store) -> tuple[int, int]:
    with st.transaction() as s:
        return (
            s.scalar(select(func.count()).select_from(ObservationRecord)) or 0,
            s.scalar(select(func.count()).select_from(ImportRow)) or 0,
        )


def test_bulk_import_appends_only_changes(
    db_url: str, county_bundle: Bundle, tmp_path: Path
) -> None:
    """A file with every other value changed appends exactly those, superseding the old rows;
    the panel then equals the file; importing it again adds nothing."""
    b = county_bundle
    with Store.open(db_url) as st:
        st.import_bundle(b)
        n0, _ = _count(st)
        path = write_long(tmp_path / "obs.csv", shifted_rows(b, 0.25, every=2), extra=True)
        first = import_observations(st, path, b.scheme, chunk_rows=100)
        half = (len(b.observations) + 1) // 2
        assert (first.rows_read, first.rows_added) == (len(b.observations), half)
        assert first.rows_unchanged == len(b.observations) - half
        again = import_observations(st, path, b.scheme, chunk_rows=1000)
        assert (again.rows_added, again.rows_unchanged) == (0, len(b.observations))
        assert _count(st)[0] == n0 + half
        with st.transaction() as s:
            panel = load_panel(s, b.scheme)
            versions = s.execute(
                select(ObservationRecord.supersedes_id).where(
                    ObservationRecord.import_id == first.import_id
                )
            ).scalars()
            assert all(v is not None for v in versions)
        expected = b.panel.values.copy()
        v_idx = {v: k for k, v in enumerate(b.panel.variables)}
        p_idx = {p: k for k, p in enumerate(b.panel.periods)}
        u_idx = {u: k for k, u in enumerate(b.panel.unit_ids)}
        for k, o in enumerate(b.observations):
            if k % 2 == 0:
                expected[p_idx[o.period], u_idx[o.unit_id], v_idx[o.indicator_id]] += 0.25
        np.testing.assert_array_equal(panel.values, expected)
        hist = st.history(*next((o.unit_id, o.period, o.indicator_id) for o in b.observations))
        assert [h.value for h in hist] == [b.observations[0].value, b.observations[0].value + 0.25]
        assert hist[1].supersedes_id == hist[0].id


def test_bad_rows_named_and_nothing_written(
    db_url: str, county_bundle: Bundle, tmp_path: Path
) -> None:
    b = county_bundle
    rows = shifted_rows(b, 1.0)
    bad = list(rows)
    bad[3] = (bad[3][0], bad[3][1], bad[3][2], "12,3x", bad[3][4])  # line 5
    bad[250] = ("nowhere", *bad[250][1:])  # line 252
    bad[700] = (*bad[700][:2], "no_such_indicator", *bad[700][3:])  # line 702
    bad[900] = (*bad[900][:4], "gossip")  # line 902
    bad[901] = (bad[901][0], "2024-13", *bad[901][2:])  # line 903
    path = write_long(tmp_path / "bad.csv", bad)
    with Store.open(db_url) as st:
        st.import_bundle(b)
        before = _count(st)
        with pytest.raises(DataError) as info:
            import_observations(st, path, b.scheme, chunk_rows=200)
        where = {(p[1], p[2]) for p in info.value.problems}
        assert {
            (5, "value"),
            (252, "unit_id"),
            (702, "indicator_id"),
            (902, "source"),
            (903, "period"),
        } <= where
        assert all(p[0] == "bad.csv" for p in info.value.problems)
        assert _count(st) == before


def test_duplicate_keys_refused(db_url: str, county_bundle: Bundle, tmp_path: Path) -> None:
    b = county_bundle
    rows = shifted_rows(b, 1.0)
    rows.append(rows[10])
    path = write_long(tmp_path / "dup.csv", rows)
    with Store.open(db_url) as st:
        st.import_bundle(b)
        before = _count(st)
        with pytest.raises(DataError, match="duplicate") as info:
            import_observations(st, path, b.scheme, chunk_rows=100)
        assert (info.value.problems[0][1], "first on row 12" in info.value.problems[0][3]) == (
            len(rows) + 1,
            True,
        )
        assert _count(st) == before


def test_parquet_input_and_export_round_trip(
    db_url: str, county_bundle: Bundle, tmp_path: Path
) -> None:
    """A Parquet file imports like the CSV; the export holds every row and value."""
    b = county_bundle
    rows = shifted_rows(b, 2.0, every=3)
    cols = list(zip(*rows, strict=True))
    table = pa.table(
        {
            "unit_id": cols[0],
            "period": cols[1],
            "indicator_id": cols[2],
            "value": pa.array(cols[3], pa.float64()),
            "source": cols[4],
        }
    )
    src = tmp_path / "obs.parquet"
    pq.write_table(table, src)
    with Store.open(db_url) as st:
        st.import_bundle(b)
        summary = import_observations(st, src, b.scheme, chunk_rows=128)
        assert summary.rows_added == (len(rows) + 2) // 3
        counts = export_parquet(st, tmp_path / "out", ["units", "observations", "imports"])
        n_obs, n_imp = _count(st)
        with pytest.raises(StoreError, match="personal"):
            export_parquet(st, tmp_path / "out", ["voice_requesters"])
    assert counts == {"units": 10, "observations": n_obs, "imports": n_imp}
    exported = pq.read_table(tmp_path / "out" / "observations.parquet")
    assert exported.schema.field("recorded_at").type == pa.timestamp("us", tz="UTC")
    last = exported.filter(pa.compute.equal(exported["import_id"], summary.import_id))
    assert sorted(last["value"].to_pylist()) == sorted(r[3] for r in rows[::3])
    assert not (tmp_path / "out" / "observations.parquet.part").exists()


def test_memory_is_bounded_by_the_chunk(county_bundle: Bundle, tmp_path: Path) -> None:
    """200,000 rows in chunks of 5,000: the Python heap peaks far below what the rows as
    Python objects take (each row's tuple, strings and float ≈ 400 bytes → 80 MB)."""
    b = county_bundle
    scheme_ids = [i.id for i in b.scheme.indicators]
    source = {i.id: i.source for i in b.scheme.indicators}
    units = [u.unit_id for u in b.units]
    rows = [
        (u, str(1000 + y), ind, float(y * 7 + k), source[ind])
        for y in range(700)
        for u in units
        for k, ind in enumerate(scheme_ids[:50])
    ][:200_000]
    path = write_long(tmp_path / "big.csv", rows)
    del rows
    with Store.open(f"sqlite:///{tmp_path / 'big.db'}") as st:
        st.import_bundle(b)
        tracemalloc.start()
        try:
            summary = import_observations(st, path, b.scheme, chunk_rows=5_000)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert summary.rows_added == 200_000
        assert _count(st)[0] == 200_000 + len(b.observations)
    assert peak < 20 * 2**20, f"peak Python heap {peak / 2**20:.1f} MB"
