"""Commands of lifetime accountability (终身问责): records, checks, who, dossiers, cases.

Thin shell over ``zhengji.accountability``: each command opens the store, runs one
transaction, prints. The checks exit 1 when they find a violation (signals alone: 0), so a
script can gate on them; errors exit 2 as everywhere.

    zhengji records import DIR        zhengji who PERSON
    zhengji records verify            zhengji dossier UNIT [--post …] [--out DIR]
    zhengji records derive            zhengji case open|rule|show …
    zhengji tenures check|turnover    zhengji person erase PERSON
    zhengji decisions check           zhengji projects check
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from zhengji.commands import console, err_console, friendly

if TYPE_CHECKING:
    from zhengji.accountability.checks import Violation

__all__ = ["app"]

app = typer.Typer()
records_app = typer.Typer(help="问责记录 Accountability records: import, verify, derive.")
tenures_app = typer.Typer(help="任职 Tenures: overlaps, gaps, turnover years.")
decisions_app = typer.Typer(help="三重一大决策 Collective decisions: procedure checks.")
projects_app = typer.Typer(help="项目 Projects: vanity-project (形象工程) signs.")
case_app = typer.Typer(help="容错纠错 Fault-tolerance cases: open, rule, show.")
person_app = typer.Typer(help="人员 People: erase personal data (PIPL).")
for _sub, _name in (
    (records_app, "records"),
    (tenures_app, "tenures"),
    (decisions_app, "decisions"),
    (projects_app, "projects"),
    (case_app, "case"),
    (person_app, "person"),
):
    _sub.info.no_args_is_help = True
    app.add_typer(_sub, name=_name)

Db = Annotated[str | None, typer.Option(help="数据库 database URL (ZHENGJI_DATABASE_URL)")]
By = Annotated[str, typer.Option("--by", help="经办人 who records it")]
AsJson = Annotated[bool, typer.Option("--json", help="输出 JSON print JSON")]


def _print_violations(title: str, found: Sequence[Violation], as_json: bool) -> None:
    if as_json:
        console.print_json(json.dumps([v.as_dict() for v in found], ensure_ascii=False))
    else:
        table = Table(title=title, caption=f"{len(found)} 项 items")
        for col in ("对象 subject", "单位 unit", "检查 check", "性质 severity", "原因 reason"):
            table.add_column(col, overflow="fold")
        for v in found:
            sev = "[red]违规 violation[/]" if v.severity == "violation" else "提示 signal"
            table.add_row(
                v.subject, v.unit_id, v.check, sev, f"{escape(v.reason_zh)}\n{escape(v.reason_en)}"
            )
        console.print(table)
    if any(v.severity == "violation" for v in found):
        raise typer.Exit(1)


# --- records --------------------------------------------------------------------------------------
@records_app.command("import")
@friendly
def records_import(
    directory: Annotated[Path, typer.Argument(help="目录 directory of people.csv, tenures.csv …")],
    by: By,
    db: Db = None,
) -> None:
    """导入问责记录 Import records from CSV files; every record goes to the ledger."""
    from zhengji.accountability.importer import import_records
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        summary = import_records(s, directory, by)
    kinds = ", ".join(f"{k} {n}" for k, n in summary.by_kind.items()) or "—"
    console.print(
        f"已导入 imported: 人员 people {summary.people}, 新增 added {summary.added}, "
        f"更正 corrected {summary.corrected}, 未变 unchanged {summary.unchanged} ({kinds})"
    )


@records_app.command("verify")
@friendly
def records_verify(db: Db = None) -> None:
    """核对记录与账本 Check every record row against its ledger leaf (exit 1 on a mismatch)."""
    from zhengji.accountability.service import verify_rows
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        bad = verify_rows(s)
    if not bad:
        console.print("[green]全部记录与账本一致 every record matches its ledger leaf[/]")
        return
    for table, row_id, problem in bad:
        err_console.print(f"[red]{table} #{row_id}[/]: {escape(problem)}")
    raise typer.Exit(1)


@records_app.command("derive")
@friendly
def records_derive(
    periods: Annotated[str, typer.Option(help="考核期 periods, comma-separated, e.g. 2024,2025")],
    units: Annotated[str, typer.Option(help="单位 unit ids, comma-separated (default: all)")] = "",
    out: Annotated[Path | None, typer.Option(help="写出 observations CSV file")] = None,
    db: Db = None,
) -> None:
    """派生考核指标 Derive project_credit / accountability_deduction observation rows."""
    import csv
    import io

    from sqlalchemy import select

    from zhengji.accountability.attribution import derive_observations
    from zhengji.accountability.service import load_records
    from zhengji.store import Store
    from zhengji.store.schema import UnitRecord

    with Store.open(db) as st, st.transaction() as s:
        records = load_records(s)
        unit_ids = [u for u in units.split(",") if u] or list(
            s.scalars(select(UnitRecord.id).order_by(UnitRecord.position))
        )
    rows = derive_observations(records, unit_ids, [p.strip() for p in periods.split(",") if p])
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(("unit_id", "period", "indicator_id", "value", "source"))
    for r in rows:
        w.writerow((r.unit_id, r.period, r.indicator_id, f"{r.value:g}", r.source))
    if out is None:
        console.print(buf.getvalue(), end="", markup=False, highlight=False)
    else:
        out.write_text(buf.getvalue(), encoding="utf-8")
        console.print(f"已写出 written: {out} ({len(rows)} rows)")


# --- checks ---------------------------------------------------------------------------------------
@tenures_app.command("check")
@friendly
def tenures_check(
    max_gap_days: Annotated[int, typer.Option(help="允许的空缺天数 allowed vacancy (days)")] = 0,
    as_json: AsJson = False,
    db: Db = None,
) -> None:
    """任职检查 Overlapping holders of a principal post, vacancies, impossible dates."""
    from zhengji.accountability.checks import check_tenures
    from zhengji.accountability.service import load_records
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        tenures = load_records(s).tenures
    found = check_tenures(tenures, max_gap_days, today=dt.date.today())
    _print_violations("任职检查 Tenure checks", found, as_json)


@tenures_app.command("turnover")
@friendly
def tenures_turnover(db: Db = None) -> None:
    """换届年份 Years in which a unit's party secretary or government head changed."""
    from zhengji.accountability.checks import turnover_periods
    from zhengji.accountability.service import load_records
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        years = turnover_periods(load_records(s).tenures)
    table = Table(title="主要领导变动年份 Leadership turnover years")
    table.add_column("单位 unit")
    table.add_column("年份 years")
    for unit, ys in years.items():
        table.add_row(unit, ", ".join(ys))
    console.print(table)


