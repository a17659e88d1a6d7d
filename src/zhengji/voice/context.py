"""What the voice API needs at hand: the store, the time limits, the units, the API keys.

A web app that mounts ``zhengji.voice.open311.router`` either calls :func:`install` or just
keeps its :class:`~zhengji.store.Store` on ``app.state.store``; the context is then built on
first use and cached on ``app.state.voice``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from zhengji.errors import StoreError
from zhengji.store import Store
from zhengji.store.schema_voice import VoiceApiKeyRow
from zhengji.voice.limits import TimeLimits, load_limits
from zhengji.voice.units import Unit, load_units

__all__ = ["VoiceContext", "add_api_key", "context", "install", "key_hash"]


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def add_api_key(session: Session, name: str) -> tuple[int, str]:
    """A new API key for a posting client; returns ``(client id, key)`` — the key is shown
    once and only its hash is stored."""
    key = secrets.token_urlsafe(24)
    cid = session.execute(
        insert(VoiceApiKeyRow)
        .values(name=name, key_hash=key_hash(key), created_at=dt.datetime.now(dt.UTC))
        .returning(VoiceApiKeyRow.id)
    ).scalar_one()
    return int(cid), key


@dataclass
class VoiceContext:
    store: Store
    limits: TimeLimits
    ledger: bool = False  # commit staff steps to the ledger (see docs/voice.md)
    _units: dict[str, Unit] | None = None
    _keys: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def units(self, refresh: bool = False) -> dict[str, Unit]:
        if self._units is None or refresh:
            with self.store.transaction() as s:
                self._units = load_units(s)
        return self._units

    def sync_ledger(self) -> int:
        """Commit pending request events to the ledger (see :mod:`zhengji.voice.ledgering`)."""
        from zhengji.voice.ledgering import sync

        total = 0
        while True:  # short transactions: submissions never wait long for the write lock
            with self.store.transaction() as s:
                n = sync(s, limit=500)
            total += n
            if n < 500:
                return total

    def client_id(self, api_key: str) -> int | None:
        """The client of a valid key (cached after the first hit), else None."""
        h = key_hash(api_key)
        if h in self._keys:
            return self._keys[h]
        with self.store.transaction() as s:
            cid = s.scalar(select(VoiceApiKeyRow.id).where(VoiceApiKeyRow.key_hash == h))
        if cid is not None:
            with self._lock:
                self._keys[h] = int(cid)
        return None if cid is None else int(cid)


def install(app: FastAPI, store: Store, limits: TimeLimits | None = None) -> VoiceContext:
    ctx = VoiceContext(store, limits or load_limits())
    app.state.voice = ctx
    return ctx


def context(request: Request) -> VoiceContext:
    state = request.app.state
    ctx = getattr(state, "voice", None)
    if ctx is None:
        store = getattr(state, "store", None)
        if store is None:
            raise StoreError("未配置数据库 the app has no store: call zhengji.voice.install")
        ctx = install(request.app, store)
    assert isinstance(ctx, VoiceContext)
    return ctx
