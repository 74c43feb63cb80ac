"""Telephony processes wired to storage: `hotline ami run|tail`, `hotline calls list`, `hotline simulate`.

The bridge runs as its own process, one per deployment (one AMI session receives events), and
feeds the app through the database and the event hub (Redis when ``HOTLINE_REDIS_URL`` is set):
every web worker sees the same calls without handling any AMI event itself.
"""

import asyncio
import contextlib
import json
import logging
import random
import re
import signal
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from prometheus_client import start_http_server
from sqlalchemy import Engine
from sqlmodel import Session

from hotline.calls.events import CallEvent
from hotline.calls.models import Call
from hotline.calls.service import CallPolicy, handle_call_event, list_calls, reconcile_live
from hotline.clock import SystemClock
from hotline.config import Settings
from hotline.db import make_engine, session_scope
from hotline.migrate import upgrade
from hotline.ports import EventPublisher
from telephony.bridge import Bridge
from telephony.client import AmiClient, AmiLoginError
from telephony.config import AmiSettings
from telephony.mapping import Correlation, map_message
from telephony.metrics import bridge_registry
from telephony.protocol import AmiMessage, OversizeFrame, split_stream
from telephony.reconcile import Snapshot
from telephony.simulator import SimConfig, SimStats, drive_asterisk, run_simulation
from web.config import WebSettings
from web.hub import Hub, make_hub
from web.logs import setup_logging

log = logging.getLogger(__name__)

ami_app = typer.Typer(help="The Asterisk (AMI) bridge.", no_args_is_help=True)
calls_app = typer.Typer(help="Call records.", no_args_is_help=True)

LogLevel = Annotated[str, typer.Option("--log-level", help="DEBUG, INFO, WARNING, ERROR")]


class BufferedPublisher:
    """Holds published events until the transaction they describe has committed."""

    def __init__(self) -> None:
        self.items: list[tuple[str, dict[str, Any]]] = []

    def publish(self, topic: str, payload: dict[str, Any]) -> None:
        self.items.append((topic, payload))

    def flush_to(self, publisher: EventPublisher) -> None:
        for topic, payload in self.items:
            try:
                publisher.publish(topic, payload)
            except Exception:
                log.exception("publishing %s failed", topic)
        self.items.clear()


class DatabaseSink:
    """The bridge's and the simulator's sink: each batch is one transaction, in a worker thread.

    The database work runs off the event loop so the AMI reader and keepalive never wait on
    it; batches still go one at a time, in order. Live updates are published after the commit.
    """

    def __init__(
        self, engine: Engine, publisher: EventPublisher, *, policy: CallPolicy | None = None
    ) -> None:
        self.engine = engine
        self.publisher = publisher
        self.policy = policy or CallPolicy()

    async def handle(self, events: Sequence[CallEvent]) -> None:
        await asyncio.to_thread(self._handle, list(events))

    async def reconcile(self, snapshot: Snapshot) -> None:
        await asyncio.to_thread(self._reconcile, snapshot)

    def _handle(self, events: list[CallEvent]) -> None:
        buffer = BufferedPublisher()
        with session_scope(self.engine) as session:
            for event in events:
                handle_call_event(session, event=event, publisher=buffer, policy=self.policy, commit=False)
        buffer.flush_to(self.publisher)

    def _reconcile(self, snapshot: Snapshot) -> None:
        buffer = BufferedPublisher()
        with session_scope(self.engine) as session:
            reconcile_live(
                session,
                events=snapshot.events,
                live_linkedids=snapshot.live_linkedids,
                seat_interfaces=snapshot.seat_interfaces,
                now=snapshot.at,
                publisher=buffer,
                policy=self.policy,
                commit=False,
            )
        buffer.flush_to(self.publisher)


class NullSink:
    """For `ami tail`: the events are printed, not stored."""

    async def handle(self, events: Sequence[CallEvent]) -> None:
        return None

    async def reconcile(self, snapshot: Snapshot) -> None:
        return None


def _logging(level: str) -> None:
    setup_logging(level)


def _policy(settings: Settings) -> CallPolicy:
    return CallPolicy(short_abandon_s=float(settings.short_abandon_s))


def _event_line(event: CallEvent) -> str:
    return json.dumps(event.model_dump(mode="json", exclude_defaults=True), ensure_ascii=False)


async def _start_hub() -> Hub:
    web = WebSettings()
    hub = make_hub(web.redis_url, prefix=web.redis_channel_prefix)
    await hub.start()
    return hub


def _install_stop(stop: Callable[[], None]) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop)


