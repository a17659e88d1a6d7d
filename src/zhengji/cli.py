"""The ``zhengji`` command line: a thin shell over bundle → engine → store → report.

Errors: every :class:`~zhengji.errors.ZhengjiError` becomes one "错误 error:" message on
stderr and exit code 2 (bad input); success is 0. This is the only place that maps them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table
from rich.tree import Tree

from zhengji import __version__, settings
from zhengji.commands import accountability as _accountability_cmds
from zhengji.commands import analysis as _analysis_cmds
from zhengji.commands import cadres as _cadres_cmds
from zhengji.commands import console, err_console, friendly, progress
from zhengji.commands import eco as _eco_cmds
from zhengji.commands import eco_review as _eco_review_cmds  # noqa: F401 (eco signoff …)
from zhengji.commands import grid as _grid_cmds
from zhengji.commands import ledger as _ledger_cmds
from zhengji.commands import scale as _scale_cmds
from zhengji.commands import voice as _voice_cmds
from zhengji.commands import web as _web_cmds

__all__ = ["app", "main"]

app = typer.Typer(
    help="zhengji 政绩 — 正确政绩观考核评价 honest, differentiated assessment of local government.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
scheme_app = typer.Typer(help="考核方案 Assessment schemes.", no_args_is_help=True)
app.add_typer(scheme_app, name="scheme")
# Each capability brings its commands in its own module under zhengji.commands.
app.add_typer(_ledger_cmds.app, name="ledger")
app.add_typer(_accountability_cmds.app)
app.add_typer(_analysis_cmds.app)
scheme_app.command("diff")(_analysis_cmds.scheme_diff)
app.add_typer(_web_cmds.app)
app.add_typer(_voice_cmds.app)
app.add_typer(_eco_cmds.app, name="eco")
app.add_typer(_cadres_cmds.app)
app.add_typer(_grid_cmds.app)
app.add_typer(_scale_cmds.app)


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"
    html = "html"


def _version(value: bool) -> None:
    if value:
        console.print(f"zhengji {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="显示版本 Show the version."
        ),
    ] = False,
) -> None:
    """zhengji 政绩."""


@app.command()
@friendly
def assess(
    bundle: Annotated[Path, typer.Argument(help="数据包 bundle: directory or .xlsx workbook")],
    out: Annotated[Path, typer.Option(help="输出目录 output directory")] = Path("out"),
    fmt: Annotated[Format, typer.Option("--format", help="输出格式 output format")] = Format.table,
    period: Annotated[str | None, typer.Option(help="考核期 period (default: latest)")] = None,
    db: Annotated[
        str | None, typer.Option(help="数据库 database URL (ZHENGJI_DATABASE_URL)")
    ] = None,
    store: Annotated[bool, typer.Option(help="记录本次考核 record the run in the store")] = True,
) -> None:
    """执行考核 Assess a bundle: print the ranking, record the run, write reports."""
    from zhengji.pipeline import run_bundle

    with progress() as prog:
        result = run_bundle(bundle, period=period, db_url=db, store=store, progress=prog)
    _print_ranking(result.assessment, result.scheme)
    for note in result.notes:
        err_console.print(f"[yellow]注意 note:[/] {escape(note)}", highlight=False)
    if result.run_id is not None:
        err_console.print(f"已记录 recorded as run {result.run_id} in {result.db_url}")
    if fmt is not Format.table:
        path = _write(result.assessment, result.scheme, out, fmt)
        console.print(f"已写出 written: {path}")


@app.command()
@friendly
def reproduce(
    run_id: Annotated[int, typer.Argument(help="考核记录编号 stored run id")],
    db: Annotated[str | None, typer.Option(help="数据库 database URL")] = None,
) -> None:
    """复现历史考核 Rebuild a stored run from the store and check that it matches."""
    from zhengji.pipeline import reproduce_run

    fp = reproduce_run(run_id, db_url=db)
    console.print(f"一致 reproduced: run {run_id} result fingerprint {fp}")


@app.command()
@friendly
def runs(
    db: Annotated[str | None, typer.Option(help="数据库 database URL")] = None,
) -> None:
    """历次考核记录 List the stored assessment runs."""
    from zhengji.store import Store

    with Store.open(db) as st:
        records = st.runs()
    table = Table(title="考核记录 Assessment runs")
    for col in ("run", "scheme", "period", "created", "result fingerprint"):
        table.add_column(col)
    for r in records:
        table.add_row(
            str(r.id),
            f"{r.scheme_id} v{r.scheme_version}",
            r.period,
            str(r.created_at),
            r.result_fingerprint[:16],
        )
    console.print(table)


@app.command()
@friendly
def history(
    unit: Annotated[str, typer.Argument(help="单位编号 unit_id")],
    period: Annotated[str, typer.Argument(help="考核期 period")],
    indicator: Annotated[str, typer.Argument(help="指标编号 indicator_id")],
    db: Annotated[str | None, typer.Option(help="数据库 database URL")] = None,
) -> None:
    """数值历史 Every stored version of one figure, oldest first (corrections never overwrite)."""
    from zhengji.errors import StoreError
    from zhengji.store import Store

    with Store.open(db) as st:
        versions = st.history(unit, period, indicator)
    if not versions:
        raise StoreError(
            f"库中没有该数值 no stored value for unit '{unit}', period '{period}', "
            f"indicator '{indicator}'"
        )
    table = Table(title=f"{unit} · {period} · {indicator}")
    for col in (
        "版本 row",
        "数值 value",
        "来源 source",
        "导入 import",
        "取代 supersedes",
        "记录时间 recorded",
    ):
        table.add_column(col)
    for v in versions:
        table.add_row(
            str(v.id),
            repr(v.value),
            v.source,
            str(v.import_id),
            str(v.supersedes_id or "—"),
            v.recorded_at.isoformat(timespec="seconds"),
        )
    console.print(table)


@app.command("screen")
@friendly
def screen_cmd(
    bundle: Annotated[Path, typer.Argument(help="数据包 bundle: directory or .xlsx workbook")],
    out: Annotated[Path | None, typer.Option(help="输出文件 output file (e.g. flags.csv)")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="输出格式 output format")] = Format.table,
    db: Annotated[
        str | None, typer.Option(help="数据库 database URL (ZHENGJI_DATABASE_URL)")
    ] = None,
    store: Annotated[bool, typer.Option(help="记录疑点以便核实 record findings for review")] = True,
) -> None:
    """数据真实性核查 Screen reported figures for signs of falsification."""
    from zhengji.demo import SYNTHETIC_LABEL
    from zhengji.pipeline import screen_bundle
    from zhengji.report.findings import write_findings

    with progress() as prog:
        prog.add_task("核查 screening…", total=None)
        run = screen_bundle(bundle, db_url=db, store=store)
    res = run.result
    names = dict(zip(run.bundle.panel.unit_ids, run.bundle.panel.unit_names, strict=True))
    synthetic = run.bundle.scheme.synthetic or run.bundle.panel.synthetic
    _print_findings(res, names, synthetic)
    if run.screen_id is not None:
        err_console.print(
            f"已记录 recorded as screen {run.screen_id}; 核实 review: zhengji finding "
            "explain|confirm|dismiss ID --by … --reason …"
        )
    if fmt is not Format.table or out is not None:
        kind = "csv" if fmt is Format.table else fmt.value
        target = out or Path(f"findings-{run.bundle.scheme.id}.{kind}")
        path = write_findings(res, target, kind, names, SYNTHETIC_LABEL if synthetic else None)
        console.print(f"已写出 written: {path}")


def _print_findings(res: Any, names: dict[str, str], synthetic: bool) -> None:
    title = f"数据真实性疑点 Integrity findings · {res.period}"
    if synthetic:
        title += "\n示例数据（模拟） synthetic data"
    table = Table(
        title=title,
        caption=f"检验 {len(res.findings)} 项 tests · 疑点 {len(res.flagged)} 项 flagged · "
        f"未能检验 {len(res.not_tested)} 项 not tested (q: Benjamini–Hochberg)",
    )
    for col in ("单位 unit", "指标", "期", "检验 check", "q", "严重度", "说明 summary"):
        table.add_column(col, overflow="fold")
    for f in sorted(res.flagged, key=lambda f: f.q_value):
        table.add_row(
            names.get(f.unit_id, f.unit_id),
            f.indicator_id,
            ",".join(f.periods),
            f.check,
            _fmt_q(f.q_value),
            f.severity,
            f.summary_zh,
        )
    console.print(table)


class Action(StrEnum):
    explain = "explain"
    confirm = "confirm"
    dismiss = "dismiss"
    withdraw = "withdraw"


@app.command()
@friendly
def findings(
    screen: Annotated[int | None, typer.Option(help="筛查编号 screen id (default: latest)")] = None,
    db: Annotated[str | None, typer.Option(help="数据库 database URL")] = None,
) -> None:
    """疑点线索 List the findings of a screen with their review state."""
    from zhengji.store import Store
    from zhengji.store.findings import STATE_ZH

    with Store.open(db) as st:
        rows = st.findings(screen)
    table = Table(title="数据真实性疑点 Integrity findings")
    for col in (
        "#",
        "单位 unit",
        "指标 indicator",
        "期 periods",
        "检验 check",
        "q",
        "严重度",
        "状态 state",
        "说明 summary",
    ):
        table.add_column(col, overflow="fold")
    for f in rows:
        table.add_row(
            str(f.id),
            f.unit_id,
            f.indicator_id,
            ",".join(f.periods),
            f.check,
            _fmt_q(f.q_value),
            f.severity,
            f"{STATE_ZH[f.state]} {f.state}",
            f.summary_zh,
        )
    console.print(table)


@app.command()
@friendly
def finding(
    action: Annotated[
        Action,
        typer.Argument(
            help="操作 explain（单位说明）, confirm（确认造假）, dismiss（排除）, "
            "withdraw（撤销认定，解除否决 withdraw a confirmation and lift its veto）"
        ),
    ],
    finding_id: Annotated[int, typer.Argument(help="线索编号 finding id")],
    by: Annotated[str, typer.Option("--by", help="经办人 who acts")],
    reason: Annotated[str, typer.Option("--reason", help="说明或理由 explanation or reason")],
    db: Annotated[str | None, typer.Option(help="数据库 database URL")] = None,
) -> None:
    """核实线索 Record a review step; confirming a falsification triggers the veto, withdrawing
    the confirmation lifts it."""
    from zhengji.store import Store
    from zhengji.store.findings import STATE_ZH

    with Store.open(db) as st:
        state = st.act_on_finding(None, finding_id, action.value, by, reason)
    console.print(f"线索 #{finding_id}: {STATE_ZH[state]} ({state})")
    if state == "confirmed":
        console.print(
            "已记录一票否决，下次考核生效 the veto is recorded and applies from the next assessment"
        )


def _fmt_q(q: float | None) -> str:
    return "—" if q is None else f"{q:.3g}"


@scheme_app.command("check")
@friendly
def scheme_check(
    file: Annotated[Path, typer.Argument(help="方案文件或数据包目录 scheme TOML file or bundle")],
) -> None:
    """检查考核方案 Validate a scheme and show its tree with nominal weights."""
    from zhengji.scheme import load_scheme, scheme_fingerprint
    from zhengji.scheme.weights import nominal_weights

    sch = load_scheme(file / "scheme.toml" if file.is_dir() else file)
    weights = nominal_weights(sch, None)
    root = Tree(f"[bold]{sch.name}[/] ({sch.id} v{sch.version})")
    nodes = {sch.index.id: root}
    for node in sch.node_ids():
        for kid in sch.children(node):
            w = weights.get(kid.id)
            wtxt = f"{w:.1%}" if w is not None else "computed from data 由数据计算"
            extra = ""
            if kid.id in {i.id for i in sch.indicators}:
                ind = sch.indicator(kid.id)
                extra = f" [dim]{ind.kind} · {ind.source} · {ind.direction}[/]"
            nodes[kid.id] = nodes[node].add(f"{kid.name} [cyan]{kid.id}[/] {wtxt}{extra}")
    console.print(root)
    console.print(f"方案有效 valid · fingerprint {scheme_fingerprint(sch)[:16]}")


@app.command()
@friendly
def demo(
    out: Annotated[Path, typer.Option(help="输出目录 output directory")] = Path("demo-out"),
    seed: Annotated[int, typer.Option(help="随机种子 seed of the synthetic world")] = 20251,
    serve: Annotated[bool, typer.Option(help="启动网页服务 serve the web app locally")] = True,
    port: Annotated[int | None, typer.Option(help="端口 port (ZHENGJI_PORT)")] = None,
) -> None:
    """演示 Build the synthetic Tongren world, assess it, write the reports, serve the web app."""
    from zhengji.demo import SYNTHETIC_LABEL
    from zhengji.demo.world import build_world
    from zhengji.pipeline import run_bundle

    out.mkdir(parents=True, exist_ok=True)
    db_url = os.environ.get("ZHENGJI_DATABASE_URL") or f"sqlite:///{(out / 'zhengji.db').resolve()}"
    with progress() as prog:
        task = prog.add_task("生成模拟数据 building the synthetic world…", total=None)
        bundle_dir = build_world(out / "bundle", seed=seed)
        prog.remove_task(task)
        # records whose derived indicators the schemes weigh first, then the runs, then what
        # needs the runs (zhengji.demo.populate)
        records = _demo_records(db_url, seed, out, prog, bundle_dir)
        result = run_bundle(bundle_dir, db_url=db_url, store=True, progress=prog)
        towns = run_bundle(bundle_dir / "townships", db_url=db_url, store=True, progress=prog)
        records = _demo_records(db_url, seed, out, prog, None, records)
        _demo_uncertainty(db_url, result.run_id, prog)
    console.print(f"[bold yellow]{SYNTHETIC_LABEL}[/]")
    _print_ranking(result.assessment, result.scheme)
    html = _write(result.assessment, result.scheme, out, Format.html)
    xlsx = _write(result.assessment, result.scheme, out, Format.xlsx)
    console.print(f"县级报告 county report: {html}\n工作簿 workbook: {xlsx}")
    t_html = _write(towns.assessment, towns.scheme, out, Format.html)
    _write(towns.assessment, towns.scheme, out, Format.xlsx)
    console.print(
        f"乡镇考核 township assessment ({len(towns.assessment.unit_ids)} 个乡镇 townships, "
        f"{len(towns.assessment.vetoes)} 项否决 vetoes): {t_html}"
    )
    _demo_screens(bundle_dir, db_url, out)
    _demo_summaries(records, bundle_dir, db_url, out)
    if serve:
        _serve(db_url, port)


def _demo_uncertainty(db_url: str, run_id: int | None, prog: Progress) -> None:
    """Store the county run's rank intervals so the web overview shows them at once."""
    from zhengji.analysis_store import store_uncertainty
    from zhengji.store import Store

    if run_id is None:
        return
    task = prog.add_task("排名区间 rank intervals (1000 次模拟 replications)…", total=None)
    with Store.open(db_url) as st, st.transaction() as s:
        store_uncertainty(s, run_id, "示例数据（模拟） demo")
    prog.remove_task(task)


