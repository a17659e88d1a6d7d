"""The same derivations give identical results on every engine: DuckDB over the SQLite file,
SQLite, DuckDB over the Parquet export, PostgreSQL (when a server is available) and Spark
``local[2]`` over the Parquet export (one Spark session for the whole run). The eco figures
are also equal to ``zhengji.eco.indicators.account_rows`` on the same store, including at the
instant late sign-offs and rulings were recorded and one microsecond before (they count from
that instant, not before)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from tests.analytics.conftest import (
    AS_OF,
    ECO_AS_OF,
    ECO_LATE,
    IGNORE_IBIS_WARNINGS,
    PG_ENV,
    Demo,
    eco_points,
    tight_rulebook,
)

from zhengji import analytics as an
from zhengji.demo.voice import SURVEY_CODE
from zhengji.eco.indicators import account_rows
from zhengji.eco.rulebook import default_rulebook
from zhengji.eco.service import holder_balances, holder_units
from zhengji.errors import StoreError
from zhengji.store import Store
from zhengji.voice.surveys import get_survey

pytestmark = IGNORE_IBIS_WARNINGS

Derivation = Callable[[an.Analytics], pd.DataFrame]
US = dt.timedelta(microseconds=1)


#: Columns computed from averages over units (the shrinkage): each engine adds floats in its
#: own order, so they agree to ~1e-14, not bit for bit; everything else must be identical.
ROUNDED = ("shrunk", "shrink_factor", "shrunk_sd")


def _derivations(variables: list[str], scales: dict[int, int], items: int) -> dict[str, Derivation]:
    """Each derivation once (``as_of_import_id`` is checked against the store in test_derive)."""

    def panel(a: an.Analytics) -> pd.DataFrame:
        return an.panel_wide(a.table("observations"), variables).execute()

    def digits(a: an.Analytics) -> pd.DataFrame:
        return an.digit_counts(a.table("observations"), decimals=1).execute()

    def requests(a: an.Analytics) -> pd.DataFrame:
        facts = an.request_facts(a.table("voice_requests"), a.table("voice_events"), AS_OF)
        return an.monthly_request_metrics(facts, a.table("voice_units")).execute()

    def surveys(a: an.Analytics) -> pd.DataFrame:
        return an.survey_participation(
            a.table("voice_survey_issuances"), a.table("voice_votes")
        ).execute()

    def scores(a: an.Analytics) -> pd.DataFrame:
        return an.survey_scores(a.table("voice_votes"), scales, a.table("voice_units")).execute()

    def items_(a: an.Analytics) -> pd.DataFrame:
        return an.survey_item_means(a.table("voice_votes"), items).execute()

    demo_rb, tight = default_rulebook(), tight_rulebook()

    def eco(a: an.Analytics) -> pd.DataFrame:  # caps that bind, after the year of awards
        return an.eco_participation(eco_points(a, tight, AS_OF)).execute()

    def eco_mid(a: an.Analytics) -> pd.DataFrame:  # the demo rulebook, awards pending
        return an.eco_participation(eco_points(a, demo_rb, ECO_AS_OF)).execute()

    def eco_late(a: an.Analytics) -> pd.DataFrame:  # at the instant of the late sign-offs
        return an.eco_participation(eco_points(a, demo_rb, ECO_LATE)).execute()

    def eco_just_before(a: an.Analytics) -> pd.DataFrame:  # ... and one microsecond before
        return an.eco_participation(eco_points(a, demo_rb, ECO_LATE - US)).execute()

    def eco_dims(a: an.Analytics) -> pd.DataFrame:
        pts = eco_points(a, tight, AS_OF)
        return an.eco_points_by_dimension(pts, [d.id for d in tight.dimensions]).execute()

    return {
        "panel": panel,
        "digits": digits,
        "requests": requests,
        "surveys": surveys,
        "survey_scores": scores,
        "survey_items": items_,
        "eco": eco,
        "eco_mid": eco_mid,
        "eco_late": eco_late,
        "eco_just_before": eco_just_before,
        "eco_dims": eco_dims,
    }


def _normal(df: pd.DataFrame) -> pd.DataFrame:
    """Engines differ in dtypes (int32/int64, nullable, object/str), not in values."""
    out = pd.DataFrame(index=range(len(df)))
    keys = [
        c
        for c in ("survey_id", "level", "unit_id", "period", "month", "indicator_id", "test",
                  "digit", "item", "dimension_id")
        if c in df
    ]  # fmt: skip
    df = df.sort_values(keys).reset_index(drop=True)
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_integer_dtype(s):
            out[c] = s.astype("int64")
        elif pd.api.types.is_numeric_dtype(s):
            out[c] = s.astype("float64")
        else:
            out[c] = s.astype(object).where(s.notna(), None)
    return out


# py4j leaves its gateway sockets to the garbage collector
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_identical_results_on_every_backend(
    sqlite_demo: Demo, postgres_demo: Demo | None, parquet_dir: Path, spark: Any
) -> None:
    b = sqlite_demo.bundles[0].scheme
    variables = [i.id for i in b.indicators] + [d.id for d in b.denominators]
    with Store.open(sqlite_demo.url) as st, st.transaction() as s:
        survey = get_survey(s, SURVEY_CODE)
    derivations = _derivations(variables, {survey.id: survey.scale}, len(survey.items))
    sources: dict[str, tuple[str, str]] = {
        "duckdb-sqlite": (sqlite_demo.url, "duckdb"),
        "sqlite": (sqlite_demo.url, "sqlite"),
        "duckdb-parquet": (str(parquet_dir), "duckdb"),
        "spark-parquet": (str(parquet_dir), "spark"),
    }
    if os.environ.get(PG_ENV):
        assert postgres_demo is not None
        sources["postgres"] = (postgres_demo.url, "postgres")
    results: dict[str, dict[str, pd.DataFrame]] = {}
    for name, (src, backend) in sources.items():
        with an.connect(src, backend) as a:
            assert a.backend == backend
            results[name] = {k: _normal(f(a)) for k, f in derivations.items()}
    ref = results["duckdb-sqlite"]
    assert len(ref["panel"]) > 40 and len(ref["requests"]) > 500 and len(ref["digits"]) > 500
    assert len(ref["survey_scores"]) >= 20 and len(ref["survey_items"]) >= 50
    _assert_eco_equals_account_rows(sqlite_demo, ref)
    gain = ref["eco_late"].mean_score - ref["eco_just_before"].mean_score
    assert gain.min() >= 0 and gain.max() > 0  # the late records count from that instant
    for name, got in results.items():
        for k, df in got.items():
            exact = [c for c in df.columns if c not in ROUNDED]
            pd.testing.assert_frame_equal(
                df[exact], ref[k][exact], check_exact=True, obj=f"{name}: {k}"
            )
            if k == "survey_scores":
                pd.testing.assert_frame_equal(
                    df[list(ROUNDED)], ref[k][list(ROUNDED)], rtol=1e-12, atol=1e-12
                )


def _assert_eco_equals_account_rows(demo: Demo, ref: dict[str, pd.DataFrame]) -> None:
    """The reference engine's eco figures = ``account_rows`` over ``balances``, exactly."""
    for key, rb, as_of in (
        ("eco", tight_rulebook(), AS_OF),
        ("eco_mid", default_rulebook(), ECO_AS_OF),
        ("eco_late", default_rulebook(), ECO_LATE),
        ("eco_just_before", default_rulebook(), ECO_LATE - US),
    ):
        with Store.open(demo.url) as st, st.transaction() as s:
            rows = account_rows(holder_units(s), holder_balances(s, rb, as_of), rb, "2025")
        want = {(r.unit_id, r.indicator_id): r.value for r in rows}
        df = ref[key]
        assert len(df) == 260  # 200 villages, 50 townships, 10 counties
        got: dict[tuple[str, str], float] = {}
        for r in df.itertuples(index=False):
            got[(r.unit_id, "eco_participation")] = r.participation
            got[(r.unit_id, "eco_mean_score")] = r.mean_score
        if key == "eco":
            for r in ref["eco_dims"].itertuples(index=False):
                got[(r.unit_id, f"eco_points_{r.dimension_id}")] = r.mean
        else:
            want = {k: v for k, v in want.items() if not k[1].startswith("eco_points_")}
        assert got == want


