"""Wiring of the phone side into the app, in one place: Asterisk call control, or the simulator.

With Asterisk the bridge runs as its own process (`hotline ami run`, one per deployment) and
reaches the pages through the database and Redis; each app process holds its own action-only
AMI session (``Events: off``: it never handles call events) for ``AmiCallControl``
(``HOTLINE_WEB_CALL_CONTROL=ami``). In the demo the simulator runs inside the one app process
and its ``SimulatedCallControl`` fills the ``CallControl`` port, so the seat's buttons work
without a PBX.
"""

import asyncio
import contextlib
import logging
import random
from collections.abc import Sequence

from hotline.calls.events import CallEvent
from hotline.calls.service import CallPolicy, handle_call_event
from hotline.db import session_scope
from telephony.client import AmiClient, AmiLoginError
from telephony.config import AmiSettings
from telephony.control import AmiCallControl
from telephony.simulator import SimConfig, Simulation
from web.cli_calls import BufferedPublisher
from web.deps import AppServices

log = logging.getLogger(__name__)
DEMO_CONFIG = SimConfig(seats=6, calls_per_day=2500)


class SerialisedSink:
    """The simulator's sink: each batch one write transaction, off the loop."""

    def __init__(self, services: AppServices) -> None:
        self._services = services
        self._policy = CallPolicy(short_abandon_s=services.settings.short_abandon_s)

    async def handle(self, events: Sequence[CallEvent]) -> None:
        await asyncio.to_thread(self._handle, list(events))

    def _handle(self, events: list[CallEvent]) -> None:
        buffer = BufferedPublisher()
        with session_scope(self._services.engine) as session:
            for event in events:
                handle_call_event(session, event=event, publisher=buffer, policy=self._policy, commit=False)
        buffer.flush_to(self._services.hub)


class SimulatorRunner:
    """The demo's call centre: plays simulated calls into the database and the hub until stopped."""

    def __init__(self, services: AppServices, *, config: SimConfig = DEMO_CONFIG, speed: float = 1.0) -> None:
        sink = SerialisedSink(services)
        self.simulation = Simulation(
            sink, clock=services.clock, rng=random.Random(), speed=speed, config=config
        )
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="call-simulator")

    async def _run(self) -> None:
        try:
            stats = await self.simulation.run(stop=self._stop)
            log.info("simulator stopped after %s calls", stats.calls)
        except Exception:
            log.exception("the call simulator failed")

    async def stop(self) -> None:
        self._stop.set()
        self.simulation.poke()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._task, timeout=5)


class AmiControlRunner:
    """This process's action-only AMI session, kept up (with backoff) for the seat's buttons."""

    def __init__(self, settings: AmiSettings | None = None) -> None:
        ami = (settings or AmiSettings()).model_copy(update={"events": False})
        self.client = AmiClient(ami)
        self.control = AmiCallControl(self.client, ami)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="ami-call-control")

    async def _run(self) -> None:
        try:
            await self.client.run()
        except AmiLoginError as err:  # retrying cannot help: the buttons answer "not connected"
            log.error("call control: %s", err)
        except Exception:
            log.exception("call control: the AMI session failed")

    async def stop(self) -> None:
        await self.client.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._task, timeout=5)
