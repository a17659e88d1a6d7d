"""Commands of cadre assessment (干部考核) and warning education (警示教育).

zhengji cadres assess BUNDLE --kind annual|term|special|routine --period … --by …
zhengji cadres explain PERSON        zhengji cadres verify [BATCH]
zhengji cadres lists [--batch N]     zhengji cadres decide PERSON --list … --decision …
zhengji cadres feedback PERSON --out sheet.pdf
zhengji cases build|search|digest|disclose|public
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from zhengji.commands import console, friendly

__all__ = ["app"]

app = typer.Typer()
cadres_app = typer.Typer(help="干部考核 Cadre assessment: grades, explanations, lists, decisions.")
cases_app = typer.Typer(
    help="警示教育 Warning-education case library: build, search, digest, disclose."
)
for _sub, _name in ((cadres_app, "cadres"), (cases_app, "cases")):
    _sub.info.no_args_is_help = True
    app.add_typer(_sub, name=_name)

Db = Annotated[str | None, typer.Option(help="数据库 database URL (ZHENGJI_DATABASE_URL)")]
AsJson = Annotated[bool, typer.Option("--json", help="输出 JSON print JSON")]
Batch = Annotated[int | None, typer.Option(help="批次 batch id (default: the latest)")]


@cadres_app.command("assess")
@friendly
def assess(
    bundle: Annotated[
        Path, typer.Argument(help="目录 directory with evaluations.csv (and cadres.toml)")
    ],
    by: Annotated[str, typer.Option("--by", help="经办人 who runs it")],
    kind: Annotated[
        str, typer.Option(help="年度 annual | 任期 term | 专项 special | 平时 routine")
    ] = "annual",
    period: Annotated[
        str,
        typer.Option(
            help="年度 year / 任期编号 tenure code / 专项编号 programme / 季度 quarter (2025-Q3)"
        ),
    ] = "",
    projects: Annotated[str, typer.Option(help="专项项目 project codes, comma-separated")] = "",
    as_of: Annotated[str | None, typer.Option(help="截至日期 as-of date (YYYY-MM-DD)")] = None,
    db: Db = None,
) -> None:
    """考核 Assess people (evaluations imported first, in the same transaction)."""
    from zhengji.cadres import evaluations, service
    from zhengji.store import Store

    bundle = Path(bundle)
    cfg_path = bundle / "cadres.toml"
    cfg_text = cfg_path.read_text("utf-8") if cfg_path.exists() else ""
    day = dt.date.fromisoformat(as_of) if as_of else None
    codes = [c.strip() for c in projects.split(",") if c.strip()]
    with Store.open(db) as st, st.transaction() as s:
        n = 0
        if (bundle / "evaluations.csv").exists():
            n = evaluations.import_evaluations(s, bundle / "evaluations.csv", by)
        bid = service.assess(s, kind, period, by, config_toml=cfg_text, as_of=day, projects=codes)
        _, rows = service.results(s, bid)
        grades: dict[str, int] = {}
        for r in rows:
            grades[r.grade] = grades.get(r.grade, 0) + 1
    console.print(f"评价 {n} 行 evaluations imported; 批次 batch {bid}: {len(rows)} 人 people")
    console.print("  ".join(f"{g} {k}" for g, k in sorted(grades.items())))


@cadres_app.command("explain")
@friendly
def explain(
    person: Annotated[str, typer.Argument(help="人员编号 person id")],
    batch: Batch = None,
    as_json: AsJson = False,
    db: Db = None,
) -> None:
    """说明 A person's grade and every reason (units, outcomes, deductions, exemptions, vetoes)."""
    from zhengji.cadres import service
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        b, r = service.latest_result(s, person, batch)
        data = {"batch_id": b.id, "kind": b.kind, "label": r.inputs["label"], "result": r.result,
                "inputs_fingerprint": r.inputs_fingerprint}  # fmt: skip
    if as_json:
        console.print_json(json.dumps(data, ensure_ascii=False))
        return
    res = r.result
    console.print(
        f"[bold]{person}[/] {service.KINDS[b.kind][0]} {r.inputs['label']}: "
        f"{res['grade']} ({res['score']})"
    )
    for line in res["lines"]:
        console.print(f"  · {escape(line['zh'])}")


@cadres_app.command("verify")
@friendly
def verify(
    batch: Annotated[int | None, typer.Argument(help="批次 batch id")] = None, db: Db = None
) -> None:
    """复核 Recompute a batch from its stored inputs; report people whose inputs moved since."""
    from zhengji.cadres import service
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        v = service.verify_batch(s, batch)
    console.print(f"批次 batch {v.batch_id}: 重算一致 recomputes exactly")
    if v.changed:
        console.print(f"[yellow]输入已变 inputs changed since for: {', '.join(v.changed)}[/]")


@cadres_app.command("lists")
@friendly
def lists(batch: Batch = None, as_json: AsJson = False, db: Db = None) -> None:
    """名单 Commendation, reserve, remind, adjust, accountable — each with evidence."""
    from zhengji.cadres.lists import LISTS, lists_for
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        bid, entries = lists_for(s, batch)
    if as_json:
        console.print_json(json.dumps({"batch_id": bid, "entries": entries}, ensure_ascii=False))
        return
    table = Table(
        title=f"批次 batch {bid} 结果运用名单 lists", caption=f"{len(entries)} 项 entries"
    )
    for col in ("名单 list", "人员 person", "理由 reason"):
        table.add_column(col, overflow="fold")
    for e in entries:
        table.add_row(LISTS[e["list"]][0], e["person_id"], escape(e["reason_zh"]))
    console.print(table)


