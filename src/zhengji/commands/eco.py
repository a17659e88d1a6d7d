"""Commands of eco: ``zhengji eco …`` — rulebook, import, score, statement, screen, GEP."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from zhengji.commands import console, err_console, friendly

if TYPE_CHECKING:
    from zhengji.eco.pricebook import TableUsed
    from zhengji.eco.rulebook import Rulebook
    from zhengji.eco.units import Quantity

__all__ = ["app"]

app = typer.Typer(
    help="生态账户 Ecological accounts (梵净生态账户) and GEP accounting.", no_args_is_help=True
)
rulebook_app = typer.Typer(
    help="积分细则 The scoring rulebook: check, show, install.", no_args_is_help=True
)
gep_app = typer.Typer(
    help="生态产品总值 GEP accounting: prices, accounts, indicators.", no_args_is_help=True
)
app.add_typer(rulebook_app, name="rulebook")
app.add_typer(gep_app, name="gep")

Db = Annotated[str | None, typer.Option(help="数据库 database URL (ZHENGJI_DATABASE_URL)")]
By = Annotated[str, typer.Option(help="经办人 who records this")]
AsOf = Annotated[str | None, typer.Option(help="截至日期 as of (YYYY-MM-DD; default now)")]
RulebookFile = Annotated[
    Path | None, typer.Option("--rulebook", help="细则 TOML (default: built-in)")
]
PricesFile = Annotated[
    Path | None,
    typer.Option("--prices", help="价格表文件 price table TOML file (not stored)"),
]
PriceVersion = Annotated[
    str | None,
    typer.Option(
        "--price-table",
        help="库存价格表版本 stored price table version (default from the database: the table "
        "in force, the newest stored, else the built-in one)",
    ),
]


CHINA = dt.timezone(dt.timedelta(hours=8))


def _as_of(value: str | None) -> dt.datetime:
    """--as-of DATE: the end of that day, China time (default now)."""
    if not value:
        return dt.datetime.now(dt.UTC)
    from zhengji.errors import DataError

    try:
        d = dt.date.fromisoformat(value)
    except ValueError:
        raise DataError(
            f"--as-of 日期无效 invalid date '{value}': give a calendar date as YYYY-MM-DD, "
            "e.g. 2025-06-30"
        ) from None
    return dt.datetime(d.year, d.month, d.day, 23, 59, 59, tzinfo=CHINA)


def _period_end(period: str) -> dt.datetime:
    """The end of a scoring year (31 Dec 24:00 China time), or now if that is still to come."""
    from zhengji.errors import DataError

    if not (len(period) == 4 and period.isascii() and period.isdigit()):
        raise DataError(
            f"--period 须为四位数字年份 must be a four-digit year such as 2025, got '{period}'"
        )
    end = dt.datetime(int(period) + 1, 1, 1, tzinfo=CHINA)
    return min(end, dt.datetime.now(dt.UTC))


def _rulebook(path: Path | None) -> Rulebook:
    from zhengji.eco.rulebook import default_rulebook, load_rulebook

    return load_rulebook(path) if path else default_rulebook()


# --- rulebook -----------------------------------------------------------------------------------
@rulebook_app.command("check")
@friendly
def rulebook_check(file: Annotated[Path, typer.Argument(help="细则 TOML file")]) -> None:
    """检查细则 Validate a rulebook (every problem with file, line and key)."""
    from zhengji.eco.rulebook import format_warning, load_rulebook, rulebook_warnings

    rb = load_rulebook(file)
    for w in rulebook_warnings(rb):
        console.print(f"[yellow]警告 warning[/] {escape(format_warning(w))}")
    console.print(
        f"细则有效 rulebook valid: {escape(rb.name)} v{escape(rb.version)} — "
        f"{len(rb.dimensions)} 维度 dimensions, {len(rb.items)} 项目 items, "
        f"{len(rb.benefits)} 档权益 benefit tiers, 上限 cap {rb.total_cap}"
    )


@rulebook_app.command("show")
@friendly
def rulebook_show(
    file: Annotated[Path | None, typer.Argument(help="细则 TOML (default: built-in)")] = None,
) -> None:
    """显示细则 Show dimensions, items and benefits of a rulebook."""
    rb = _rulebook(file)
    t = Table(title=f"{rb.name} v{rb.version}（总上限 total cap {rb.total_cap}）")
    for c in (
        "维度 dimension",
        "项目 item",
        "分值 points",
        "上限 cap",
        "方式 mode",
        "有效期 years",
        "证据 evidence",
    ):
        t.add_column(c)
    for i in rb.items:
        d = rb.dimension(i.dimension)
        t.add_row(
            f"{d.name} ≤{d.cap}",
            f"{i.name} ({i.id})",
            str(i.points),
            str(i.cap),
            i.mode,
            str(i.validity_years),
            ",".join(i.evidence),
        )
    console.print(t)
    b = Table(title="等级权益 Tiers → benefits")
    for c in ("积分 from points", "授信额度 credit limit (元)", "利率 rate (%)"):
        b.add_column(c)
    b.add_row("0", "0", f"{rb.base_rate:.2f}")
    for x in rb.benefits:
        b.add_row(str(x.min_points), f"{x.credit_limit:,.0f}", f"{x.rate:.2f}")
    console.print(b)


@rulebook_app.command("install")
@friendly
def rulebook_install(
    file: Annotated[Path | None, typer.Argument(help="细则 TOML (default: built-in)")] = None,
    db: Db = None,
) -> None:
    """启用细则 Store a rulebook; new awards follow the one installed last."""
    from zhengji.eco.service import install_rulebook
    from zhengji.store import Store

    rb = _rulebook(file)
    with Store.open(db) as st, st.transaction() as s:
        pk = install_rulebook(s, rb)
    console.print(
        f"细则已启用 rulebook installed: #{pk} {escape(rb.name)} v{escape(rb.version)} "
        f"({rb.fingerprint[:12]})"
    )


# --- records ------------------------------------------------------------------------------------
@app.command("import")
@friendly
def import_(
    folder: Annotated[
        Path, typer.Argument(help="目录 with people.csv, holders.csv, awards.csv, gep_inputs.csv")
    ],
    rulebook: RulebookFile = None,
    db: Db = None,
    by: By = "cli",
) -> None:
    """导入 Import holders, awards (annual scoring, in-year events), GEP inputs; all or nothing."""
    from zhengji.eco.importer import import_dir
    from zhengji.eco.service import current_rulebook, install_rulebook
    from zhengji.errors import StoreError
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        if rulebook is not None:
            rb = _rulebook(rulebook)
            pk = install_rulebook(s, rb)
        else:
            try:
                pk, rb = current_rulebook(s)
            except StoreError:
                rb = _rulebook(None)
                pk = install_rulebook(s, rb)
        n = import_dir(s, folder, pk, rb, by)
    console.print(
        f"已导入 imported: 人员 people {n.people}, 账户 holders {n.holders}, "
        f"记分 awards {n.awards}, GEP {n.gep_inputs}"
    )


@app.command("reverse")
@friendly
def reverse_cmd(
    entry: Annotated[int, typer.Argument(help="分录号 entry id")],
    reason: Annotated[str, typer.Option(help="理由 reason")],
    db: Db = None,
    by: By = "cli",
) -> None:
    """冲正 Reverse an award (a new entry; nothing is deleted)."""
    from zhengji.eco.service import reverse
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        rid = reverse(s, entry, by, reason)
    console.print(f"已冲正 reversed #{entry} by entry #{rid}")


@app.command("erase")
@friendly
def erase_cmd(
    holder: Annotated[str, typer.Argument(help="账户 holder id")],
    reason: Annotated[str, typer.Option(help="法律依据 legal basis")],
    db: Db = None,
    by: By = "cli",
) -> None:
    """删除个人信息 Erase a holder's name (PIPL); entries and the ledger keep only ids."""
    from zhengji.eco.service import erase_holder
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        idx = erase_holder(s, holder, by, reason)
    console.print(f"已删除 erased {escape(holder)} (ledger #{idx})")


