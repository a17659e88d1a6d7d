"""Commands of grid: ``zhengji grid …`` — structure import and tree, visits, disputes,
indicators (一中心一张网十联户, 矛盾纠纷排查化解)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from zhengji.commands import console, friendly

__all__ = ["app"]

app = typer.Typer()
grid_app = typer.Typer(
    help="基层治理 Grassroots governance: grids, ten-household groups, disputes, indicators.",
    no_args_is_help=True,
)
dispute_app = typer.Typer(
    help="矛盾纠纷 Dispute mediation: register, steps, show.", no_args_is_help=True
)
app.add_typer(grid_app, name="grid")
grid_app.add_typer(dispute_app, name="dispute")

Db = Annotated[str | None, typer.Option(help="数据库 database URL (ZHENGJI_DATABASE_URL)")]
Actor = Annotated[str, typer.Option("--actor", help="经办人 person id of who acts")]
At = Annotated[str | None, typer.Option(help="时间 when (ISO 8601; default now)")]


def _at(value: str | None) -> dt.datetime:
    if not value:
        return dt.datetime.now(dt.UTC)
    t = dt.datetime.fromisoformat(value)
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))


@grid_app.command("import")
@friendly
def import_(
    path: Annotated[Path, typer.Argument(help="目录 CSV directory or .xlsx workbook")],
    db: Db = None,
) -> None:
    """导入 Import villages, grids, groups, households and people; all or nothing."""
    from zhengji.grid.importer import read_structure
    from zhengji.grid.roster import store_structure
    from zhengji.store import Store

    structure = read_structure(path)
    with Store.open(db) as st, st.transaction() as s:
        n = store_structure(s, structure)
    console.print(
        f"已导入 imported: 村/社区 villages {n.villages}, 网格 grids {n.grids}, "
        f"联户组 groups {n.groups}, 户 households {n.households}, 人员 people {n.people}, "
        f"角色 roles {n.roles}"
    )


@grid_app.command("tree")
@friendly
def tree(
    township: Annotated[str | None, typer.Option(help="乡镇 only this township")] = None,
    db: Db = None,
) -> None:
    """网格树 The grid tree: villages → grids → groups (households), with grid workers."""
    from sqlalchemy import func, select

    from zhengji.store import Store
    from zhengji.store.schema_grid import (
        GridGroupRow,
        GridHouseholdRow,
        GridRoleRow,
        GridRow,
        GridVillageRow,
    )

    with Store.open(db) as st, st.transaction() as s:
        vq = select(GridVillageRow).order_by(GridVillageRow.township_id, GridVillageRow.id)
        if township:
            vq = vq.where(GridVillageRow.township_id == township)
        villages = list(s.scalars(vq))
        grids = list(s.scalars(select(GridRow).order_by(GridRow.id)))
        groups = list(s.scalars(select(GridGroupRow).order_by(GridGroupRow.id)))
        sizes = dict(
            s.execute(
                select(GridHouseholdRow.group_id, func.count()).group_by(GridHouseholdRow.group_id)
            ).all()
        )
        workers: dict[str, list[str]] = {}
        for pid, unit in s.execute(
            select(GridRoleRow.person_id, GridRoleRow.unit_id).where(
                GridRoleRow.role == "grid_worker"
            )
        ):
            workers.setdefault(unit, []).append(pid)
    root = Tree("一中心一张网十联户 grid tree")
    for v in villages:
        vn = root.add(f"{escape(v.name)} [{v.id}] ({v.township_id})")
        for g in (g for g in grids if g.village_id == v.id):
            w = ", ".join(workers.get(g.id, [])) or "—"
            gn = vn.add(f"{escape(g.name)} [{g.id}] 网格员 worker: {escape(w)}")
            for k in (k for k in groups if k.grid_id == g.id):
                gn.add(
                    f"{escape(k.name)} [{k.id}] {sizes.get(k.id, 0)} 户, "
                    f"联户长 lead {k.lead_household_id}"
                )
    console.print(root)


@grid_app.command("visit")
@friendly
def visit(
    grid: Annotated[str, typer.Option(help="网格 grid id")],
    actor: Actor,
    kind: Annotated[str, typer.Option(help="visit (走访) | hazard (排查)")] = "visit",
    household: Annotated[str | None, typer.Option(help="户 household id")] = None,
    service: Annotated[
        str | None, typer.Option(help="发现问题的服务类别 issue service code")
    ] = None,
    description: Annotated[str | None, typer.Option(help="问题描述 issue description")] = None,
    at: At = None,
    db: Db = None,
) -> None:
    """走访/排查 Record a visit; an issue found becomes a citizen request at the grid."""
    from zhengji.grid.visits import Issue, Visit, record_visits
    from zhengji.store import Store
    from zhengji.voice.limits import load_limits
    from zhengji.voice.units import load_units

    issue = Issue(service, description or "") if service else None
    v = Visit(grid, actor, kind, _at(at), household, issue)
    with Store.open(db) as st, st.transaction() as s:
        (rid,) = record_visits(s, [v], load_units(s), load_limits())
    msg = "已记录 visit recorded"
    console.print(msg + (f"; 诉求 request #{rid}" if rid is not None else ""))


@dispute_app.command("register")
@friendly
def dispute_register(
    grid: Annotated[str, typer.Option(help="网格 grid id")],
    kind: Annotated[str, typer.Option(help="类型 neighbourhood|land|family|labour|…")],
    risk: Annotated[str, typer.Option(help="风险 low|medium|high|major")],
    party: Annotated[list[str], typer.Option(help="当事人 party name (repeat)")],
    actor: Actor,
    summary: Annotated[str, typer.Option(help="简要情况 summary")] = "",
    source: Annotated[str, typer.Option(help="来源 grid|citizen|referral")] = "grid",
    at: At = None,
    db: Db = None,
) -> None:
    """登记 Register a dispute (high risk: reported to the township centre at once)."""
    from zhengji.grid.deadlines import load_deadlines
    from zhengji.grid.disputes import Party, register
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        did = register(
            s, load_deadlines(), grid_id=grid, kind=kind, risk=risk, summary=summary,
            parties_=[Party(p) for p in party], by=actor, at=_at(at), source=source,
        )  # fmt: skip
    console.print(f"已登记 registered dispute #{did}")


@dispute_app.command("act")
@friendly
def dispute_act(
    dispute: Annotated[int, typer.Argument(help="纠纷编号 dispute id")],
    action: Annotated[
        str, typer.Argument(help="assign|session|agree|refer|escalate|follow_up|close|petition")
    ],
    actor: Actor,
    mediator: Annotated[str | None, typer.Option(help="调解员 mediator (assign)")] = None,
    outcome: Annotated[str | None, typer.Option(help="court|arbitration (refer)")] = None,
    note: Annotated[str | None, typer.Option(help="备注 note")] = None,
    at: At = None,
    db: Db = None,
) -> None:
    """一步 One mediation step by ``--actor`` (checked: who may do what)."""
    from zhengji.grid.disputes import act
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        case = act(
            s, dispute, action, actor=actor, at=_at(at), mediator_id=mediator,
            outcome=outcome, note=note,
        )  # fmt: skip
    console.print(f"纠纷 #{dispute}: {case.state} ({case.level})")


@dispute_app.command("show")
@friendly
def dispute_show(
    dispute: Annotated[int, typer.Argument(help="纠纷编号 dispute id")],
    viewer: Annotated[str, typer.Option("--as", help="查看人 person id of the viewer")],
    db: Db = None,
) -> None:
    """查看 A dispute's course; parties only for the handling mediator and the centre."""
    from zhengji.grid.disputes import case_view
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        v = case_view(s, dispute, viewer)
    console.print(
        f"纠纷 #{v.id} [{v.grid_id}] {v.kind} 风险 risk {v.risk}: {v.case.state} ({v.case.level}), "
        f"期限 due {v.due_at:%Y-%m-%d}"
    )
    t = Table("操作 action", "状态 state", "经办 actor", "时间 at")
    for a, state, who, when in v.events:
        t.add_row(a, state, escape(who), f"{when:%Y-%m-%d %H:%M}")
    console.print(t)
    if v.parties is None:
        console.print("当事人信息不可见 parties hidden (handling mediator and centre only)")
    else:
        for p in v.parties:
            console.print(f"当事人 party: {escape(p.name)} {escape(p.phone or '')}")