def _demo_records(
    db_url: str, seed: int, out: Path, prog: Progress, bundle_dir: Path | None, done: Any = None
) -> Any:
    """Before the runs (``bundle_dir`` given): the inputs of the derived indicators; after."""
    from zhengji.demo.populate import populate_inputs, populate_records
    from zhengji.store import Store

    task = prog.add_task("", total=None)
    with Store.open(db_url) as st:

        def step(label: str) -> None:
            prog.update(task, description=f"{label}…")

        if bundle_dir is not None:
            records = populate_inputs(st, seed, bundle_dir, step)
        else:
            records = populate_records(st, seed, out, step, done)
    prog.remove_task(task)
    return records


def _demo_accountability_checks(st: Any) -> None:
    from collections import Counter

    from zhengji.accountability.checks import check_decisions, vanity_signs
    from zhengji.accountability.service import load_records

    with st.transaction() as s:
        recs = load_records(s)
    found = check_decisions(recs.decisions) + vanity_signs(recs.projects, recs.outcomes)
    counts = Counter(v.check for v in found)
    listed = ", ".join(f"{k} ×{n}" for k, n in sorted(counts.items())) or "无 none"
    console.print(f"三重一大与形象工程核查 decision and vanity-project checks: {listed}")
    for v in found:
        if v.severity == "violation" or v.check.startswith("vanity"):
            console.print(f"  · {v.subject} ({v.unit_id}): {v.reason_zh}")


