"""A small asyncio AMI client that holds on: correlation, lists, keepalive, reconnect, clean shutdown.

One client is one AMI session at a time, reconnected for ever with backoff until ``close``.
Everything runs on one event loop: the reader task parses frames, resolves action futures by
ActionID and hands every other event, in order, to ``on_event``. A callback that raises is
logged and counted; it never stops the reader. Why not ``asterisk-ami``: see docs/telephony.md.
"""

import asyncio
import contextlib
import itertools
import logging
import os
import random
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from telephony.config import AmiSettings
from telephony.protocol import (
    BANNER_PREFIX,
    AmiMessage,
    AmiProtocolError,
    FrameSplitter,
    HeaderValue,
    OversizeFrame,
    encode_action,
)

log = logging.getLogger(__name__)


class AmiError(Exception):
    """Base of the AMI adapter's errors."""


class AmiConnectionError(AmiError, ConnectionError):
    """No session with Asterisk right now (not connected, or the link dropped mid-action)."""


class AmiLoginError(AmiError):
    """Asterisk refused the login: wrong user or secret, or a host not permitted. Not retried."""


class AmiTimeout(AmiError, TimeoutError):
    """Asterisk did not answer an action in time."""


class AmiActionError(AmiError):
    """Asterisk answered ``Response: Error``."""

    def __init__(self, action: str, message: AmiMessage) -> None:
        self.action = action
        self.response = message
        super().__init__(f"{action} failed: {message.get('Message') or 'Response: Error'}")


@dataclass(frozen=True, slots=True)
class AmiListResult:
    """A list action's answer: the first response and the events up to ``EventList: Complete``."""

    response: AmiMessage
    events: list[AmiMessage]


@dataclass
class ClientStats:
    connects: int = 0
    disconnects: int = 0
    frames: int = 0
    bytes: int = 0
    events: int = 0
    oversize_frames: int = 0
    garbage_frames: int = 0
    decode_errors: int = 0
    callback_errors: int = 0
    keepalive_failures: int = 0


@dataclass
class _Pending:
    action: str
    future: "asyncio.Future[AmiMessage | AmiListResult]"
    is_list: bool = False
    on_start: Callable[[], None] | None = None
    response: AmiMessage | None = None
    events: list[AmiMessage] = field(default_factory=list)


EventCallback = Callable[[AmiMessage], None]
ConnectCallback = Callable[[], Awaitable[None] | None]


