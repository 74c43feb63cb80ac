"""Web figures: wallboard fan-out latency to 1,000 websocket clients, and ticket creation per second
through the API beside the same service call without HTTP, on SQLite and (when given) PostgreSQL.

    .venv/bin/python bench/web_bench.py [--clients 1000] [--events 10] [--tickets 1500]
        [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test] [--redis redis://127.0.0.1:6379/15]
        [--only fanout|tickets]

The app runs as its own process under uvicorn, as `hotline serve` runs it: one worker, and for
ticket creation also one worker per core (`hotline serve --workers N`, live events over Redis).
The clients run here. A call event is a seat pause through the API, which goes through the core's
``handle_call_event`` like any phone-system event; its latency is from just before that request
until each wallboard page has the new figures. Tickets are posted over 16 keep-alive connections
by a minimal HTTP/1.1 client, so the figure is the app's, not the load generator's; the app's CPU
per ticket (all its processes) is printed beside the rate. Baselines: the issue's targets
(p99 <= 1 s, >= 300/s) and the service call without HTTP.
"""

import argparse
import asyncio
import json
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel
from websockets.asyncio.client import connect

import hotline.models  # noqa: F401  (registers every table)
from hotline.db import make_engine, with_search_path
from hotline.enums import Role
from hotline.seed.data import DEMO_PASSWORD
from hotline.seed.service import seed
from hotline.tickets.models import TicketCreate
from hotline.tickets.service import create_ticket
from hotline.users.models import Actor

TARGET_P99_S = 1.0
TARGET_PER_S = 300.0
TICKET = {
    "caller_name": "张三",
    "caller_phone": "13800138000",
    "address": "双清区龙须塘街道某小区3栋",
    "title": "小区夜间施工噪音扰民",
    "content": "连续一周晚上十点后还在施工，电钻声很大，老人小孩睡不着，希望尽快处理。",
    "nature": "complaint",
    "district": "双清区",
}


def raise_file_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))


@contextmanager
def database(kind: str, pg_url: str | None, folder: Path) -> Iterator[str]:
    """A fresh seeded database; its URL."""
    schema = f"bench_web_{os.getpid()}"
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'bench.db'}"
    else:
        assert pg_url is not None
        url = with_search_path(pg_url, schema)
    engine = make_engine(url)
    if kind == "postgresql":
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        seed(session, now=datetime.now(UTC), demo=True)
    engine.dispose()
    try:
        yield url
    finally:
        if kind == "postgresql":
            engine = make_engine(url)
            with engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            engine.dispose()


@contextmanager
def app_process(
    url: str, folder: Path, workers: int = 1, redis_url: str | None = None
) -> Iterator[tuple[str, int]]:
    """The app under uvicorn in its own process(es); yields its host:port and the parent's pid.

    Several workers share live events through Redis, as `hotline serve --workers N` requires.
    """
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": url,
        "HOTLINE_WEB_SECRET_KEY": "bench-secret",
        "HOTLINE_WEB_CLASSIFIER": "false",
        "HOTLINE_WEB_REDIS_CHANNEL_PREFIX": f"bench-{os.getpid()}:",
    }
    env.pop("HOTLINE_REDIS_URL", None)
    if workers > 1:
        assert redis_url, "several workers need Redis"
        env["HOTLINE_REDIS_URL"] = redis_url
    log = folder / "app.log"
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "web.app:create_app",
        "--host", "127.0.0.1", "--port", "0", "--no-access-log", "--ws", "websockets-sansio",
    ]  # fmt: skip
    if workers > 1:
        command[command.index("0")] = str(free_port())
        command += ["--workers", str(workers)]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            output = log.read_text(errors="replace")
            found = re.search(r"running on http://127\.0\.0\.1:(\d+)", output)
            if found and output.count("Application startup complete") >= workers:
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("the app did not start: " + log.read_text(errors="replace")[-2000:])
        host = f"127.0.0.1:{found.group(1)}"
        yield host, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


async def login(client: httpx.AsyncClient, username: str) -> str:
    response = await client.post("/api/login", json={"username": username, "password": DEMO_PASSWORD})
    response.raise_for_status()
    token: str = response.json()["csrf_token"]
    return token


async def fanout(host: str, clients: int, events: int) -> list[float]:
    """Latencies (s) from a call event to each wallboard page having the new figures."""
    async with (
        httpx.AsyncClient(base_url=f"http://{host}") as board,
        httpx.AsyncClient(base_url=f"http://{host}") as op,
    ):
        await login(board, "supervisor")
        token = await login(op, "operator1")
        cookie = "; ".join(f"{k}={v}" for k, v in board.cookies.items())
        sockets = []
        for start in range(0, clients, 100):  # connect in waves, as pages would load
            batch = [
                connect(
                    f"ws://{host}/ws/wallboard",
                    additional_headers={"Cookie": cookie},
                    open_timeout=60,
                    max_size=2**22,
                )
                for _ in range(start, min(clients, start + 100))
            ]
            sockets.extend(await asyncio.gather(*batch))
        await asyncio.gather(*(ws.recv() for ws in sockets))  # each page's first board
        await asyncio.sleep(1.0)
        latencies: list[float] = []
        for n in range(events):
            drain = [asyncio.create_task(ws.recv()) for ws in sockets]
            state = "paused" if n % 2 == 0 else "ready"
            sent = time.perf_counter()
            response = await op.post(
                "/api/seats/me/state",
                json={"state": state, "reason": "小休"},
                headers={"X-CSRF-Token": token},
            )
            response.raise_for_status()

            async def arrival(task: "asyncio.Task[object]", sent: float = sent) -> float:
                await task
                return time.perf_counter() - sent

            latencies.extend(await asyncio.gather(*(arrival(t) for t in drain)))
            await asyncio.sleep(1.5)
        await asyncio.gather(*(ws.close() for ws in sockets))
        return latencies


