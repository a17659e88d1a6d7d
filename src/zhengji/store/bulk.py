"""Bulk paths: millions of observations in, whole tables out to Parquet, in bounded memory.

Import (``observations.csv`` long format or Parquet with the same columns) streams the file
in chunks of ``chunk_rows``: each chunk is checked (unit known, indicator in the scheme, source
as declared, period format, number) and copied into a temporary staging table — ``COPY`` on
PostgreSQL (psycopg ``cursor.copy``), ``executemany`` on SQLite; never one ORM object per row.
Then, in the same transaction, set-wise SQL appends exactly the rows whose value or source
differs from the current one, each pointing at the row it supersedes (the store's
append-only rule, ``zhengji.store.ops``). Any bad row — named by file, line and column — or a
duplicate key rolls the whole import back: nothing is written. :func:`stage_rows` and
:func:`tuned` (more sort memory for the transaction) serve every bulk path: the citizen
requests' too (:mod:`zhengji.voice.bulkimport`).

Concurrency: on PostgreSQL the import takes ``LOCK TABLE observations IN SHARE ROW EXCLUSIVE
MODE`` (it conflicts with itself and with every writer, never with readers) before reading
the current versions, so two imports at once run one after the other and the second sees the
first's rows: no fork in a value's chain, no duplicate. SQLite has one writer at a time; a
second writer whose snapshot went stale fails with "database is locked" and writes nothing.

Export writes each analytics table to ``<table>.parquet`` (read by DuckDB and Spark, see
:mod:`zhengji.analytics`), streaming ``chunk_rows`` at a time. Who submitted a request
(``voice_requesters``) is never exported, nor eco account holders' names, people or evidence
(``EXPORT_COLUMNS``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import math
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from sqlalchemy import Boolean, Date, DateTime, Double, Float, Integer, Table, bindparam, select
from sqlalchemy import text as sql
from sqlalchemy.orm import Session
from sqlalchemy.types import JSON

from zhengji.bundle.validate import period_format
from zhengji.errors import DataError, StoreError
from zhengji.scheme.model import SOURCES, Scheme
from zhengji.store.api import Store
from zhengji.store.ops import scheme_version_id
from zhengji.store.schema import Base, ImportRow, ObservationRecord, UnitRecord

__all__ = [
    "COLUMNS",
    "EXPORT_COLUMNS",
    "EXPORT_TABLES",
    "BulkSummary",
    "export_parquet",
    "file_digest",
    "import_observations",
    "lock_observations",
    "stage_rows",
    "tuned",
]

COLUMNS = ("unit_id", "period", "indicator_id", "value", "source")
#: Tables ``export_parquet`` writes by default: what the analytics read. Never requesters.
EXPORT_TABLES = (
    "units",
    "imports",
    "observations",
    "voice_units",
    "voice_requests",
    "voice_events",
    "voice_survey_issuances",
    "voice_votes",
    "eco_rule_items",
    "eco_holders",
    "eco_entries",
    "eco_signoffs",
    "eco_objections",
    "eco_objection_rulings",
)
#: Tables exported with these columns only: the eco derivations' inputs, without people's ids,
#: evidence (photo, place, device), free text (objections, reasons) or who recorded what.
EXPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "eco_holders": ("id", "kind", "village_id", "township_id", "county_id"),
    "eco_entries": ("id", "kind", "rulebook_pk", "item_id", "period", "holder_id", "points",
                    "awarded_at", "valid_until", "posted_at", "objection_until", "reverses_id"),
    "eco_signoffs": ("id", "entry_id", "signed_at"),
    "eco_objections": ("id", "entry_id", "raised_at"),
    "eco_objection_rulings": ("id", "objection_id", "upheld", "reversal_id", "ruled_at"),
}  # fmt: skip
_PRIVATE = frozenset(
    {
        "voice_requesters",
        "eco_people",
        "eco_holder_names",
        "voice_api_keys",
        "web_users",
        "web_sessions",
        "web_login_attempts",
        "ledger_keys",
    }
)
_MAX_PROBLEMS = 50
Progress = Callable[[int], None]


@dataclass(frozen=True)
class BulkSummary:
    """What a bulk import did: rows read, rows appended, rows already current."""

    import_id: int
    rows_read: int
    rows_added: int
    rows_unchanged: int


def lock_observations(session: Session) -> None:
    """Serialise writers of observations on PostgreSQL (readers are never blocked)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sql("LOCK TABLE observations IN SHARE ROW EXCLUSIVE MODE"))


