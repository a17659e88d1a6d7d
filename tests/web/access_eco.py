"""Access rules of the eco pages (merged into the table of ``tests/web/test_access.py``).

The office's accounts read every county; the Jiangkou reporter reads Jiangkou's units and
holders only (``foreign`` = the same request about Bijiang); 组织部, 综治中心, cadres, grid
workers and mediators are refused (403). Storing a GEP price table (``POST
/eco/gep/prices``) is the office admin's alone: it changes every GEP figure; here it carries no
file, so the admin gets 422 and nothing is stored. Signing off, recording an objection and
ruling (``POST /eco/entries/{id}/signoff``, ``…/objections``, ``POST
/eco/objections/{id}/ruling``) are the office writers' (admin, assessor); here they name an entry
or objection that does not exist, so a writer gets 404 and nothing changes. ``/eco/pending`` is
read like the other pages (a reporter: their county's only).
"""

from __future__ import annotations

from tests.web.access_roles import ADMIN, ALL, WRITERS, Case
from tests.web.conftest import World

__all__ = ["BJ_HOLDER", "JK_HOLDER", "eco_cases"]

JK_HOLDER = "demo-jiangkou_t1_v1-002"  # a household of the demo (5 holders per village)
BJ_HOLDER = "demo-bijiang_t1_v1-002"
NO_ID = 2_000_000_000  # no entry or objection has this id: a writer's POST is a 404


def eco_cases(w: World) -> dict[tuple[str, str], Case]:
    """Every route of ``zhengji.web.routes.eco``: path, roles admitted, out-of-scope twin."""
    jk, bj = JK_HOLDER, BJ_HOLDER
    return {
        ("GET", "/eco"): Case("/eco", ALL),
        ("GET", "/eco.json"): Case("/eco.json?as_of=2025-12-31", ALL),
        ("GET", "/eco/units/{unit_id}"): Case(
            "/eco/units/jiangkou", ALL, foreign="/eco/units/bijiang"
        ),
        ("GET", "/eco/units/{unit_id}.json"): Case(
            "/eco/units/jiangkou_t1_v1.json", ALL, foreign="/eco/units/bijiang_t1_v1.json"
        ),
        ("GET", "/eco/holders"): Case(
            "/eco/holders?unit=jiangkou_t1", ALL, foreign="/eco/holders?unit=bijiang_t1"
        ),
        ("GET", "/eco/holders.json"): Case(
            "/eco/holders.json?unit=jiangkou", ALL, foreign="/eco/holders.json?unit=bijiang"
        ),
        ("GET", "/eco/holders/{holder_id}"): Case(
            f"/eco/holders/{jk}", ALL, foreign=f"/eco/holders/{bj}"
        ),
        ("GET", "/eco/holders/{holder_id}.json"): Case(
            f"/eco/holders/{jk}.json", ALL, foreign=f"/eco/holders/{bj}.json"
        ),
        ("GET", "/eco/holders/{holder_id}/statement.{fmt}"): Case(
            f"/eco/holders/{jk}/statement.pdf", ALL, foreign=f"/eco/holders/{bj}/statement.pdf"
        ),
        ("GET", "/eco/gep"): Case("/eco/gep?unit=jiangkou", ALL, foreign="/eco/gep?unit=bijiang"),
        ("GET", "/eco/gep.json"): Case(
            "/eco/gep.json?unit=jiangkou&year=2025", ALL, foreign="/eco/gep.json?unit=bijiang"
        ),
        ("POST", "/eco/gep/prices"): Case("/eco/gep/prices", ADMIN, {"note": "x"}),
        ("GET", "/eco/pending"): Case(
            "/eco/pending?unit=jiangkou", ALL, foreign="/eco/pending?unit=bijiang"
        ),
        ("GET", "/eco/pending.json"): Case(
            "/eco/pending.json?unit=jiangkou_t1", ALL, foreign="/eco/pending.json?unit=bijiang_t1"
        ),
        ("POST", "/eco/entries/{entry_id}/signoff"): Case(f"/eco/entries/{NO_ID}/signoff", WRITERS),
        ("POST", "/eco/entries/{entry_id}/objections"): Case(
            f"/eco/entries/{NO_ID}/objections", WRITERS, {"raised_by": "村民", "text": "x"}
        ),
        ("POST", "/eco/objections/{objection_id}/ruling"): Case(
            f"/eco/objections/{NO_ID}/ruling", WRITERS, {"decision": "rejected", "reason": "x"}
        ),
    }
