"""Open311 POST load benchmark: sustained submissions over real HTTP on loopback.

Three runs against a fresh SQLite file each, the server in its own uvicorn process (uvloop and
httptools when installed, as uvicorn picks them; ``--workers`` processes):

1. ``zhengji`` — our ``POST /open311/v2/requests.json`` (api_key, validation, routing, time
   limits, idempotency, request + requester + 2 events; group commit), for ``--duration`` s;
2. ``bare`` — the same framework (FastAPI + uvicorn, same settings) with an endpoint that parses
   the same form and does one INSERT of the same fields, one transaction each: the peer;
3. ``kill`` — our endpoint again, the server killed with SIGKILL half-way and restarted; the
   clients retry every unanswered submission with the same Idempotency-Key. Afterwards every
   acknowledged key must be in the database exactly once (lost = acknowledged but missing,
   duplicated = a key stored twice, counted through a copy of the key in the description).

The load generator for runs 1 and 2 is ``wrk`` (compiled, Debian package ``wrk``; a Lua script
gives each request its own Idempotency-Key and records every acknowledged service_request_id,
which is then looked up in the database: lost and duplicated are exact there too). Without
``wrk``, or with ``--client python``, a small asyncio HTTP/1.1 client in this process is used
(keep-alive, ``--connections`` at once); the kill run always uses it, because only it retries an
unanswered submission with the same key. Client and server share the machine's cores.

    .venv/bin/python bench/voice.py                         # 3 × 60 s, prints a markdown block
    .venv/bin/python bench/voice.py --duration 10 --only zhengji bare
    .venv/bin/python bench/voice.py --client python         # the asyncio client for all runs
    ZHENGJI_VOICE_LEDGER=0 .venv/bin/python bench/voice.py  # without ledger appends
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

    from zhengji.servergc import tune

    tune()  # the same server GC settings as zhengji's app (server_app)
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


def start_server(kind: str, db: Path, port: int, workers: int = 1) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ZHENGJI_DATABASE_URL": f"sqlite:///{db}"}
    # both apps get the same server GC settings (zhengji.servergc), so the ratio is like for like
    target = "zhengji.voice.app:server_app" if kind != "bare" else "voice:bare_app"
    cmd = [sys.executable, "-m", "uvicorn", "--factory", target, "--host", "127.0.0.1",
           "--port", str(port), "--log-level", "warning", "--no-access-log",
           "--workers", str(workers)]  # fmt: skip
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


def _tree_cpu(pid: int) -> float:
    """CPU seconds used so far by a process and its live children (uvicorn workers)."""
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            kids = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        todo.extend(int(k) for k in kids)
    return total


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


# --- wrk: the compiled load generator ---------------------------------------------------------
WRK_LUA = r"""
-- bench/voice.py: a unique Idempotency-Key per request; acknowledged ids written at the end
local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
  thread:set("tid", #threads)
end
function init(args)
  out, api_key = args[1], args[2]
  places = {}
  for town, county in string.gmatch(args[3], "([^,:]+):([^,]*)") do
    places[#places + 1] = "&jurisdiction_id=" .. county .. "&address_id=" .. town
  end
  n, ids, statuses = 0, {}, {}
  head = {["Content-Type"] = "application/x-www-form-urlencoded"}
end
function request()
  n = n + 1
  local key = "w" .. tid .. "-" .. n
  head["Idempotency-Key"] = key
  local body = "api_key=" .. api_key .. "&service_code=road_repair" .. places[n % #places + 1]
    .. "&description=bench+" .. key .. "&phone=13900000000"
  return wrk.format("POST", "/open311/v2/requests.json", head, body)
end
function response(status, headers, body)
  if status == 200 or status == 201 then
    ids[#ids + 1] = string.match(body, '"service_request_id":%s*"(%d+)"') or "?"
  else
    statuses[status] = (statuses[status] or 0) + 1
  end
end
function done(summary, latency, requests)
  local f = io.open(threads[1]:get("out"), "w")  -- init() ran in the threads' states only
  f:write(string.format("p50_us %d\np99_us %d\n", latency:percentile(50),
    latency:percentile(99)))
  local e = summary.errors
  f:write(string.format("err connect %d\nerr read %d\nerr write %d\nerr timeout %d\n",
    e.connect, e.read, e.write, e.timeout))
  for _, t in ipairs(threads) do
    for s, c in pairs(t:get("statuses")) do f:write(string.format("err %d %d\n", s, c)) end
    for _, id in ipairs(t:get("ids")) do f:write("id ", id, "\n") end
  end
  f:close()
end
"""


@dataclass
class WrkResult:
    ids: list[str]
    p50_ms: float
    p99_ms: float
    errors: dict[str, int]


def wrk_load(port: int, api_key: str, duration: float, connections: int,
             towns: list[tuple[str, str]], tmp: Path) -> WrkResult:  # fmt: skip
    """``duration`` s of wrk (one thread: it needs a fraction of a core) against ``port``."""
    script, out = tmp / "voice.lua", tmp / "wrk.out"
    script.write_text(WRK_LUA)
    places = ",".join(f"{town}:{county}" for town, county in towns)
    url = f"http://127.0.0.1:{port}"
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{duration:.0f}s", "--timeout", "10s",
           "-s", str(script), url, "--", str(out), api_key, places]  # fmt: skip
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    ids: list[str] = []
    errors: dict[str, int] = {}
    lat: dict[str, float] = {}
    for line in out.read_text().splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "id":
            ids.append(rest)
        elif kind == "err":
            name, n = rest.split()
            if int(n):
                errors[name] = int(n)
        else:
            lat[kind] = int(rest) / 1000
    return WrkResult(ids, lat["p50_us"], lat["p99_us"], errors)


# --- runs --------------------------------------------------------------------------------------
def _count(db: Path, kind: str, acked: list[str], by: str) -> dict[str, int]:
    """Lost and duplicated: ``acked`` holds keys (``by="key"``) or request ids (``"id"``)."""
    import sqlite3

    table = "bare_requests" if kind == "bare" else "voice_requests"
    con = sqlite3.connect(db)
    try:
        rows = con.execute(f"SELECT id, description FROM {table}").fetchall()
    finally:
        con.close()
    keys = [r[1].removeprefix("bench ") for r in rows]
    stored = {str(r[0]) for r in rows} if by == "id" else set(keys)
    return {
        "stored": len(rows),
        "lost": len(set(acked) - stored),
        # a key stored twice, or one request acknowledged for two different keys
        "duplicated": len(keys) - len(set(keys)) + len(acked) - len(set(acked)),
        "unacked_stored": len(stored - set(acked)),
    }


def run(kind: str, duration: float, connections: int, client: str,
        workers: int) -> dict[str, Any]:  # fmt: skip
    if kind == "kill":
        client = "python"  # only the asyncio client retries an unanswered key
    with tempfile.TemporaryDirectory(prefix="zj-bench-") as tmp:
        db = Path(tmp) / "bench.db"
        api_key = setup(db) if kind != "bare" else "x"
        from zhengji.demo.voice import demo_units

        towns = [(u.id, u.parent_id or "") for u in demo_units() if u.level == "township"]
        port = free_port()
        box: dict[str, subprocess.Popen[bytes]] = {"p": start_server(kind, db, port, workers)}
        kill_at: dict[str, float] = {}

        def kill() -> None:
            kill_at["t0"] = time.monotonic()
            for pid in _children(box["p"].pid):  # workers die with their parent, as in a crash
                os.kill(pid, signal.SIGKILL)
            box["p"].send_signal(signal.SIGKILL)
            box["p"].wait()
            box["p"] = start_server(kind, db, port, workers)
            kill_at["down_s"] = time.monotonic() - kill_at["t0"]

        try:
            load_before = os.getloadavg()[0]
            cpu0, me0, t0 = _tree_cpu(box["p"].pid), _self_cpu(), time.monotonic()
            if client == "wrk":
                w = wrk_load(port, api_key, duration, connections, towns, Path(tmp))
                acked, by, p50, p99, retries, errors = w.ids, "id", w.p50_ms, w.p99_ms, 0, w.errors
            else:
                stats = _run_loop(_load(port, api_key, duration, connections, towns,
                                        kill if kind == "kill" else None))  # fmt: skip
                lat = np.array(stats.latencies) * 1000
                acked, by, retries, errors = sorted(stats.acked), "key", stats.retries, stats.errors
                p50 = round(float(np.percentile(lat, 50)), 1) if len(lat) else float("nan")
                p99 = round(float(np.percentile(lat, 99)), 1) if len(lat) else float("nan")
            elapsed = time.monotonic() - t0
            server_cpu = _tree_cpu(box["p"].pid) - cpu0
            client_cpu = _self_cpu() - me0
            load_after = os.getloadavg()[0]
        finally:  # never leave a server behind, whatever failed
            box["p"].send_signal(signal.SIGTERM)
            box["p"].wait(timeout=30)
        counts = _count(db, kind, acked, by)
    return {
        "kind": kind,
        "client": client,
        "duration_s": round(elapsed, 1),
        "acked": len(acked),
        "rate_per_s": round(len(acked) / elapsed, 1),
        "p50_ms": round(p50, 1),
        "p99_ms": round(p99, 1),
        "retries": retries,
        "errors": errors,
        "restart_s": round(kill_at.get("down_s", 0.0), 2),
        # CPU per acknowledged POST: the server's cost, less bent by the machine's load than
        # rates (not for the kill run: the killed server's CPU is gone with it)
        "server_cores": None if kind == "kill" else round(server_cpu / elapsed, 2),
        "server_cpu_ms": None
        if kind == "kill"
        else round(server_cpu * 1000 / max(len(acked), 1), 2),
        "client_cores": round(client_cpu / elapsed, 2),
        "load_before": round(load_before, 2),
        "load_after": round(load_after, 2),
        **counts,
    }


def _run_loop(coro: Any) -> Stats:
    """Run the asyncio client on uvloop when installed: a cheaper client leaves more CPU to
    the server it measures."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)  # type: ignore[no-any-return]
    return uvloop.run(coro)  # type: ignore[no-any-return]


def _children(pid: int) -> list[int]:
    try:
        return [int(k) for k in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _self_cpu() -> float:
    """CPU seconds of this process and its finished children (wrk)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _server_stack() -> str:
    import importlib.util

    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return f"uvicorn {loop} + {http}"


def main() -> None:
    import shutil

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    ap.add_argument("--client", choices=["wrk", "python"],
                    default="wrk" if shutil.which("wrk") else "python")  # fmt: skip
    ap.add_argument("--only", nargs="*", default=["zhengji", "bare", "kill"])
    args = ap.parse_args()
    if args.client == "python" and not shutil.which("wrk"):
        print("wrk 未安装 not installed ('apt-get install wrk'): using the asyncio client, which "
              "shares the cores with the server", file=sys.stderr)  # fmt: skip
    sys.path.insert(0, str(Path(__file__).parent))
    results = [run(k, args.duration, args.connections, args.client, args.workers)
               for k in args.only]  # fmt: skip
    print(json.dumps(results, ensure_ascii=False, indent=1))
    by = {r["kind"]: r for r in results}
    ledger = os.environ.get("ZHENGJI_VOICE_LEDGER", "1")
    print(f"\nmachine: {platform.machine()} {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, {_server_stack()}, {args.workers} worker(s); "
          f"ledger: {'off' if ledger in ('0', 'false', 'no', 'off') else 'on'}; "
          f"{args.connections} connections, {args.duration:.0f} s per run")  # fmt: skip
    print(
        "| run | client | POST/s | p50 ms | p99 ms | acknowledged | lost | duplicated "
        "| retries | server cores | server CPU ms/POST | client cores | load avg before → after |"
    )
    print(
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    )
    for r in results:
        print(f"| {r['kind']} | {r['client']} | {r['rate_per_s']} | {r['p50_ms']} "
              f"| {r['p99_ms']} | {r['acked']} | {r['lost']} | {r['duplicated']} "
              f"| {r['retries']} | {r['server_cores']} | {r['server_cpu_ms']} "
              f"| {r['client_cores']} "
              f"| {r['load_before']} → {r['load_after']} |")  # fmt: skip
    if "zhengji" in by and "bare" in by and by["bare"]["rate_per_s"]:
        print(
            f"\nratio zhengji / bare: {by['zhengji']['rate_per_s'] / by['bare']['rate_per_s']:.2f}"
        )


if __name__ == "__main__":
    main()
