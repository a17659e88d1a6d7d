"""One synthetic store (示例数据（模拟）) for the analytics tests: the demo world's county and
township bundles, a correction import, 2,000 citizen requests with their events and a survey,
and the eco demo's accounts (2 holders per village: 400 holders, ~900 awards; its unsigned awards
signed off, and its open objections rejected, late: ``ECO_LATE``). Built once per
test process on SQLite, and once on PostgreSQL when a server is available; the Parquet export
of the SQLite store feeds DuckDB-over-Parquet and Spark."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis
import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from zhengji import analytics as an
from zhengji.analytics.backends import SMALL_DATA_SPARK, spark_session
from zhengji.bundle import Bundle, load_bundle
from zhengji.bundle.model import ObservationRow
from zhengji.demo import build_world
from zhengji.demo import eco as demo_eco
from zhengji.demo import voice as demo_voice
from zhengji.eco import service as sv
from zhengji.eco.rulebook import Rulebook, default_rulebook
from zhengji.store import Store
from zhengji.store.bulk import export_parquet
from zhengji.store.schema_eco import EcoEntryRow, EcoObjectionRow, EcoRulingRow, EcoSignoffRow

PG_ENV = "ZHENGJI_TEST_POSTGRES_URL"
#: Deprecation warnings raised inside ibis 12 against the pinned DuckDB 1.5 and pandas 3
#: (``fetch_arrow_table``; the ``future.infer_string`` option): harmless, ignored only here.
IBIS_WARNINGS = (
    "ignore:fetch_arrow_table\\(\\) is deprecated:DeprecationWarning",
    "ignore:The 'future.infer_string' option is deprecated",
    "ignore:The copy keyword is deprecated",  # PySpark 4.0's toPandas on pandas 3
)
IGNORE_IBIS_WARNINGS = [pytest.mark.filterwarnings(w) for w in IBIS_WARNINGS]
#: A fixed "now" for request facts, after the demo year (2025) ends.
AS_OF = dt.datetime(2026, 1, 10, tzinfo=dt.UTC)
#: Mid-way through the eco demo's year of awards: some counted, some pending, some future.
ECO_AS_OF = dt.datetime(2025, 7, 1, 4, tzinfo=dt.UTC)
#: When the late sign-offs and rulings of :func:`_late_records` are recorded (after ECO_AS_OF).
ECO_LATE = dt.datetime(2025, 9, 1, 2, tzinfo=dt.UTC)
ECO_HOLDERS_PER_VILLAGE = 2


@dataclasses.dataclass(frozen=True)
class Demo:
    url: str
    bundles: tuple[Bundle, ...]
    first_import_id: int  # the counties' import, before any correction
    late: tuple[int, ...] = ()  # eco awards signed off or cleared only at ECO_LATE


def _corrected(b: Bundle) -> Bundle:
    """Every third value changed: the store appends new versions that supersede the old."""
    obs = tuple(
        dataclasses.replace(o, value=o.value * 1.5 + 1) if k % 3 == 0 else o
        for k, o in enumerate(b.observations)
    )
    assert all(isinstance(o, ObservationRow) for o in obs)
    fp = hashlib.sha256(f"{b.fingerprint} corrected".encode()).hexdigest()
    return dataclasses.replace(b, observations=obs, fingerprint=fp)


def _populate(url: str, world: Path) -> Demo:
    counties, townships = load_bundle(world), load_bundle(world / "townships")
    with Store.open(url) as st:
        first = st.import_bundle(counties).import_id
        st.import_bundle(townships)
        st.import_bundle(_corrected(counties))
        demo_voice.populate(st, n_requests=2000)
        demo_eco.populate(st, holders_per_village=ECO_HOLDERS_PER_VILLAGE)
        late = _late_records(st)
    return Demo(url, (counties, townships), first, late)


def _late_records(st: Store) -> tuple[int, ...]:
    """Sign off the demo's unsigned awards, and reject its open objections, at ECO_LATE: awards
    whose window closed before ECO_AS_OF, so they count at ECO_AS_OF only if a sign-off or
    ruling recorded later were (wrongly) taken into account."""
    e, o, r = EcoEntryRow, EcoObjectionRow, EcoRulingRow
    before = ECO_AS_OF - dt.timedelta(days=10)
    with st.transaction() as s:
        signed = set(s.scalars(select(EcoSignoffRow.entry_id)))
        reversed_ = set(s.scalars(select(e.reverses_id).where(e.reverses_id.is_not(None))))
        awards = {
            i: insp
            for i, insp in s.execute(
                select(e.id, e.inspector_id).where(e.kind == "award", e.awarded_at < before)
            )
            if i not in reversed_
        }
        unsigned = sorted(i for i in awards if i not in signed)
        for i in unsigned:
            sv.sign_off(s, i, f"demo-rev-{awards[i][10:-2]}", ECO_LATE)
        open_q = (
            select(o.id, o.entry_id)
            .outerjoin(r, r.objection_id == o.id)
            .where(r.id.is_(None))
            .order_by(o.id)
        )
        cleared = []
        for oid, i in s.execute(open_q).all():
            if i in awards:  # signed off by now, at the latest at ECO_LATE
                sv.rule_on(
                    s, oid, False, f"demo-rev-{awards[i][10:-2]}", "示例：驳回（模拟）", ECO_LATE
                )
                cleared.append(i)
    return tuple(sorted(set(unsigned + cleared)))


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(build_world(tmp_path_factory.mktemp("scale-world") / "world", seed=20251))


@pytest.fixture(scope="session")
def sqlite_demo(world: Path, tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return _populate(f"sqlite:///{tmp_path_factory.mktemp('scale-db') / 'store.db'}", world)


@pytest.fixture(scope="session")
def parquet_dir(sqlite_demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("parquet")
    with Store.open(sqlite_demo.url) as st:
        export_parquet(st, out)
    return out


@pytest.fixture(scope="session")
def spark() -> Any:
    """The one Spark session of the test process (starting one takes 6-12 s), tuned for small
    data; ``zhengji.analytics.connect(..., "spark")`` then reuses it."""
    return spark_session("local[2]", conf=SMALL_DATA_SPARK)


@pytest.fixture(scope="session")
def postgres_demo(world: Path) -> Iterator[Demo | None]:
    """The same store on PostgreSQL (None without a server: that backend is then not run)."""
    admin_url = os.environ.get(PG_ENV)
    if not admin_url:
        yield None
        return
    name = f"zj_scale_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        yield _populate(url, world)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def tight_rulebook() -> Rulebook:
    """The demo's rulebook with caps a fifth as high and a total of 40: the demo never reaches the
    real caps within one year, so this makes the dimension and total caps bind."""
    rb = default_rulebook()
    dims = tuple(dataclasses.replace(d, cap=d.cap // 5) for d in rb.dimensions)
    return dataclasses.replace(rb, dimensions=dims, total_cap=40)


def eco_points(a: an.Analytics, rb: Rulebook, as_of: dt.datetime) -> ibis.Table:
    """:func:`zhengji.analytics.eco_holder_points` over the store's eco tables."""
    return an.eco_holder_points(
        a.table("eco_holders"),
        a.table("eco_entries"),
        a.table("eco_signoffs"),
        a.table("eco_objections"),
        a.table("eco_objection_rulings"),
        a.table("eco_rule_items"),
        rb,
        as_of,
    )
