"""The routers of the web app; ``zhengji.web.app.create_app`` includes each of ``ROUTERS``.

A capability adds its pages by writing ``routes/<capability>.py`` with a ``router`` and
appending it here (see ``docs/web.md``, "Adding a page").
"""

from __future__ import annotations

from fastapi import APIRouter

from zhengji.voice.open311 import router as open311_router
from zhengji.web.routes import (
    account,
    accountability,
    admin,
    analysis,
    cadres,
    citizen,
    data,
    eco,
    findings,
    grid,
    ledger,
    overview,
    reports,
    runs,
    scheme,
    units,
    voice,
)

__all__ = ["ROUTERS"]

open311 = APIRouter(prefix="/open311/v2")
open311.include_router(open311_router)

ROUTERS: list[APIRouter] = [
    account.router,
    overview.router,
    units.router,
    scheme.router,
    data.router,
    runs.router,
    analysis.router,
    findings.router,
    reports.router,
    admin.router,
    ledger.router,
    accountability.router,
    citizen.router,  # citizens' pages (no account)
    voice.router,  # people's voice staff pages
    eco.router,  # ecological accounts and GEP
    cadres.router,  # cadre assessment, lists, case library (组织部, a cadre's own record)
    grid.router,  # grids and dispute mediation (综治中心, grid workers, mediators)
    open311,  # citizens' requests (GeoReport v2), no account: zhengji.voice.open311
]
