"""Commands of the people's voice: ``zhengji voice …`` (serve the citizen API, keys, units,
demo data, escalation), ``zhengji requests …`` (import, act, offline entries, ranking,
metrics), ``zhengji survey …`` (create, issue tokens, print QR codes, results),
``zhengji supervisor …`` (register, sign off)."""

from __future__ import annotations

import csv
import datetime as dt
import html
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from zhengji.commands import console, err_console, friendly
from zhengji.errors import DataError

__all__ = ["app"]

app = typer.Typer()
voice_app = typer.Typer(
    help="民生诉求接口 The citizen API: serve, keys, units, demo data.", no_args_is_help=True
)
requests_app = typer.Typer(
    help="民生诉求 Citizen requests: import, handle, rank.", no_args_is_help=True
)
survey_app = typer.Typer(
    help="群众评议 Mass-evaluation surveys with anonymous tokens.", no_args_is_help=True
)
supervisor_app = typer.Typer(
    help="群众监督员 Citizen supervisors and project sign-off.", no_args_is_help=True
)
app.add_typer(voice_app, name="voice")
app.add_typer(requests_app, name="requests")
app.add_typer(survey_app, name="survey")
app.add_typer(supervisor_app, name="supervisor")

Db = Annotated[str | None, typer.Option(help="数据库 database URL (ZHENGJI_DATABASE_URL)")]


def _pct(x: float) -> str:
    return "—" if x != x else f"{x:.1f}"


