"""Fixtures of the voice tests: a store with a small set of units, a live Open311 server on
loopback (uvicorn in a thread, real HTTP), and ``db_url`` over SQLite and PostgreSQL."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from zhengji.store import Store
from zhengji.voice.context import add_api_key
from zhengji.voice.units import Unit, register_units

PG_ENV = "ZHENGJI_TEST_POSTGRES_URL"
UNITS = [
    Unit("tongren", "铜仁市", None, "city", 27.72, 109.19),
    Unit("bijiang", "碧江区", "tongren", "county", 27.7, 109.2),
    Unit("wanshan", "万山区", "tongren", "county", 27.5, 109.2),
    Unit("bijiang_t1", "甲镇", "bijiang", "township", 27.71, 109.21),
    Unit("bijiang_t2", "乙镇", "bijiang", "township", 27.80, 109.30),
    Unit("wanshan_t1", "丙镇", "wanshan", "township", 27.50, 109.20),
]


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    st = Store.open(db_url)
    with st.transaction() as s:
        register_units(s, UNITS)
    yield st
    st.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # not the main thread
        pass


@dataclass
class Live:
    base: str
    store: Store
    api_key: str
    client_id: int


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    """The standalone voice app on a free loopback port, with units and one API key."""
    from zhengji.voice.app import create_app

    url = f"sqlite:///{tmp_path / 'live.db'}"
    app = create_app(url)
    st: Store = app.state.store
    with st.transaction() as s:
        register_units(s, UNITS)
        cid, key = add_api_key(s, "测试客户端 test client")
    port = free_port()
    server = _Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    yield Live(f"http://127.0.0.1:{port}/open311/v2", st, key, cid)
    server.should_exit = True
    thread.join(timeout=10)
    st.close()