def test_duckdb_is_offline(sqlite_demo: Demo) -> None:
    """No extension is fetched at run time: DuckDB's auto-install and auto-load are off and the
    SQLite scanner was installed from the PyPI package's file."""
    with an.connect(sqlite_demo.url) as a:
        raw: duckdb.DuckDBPyConnection = a.con.con  # type: ignore[attr-defined]
        settings = raw.execute(
            "SELECT current_setting('autoinstall_known_extensions'), "
            "current_setting('autoload_known_extensions')"
        ).fetchone()
        ext = raw.execute(
            "SELECT loaded, installed_from FROM duckdb_extensions() "
            "WHERE extension_name = 'sqlite_scanner'"
        ).fetchone()
        n = a.table("voice_requests").count().execute()
    assert settings == (False, False)
    assert ext is not None and ext[0] is True
    assert Path(ext[1]) == an.sqlite_scanner_path()
    assert "duckdb_extension_sqlite_scanner" in ext[1]
    assert n == 2000


def test_connect_refuses_what_cannot_work(sqlite_demo: Demo, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="unknown backend"):
        an.connect(sqlite_demo.url, "oracle")
    with pytest.raises(StoreError, match="cannot read a sqlite source"):
        an.connect(sqlite_demo.url, "spark")
    with pytest.raises(StoreError, match="cannot read a remote parquet source"):
        an.connect("hdfs:///zhengji/2025", "duckdb")  # would need httpfs: not offline
    with pytest.raises(StoreError, match=r"no \.parquet files"):
        an.connect(tmp_path, "duckdb")
    with an.connect(sqlite_demo.url) as a, pytest.raises(StoreError, match="no table 'nope'"):
        a.table("nope")