@dispute_app.command("overdue")
@friendly
def dispute_overdue(at: At = None, db: Db = None) -> None:
    """超期上报 Escalate village cases past their deadline to the township centre."""
    from zhengji.grid.disputes import escalate_overdue
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        ids = escalate_overdue(s, _at(at))
    console.print(f"已上报 escalated {len(ids)}: {', '.join(map(str, ids)) or '—'}")


@grid_app.command("indicators")
@friendly
def indicators(
    period: Annotated[str, typer.Option(help="期间 YYYY | YYYY-Qn | YYYY-MM")],
    out: Annotated[Path | None, typer.Option(help="写出 observations.csv (source derived)")] = None,
    db: Db = None,
) -> None:
    """指标 Grassroots indicators per grid, village, township and county (source derived)."""
    from zhengji.grid.facts import indicator_rows
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        rows = indicator_rows(s, period)
    if out is not None:
        with out.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["unit_id", "period", "indicator_id", "value", "source"])
            for r in rows:
                w.writerow([r.unit_id, r.period, r.indicator_id, repr(r.value), r.source])
        console.print(f"已写出 wrote {len(rows)} rows to {out}")
        return
    t = Table("单位 unit", "指标 indicator", "值 value")
    for r in rows:
        t.add_row(r.unit_id, r.indicator_id, f"{r.value:.2f}")
    console.print(t)


