"""Telephony bridge throughput and screen-pop latency, beside the raw socket ceiling, in one run.

    HOTLINE_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/telephony_bench.py

The load is the recorded Asterisk 22 streams (tests/telephony/fixtures: answered, SIP,
Redirect + blind transfer, abandoned) repeated with fresh Uniqueids/Linkedids and shifted
timestamps, so every call is distinct. An AMI server in a separate process serves it over TCP.

1. ceiling: read the socket and split frames, nothing else (the most any client could do);
2. end to end: our AMI client → parse → map → ``handle_call_event`` on PostgreSQL (one
   transaction per batch, through ``web.cli_calls.DatabaseSink``), messages/s;
3. screen pop: the server sends at 400 messages/s (a Beijing-size peak); for each
   AgentConnect, the time from the server writing it to the pop being published.

It uses its own database (``hotline_telephony_bench`` on the same server by default, recreated each
run), never the test database.
"""

import argparse
import asyncio
import multiprocessing as mp
import os
import re
import statistics
import sys
import time
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

FIXTURES = REPO.parent / "shared" / "ami"  # the recorded streams, read where they lie
TEMPLATES = ("answered", "sipp", "transfer", "abandoned")
_SECONDS = re.compile(rb"(?<![0-9])(17952544[0-9]{2}|17952543[0-9]{2})(?=\.)")


def load_stream(calls: int) -> tuple[list[bytes], int]:
    """Frames of ``calls`` recorded calls (events only), each with its own ids and times; pops expected."""
    from telephony.protocol import split_stream

    templates: list[list[bytes]] = []
    for name in TEMPLATES:
        _, frames = split_stream((FIXTURES / f"{name}.ami").read_bytes())
        templates.append([f for f in frames if isinstance(f, bytes) and f.startswith(b"Event: ")])
    out: list[bytes] = []
    pops = 0
    n = 0
    while n < calls:
        for template in templates:
            shift = (n + 1) * 1000

            def move(match: re.Match[bytes], shift: int = shift) -> bytes:
                return str(int(match.group(1)) + shift).encode()

            out.extend(_SECONDS.sub(move, f) for f in template)
            pops += sum(1 for f in template if f.startswith(b"Event: AgentConnect\r\n"))
            n += 2 if template is templates[2] else 1
    return out, pops


# -- the AMI server, in its own process ------------------------------------------------------------


def _serve(frames: list[bytes], rate: float, conn: Connection) -> None:
    asyncio.run(_serve_async(frames, rate, conn))


async def _serve_async(frames: list[bytes], rate: float, conn: Connection) -> None:
    sent_at: dict[str, int] = {}
    done = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        from telephony.protocol import AmiMessage, FrameSplitter

        writer.write(b"Asterisk Call Manager/11.0.0\r\n")
        splitter = FrameSplitter(expect_banner=False)
        answered: set[str] = set()
        while {"Login", "CoreShowChannels", "QueueStatus"} - answered:
            data = await reader.read(65536)
            if not data:
                return
            for raw in splitter.feed(data):
                assert isinstance(raw, bytes)
                msg = AmiMessage.from_frame(raw)
                name, aid = msg.get("Action"), msg.get("ActionID")
                answered.add(name)
                if name == "Login":
                    writer.write(
                        f"Response: Success\r\nActionID: {aid}\r\nMessage: accepted\r\n\r\n".encode()
                    )
                else:
                    complete = f"{name}Complete" if name == "QueueStatus" else "CoreShowChannelsComplete"
                    writer.write(
                        f"Response: Success\r\nActionID: {aid}\r\nEventList: start\r\n\r\n"
                        f"Event: {complete}\r\nActionID: {aid}\r\nEventList: Complete\r\n"
                        "ListItems: 0\r\n\r\n".encode()
                    )
        await writer.drain()
        if rate <= 0:
            writer.write(b"".join(f + b"\r\n\r\n" for f in frames))
            await writer.drain()
        else:
            start = time.monotonic()
            i = 0
            while i < len(frames):
                due = start + i / rate
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                now = time.monotonic()
                batch = []
                while i < len(frames) and start + i / rate <= now:
                    frame = frames[i]
                    if frame.startswith(b"Event: AgentConnect\r\n"):
                        linked = re.search(rb"\r\nLinkedid: ([^\r]+)", frame)
                        if linked:
                            sent_at[linked.group(1).decode()] = time.monotonic_ns()
                    batch.append(frame + b"\r\n\r\n")
                    i += 1
                writer.write(b"".join(batch))
                await writer.drain()
        conn.send(("sent", sent_at))
        while data := await reader.read(65536):  # answer Ping (keepalive) and Logoff until the client goes
            for raw in splitter.feed(data):
                assert isinstance(raw, bytes)
                msg = AmiMessage.from_frame(raw)
                status = "Goodbye" if msg.get("Action") == "Logoff" else "Success"
                writer.write(f"Response: {status}\r\nActionID: {msg.get('ActionID')}\r\n\r\n".encode())
        writer.close()
        done.set()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    conn.send(("port", server.sockets[0].getsockname()[1]))
    await done.wait()
    server.close()


def start_server(frames: list[bytes], rate: float) -> tuple[BaseProcess, Connection, int]:
    parent, child = mp.Pipe()
    proc = mp.get_context("fork").Process(target=_serve, args=(frames, rate, child), daemon=True)
    proc.start()
    kind, port = parent.recv()
    assert kind == "port"
    return proc, parent, int(port)