def _demo_summaries(records: Any, bundle_dir: Path, db_url: str, out: Path) -> None:
    """What the other capabilities show on the demo: accountability, the 接诉即办 ranking,
    and which county orders are not robust."""
    from zhengji.demo.voice import ranking_rows
    from zhengji.report.analysis import demo_robustness_sentence
    from zhengji.store import Store

    acc = records.summaries.get("accountability")
    if acc is not None:
        console.print(
            f"问责记录 accountability: {acc.people} 人 people, {acc.records} 条记录 records "
            f"(每条已入账 each committed to the ledger); 离任交接档案 handover dossier "
            f"#{acc.dossier_id} (ledger #{acc.dossier_ledger_index}): {out}; "
            f"容错纠错 fault-tolerance case {acc.case_code}: {acc.proposal}"
        )
    cad = records.summaries.get("cadres")
    if cad is not None:
        console.print(
            f"干部考核 cadres: {cad.cadres} 名干部 cadres assessed (年度 annual batches "
            f"{', '.join(map(str, cad.annual_batches))}, 任期 term batch {cad.term_batch}, "
            f"平时 routine batches {', '.join(map(str, cad.routine_batches)) or '—'}); "
            f"离任后暴露的形象工程债务计入 {cad.mover} 的任期结果; 离任后见效的生态修复记功 "
            f"{cad.eco_deputy}; 容错免责 {cad.exempted}; 警示教育案例 {cad.cases} 件 cases "
            f"(`zhengji cadres explain …`)"
        )
    grid = records.summaries.get("grid")
    if grid is not None:
        console.print(
            f"一中心一张网十联户 grids: {grid.households} 户 households, "
            f"{grid.visits} 次走访 visits ({grid.issues} 件转为诉求 became requests), "
            f"{grid.disputes} 件矛盾纠纷 disputes, {grid.open_disputes} 件在办 open "
            f"({grid.events} 个调解步骤 steps, 已入账 in the ledger)"
        )
    eco = records.summaries.get("eco")
    if eco is not None:
        console.print(
            f"梵净生态账户 eco accounts: {eco.holders} 户 holders, {eco.awards} 笔积分 awards, "
            f"{eco.reversals} 笔冲正 reversals, {eco.open_objections} 件异议待裁 open objections; "
            f"生态产品总值 GEP inputs: {eco.gep_inputs}"
        )
    derived, survey = records.summaries.get("derived"), records.summaries.get("survey_screen")
    if derived is not None and survey is not None:
        console.print(
            f"派生指标 derived indicators: {derived.rows} 行 rows (接诉即办、群众评议、网格、"
            f"生态账户、GEP) 已在考核前写入数据包 added to the bundles before the runs; "
            f"群众评议核查 survey signals: {sum(f.severity != 'info' for f in survey.findings)} "
            f"项疑点 flagged, recorded as screen {survey.screen_id}"
        )
    with Store.open(db_url) as st:
        rows = ranking_rows(st)
        if acc is not None:
            _demo_accountability_checks(st)
    if rows:
        table = Table(
            title=f"接诉即办月度排名 monthly 12345 ranking {rows[0]['month']} ({rows[0]['label']})"
        )
        for col in ("名次", "县区 county", "件数", "响应率", "解决率", "满意率", "综合"):
            table.add_column(col)
        for r in rows:
            table.add_row(
                str(r["rank"]),
                r["name"],
                str(r["volume"]),
                f"{r['response_rate']:.1f}",
                f"{r['resolution_rate']:.1f}",
                f"{r['satisfaction_rate']:.1f}",
                f"{r['composite']:.1f}",
            )
        console.print(table)
    console.print(demo_robustness_sentence(bundle_dir))