@app.command("score")
@friendly
def score(
    period: Annotated[str, typer.Option(help="考核年度 scoring year (four digits)")],
    as_of: Annotated[
        str | None,
        typer.Option(
            help="截至日期 as of (YYYY-MM-DD; default: the end of --period, 31 Dec 24:00 China "
            "time, or now if the year is not over)"
        ),
    ] = None,
    db: Db = None,
    out: Annotated[
        Path | None, typer.Option(help="写出派生指标 write derived observations CSV")
    ] = None,
) -> None:
    """计分 Balances, tiers, benefits; village/township/county aggregates as derived indicators,
    as of the end of --period (31 Dec 24:00 China time, or now if the year is not over) unless
    --as-of says otherwise; every holder counts, those without entries in tier 0."""
    from collections import Counter

    from zhengji.eco.indicators import account_rows, rows_as_csv
    from zhengji.eco.service import current_rulebook, holder_balances, holder_units
    from zhengji.store import Store

    end = _period_end(period)
    when = _as_of(as_of) if as_of else end
    with Store.open(db) as st, st.transaction() as s:
        _, rb = current_rulebook(s)
        bal = holder_balances(s, rb, when)
        units = holder_units(s)
    rows = account_rows(units, bal, rb, period)
    # every holder counts, those without entries in tier 0 with 0 points
    tiers = Counter(bal[h].tier if h in bal else 0 for h in set(units) | set(bal))
    if as_of:
        shown, why = f"{when:%Y-%m-%d %H:%M} (UTC+8)", "--as-of"
    elif when == dt.datetime(int(period) + 1, 1, 1, tzinfo=CHINA):
        shown, why = f"{period}-12-31 24:00 (UTC+8)", f"年度之末 the end of period {period}"
    else:
        shown = f"{when.astimezone(CHINA):%Y-%m-%d %H:%M} (UTC+8)"
        why = f"此刻，年度 {period} 未结束 now: period {period} is not over"
    console.print(
        f"截至 as of {shown} — {why}"
        + ("" if as_of else "; 其他日期用 another day: --as-of YYYY-MM-DD")
    )
    t = Table(title=f"等级分布 Tiers as of {shown}（账户 holders {sum(tiers.values())}）")
    for c in ("等级 tier", "积分 points", "户数 holders", "授信 credit (元)", "利率 rate %"):
        t.add_column(c)
    from zhengji.eco.rulebook import benefit_for

    for tier in sorted(tiers):
        b = benefit_for(tier * rb.tier_step, rb)
        t.add_row(
            str(tier),
            f"{tier * rb.tier_step}–",
            str(tiers[tier]),
            f"{b.credit_limit:,.0f}",
            f"{b.rate:.2f}",
        )
    console.print(t)
    if out:
        with out.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["unit_id", "period", "indicator_id", "value", "source"])
            w.writerows(rows_as_csv(rows))
        console.print(f"派生指标 derived rows: {len(rows)} → {escape(str(out))}")