def file_digest(path: Path) -> str:
    """SHA-256 of a file, read 1 MiB at a time."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _batches(path: Path, chunk_rows: int) -> Iterator[pa.RecordBatch]:
    """The file as record batches of text columns (value as text: checked here, not by Arrow)."""
    if path.suffix.lower() == ".parquet":
        pf = pq.ParquetFile(path)
        missing = [c for c in COLUMNS if c not in pf.schema_arrow.names]
        _need(path, missing)
        for b in pf.iter_batches(batch_size=chunk_rows, columns=list(COLUMNS)):
            yield pa.RecordBatch.from_arrays(
                [b.column(c).cast(pa.string()) for c in COLUMNS], names=list(COLUMNS)
            )
        return
    with path.open("rb") as f:
        header = f.readline().decode("utf-8-sig").strip().split(",")
    _need(path, [c for c in COLUMNS if c not in [h.strip() for h in header]])
    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=max(chunk_rows * 48, 1 << 20)),
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in header},
            include_columns=list(COLUMNS),
            strings_can_be_null=False,
        ),
    )
    yield from reader


def _need(path: Path, missing: Sequence[str]) -> None:
    if missing:
        raise DataError(
            f"缺少列 {path.name} lacks columns: {', '.join(missing)} (needs {', '.join(COLUMNS)})",
            [(path.name, 1, c, "缺少此列 column missing") for c in missing],
        )


@dataclass
class _Checker:
    """Checks chunks against the store and the scheme; collects (file, line, column, msg)."""

    file: str
    units: pa.Array
    variables: pa.Array
    declared: dict[str, str]
    period_kind: str | None
    problems: list[tuple[str, int | None, str | None, str]]

    def add(self, line: int, column: str, msg: str) -> None:
        if len(self.problems) < _MAX_PROBLEMS:
            self.problems.append((self.file, line, column, msg))

    def bad(self, mask: Any, batch: pa.RecordBatch, first_line: int, col: str, msg: str) -> None:
        for i in pc.indices_nonzero(mask).to_pylist()[:_MAX_PROBLEMS]:
            self.add(first_line + i, col, msg.format(batch.column(col)[i].as_py()))

    def check(self, b: pa.RecordBatch, first_line: int) -> pa.Array | None:
        """The batch's values as float64, or None when the batch has problems."""
        before = len(self.problems)
        ind, src = b.column("indicator_id"), b.column("source")
        self.bad(pc.invert(pc.is_in(b.column("unit_id"), self.units)), b, first_line, "unit_id",
                 "库中没有此单位 unit '{}' is not in the store (import units first)")  # fmt: skip
        self.bad(pc.invert(pc.is_in(ind, self.variables)), b, first_line, "indicator_id",
                 "未知指标 '{}' is not an indicator or denominator of the scheme")  # fmt: skip
        self.bad(pc.invert(pc.is_in(src, pa.array(SOURCES))), b, first_line, "source",
                 f"未知来源 source '{{}}' is not one of: {', '.join(SOURCES)}")  # fmt: skip
        for name, want in self.declared.items():
            mask = pc.and_(pc.equal(ind, name), pc.not_equal(src, want))
            if pc.any(mask).as_py():
                msg = f"来源不符 indicator '{name}' is declared with source '{want}', not '{{}}'"
                self.bad(mask, b, first_line, "source", msg)
        for p in pc.unique(b.column("period")).to_pylist():
            kind = period_format(p)
            if kind is None or (self.period_kind is not None and kind != self.period_kind):
                self.bad(pc.equal(b.column("period"), p), b, first_line, "period",
                         "期间格式不符 period '{}' is not YYYY, YYYY-Qn or YYYY-MM like the "
                         "store's periods")  # fmt: skip
            elif self.period_kind is None:
                self.period_kind = kind
        values = self._numbers(b, first_line)
        return values if len(self.problems) == before else None

    def _numbers(self, b: pa.RecordBatch, first_line: int) -> pa.Array | None:
        text = pc.utf8_trim_whitespace(b.column("value"))
        try:
            v = pc.cast(text, pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            for i, s in enumerate(text.to_pylist()):
                try:
                    x = float(s)
                except (TypeError, ValueError):
                    self.add(first_line + i, "value", f"不是数字 '{s}' is not a number")
                    continue
                if not math.isfinite(x):
                    self.add(first_line + i, "value", f"不是有限数 '{s}' is not a finite number")
            return None
        finite = pc.is_finite(v)
        if not pc.all(finite).as_py():
            self.bad(pc.invert(finite), b, first_line, "value",
                     "不是有限数 '{}' is not a finite number")  # fmt: skip
            return None
        return v


#: Sort and hash memory for the set-wise statements on PostgreSQL (per node, this transaction
#: only): at 10^6 rows the default 4 MB made the final ``ORDER BY`` spill ~95 MB to disk.
PG_WORK_MEM = "256MB"
#: SQLite page cache during an import (KiB; the default is 2 MB): index pages stay cached.
SQLITE_CACHE_KIB = 262_144


@contextmanager
def tuned(session: Session) -> Iterator[str]:
    """Memory settings for one bulk transaction, restored afterwards; yields the dialect."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(sql(f"SET LOCAL work_mem = '{PG_WORK_MEM}'"))
        yield dialect
        return
    before = session.execute(sql("PRAGMA cache_size")).scalar()
    session.execute(sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}"))
    try:
        yield dialect
    finally:
        session.execute(sql(f"PRAGMA cache_size = {int(before or -2000)}"))


def _stage(session: Session, dialect: str) -> None:
    cols = (
        "seq BIGINT, unit_id TEXT, period TEXT, indicator_id TEXT, value DOUBLE PRECISION, "
        "source TEXT"
    )
    if dialect == "postgresql":
        session.execute(sql(f"CREATE TEMP TABLE zj_stage ({cols}) ON COMMIT DROP"))
        session.execute(
            sql("CREATE TEMP TABLE zj_changed (seq BIGINT, prev BIGINT) ON COMMIT DROP")
        )
    else:
        session.execute(sql("DROP TABLE IF EXISTS temp.zj_stage"))
        session.execute(sql("DROP TABLE IF EXISTS temp.zj_changed"))
        # seq as the rowid: the stage is appended in seq order and joined and sorted by it
        rowid = cols.replace("seq BIGINT", "seq INTEGER PRIMARY KEY")
        session.execute(sql(f"CREATE TEMP TABLE zj_stage ({rowid})"))
        session.execute(sql("CREATE TEMP TABLE zj_changed (seq INTEGER PRIMARY KEY, prev BIGINT)"))


def stage_rows(session: Session, table: str, names: Sequence[str], columns: Sequence[Any]) -> None:
    """Append Arrow columns to a (temporary staging) table in one round trip: ``COPY … FROM
    STDIN`` as CSV on PostgreSQL, one prepared ``executemany`` on SQLite. A null is NULL."""
    dbapi: Any = session.connection().connection.driver_connection
    if session.get_bind().dialect.name == "postgresql":
        buf = io.BytesIO()
        pacsv.write_csv(
            pa.table(list(columns), names=list(names)),
            buf,
            pacsv.WriteOptions(include_header=False),
        )
        with (
            dbapi.cursor() as cur,
            cur.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN (FORMAT csv)") as copy,
        ):
            copy.write(buf.getvalue())
        return
    cur = dbapi.cursor()
    try:
        cur.executemany(
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
            zip(*(c.to_pylist() for c in columns), strict=True),
        )
    finally:
        cur.close()


def _load_chunk(session: Session, b: pa.RecordBatch, values: pa.Array, seq0: int) -> None:
    seq = pa.array(range(seq0, seq0 + b.num_rows), type=pa.int64())
    cols = [seq, b.column("unit_id"), b.column("period"), b.column("indicator_id"), values,
            b.column("source")]  # fmt: skip
    names = ["seq", "unit_id", "period", "indicator_id", "value", "source"]
    stage_rows(session, "zj_stage" if _is_pg(session) else "temp.zj_stage", names, cols)


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _duplicates(session: Session, file: str) -> None:
    rows = session.execute(
        sql(
            "SELECT unit_id, period, indicator_id, min(seq), max(seq) FROM zj_stage "
            "GROUP BY unit_id, period, indicator_id HAVING count(*) > 1 ORDER BY 4 LIMIT 50"
        )
    ).all()
    if rows:
        raise DataError(
            f"重复观测 {file} has duplicate observations; nothing was imported",
            [
                (file, int(b) + 2, "indicator_id",
                 f"重复观测 duplicate observation for unit '{u}', period '{p}', indicator "
                 f"'{i}' (first on row {int(a) + 2})")
                for u, p, i, a, b in rows
            ],
        )  # fmt: skip


_CHANGED = """
INSERT INTO zj_changed (seq, prev)
SELECT s.seq, c.id FROM zj_stage s
LEFT JOIN (
    SELECT o.unit_id, o.period, o.indicator_id, max(o.id) AS id
    FROM observations o
    JOIN zj_stage k ON o.unit_id = k.unit_id AND o.period = k.period
                   AND o.indicator_id = k.indicator_id
    GROUP BY o.unit_id, o.period, o.indicator_id
) m ON m.unit_id = s.unit_id AND m.period = s.period AND m.indicator_id = s.indicator_id
LEFT JOIN observations c ON c.id = m.id
WHERE c.id IS NULL OR c.value <> s.value OR c.source <> s.source
"""
_APPEND = """
INSERT INTO observations
    (unit_id, period, indicator_id, value, source, extra, import_id, supersedes_id, recorded_at)
SELECT s.unit_id, s.period, s.indicator_id, s.value, s.source, {empty}, :imp, c.prev, :now
FROM zj_changed c JOIN zj_stage s ON s.seq = c.seq
ORDER BY s.seq
"""


def import_observations(
    store: Store,
    path: str | Path,
    scheme: Scheme,
    scheme_text: str | None = None,
    *,
    chunk_rows: int = 200_000,
    on_progress: Progress | None = None,
) -> BulkSummary:
    """Append a long-format file's new and changed values in one transaction (see module)."""
    p = Path(path)
    if not p.is_file():
        raise DataError(f"找不到文件 no such file: {p}")
    digest = file_digest(p)
    with store.transaction() as s, tuned(s) as dialect:
        stored_period = s.scalar(select(ObservationRecord.period).limit(1))
        checker = _Checker(
            file=p.name,
            units=pa.array(sorted(s.scalars(select(UnitRecord.id))), type=pa.string()),
            variables=pa.array(
                [i.id for i in scheme.indicators] + [d.id for d in scheme.denominators],
                type=pa.string(),
            ),
            declared={i.id: i.source for i in scheme.indicators},
            period_kind=None if stored_period is None else period_format(stored_period),
            problems=[],
        )
        _stage(s, dialect)
        read = 0
        for b in _batches(p, chunk_rows):
            values = checker.check(b, first_line=read + 2)
            if values is not None and not checker.problems:
                _load_chunk(s, b, values, read)
            read += b.num_rows
            if on_progress is not None:
                on_progress(b.num_rows)
        if checker.problems:
            raise DataError(
                f"数据有误 {p.name} has invalid rows; nothing was imported", checker.problems
            )
        if dialect == "postgresql":
            s.execute(sql("ANALYZE zj_stage"))  # temp tables have no statistics otherwise
        _duplicates(s, p.name)
        lock_observations(s)
        s.execute(sql(_CHANGED))
        added = int(s.scalar(sql("SELECT count(*) FROM zj_changed")) or 0)
        now = dt.datetime.now(dt.UTC)
        imp = ImportRow(
            source_path=str(p),
            bundle_fingerprint=digest,
            scheme_version_id=scheme_version_id(s, scheme, scheme_text),
            created_at=now,
            rows_added=added,
            rows_unchanged=read - added,
            units_added=0,
            vetoes_added=0,
        )
        s.add(imp)
        s.flush()
        empty = "CAST('{}' AS JSON)" if dialect == "postgresql" else "'{}'"
        s.execute(
            sql(_APPEND.format(empty=empty)).bindparams(
                bindparam("imp", imp.id), bindparam("now", now, type_=DateTime(timezone=True))
            )
        )
        if dialect != "postgresql":
            s.execute(sql("DROP TABLE temp.zj_stage"))
            s.execute(sql("DROP TABLE temp.zj_changed"))
        return BulkSummary(imp.id, read, added, read - added)


# --- export ------------------------------------------------------------------------------------
def _arrow_type(col: Any) -> pa.DataType:
    t = col.type
    if isinstance(t, Boolean):
        return pa.bool_()
    if isinstance(t, Integer):
        return pa.int64()
    if isinstance(t, Double | Float):
        return pa.float64()
    if isinstance(t, DateTime):
        return pa.timestamp("us", tz="UTC")
    if isinstance(t, Date):
        return pa.date32()
    return pa.string()


def _utc(v: Any) -> Any:
    if isinstance(v, dt.datetime) and v.tzinfo is None:
        return v.replace(tzinfo=dt.UTC)  # SQLite keeps UTC times without an offset
    return v


def _export_table(
    session: Session, table: Table, target: Path, chunk_rows: int, on_progress: Progress | None
) -> int:
    keep = EXPORT_COLUMNS.get(table.name)
    cols = [c for c in table.columns if keep is None or c.name in keep]
    schema = pa.schema([(c.name, _arrow_type(c)) for c in cols])
    json_cols = {c.name for c in cols if isinstance(c.type, JSON)}
    tmp = target.with_suffix(".parquet.part")
    n = 0
    result = (
        session.connection()
        .execution_options(stream_results=True)
        .execute(select(*cols).order_by(*table.primary_key.columns))
    )
    with pq.ParquetWriter(tmp, schema) as w:
        for part in result.partitions(chunk_rows):
            data: dict[str, list[Any]] = {}
            for k, name in enumerate(schema.names):
                col = [r[k] for r in part]
                if name in json_cols:
                    col = [None if v is None else json.dumps(v, ensure_ascii=False) for v in col]
                elif pa.types.is_timestamp(schema.field(name).type):
                    col = [_utc(v) for v in col]
                data[name] = col
            w.write_table(pa.Table.from_pydict(data, schema=schema))
            n += len(part)
            if on_progress is not None:
                on_progress(len(part))
    os.replace(tmp, target)
    return n


def export_parquet(
    store: Store,
    out_dir: str | Path,
    tables: Sequence[str] = EXPORT_TABLES,
    *,
    chunk_rows: int = 200_000,
    on_progress: Progress | None = None,
) -> dict[str, int]:
    """Write each table to ``out_dir/<table>.parquet``; returns rows written per table."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    known = Base.metadata.tables
    for name in tables:
        if name in _PRIVATE:
            raise StoreError(
                f"不导出个人信息 table '{name}' holds personal or secret data and is not exported"
            )
        if name not in known:
            raise StoreError(f"没有这张表 no table '{name}'; tables: {', '.join(sorted(known))}")
    counts = {}
    with store.transaction() as s:
        for name in tables:
            counts[name] = _export_table(
                s, known[name], out / f"{name}.parquet", chunk_rows, on_progress
            )
    return counts
