"""Stored analyses of a run (``zhengji.analysis_store``) on real SQLite and PostgreSQL:
the stored result equals a fresh run on the bundle, rows are append-only, errors write nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from zhengji.analysis_store import (
    latest_analysis,
    list_analyses,
    rank_intervals,
    record_analysis,
    store_uncertainty,
)
from zhengji.engine.assess import assess
from zhengji.engine.uncertainty import run_uncertainty
from zhengji.errors import StoreError
from zhengji.report.analysis import uncertainty_json
from zhengji.store import Store
from zhengji.store.schema_analysis import AnalysisResultRow

from .samples import make_bundle


@pytest.fixture
def stored(db_url: str, tmp_path: Path) -> Iterator[tuple[Store, int, object]]:
    st = Store.open(db_url)
    bundle = make_bundle(tmp_path / "b")
    summary = st.import_bundle(bundle)
    run_id = st.record_run(assess(bundle.scheme, bundle.panel, "2024"), bundle.fingerprint,
                           summary.import_id)  # fmt: skip
    yield st, run_id, bundle
    st.close()


def _count(st: Store) -> int:
    with st.transaction() as s:
        return s.scalar(select(func.count()).select_from(AnalysisResultRow)) or 0


def test_stored_uncertainty_equals_a_fresh_run_on_the_bundle(stored: tuple) -> None:
    st, run_id, bundle = stored
    with st.transaction() as s:
        a = store_uncertainty(s, run_id, "测试 tester", replications=200, seed=7)
    fresh = uncertainty_json(
        run_uncertainty(bundle.scheme, bundle.panel, period="2024", replications=200, seed=7)
    )
    assert a.kind == "uncertainty" and a.seed == 7 and a.actor == "测试 tester"
    assert a.spec["replications"] == 200 and a.spec["seed"] == 7
    assert a.result == fresh  # same data, same spec and seed: the same numbers
    with st.transaction() as s:
        back = latest_analysis(s, run_id, "uncertainty")
    assert back is not None and back.id == a.id and back.result == fresh
    iv = rank_intervals(back.result)
    assert set(iv) == {u["unit_id"] for u in fresh["units"]}
    for u in fresh["units"]:
        x = iv[u["unit_id"]]
        assert x["rank_low"] <= x["median_rank"] <= x["rank_high"]
        assert sum(v or 0 for v in x["grade_prob"].values()) == pytest.approx(1, abs=1e-3)
    fragile = {(p["ahead"], p["behind"]) for p in fresh["pairs"] if not p["robust"]}
    assert {(u, x["tied_with"]) for u, x in iv.items() if x["tied_with"]} == fragile


def test_rerunning_appends_and_the_newest_is_shown(stored: tuple) -> None:
    st, run_id, _ = stored
    with st.transaction() as s:
        first = store_uncertainty(s, run_id, "a", replications=100, seed=1)
        second = store_uncertainty(s, run_id, "b", replications=100, seed=2)
    with st.transaction() as s:
        assert [x.id for x in list_analyses(s, run_id)] == [first.id, second.id]
        assert [x.id for x in list_analyses(s, run_id, "sensitivity")] == []
        latest = latest_analysis(s, run_id, "uncertainty")
        assert latest is not None and latest.seed == 2
        assert latest_analysis(s, run_id, "sensitivity") is None


def test_rows_are_append_only(stored: tuple) -> None:
    st, run_id, _ = stored
    with st.transaction() as s:
        record_analysis(s, run_id, "uncertainty", {"seed": 1}, 1, {"units": []}, "x")
    for sql in ("UPDATE analysis_results SET seed = 2", "DELETE FROM analysis_results"):
        with pytest.raises(DBAPIError, match="append-only"), st.engine.begin() as conn:
            conn.execute(text(sql))
    assert _count(st) == 1


def test_bad_input_writes_nothing(stored: tuple) -> None:
    st, run_id, _ = stored
    with pytest.raises(StoreError, match="no assessment run"), st.transaction() as s:
        store_uncertainty(s, run_id + 99, "x", replications=100)
    with pytest.raises(StoreError, match="unknown analysis kind"), st.transaction() as s:
        record_analysis(s, run_id, "guess", {}, 1, {}, "x")
    with pytest.raises(StoreError, match="actor"), st.transaction() as s:
        record_analysis(s, run_id, "uncertainty", {}, 1, {}, " ")
    assert _count(st) == 0


def test_cli_uncertainty_store_keeps_the_analysis_of_the_recorded_run(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from zhengji.cli import app

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    make_bundle(tmp_path / "b")
    args = ["uncertainty", str(tmp_path / "b"), "--replications", "100", "--seed", "5"]
    r = CliRunner().invoke(app, [*args, "--store", "--db", url, "--actor", "王主任"])
    assert r.exit_code == 0, r.output
    assert "analysis #1 of run 1" in r.output
    with Store.open(url) as st, st.transaction() as s:
        a = latest_analysis(s, 1, "uncertainty")
    assert a is not None and a.actor == "王主任" and a.seed == 5
    assert a.result["replications"] == 100
