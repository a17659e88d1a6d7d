"""A standalone app with only the citizen API (Open311 at ``/open311/v2``).

For deployments that expose nothing but the citizen API, for the tests and the benchmark;
the full web app mounts the same ``router`` (see :mod:`zhengji.voice.context`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from zhengji import __version__
from zhengji.store import Store
from zhengji.voice import ledgering
from zhengji.voice.context import VoiceContext, install
from zhengji.voice.limits import TimeLimits
from zhengji.voice.open311 import PREFIX, router

__all__ = ["create_app", "ledger_loop", "server_app"]


def server_app() -> FastAPI:
    """The app for a process that only serves it (``uvicorn --factory
    zhengji.voice.app:server_app``): :func:`create_app` with the server GC settings."""
    from zhengji.servergc import tune

    app = create_app()
    tune()
    return app


def create_app(store_url: str | None = None, *, limits: TimeLimits | None = None) -> FastAPI:
    """The Open311 API over the store at ``store_url`` (default: ``$ZHENGJI_DATABASE_URL``)."""
    store = Store.open(store_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(ledger_loop(app.state.voice)) if ledgering.enabled() else None
        yield
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
            await run_in_threadpool(app.state.voice.sync_ledger)

    app = FastAPI(
        lifespan=lifespan,
        title="zhengji 民生诉求 Open311 GeoReport v2",
        version=__version__,
        docs_url=None,
        redoc_url=None,
    )
    app.state.store = store
    install(app, store, limits)
    app.include_router(router, prefix=PREFIX)
    return app


async def ledger_loop(ctx: VoiceContext) -> None:
    """Commit new request events to the ledger every ``ZHENGJI_VOICE_LEDGER_INTERVAL`` s.

    A web app that mounts the router runs this in its own lifespan (or relies on
    ``zhengji voice ledger-sync``); see :mod:`zhengji.voice.ledgering`.
    """
    while True:
        await asyncio.sleep(ledgering.interval())
        await run_in_threadpool(ctx.sync_ledger)