class AmiClient:
    """Asterisk Manager Interface session, kept alive; see the module docstring."""

    def __init__(
        self,
        settings: AmiSettings,
        *,
        on_event: EventCallback | None = None,
        on_connected: ConnectCallback | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.on_event = on_event
        self.on_connected = on_connected
        self.stats = ClientStats()
        self.banner = ""
        self._rng = rng or random.Random()
        self._ids = itertools.count(1)
        self._id_prefix = f"hl-{os.getpid()}-{secrets.token_hex(3)}-"
        self._pending: dict[str, _Pending] = {}
        self._writer: asyncio.StreamWriter | None = None
        self._connected = asyncio.Event()
        self._closing = asyncio.Event()
        self._send_lock = asyncio.Lock()
        self._last_rx = time.monotonic()
        self._tasks: set[asyncio.Task[None]] = set()
        self._reader_task: asyncio.Task[None] | None = None

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    @property
    def address(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    # -- the connection loop ---------------------------------------------------------------

    async def run(self) -> None:
        """Connect, log in and read until ``close``; reconnect with backoff after any loss.

        Raises ``AmiLoginError`` when Asterisk refuses the credentials: retrying cannot help.
        """
        attempt = 0
        while not self._closing.is_set():
            try:
                _, writer = await self._open()
            except AmiLoginError:
                raise
            except (OSError, TimeoutError, AmiError, AmiProtocolError) as err:
                delay = self._backoff(attempt)
                attempt += 1
                log.warning(
                    "AMI %s: cannot connect (%s); retry %d in %.1f s", self.address, err, attempt, delay
                )
                await self._sleep_unless_closing(delay)
                continue
            attempt = 0
            try:
                if not self._closing.is_set():
                    await self._session(writer)
            finally:
                await self._drop(writer)
            if not self._closing.is_set():
                delay = self._backoff(0)
                log.warning("AMI %s: connection lost; reconnecting in %.1f s", self.address, delay)
                await self._sleep_unless_closing(delay)

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        s = self.settings
        reader, writer = await asyncio.wait_for(asyncio.open_connection(s.host, s.port), s.connect_timeout_s)
        try:
            splitter = FrameSplitter(max_frame_bytes=s.max_frame_bytes)
            leftover = await asyncio.wait_for(self._read_banner(reader, splitter), s.connect_timeout_s)
            self._writer = writer
            self._last_rx = time.monotonic()
            login = self._start_action(
                "Login",
                {
                    "Username": s.username,
                    "Secret": s.secret.get_secret_value(),
                    "Events": "on" if s.events else "off",
                },
            )
            self._reader_task = self._spawn(self._read_loop(reader, splitter, leftover))
            try:
                await self._await(login, "Login", s.connect_timeout_s)
            except AmiActionError as err:
                reason = err.response.get("Message") or "Authentication failed"
                if "shutting down" in reason.lower():  # a restarting Asterisk: try again, as for a drop
                    raise AmiConnectionError(f"AMI {self.address} refused the login: {reason}") from err
                raise AmiLoginError(
                    f"AMI login refused for user {s.username!r} at {self.address}: {reason}"
                ) from err
        except BaseException:
            await self._drop(writer)
            raise
        self.stats.connects += 1
        self._connected.set()
        log.info("AMI %s: logged in as %s (%s)", self.address, s.username, self.banner)
        return reader, writer

    async def _read_banner(
        self, reader: asyncio.StreamReader, splitter: FrameSplitter
    ) -> list[bytes | OversizeFrame]:
        while splitter.banner is None:
            data = await reader.read(self.settings.read_chunk_bytes)
            if not data:
                raise AmiConnectionError("closed before the banner")
            frames = splitter.feed(data)
            if splitter.banner is not None:
                if not splitter.banner.startswith(BANNER_PREFIX):
                    raise AmiProtocolError(f"not an AMI server: banner {splitter.banner[:80]!r}")
                self.banner = splitter.banner
                return frames
        return []

    async def _session(self, writer: asyncio.StreamWriter) -> None:
        keepalive = self._spawn(self._keepalive(writer))
        if self.on_connected is not None:
            try:
                result = self.on_connected()
                if result is not None:
                    # Spawned, not awaited: it sends actions whose answers need the reader running here.
                    self._spawn(self._guard(result, "on_connected"))
            except Exception:
                self.stats.callback_errors += 1
                log.exception("AMI on_connected callback failed")
        try:
            if self._reader_task is not None:
                await self._reader_task
        finally:
            keepalive.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keepalive

    async def _read_loop(
        self, reader: asyncio.StreamReader, splitter: FrameSplitter, leftover: list[bytes | OversizeFrame]
    ) -> None:
        try:
            await self._read_frames(reader, splitter, leftover)
        except AmiProtocolError as err:
            log.error("AMI %s: unreadable stream (%s); dropping the link", self.address, err)

    async def _read_frames(
        self, reader: asyncio.StreamReader, splitter: FrameSplitter, leftover: list[bytes | OversizeFrame]
    ) -> None:
        for frame in leftover:
            self._dispatch(frame)
        size = self.settings.read_chunk_bytes
        while True:
            try:
                data = await reader.read(size)
            except (ConnectionError, OSError) as err:
                log.warning("AMI %s: read failed: %s", self.address, err)
                return
            if not data:
                return
            self._last_rx = time.monotonic()
            self.stats.bytes += len(data)
            for frame in splitter.feed(data):
                self._dispatch(frame)

    def _dispatch(self, frame: bytes | OversizeFrame) -> None:
        self.stats.frames += 1
        if isinstance(frame, OversizeFrame):
            self.stats.oversize_frames += 1
            log.error(
                "AMI frame of %d bytes dropped (limit %d, HOTLINE_AMI_MAX_FRAME_BYTES); it began %r",
                frame.size,
                self.settings.max_frame_bytes,
                frame.head[:120],
            )
            return
        msg = AmiMessage.from_frame(frame)
        if msg.decode_error:
            self.stats.decode_errors += 1
            log.warning("AMI frame with invalid UTF-8 (replaced): %r", frame[:120])
        if msg.kind == "unknown":
            self.stats.garbage_frames += 1
            log.warning("AMI frame without Event or Response ignored: %r", frame[:120])
            return
        if msg.is_response:
            self._on_response(msg)
            return
        action_id = msg.headers.get("ActionID") if "ActionID" in msg.text else None
        if action_id:
            pending = self._pending.get(action_id)
            if pending is not None and pending.is_list and pending.response is not None:
                if msg.get("EventList").lower() == "complete":
                    self._pending.pop(action_id, None)
                    if not pending.future.done():
                        pending.future.set_result(AmiListResult(pending.response, pending.events))
                else:
                    pending.events.append(msg)
                return
        self.stats.events += 1
        if self.on_event is not None:
            try:
                self.on_event(msg)
            except Exception:
                self.stats.callback_errors += 1
                log.exception("AMI event callback raised on %s; reader goes on", msg.name)

    def _on_response(self, msg: AmiMessage) -> None:
        pending = self._pending.get(msg.action_id)
        if pending is None:
            log.debug("AMI response for no pending action: %s %s", msg.name, msg.action_id)
            return
        if msg.name.lower() == "error":
            self._pending.pop(msg.action_id, None)
            if not pending.future.done():
                pending.future.set_exception(AmiActionError(pending.action, msg))
            return
        if pending.is_list and msg.get("EventList").lower() == "start":
            pending.response = msg
            if pending.on_start is not None:
                try:
                    pending.on_start()
                except Exception:
                    self.stats.callback_errors += 1
                    log.exception("AMI list on_start callback failed")
            return
        self._pending.pop(msg.action_id, None)
        if not pending.future.done():
            pending.future.set_result(AmiListResult(msg, []) if pending.is_list else msg)

    async def _keepalive(self, writer: asyncio.StreamWriter) -> None:
        s = self.settings
        while True:
            await asyncio.sleep(s.keepalive_interval_s / 2)
            if time.monotonic() - self._last_rx < s.keepalive_interval_s:
                continue
            try:
                await self.action("Ping", timeout=s.keepalive_timeout_s)
            except (AmiTimeout, AmiActionError, AmiConnectionError) as err:
                self.stats.keepalive_failures += 1
                log.warning(
                    "AMI %s: silent for %.0f s and no answer to Ping (%s): dropping the link",
                    self.address,
                    s.keepalive_interval_s,
                    err,
                )
                writer.close()
                return

    async def _guard(self, work: Awaitable[None], what: str) -> None:
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception:
            self.stats.callback_errors += 1
            log.exception("AMI %s failed", what)

    async def _drop(self, writer: asyncio.StreamWriter) -> None:
        if self._connected.is_set():
            self.stats.disconnects += 1
        self._connected.clear()
        self._writer = None
        for action_id, pending in list(self._pending.items()):
            self._pending.pop(action_id, None)
            if not pending.future.done():
                pending.future.set_exception(AmiConnectionError(f"connection lost during {pending.action}"))
        task = self._reader_task
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), 1.0)

    def _backoff(self, attempt: int) -> float:
        s = self.settings
        ceiling = min(s.reconnect_max_s, s.reconnect_min_s * (2**attempt))
        return self._rng.uniform(ceiling / 2, ceiling)

    async def _sleep_unless_closing(self, delay: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), delay)

    def _spawn(self, coro: Awaitable[None]) -> "asyncio.Task[None]":
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- actions ---------------------------------------------------------------------------

    def _start_action(
        self,
        name: str,
        headers: Mapping[str, HeaderValue] | None,
        *,
        is_list: bool = False,
        on_start: Callable[[], None] | None = None,
    ) -> _Pending:
        writer = self._writer
        if writer is None or writer.is_closing():
            raise AmiConnectionError(f"not connected to AMI {self.address}: {name} not sent")
        action_id = f"{self._id_prefix}{next(self._ids)}"
        data = encode_action(name, headers, action_id=action_id)
        future: asyncio.Future[AmiMessage | AmiListResult] = asyncio.get_running_loop().create_future()
        pending = _Pending(name, future, is_list=is_list, on_start=on_start)
        self._pending[action_id] = pending
        # One write call per frame on one loop: frames never interleave.
        writer.write(data)
        return pending

    async def _await(self, pending: _Pending, name: str, timeout: float) -> AmiMessage | AmiListResult:
        try:
            return await asyncio.wait_for(asyncio.shield(pending.future), timeout)
        except TimeoutError as err:
            for action_id, item in list(self._pending.items()):
                if item is pending:
                    self._pending.pop(action_id, None)
            if not pending.future.done():
                pending.future.cancel()
            raise AmiTimeout(f"no answer to {name} from AMI {self.address} within {timeout:g} s") from err

    async def _wait_connected(self, name: str, timeout: float) -> None:
        if self._connected.is_set():
            return
        try:
            await asyncio.wait_for(self._connected.wait(), timeout)
        except TimeoutError as err:
            raise AmiConnectionError(f"not connected to AMI {self.address}: {name} not sent") from err

    async def action(
        self, name: str, headers: Mapping[str, HeaderValue] | None = None, *, timeout: float | None = None
    ) -> AmiMessage:
        """Send an action and return its response; ``AmiActionError`` on ``Response: Error``."""
        wait = self.settings.action_timeout_s if timeout is None else timeout
        await self._wait_connected(name, wait)
        pending = self._start_action(name, headers)
        await self._drain()
        result = await self._await(pending, name, wait)
        assert isinstance(result, AmiMessage)
        return result

    async def list_action(
        self,
        name: str,
        headers: Mapping[str, HeaderValue] | None = None,
        *,
        timeout: float | None = None,
        on_start: Callable[[], None] | None = None,
    ) -> AmiListResult:
        """Send a list action and collect its events up to ``EventList: Complete``.

        ``on_start`` runs in the reader, in stream order, when the list's first response arrives:
        the bridge uses it to mark where in the event stream the snapshot was taken.
        """
        wait = self.settings.list_timeout_s if timeout is None else timeout
        await self._wait_connected(name, wait)
        pending = self._start_action(name, headers, is_list=True, on_start=on_start)
        await self._drain()
        result = await self._await(pending, name, wait)
        assert isinstance(result, AmiListResult)
        return result

    async def _drain(self) -> None:
        writer = self._writer
        if writer is None:
            return
        async with self._send_lock:
            with contextlib.suppress(ConnectionError):
                await writer.drain()

    async def wait_connected(self, timeout: float) -> bool:
        """True once logged in, False if not within ``timeout``."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), timeout)
        return self._connected.is_set()

    async def close(self, *, timeout: float = 2.0) -> None:
        """Log off politely and stop the loop; safe to call twice or before ``run``."""
        if self._closing.is_set():
            return
        self._closing.set()
        writer = self._writer
        if self._connected.is_set() and writer is not None:
            with contextlib.suppress(AmiError, OSError):
                await self.action("Logoff", timeout=timeout)
            writer.close()
        task = self._reader_task
        if task is not None and not task.done():
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(task), timeout)
            task.cancel()