def _demo_screens(bundle_dir: Path, db_url: str, out: Path) -> None:
    """Screen both demo bundles and show that every planted manipulation is caught."""
    from zhengji.demo import SYNTHETIC_LABEL
    from zhengji.demo.catches import catches
    from zhengji.demo.world import planted_cases
    from zhengji.pipeline import screen_bundle
    from zhengji.report.findings import write_findings

    runs = {
        "county": screen_bundle(bundle_dir, db_url=db_url),
        "townships": screen_bundle(bundle_dir / "townships", db_url=db_url),
    }
    table = Table(
        title="数据真实性核查：演示中预设的造假线索 planted manipulations (示例数据（模拟）)"
    )
    for col in ("类型 kind", "单位 units", "检验 check", "结果 result"):
        table.add_column(col)
    for case in planted_cases():
        hits = catches(case, runs[case.bundle].result.flagged)
        result = (
            f"[green]已发现 caught[/] q={min(h.q_value for h in hits):.2g}"
            if hits
            else "[red]未发现 missed[/]"
        )
        table.add_row(case.kind, ", ".join(case.unit_ids), case.check, result)
    console.print(table)
    for name, run in runs.items():
        names = dict(zip(run.bundle.panel.unit_ids, run.bundle.panel.unit_names, strict=True))
        path = write_findings(
            run.result, out / f"integrity-{name}.html", "html", names, SYNTHETIC_LABEL
        )
        console.print(
            f"核查 screen ({name}): {len(run.result.flagged)} 项疑点 flagged, "
            f"recorded as screen {run.screen_id}: {path}"
        )