@app.command("statement")
@friendly
def statement(
    holder: Annotated[str, typer.Argument(help="账户 holder id")],
    out: Annotated[Path | None, typer.Option(help="PDF 文件 (default: <holder>.pdf)")] = None,
    as_of: AsOf = None,
    db: Db = None,
    html: Annotated[bool, typer.Option(help="写HTML而非PDF write HTML instead of PDF")] = False,
) -> None:
    """生态存折 A holder's statement as a printable PDF (fonts embedded)."""
    from zhengji.eco.service import current_rulebook
    from zhengji.eco.statement import build_statement, render_html, render_pdf
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        _, rb = current_rulebook(s)
        stmt = build_statement(s, holder, rb, _as_of(as_of))
    path = out or Path(f"{holder}.{'html' if html else 'pdf'}")
    if html:
        path.write_text(render_html(stmt, rb), encoding="utf-8")
    else:
        path.write_bytes(render_pdf(stmt, rb))
    console.print(
        f"生态存折 statement: {escape(str(path))}"
        f"（积分 points {stmt.balance.points}, 等级 tier {stmt.balance.tier}）"
    )


@app.command("screen")
@friendly
def screen_cmd(
    period: Annotated[str, typer.Option(help="年度 year")],
    as_of: AsOf = None,
    db: Db = None,
    scheme: Annotated[
        Path | None, typer.Option(help="考核方案 scheme TOML: record the findings as a screen")
    ] = None,
) -> None:
    """反作弊 Anti-fraud signals on awards: bursts, shared devices, location clusters, caps."""
    from zhengji.eco.screen import record_findings, screen, table_rows
    from zhengji.eco.service import current_rulebook
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        _, rb = current_rulebook(s)
        found = screen(s, rb, period, _as_of(as_of))
        sid = None
        if scheme is not None:
            from zhengji.scheme import load_scheme

            sid = record_findings(s, load_scheme(scheme), found)
    t = Table(title=f"生态账户反作弊 Eco-account signals {period}")
    for c in (
        "检查 check",
        "单位 unit",
        "对象 subject",
        "统计量 statistic",
        "p",
        "q",
        "级别 severity",
    ):
        t.add_column(c)
    for row in table_rows(found):
        t.add_row(*(escape(c) for c in row))
    console.print(t)
    console.print(
        f"共 {len(found)} 项检验 tests" + (f"; 已记录 recorded as screen #{sid}" if sid else "")
    )


