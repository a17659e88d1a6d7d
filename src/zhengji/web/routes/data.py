"""Data: upload a bundle (CSV files or an XLSX workbook), see the problems cell by cell.

The files go to a private temporary directory and through :func:`zhengji.bundle.load_bundle`,
which checks every row; any problem answers 422 with (file, row, column, message) and nothing
is stored. A valid bundle is imported in one transaction together with its audit row. A
reporter may upload only values and vetoes of their own unit(s).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse
from starlette.responses import Response

from zhengji.bundle import load_bundle
from zhengji.errors import DataError, PermissionDenied
from zhengji.store import ops
from zhengji.web import audit as audit_log
from zhengji.web.deps import Ctx, require, require_write, wants_html
from zhengji.web.pages import nav, page, render
from zhengji.web.roles import Role
from zhengji.web.services import scheme_version, scheme_versions

__all__ = ["router"]

router = APIRouter()
UPLOADERS = frozenset({Role.admin, Role.assessor, Role.reporter})
nav("/data", "数据", "Data", UPLOADERS | {Role.inspector}, order=40)
ALLOWED = ("units.csv", "observations.csv", "vetoes.csv", "scheme.toml")
MAX_BYTES = 20_000_000


@page(router, "/data", "data.html")
def data(ctx: Annotated[Ctx, require(UPLOADERS | {Role.inspector})]) -> dict[str, Any]:
    """The upload form and the import history."""
    with ctx.store.transaction() as s:
        versions = [
            {"id": v.id, "scheme_id": v.scheme_id, "version": v.version} for v in scheme_versions(s)
        ]
    imports = [
        {
            "id": i.id,
            "source": i.source_path if not ctx.user.scoped else "",
            "fingerprint": i.bundle_fingerprint,
            "created_at": i.created_at,
            "rows_added": i.rows_added,
            "rows_unchanged": i.rows_unchanged,
        }
        for i in ctx.store.imports()
    ]
    return {"versions": versions, "imports": imports}


def _save(files: list[UploadFile], folder: Path) -> list[str]:
    names = []
    for f in files:
        name = Path(f.filename or "").name.lower()
        if not name:
            continue
        if name not in ALLOWED and not name.endswith(".xlsx"):
            raise DataError(
                f"不接受的文件 file '{name}' is not part of a bundle; upload "
                f"{', '.join(ALLOWED)} or one .xlsx workbook",
                [(name, None, None, "unexpected file")],
            )
        raw = f.file.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise DataError(
                f"文件过大 file '{name}' is larger than 20 MB", [(name, None, None, "too large")]
            )
        (folder / ("book.xlsx" if name.endswith(".xlsx") else name)).write_bytes(raw)
        names.append(name)
    if not names:
        raise DataError("没有上传文件 no file uploaded", [("-", None, None, "choose files")])
    return names


@router.post("/data/upload", include_in_schema=False)
def upload(
    ctx: Annotated[Ctx, require_write(UPLOADERS)],
    request: Request,
    files: Annotated[list[UploadFile], File(description="bundle files")],
    scheme_version_id: Annotated[int | None, Form()] = None,
) -> Response:
    """Validate and import a bundle; on any problem nothing is stored (422 with the cells)."""
    with tempfile.TemporaryDirectory(prefix="zhengji-upload-") as tmp:
        folder = Path(tmp)
        names = _save(files, folder)
        if not (folder / "scheme.toml").exists() and scheme_version_id is not None:
            with ctx.store.transaction() as s:
                sv, _ = scheme_version(s, scheme_version_id)
            (folder / "scheme.toml").write_text(sv.toml, encoding="utf-8")
        try:
            bundle = load_bundle(folder)
        except DataError as exc:  # name the upload, not the private temporary folder
            first = str(exc).split("\n")[0].replace(str(folder), "上传的数据包 uploaded bundle")
            raise DataError(first, exc.problems) from None
    if ctx.user.scoped:
        foreign = sorted(
            {o.unit_id for o in bundle.observations if not ctx.can_see(o.unit_id)}
            | {v.unit_id for v in bundle.events if not ctx.can_see(v.unit_id)}
        )
        if foreign:
            raise PermissionDenied(
                f"只能上报本单位数据 a reporter may upload only their own unit's data; "
                f"this bundle has values of {', '.join(foreign[:10])}"
            )
    with ctx.store.transaction() as s:
        summary = ops.import_bundle(s, bundle)
        audit_log.record(
            s,
            ctx.user,
            "import",
            f"import={summary.import_id}",
            ctx.client,
            {"files": names, "rows_added": summary.rows_added, "fingerprint": bundle.fingerprint},
        )
    out = {
        "import_id": summary.import_id,
        "rows_added": summary.rows_added,
        "rows_unchanged": summary.rows_unchanged,
        "units_added": summary.units_added,
        "vetoes_added": summary.vetoes_added,
        "scheme_version_id": summary.scheme_version_id,
    }
    if not wants_html(request):
        return JSONResponse(out)
    return render(ctx, "imported.html", out)