async def run_bridge(
    bridge: Bridge, *, stats_every_s: float = 60.0, on_ready: Callable[[Bridge], None] | None = None
) -> None:
    """Run a bridge until SIGINT/SIGTERM (or ``bridge.stop``), logging a status line now and then."""
    stopping: set[asyncio.Task[None]] = set()

    def stop() -> None:
        task = asyncio.ensure_future(bridge.stop())
        stopping.add(task)
        task.add_done_callback(stopping.discard)

    _install_stop(stop)

    async def report() -> None:
        while True:
            await asyncio.sleep(stats_every_s)
            s, c = bridge.stats, bridge.client.stats
            log.info(
                "bridge: %s, %d messages, %d events, %d snapshots, %d reconnects, %d dead, %d frames dropped",
                "connected" if bridge.client.connected else "DISCONNECTED",
                s.messages,
                s.events,
                s.snapshots,
                max(0, c.connects - 1),
                s.dead_events,
                c.oversize_frames + c.garbage_frames,
            )

    reporter = asyncio.create_task(report())
    if on_ready is not None:
        on_ready(bridge)
    try:
        await bridge.run()
    finally:
        reporter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reporter


@ami_app.command("run")
def ami_run(
    stats_every: Annotated[float, typer.Option(help="seconds between status lines in the log")] = 60.0,
    metrics_port: Annotated[
        int, typer.Option(min=0, max=65535, help="serve Prometheus metrics on this port (0: off)")
    ] = 0,
    metrics_host: Annotated[str, typer.Option(help="the address the metrics listen on")] = "127.0.0.1",
    log_level: LogLevel = "INFO",
) -> None:
    """Run the bridge: AMI events → call records and seat states in the database, live updates to the hub.

    One per deployment. Configured by HOTLINE_AMI_* (Asterisk) and HOTLINE_DATABASE_URL.
    """
    _logging(log_level)
    settings, ami = Settings(), AmiSettings()
    engine = make_engine(settings.database_url, echo=settings.echo_sql)

    async def main() -> None:
        hub = await _start_hub()
        try:
            sink = DatabaseSink(engine, hub, policy=_policy(settings))
            bridge = Bridge(ami, sink, clock=SystemClock())
            if metrics_port:
                start_http_server(metrics_port, addr=metrics_host, registry=bridge_registry(bridge))
                log.info("bridge metrics on http://%s:%d/metrics", metrics_host, metrics_port)
            await run_bridge(bridge, stats_every_s=stats_every)
        finally:
            await hub.stop()

    try:
        asyncio.run(main())
    except AmiLoginError as err:
        typer.echo(f"hotline ami run: {err}", err=True)
        raise typer.Exit(2) from err
    finally:
        engine.dispose()


def tail_file(path: Path, *, raw: bool, echo: Callable[[str], None]) -> int:
    """Print the CallEvents of a recorded .ami stream; returns how many."""
    _, frames = split_stream(path.read_bytes())
    corr = Correlation()
    count = 0
    now = datetime.now(UTC)
    for frame in frames:
        if isinstance(frame, OversizeFrame):
            echo(f"# oversize frame of {frame.size} bytes dropped")
            continue
        msg = AmiMessage.from_frame(frame)
        if raw and msg.is_event:
            echo(f"# {msg.name} " + json.dumps(dict(msg.items()), ensure_ascii=False))
        for event in map_message(msg, corr, now=now):
            echo(_event_line(event))
            count += 1
    return count


@ami_app.command("tail")
def ami_tail(
    raw: Annotated[bool, typer.Option(help="also print every AMI event, as JSON after '#'")] = False,
    file: Annotated[
        Path | None, typer.Option("--file", help="read a recorded .ami stream instead of Asterisk")
    ] = None,
    log_level: LogLevel = "WARNING",
) -> None:
    """Print CallEvents as JSON lines as the bridge would derive them; stores nothing.

    It opens its own AMI session (read-only): fine beside `ami run`, which alone writes.
    """
    _logging(log_level)
    if file is not None:
        tail_file(file, raw=raw, echo=typer.echo)
        return
    bridge = Bridge(AmiSettings(), NullSink(), clock=SystemClock())
    bridge.add_listener(lambda event: typer.echo(_event_line(event)))
    if raw:
        bridge.add_message_listener(
            lambda msg: typer.echo(f"# {msg.name} " + json.dumps(dict(msg.items()), ensure_ascii=False))
        )
    try:
        asyncio.run(run_bridge(bridge))
    except AmiLoginError as err:
        typer.echo(f"hotline ami tail: {err}", err=True)
        raise typer.Exit(2) from err


_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_since(value: str, *, now: datetime, tz: ZoneInfo) -> datetime:
    """``2h``, ``30m``, ``1d`` (ago), or an ISO date/time (local time when it has no zone)."""
    value = value.strip()
    match = _RELATIVE.match(value)
    if match:
        return now - timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as err:
        raise typer.BadParameter(f"{value!r}: use 30m, 2h, 1d or an ISO date/time") from err
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)).astimezone(UTC)


