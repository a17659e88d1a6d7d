"""Units: the list a user may see, and one unit's decomposition, sources and history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from zhengji.report.labels import SOURCE_NAMES
from zhengji.report.tabular import unit_detail
from zhengji.web.deps import Ctx, OptId, PathText, require
from zhengji.web.pages import nav, page
from zhengji.web.roles import STAFF
from zhengji.web.routes.analysis import unit_interval
from zhengji.web.routes.overview import choose_run, run_summary
from zhengji.web.services import NotFoundError, units

__all__ = ["router"]

router = APIRouter()
nav("/units", "单位", "Units", STAFF, order=20)


@page(router, "/units", "units.html")
def unit_list(ctx: Annotated[Ctx, require(STAFF)]) -> dict[str, Any]:
    with ctx.store.transaction() as s:
        rows = [u for u in units(s) if ctx.can_see(u.id)]
    return {"units": rows}


@page(router, "/units/{unit_id}", "unit.html", audit="read:unit")
def unit(
    unit_id: PathText, ctx: Annotated[Ctx, require(STAFF)], run: OptId = None
) -> dict[str, Any]:
    """Waterfall of indicator contributions, pillar radar, per-source scores, history."""
    ctx.check_unit(unit_id)
    view = choose_run(ctx, run, unit_id)
    if view is None or unit_id not in view.assessment.unit_ids:
        raise NotFoundError(f"没有该单位的考核结果 no assessment of unit '{unit_id}'")
    a, sch = view.assessment, view.scheme
    u = a.unit(unit_id)
    detail = unit_detail(a, sch, unit_id, top=len(a.indicator_ids), lang=ctx.lang)
    top_pillars = {k.id for k in sch.children(sch.index.id)}
    sources = [
        {
            "source": s,
            "name": SOURCE_NAMES.get(s, (s, s))[1 if ctx.lang == "en" else 0],
            "score": None if arr[u] != arr[u] else float(arr[u]),
        }
        for s, arr in a.by_source.items()
    ]
    trend = ctx.views.trend(view.run.id)
    history = []
    for rec in ctx.store.runs():
        if rec.scheme_id == view.run.scheme_id:
            for row in rec.result.get("units", []):
                if row["unit_id"] == unit_id:
                    history.append(
                        {
                            "run": rec.id,
                            "period": rec.period,
                            "score": row["score"],
                            "rank": row["rank"],
                            "grade": row["grade"],
                            "grade_before_veto": row["grade_before_veto"],
                        }
                    )
    return {
        "run": run_summary(view, ctx.lang),
        "unit": detail,
        "radar": [p for p in detail["pillars"] if p["id"] in top_pillars],
        "sources": sources,
        "visible": None if a.visible[u] != a.visible[u] else float(a.visible[u]),
        "latent": None if a.latent[u] != a.latent[u] else float(a.latent[u]),
        "rank": int(a.rank[u]) or None,
        "n_units": len(a.unit_ids),
        "trend": [{"period": p, "score": s.get(unit_id)} for p, s in trend.items()],
        "history": history,
        "uncertainty": unit_interval(ctx, view.run.id, unit_id),
    }
