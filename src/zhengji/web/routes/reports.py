"""Reports of a run: the whole city (HTML, PDF, XLSX) and one unit (HTML, PDF).

The city report is :mod:`zhengji.report` (the same numbers as the CLI's files); the unit
report is ``report_unit.html`` from the same rows (``unit_detail``). Reports are documents
to save and print: they carry their own inline CSS and no script.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter
from starlette.responses import Response

from zhengji import report
from zhengji.report.pdf import html_to_pdf
from zhengji.report.tabular import unit_detail
from zhengji.web import audit as audit_log
from zhengji.web.deps import Ctx, PathId, PathText, require
from zhengji.web.pages import templates
from zhengji.web.roles import READERS, STAFF
from zhengji.web.services import NotFoundError

__all__ = ["router"]

router = APIRouter()
DOC_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _doc(body: bytes | str, fmt: str, name: str) -> Response:
    headers = {"Content-Security-Policy": DOC_CSP}
    if fmt != "html":
        headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return Response(body, media_type=_TYPES[fmt], headers=headers)


def _audit(ctx: Ctx, target: str) -> None:
    with ctx.store.transaction() as s:
        audit_log.record(s, ctx.user, "read:report", target, ctx.client)


@router.get("/reports/{run_id}/city.{fmt}", response_model=None)
def city_report(run_id: PathId, fmt: PathText, ctx: Annotated[Ctx, require(READERS)]) -> Response:
    """The whole city's report of a run: ``html``, ``pdf`` or ``xlsx``."""
    if fmt not in _TYPES:
        raise NotFoundError(f"不支持的格式 no report format '{fmt}'; use html, pdf or xlsx")
    view = ctx.views.run(run_id)
    a, sch = view.assessment, view.scheme
    name = f"{a.scheme_id}-{a.period}"
    _audit(ctx, f"run={run_id},fmt={fmt}")
    if fmt == "html":
        return _doc(report.render_html(a, sch, ctx.lang), fmt, name)
    if fmt == "pdf":
        from zhengji.report.pdf import render_pdf

        return _doc(render_pdf(a, sch, ctx.lang), fmt, name)
    with tempfile.TemporaryDirectory(prefix="zhengji-xlsx-") as tmp:
        path = report.write_xlsx(a, sch, Path(tmp) / f"{name}.xlsx")
        return _doc(path.read_bytes(), fmt, name)


def unit_report_html(ctx: Ctx, run_id: int, unit_id: str) -> str:
    view = ctx.views.run(run_id)
    a, sch = view.assessment, view.scheme
    if unit_id not in a.unit_ids:
        raise NotFoundError(f"该次考核没有此单位 run {run_id} did not assess unit '{unit_id}'")
    from zhengji.demo import SYNTHETIC_LABEL

    u = a.unit(unit_id)
    context: dict[str, Any] = {
        "tr": ctx.tr,
        "lang": ctx.lang,
        "d": unit_detail(a, sch, unit_id, top=len(a.indicator_ids), lang=ctx.lang),
        "scheme": sch,
        "a": a,
        "rank": int(a.rank[u]) or None,
        "synthetic": a.synthetic,
        "synthetic_label": SYNTHETIC_LABEL,
        "sources": {s: arr[u] for s, arr in a.by_source.items()},
    }
    return templates.get_template("report_unit.html").render(context)


@router.get("/reports/{run_id}/units/{unit_id}.{fmt}", response_model=None)
def unit_report(
    run_id: PathId, unit_id: PathText, fmt: PathText, ctx: Annotated[Ctx, require(STAFF)]
) -> Response:
    """One unit's report of a run: ``html`` or ``pdf``."""
    ctx.check_unit(unit_id)
    if fmt not in ("html", "pdf"):
        raise NotFoundError(f"不支持的格式 no unit report format '{fmt}'; use html or pdf")
    html = unit_report_html(ctx, run_id, unit_id)
    _audit(ctx, f"run={run_id},unit={unit_id},fmt={fmt}")
    if fmt == "html":
        return _doc(html, fmt, unit_id)
    return _doc(html_to_pdf(html), fmt, f"{unit_id}-{run_id}")