@app.command("demo")
@friendly
def demo(db: Db = None, seed: Annotated[int, typer.Option(help="随机种子 seed")] = 20251) -> None:
    """演示数据 ~20,000 synthetic accounts, a year of awards, GEP inputs (示例数据（模拟）)."""
    from zhengji.demo import SYNTHETIC_LABEL
    from zhengji.demo.eco import populate
    from zhengji.store import Store

    with Store.open(db) as st:
        r = populate(st, seed)
    console.print(
        f"[bold yellow]{SYNTHETIC_LABEL}[/] 账户 holders {r.holders}, 记分 awards {r.awards}, "
        f"冲正 reversals {r.reversals}, 异议中 open objections {r.open_objections}, "
        f"GEP {r.gep_inputs}"
    )


# --- GEP ----------------------------------------------------------------------------------------
@gep_app.command("prices")
@friendly
def gep_prices(
    prices: PricesFile = None,
    price_table: PriceVersion = None,
    db: Annotated[
        str | None,
        typer.Option(help="数据库 database URL: show its table in force (default: built-in)"),
    ] = None,
) -> None:
    """价格表 Show a price table and where each price comes from (built-in unless --prices,
    --price-table or --db)."""
    used = _priced(db, prices, price_table, db is not None)
    pt = used.prices
    t = Table(title=f"GEP 价格表 price table {used.info.label()}")
    for c in ("价格 price", "值 value", "来源 source"):
        t.add_column(c)
    for pid, e in pt.prices.items():
        t.add_row(f"{e.name} ({pid})", f"{e.value:g} 元/{e.per}", escape(e.source))
    for pid, v in pt.parameters.items():
        t.add_row(pid, f"{v:g}", escape(pt.sources.get(pid, "")))
    console.print(t)
    console.print(f"sha256 {used.info.sha256}")


@gep_app.command("prices-import")
@friendly
def gep_prices_import(
    file: Annotated[Path, typer.Argument(help="价格表 price table TOML file")],
    note: Annotated[str, typer.Option(help="说明 note (e.g. the decision adopting it)")] = "",
    db: Db = None,
    by: By = "cli",
) -> None:
    """存储价格表 Store a price table (validated; append-only, with a ledger record); the
    newest stored table is in force for the CLI, the web pages and the derived indicators."""
    from zhengji.eco import pricebook
    from zhengji.store import Store

    text = pricebook.read_text(file)  # the exact bytes: its sha256 is `sha256sum FILE`'s
    with Store.open(db) as st, st.transaction() as s:
        done = pricebook.store(s, text, str(file), by, note)  # validates first
    console.print(escape(done.message()))


@gep_app.command("prices-list")
@friendly
def gep_prices_list(db: Db = None) -> None:
    """价格表列表 The stored price tables (oldest first) and which one is in force."""
    from zhengji.eco import pricebook
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        tables = pricebook.list_tables(s)
        now = pricebook.table_used(s).info
    built = pricebook.builtin().info
    t = Table(title="GEP 价格表 stored price tables")
    for c in (
        "版本 version",
        "sha256",
        "存储时间 stored (UTC)",
        "经办人 by",
        "文件 file",
        "说明 note",
        "账本 ledger",
        "现行 in force",
    ):
        t.add_column(c)
    for i in tables:
        t.add_row(
            escape(i.version),
            i.short,
            f"{i.imported_at:%Y-%m-%d %H:%M}" if i.imported_at else "",
            escape(i.imported_by or ""),
            escape(i.source_name),
            escape(i.note),
            f"#{i.ledger_index}",
            "✓" if i.sha256 == now.sha256 else "",
        )
    t.add_row(
        escape(built.version),
        built.short,
        "",
        "",
        built.source_name + "（内置 built-in）",
        "",
        "",
        "✓" if now.kind == "built-in" else "",
    )
    console.print(t)
    console.print(f"现行 in force: {escape(now.label())}")


def _priced(
    db: str | None, prices: Path | None, version: str | None, from_store: bool
) -> TableUsed:
    """The price table a command uses: --prices FILE, --price-table VERSION (stored), the
    table in force when the database is read (``from_store``), else the built-in one."""
    from zhengji.eco import pricebook
    from zhengji.errors import DataError
    from zhengji.store import Store

    if prices is not None and version is not None:
        raise DataError(
            "--prices 与 --price-table 只能选一 give either --prices FILE (a file) or "
            "--price-table VERSION (a stored table), not both"
        )
    if prices is not None:
        return pricebook.from_file(prices)
    if version is None and not from_store:
        return pricebook.builtin()
    with Store.open(db) as st, st.transaction() as s:
        return pricebook.table_used(s, version)


