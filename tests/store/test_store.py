"""The store against real databases: migrations, append-only imports, panels, runs."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import DBAPIError

from zhengji.bundle import Bundle, ObservationRow
from zhengji.engine.assess import assess
from zhengji.engine.panel import Panel
from zhengji.errors import StoreError
from zhengji.store import ENV_VAR, Store, resolve_url
from zhengji.store.db import head_revision
from zhengji.store.schema import (
    Base,
    ImportRow,
    ObservationRecord,
    SchemeVersionRow,
    UnitRecord,
    VetoEventRecord,
)

from .samples import SCHEME, UNITS, make_bundle

TABLES = {
    "units",
    "scheme_versions",
    "imports",
    "observations",
    "veto_events",
    "assessment_runs",
}


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    st = Store.open(db_url)
    yield st
    st.close()


def assert_panels_equal(a: Panel, b: Panel) -> None:
    assert (a.unit_ids, a.unit_names, a.categories) == (b.unit_ids, b.unit_names, b.categories)
    assert (a.periods, a.variables, a.parents, a.levels) == (
        b.periods,
        b.variables,
        b.parents,
        b.levels,
    )
    assert dict(a.attributes) == dict(b.attributes)
    assert a.events == b.events
    assert a.synthetic == b.synthetic
    assert a.values.dtype == b.values.dtype
    assert np.array_equal(a.values, b.values, equal_nan=True)


def counts(st: Store) -> dict[str, int]:
    with st.transaction() as s:
        return {
            t.__tablename__: s.scalar(select(func.count()).select_from(t)) or 0
            for t in (ImportRow, ObservationRecord, SchemeVersionRow, UnitRecord, VetoEventRecord)
        }


def test_migrations_create_every_table(store: Store) -> None:
    names = set(inspect(store.engine).get_table_names())
    assert TABLES | {"alembic_version"} <= names
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn)
        assert ctx.get_current_revision() == head_revision()
        # the hand-written migration and the ORM models describe the same tables
        assert compare_metadata(ctx, Base.metadata) == []


def test_open_twice_is_idempotent(db_url: str) -> None:
    Store.open(db_url).close()
    with Store.open(db_url, run_migrations=False) as st:
        assert st.imports() == []


def test_unmigrated_database_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="not at the current schema"):
        Store.open(f"sqlite:///{tmp_path / 'empty.db'}", run_migrations=False)


def test_url_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert resolve_url(None) == "sqlite:///zhengji.db"
    monkeypatch.setenv(ENV_VAR, "sqlite:///env.db")
    assert resolve_url(None) == "sqlite:///env.db"
    assert resolve_url("sqlite:///given.db") == "sqlite:///given.db"


def test_import_then_panel_equals_bundle_panel(store: Store, tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path / "b")
    summary = store.import_bundle(bundle)
    assert (summary.rows_added, summary.rows_unchanged) == (len(bundle.observations), 0)
    assert (summary.units_added, summary.vetoes_added) == (3, 1)
    assert summary.bundle_fingerprint == bundle.fingerprint
    panel = store.panel(bundle.scheme)
    assert_panels_equal(panel, bundle.panel)
    assert_panels_equal(store.panel(bundle.scheme, as_of_import_id=summary.import_id), panel)
    sub = store.panel(bundle.scheme, unit_ids=["c3", "c1"])
    assert sub.unit_ids == ("c3", "c1")
    assert np.array_equal(sub.values[:, 0], bundle.panel.values[:, 2], equal_nan=True)


def test_reimport_adds_no_rows(store: Store, tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path / "b")
    store.import_bundle(bundle)
    before = counts(store)
    again = store.import_bundle(bundle)
    assert (again.rows_added, again.rows_unchanged) == (0, len(bundle.observations))
    assert (again.units_added, again.vetoes_added) == (0, 0)
    after = counts(store)
    assert after["imports"] == before["imports"] + 1  # the import itself is logged
    assert {k: v for k, v in after.items() if k != "imports"} == {
        k: v for k, v in before.items() if k != "imports"
    }


def test_correction_supersedes_and_history_keeps_both(store: Store, tmp_path: Path) -> None:
    first = store.import_bundle(make_bundle(tmp_path / "b1"))
    corrected = make_bundle(tmp_path / "b2", c2_gdp_2024=1.5)
    second = store.import_bundle(corrected)
    assert second.rows_added == 1
    versions = store.history("c2", "2024", "gdp")
    assert [v.value for v in versions] == [110.1, 1.5]
    assert [v.import_id for v in versions] == [first.import_id, second.import_id]
    assert versions[0].supersedes_id is None
    assert versions[1].supersedes_id == versions[0].id
    assert versions[0].extra == {"evidence": "公报2024"}
    assert_panels_equal(store.panel(corrected.scheme), corrected.panel)
    old = store.panel(corrected.scheme, as_of_import_id=first.import_id)
    assert old.values[old.period_index("2024"), 1, 0] == 110.1


def test_change_of_source_only_is_a_new_version(store: Store, tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path / "b")
    store.import_bundle(bundle)
    obs = list(bundle.observations)
    k = next(i for i, o in enumerate(obs) if o.indicator_id == "pop")
    obs[k] = dataclasses.replace(obs[k], source="statistics")
    summary = store.import_bundle(dataclasses.replace(bundle, observations=tuple(obs)))
    assert summary.rows_added == 1
    assert [v.source for v in store.history("c1", "2024", "pop")] == ["third_party", "statistics"]


@pytest.mark.parametrize("table", ["observations", "imports", "veto_events"])
def test_update_and_delete_are_refused_by_the_database(
    store: Store, tmp_path: Path, table: str
) -> None:
    store.import_bundle(make_bundle(tmp_path / "b"))
    for sql in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
        with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
            conn.execute(text(sql))
    assert counts(store)[table] > 0


def test_failing_import_writes_nothing(store: Store, tmp_path: Path) -> None:
    """The unknown unit fails at the database (foreign key) after the import row, the units
    and a new scheme version were already sent: all of it must be rolled back."""
    store.import_bundle(make_bundle(tmp_path / "b1"))
    before = counts(store)
    other = make_bundle(
        tmp_path / "b2",
        units=[*UNITS, {"unit_id": "c4", "name": "丁县"}],
        scheme=SCHEME.replace('name = "测试"', 'name = "测试二"\nversion = "2"'),
        c1_gdp_2024=7.0,
    )
    ghost = ObservationRow("ghost", "2024", "gdp", 1.0, "statistics")
    broken = dataclasses.replace(other, observations=(*other.observations, ghost))
    with pytest.raises(StoreError, match="database error"):
        store.import_bundle(broken)
    assert counts(store) == before
    assert [v.value for v in store.history("c1", "2024", "gdp")] == [100.1]


def test_changed_unit_category_is_refused(store: Store, tmp_path: Path) -> None:
    store.import_bundle(make_bundle(tmp_path / "b1"))
    before = counts(store)
    units = [dict(u) for u in UNITS]
    units[2]["category"] = "山区"
    with pytest.raises(StoreError, match=r"c3: category: '' → '山区'"):
        store.import_bundle(make_bundle(tmp_path / "b2", units=units, c1_gdp_2024=9.0))
    assert counts(store) == before


def test_period_format_must_match_the_store(store: Store, tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path / "b")
    store.import_bundle(bundle)
    obs = tuple(dataclasses.replace(o, period=o.period + "-Q1") for o in bundle.observations)
    with pytest.raises(StoreError, match="keep one format"):
        store.import_bundle(dataclasses.replace(bundle, observations=obs, events=()))


def test_record_run_and_read_it_back(store: Store, tmp_path: Path) -> None:
    bundle: Bundle = make_bundle(tmp_path / "b")
    summary = store.import_bundle(bundle)
    result = assess(bundle.scheme, bundle.panel, "2024")
    run_id = store.record_run(result, bundle.fingerprint, summary.import_id)
    run = store.run(run_id)
    assert run.result_fingerprint == result.fingerprint()
    assert run.input_fingerprint == bundle.fingerprint
    assert run.scheme_toml == bundle.scheme_text
    assert run.as_of_import_id == summary.import_id
    assert run.unit_ids == result.unit_ids
    assert [u["grade"] for u in run.result["units"]] == list(result.grade)
    assert [r.id for r in store.runs()] == [run_id]
    # the stored inputs rebuild the same result
    again = assess(
        bundle.scheme, store.panel(bundle.scheme, summary.import_id, run.unit_ids), "2024"
    )
    assert again.fingerprint() == run.result_fingerprint


def test_record_run_needs_a_known_scheme(store: Store, tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path / "b")
    result = assess(bundle.scheme, bundle.panel, "2024")
    with pytest.raises(StoreError, match="not stored"):
        store.record_run(result, bundle.fingerprint, None)
    run_id = store.record_run(result, bundle.fingerprint, None, scheme=bundle.scheme)
    assert store.run(run_id).scheme_fingerprint == result.scheme_fingerprint
    with pytest.raises(StoreError, match="no assessment run"):
        store.run(run_id + 1)


def test_a_changed_scheme_needs_a_new_version(db_url: str, tmp_path: Path) -> None:
    from zhengji.errors import StoreError
    from zhengji.scheme import parse_scheme
    from zhengji.store.ops import scheme_version_id

    base = '[scheme]\nid = "s"\nname = "方案"\nversion = "1"\n[[indicators]]\nid = "x"\nname = "X"\nparent = "index"\n'
    with Store.open(db_url) as st, st.transaction() as session:
        first = scheme_version_id(session, parse_scheme(base))
        assert scheme_version_id(session, parse_scheme(base)) == first
        with pytest.raises(StoreError, match="already stored with different content"):
            scheme_version_id(session, parse_scheme(base.replace('name = "X"', 'name = "Y"')))
        bumped = base.replace('version = "1"', 'version = "2"').replace('name = "X"', 'name = "Y"')
        assert scheme_version_id(session, parse_scheme(bumped)) != first