def _write(assessment: Any, scheme: Any, out: Path, fmt: Format) -> Path:
    from zhengji import report

    out.mkdir(parents=True, exist_ok=True)
    stem = f"{assessment.scheme_id}-{assessment.period}"
    writers: dict[Format, Callable[..., Path]] = {
        Format.html: lambda p: report.write_html(assessment, scheme, p, lang=settings.get("lang")),
        Format.xlsx: lambda p: report.write_xlsx(assessment, scheme, p),
        Format.csv: lambda p: report.write_csv(assessment, scheme, p),
        Format.json: lambda p: report.write_json(assessment, scheme, p),
    }
    return writers[fmt](out / f"{stem}.{fmt.value}")


def _print_ranking(assessment: Any, scheme: Any) -> None:
    from zhengji.report import ranking_rows
    from zhengji.report.labels import SOURCE_NAMES

    rows = ranking_rows(assessment, scheme)
    title = f"{scheme.name} · {assessment.period}"
    if assessment.synthetic:
        title += "\n示例数据（模拟） synthetic data"
    sources = [k for k in rows[0] if k.startswith("source:")] if rows else []
    names = {s: SOURCE_NAMES.get(s.removeprefix("source:"), (s, s)) for s in sources}
    caption = "排名 rank · 等次 grade (⚑ 一票否决 veto) · 得分 score · 显绩 visible · 潜绩 latent"
    if sources:
        caption += " · " + " · ".join(
            f"{_SHORT_SOURCE.get(k, zh)} {en}" for k, (zh, en) in names.items()
        )
    table = Table(title=title, caption=caption)
    table.add_column("排名", justify="right", no_wrap=True, min_width=4)
    table.add_column("单位", no_wrap=True, min_width=8, max_width=22, overflow="ellipsis")
    table.add_column("类别", min_width=8, max_width=16, overflow="ellipsis", no_wrap=True)
    table.add_column("等次", no_wrap=True, min_width=6)
    for col in ("得分", "显绩", "潜绩"):
        table.add_column(col, justify="right", no_wrap=True, min_width=5)
    for s in sources:
        table.add_column(
            _SHORT_SOURCE.get(s, names[s][0]), justify="right", no_wrap=True, min_width=5
        )
    for r in rows:
        table.add_row(
            str(r["rank"] or "—"),
            str(r["name"]),
            str(r["category_name"]),
            str(r["grade"]) + (" ⚑" if r["vetoed"] else ""),
            _fmt(r["score"]),
            _fmt(r["visible"]),
            _fmt(r["latent"]),
            *[_fmt(r[s]) for s in sources],
        )
    console.print(table)