def _load_gep(
    db: str | None, inputs: Path | None, prices: Path | None, version: str | None
) -> tuple[dict[tuple[str, str], dict[str, Quantity]], TableUsed]:
    """GEP inputs (the database, or a CSV) and the price table to value them with: with the
    database, the table in force unless --prices or --price-table says otherwise."""
    from zhengji.eco.importer import gep_inputs, read_gep_csv

    if inputs is not None:
        got = read_gep_csv(inputs / "gep_inputs.csv" if inputs.is_dir() else inputs)
        return got, _priced(db, prices, version, db is not None)
    used = _priced(db, prices, version, True)
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        return gep_inputs(s), used


def _warn_left_out(got: dict[tuple[str, str], dict[str, Quantity]]) -> None:
    """Say which unit-years GEP leaves out (a year not of four digits, GDP without services)."""
    from zhengji.eco.importer import gep_left_out

    for unit, year, why in gep_left_out(got):
        err_console.print(
            f"[yellow]略去 left out[/] {escape(unit)} {escape(year)}: {why}", highlight=False
        )


@gep_app.command("account")
@friendly
def gep_account(
    db: Db = None,
    prices: PricesFile = None,
    price_table: PriceVersion = None,
    inputs: Annotated[
        Path | None,
        typer.Option(
            help="输入文件 a gep_inputs.csv file (or a folder holding one) instead of the database"
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="写出明细 write every line (CSV)")] = None,
) -> None:
    """GEP 核算 Value every service (quantity × price) per unit and year, naming the price
    table used (version and sha256)."""
    from zhengji.eco.gep import as_rows
    from zhengji.eco.importer import gep_accounts

    got, used = _load_gep(db, inputs, prices, price_table)
    accs, gdp = gep_accounts(got, used.prices)
    _warn_left_out(got)
    if not accs:
        err_console.print("没有GEP输入 no GEP inputs found")
    t = Table(title="生态产品总值 GEP（亿元 100 million yuan）")
    for c in (
        "单位 unit",
        "年 year",
        "物质 material",
        "调节 regulating",
        "文化 cultural",
        "GEP",
        "GEP/GDP",
    ):
        t.add_column(c)
    for a in accs:
        g = gdp.get(a.unit_id, {}).get(a.year)
        t.add_row(
            a.unit_id,
            a.year,
            *(f"{a.total(k) / 1e8:,.2f}" for k in ("material", "regulating", "cultural")),
            f"{a.total() / 1e8:,.2f}",
            f"{a.total() / g:.2f}" if g else "—",
        )
    console.print(t)
    console.print(f"价格表 price table {escape(used.info.label())}, sha256 {used.info.sha256}")
    if out:
        lines = [r | {"prices_sha256": used.info.sha256} for a in accs for r in as_rows(a)]
        with out.open("w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(lines[0]) if lines else ["unit_id"])
            w.writeheader()
            w.writerows(lines)
        console.print(f"明细 lines: {len(lines)} → {escape(str(out))}")


@gep_app.command("indicators")
@friendly
def gep_indicators(
    out: Annotated[Path, typer.Option(help="输出文件 observations CSV to write (source derived)")],
    db: Db = None,
    prices: PricesFile = None,
    price_table: PriceVersion = None,
    inputs: Annotated[
        Path | None,
        typer.Option(
            help="输入文件 a gep_inputs.csv file (or a folder holding one) instead of the database"
        ),
    ] = None,
) -> None:
    """GEP 潜绩指标 GEP level, growth, GEP/GDP and two-way conversion as derived observations."""
    from zhengji.eco.importer import gep_accounts
    from zhengji.eco.indicators import gep_rows, rows_as_csv

    got, used = _load_gep(db, inputs, prices, price_table)
    accs, gdp = gep_accounts(got, used.prices)
    _warn_left_out(got)
    series: dict[str, dict[str, float]] = {}
    for a in accs:
        series.setdefault(a.unit_id, {})[a.year] = a.total()
    rows = [r for u in sorted(series) for r in gep_rows(u, series[u], gdp.get(u, {}))]
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["unit_id", "period", "indicator_id", "value", "source"])
        w.writerows(rows_as_csv(rows))
    if not rows:
        err_console.print("没有GEP输入 no GEP inputs found")
    console.print(f"派生指标 derived rows: {len(rows)} → {escape(str(out))}")
    console.print(f"价格表 price table {escape(used.info.label())}, sha256 {used.info.sha256}")