@cadres_app.command("decide")
@friendly
def decide(
    person: Annotated[str, typer.Argument(help="人员编号 person id")],
    list_kind: Annotated[
        str, typer.Option("--list", help="commend|reserve|remind|adjust|accountable")
    ],
    decision: Annotated[str, typer.Option(help="accept | reject | defer")],
    reviewer: Annotated[str, typer.Option(help="审核人 reviewer")],
    reason: Annotated[str, typer.Option(help="理由 reason")],
    batch: Batch = None,
    db: Db = None,
) -> None:
    """决定 Record a reviewer's decision (append-only, committed to the ledger)."""
    from zhengji.cadres.lists import decide as do
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        row = do(s, person, list_kind, decision, reason, reviewer, batch)
        idx = row.ledger_index
    console.print(f"已记录 recorded; 账本 ledger #{idx}")


@cadres_app.command("feedback")
@friendly
def feedback(
    person: Annotated[str, typer.Argument(help="人员编号 person id")],
    out: Annotated[Path, typer.Option(help="PDF 文件 output file")],
    batch: Batch = None,
    db: Db = None,
) -> None:
    """反馈 A person's printable feedback sheet (PDF, Chinese)."""
    from zhengji.accountability.service import person_names
    from zhengji.cadres import render, service
    from zhengji.demo import SYNTHETIC_LABEL
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        b, r = service.latest_result(s, person, batch)
        name = person_names(s).get(person) or person
        label = SYNTHETIC_LABEL if service.is_synthetic(s) else ""
        html = render.feedback_html(
            name, person, service.KINDS[b.kind][0], r.inputs["label"], r.result, label
        )
    out.write_bytes(render.to_pdf(html))
    console.print(f"已写出 wrote {out}")


def _views(public: bool, db: str | None) -> tuple[list[dict[str, Any]], str]:
    """The cases as shown (digest or public policy), and the synthetic label if demo data."""
    from zhengji.accountability.service import person_names
    from zhengji.cadres import cases
    from zhengji.cadres.config import parse_config
    from zhengji.cadres.service import is_synthetic
    from zhengji.demo import SYNTHETIC_LABEL
    from zhengji.store import Store
    from zhengji.store.schema import UnitRecord

    cfg = parse_config("")
    with Store.open(db) as st, st.transaction() as s:
        units = {u.id: u.name for u in s.query(UnitRecord)}
        names = person_names(s)
        rows = cases.public_list(s) if public else cases.cases(s)
        views = [dict(cases.case_view(c, cfg, units, names, public)) for c in rows]
        return views, SYNTHETIC_LABEL if is_synthetic(s) else ""


@cases_app.command("build")
@friendly
def cases_build(by: Annotated[str, typer.Option("--by", help="经办人")], db: Db = None) -> None:
    """建库 Add new cases from findings, vanity projects, decisions and fault-tolerance rulings."""
    from zhengji.cadres import cases
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        added = [(c.code, c.tags) for c in cases.build_library(s, by)]
    for code, tags in added:
        console.print(f"{code} {'、'.join(tags)}")
    console.print(f"新增 {len(added)} 个案例 cases added")


@cases_app.command("search")
@friendly
def cases_search(
    query: Annotated[str, typer.Argument(help="关键词 words")] = "",
    tag: Annotated[str, typer.Option(help="标签 tag, e.g. 形象工程")] = "",
    as_json: AsJson = False,
    db: Db = None,
) -> None:
    """检索 Search the library (digest anonymisation applied)."""
    from zhengji.cadres.cases import search

    found = search(_views(False, db)[0], query, tag)
    if as_json:
        console.print_json(json.dumps(found, ensure_ascii=False))
        return
    for v in found:
        console.print(f"[bold]{v['code']}[/] 〔{'、'.join(v['tags'])}〕 {escape(str(v['what']))}")


@cases_app.command("digest")
@friendly
def cases_digest(
    out: Annotated[Path, typer.Option(help="输出 .pdf or .html")],
    tag: Annotated[str, typer.Option(help="标签 tag")] = "",
    db: Db = None,
) -> None:
    """学习汇编 A printable digest for study sessions."""
    from zhengji.cadres import render
    from zhengji.cadres.cases import search

    views, label = _views(False, db)
    html = render.digest_html(
        search(views, "", tag), "警示教育案例汇编 Warning-education digest", label
    )
    out.write_bytes(render.to_pdf(html) if out.suffix == ".pdf" else html.encode("utf-8"))
    console.print(f"已写出 wrote {out}")


@cases_app.command("disclose")
@friendly
def cases_disclose(
    code: Annotated[str, typer.Argument(help="案例编号 case code")],
    reviewer: Annotated[str, typer.Option(help="审核人 reviewer")],
    reason: Annotated[str, typer.Option(help="理由 reason")],
    withdraw: Annotated[bool, typer.Option(help="撤回 take it off the public list")] = False,
    db: Db = None,
) -> None:
    """曝光 Put a case on (or take it off) the public disclosure list."""
    from zhengji.cadres import cases
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        row = cases.disclose(s, code, "withdraw" if withdraw else "disclose", reviewer, reason)
        idx = row.ledger_index
    console.print(f"已记录 recorded; 账本 ledger #{idx}")


@cases_app.command("public")
@friendly
def cases_public(as_json: AsJson = False, db: Db = None) -> None:
    """公开名单 The public disclosure list, public anonymisation policy applied."""
    views, label = _views(True, db)
    if as_json:
        data = {"synthetic": label, "cases": views}
        console.print_json(json.dumps(data, ensure_ascii=False))
        return
    if label:
        console.print(f"[bold yellow]{label}[/]")
    for v in views:
        console.print(
            f"[bold]{v['code']}[/] {v['when']} {v['unit']} 〔{'、'.join(v['tags'])}〕 "
            f"{escape(str(v['what']))}"
        )