# --- zhengji voice -------------------------------------------------------------------------
@voice_app.command("serve")
@friendly
def serve(
    db: Db = None,
    host: Annotated[str, typer.Option(help="地址 host")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口 port")] = 8311,
) -> None:
    """启动 Open311 接口 Serve only the citizen API (Open311 GeoReport v2 at /open311/v2)."""
    import uvicorn

    from zhengji.servergc import tune
    from zhengji.voice.app import create_app

    api = create_app(db)
    tune()  # full collections would stall every request in flight (zhengji.servergc)
    console.print(f"Open311: http://{host}:{port}/open311/v2/discovery.json (Ctrl+C 退出 quit)")
    uvicorn.run(api, host=host, port=port, log_level="warning")


@voice_app.command("add-key")
@friendly
def add_key(
    name: Annotated[str, typer.Argument(help="客户端名称 client name, e.g. 12345平台")],
    db: Db = None,
) -> None:
    """新建接口密钥 Create an api_key for a client that posts requests (shown once)."""
    from zhengji.store import Store
    from zhengji.voice.context import add_api_key

    with Store.open(db) as st, st.transaction() as s:
        cid, key = add_api_key(s, name)
    console.print(f"客户端 client {cid} ({escape(name)}): api_key = {key}")
    err_console.print("只显示这一次，请妥善保存 shown only once: keep it safe")


@voice_app.command("units")
@friendly
def units(
    file: Annotated[
        Path, typer.Argument(help="单位表 CSV: unit_id,name,parent_id,level[,lat,long]")
    ],
    db: Db = None,
) -> None:
    """登记受理单位 Register the units that receive requests (city, counties, townships)."""
    from zhengji.store import Store
    from zhengji.voice.units import LEVELS, Unit, register_units

    rows = []
    problems: list[tuple[str, int | None, str | None, str]] = []
    with file.open(encoding="utf-8-sig", newline="") as fh:
        for line, r in enumerate(csv.DictReader(fh), start=2):
            if not r.get("unit_id") or not r.get("name"):
                problems.append((file.name, line, "unit_id", "必填 required: unit_id, name"))
                continue
            if r.get("level") not in LEVELS:
                problems.append((file.name, line, "level", f"应为 must be one of {LEVELS}"))
                continue
            try:
                lat = float(r["lat"]) if r.get("lat") else None
                lon = float(r["long"]) if r.get("long") else None
            except ValueError:
                problems.append((file.name, line, "lat", "应为数字 must be numbers"))
                continue
            rows.append(
                Unit(r["unit_id"], r["name"], r.get("parent_id") or None, r["level"], lat, lon)
            )
    if problems:
        raise DataError("单位表无效 invalid unit file", problems)
    with Store.open(db) as st, st.transaction() as s:
        n = register_units(s, rows)
    console.print(f"新增单位 units added: {n} (已有的不变 known ones unchanged)")


@voice_app.command("demo")
@friendly
def voice_demo(
    db: Db = None,
    seed: Annotated[int, typer.Option(help="随机种子 seed")] = 20251,
) -> None:
    """演示数据 Add a year of synthetic requests and a survey round (示例数据（模拟）)."""
    from zhengji.demo import SYNTHETIC_LABEL
    from zhengji.demo.voice import populate
    from zhengji.store import Store

    with Store.open(db) as st:
        done = populate(st, seed)
    console.print(
        f"[bold yellow]{SYNTHETIC_LABEL}[/] 诉求 requests {done.requests}, 事件 events "
        f"{done.events}, 评议票 votes {done.votes} (survey {done.survey_code})"
    )


@voice_app.command("ledger-sync")
@friendly
def ledger_sync(db: Db = None) -> None:
    """提交账本 Commit request events not yet in the ledger (the app does it every 5 s)."""
    from zhengji.store import Store
    from zhengji.voice.ledgering import sync

    with Store.open(db) as st, st.transaction() as s:
        n = sync(s)
    console.print(f"已提交 committed {n} events to the ledger")


@voice_app.command("escalate")
@friendly
def escalate(
    by: Annotated[str, typer.Option("--by", help="督办人 who escalates")] = "12345中心",
    db: Db = None,
) -> None:
    """超期督办 Escalate overdue open requests to the supervising unit (once each)."""
    from zhengji.store import Store
    from zhengji.voice.handling import escalate_overdue
    from zhengji.voice.limits import load_limits
    from zhengji.voice.units import load_units

    with Store.open(db) as st, st.transaction() as s:
        out = escalate_overdue(s, load_limits(), load_units(s), by)
    console.print(f"督办 escalated: {len(out)}")
    for rid, unit in out[:50]:
        console.print(f"  #{rid} → {unit}")


@voice_app.command("flag-repeats")
@friendly
def flag_repeats_cmd(
    by: Annotated[str, typer.Option("--by", help="经办人 who flags")] = "12345中心",
    threshold: Annotated[int, typer.Option(help="次数 repeats within the window")] = 5,
    days: Annotated[int, typer.Option(help="天数 window in days")] = 7,
    db: Db = None,
) -> None:
    """标记恶意重复 Flag requests repeated by one phone/device (left out of the metrics)."""
    from zhengji.store import Store
    from zhengji.voice.handling import flag_repeats

    with Store.open(db) as st, st.transaction() as s:
        ids = flag_repeats(s, by, window=dt.timedelta(days=days), threshold=threshold)
    console.print(f"标记 flagged: {len(ids)} {ids[:20]}")


# --- zhengji requests ---------------------------------------------------------------------
@requests_app.command("import")
@friendly
def import_cmd(
    file: Annotated[Path, typer.Argument(help="12345 平台导出 CSV export of a 12345 platform")],
    by: Annotated[str, typer.Option("--by", help="导入人 who imports")] = "导入 import",
    db: Db = None,
) -> None:
    """导入工单 Import requests from a 12345 export (all or nothing; re-import is harmless)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from zhengji.store import Store
    from zhengji.voice import ledgering
    from zhengji.voice.importcsv import import_csv
    from zhengji.voice.limits import load_limits
    from zhengji.voice.units import load_units

    bar = Progress(BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err_console,
                   transient=True)  # fmt: skip
    with Store.open(db) as st:
        with st.transaction() as s, bar:
            task = bar.add_task("导入 importing", total=None)
            advance = lambda n: bar.advance(task, n)  # noqa: E731
            res = import_csv(
                s, file, load_units(s), load_limits(), by, on_progress=advance, sync_events=False
            )
        console.print(f"导入 imported: {res.added} 新增 added, {res.unchanged} 已有 unchanged")
        # The events' leaves in short transactions: other ledger writers are never held up
        # for the whole import; an interrupted sync resumes here or in the app's own sync.
        synced = 0
        with bar:
            task = bar.add_task("入账 committing to the ledger", total=None)
            while ledgering.enabled():
                with st.transaction() as s:
                    n = ledgering.sync(s, limit=ledgering.BATCH)
                if not n:
                    break
                synced += n
                bar.advance(task, n)
        if synced:
            console.print(f"已入账 committed {synced} events to the ledger")


@requests_app.command("show")
@friendly
def show(
    request_id: Annotated[int, typer.Argument(help="诉求编号 request number")],
    unit: Annotated[
        list[str] | None, typer.Option(help="以承办单位身份查看 view as staff of")
    ] = None,
    dispatcher: Annotated[bool, typer.Option(help="以派单中心身份 as the dispatch centre")] = False,
    db: Db = None,
) -> None:
    """查看诉求 Show a request and its history (the requester only to its handlers)."""
    from zhengji.store import Store
    from zhengji.voice.lifecycle import ACTION_ZH
    from zhengji.voice.units import load_units
    from zhengji.voice.views import Viewer, detail

    with Store.open(db) as st, st.transaction() as s:
        units_ = load_units(s)
        viewer = Viewer("cli", frozenset(unit or ()), dispatcher)
        d = detail(s, request_id, units_, viewer)
    r = d.request
    console.print(
        f"[bold]#{r.id}[/] {escape(r.service_name or r.service_code)} · {r.state_zh} "
        f"({r.status}) · {escape(r.unit_name or '—')} · 时限 due {r.due_at:%Y-%m-%d %H:%M} UTC"
    )
    console.print(escape(r.description or ""))
    who = d.requester
    console.print("诉求人 requester: " + (escape(str(who)) if who else "（仅承办人员可见 hidden）"))
    table = Table(title="办理记录 history")
    for col in (
        "时间 at (UTC)",
        "操作 action",
        "状态 state",
        "单位 unit",
        "经办 actor",
        "说明 note",
    ):
        table.add_column(col, overflow="fold")
    for e in d.events:
        table.add_row(
            f"{e.at:%Y-%m-%d %H:%M}",
            ACTION_ZH.get(e.action, e.action),
            e.state,
            e.unit_id or "",
            escape(e.actor),
            escape(e.note or ""),
        )
    console.print(table)


@requests_app.command("act")
@friendly
def act_cmd(
    request_id: Annotated[int, typer.Argument(help="诉求编号 request number")],
    action: Annotated[
        str, typer.Argument(help="dispatch|sign|process|complete|return|merge|flag|note|answer")
    ],
    by: Annotated[str, typer.Option("--by", help="经办人 who acts")],
    unit: Annotated[str | None, typer.Option(help="派单单位 unit (dispatch)")] = None,
    into: Annotated[int | None, typer.Option(help="合并到 merge into request")] = None,
    note: Annotated[str | None, typer.Option(help="说明 note")] = None,
    db: Db = None,
) -> None:
    """办理诉求 Record one lifecycle step (the state machine refuses invalid steps)."""
    from zhengji.store import Store
    from zhengji.voice.handling import act, merge
    from zhengji.voice.lifecycle import STATE_ZH
    from zhengji.voice.units import load_units

    with Store.open(db) as st, st.transaction() as s:
        if action == "merge":
            if into is None:
                raise DataError("合并需要 --into merge needs --into REQUEST")
            state = merge(s, request_id, into, by, note=note)
        else:
            state = act(s, request_id, action, by, unit_id=unit, note=note, units=load_units(s))
    console.print(f"#{request_id}: {STATE_ZH[state]} ({state})")


@requests_app.command("callback")
@friendly
def callback_cmd(
    request_id: Annotated[int, typer.Argument(help="诉求编号 request number")],
    satisfaction: Annotated[int, typer.Argument(help="3 满意, 2 基本满意, 1 不满意")],
    resolved: Annotated[bool, typer.Option(help="问题是否解决 resolved?")] = True,
    by: Annotated[str, typer.Option("--by", help="回访人 who called")] = "12345中心",
    note: Annotated[str | None, typer.Option(help="说明 note")] = None,
    db: Db = None,
) -> None:
    """回访 Record the satisfaction callback; 1 (不满意) sends the request back (重办)."""
    from zhengji.store import Store
    from zhengji.voice.handling import callback
    from zhengji.voice.lifecycle import STATE_ZH

    with Store.open(db) as st, st.transaction() as s:
        state = callback(s, request_id, by, satisfaction=satisfaction, resolved=resolved, note=note)
    console.print(f"#{request_id}: {STATE_ZH[state]} ({state})")


@requests_app.command("visit")
@friendly
def visit(
    township: Annotated[str, typer.Argument(help="乡镇 township id")],
    service: Annotated[str, typer.Argument(help="服务类型 service code")],
    description: Annotated[str, typer.Argument(help="诉求内容 what was asked")],
    visitor: Annotated[str, typer.Option(help="走访/接访干部 cadre")],
    place: Annotated[str, typer.Option(help="地点 place")],
    at: Annotated[str | None, typer.Option(help="时间 when (ISO 8601, default now)")] = None,
    reception: Annotated[
        bool, typer.Option(help="集中接访 reception day (default 入户走访)")
    ] = False,
    name: Annotated[str | None, typer.Option(help="群众姓名 citizen's name")] = None,
    phone: Annotated[str | None, typer.Option(help="联系电话 phone")] = None,
    db: Db = None,
) -> None:
    """线下诉求 Record a request taken on a home visit (入户走访) or reception day (集中接访)."""
    from zhengji.store import Store
    from zhengji.voice.limits import CHINA, load_limits
    from zhengji.voice.offline import record_offline
    from zhengji.voice.requests import Requester
    from zhengji.voice.units import load_units

    when = dt.datetime.now(dt.UTC)
    if at:
        try:
            when = dt.datetime.fromisoformat(at)
        except ValueError:
            raise DataError(f"时间格式 --at must be ISO 8601, got '{at}'") from None
        when = when if when.tzinfo else when.replace(tzinfo=CHINA)
    with Store.open(db) as st, st.transaction() as s:
        done = record_offline(
            s,
            load_units(s),
            load_limits(),
            kind="reception" if reception else "visit",
            visitor=visitor,
            place=place,
            visited_at=when,
            township_id=township,
            service_code=service,
            description=description,
            requester=Requester(name, phone),
        )
    console.print(
        f"已受理 accepted #{done.id} → {done.unit_id}, 时限 due {done.due_at:%Y-%m-%d %H:%M} UTC"
    )


@requests_app.command("ranking")
@friendly
def ranking_cmd(
    month: Annotated[str | None, typer.Option(help="月份 month YYYY-MM (default: latest)")] = None,
    level: Annotated[str, typer.Option(help="层级 county|township")] = "county",
    db: Db = None,
) -> None:
    """接诉即办月度排名 The monthly ranking on 响应率 / 解决率 / 满意率."""
    from zhengji.store import Store
    from zhengji.voice.facts import monthly_table
    from zhengji.voice.limits import load_limits
    from zhengji.voice.metrics import ranking
    from zhengji.voice.units import load_units

    limits = load_limits()
    with Store.open(db) as st, st.transaction() as s:
        table = monthly_table(s, limits)
        names = {u.id: u.name for u in load_units(s).values()}
    if table.empty:
        raise DataError("尚无诉求 no requests yet")
    m = month or str(table["month"].max())
    w = limits.weights
    t = Table(
        title=f"接诉即办月度排名 monthly ranking · {m}",
        caption=f"综合 composite = {w['response']:.0%} 响应率 + {w['resolution']:.0%} 解决率 + "
        f"{w['satisfaction']:.0%} 满意率 (%)",
    )
    for col in ("排名", "单位", "受理量", "响应率", "解决率", "满意率", "综合", "超期率", "重办率"):
        t.add_column(col, justify="right" if col not in ("单位",) else "left")
    for r in ranking(table, m, level).to_dict("records"):
        t.add_row(
            str(r["rank"]),
            names.get(r["unit_id"], r["unit_id"]),
            str(r["volume"]),
            *[
                _pct(r[k])
                for k in (
                    "response_rate",
                    "resolution_rate",
                    "satisfaction_rate",
                    "composite",
                    "overdue_rate",
                    "reopen_rate",
                )
            ],
        )
    console.print(t)


@requests_app.command("metrics")
@friendly
def metrics_cmd(
    out: Annotated[Path, typer.Argument(help="输出 observations CSV for a bundle")],
    yearly: Annotated[bool, typer.Option(help="按年 one period per year (annual schemes)")] = False,
    db: Db = None,
) -> None:
    """诉求指标 Write the metrics as observation rows (source derived/mass_evaluation)."""
    from zhengji.store import Store
    from zhengji.voice.facts import monthly_table
    from zhengji.voice.limits import load_limits
    from zhengji.voice.metrics import observation_rows

    with Store.open(db) as st, st.transaction() as s:
        rows = observation_rows(monthly_table(s, load_limits(), by="year" if yearly else "month"))
    with out.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["unit_id", "period", "indicator_id", "value", "source", "basis"])
        for r in rows:
            w.writerow(
                [
                    r.unit_id,
                    r.period,
                    r.indicator_id,
                    f"{r.value:.4f}",
                    r.source,
                    r.extra.get("basis", ""),
                ]
            )
    console.print(f"已写出 written: {out} ({len(rows)} rows)")


# --- zhengji survey -----------------------------------------------------------------------
@survey_app.command("create")
@friendly
def survey_create(
    code: Annotated[str, typer.Argument(help="评议编号 survey code")],
    title: Annotated[str, typer.Option(help="标题 title")],
    period: Annotated[str, typer.Option(help="考核期 period, e.g. 2025")],
    by: Annotated[str, typer.Option("--by", help="发起人 who")] = "考核办",
    scale: Annotated[int, typer.Option(help="量表级数 Likert points")] = 5,
    db: Db = None,
) -> None:
    """新建评议 Create a survey with the default items (see docs/voice.md)."""
    from zhengji.store import Store
    from zhengji.voice.surveys import create_survey

    with Store.open(db) as st, st.transaction() as s:
        sv = create_survey(s, code, title, period, by, scale=scale)
    console.print(f"评议 survey {sv.code} ({len(sv.items)} 题 items, 1–{sv.scale})")


@survey_app.command("issue")
@friendly
def survey_issue(
    code: Annotated[str, typer.Argument(help="评议编号 survey code")],
    households: Annotated[Path, typer.Argument(help="户籍抽样框 CSV: household_ref,township_id")],
    out: Annotated[Path, typer.Option(help="评议码输出 tokens CSV to print")],
    per_township: Annotated[int, typer.Option(help="每乡镇抽样户数 households per township")] = 60,
    seed: Annotated[int, typer.Option(help="抽样种子 sampling seed")] = 1,
    by: Annotated[str, typer.Option("--by", help="发放人 who issues")] = "评议组",
    db: Db = None,
) -> None:
    """发放评议码 Draw households per township and issue one anonymous token each.

    The tokens file lists tokens per township in random order and no household: hand them
    out in sealed envelopes. Only the households drawn are recorded, never which token.
    """
    from zhengji.store import Store
    from zhengji.voice.surveys import draw_sample, get_survey, issue_tokens

    frame: dict[str, list[str]] = {}
    with households.open(encoding="utf-8-sig", newline="") as fh:
        for line, r in enumerate(csv.DictReader(fh), start=2):
            if not r.get("household_ref") or not r.get("township_id"):
                raise DataError(
                    "抽样框无效 invalid frame",
                    [(households.name, line, "household_ref", "必填 household_ref, township_id")],
                )
            frame.setdefault(r["township_id"], []).append(r["household_ref"])
    sample = draw_sample(frame, per_township, seed)
    with Store.open(db) as st, st.transaction() as s:
        tokens = issue_tokens(s, get_survey(s, code), sample, by)
    with out.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["survey", "township_id", "token"])
        for unit, ts in tokens.items():
            for t in ts:
                w.writerow([code, unit, t])
    console.print(f"发放 issued {sum(map(len, tokens.values()))} tokens → {out}")


@survey_app.command("tokens")
@friendly
def survey_tokens(
    tokens: Annotated[Path, typer.Argument(help="评议码文件 tokens CSV from `survey issue`")],
    out: Annotated[Path, typer.Option(help="输出目录 directory for the printable sheet")],
    url: Annotated[str, typer.Option(help="投票地址 voting URL; {token} is replaced")] = (
        "http://127.0.0.1:8321/survey/{token}"
    ),
) -> None:
    """打印二维码 Render tokens as QR codes on a printable HTML sheet (offline distribution)."""
    import segno

    out.mkdir(parents=True, exist_ok=True)
    cards = []
    with tokens.open(encoding="utf-8-sig", newline="") as fh:
        for r in csv.DictReader(fh):
            qr = segno.make(url.replace("{token}", r["token"]), error="m")
            svg = qr.svg_inline(scale=3)
            cards.append(
                f'<div class="card">{svg}<p>{html.escape(r["township_id"])}</p>'
                f'<p class="t">{html.escape(r["token"])}</p></div>'
            )
    page = (
        "<!doctype html><meta charset=utf-8><title>群众评议码 survey tokens</title><style>"
        ".card{display:inline-block;width:30%;margin:1%;text-align:center;border:1px dashed "
        "#999;page-break-inside:avoid}.t{font:16px monospace}</style>"
        "<p>每户一码，一码一票，投票不记名 one token per household, one vote, anonymous</p>"
        + "".join(cards)
    )
    target = out / "tokens.html"
    target.write_text(page, encoding="utf-8")
    console.print(f"已写出 written: {target} ({len(cards)} 张 cards)")


@survey_app.command("vote")
@friendly
def survey_vote(
    token: Annotated[str, typer.Argument(help="评议码 token")],
    answers: Annotated[str, typer.Argument(help="答案 answers, e.g. 5,4,4,3,5")],
    db: Db = None,
) -> None:
    """录入纸质评议票 Enter a paper ballot (the token is spent; the vote stays anonymous)."""
    from zhengji.store import Store
    from zhengji.voice.surveys import cast_vote

    try:
        values = [int(x) for x in answers.split(",")]
    except ValueError:
        raise DataError(f"答案应为逗号分隔的整数 answers like 5,4,3: '{answers}'") from None
    with Store.open(db) as st, st.transaction() as s:
        code = cast_vote(s, token, values)
    console.print(f"已记录 recorded (survey {code})")


@survey_app.command("results")
@friendly
def survey_results(
    code: Annotated[str, typer.Argument(help="评议编号 survey code")],
    out: Annotated[Path | None, typer.Option(help="输出 CSV")] = None,
    db: Db = None,
) -> None:
    """评议结果 Scores per unit with 95% intervals, shrinkage, and integrity signals."""
    from zhengji.integrity.findings import flagged, with_qvalues
    from zhengji.store import Store
    from zhengji.voice.surveys import results, signals

    with Store.open(db) as st, st.transaction() as s:
        table = results(s, code)
        found = flagged(with_qvalues(signals(s, code)))
    t = Table(
        title=f"群众评议结果 survey results · {code}",
        caption="得分 0–100; 收缩 empirical-Bayes shrunk (Morris 1983)",
    )
    for col in ("单位", "层级", "发放", "回收", "回收率", "均分", "95%区间", "收缩后", "收缩系数"):
        t.add_column(col)
    for r in table.to_dict("records"):
        t.add_row(
            r["unit_id"],
            r["level"],
            str(r["issued"]),
            str(r["n"]),
            _pct(r["response_rate"]),
            _pct(r["mean"]),
            f"{_pct(r['ci_low'])}–{_pct(r['ci_high'])}",
            _pct(r["shrunk"]),
            f"{r['shrink_factor']:.2f}",
        )
    console.print(t)
    for f in found:
        console.print(
            f"[yellow]疑点 signal[/] {f.unit_id} {f.check} ({f.severity}): {escape(f.summary_zh)}"
        )
    if out is not None:
        table.to_csv(out, index=False)
        console.print(f"已写出 written: {out}")


@survey_app.command("screen")
@friendly
def survey_screen(
    code: Annotated[str, typer.Argument(help="评议编号 survey code")],
    scheme: Annotated[
        Path | None, typer.Option(help="考核方案 scheme TOML: record the signals as a screen")
    ] = None,
    db: Db = None,
) -> None:
    """评议核查 Integrity signals of a survey's votes; with --scheme, stored for review."""
    from zhengji.integrity.findings import flagged, with_qvalues
    from zhengji.store import Store
    from zhengji.voice.surveys import record_signals, signals

    with Store.open(db) as st, st.transaction() as s:
        if scheme is None:
            found, note = with_qvalues(signals(s, code)), ""
        else:
            from zhengji.scheme import load_scheme

            done = record_signals(s, code, load_scheme(scheme))
            found = list(done.findings)
            note = (
                f"; 已记录 recorded as screen #{done.screen_id}"
                if done.recorded
                else f"; 未变化，沿用 unchanged since screen #{done.screen_id}"
            )
    for f in flagged(found):
        console.print(f"[yellow]疑点 signal[/] {f.check} ({f.severity}): {escape(f.summary_zh)}")
    console.print(f"共 {len(found)} 项检验 tests, {len(flagged(found))} 项疑点 flagged{note}")


# --- zhengji supervisor -------------------------------------------------------------------
@supervisor_app.command("add")
@friendly
def supervisor_add(
    supervisor_id: Annotated[str, typer.Argument(help="编号 id")],
    name: Annotated[str, typer.Argument(help="姓名 name")],
    unit: Annotated[str, typer.Option(help="所在单位 area (unit id)")],
    by: Annotated[str, typer.Option("--by", help="聘任单位 appointed by")],
    start: Annotated[str, typer.Option(help="任期开始 term start YYYY-MM-DD")],
    end: Annotated[str | None, typer.Option(help="任期结束 term end")] = None,
    phone: Annotated[str | None, typer.Option(help="电话 phone")] = None,
    db: Db = None,
) -> None:
    """聘任监督员 Register a citizen supervisor."""
    from zhengji.store import Store
    from zhengji.voice.supervisors import register

    try:
        t0 = dt.date.fromisoformat(start)
        t1 = dt.date.fromisoformat(end) if end else None
    except ValueError as exc:
        raise DataError(f"日期格式 dates must be YYYY-MM-DD: {exc}") from None
    with Store.open(db) as st, st.transaction() as s:
        sup = register(s, supervisor_id, name, unit, by, t0, t1, phone)
    console.print(f"监督员 supervisor {sup.id} {escape(sup.name)} · {sup.unit_id}")


@supervisor_app.command("list")
@friendly
def supervisor_list(db: Db = None) -> None:
    """监督员名册 List supervisors."""
    from zhengji.store import Store
    from zhengji.voice.supervisors import list_supervisors

    with Store.open(db) as st, st.transaction() as s:
        sups = list_supervisors(s)
    t = Table(title="群众监督员 citizen supervisors")
    for col in ("编号", "姓名", "单位", "任期", "聘任"):
        t.add_column(col)
    for x in sups:
        t.add_row(x.id, x.name, x.unit_id, f"{x.term_start}–{x.term_end or ''}", x.appointed_by)
    console.print(t)


@supervisor_app.command("sign")
@friendly
def supervisor_sign(
    project: Annotated[str, typer.Argument(help="项目编号 project id")],
    supervisor_id: Annotated[str, typer.Argument(help="监督员编号 supervisor id")],
    reason: Annotated[str, typer.Option(help="意见与理由 what was inspected, why")],
    objection: Annotated[
        bool, typer.Option("--object", help="提出异议 record an objection")
    ] = False,
    db: Db = None,
) -> None:
    """验收签字 Sign off a project's acceptance, or record an objection (--object)."""
    from zhengji.store import Store
    from zhengji.voice.supervisors import acceptance, sign_off

    with Store.open(db) as st, st.transaction() as s:
        sign_off(s, project, supervisor_id, "object" if objection else "approve", reason)
        acc = acceptance(s, project)
    verdict = "可以验收 accepted" if acc.accepted else "不能验收 not accepted"
    console.print(f"项目 {escape(project)}: {verdict} — {acc.reason}")
