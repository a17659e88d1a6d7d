"""The overview: ranking per category with grades, visible vs latent, trend, vetoes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from zhengji.report import ranking_rows
from zhengji.report.labels import category_name
from zhengji.report.tabular import categories_present, veto_rows
from zhengji.web.deps import Ctx, OptId, SeeOtherError, require
from zhengji.web.pages import nav, page
from zhengji.web.roles import ALL, HOME, STAFF
from zhengji.web.routes.analysis import run_intervals
from zhengji.web.services import NotFoundError, RunView

__all__ = ["choose_run", "router", "run_summary"]

router = APIRouter()
nav("/", "总览", "Overview", STAFF, order=10)


def run_summary(view: RunView, lang: str) -> dict[str, Any]:
    r, sch = view.run, view.scheme
    return {
        "id": r.id,
        "scheme_id": r.scheme_id,
        "scheme_version": r.scheme_version,
        "scheme_name": (sch.name_en or sch.name) if lang == "en" else sch.name,
        "period": r.period,
        "created_at": r.created_at,
        "result_fingerprint": r.result_fingerprint,
        "reproduced": view.reproduced,
        "synthetic": view.assessment.synthetic,
    }


def choose_run(ctx: Ctx, run: int | None, unit_id: str | None = None) -> RunView | None:
    """The run asked for, else the newest run of the first scheme (holding ``unit_id``)."""
    if run is not None:
        return ctx.views.run(run)
    for rec in ctx.views.latest_runs():
        if unit_id is None or unit_id in rec.unit_ids:
            if unit_id is None and ctx.user.scoped and not any(map(ctx.can_see, rec.unit_ids)):
                continue
            return ctx.views.run(rec.id)
    return None


@page(router, "/", "overview.html")
def overview(ctx: Annotated[Ctx, require(ALL)], run: OptId = None) -> dict[str, Any]:
    """Ranking per category; a reporter sees only the rows of their own unit(s).

    The roles outside the office (a cadre, a grid worker…) are sent to their own home page.
    """
    if ctx.user.role not in STAFF:
        raise SeeOtherError(HOME[ctx.user.role])
    runs = [
        {"id": r.id, "scheme_id": r.scheme_id, "period": r.period}
        for r in ctx.views.latest_runs()
        if not ctx.user.scoped or any(map(ctx.can_see, r.unit_ids))
    ]
    view = choose_run(ctx, run)
    if view is None:
        return {"runs": runs, "run": None, "categories": [], "vetoes": [], "trend": None}
    a, sch = view.assessment, view.scheme
    if ctx.user.scoped and not any(map(ctx.can_see, a.unit_ids)):
        raise NotFoundError(f"没有这次考核记录 no assessment run {view.run.id}")
    rows = [r for r in ranking_rows(a, sch, ctx.lang) if ctx.can_see(r["unit_id"])]
    cats = [
        {
            "id": c,
            "name": category_name(sch, c, ctx.lang),
            "rows": [r for r in rows if r["category"] == c],
        }
        for c in categories_present(a, sch)
    ]
    trend = ctx.views.trend(view.run.id)
    names = dict(zip(a.unit_ids, a.unit_names, strict=True))
    periods = list(trend)
    series = [
        {"unit_id": u, "name": names[u], "scores": [trend[p].get(u) for p in periods]}
        for u in a.unit_ids
        if ctx.can_see(u)
    ]
    return {
        "runs": runs,
        "run": run_summary(view, ctx.lang),
        "categories": [c for c in cats if c["rows"]],
        "vetoes": [v for v in veto_rows(a, sch) if ctx.can_see(v["unit_id"])],
        "trend": {"periods": periods, "series": series},
        "uncertainty": run_intervals(ctx, view.run.id),
    }