async def session_headers(host: str, username: str) -> dict[str, str]:
    """Log in once; the cookie and CSRF header every later request of that user carries."""
    async with httpx.AsyncClient(base_url=f"http://{host}") as client:
        token = await login(client, username)
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    return {"Cookie": cookie, "X-CSRF-Token": token}


async def keepalive_worker(host: str, request: bytes, remaining: Iterator[int], expect: bytes) -> None:
    """One keep-alive connection sending the same request until none remain.

    A load generator, like wrk: the request is serialised once and responses are only framed
    by Content-Length, so the client's own CPU stays small beside the server's (httpx alone
    spends ~3 ms of CPU per request, more than the app it measures).
    """
    hostname, port = host.split(":")
    reader, writer = await asyncio.open_connection(hostname, int(port))
    try:
        for _ in remaining:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(expect):
                raise RuntimeError(f"unexpected response: {head[:200]!r}")
            length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
            await reader.readexactly(length)
    finally:
        writer.close()


def server_cpu_seconds(pid: int) -> float:
    """User + system CPU so far of a process and its worker processes (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return own + sum(server_cpu_seconds(int(child)) for child in children)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def api_rate(host: str, pid: int, count: int, connections: int = 16) -> tuple[float, float]:
    """Tickets created per second through POST /api/tickets, and the app's CPU ms per ticket."""
    headers = await session_headers(host, "operator1")
    body = json.dumps(TICKET, ensure_ascii=False).encode()
    request = (
        f"POST /api/tickets HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    ).encode() + body
    await keepalive_worker(host, request, iter(range(connections)), b"HTTP/1.1 201")  # warm up
    remaining = iter(range(count))
    cpu = server_cpu_seconds(pid)
    started = time.perf_counter()
    await asyncio.gather(
        *(keepalive_worker(host, request, remaining, b"HTTP/1.1 201") for _ in range(connections))
    )
    elapsed = time.perf_counter() - started
    return count / elapsed, (server_cpu_seconds(pid) - cpu) / count * 1000


def service_rate(url: str, count: int) -> tuple[float, float]:
    """Tickets per second through the core's service, one session each; CPU ms per ticket."""
    engine: Engine = make_engine(url)
    actor = Actor(user_id=None, role=Role.OPERATOR, name="bench")
    data = TicketCreate.model_validate(TICKET)
    with Session(engine, expire_on_commit=False) as session:
        create_ticket(session, data=data, actor=actor, now=datetime.now(UTC))
    cpu = time.process_time()
    started = time.perf_counter()
    for _ in range(count):
        with Session(engine, expire_on_commit=False) as session:
            create_ticket(session, data=data, actor=actor, now=datetime.now(UTC))
    rate = count / (time.perf_counter() - started)
    cpu_ms = (time.process_time() - cpu) / count * 1000
    engine.dispose()
    return rate, cpu_ms


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--events", type=int, default=10)
    parser.add_argument("--tickets", type=int, default=1500)
    parser.add_argument("--only", choices=("fanout", "tickets"), help="run one of the two parts")
    parser.add_argument("--pg", default=os.environ.get("HOTLINE_TEST_DATABASE_URL"))
    parser.add_argument("--redis", default=os.environ.get("HOTLINE_TEST_REDIS_URL"))
    args = parser.parse_args()
    raise_file_limit()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.only != "tickets":
            fanout_part(folder, args.clients, args.events)
        if args.only != "fanout":
            tickets_part(folder, args.tickets, args.pg, args.redis)


def fanout_part(folder: Path, clients: int, events: int) -> None:
    with database("sqlite", None, folder) as url, app_process(url, folder) as (host, _pid):
        latencies = asyncio.run(fanout(host, clients, events))
    print(f"wallboard fan-out: {clients} websocket clients x {events} call events")
    print(
        f"  latency p50 {statistics.median(latencies) * 1000:.0f} ms"
        f"  p99 {pct(latencies, 0.99) * 1000:.0f} ms"
        f"  max {max(latencies) * 1000:.0f} ms   (baseline: p99 <= {TARGET_P99_S * 1000:.0f} ms)"
    )


def tickets_part(folder: Path, tickets: int, pg: str | None, redis_url: str | None) -> None:
    cores = len(os.sched_getaffinity(0))
    print(
        f"ticket creation, {tickets} tickets each, 16 keep-alive connections"
        f" (baseline: >= {TARGET_PER_S:.0f}/s through the API)"
    )
    for kind in ("sqlite", "postgresql"):
        if kind == "postgresql" and not pg:
            print("  postgresql: skipped (pass --pg or set HOTLINE_TEST_DATABASE_URL)")
            continue
        sub = folder / kind
        sub.mkdir()
        with database(kind, pg, sub) as url:
            figures = []
            for workers in sorted({1, cores}):
                if workers > 1 and not redis_url:
                    print(f"  {kind}: {workers} workers skipped (pass --redis or set HOTLINE_TEST_REDIS_URL)")
                    continue
                with app_process(url, sub, workers, redis_url) as (host, pid):
                    rate, cpu = asyncio.run(api_rate(host, pid, tickets))
                figures.append(
                    f"API, {workers} worker{'s' if workers > 1 else ''} {rate:4.0f}/s ({cpu:.1f} ms CPU)"
                )
            direct, direct_cpu = service_rate(url, tickets)
        print(
            f"  {kind:<10}  "
            + "   ".join(figures)
            + f"   service call {direct:4.0f}/s ({direct_cpu:.1f} ms CPU)"
        )


if __name__ == "__main__":
    main()
