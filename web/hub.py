"""Fan-out of live events to websocket pages: in-process by default, Redis pub/sub across processes.

``publish`` is the core's ``EventPublisher`` port and may be called from any thread (the sync
routes run in a thread pool): it hands the event to the event loop. Each subscriber has a bounded
queue of ready-to-send JSON texts; a slow page loses its oldest messages rather than holding up
the others (every message a page gets is a full state or a hint to refetch, never a delta).
"""

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

QUEUE_SIZE = 64
Listener = Callable[[str, dict[str, Any]], None]


def encode(topic: str, payload: dict[str, Any]) -> str:
    """The text a page receives: ``{"topic": ..., "data": ...}``."""
    return json.dumps({"topic": topic, "data": payload}, ensure_ascii=False, default=str)


def matches(pattern: str, topic: str) -> bool:
    """A pattern is a topic name, or a prefix ending in ``*`` (``seat.*``)."""
    return topic == pattern or (pattern.endswith("*") and topic.startswith(pattern[:-1]))


@dataclass(eq=False)
class Subscription:
    """One page's queue of messages on some topics; iterate it to receive them."""

    patterns: frozenset[str]
    accept: Callable[[str, dict[str, Any]], bool] | None = None
    queue: asyncio.Queue[str] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    dropped: int = 0

    def offer(self, text: str) -> None:
        if self.queue.full():
            with contextlib.suppress(asyncio.QueueEmpty):
                self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(text)

    def __aiter__(self) -> AsyncIterator[str]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[str]:
        while True:
            yield await self.queue.get()


class Hub:
    """In-process pub/sub on the app's event loop."""

    def __init__(self) -> None:
        # Indexed by pattern: an event costs a lookup per pattern in use, not a test per page
        # (with a thousand wallboards and the desks open, every ticket event would scan them all).
        self._by_pattern: dict[str, set[Subscription]] = {}
        self._listeners: list[Listener] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self.published = 0

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()

    async def stop(self) -> None:
        self._loop = None

    @property
    def backend(self) -> str:
        return "memory"

    def publish(self, topic: str, payload: dict[str, Any]) -> None:
        """Send an event to every subscriber (of every process, with Redis); safe from any thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            log.debug("hub not running; dropped %s", topic)
            return
        self.published += 1
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._send(topic, payload)
        else:
            loop.call_soon_threadsafe(self._send, topic, payload)

    def _send(self, topic: str, payload: dict[str, Any]) -> None:
        self.deliver_local(topic, payload)

    def deliver_local(self, topic: str, payload: dict[str, Any]) -> None:
        """Hand an event to this process's listeners and subscribers; call on the loop."""
        for listener in list(self._listeners):
            try:
                listener(topic, payload)
            except Exception:
                log.exception("hub listener failed on %s", topic)
        text: str | None = None
        for sub in self._subscribers(topic):
            if sub.accept is not None and not sub.accept(topic, payload):
                continue
            text = text if text is not None else encode(topic, payload)
            sub.offer(text)

    def deliver_text(self, topic: str, text: str) -> None:
        """Hand an already encoded message to this process's subscribers (the wallboard's snapshot)."""
        for sub in self._subscribers(topic):
            sub.offer(text)

    def _subscribers(self, topic: str) -> list[Subscription]:
        """Each subscription with a pattern matching ``topic``, once."""
        found: dict[Subscription, None] = {}
        for pattern, subs in list(self._by_pattern.items()):
            if matches(pattern, topic):
                found.update(dict.fromkeys(subs))
        return list(found)

    def add_listener(self, listener: Listener) -> None:
        """A function called on the loop with every event (of every process)."""
        self._listeners.append(listener)

    @contextlib.contextmanager
    def subscribe(
        self, patterns: Iterable[str], accept: Callable[[str, dict[str, Any]], bool] | None = None
    ) -> Any:
        sub = Subscription(frozenset(patterns), accept)
        for pattern in sub.patterns:
            self._by_pattern.setdefault(pattern, set()).add(sub)
        try:
            yield sub
        finally:
            for pattern in sub.patterns:
                subs = self._by_pattern.get(pattern, set())
                subs.discard(sub)
                if not subs:
                    self._by_pattern.pop(pattern, None)

    @property
    def subscriber_count(self) -> int:
        return len({sub for subs in self._by_pattern.values() for sub in subs})

    def watchers(self, topic: str) -> int:
        """How many of this process's pages listen to ``topic``."""
        return len(self._subscribers(topic))


class RedisHub(Hub):
    """Events go through Redis pub/sub, so each process's pages see every process's events."""

    def __init__(self, url: str, *, prefix: str = "hotline:") -> None:
        super().__init__()
        self._url = url
        self._prefix = prefix
        self._outbox: asyncio.Queue[tuple[str, str]] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._ready = asyncio.Event()

    @property
    def backend(self) -> str:
        return "redis"

    async def start(self) -> None:
        from redis.asyncio import Redis  # imported here: the in-process default needs no Redis

        await super().start()
        self._client: Redis = Redis.from_url(self._url)
        await self._client.ping()
        self._outbox = asyncio.Queue()
        self._ready = asyncio.Event()
        self._tasks = [
            asyncio.create_task(self._publisher(), name="hub-redis-publisher"),
            asyncio.create_task(self._reader(), name="hub-redis-reader"),
        ]
        await asyncio.wait_for(self._ready.wait(), timeout=5)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        await self._client.aclose()
        await super().stop()

    def _send(self, topic: str, payload: dict[str, Any]) -> None:
        assert self._outbox is not None
        self._outbox.put_nowait((self._prefix + topic, json.dumps(payload, ensure_ascii=False, default=str)))

    async def _publisher(self) -> None:
        assert self._outbox is not None
        while True:
            channel, body = await self._outbox.get()
            try:
                await self._client.publish(channel, body)
            except Exception:
                log.exception("redis publish failed on %s", channel)

    async def _reader(self) -> None:
        while True:
            try:
                async with self._client.pubsub() as pubsub:
                    await pubsub.psubscribe(self._prefix + "*")
                    self._ready.set()
                    async for message in pubsub.listen():
                        if message.get("type") != "pmessage":
                            continue
                        channel = message["channel"]
                        channel = channel.decode() if isinstance(channel, bytes) else str(channel)
                        payload = json.loads(message["data"])
                        self.deliver_local(channel.removeprefix(self._prefix), payload)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("redis subscription lost; resubscribing in 1 s")
                await asyncio.sleep(1)


def make_hub(redis_url: str | None, *, prefix: str = "hotline:") -> Hub:
    return RedisHub(redis_url, prefix=prefix) if redis_url else Hub()