@decisions_app.command("check")
@friendly
def decisions_check(
    unit: Annotated[str | None, typer.Option(help="单位 only this unit")] = None,
    as_json: AsJson = False,
    db: Db = None,
) -> None:
    """决策程序检查 末位表态, quorum, majority, recusals, one-man rule (一言堂)."""
    from zhengji.accountability.checks import check_decisions
    from zhengji.accountability.service import load_records
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        decisions = [d for d in load_records(s).decisions if unit is None or d.unit_id == unit]
    _print_violations("三重一大决策检查 Decision checks", check_decisions(decisions), as_json)


@projects_app.command("check")
@friendly
def projects_check(as_json: AsJson = False, db: Db = None) -> None:
    """形象工程迹象 Heavy debt and low use after acceptance (signals, exit 0)."""
    from zhengji.accountability.checks import vanity_signs
    from zhengji.accountability.service import load_records
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        r = load_records(s)
    _print_violations(
        "形象工程迹象 Vanity-project signs", vanity_signs(r.projects, r.outcomes), as_json
    )


# --- who, dossier ---------------------------------------------------------------------------------
@app.command()
@friendly
def who(
    person: Annotated[str, typer.Argument(help="人员编号 person id")],
    as_json: AsJson = False,
    db: Db = None,
) -> None:
    """终身责任 Everything a person answers for, anywhere, ever (across later posts)."""
    from zhengji.accountability import service
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        name, rec = service.who(s, person)
    if as_json:
        data = {
            "person_id": person,
            "name": name,
            "credit": rec.credit,
            "deduction": rec.deduction,
            "items": [
                {
                    "kind": i.kind, "code": i.code, "unit_id": i.unit_id, "role": i.role,
                    "when": i.when.isoformat(), "summary_zh": i.summary_zh,
                    "summary_en": i.summary_en, "points": i.points, "status": i.status,
                }
                for i in rec.items
            ],
        }  # fmt: skip
        console.print_json(json.dumps(data, ensure_ascii=False))
        return
    shown = name or "个人信息已删除 erased"
    table = Table(
        title=f"{escape(shown)}（{person}）终身责任 lifetime record",
        caption=f"潜绩记功 credit {rec.credit:g} · 问责扣分 deduction {rec.deduction:g}"
        "（容错免责不计 exempted outcomes excluded）",
    )
    for col in ("日期 when", "类别 kind", "编号 code", "单位 unit", "角色 role", "内容", "分值"):
        table.add_column(col, overflow="fold")
    for i in rec.items:
        table.add_row(
            i.when.isoformat(), i.kind, i.code, i.unit_id, i.role, escape(i.summary_zh),
            f"{i.points:+g}" if i.kind == "outcome" else "",
        )  # fmt: skip
    console.print(table)


