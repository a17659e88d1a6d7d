"""Open311 POST load benchmark: sustained submissions over real HTTP on loopback.

Three runs against a fresh SQLite file each, the server in its own uvicorn process:

1. ``zhengji`` — our ``POST /open311/v2/requests.json`` (validation, routing, time limits,
   request + requester + 2 events, optionally the ledger), steady for ``--duration`` s;
2. ``bare`` — the same framework (FastAPI + uvicorn, same settings) with an endpoint that parses
   the same form and does one INSERT of the same fields: the peer, as a ratio;
3. ``kill`` — our endpoint again, the server killed with SIGKILL half-way and restarted; the
   clients retry every unanswered submission with the same Idempotency-Key. Afterwards every
   acknowledged key must be in the database exactly once (lost = acknowledged but missing,
   duplicated = a key stored twice, counted through a copy of the key in the description).

The load generator is a small asyncio HTTP/1.1 client (keep-alive, ``--connections`` at once)
in this process, so client and server share the machine's cores, as they would on one box.

    .venv/bin/python bench/voice.py                         # 3 × 60 s, prints a markdown block
    .venv/bin/python bench/voice.py --duration 10 --only zhengji bare
    ZHENGJI_VOICE_LEDGER=0 .venv/bin/python bench/voice.py  # without ledger commits on POST
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import FastAPI, Request
from fastapi.responses import Response

ROOT = Path(__file__).resolve().parents[1]
KEY_FILE = "api_key.txt"


# --- the peer: a bare endpoint of the same framework doing the same single insert -----------
def bare_app() -> Any:
    """FastAPI app with ``POST /open311/v2/requests.json``: parse the form, one INSERT."""
    from sqlalchemy import Column, Integer, MetaData, String, Table, Text, create_engine, insert

    url = os.environ["ZHENGJI_DATABASE_URL"]
    engine = create_engine(url)
    from sqlalchemy import event

    from zhengji.store.db import _sqlite_pragmas

    event.listen(engine, "connect", _sqlite_pragmas)
    meta = MetaData()
    table = Table(
        "bare_requests", meta,
        Column("id", Integer, primary_key=True),
        Column("service_code", String), Column("jurisdiction_id", String),
        Column("description", Text), Column("address_id", String),
        Column("idempotency_key", String, unique=True),
    )  # fmt: skip
    meta.create_all(engine)
    app = FastAPI()

    @app.post("/open311/v2/requests.json")
    async def post(request: Request) -> Response:
        form = await request.form()

        def write() -> int:
            with engine.begin() as conn:
                return int(
                    conn.execute(
                        insert(table)
                        .values(
                            service_code=str(form.get("service_code")),
                            jurisdiction_id=str(form.get("jurisdiction_id")),
                            description=str(form.get("description")),
                            address_id=str(form.get("address_id")),
                            idempotency_key=request.headers.get("idempotency-key"),
                        )
                        .returning(table.c.id)
                    ).scalar_one()
                )

        from starlette.concurrency import run_in_threadpool

        rid = await run_in_threadpool(write)
        body = json.dumps([{"service_request_id": str(rid)}])
        return Response(body, status_code=201, media_type="application/json")

    return app


# --- setup -----------------------------------------------------------------------------------
def setup(db: Path) -> str:
    """Migrate a fresh store, register the demo units and an API key; returns the key."""
    from zhengji.demo.voice import demo_units
    from zhengji.store import Store
    from zhengji.voice.context import add_api_key
    from zhengji.voice.units import register_units

    with Store.open(f"sqlite:///{db}") as st, st.transaction() as s:
        register_units(s, demo_units())
        _, key = add_api_key(s, "bench")
    return key


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(kind: str, db: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ZHENGJI_DATABASE_URL": f"sqlite:///{db}"}
    target = "zhengji.voice.app:create_app" if kind != "bare" else "voice:bare_app"
    cmd = [sys.executable, "-m", "uvicorn", "--factory", target, "--host", "127.0.0.1",
           "--port", str(port), "--log-level", "warning", "--no-access-log"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, cwd=Path(__file__).parent)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"server {kind} did not start")


# --- the load generator ------------------------------------------------------------------------
@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    acked: set[str] = field(default_factory=set)
    retries: int = 0
    errors: dict[str, int] = field(default_factory=dict)


def _body(api_key: str, key: str, town: str, county: str) -> bytes:
    form = {"api_key": api_key, "jurisdiction_id": county, "service_code": "road_repair",
            "address_id": town, "description": f"bench {key}", "phone": "13900000000"}  # fmt: skip
    return urllib.parse.urlencode(form).encode()


async def _request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, body: bytes, key: str
) -> int:
    head = (
        "POST /open311/v2/requests.json HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Idempotency-Key: {key}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    writer.write(head + body)
    await writer.drain()
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    status = int(status_line.split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    await reader.readexactly(length)
    return status


async def _client(cid: int, port: int, api_key: str, stop: float, stats: Stats,
                  towns: list[tuple[str, str]]) -> None:  # fmt: skip
    n = 0
    reader = writer = None
    while time.monotonic() < stop:
        key = f"c{cid}-{n}"
        n += 1
        town, county = towns[(cid * 7919 + n) % len(towns)]
        body = _body(api_key, key, town, county)
        while True:  # until acknowledged: a retry keeps the same Idempotency-Key
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                assert reader is not None
                t0 = time.perf_counter()
                status = await _request(reader, writer, body, key)
                if status in (200, 201):
                    stats.latencies.append(time.perf_counter() - t0)
                    stats.acked.add(key)
                    break
                stats.errors[str(status)] = stats.errors.get(str(status), 0) + 1
                stats.retries += 1
                await asyncio.sleep(0.05)
            except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError,
                    IndexError) as exc:  # fmt: skip
                name = type(exc).__name__
                stats.errors[name] = stats.errors.get(name, 0) + 1
                stats.retries += 1
                if writer is not None:
                    writer.close()
                writer = reader = None
                await asyncio.sleep(0.05)
            if time.monotonic() > stop + 30:  # give up on this key only long after the end
                return
    if writer is not None:
        writer.close()


async def _load(port: int, api_key: str, duration: float, connections: int,
                towns: list[tuple[str, str]], kill: Any = None) -> Stats:  # fmt: skip
    stats = Stats()
    stop = time.monotonic() + duration
    tasks = [asyncio.create_task(_client(i, port, api_key, stop, stats, towns))
             for i in range(connections)]  # fmt: skip
    if kill is not None:
        await asyncio.sleep(duration / 2)
        await asyncio.get_running_loop().run_in_executor(None, kill)
    await asyncio.gather(*tasks)
    return stats


# --- runs --------------------------------------------------------------------------------------
def _count(db: Path, kind: str, acked: set[str]) -> dict[str, int]:
    import sqlite3

    con = sqlite3.connect(db)
    try:
        if kind == "bare":
            rows = con.execute("SELECT description FROM bare_requests").fetchall()
        else:
            rows = con.execute("SELECT description FROM voice_requests").fetchall()
    finally:
        con.close()
    keys = [r[0].removeprefix("bench ") for r in rows]
    stored = set(keys)
    return {
        "stored": len(keys),
        "lost": len(acked - stored),
        "duplicated": len(keys) - len(stored),
        "unacked_stored": len(stored - acked),
    }


def run(kind: str, duration: float, connections: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="zj-bench-") as tmp:
        db = Path(tmp) / "bench.db"
        api_key = setup(db) if kind != "bare" else "x"
        from zhengji.demo.voice import demo_units

        towns = [(u.id, u.parent_id or "") for u in demo_units() if u.level == "township"]
        port = free_port()
        box: dict[str, subprocess.Popen[bytes]] = {"p": start_server(kind, db, port)}
        kill_at: dict[str, float] = {}

        def kill() -> None:
            kill_at["t0"] = time.monotonic()
            box["p"].send_signal(signal.SIGKILL)
            box["p"].wait()
            box["p"] = start_server(kind, db, port)
            kill_at["down_s"] = time.monotonic() - kill_at["t0"]

        t0 = time.monotonic()
        stats = asyncio.run(_load(port, api_key, duration, connections, towns,
                                  kill if kind == "kill" else None))  # fmt: skip
        elapsed = time.monotonic() - t0
        box["p"].send_signal(signal.SIGTERM)
        box["p"].wait(timeout=30)
        lat = np.array(stats.latencies) * 1000
        counts = _count(db, kind, stats.acked)
    return {
        "kind": kind,
        "duration_s": round(elapsed, 1),
        "acked": len(stats.acked),
        "rate_per_s": round(len(stats.acked) / elapsed, 1),
        "p50_ms": round(float(np.percentile(lat, 50)), 1) if len(lat) else None,
        "p99_ms": round(float(np.percentile(lat, 99)), 1) if len(lat) else None,
        "retries": stats.retries,
        "errors": stats.errors,
        "restart_s": round(kill_at.get("down_s", 0.0), 2),
        **counts,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--only", nargs="*", default=["zhengji", "bare", "kill"])
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).parent))
    results = [run(k, args.duration, args.connections) for k in args.only]
    load = os.getloadavg()
    print(json.dumps(results, ensure_ascii=False, indent=1))
    by = {r["kind"]: r for r in results}
    ledger = os.environ.get("ZHENGJI_VOICE_LEDGER", "1")
    print(f"\nmachine: {platform.machine()} {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, load avg after run {load[0]:.2f}; ledger on POST: "
          f"{'off' if ledger in ('0', 'false', 'no', 'off') else 'on'}; "
          f"{args.connections} connections, {args.duration:.0f} s per run")  # fmt: skip
    print("| run | POST/s | p50 ms | p99 ms | acknowledged | lost | duplicated | retries |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(f"| {r['kind']} | {r['rate_per_s']} | {r['p50_ms']} | {r['p99_ms']} | {r['acked']} "
              f"| {r['lost']} | {r['duplicated']} | {r['retries']} |")  # fmt: skip
    if "zhengji" in by and "bare" in by and by["bare"]["rate_per_s"]:
        print(
            f"\nratio zhengji / bare: {by['zhengji']['rate_per_s'] / by['bare']['rate_per_s']:.2f}"
        )


if __name__ == "__main__":
    main()
