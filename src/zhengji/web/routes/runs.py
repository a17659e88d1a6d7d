"""Assessment runs: the list, one run's summary, and running an assessment on the store."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.responses import Response

from zhengji.web import audit as audit_log
from zhengji.web.deps import Ctx, require, require_write, wants_html
from zhengji.web.pages import nav, page
from zhengji.web.roles import READERS, WRITERS
from zhengji.web.services import record_store_run, scheme_versions

__all__ = ["router"]

router = APIRouter()
nav("/runs", "考核", "Runs", READERS, order=35)


@page(router, "/runs", "runs.html")
def runs(ctx: Annotated[Ctx, require(READERS)]) -> dict[str, Any]:
    with ctx.store.transaction() as s:
        versions = [
            {"id": v.id, "scheme_id": v.scheme_id, "version": v.version} for v in scheme_versions(s)
        ]
    return {
        "versions": versions,
        "runs": [
            {
                "id": r.id,
                "scheme_id": r.scheme_id,
                "scheme_version": r.scheme_version,
                "period": r.period,
                "created_at": r.created_at,
                "as_of_import_id": r.as_of_import_id,
                "result_fingerprint": r.result_fingerprint,
                "units": len(r.unit_ids),
            }
            for r in reversed(ctx.store.runs())
        ],
    }


@router.post("/runs", include_in_schema=False)
def run_assessment(
    ctx: Annotated[Ctx, require_write(WRITERS)],
    request: Request,
    scheme_version_id: Annotated[int, Form()],
    period: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Assess what the store holds under a stored scheme version and record the run."""
    with ctx.store.transaction() as s:
        run_id, result, _ = record_store_run(s, scheme_version_id, period.strip() or None)
        audit_log.record(
            s,
            ctx.user,
            "run",
            f"run={run_id}",
            ctx.client,
            {"scheme_version_id": scheme_version_id, "period": result.period},
        )
    if not wants_html(request):
        return JSONResponse({"run_id": run_id, "period": result.period})
    return RedirectResponse(f"/?run={run_id}", status_code=303)