@app.command()
@friendly
def dossier(
    unit: Annotated[str, typer.Argument(help="单位 unit id")],
    by: By,
    post: Annotated[str, typer.Option(help="职务 post: party_secretary | government_head")] = (
        "party_secretary"
    ),
    outgoing: Annotated[str | None, typer.Option(help="离任任职编号 outgoing tenure code")] = None,
    out: Annotated[Path, typer.Option(help="输出目录 output directory")] = Path("."),
    db: Db = None,
) -> None:
    """离任交接清单 Generate the handover dossier (HTML + PDF) and commit its hash."""
    from zhengji.accountability.service import generate_dossier
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        res = generate_dossier(s, unit, post, by, outgoing=outgoing)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"dossier-{unit}-{post}-{res.id}"
    html, pdf = out / f"{stem}.html", out / f"{stem}.pdf"
    html.write_text(res.html, encoding="utf-8")
    pdf.write_bytes(res.pdf)
    console.print(
        f"交接清单 dossier #{res.id}: {html}, {pdf}\n"
        f"账本条目 ledger entry {res.ledger_index} · PDF SHA-256 {res.pdf_sha256}"
    )


# --- fault tolerance ------------------------------------------------------------------------------
@case_app.command("open")
@friendly
def case_open(
    code: Annotated[str, typer.Argument(help="案件编号 case code")],
    outcome: Annotated[str, typer.Option(help="结果编号 the bad outcome")],
    person: Annotated[str, typer.Option(help="当事人 person id")],
    failure: Annotated[str, typer.Option(help="失误情况 what went wrong")],
    by: By,
    facts: Annotated[
        str,
        typer.Option(
            help="认定的情形 established criteria, comma-separated: exploratory, "
            "knowing_violation, prior_prohibition, defied_prohibition, public_interest, "
            "private_gain, due_process, unforeseeable_change, remedied"
        ),
    ] = "",
    opened_on: Annotated[str | None, typer.Option(help="立案日期 date (YYYY-MM-DD)")] = None,
    db: Db = None,
) -> None:
    """立案并给出建议 Open a case; the system proposes exempt / mitigate / not eligible."""
    from zhengji.accountability.service import open_case
    from zhengji.accountability.tolerance import PROPOSALS, Criteria
    from zhengji.errors import DataError
    from zhengji.store import Store

    names = [f.strip() for f in facts.split(",") if f.strip()]
    try:
        criteria = Criteria.from_mapping(dict.fromkeys(names, True))
    except ValueError as exc:
        raise DataError(f"情形无效 invalid --facts: {exc}") from None
    day = dt.date.fromisoformat(opened_on) if opened_on else dt.date.today()
    with Store.open(db) as st, st.transaction() as s:
        prop = open_case(s, code, outcome, person, failure, criteria, day, by)
    zh, en = PROPOSALS[prop.decision]
    console.print(f"系统建议 proposal: [bold]{zh} {en}[/]")
    for r in prop.reasons:
        console.print(f"  · {escape(r.zh)} — {escape(r.en)} [dim]({escape(r.source)})[/]")


