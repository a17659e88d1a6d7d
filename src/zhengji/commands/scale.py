"""Commands for large data: ``zhengji import-bulk`` (millions of observations, streamed),
``zhengji export parquet`` (hand-off to a data platform), ``zhengji derive`` (indicator
tables on DuckDB, SQLite, PostgreSQL or Spark with the same Ibis expressions)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from zhengji.commands import console, err_console, friendly

__all__ = ["app"]

app = typer.Typer()
export_app = typer.Typer(
    help="导出 Export the store for a data platform (Parquet).", no_args_is_help=True
)
app.add_typer(export_app, name="export")

Db = Annotated[str | None, typer.Option(help="数据库 database URL (ZHENGJI_DATABASE_URL)")]


class Derivation(StrEnum):
    panel = "panel"
    digits = "digits"
    requests = "requests"
    surveys = "surveys"


class Backend(StrEnum):
    duckdb = "duckdb"
    sqlite = "sqlite"
    postgres = "postgres"
    spark = "spark"


def _bar(what: str) -> Progress:
    return Progress(
        TextColumn(what),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("行 rows"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )


@app.command("import-bulk")
@friendly
def import_bulk(
    file: Annotated[Path, typer.Argument(help="observations.csv 或 .parquet (长格式 long format)")],
    scheme: Annotated[Path, typer.Option(help="考核方案 scheme.toml the values belong to")],
    db: Db = None,
    chunk_rows: Annotated[int, typer.Option(help="每批行数 rows per chunk")] = 200_000,
) -> None:
    """批量导入观测值 Stream a large observations file into the store (units must exist).

    One transaction: a bad row (named by line and column) or a duplicate imports nothing.
    """
    from zhengji.scheme import load_scheme
    from zhengji.store import Store
    from zhengji.store.bulk import import_observations

    sch = load_scheme(scheme)
    text = scheme.read_text(encoding="utf-8")
    with Store.open(db) as st, _bar("导入 importing") as bar:
        task = bar.add_task("import", total=None)
        summary = import_observations(
            st,
            file,
            sch,
            text,
            chunk_rows=chunk_rows,
            on_progress=lambda n: bar.advance(task, n),
        )
    console.print(
        f"导入 import {summary.import_id}: 读取 read {summary.rows_read:,} 行 rows, "
        f"新增 added {summary.rows_added:,}, 未变 unchanged {summary.rows_unchanged:,}"
    )


@export_app.command("parquet")
@friendly
def export_parquet_cmd(
    out: Annotated[Path, typer.Argument(help="输出目录 output directory")],
    db: Db = None,
    table: Annotated[
        list[str] | None, typer.Option(help="只导出这些表 only these tables (repeatable)")
    ] = None,
) -> None:
    """导出为 Parquet Write the analytics tables to OUT/<table>.parquet (no personal data)."""
    from zhengji.store import Store
    from zhengji.store.bulk import EXPORT_TABLES, export_parquet

    with Store.open(db) as st, _bar("导出 exporting") as bar:
        task = bar.add_task("export", total=None)
        counts = export_parquet(
            st, out, table or EXPORT_TABLES, on_progress=lambda n: bar.advance(task, n)
        )
    for name, n in counts.items():
        console.print(f"{escape(str(out / (name + '.parquet')))}: {n:,} 行 rows")


def _derive(a: Any, what: Derivation, scheme: Path | None, as_of: dt.datetime | None) -> Any:
    from zhengji import analytics as an

    if what is Derivation.panel:
        if scheme is None:
            raise typer.BadParameter("panel 需要 --scheme needs --scheme")
        from zhengji.scheme import load_scheme

        sch = load_scheme(scheme)
        variables = [i.id for i in sch.indicators] + [d.id for d in sch.denominators]
        return an.panel_wide(a.table("observations"), variables)
    if what is Derivation.digits:
        return an.digit_counts(a.table("observations"))
    if what is Derivation.requests:
        at = as_of or dt.datetime.now(dt.UTC)
        facts = an.request_facts(a.table("voice_requests"), a.table("voice_events"), at)
        return an.monthly_request_metrics(facts, a.table("voice_units"))
    return an.survey_participation(a.table("voice_survey_issuances"), a.table("voice_votes"))


@app.command("derive")
@friendly
def derive(
    what: Annotated[Derivation, typer.Argument(help="指标表 which table")],
    source: Annotated[
        str | None,
        typer.Option(
            help="数据库地址或 Parquet 目录 store URL or Parquet directory (default: --db)"
        ),
    ] = None,
    db: Db = None,
    backend: Annotated[Backend | None, typer.Option(help="计算引擎 engine")] = None,
    master: Annotated[str, typer.Option(help="Spark master (local[2], spark://host:7077)")] = (
        "local[2]"
    ),
    scheme: Annotated[Path | None, typer.Option(help="方案 scheme.toml (panel)")] = None,
    as_of: Annotated[
        dt.datetime | None, typer.Option(help="截至 as of (UTC; requests), default now")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="写入 write to .csv or .parquet")] = None,
) -> None:
    """派生指标表 Derive an indicator table (the same Ibis code on every engine)."""
    from zhengji.analytics import connect
    from zhengji.store.db import resolve_url

    src = source or resolve_url(db)
    at = None if as_of is None else as_of.replace(tzinfo=as_of.tzinfo or dt.UTC)
    with connect(src, None if backend is None else backend.value, master=master) as a:
        expr = _derive(a, what, scheme, at)
        df = expr.execute()
    sort = [c for c in ("unit_id", "period", "month", "indicator_id", "test", "digit") if c in df]
    df = df.sort_values(sort).reset_index(drop=True)
    if out is not None:
        if out.suffix.lower() == ".parquet":
            df.to_parquet(out, index=False)
        else:
            df.to_csv(out, index=False)
        console.print(f"{escape(str(out))}: {len(df):,} 行 rows ({a.backend})")
        return
    table = Table(caption=f"{len(df):,} 行 rows · {a.backend}")
    for c in df.columns:
        table.add_column(str(c))
    for row in df.head(30).itertuples(index=False):
        table.add_row(*(escape(str(v)) for v in row))
    console.print(table)