# -- the measurements ------------------------------------------------------------------------------


async def ceiling(port: int, expected: int) -> float:
    """Raw socket read and frame split: messages/s."""
    from telephony.protocol import FrameSplitter

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"Action: Login\r\nActionID: 1\r\n\r\nAction: CoreShowChannels\r\nActionID: 2\r\n\r\n")
    writer.write(b"Action: QueueStatus\r\nActionID: 3\r\n\r\n")
    splitter = FrameSplitter()
    count = 0
    start = 0.0
    target = expected + 4  # + the login and list answers
    while count < target:
        data = await reader.read(65536)
        if not data:
            break
        if not start:
            start = time.perf_counter()
        count += len(splitter.feed(data))
    elapsed = time.perf_counter() - start
    writer.close()
    return expected / elapsed


class PopClock:
    """A publisher that notes when each screen pop goes out."""

    def __init__(self) -> None:
        self.at: dict[str, int] = {}

    def publish(self, topic: str, payload: dict[str, Any]) -> None:
        if topic == "calls.screen_pop":
            self.at[payload["linkedid"]] = time.monotonic_ns()


async def end_to_end(port: int, expected: int, database_url: str) -> tuple[float, PopClock, Any]:
    from pydantic import SecretStr
    from sqlmodel import SQLModel

    import hotline.models  # noqa: F401
    from hotline.clock import SystemClock
    from hotline.db import make_engine
    from telephony.bridge import Bridge
    from telephony.config import AmiSettings
    from web.cli_calls import DatabaseSink

    engine = make_engine(database_url)
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    pops = PopClock()
    settings = AmiSettings(host="127.0.0.1", port=port, username="bench", secret=SecretStr("x"), events=True)
    bridge = Bridge(settings, DatabaseSink(engine, pops), clock=SystemClock())
    task = asyncio.create_task(bridge.run())
    while bridge.stats.messages == 0:
        await asyncio.sleep(0.001)
    start = time.perf_counter()
    while bridge.stats.messages < expected:
        await asyncio.sleep(0.002)
    elapsed = time.perf_counter() - start
    await bridge.stop()
    await task
    with engine.connect() as conn:
        from sqlalchemy import text

        rows = conn.execute(text("select outcome, count(*) from call group by outcome order by 1")).all()
    engine.dispose()
    return expected / elapsed, pops, rows


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def bench_database(url: str) -> str:
    """The bench's own database beside the given one, created when missing."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return url
    target = parsed.set(database="hotline_telephony_bench")
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        found = conn.execute(text("select 1 from pg_database where datname = 'hotline_telephony_bench'"))
        if found.first() is None:
            conn.execute(text("create database hotline_telephony_bench"))
    admin.dispose()
    return target.render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=1200, help="calls in the throughput stream")
    parser.add_argument("--rate", type=float, default=400.0, help="messages/s for the latency run")
    parser.add_argument("--latency-seconds", type=float, default=45.0)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("HOTLINE_BENCH_DATABASE_URL") or os.environ.get("HOTLINE_TEST_DATABASE_URL"),
    )
    args = parser.parse_args()
    if not args.database_url:
        parser.error("give --database-url or set HOTLINE_TEST_DATABASE_URL (a PostgreSQL server)")
    url = bench_database(args.database_url)

    frames, pops_expected = load_stream(args.calls)
    size = sum(len(f) + 4 for f in frames)
    print(
        f"load: {len(frames)} AMI messages ({size / 1e6:.1f} MB) of {args.calls} recorded calls, "
        f"{pops_expected} answers"
    )

    proc, pipe, port = start_server(frames, 0)
    rate_raw = asyncio.run(ceiling(port, len(frames)))
    pipe.recv()
    proc.join(5)
    print(f"ceiling   raw socket read + frame split:          {rate_raw:>9,.0f} messages/s")

    proc, pipe, port = start_server(frames, 0)
    rate_e2e, pops, outcomes = asyncio.run(end_to_end(port, len(frames), url))
    pipe.recv()
    proc.join(5)
    share = rate_e2e / rate_raw * 100
    verdict = "OK" if rate_e2e >= 5000 else "BELOW TARGET"
    print(
        f"end2end   read → parse → map → handle (PostgreSQL): {rate_e2e:>9,.0f} messages/s "
        f"({share:.0f} % of the ceiling; target ≥ 5,000: {verdict})"
    )
    print(
        "          records: " + ", ".join(f"{o} {n}" for o, n in outcomes) + f"; screen pops {len(pops.at)}"
    )

    paced_count = int(args.rate * args.latency_seconds)
    paced = frames[:paced_count]
    proc, pipe, port = start_server(paced, args.rate)
    _, pops, _ = asyncio.run(end_to_end(port, len(paced), url))
    _, sent_at = pipe.recv()
    proc.join(5)
    latencies = [(pops.at[k] - v) / 1e6 for k, v in sent_at.items() if k in pops.at]
    if latencies:
        p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
        verdict = "OK" if p99 <= 100 else "ABOVE TARGET"
        print(
            f"screenpop AgentConnect → pop published at {args.rate:.0f} msg/s: "
            f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(latencies):.1f} ms "
            f"(n={len(latencies)}, mean {statistics.fmean(latencies):.1f} ms; target p99 ≤ 100 ms: {verdict})"
        )
    else:
        print("screenpop: no samples")


if __name__ == "__main__":
    main()