@case_app.command("rule")
@friendly
def case_rule(
    code: Annotated[str, typer.Argument(help="案件编号 case code")],
    ruling: Annotated[str, typer.Option(help="裁定 exempt | mitigate | not_eligible")],
    reviewer: Annotated[str, typer.Option(help="裁定人 reviewer")],
    reason: Annotated[str, typer.Option(help="理由 reason")],
    correction_reason: Annotated[
        str, typer.Option(help="改判理由 reason for changing an earlier ruling")
    ] = "",
    ruled_on: Annotated[str | None, typer.Option(help="裁定日期 date (YYYY-MM-DD)")] = None,
    db: Db = None,
) -> None:
    """裁定 Record the reviewer's ruling (a later ruling is a correction with a reason)."""
    from zhengji.accountability.service import rule_case
    from zhengji.store import Store

    day = dt.date.fromisoformat(ruled_on) if ruled_on else dt.date.today()
    with Store.open(db) as st, st.transaction() as s:
        res = rule_case(s, code, ruling, reviewer, reason, day, correction_reason=correction_reason)
    console.print(f"已记录 recorded ({res.status}), 账本条目 ledger entry {res.ledger_index}")


@case_app.command("show")
@friendly
def case_show(
    code: Annotated[str, typer.Argument(help="案件编号 case code")], db: Db = None
) -> None:
    """查看案件 A case: criteria, the system's proposal and reasons, the ruling."""
    from zhengji.accountability.service import load_records
    from zhengji.accountability.tolerance import CRITERIA, PROPOSALS, propose
    from zhengji.errors import StoreError
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        r = load_records(s)
    case = next((c for c in r.cases if c.code == code), None)
    if case is None:
        raise StoreError(f"没有案件 '{code}' no such case")
    console.print(f"[bold]{escape(case.code)}[/] {escape(case.failure)}")
    console.print(f"结果 outcome {case.outcome_code} · 当事人 person {case.person_id}")
    for key, value in case.criteria.as_dict().items():
        console.print(f"  {'☑' if value else '☐'} {CRITERIA[key][0]} {CRITERIA[key][1]}")
    console.print(f"系统建议 proposal: {' '.join(PROPOSALS[case.proposal])}")
    for reason in propose(case.criteria).reasons:
        console.print(f"  · {escape(reason.zh)} — {escape(reason.en)}")
    ruling = next((x for x in r.rulings if x.case_code == code), None)
    if ruling is None:
        console.print("裁定 ruling: 待裁定 pending")
    else:
        console.print(
            f"裁定 ruling: {' '.join(PROPOSALS[ruling.ruling])} — {escape(ruling.reviewer)}, "
            f"{ruling.ruled_on}: {escape(ruling.reason)}"
        )


# --- people ---------------------------------------------------------------------------------------
@person_app.command("erase")
@friendly
def person_erase(
    person: Annotated[str, typer.Argument(help="人员编号 person id")],
    by: By,
    reason: Annotated[str, typer.Option(help="依据 legal basis, e.g. 个人信息保护法第47条")],
    db: Db = None,
) -> None:
    """删除个人信息 Erase a person's name; records keep the id and the ledger still verifies."""
    from zhengji.accountability.service import erase_person
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        index = erase_person(s, person, by, reason)
    console.print(f"已删除 erased; 账本条目 ledger entry {index}")
