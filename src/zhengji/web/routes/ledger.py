"""The tamper-evident ledger's pages: its state, one entry with its inclusion proof, verify.

Everything is computed by :mod:`zhengji.ledger` (this module only reads and shows it). Who:
the assessment office and inspectors/auditors (纪检/审计, ``roles.py``: "read-only everything,
plus the audit log and the ledger"); assessors and reporters do not see the ledger (it lists
every kind of record the city commits, across units). Verifying is a POST with the CSRF
token: it reads the whole ledger, so it is not something a link or a crawler should start.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy import select
from starlette.responses import Response

from zhengji.errors import DataError
from zhengji.ledger import checkpoints as ledger_checkpoints
from zhengji.ledger import log as ledger_log
from zhengji.ledger import note as notes
from zhengji.ledger.verify import Report, verify_ledger
from zhengji.store.schema_ledger import LedgerLeafRow
from zhengji.web import audit as audit_log
from zhengji.web.deps import Ctx, Limit, require, require_write, wants_html
from zhengji.web.pages import nav, page, render
from zhengji.web.roles import Role
from zhengji.web.services import NotFoundError

__all__ = ["LEDGER_ROLES", "report_dict", "router"]

router = APIRouter()
#: Who reads the ledger pages and may run a verification.
LEDGER_ROLES = frozenset({Role.admin, Role.inspector})
nav("/ledger", "存证账本", "Ledger", LEDGER_ROLES, order=60)
IndexPath = Annotated[int, Path(ge=0, le=2**53 - 1)]


def _signatures(note: str) -> list[dict[str, Any]]:
    try:
        _, lines = notes.split_note(note)
    except DataError:
        return []
    return [{"name": sl.name, "key_id": f"{sl.key_id:08x}"} for sl in lines]


def _checkpoint(cp: ledger_checkpoints.StoredCheckpoint) -> dict[str, Any]:
    return {
        "id": cp.id,
        "size": cp.size,
        "root_hash": cp.root_hash.hex(),
        "created_at": cp.created_at,
        "note": cp.note,
        "signatures": _signatures(cp.note),
    }


@page(router, "/ledger", "ledger.html", audit="read:ledger")
def ledger(ctx: Annotated[Ctx, require(LEDGER_ROLES)], limit: Limit = 50) -> dict[str, Any]:
    """Size, hash suite, origin, the latest checkpoints and the newest entries."""
    with ctx.store.transaction() as s:
        meta = ledger_log.info(s)
        cps = ledger_checkpoints.checkpoints(s)
        rows = s.scalars(select(LedgerLeafRow).order_by(LedgerLeafRow.idx.desc()).limit(limit))
        entries = [
            {"index": r.idx, "kind": r.kind, "record_digest": bytes(r.record_digest).hex()}
            for r in rows
        ]
    return {
        "size": meta.size,
        "hash_suite": meta.hash_suite,
        "origin": meta.origin,
        "created_at": meta.created_at,
        "checkpoints": [_checkpoint(c) for c in reversed(cps[-5:])],
        "checkpoint_count": len(cps),
        "entries": entries,
    }


def _proof(ctx: Ctx, index: int) -> tuple[ledger_log.Entry, str | None, str]:
    with ctx.store.transaction() as s:
        n = ledger_log.size(s)
        if index >= n:
            raise NotFoundError(f"账本中没有此条目 no ledger entry {index} (size {n})")
        e = ledger_log.entry(s, index)
        try:
            return e, ledger_checkpoints.prove(s, index), ""
        except DataError as exc:  # no checkpoint covers it yet
            return e, None, str(exc)


@page(router, "/ledger/entries/{index}", "ledger_entry.html", audit="read:ledger_entry")
def ledger_entry(index: IndexPath, ctx: Annotated[Ctx, require(LEDGER_ROLES)]) -> dict[str, Any]:
    """One leaf and its inclusion proof (tlog-proof) against the latest covering checkpoint."""
    e, proof, why = _proof(ctx, index)
    return {
        "index": e.index,
        "kind": e.kind,
        "record_digest": e.record_digest.hex(),
        "leaf_hash": e.leaf_hash.hex(),
        "proof": proof,
        "no_proof": why,
    }


@router.get(
    "/ledger/entries/{index}/proof", response_class=PlainTextResponse, include_in_schema=False
)
def ledger_proof(index: IndexPath, ctx: Annotated[Ctx, require(LEDGER_ROLES)]) -> Response:
    """The ``c2sp.org/tlog-proof@v1`` bundle of an entry, as a file to download."""
    _, proof, why = _proof(ctx, index)
    if proof is None:
        raise NotFoundError(why)
    with ctx.store.transaction() as s:
        audit_log.record(s, ctx.user, "read:ledger_proof", f"index={index}", ctx.client)
    return PlainTextResponse(
        proof,
        headers={"Content-Disposition": f'attachment; filename="entry-{index}.tlog-proof"'},
    )


def report_dict(report: Report) -> dict[str, Any]:
    """A verification report as plain data (what the page and its JSON show)."""
    return {
        "ok": report.ok,
        "first_bad_index": report.first_bad_index,
        "hash_suite": report.hash_suite,
        "origin": report.origin,
        "size": report.size,
        "leaves_checked": report.leaves_checked,
        "records_checked": report.records_checked,
        "records_absent": report.records_absent,
        "nodes_checked": report.nodes_checked,
        "checkpoints_checked": report.checkpoints_checked,
        "signatures_verified": report.signatures_verified,
        "keys_from_database": report.keys_from_database,
        "problem_count": report.problem_count,
        "problems": [{"index": p.index, "zh": p.zh, "en": p.en} for p in report.problems[:200]],
    }


@router.post("/ledger/verify", include_in_schema=False)
def verify(ctx: Annotated[Ctx, require_write(LEDGER_ROLES)], request: Request) -> Response:
    """Recompute the whole ledger (``verify_ledger``) and show the report.

    The result is shown, not stored (nothing changes but the audit row), so a browser gets the
    report page itself rather than a redirect."""
    with ctx.store.transaction() as s:
        report = report_dict(verify_ledger(s))
    with ctx.store.transaction() as s:
        audit_log.record(
            s,
            ctx.user,
            "ledger_verify",
            f"size={report['size']}",
            ctx.client,
            {"ok": report["ok"], "problems": report["problem_count"]},
        )
    if not wants_html(request):
        return JSONResponse(jsonable_encoder(report))
    return render(ctx, "ledger_verify.html", report)
