"""Helpers for the telephony tests: bounded async runs, a sink on the test's session, a replay rig."""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest
from pydantic import SecretStr
from sqlmodel import Session, col, select

from hotline.calls.events import CallEvent
from hotline.calls.models import Call, Seat
from hotline.calls.service import CallPolicy, handle_call_event, reconcile_live
from hotline.clock import FixedClock
from hotline.ports import NullPublisher
from telephony.bridge import Bridge
from telephony.config import AmiSettings
from telephony.reconcile import Snapshot
from tests.telephony.amiserver import FakeAmi

T = TypeVar("T")

# Just after the recordings (2026-11-21 09:45-09:48 UTC): "now" for snapshots and untimed events.
AFTER_RECORDING = datetime(2026, 11, 21, 9, 50, tzinfo=UTC)


def run(coro: Coroutine[Any, Any, T], timeout: float = 20.0) -> T:
    """Run a coroutine on a fresh loop, bounded so a bug cannot hang the suite."""

    async def bounded() -> T:
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(bounded())


async def wait_until(condition: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.005)


def ami_settings(port: int, **overrides: Any) -> AmiSettings:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "username": "hotline",
        "secret": SecretStr("secret"),
        "connect_timeout_s": 2.0,
        "action_timeout_s": 2.0,
        "list_timeout_s": 2.0,
        "keepalive_interval_s": 5.0,
        "keepalive_timeout_s": 1.0,
        "reconnect_min_s": 0.05,
        "reconnect_max_s": 0.2,
        "sink_retries": 3,
    }
    values.update(overrides)
    return AmiSettings(**values)


@dataclass
class SessionSink:
    """The core on the test's session (rolled back after the test), as the bridge's sink."""

    session: Session
    publisher: NullPublisher = field(default_factory=NullPublisher)
    policy: CallPolicy = field(default_factory=CallPolicy)
    events: list[CallEvent] = field(default_factory=list)
    snapshots: list[Snapshot] = field(default_factory=list)
    repeat: int = 1  # apply each event this many times (idempotence)
    fail: Callable[[CallEvent], bool] | None = None

    async def handle(self, events: Sequence[CallEvent]) -> None:
        for event in events:
            if self.fail is not None and self.fail(event):
                self.session.rollback()
                raise RuntimeError(f"sink refused {event.kind.value}")
        for event in events:
            for _ in range(self.repeat):
                handle_call_event(self.session, event=event, publisher=self.publisher, policy=self.policy)
            self.events.append(event)

    async def reconcile(self, snapshot: Snapshot) -> None:
        self.snapshots.append(snapshot)
        reconcile_live(
            self.session,
            events=snapshot.events,
            live_linkedids=snapshot.live_linkedids,
            seat_interfaces=snapshot.seat_interfaces,
            now=snapshot.at,
            publisher=self.publisher,
            policy=self.policy,
        )

    def topics(self, topic: str) -> list[dict[str, Any]]:
        return [payload for t, payload in self.publisher.published if t == topic]


def calls(session: Session) -> list[Call]:
    return list(session.exec(select(Call).order_by(Call.id)).all())  # type: ignore[arg-type]


def seats(session: Session) -> dict[str, Seat]:
    """By interface, in interface order: without ORDER BY, PostgreSQL returns updated rows in any order."""
    return {s.interface: s for s in session.exec(select(Seat).order_by(col(Seat.interface))).all()}


@dataclass
class Rig:
    server: FakeAmi
    bridge: Bridge
    sink: SessionSink
    task: "asyncio.Task[None]"

    async def settle(self, *, scripts: int = 1, timeout: float = 10.0) -> None:
        """Wait until the server's scripts have run and the bridge has consumed every event sent."""
        await wait_until(lambda: self.server.scripts_done >= scripts, timeout, "the server's scripts")
        await wait_until(
            lambda: (
                self.bridge.stats.messages + self.bridge.client.stats.oversize_frames
                >= self.server.events_sent
                and self.bridge._queue.empty()
            ),
            timeout,
            f"the bridge to consume {self.server.events_sent} events",
        )
        await asyncio.sleep(0.01)

    async def close(self) -> None:
        await self.bridge.stop()
        await asyncio.wait_for(self.task, 5)
        await self.server.stop()


async def start_rig(
    server: FakeAmi,
    sink: SessionSink,
    *,
    clock: FixedClock | None = None,
    settings: dict[str, Any] | None = None,
    setup: Callable[[Bridge], None] | None = None,
) -> Rig:
    await server.start()
    bridge = Bridge(
        ami_settings(server.port, **(settings or {})), sink, clock=clock or FixedClock(AFTER_RECORDING)
    )
    if setup is not None:
        setup(bridge)
    task = asyncio.create_task(bridge.run())
    return Rig(server, bridge, sink, task)


Runner = Callable[[Session], Awaitable[None]]


@pytest.fixture
def caplog_telephony(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="telephony")
    return caplog