_SHORT_SOURCE = {
    "source:statistics": "统计",
    "source:party_committee": "党委",
    "source:mass_evaluation": "群众",
    "source:third_party": "第三方",
    "source:derived": "派生",
}


def _fmt(x: Any) -> str:
    return "—" if x is None or x != x else f"{x:.1f}"


def _serve(db_url: str, port: int | None) -> None:
    """Serve the web app on the demo database with a demo-only admin account."""
    import secrets

    from zhengji.commands.web import serve_app
    from zhengji.store import Store
    from zhengji.web import accounts

    password = "Demo-" + secrets.token_urlsafe(12)
    with Store.open(db_url) as st, st.transaction() as s:
        if any(u.username == DEMO_ADMIN for u in accounts.list_users(s)):
            accounts.set_password(s, DEMO_ADMIN, password)
            accounts.set_active(s, DEMO_ADMIN, True)
        else:
            accounts.add_user(s, DEMO_ADMIN, password, "admin", None, "演示管理员 demo admin")
    banner = (
        f"[bold yellow]仅供演示 demo only:[/] 用户名 username [bold]{DEMO_ADMIN}[/] "
        f"密码 password [bold]{password}[/] (示例数据（模拟）; new password each run)"
    )
    host = settings.get("host")
    port = int(settings.get("port")) if port is None else port
    serve_app(db_url, host, port, banner=banner)


DEMO_ADMIN = "demo-admin"


def main() -> None:
    app()


if __name__ == "__main__":
    main()
