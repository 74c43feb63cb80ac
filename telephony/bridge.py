"""The bridge: one AMI session → ordered CallEvents → a sink (the core, through the database).

The reader only parses frames and queues them; one consumer task maps them in arrival order
(the mapping keeps per-call state) and hands batches to the sink, so per-call order holds.
After every (re)connect a snapshot (CoreShowChannels, then QueueStatus) is taken; its place
in the queue is where the first list's response arrived in the stream, so the events before it
are applied before it and the events after it on top of it.

A sink that fails is retried with backoff, the batch whole and then event by event; an event
that still fails is logged as DEAD with its JSON and the bridge goes on. A listener that
raises is logged and skipped. Nothing here raises out of ``run`` except a refused login.
"""

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, TypeVar

from hotline.calls.events import CallEvent
from hotline.clock import Clock
from telephony.client import AmiClient, AmiError, AmiListResult
from telephony.config import AmiSettings
from telephony.control import AmiCallControl
from telephony.mapping import Correlation, map_message
from telephony.protocol import AmiMessage
from telephony.reconcile import Snapshot, build_snapshot

log = logging.getLogger(__name__)
T = TypeVar("T")


class CallEventSink(Protocol):
    """Where CallEvents go: the core inside a database session (web/cli_calls.py), or a test double."""

    async def handle(self, events: Sequence[CallEvent]) -> None: ...

    async def reconcile(self, snapshot: Snapshot) -> None: ...


CallEventListener = Callable[[CallEvent], None]
MessageListener = Callable[[AmiMessage], None]


@dataclass
class BridgeStats:
    messages: int = 0
    events: int = 0
    batches: int = 0
    snapshots: int = 0
    snapshot_failures: int = 0
    sink_failures: int = 0
    dead_events: int = 0
    listener_errors: int = 0
    mapping_errors: int = 0
    last_event_at: datetime | None = None


@dataclass
class _Slot:
    """Where a snapshot goes in the stream; filled when both lists are in."""

    future: "asyncio.Future[tuple[list[AmiMessage], list[AmiMessage] | None]]"
    queued: bool = False


_Item = AmiMessage | _Slot | None


