"""Review commands of eco: ``zhengji eco signoff | object | rule | pending``.

An award counts only once a second person has signed it off and its public posting has passed
without an open objection (docs/eco.md, "Sign-off, objections and rulings"). These commands let
an office give a late sign-off, record a citizen's objection inside the window, rule on it (an
upheld objection reverses the award as a new entry) and see what is still waiting. Each is one
transaction through :mod:`zhengji.eco.service`, ledgered; on an error nothing is written.
They are registered on the ``zhengji eco`` app of :mod:`zhengji.commands.eco`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from zhengji.commands import console, friendly
from zhengji.commands.eco import app
from zhengji.errors import DataError

__all__ = ["object_cmd", "pending_cmd", "rule_cmd", "signoff_cmd"]

BEIJING = dt.timezone(dt.timedelta(hours=8))
Db = Annotated[str | None, typer.Option(help="数据库 database URL (ZHENGJI_DATABASE_URL)")]
At = Annotated[
    str | None,
    typer.Option(help="时间 when (ISO 8601, Beijing time if no offset; default now)"),
]


def _at(value: str | None) -> dt.datetime | None:
    """``--at``: ISO 8601, a time without offset is Beijing time (as in awards.csv)."""
    if not value:
        return None
    try:
        t = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise DataError(
            f"时间格式不对 --at '{value}' is not ISO 8601: write e.g. 2025-03-01T10:00 "
            "(Beijing time) or 2025-03-01T02:00Z"
        ) from None
    return t.replace(tzinfo=BEIJING) if t.tzinfo is None else t


def _bj(t: dt.datetime) -> str:
    return f"{t.astimezone(BEIJING):%Y-%m-%d %H:%M}"


@app.command("signoff")
@friendly
def signoff_cmd(
    entry: Annotated[int, typer.Argument(help="分录号 award entry id")],
    by: Annotated[str, typer.Option(help="复核人 person id of the reviewer (people.csv)")],
    at: At = None,
    db: Db = None,
) -> None:
    """复核 Second sign-off of an award (never the inspector, the beneficiary or their
    household); ledgered. The award counts once its objection window has passed."""
    from zhengji.eco.service import sign_off
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        leaf = sign_off(s, entry, by, _at(at))
    console.print(f"已复核 signed off #{entry} by {escape(by)} (ledger #{leaf})")


@app.command("object")
@friendly
def object_cmd(
    entry: Annotated[int, typer.Argument(help="分录号 award entry id")],
    by: Annotated[str, typer.Option(help="异议人 who objects (a name or person id)")],
    reason: Annotated[str, typer.Option(help="异议理由 what is objected to")],
    at: At = None,
    db: Db = None,
) -> None:
    """登记异议 Record an objection to an award, only inside its public objection window; the
    award does not count until the objection is ruled on."""
    from zhengji.eco.service import object_to
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        oid = object_to(s, entry, by, reason, _at(at))
    console.print(
        f"已登记异议 objection #{oid} to #{entry} recorded; "
        f"裁决 rule with `zhengji eco rule {oid} --by … --upheld|--rejected --reason …`"
    )


@app.command("rule")
@friendly
def rule_cmd(
    objection: Annotated[int, typer.Argument(help="异议号 objection id")],
    by: Annotated[str, typer.Option(help="裁决人 person id of who rules (people.csv)")],
    upheld: Annotated[
        bool,
        typer.Option(
            "--upheld/--rejected",
            help="异议成立（冲正该记分）或不成立 upheld (reverses the award) or rejected",
        ),
    ],
    reason: Annotated[str, typer.Option(help="裁决理由 reason of the ruling")],
    at: At = None,
    db: Db = None,
) -> None:
    """裁决异议 Rule on an objection: upheld reverses the award (a new entry, nothing is
    deleted), rejected lets it count; ledgered."""
    from zhengji.eco.service import rule_on
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        rev = rule_on(s, objection, upheld, by, reason, _at(at))
    if upheld:
        console.print(f"异议成立 objection #{objection} upheld: 冲正 reversed by entry #{rev}")
    else:
        console.print(f"异议不成立 objection #{objection} rejected: the award counts")


@app.command("pending")
@friendly
def pending_cmd(
    county: Annotated[str | None, typer.Option(help="区县 county id")] = None,
    township: Annotated[str | None, typer.Option(help="乡镇 township id")] = None,
    village: Annotated[str | None, typer.Option(help="村 village id")] = None,
    limit: Annotated[int, typer.Option(min=1, help="每类最多显示 rows shown per list")] = 50,
    db: Db = None,
) -> None:
    """待办 Awards awaiting a second sign-off and objections awaiting a ruling, oldest first,
    with the end of each award's objection window (Beijing time)."""
    from zhengji.eco.views import pending
    from zhengji.store import Store

    given = [u for u in (village, township, county) if u]
    if len(given) > 1:
        raise DataError("只能选一个单位 give one of --county, --township, --village")
    with Store.open(db) as st, st.transaction() as s:
        got = pending(s, dt.datetime.now(dt.UTC), unit=given[0] if given else None, limit=limit)
    t = Table(title=f"待复核 Awaiting sign-off: {got['signoffs_total']}")
    for c in (
        "分录 entry",
        "账户 holder",
        "村 village",
        "项目 item",
        "积分 points",
        "核查人 inspector",
        "记分 awarded",
        "公示截止 window ends",
    ):
        t.add_column(c)
    for r in got["signoffs"]:
        t.add_row(
            f"#{r['entry_id']}",
            escape(r["holder_id"]),
            escape(r["village_id"]),
            escape(r["item"]),
            str(r["points"]),
            escape(r["inspector_id"]),
            _bj(r["awarded_at"]),
            _bj(r["deadline"]) + ("" if r["window_open"] else " ✓"),
        )
    console.print(t)
    o = Table(title=f"待裁决 Open objections: {got['objections_total']}")
    for c in (
        "异议 objection",
        "分录 entry",
        "账户 holder",
        "村 village",
        "项目 item",
        "提出 raised",
        "公示截止 window ends",
        "已等待 days open",
    ):
        o.add_column(c)
    for r in got["objections"]:
        o.add_row(
            f"#{r['objection_id']}",
            f"#{r['entry_id']}",
            escape(r["holder_id"]),
            escape(r["village_id"]),
            escape(r["item"]),
            _bj(r["raised_at"]),
            _bj(r["deadline"]),
            str(r["days_open"]),
        )
    console.print(o)
    shown = max(len(got["signoffs"]), len(got["objections"]))
    if shown < max(got["signoffs_total"], got["objections_total"]):
        console.print(f"仅显示前 {limit} 条 showing the first {limit} of each (--limit)")
    console.print(
        "✓ 公示期已过 window passed: a sign-off now lets the award count at once · "
        "复核 `zhengji eco signoff ENTRY --by PERSON` · 裁决 `zhengji eco rule OBJECTION …`"
    )
