"""A small AMI server for tests: a real TCP socket on 127.0.0.1, recorded streams, answered actions.

Each connection gets the banner, answers Login (or refuses it), answers Ping, the list actions
the bridge sends after login (CoreShowChannels, QueueStatus: from ``snapshot``), Logoff, and
any other action with Success; every action received is kept in ``actions``. Once the snapshot
lists are answered (or at once after Login when ``wait_for_snapshot`` is off), the connection's
script runs: typically ``stream(frames)`` of a recorded file, whole or a few bytes per write.
"""

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from telephony.protocol import AmiMessage, FrameSplitter, OversizeFrame, split_stream

# The streams recorded from Asterisk 22.10.1 are the team's shared data, read where they lie
# (``../shared/ami/``), never copied into the project; without them these tests skip.
FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "ami"
BANNER = b"Asterisk Call Manager/11.0.0\r\n"


def recorded(filename: str) -> Path:
    """A recorded file of ``../shared/ami/`` (``answered.ami``, ``abandoned.sent``…); skips without it."""
    path = FIXTURES / filename
    if not path.exists():
        pytest.skip(f"recorded AMI stream {path} is absent (it comes with ../shared/ami)")
    return path


def fixture_frames(name: str) -> list[bytes]:
    """The recorded frames of ``<name>.ami`` (banner left out), byte for byte."""
    _, frames = split_stream(recorded(f"{name}.ami").read_bytes(), max_frame_bytes=1 << 24)
    return [f for f in frames if not isinstance(f, OversizeFrame)]


def frame(*pairs: tuple[str, str]) -> bytes:
    return "\r\n".join(f"{k}: {v}" for k, v in pairs).encode()


def event_index(frames: Sequence[bytes], name: str, nth: int = 1) -> int:
    """Index of the nth ``Event: name`` frame."""
    seen = 0
    for i, f in enumerate(frames):
        if f.startswith(f"Event: {name}\r\n".encode()):
            seen += 1
            if seen == nth:
                return i
    raise LookupError(f"no {name} #{nth}")


def is_event(f: bytes) -> bool:
    return f.startswith(b"Event: ")


@dataclass
class Snapshot:
    """What the list actions answer: CoreShowChannel and QueueMember/QueueEntry frames (no ActionID)."""

    channels: list[bytes] = field(default_factory=list)
    queue_status: list[bytes] = field(default_factory=list)


class Conn:
    """One client connection as the script sees it."""

    def __init__(self, server: "FakeAmi", writer: asyncio.StreamWriter, index: int) -> None:
        self.server = server
        self.writer = writer
        self.index = index
        self.lock = asyncio.Lock()
        self.ready = asyncio.Event()  # logged in and snapshot answered
        self.events_sent = 0

    async def send_frame(self, data: bytes, *, chunk: int | None = None, count: bool = True) -> None:
        payload = data + b"\r\n\r\n"
        async with self.lock:
            if chunk is None:
                self.writer.write(payload)
            else:
                for n, start in enumerate(range(0, len(payload), chunk)):
                    self.writer.write(payload[start : start + chunk])
                    if n % 64 == 63:
                        await self.writer.drain()
            await self.writer.drain()
        if count and is_event(data):
            self.events_sent += 1
            self.server.events_sent += 1

    async def stream(self, frames: Sequence[bytes], *, chunk: int | None = None) -> None:
        for data in frames:
            await self.send_frame(data, chunk=chunk)

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(Exception):
            await self.writer.wait_closed()


Script = Callable[[Conn], Awaitable[None]]


def stream(frames: Sequence[bytes], *, chunk: int | None = None, then_close: bool = False) -> Script:
    async def script(conn: Conn) -> None:
        await conn.stream(frames, chunk=chunk)
        if then_close:
            await conn.close()

    return script


