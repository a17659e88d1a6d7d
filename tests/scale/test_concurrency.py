"""Two writers at once: no lost or duplicated rows, and every value's versions stay one chain
(each new version supersedes the newest one before it). PostgreSQL serialises importers with
a table lock that readers never wait for; SQLite has one writer at a time."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.scale.conftest import shifted_rows, write_long

from zhengji.bundle import Bundle
from zhengji.errors import StoreError
from zhengji.store import Store
from zhengji.store.bulk import import_observations, lock_observations
from zhengji.store.schema import ObservationRecord


def _chains(st: Store) -> dict[tuple[str, str, str], list[tuple[int, int | None, float]]]:
    out: dict[tuple[str, str, str], list[tuple[int, int | None, float]]] = defaultdict(list)
    with st.transaction() as s:
        for r in s.execute(
            select(
                ObservationRecord.unit_id,
                ObservationRecord.period,
                ObservationRecord.indicator_id,
                ObservationRecord.id,
                ObservationRecord.supersedes_id,
                ObservationRecord.value,
            ).order_by(ObservationRecord.id)
        ):
            out[(r[0], r[1], r[2])].append((r[3], r[4], r[5]))
    return out


def _assert_one_chain_each(st: Store, versions: int) -> None:
    for key, rows in _chains(st).items():
        assert len(rows) == versions, key
        assert rows[0][1] is None, key
        for prev, cur in itertools.pairwise(rows):
            assert cur[1] == prev[0], f"{key}: version {cur[0]} does not supersede {prev[0]}"


def _run_together(jobs: list[Callable[[], object]]) -> list[BaseException | None]:
    """Start the jobs at the same instant; return each one's exception (None: it succeeded)."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException | None] = [None] * len(jobs)

    def run(k: int) -> None:
        barrier.wait()
        try:
            jobs[k]()
        except BaseException as exc:
            errors[k] = exc

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return errors


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_two_bulk_importers_at_once(db_url: str, county_bundle: Bundle, tmp_path: Path) -> None:
    """Both change every value; both succeed, one after the other: three versions per cell,
    chained, and the current value is the later importer's."""
    b = county_bundle
    a_path = write_long(tmp_path / "a.csv", shifted_rows(b, 1.0))
    b_path = write_long(tmp_path / "b.csv", shifted_rows(b, 2.0))
    with Store.open(db_url) as st:
        st.import_bundle(b)
        results: dict[str, int] = {}

        def job(name: str, path: Path) -> Callable[[], object]:
            def run() -> None:
                results[name] = import_observations(st, path, b.scheme, chunk_rows=300).import_id

            return run

        errors = _run_together([job("a", a_path), job("b", b_path)])
        assert errors == [None, None]
        _assert_one_chain_each(st, 3)
        later = max(results, key=lambda k: results[k])
        delta = {"a": 1.0, "b": 2.0}[later]
        first = b.observations[0]
        chain = _chains(st)[(first.unit_id, first.period, first.indicator_id)]
        assert chain[-1][2] == first.value + delta
        with st.transaction() as s:
            total = s.scalar(select(func.count()).select_from(ObservationRecord))
        assert total == 3 * len(b.observations)


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_importer_waits_for_the_lock_readers_do_not(
    db_url: str, county_bundle: Bundle, tmp_path: Path
) -> None:
    """While one transaction holds the import lock a second importer waits (and then sees the
    first's rows), while a reader is not blocked."""
    b = county_bundle
    path = write_long(tmp_path / "a.csv", shifted_rows(b, 1.0))
    with Store.open(db_url) as st:
        st.import_bundle(b)
        done = threading.Event()

        def importer() -> None:
            import_observations(st, path, b.scheme)
            done.set()

        with st.transaction() as holder:
            lock_observations(holder)
            t = threading.Thread(target=importer)
            t.start()
            time.sleep(1.5)
            assert not done.is_set()
            with st.transaction() as reader:  # another connection reads meanwhile
                n = reader.scalar(select(func.count()).select_from(ObservationRecord))
            assert n == len(b.observations)
        t.join(60)
        assert done.is_set()
        _assert_one_chain_each(st, 2)


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_bundle_import_and_bulk_import_at_once(
    db_url: str, county_bundle: Bundle, tmp_path: Path
) -> None:
    """``Store.import_bundle`` takes the same lock: a bundle import racing a bulk import of the
    same cells leaves one chain per cell, no fork."""
    b = county_bundle
    path = write_long(tmp_path / "a.csv", shifted_rows(b, 1.0))
    obs = tuple(dataclasses.replace(o, value=o.value + 5.0) for o in b.observations)
    fp = hashlib.sha256(f"{b.fingerprint} +5".encode()).hexdigest()
    corrected = dataclasses.replace(b, observations=obs, fingerprint=fp)
    with Store.open(db_url) as st:
        st.import_bundle(b)
        errors = _run_together(
            [
                lambda: st.import_bundle(corrected),
                lambda: import_observations(st, path, b.scheme),
            ]
        )
        assert errors == [None, None]
        _assert_one_chain_each(st, 3)


def test_sqlite_second_writer_never_forks(county_bundle: Bundle, tmp_path: Path) -> None:
    """SQLite: two importers at once either both succeed one after the other or the second
    fails with nothing written — never a forked chain or a lost row."""
    b = county_bundle
    a_path = write_long(tmp_path / "a.csv", shifted_rows(b, 1.0))
    b_path = write_long(tmp_path / "b.csv", shifted_rows(b, 2.0))
    with Store.open(f"sqlite:///{tmp_path / 'two.db'}") as st:
        st.import_bundle(b)
        errors = _run_together(
            [
                lambda: import_observations(st, a_path, b.scheme),
                lambda: import_observations(st, b_path, b.scheme),
            ]
        )
        failed = [e for e in errors if e is not None]
        assert all(isinstance(e, StoreError) for e in failed), failed
        assert len(failed) <= 1
        _assert_one_chain_each(st, 3 - len(failed))
