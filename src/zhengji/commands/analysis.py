"""Commands of the evaluate–feedback–optimise loop (评估-反馈-优化): uncertainty, sensitivity,
diagnose, and ``scheme diff`` (registered on ``zhengji scheme`` by ``zhengji.cli``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from zhengji.commands import console, err_console, friendly

__all__ = ["app", "scheme_diff"]

app = typer.Typer()

BundleArg = Annotated[Path, typer.Argument(help="数据包 bundle: directory or .xlsx workbook")]
OutOpt = Annotated[
    Path | None, typer.Option("--out", help="输出文件 output file: .json, .html or .xlsx")
]
PeriodOpt = Annotated[str | None, typer.Option(help="考核期 period (default: latest)")]


def _bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )


def _load(bundle: Path) -> Any:
    from zhengji.bundle import load_bundle

    return load_bundle(bundle)


def _label(synthetic: bool) -> None:
    if synthetic:
        from zhengji.demo import SYNTHETIC_LABEL

        console.print(f"[bold yellow]{SYNTHETIC_LABEL}[/]")


def _f(x: Any, digits: int = 1) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


@app.command()
@friendly
def uncertainty(
    bundle: BundleArg,
    out: OutOpt = None,
    replications: Annotated[
        int | None, typer.Option(help="模拟次数 replications (default: [uncertainty])")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="随机种子 seed (default: [uncertainty])")] = None,
    period: PeriodOpt = None,
    store: Annotated[
        bool,
        typer.Option(
            "--store", help="保存 import the bundle, record its run and store the analysis of it"
        ),
    ] = False,
    db: Annotated[str | None, typer.Option(help="数据库 database URL (with --store)")] = None,
    actor: Annotated[
        str | None, typer.Option(help="操作人 who ran it (with --store; default: OS user)")
    ] = None,
) -> None:
    """排名不确定性 Monte Carlo over method choices: rank intervals, grade odds, ties."""
    from zhengji.engine.uncertainty import run_uncertainty
    from zhengji.report.analysis import uncertainty_json, write_analysis

    b = _load(bundle)
    with _bar() as bar:
        task = bar.add_task(
            "模拟 replications", total=replications or b.scheme.uncertainty.replications
        )
        res = run_uncertainty(
            b.scheme,
            b.panel,
            period=period,
            replications=replications,
            seed=seed,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    data = uncertainty_json(res)
    _label(res.synthetic)
    table = Table(
        title=f"排名区间 rank intervals · {res.period} · {res.replications} 次 replications",
        caption="因素 factors: " + ", ".join(f["label"] for f in data["factors"]),
    )
    for col in (
        "名义 rank",
        "单位 unit",
        "得分 score",
        "中位 median",
        "5–95 %",
        *[f"P({g})" for g in data["grades"]],
    ):
        table.add_column(col)
    for x in data["units"]:
        table.add_row(
            str(x["nominal_rank"] or "—"),
            x["name"],
            _f(x["nominal_score"]),
            _f(x["median_rank"]),
            f"{_f(x['rank_low'])}–{_f(x['rank_high'])}",
            *[f"{(x['grade_prob'][g] or 0):.0%}" for g in data["grades"]],
        )
    console.print(table)
    console.print(escape(data["sentence_zh"]), highlight=False)
    if out is not None:
        console.print(f"已写出 written: {write_analysis(out, b.scheme, uncertainty=data)}")
    if store:
        _store_uncertainty(bundle, res.period, res.replications, res.seed, db, actor)


def _store_uncertainty(
    bundle: Path, period: str, replications: int, seed: int, db: str | None, actor: str | None
) -> None:
    """Record the bundle's run in the store and keep the analysis of that run (same spec)."""
    import getpass

    from zhengji.analysis_store import store_uncertainty
    from zhengji.pipeline import run_bundle
    from zhengji.store import Store

    rr = run_bundle(bundle, period=period, db_url=db)
    assert rr.run_id is not None  # run_bundle stores by default
    who = actor or f"cli:{getpass.getuser()}"
    with Store.open(db) as st, st.transaction() as s:
        a = store_uncertainty(s, rr.run_id, who, replications=replications, seed=seed)
    console.print(f"已保存 stored: analysis #{a.id} of run {rr.run_id}")