class FakeAmi:
    def __init__(
        self,
        scripts: Sequence[Script] = (),
        *,
        username: str = "hotline",
        secret: str = "secret",  # noqa: S107  (the recorded test peer's secret)
        refuse_login: bool = False,
        answer_pings: bool | Callable[[int], bool] = True,
        wait_for_snapshot: bool = True,
        snapshot: Callable[[int], Snapshot] | None = None,
    ) -> None:
        self.scripts = list(scripts)
        self.username = username
        self.secret = secret
        self.refuse_login = refuse_login
        self.answer_pings = answer_pings
        self.wait_for_snapshot = wait_for_snapshot
        self.snapshot = snapshot or (lambda index: Snapshot())
        self.actions: list[AmiMessage] = []
        self.connections = 0
        self.logins = 0
        self.events_sent = 0
        self.scripts_done = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self, port: int = 0) -> "FakeAmi":
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", port or self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        """Stop listening and drop every connection (the server going down)."""
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
            self._server = None
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def actions_named(self, name: str) -> list[AmiMessage]:
        return [a for a in self.actions if a.get("Action") == name]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        index = self.connections
        self.connections += 1
        self._writers.add(writer)
        conn = Conn(self, writer, index)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        script_task: asyncio.Task[None] | None = None
        answered: set[str] = set()
        try:
            writer.write(BANNER)
            await writer.drain()
            splitter = FrameSplitter(expect_banner=False, max_frame_bytes=1 << 20)
            while True:
                data = await reader.read(65536)
                if not data:
                    return
                for raw in splitter.feed(data):
                    if isinstance(raw, OversizeFrame):
                        continue
                    action = AmiMessage.from_frame(raw)
                    self.actions.append(action)
                    name = action.get("Action")
                    if not await self._answer(conn, name, action):
                        return
                    answered.add(name)
                    logged_in = "Login" in answered and not self.refuse_login
                    snap_done = {"CoreShowChannels", "QueueStatus"} <= answered or not self.wait_for_snapshot
                    if logged_in and snap_done and script_task is None:
                        conn.ready.set()
                        script = self.scripts[min(index, len(self.scripts) - 1)] if self.scripts else None
                        if script is not None:
                            script_task = asyncio.create_task(self._run_script(script, conn))
                            self._tasks.add(script_task)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._writers.discard(writer)
            if task is not None:
                self._tasks.discard(task)
            writer.close()

    async def _run_script(self, script: Script, conn: Conn) -> None:
        try:
            await script(conn)
        except (ConnectionError, asyncio.CancelledError):
            return
        self.scripts_done += 1

    async def _answer(self, conn: Conn, name: str, action: AmiMessage) -> bool:
        aid = action.get("ActionID")
        if name == "Login":
            if (
                self.refuse_login
                or action.get("Username") != self.username
                or action.get("Secret") != self.secret
            ):
                await conn.send_frame(
                    frame(("Response", "Error"), ("ActionID", aid), ("Message", "Authentication failed"))
                )
                return False
            self.logins += 1
            await conn.send_frame(
                frame(("Response", "Success"), ("ActionID", aid), ("Message", "Authentication accepted"))
            )
            await conn.send_frame(
                frame(("Event", "FullyBooted"), ("Privilege", "system,all"), ("Status", "Fully Booted"))
            )
        elif name == "Ping":
            pings = self.answer_pings
            if pings(conn.index) if callable(pings) else pings:
                await conn.send_frame(
                    frame(
                        ("Response", "Success"),
                        ("ActionID", aid),
                        ("Ping", "Pong"),
                        ("Timestamp", f"{time.time():.6f}"),
                    )
                )
        elif name in ("CoreShowChannels", "QueueStatus"):
            snap = self.snapshot(conn.index)
            items = snap.channels if name == "CoreShowChannels" else snap.queue_status
            done = "CoreShowChannelsComplete" if name == "CoreShowChannels" else "QueueStatusComplete"
            await conn.send_frame(
                frame(
                    ("Response", "Success"),
                    ("ActionID", aid),
                    ("EventList", "start"),
                    ("Message", "will follow"),
                )
            )
            for item in items:
                await conn.send_frame(item + f"\r\nActionID: {aid}".encode(), count=False)
            await conn.send_frame(
                frame(
                    ("Event", done),
                    ("ActionID", aid),
                    ("EventList", "Complete"),
                    ("ListItems", str(len(items))),
                ),
                count=False,
            )
        elif name == "NeverAnswered":
            pass
        elif name == "Fail":
            await conn.send_frame(
                frame(("Response", "Error"), ("ActionID", aid), ("Message", "No such thing"))
            )
        elif name == "Logoff":
            await conn.send_frame(
                frame(("Response", "Goodbye"), ("ActionID", aid), ("Message", "Thanks for all the fish."))
            )
            return False
        else:
            await conn.send_frame(
                frame(("Response", "Success"), ("ActionID", aid), ("Message", f"{name} ok"))
            )
        return True


def core_show_channel(
    channel: str,
    uniqueid: str,
    linkedid: str,
    *,
    application: str = "",
    bridge: str = "",
    duration: str = "00:00:05",
    number: str = "",
    name: str = "",
) -> bytes:
    return frame(
        ("Event", "CoreShowChannel"),
        ("Channel", channel),
        ("ChannelState", "6"),
        ("ChannelStateDesc", "Up"),
        ("CallerIDNum", number or "<unknown>"),
        ("CallerIDName", name or "<unknown>"),
        ("Uniqueid", uniqueid),
        ("Linkedid", linkedid),
        ("BridgeId", bridge),
        ("Application", application),
        ("ApplicationData", ""),
        ("Duration", duration),
    )


def queue_member(
    interface: str, *, status: str = "1", paused: bool = False, reason: str = "", name: str = ""
) -> bytes:
    return frame(
        ("Event", "QueueMember"),
        ("Queue", "12345"),
        ("Name", name or f"Operator {interface[6:10]}"),
        ("Location", interface),
        ("StateInterface", interface),
        ("Membership", "static"),
        ("Status", status),
        ("Paused", "1" if paused else "0"),
        ("PausedReason", reason),
        ("InCall", "0"),
    )


def queue_entry(channel: str, uniqueid: str, *, wait: int, number: str, name: str = "") -> bytes:
    return frame(
        ("Event", "QueueEntry"),
        ("Queue", "12345"),
        ("Position", "1"),
        ("Channel", channel),
        ("Uniqueid", uniqueid),
        ("CallerIDNum", number),
        ("CallerIDName", name),
        ("Wait", str(wait)),
    )
