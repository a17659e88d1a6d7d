"""Where the derivations run: one Ibis connection per source, and its tables by name.

The same expressions (:mod:`zhengji.analytics.derive`) run on every backend:

- ``duckdb`` (the embedded default): a SQLite store file attached read-only through DuckDB's
  ``sqlite_scanner`` extension, or a directory of Parquet files. The extension comes from the
  installed ``duckdb-extension-sqlite-scanner`` package (``INSTALL '<path>'``); DuckDB's
  automatic download of extensions is switched off first, so nothing is fetched at run time
  (an office PC or a government intranet has no route to DuckDB's servers).
- ``sqlite``: the store file through Ibis' SQLite backend (no extension at all).
- ``postgres``: the store database itself (a province's server).
- ``spark``: a Spark session reading a Parquet directory written by
  :func:`zhengji.store.bulk.export_parquet` (the country: ``spark://`` or YARN/Kubernetes
  clusters, see docs/analytics.md). Every session runs in UTC so months are cut alike.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
from ibis.backends import BaseBackend
from sqlalchemy.engine import make_url

from zhengji.errors import StoreError

__all__ = [
    "BACKENDS",
    "SMALL_DATA_SPARK",
    "Analytics",
    "connect",
    "spark_session",
    "sqlite_scanner_path",
]

BACKENDS = ("duckdb", "sqlite", "postgres", "spark")
#: Parquet directories on a cluster's storage, read by Spark only.
REMOTE = ("hdfs://", "s3a://", "s3://", "gs://", "abfss://", "file://")


@dataclass
class Analytics:
    """An Ibis connection and how to reach the store's tables on it."""

    backend: str
    con: BaseBackend
    database: str | None = None
    parquet: str | None = None  # read <name>.parquet here on first use (a path or hdfs:// …)
    _tables: dict[str, Any] = field(default_factory=dict)

    def table(self, name: str) -> ibis.Table:
        """A store table (``observations``, ``voice_requests`` …) as an Ibis table."""
        if name not in self._tables:
            try:
                if self.parquet is not None:
                    self._tables[name] = self._read_parquet(name)
                elif self.database is None:
                    self._tables[name] = self.con.table(name)
                else:
                    self._tables[name] = self.con.table(name, database=self.database)
            except Exception as exc:  # each backend raises its own type
                raise StoreError(
                    f"分析数据源缺少表 the {self.backend} source has no table '{name}': {exc}"
                ) from exc
        t: ibis.Table = self._tables[name]
        return t

    def _read_parquet(self, name: str) -> ibis.Table:
        assert self.parquet is not None
        path = f"{self.parquet.rstrip('/')}/{name}.parquet"
        if not self.parquet.startswith(REMOTE) and not Path(path).is_file():
            raise FileNotFoundError(path)
        t: ibis.Table = self.con.read_parquet(path, table_name=name)
        return t

    def close(self) -> None:
        if self.backend != "spark":  # the Spark session is shared (see spark_session)
            self.con.disconnect()

    def __enter__(self) -> Analytics:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def sqlite_scanner_path() -> Path:
    """The ``sqlite_scanner`` extension shipped by the installed PyPI package."""
    import duckdb
    import duckdb_extension_sqlite_scanner as pkg

    root = Path(pkg.__file__).parent / "extensions"
    path = root / f"v{duckdb.__version__}" / "sqlite_scanner.duckdb_extension"
    if not path.is_file():
        found = sorted(root.glob("*/sqlite_scanner.duckdb_extension"))
        raise StoreError(
            f"找不到 DuckDB 的 SQLite 扩展 no sqlite_scanner extension for DuckDB "
            f"{duckdb.__version__} in {root} (found: {[str(p) for p in found]}); install "
            f"duckdb-extension-sqlite-scanner=={duckdb.__version__}"
        )
    return path


def _offline_duckdb(path: str = ":memory:") -> BaseBackend:
    con = ibis.duckdb.connect(path)
    raw = con.con
    raw.execute("SET autoinstall_known_extensions = false")
    raw.execute("SET autoload_known_extensions = false")
    raw.execute("SET TimeZone = 'UTC'")
    return con


def _parquet_dir(directory: Path) -> str:
    if not any(directory.glob("*.parquet")):
        raise StoreError(
            f"目录中没有 Parquet 文件 no .parquet files in {directory}; write them with "
            "`zhengji export parquet`"
        )
    return str(directory)


def _sqlite_path(url: str) -> str:
    u = make_url(url)
    if not u.database or u.database == ":memory:":
        raise StoreError(f"分析需要数据库文件 analytics needs a SQLite file, got '{url}'")
    return u.database


