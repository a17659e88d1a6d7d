"""The scheme: tree with weights, validating an uploaded scheme, comparing stored versions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from starlette.responses import Response

from zhengji.errors import SchemeError
from zhengji.scheme import parse_scheme, scheme_fingerprint
from zhengji.web.deps import Ctx, OptId, OptText, QueryId, require, require_write, wants_html
from zhengji.web.pages import nav, page, render
from zhengji.web.roles import STAFF
from zhengji.web.schemeview import compare_schemes, tree_rows
from zhengji.web.services import NotFoundError, scheme_version, scheme_versions

__all__ = ["router"]

router = APIRouter()
nav("/scheme", "考核方案", "Scheme", STAFF, order=30)
MAX_SCHEME_BYTES = 1_000_000


def _versions(ctx: Ctx) -> list[dict[str, Any]]:
    with ctx.store.transaction() as s:
        return [
            {
                "id": v.id,
                "scheme_id": v.scheme_id,
                "version": v.version,
                "fingerprint": v.fingerprint,
                "created_at": v.created_at,
            }
            for v in scheme_versions(s)
        ]


@page(router, "/scheme", "scheme.html")
def scheme(
    ctx: Annotated[Ctx, require(STAFF)], version: OptId = None, category: OptText = None
) -> dict[str, Any]:
    """A stored scheme version (default: the newest) as a tree with nominal weights."""
    versions = _versions(ctx)
    if not versions:
        return {"versions": [], "scheme": None, "tree": [], "categories": []}
    vid = version if version is not None else versions[-1]["id"]
    with ctx.store.transaction() as s:
        sv, sch = scheme_version(s, vid)
    cats = [{"id": c.id, "name": c.name_en if ctx.lang == "en" else c.name} for c in sch.categories]
    if category is not None and category not in {c["id"] for c in cats}:
        raise NotFoundError(f"方案中没有该类别 no category '{category}' in this scheme")
    return {
        "versions": versions,
        "scheme": {
            "version_id": sv.id,
            "id": sch.id,
            "name": (sch.name_en or sch.name) if ctx.lang == "en" else sch.name,
            "version": sch.version,
            "fingerprint": sv.fingerprint,
            "synthetic": sch.synthetic,
        },
        "category": category,
        "categories": cats,
        "tree": tree_rows(sch, ctx.lang, category),
    }


@page(router, "/scheme/compare", "scheme_compare.html")
def scheme_compare(a: QueryId, b: QueryId, ctx: Annotated[Ctx, require(STAFF)]) -> dict[str, Any]:
    """Differences between two stored scheme versions."""
    with ctx.store.transaction() as s:
        va, sa = scheme_version(s, a)
        vb, sb = scheme_version(s, b)
    return {
        "a": {"id": va.id, "scheme_id": va.scheme_id, "version": va.version},
        "b": {"id": vb.id, "scheme_id": vb.scheme_id, "version": vb.version},
        "diff": compare_schemes(sa, sb, ctx.lang),
        "versions": _versions(ctx),
    }


@router.post("/scheme/validate", include_in_schema=False)
async def scheme_validate(
    ctx: Annotated[Ctx, require_write(STAFF)],
    request: Request,
    file: Annotated[UploadFile, File(description="scheme.toml")],
) -> Response:
    """Validate an uploaded scheme TOML; nothing is stored. 422 with the key paths if invalid."""
    raw = await file.read(MAX_SCHEME_BYTES + 1)
    if len(raw) > MAX_SCHEME_BYTES:
        raise SchemeError("方案文件过大 scheme file larger than 1 MB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SchemeError(
            "文件不是 UTF-8 编码 the scheme is not UTF-8 text; save it as UTF-8"
        ) from None
    sch = parse_scheme(text, source=file.filename or "scheme.toml")
    data = {
        "valid": True,
        "scheme": {"id": sch.id, "name": sch.name, "version": sch.version},
        "fingerprint": scheme_fingerprint(sch),
        "tree": tree_rows(sch, ctx.lang),
    }
    if not wants_html(request):
        from fastapi.responses import JSONResponse

        return JSONResponse(data)
    return render(ctx, "scheme_valid.html", data)
