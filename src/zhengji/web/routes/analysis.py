"""Stored analyses of a run (issue 6): run the uncertainty analysis of a recorded run, keep
its result (:mod:`zhengji.analysis_store`), and show rank intervals, grade odds and the
adjacent pairs whose order is not robust (统计上并列).

The overview and unit pages read the newest stored result through :func:`run_intervals` and
:func:`unit_interval`; nothing is computed on a read.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.responses import Response

from zhengji.analysis_store import latest_analysis, list_analyses, rank_intervals, store_uncertainty
from zhengji.errors import StoreError
from zhengji.store import ops
from zhengji.web import audit as audit_log
from zhengji.web.deps import Ctx, PathId, require, require_write, wants_html
from zhengji.web.pages import page
from zhengji.web.roles import READERS, WRITERS
from zhengji.web.services import NotFoundError

__all__ = ["router", "run_intervals", "unit_interval"]

router = APIRouter()
NOT_ROBUST_ZH = "排序不稳健，统计上并列"
NOT_ROBUST_EN = "order not robust: statistically tied"


def _meta(a: Any) -> dict[str, Any]:
    return {
        "id": a.id,
        "created_at": a.created_at,
        "actor": a.actor,
        "seed": a.seed,
        "replications": a.result.get("replications"),
    }


def run_intervals(ctx: Ctx, run_id: int) -> dict[str, Any] | None:
    """The newest stored uncertainty result of a run, per unit this user may see, or None."""
    with ctx.store.transaction() as s:
        a = latest_analysis(s, run_id, "uncertainty")
    if a is None:
        return None
    visible = {u: x for u, x in rank_intervals(a.result).items() if ctx.can_see(u)}
    pairs = [
        p
        for p in a.result.get("pairs", [])
        if not p["robust"] and ctx.can_see(p["ahead"]) and ctx.can_see(p["behind"])
    ]
    return {
        "analysis": _meta(a),
        "units": visible,
        "not_robust": pairs,
        "note": NOT_ROBUST_EN if ctx.lang == "en" else NOT_ROBUST_ZH,
        "sentence_zh": a.result.get("sentence_zh") if not ctx.user.scoped else None,
    }


def unit_interval(ctx: Ctx, run_id: int, unit_id: str) -> dict[str, Any] | None:
    """One unit's rank interval and grade odds from the newest stored result, or None."""
    with ctx.store.transaction() as s:
        a = latest_analysis(s, run_id, "uncertainty")
    if a is None:
        return None
    x = rank_intervals(a.result).get(unit_id)
    if x is None:
        return None
    grades = [{"grade": g, "p": x["grade_prob"].get(g)} for g in a.result.get("grades", [])]
    return x | {"grades": grades, "analysis": _meta(a), "n_units": len(a.result["units"])}


def _run(ctx: Ctx, run_id: int) -> ops.RunRecord:
    try:
        return ctx.store.run(run_id)
    except StoreError:
        raise NotFoundError(f"没有这次考核记录 no assessment run {run_id}") from None


@page(router, "/runs/{run_id}/analysis", "analysis.html", audit="read:analysis")
def analysis(run_id: PathId, ctx: Annotated[Ctx, require(READERS)]) -> dict[str, Any]:
    """A run's stored uncertainty analyses: rank intervals, grade odds, fragile orders."""
    rec = _run(ctx, run_id)
    with ctx.store.transaction() as s:
        history = [_meta(a) for a in list_analyses(s, run_id, "uncertainty")]
        a = latest_analysis(s, run_id, "uncertainty")
    return {
        "run": {"id": rec.id, "scheme_id": rec.scheme_id, "period": rec.period},
        "history": history,
        "uncertainty": None if a is None else a.result,
        "spec": None if a is None else a.spec,
        "note": NOT_ROBUST_EN if ctx.lang == "en" else NOT_ROBUST_ZH,
    }


@router.post("/runs/{run_id}/uncertainty", include_in_schema=False)
def run_uncertainty_of_run(
    ctx: Annotated[Ctx, require_write(WRITERS)],
    request: Request,
    run_id: PathId,
    replications: Annotated[int | None, Form(ge=50, le=20_000)] = None,
) -> Response:
    """Run the uncertainty analysis of a stored run in the request and store it (demo sizes
    take well under a second; the scheme's ``[uncertainty]`` spec and seed apply)."""
    _run(ctx, run_id)
    actor = f"{ctx.user.display_name} ({ctx.user.username})"
    with ctx.store.transaction() as s:
        a = store_uncertainty(s, run_id, actor, replications=replications)
        audit_log.record(
            s,
            ctx.user,
            "uncertainty",
            f"run={run_id}",
            ctx.client,
            {"analysis_id": a.id, "seed": a.seed, "replications": a.result["replications"]},
        )
    if not wants_html(request):
        return JSONResponse(
            {"analysis_id": a.id, "run_id": run_id, "replications": a.result["replications"]}
        )
    return RedirectResponse(f"/runs/{run_id}/analysis", status_code=303)