def _postgres(url: str) -> BaseBackend:
    u = make_url(url)
    con = ibis.postgres.connect(
        host=u.host or "localhost",
        port=u.port or 5432,
        user=u.username,
        password=u.password,
        database=u.database,
    )
    con.raw_sql("SET TIME ZONE 'UTC'")
    return con


_SPARK: dict[str, Any] = {}


#: Settings for small data (tests, a city's records): C1-only JIT and no whole-stage code
#: generation start queries in a fraction of the time; leave them out at scale.
SMALL_DATA_SPARK = {
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.adaptive.enabled": "false",
    "spark.driver.extraJavaOptions": "-Duser.timezone=UTC -XX:TieredStopAtLevel=1",
}


def spark_session(
    master: str = "local[2]",
    warehouse: str | None = None,
    conf: Mapping[str, str] | None = None,
) -> Any:
    """One Spark session per process (starting one takes 6-12 s), in UTC, no web UI.

    ``master`` is ``local[N]`` for one machine or ``spark://host:7077`` (or ``yarn``,
    ``k8s://…``) for a cluster; ``conf`` adds settings (e.g. :data:`SMALL_DATA_SPARK`), and
    ``spark-defaults.conf`` applies as usual. The first call's settings win for the process.
    """
    if "session" in _SPARK:
        return _SPARK["session"]
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    wh = warehouse or tempfile.mkdtemp(prefix="zhengji-spark-")
    settings = {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": "2",
        "spark.sql.warehouse.dir": wh,
        "spark.sql.session.timeZone": "UTC",
        "spark.driver.extraJavaOptions": "-Duser.timezone=UTC",
        **(conf or {}),
    }
    builder = SparkSession.builder.master(master).appName("zhengji")
    for k, v in settings.items():
        builder = builder.config(k, v)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    _SPARK["session"] = session
    return session


def connect(
    source: str | Path, backend: str | None = None, *, master: str = "local[2]"
) -> Analytics:
    """Connect the analytics to a store URL or a Parquet directory.

    ``source``: ``sqlite:///file.db``, ``postgresql+psycopg://…``, or a directory of Parquet
    files (``zhengji export parquet``; for Spark also ``hdfs://``, ``s3a://`` … directories).
    ``backend``: one of :data:`BACKENDS`; by default
    DuckDB for a SQLite file or Parquet, PostgreSQL for a PostgreSQL URL.
    """
    src = str(source)
    remote = src.startswith(REMOTE)
    is_url = "://" in src and not remote
    dialect = (
        "remote parquet" if remote else make_url(src).get_backend_name() if is_url else "parquet"
    )
    chosen = backend or ("postgres" if dialect == "postgresql" else "duckdb")
    if chosen not in BACKENDS:
        raise StoreError(f"未知的分析引擎 unknown backend '{chosen}'; use one of {BACKENDS}")
    pairs = {
        ("duckdb", "sqlite"),
        ("duckdb", "parquet"),
        ("sqlite", "sqlite"),
        ("postgres", "postgresql"),
        ("spark", "parquet"),
        ("spark", "remote parquet"),  # DuckDB would need the httpfs extension: not offline
    }
    if (chosen, dialect) not in pairs:
        raise StoreError(
            f"引擎 {chosen} 不能读取 {dialect} backend '{chosen}' cannot read a {dialect} "
            "source; Spark reads Parquet exported with `zhengji export parquet`"
        )
    if chosen == "duckdb" and dialect == "sqlite":
        con = _offline_duckdb()
        raw = con.con
        # FORCE: DuckDB keeps installed extensions per user (~/.duckdb); always take this
        # environment's packaged copy, never one another venv (or a download) left there.
        raw.execute(f"FORCE INSTALL '{sqlite_scanner_path()}'")
        raw.execute("LOAD sqlite_scanner")
        path = _sqlite_path(src).replace("'", "''")
        raw.execute(f"ATTACH '{path}' AS store (TYPE sqlite, READ_ONLY)")
        return Analytics("duckdb", con, database="store")
    if chosen == "duckdb":
        return Analytics("duckdb", _offline_duckdb(), parquet=_parquet_dir(Path(src)))
    if chosen == "sqlite":
        return Analytics("sqlite", ibis.sqlite.connect(_sqlite_path(src)))
    if chosen == "postgres":
        return Analytics("postgres", _postgres(src))
    parquet = src if remote else _parquet_dir(Path(src))
    return Analytics("spark", ibis.pyspark.connect(spark_session(master)), parquet=parquet)