@dataclass
class Bridge:
    """AMI → CallEvents → sink; also the seat's call control over the same session."""

    settings: AmiSettings
    sink: CallEventSink
    clock: Clock
    rng: random.Random = field(default_factory=random.Random)
    stats: BridgeStats = field(default_factory=BridgeStats)

    def __post_init__(self) -> None:
        self.correlation = Correlation()
        self.client = AmiClient(
            self.settings, on_event=self._on_message, on_connected=self._on_connected, rng=self.rng
        )
        self.control = AmiCallControl(self.client, self.settings, locate=self.correlation.calls.get)
        self._queue: asyncio.Queue[_Item] = asyncio.Queue()
        self._listeners: list[CallEventListener] = []
        self._message_listeners: list[MessageListener] = []
        self._stopping = False

    def add_listener(self, listener: CallEventListener) -> None:
        """Also hand every CallEvent to ``listener`` (after the sink has it); errors are logged."""
        self._listeners.append(listener)

    def add_message_listener(self, listener: MessageListener) -> None:
        """Hand every AMI event message to ``listener`` in order (``hotline ami tail --raw``)."""
        self._message_listeners.append(listener)

    async def run(self) -> None:
        """Hold the AMI session and feed the sink until ``stop``; drains what was read before returning."""
        consumer = asyncio.create_task(self._consume(), name="ami-consumer")
        try:
            await self.client.run()
        finally:
            self._queue.put_nowait(None)
            with contextlib.suppress(asyncio.CancelledError):
                await consumer

    async def stop(self) -> None:
        """Log off, then let ``run`` hand over what is queued and return."""
        self._stopping = True
        await self.client.close()

    # -- reader side (called by the client, must not block) -----------------------------------

    def _on_message(self, msg: AmiMessage) -> None:
        self._queue.put_nowait(msg)

    def _on_connected(self) -> "asyncio.Future[None] | None":
        return asyncio.ensure_future(self._take_snapshot())

    async def _take_snapshot(self) -> None:
        loop = asyncio.get_running_loop()
        slot = _Slot(loop.create_future())

        def mark() -> None:
            slot.queued = True
            self._queue.put_nowait(slot)

        try:
            channels = await self.client.list_action("CoreShowChannels", on_start=mark)
        except AmiError as err:
            self.stats.snapshot_failures += 1
            log.warning("reconcile: CoreShowChannels failed (%s); live calls not checked", err)
            if slot.queued:
                slot.future.set_exception(err)
            return
        status: AmiListResult | None
        try:
            status = await self.client.list_action("QueueStatus")
        except AmiError as err:
            log.warning("reconcile: QueueStatus failed (%s); seat states not checked", err)
            status = None
        if not slot.queued:
            mark()
        slot.future.set_result((channels.events, status.events if status is not None else None))

    # -- the one consumer ---------------------------------------------------------------------

    async def _consume(self) -> None:
        held: list[_Item] = []  # an item taken while batching, to handle next
        while True:
            item = held.pop() if held else await self._queue.get()
            if item is None:
                return
            if isinstance(item, _Slot):
                await self._apply_slot(item)
                continue
            batch = [item]
            while len(batch) < self.settings.sink_batch_max and not self._queue.empty():
                nxt = self._queue.get_nowait()
                if not isinstance(nxt, AmiMessage):
                    held.append(nxt)
                    break
                batch.append(nxt)
            await self._handle_batch(batch)

    async def _handle_batch(self, batch: list[AmiMessage]) -> None:
        now = self.clock.now()
        events: list[CallEvent] = []
        for msg in batch:
            for raw_listener in self._message_listeners:
                self._call_listener(raw_listener, msg)
            try:
                events.extend(map_message(msg, self.correlation, now=now))
            except Exception:
                self.stats.mapping_errors += 1
                log.exception("mapping failed on %s; message skipped: %r", msg.name, msg.text[:300])
        if events:
            await self._deliver(events)
        self.stats.messages += len(batch)  # counted once handed over: "messages" means handled

    async def _apply_slot(self, slot: _Slot) -> None:
        wait = self.settings.list_timeout_s * 2 + self.settings.action_timeout_s
        try:
            channels, status = await asyncio.wait_for(asyncio.shield(slot.future), wait)
        except (AmiError, TimeoutError) as err:
            self.stats.snapshot_failures += 1
            log.warning("reconcile: no snapshot (%s); going on with the event stream alone", err)
            return
        snapshot = build_snapshot(channels, status, corr=self.correlation, now=self.clock.now())
        self.stats.snapshots += 1
        log.info(
            "reconcile: %d live calls, %s seats, %d events restated",
            len(snapshot.live_linkedids),
            "?" if snapshot.seat_interfaces is None else len(snapshot.seat_interfaces),
            len(snapshot.events),
        )
        await self._retry(lambda: self.sink.reconcile(snapshot), what="snapshot")
        self._notify(snapshot.events)

    async def _deliver(self, events: list[CallEvent]) -> None:
        self.stats.batches += 1
        if not await self._retry(lambda: self.sink.handle(events), what=f"{len(events)} events"):
            for event in events:  # a poison event must not take the others with it
                if not await self._retry(self._one(event), what=event.kind.value):
                    self.stats.dead_events += 1
                    log.error(
                        "DEAD CallEvent (sink refused it %d times): %s",
                        self.settings.sink_retries,
                        event.model_dump_json(),
                    )
        self.stats.events += len(events)
        self.stats.last_event_at = events[-1].at
        self._notify(events)

    def _one(self, event: CallEvent) -> Callable[[], Awaitable[None]]:
        return lambda: self.sink.handle([event])

    async def _retry(self, attempt: Callable[[], Awaitable[None]], *, what: str) -> bool:
        delay = 0.05
        for n in range(1, self.settings.sink_retries + 1):
            try:
                await attempt()
                return True
            except asyncio.CancelledError:
                raise
            except Exception:
                self.stats.sink_failures += 1
                log.exception("sink failed on %s (try %d of %d)", what, n, self.settings.sink_retries)
                if n < self.settings.sink_retries:
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 2.0)
        return False

    def _notify(self, events: Sequence[CallEvent]) -> None:
        for event in events:
            for listener in self._listeners:
                self._call_listener(listener, event)

    def _call_listener(self, listener: Callable[[T], None], item: T) -> None:
        try:
            listener(item)
        except Exception:
            self.stats.listener_errors += 1
            log.exception("listener %r raised; skipped", listener)