@app.command()
@friendly
def sensitivity(
    bundle: BundleArg,
    out: OutOpt = None,
    samples: Annotated[
        int | None, typer.Option(help="Sobol 基础样本数 base samples N (runs = N·(d+2))")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="随机种子 seed")] = None,
    period: PeriodOpt = None,
) -> None:
    """敏感性分析 Sobol first-order and total indices of each choice; remove one pillar."""
    from zhengji.engine.sensitivity import run_sensitivity
    from zhengji.report.analysis import sensitivity_json, write_analysis

    b = _load(bundle)
    with _bar() as bar:
        task = bar.add_task("重建 runs", total=None)
        res = run_sensitivity(
            b.scheme,
            b.panel,
            period=period,
            samples=samples,
            seed=seed,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    data = sensitivity_json(res)
    _label(res.synthetic)
    table = Table(
        title=f"敏感性 Sobol indices of mean |Δrank| · {res.runs} 次 runs",
        caption="S1 一阶 first order (Saltelli 2010), ST 总效应 total (Jansen 1999), "
        "± bootstrap 95 %",
    )
    for col in ("因素 factor", "S1", "±", "ST", "±"):
        table.add_column(col)
    r = data["rank_shift"]
    for k, f in enumerate(data["factors"]):
        table.add_row(
            f["label"],
            _f(r["S1"][k], 3),
            _f(r["S1_conf"][k], 3),
            _f(r["ST"][k], 3),
            _f(r["ST_conf"][k], 3),
        )
    console.print(table)
    rm = Table(title="剔除一个维度 remove one pillar (weight 0)")
    for col in ("维度 pillar", "平均排名变化 mean |Δrank|", "最大 max"):
        rm.add_column(col)
    for x in data["remove_one"]:
        rm.add_row(x["pillar"], _f(x["mean_abs_rank_change"], 2), str(x["max_abs_rank_change"]))
    console.print(rm)
    if out is not None:
        console.print(f"已写出 written: {write_analysis(out, b.scheme, sensitivity=data)}")


@app.command()
@friendly
def diagnose(bundle: BundleArg, out: OutOpt = None, period: PeriodOpt = None) -> None:
    """方案诊断 Effective vs nominal weights, redundancy, gaming signs."""
    from zhengji.engine.diagnostics import diagnose as run_diagnose
    from zhengji.report.analysis import diagnostics_json, write_analysis

    b = _load(bundle)
    data = diagnostics_json(run_diagnose(b.scheme, b.panel, period))
    _label(data["synthetic"])
    table = Table(title="有效权重 effective vs nominal weights (main effect on the index)")
    for col in ("编号 id", "名义 nominal", "主效应 S_i", "占比 share", "等影响建议 suggested"):
        table.add_column(col)
    for e in data["effective_weights"]:
        if e["level"] == "pillar":
            table.add_row(
                e["id"],
                _f(e["nominal"], 3),
                _f(e["main_effect"], 3),
                _f(e["share"], 3),
                _f(e["suggested"], 3),
            )
    console.print(table)
    red = Table(title="冗余 redundancy")
    for col in ("维度 pillar", "Cronbach α", "PC1", "提示 flags"):
        red.add_column(col)
    for p in data["pillars"]:
        fl = [f"{f['a']}~{f['b']} {f['r']:.2f}" for f in data["flags"] if f["a"] in p["indicators"]]
        red.add_row(
            p["pillar"],
            _f(p["cronbach_alpha"], 2),
            _f(p["first_component_share"], 2),
            "; ".join(fl),
        )
    console.print(red)
    for g in data["gaming"]:
        console.print(f"[yellow]博弈迹象 gaming sign[/] {escape(g['summary_zh'])}", highlight=False)
    if out is not None:
        console.print(f"已写出 written: {write_analysis(out, b.scheme, diagnostics=data)}")


def _scheme_file(path: Path) -> Path:
    return path / "scheme.toml" if path.is_dir() else path


@friendly
def scheme_diff(
    a: Annotated[Path, typer.Argument(help="旧方案 scheme A (TOML or bundle directory)")],
    b: Annotated[Path, typer.Argument(help="新方案 scheme B (TOML or bundle directory)")],
    bundle: Annotated[
        Path | None, typer.Option(help="数据包 assess both on this bundle's data")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="输出 JSON output file")] = None,
    period: PeriodOpt = None,
) -> None:
    """方案版本比较 What changed from A to B; with --bundle, the effect on ranks and grades."""
    import json

    from zhengji.report.analysis import diff_json
    from zhengji.scheme import load_scheme
    from zhengji.scheme.diff import diff_schemes, impact

    sa, sb = load_scheme(_scheme_file(a)), load_scheme(_scheme_file(b))
    d = diff_schemes(sa, sb)
    table = Table(title=f"方案差异 {d.a} → {d.b}")
    for col in ("类型 kind", "位置 path", "原 old", "新 new"):
        table.add_column(col, overflow="fold")
    for c in d.all():
        table.add_row(c.kind, c.path, _short(c.old), _short(c.new))
    console.print(table if not d.empty else "两个版本相同 the two versions are the same")
    imp = None
    if bundle is not None:
        data = _load(bundle)
        imp = impact(sa, sb, data.panel, period)
        t2 = Table(title="对排名和等次的影响 effect on ranks and grades (same data)")
        for col in (
            "单位 unit",
            "得分 A",
            "得分 B",
            "排名 A",
            "排名 B",
            "变化 Δ",
            "等次 A",
            "等次 B",
        ):
            t2.add_column(col)
        for i in imp:
            t2.add_row(
                i.unit_name,
                _f(i.score_a),
                _f(i.score_b),
                str(i.rank_a or "—"),
                str(i.rank_b or "—"),
                f"{i.rank_change:+d}",
                i.grade_a,
                i.grade_b,
            )
        console.print(t2)
    if out is not None:
        out.write_text(
            json.dumps(diff_json(d, imp), ensure_ascii=False, indent=1), encoding="utf-8"
        )
        console.print(f"已写出 written: {out}")


def _short(x: Any) -> str:
    s = "—" if x is None else str(x)
    return s if len(s) <= 80 else s[:77] + "…"