def _fmt_s(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _call_row(call: Call, tz: ZoneInfo) -> str:
    joined = call.joined_at.astimezone(tz).strftime("%m-%d %H:%M:%S") if call.joined_at else "-" * 14
    caller = f"{call.caller_number or '(withheld)'} {call.caller_name}".strip()
    worklist = "callback" if call.worklist.value == "pending" else ""
    return (
        f"{joined}  {call.linkedid:<22} {caller:<24} {call.outcome.value:<13} "
        f"{_fmt_s(call.wait_s):>6} {_fmt_s(call.ring_s):>5} {_fmt_s(call.talk_s):>7}  "
        f"{call.interface or '-':<20} {call.transferred_to or ''} {worklist}"
    ).rstrip()


@calls_app.command("list")
def calls_list(
    since: Annotated[str, typer.Option(help="30m, 2h, 1d ago, or an ISO date/time")] = "1d",
    until: Annotated[str | None, typer.Option(help="same forms as --since")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100000)] = 1000,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line, times in UTC")] = False,
) -> None:
    """Print the call records that joined the queue in the period, oldest first."""
    settings = Settings()
    tz = ZoneInfo(settings.timezone)
    now = SystemClock().now()
    start = parse_since(since, now=now, tz=tz)
    end = parse_since(until, now=now, tz=tz) if until else None
    engine = make_engine(settings.database_url, echo=settings.echo_sql)
    try:
        with Session(engine) as session:
            calls = list_calls(session, since=start, until=end, limit=limit)
    finally:
        engine.dispose()
    if as_json:
        for call in calls:
            typer.echo(json.dumps(call.model_dump(mode="json"), ensure_ascii=False))
        return
    typer.echo(
        f"{'joined (' + settings.timezone + ')':<14}  {'linkedid':<22} {'caller':<24} {'outcome':<13} "
        f"{'wait':>6} {'ring':>5} {'talk':>7}  {'seat':<20} transfer"
    )
    for call in calls:
        typer.echo(_call_row(call, tz))
    typer.echo(f"{len(calls)} calls")


def _duration(value: str | None) -> timedelta | None:
    if not value:
        return None
    match = _RELATIVE.match(value.strip())
    if not match:
        raise typer.BadParameter(f"{value!r}: use 90s, 30m, 8h or 1d", param_hint="--duration")
    return timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})


def simulate(
    speed: Annotated[
        float, typer.Option(help="simulated seconds per real second; 0: as fast as possible")
    ] = 1.0,
    seed: Annotated[int | None, typer.Option(help="random seed, for a reproducible run")] = None,
    seats: Annotated[int, typer.Option(min=1, max=500)] = 8,
    calls_per_day: Annotated[int, typer.Option(min=1)] = 3000,
    duration: Annotated[str | None, typer.Option(help="simulated time to play: 90s, 30m, 8h, 1d")] = None,
    ami: Annotated[
        bool, typer.Option("--ami", help="place real calls into Asterisk (HOTLINE_AMI_*)")
    ] = False,
    log_level: LogLevel = "INFO",
) -> None:
    """Play realistic calls (daily curve, patience, handling, breaks) so the wallboard moves.

    Without --ami the calls are written to the database and the hub directly, through the same
    CallEvents the bridge produces; with --ami they are placed into Asterisk by Originate and
    `hotline ami run` records them.
    """
    _logging(log_level)
    rng = random.Random(seed)
    config = SimConfig(seats=seats, calls_per_day=calls_per_day)
    span = _duration(duration)

    async def main() -> SimStats:
        stop = asyncio.Event()
        _install_stop(stop.set)
        if ami:
            client = AmiClient(AmiSettings())
            runner = asyncio.create_task(client.run())
            try:
                if not await client.wait_connected(AmiSettings().connect_timeout_s * 2):
                    if runner.done():
                        runner.result()
                    raise typer.BadParameter("cannot reach Asterisk", param_hint="HOTLINE_AMI_HOST")
                return await drive_asterisk(
                    client, clock=SystemClock(), rng=rng, speed=speed, config=config, duration=span, stop=stop
                )
            finally:
                await client.close()
                runner.cancel()
                with contextlib.suppress(asyncio.CancelledError, AmiLoginError):
                    await runner
        settings = Settings()
        engine = make_engine(settings.database_url, echo=settings.echo_sql)
        upgrade(engine)
        hub = await _start_hub()
        try:
            sink = DatabaseSink(engine, hub, policy=_policy(settings))
            return await run_simulation(
                sink, clock=SystemClock(), rng=rng, speed=speed, config=config, duration=span, stop=stop
            )
        finally:
            await hub.stop()
            engine.dispose()

    try:
        stats = asyncio.run(main())
    except AmiLoginError as err:
        typer.echo(f"hotline simulate: {err}", err=True)
        raise typer.Exit(2) from err
    typer.echo(
        f"simulated {stats.calls} calls: {stats.answered} answered, {stats.abandoned} abandoned, "
        f"{stats.transferred} transferred ({stats.events} events)"
    )