@grid_app.command("hours")
@friendly
def hours(
    person: Annotated[str, typer.Option(help="志愿者 volunteer person id")],
    grid: Annotated[str, typer.Option(help="网格 grid id")],
    day: Annotated[str, typer.Option(help="日期 YYYY-MM-DD")],
    amount: Annotated[float, typer.Option("--hours", help="时长 hours (0–24]")],
    activity: Annotated[str, typer.Option(help="活动 eco_patrol|tree_planting|community|…")],
    by: Annotated[str, typer.Option(help="经办人 who records this")],
    photo: Annotated[str | None, typer.Option(help="签到照片 check-in photo reference")] = None,
    lat: Annotated[float | None, typer.Option(help="纬度 latitude")] = None,
    lon: Annotated[float | None, typer.Option(help="经度 longitude")] = None,
    db: Db = None,
) -> None:
    """志愿服务 Record a volunteer's service hours."""
    from zhengji.grid.volunteers import Hours, record_hours
    from zhengji.store import Store

    h = Hours(person, grid, dt.date.fromisoformat(day), amount, activity, photo, lat, lon)
    with Store.open(db) as st, st.transaction() as s:
        record_hours(s, [h], by)
    console.print(f"已记录 recorded {amount} h")


@grid_app.command("eco-convert")
@friendly
def eco_convert(
    period: Annotated[str, typer.Option(help="积分期间 eco period, e.g. 2025")],
    by: Annotated[str, typer.Option(help="经办人 who records this")],
    per: Annotated[float, typer.Option(help="每次积分所需小时 hours per award")] = 4.0,
    db: Db = None,
) -> None:
    """折算 Convert volunteers' eco hours into public-welfare points (eco rulebook items)."""
    from zhengji.grid.volunteers import EcoRule, convert_to_eco
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        made = convert_to_eco(
            s, EcoRule(hours_per_award=per), period=period, by=by, at=dt.datetime.now(dt.UTC)
        )
    console.print(f"已折算 awards made: {sum(made.values())} for {len(made)} volunteers")
