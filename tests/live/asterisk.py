"""A real Asterisk 22 for the live tests: started by ``../shared/asterisk/start``, given our dialplan.

``start DIR`` unpacks the build, writes its config from ``../shared/ami/conf/`` and starts it. The
deployment's own dialplan, queue and transfer features (``docker/asterisk/``, what compose runs)
then replace the recorded ones in ``DIR/etc`` and are reloaded over AMI, so the tests run the
configuration a city deploys. The test build ships no sound files; the transfer feature aborts
when its prompt cannot be played, so the harness writes short silent prompts for it (a real
install has Asterisk's core sounds).

Asterisk's own records are the yardstick: ``queue_log`` (a file in ``DIR/log``) and the CDRs it
sends over AMI (``cdr_manager``), collected by an observer session of their own.
"""

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr

from telephony.client import AmiActionError, AmiClient
from telephony.config import AmiSettings
from telephony.protocol import AmiMessage

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
START = SHARED / "asterisk" / "start"
STOP = SHARED / "asterisk" / "stop"
DEPLOYED = REPO / "docker" / "asterisk"
OUR_CONF = ("extensions.conf", "queues.conf", "features.conf", "pjsip_notify.conf")
DESK_PHONE = Path(__file__).resolve().parent / "desk_phone.xml"
PROMPTS = ("pbx-transfer", "beep", "beeperr", "pbx-invalid")
_SILENCE = bytes(1600)  # 0.1 s of 8 kHz 16-bit signed linear


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def why_not_live() -> str | None:
    """The reason the live tests cannot run here, or None."""
    if not START.exists():
        return f"live Asterisk tests: {START} is absent (they need ../shared/asterisk)"
    if shutil.which("sipp") is None:
        return "live Asterisk tests: sipp is not installed (Debian package sip-tester; .ci/run installs it)"
    return None


@dataclass(frozen=True, slots=True)
class QueueLogLine:
    """One line of Asterisk's queue_log: ``time|callid|queue|agent|event|data1|data2|...``."""

    time: int
    callid: str
    queue: str
    agent: str
    event: str
    data: tuple[str, ...]


@dataclass
class Observer:
    """An AMI session of its own that keeps Asterisk's CDRs and every transfer/queue event."""

    settings: AmiSettings
    messages: list[AmiMessage] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    KEEP = frozenset(
        {
            "Cdr",
            "AttendedTransfer",
            "BlindTransfer",
            "AgentConnect",
            "AgentComplete",
            "QueueCallerAbandon",
            "QueueMemberPause",
            "AgentCalled",
            "OriginateResponse",
        }
    )

    def on_event(self, msg: AmiMessage) -> None:
        if msg.name in self.KEEP:
            with self._lock:
                self.messages.append(msg)

    def named(self, name: str) -> list[AmiMessage]:
        with self._lock:
            return [m for m in self.messages if m.name == name]


class LiveAsterisk:
    """One Asterisk process in ``root``, loopback only, on free ports."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.ami_port = free_port()
        self.sip_port = free_port(socket.SOCK_DGRAM)
        self.rtp_start = 20000 + (os.getpid() % 200) * 100
        self.observer = Observer(self.ami_settings())
        self._observer_thread: threading.Thread | None = None
        self._observer_loop: asyncio.AbstractEventLoop | None = None
        self._observer_client: AmiClient | None = None

    def ami_settings(self, **overrides: object) -> AmiSettings:
        values: dict[str, object] = {
            "host": "127.0.0.1",
            "port": self.ami_port,
            "username": "hotline",
            "secret": SecretStr("secret"),
            "connect_timeout_s": 3.0,
            "action_timeout_s": 5.0,
            "list_timeout_s": 10.0,
            "keepalive_interval_s": 2.0,
            "keepalive_timeout_s": 2.0,
            "reconnect_min_s": 0.2,
            "reconnect_max_s": 1.0,
            "queue": "12345",
        }
        values.update(overrides)
        return AmiSettings.model_validate(values)

    def env(self) -> dict[str, str]:
        """The HOTLINE_AMI_* settings a process needs to reach this Asterisk."""
        return {
            "HOTLINE_AMI_HOST": "127.0.0.1",
            "HOTLINE_AMI_PORT": str(self.ami_port),
            "HOTLINE_AMI_USERNAME": "hotline",
            "HOTLINE_AMI_SECRET": "secret",
            "HOTLINE_AMI_QUEUE": "12345",
            "HOTLINE_AMI_KEEPALIVE_INTERVAL_S": "2",
            "HOTLINE_AMI_KEEPALIVE_TIMEOUT_S": "2",
            "HOTLINE_AMI_RECONNECT_MIN_S": "0.2",
            "HOTLINE_AMI_RECONNECT_MAX_S": "1",
        }

    # -- the process ------------------------------------------------------------------------

    def start(self) -> None:
        env = {
            **os.environ,
            "AMI_PORT": str(self.ami_port),
            "SIP_PORT": str(self.sip_port),
            "RTP_START": str(self.rtp_start),
        }
        out = subprocess.run(
            [str(START), str(self.root)], env=env, capture_output=True, text=True, timeout=60
        )
        if out.returncode != 0:
            raise RuntimeError(f"Asterisk did not start: {out.stdout} {out.stderr}")
        for name in OUR_CONF:
            shutil.copy(DEPLOYED / name, self.root / "etc" / name)
        sounds = self.root / "hotline-asterisk" / "var" / "lib" / "asterisk" / "sounds" / "en"
        sounds.mkdir(parents=True, exist_ok=True)
        for prompt in PROMPTS:
            (sounds / f"{prompt}.sln").write_bytes(_SILENCE)
        # AMI opens before the modules have loaded: wait until Asterisk says it is fully booted.
        wait_for(
            lambda: "fully booted" in self.command("core waitfullybooted").lower(), 30, "Asterisk to boot"
        )
        for command in ("dialplan reload", "module reload app_queue.so", "module reload features"):
            reply = self.command(command)
            assert reply.startswith("Success"), f"{command}: {reply}"
        # The recorded set-up has no pjsip_notify.conf, so res_pjsip_notify declined to load.
        wait_for(self._load_notify, 10, "res_pjsip_notify to load")
        self.start_observer()

    def _load_notify(self) -> bool:
        try:  # refused while the reloads above are still queued
            self.run_actions([("ModuleLoad", {"Module": "res_pjsip_notify.so", "LoadType": "load"})])
        except AmiActionError:
            return "res_pjsip_notify" in self.command("module show like res_pjsip_notify")
        return True

    def stop(self) -> None:
        self.stop_observer()
        subprocess.run([str(STOP), str(self.root)], check=False, timeout=30)
        pid_file = self.root / "asterisk.pid"
        deadline = time.monotonic() + 10
        while self.alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        with contextlib.suppress(FileNotFoundError):
            pid_file.unlink()

    def alive(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.ami_port), timeout=0.2):
                return True
        except OSError:
            return False

    def restart(self) -> None:
        """Stop the process (calls on it die with it) and start it again with our configuration."""
        self.stop()
        self.start()

    # -- talking to it ----------------------------------------------------------------------

    def run_actions(self, actions: list[tuple[str, dict[str, str | list[str]]]]) -> list[AmiMessage]:
        """Send actions on a short session of their own (as a test would from the CLI)."""

        async def go() -> list[AmiMessage]:
            client = AmiClient(self.ami_settings(events=False))
            task = asyncio.create_task(client.run())
            try:
                assert await client.wait_connected(5), "no AMI session"
                return [await client.action(name, headers) for name, headers in actions]
            finally:
                await client.close()
                with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                    await asyncio.wait_for(task, 3)

        return asyncio.run(go())

    def command(self, command: str) -> str:
        """A CLI command over AMI: ``Success <output>`` or ``Error <output>``."""
        try:
            (reply,) = self.run_actions([("Command", {"Command": command})])
        except AmiActionError as err:
            reply = err.response
        return f"{reply.get('Response')} " + "\n".join(reply.getall("Output"))

    def set_global(self, **values: str | int) -> None:
        self.run_actions([("Setvar", {"Variable": k, "Value": str(v)}) for k, v in values.items()])

    def local_call(self, number: str, *, name: str = "", patience_s: int = 60) -> None:
        """A citizen on a Local channel: rings 12345 and hangs up after ``patience_s`` at the latest."""
        self.run_actions(
            [
                (
                    "Originate",
                    {
                        "Channel": f"Local/{number}@incoming",
                        "Context": "caller",
                        "Exten": "patient",
                        "Priority": "1",
                        "CallerID": f'"{name}" <{number}>' if name else number,
                        "Async": "true",
                        "Variable": [f"PATIENCE={patience_s}"],
                    },
                )
            ]
        )

    def sip_calls(
        self,
        number: str,
        *,
        calls: int = 1,
        rate: float = 1.0,
        hold_ms: int = 4000,
        local_port: int | None = None,
    ) -> subprocess.Popen[bytes]:
        """Real SIP calls from sipp (INVITE/ACK, then BYE after ``hold_ms``) into the hotline."""
        port = local_port or free_port(socket.SOCK_DGRAM)
        target = ["-sn", "uac", "-s", number, "-r", str(rate), "-d", str(hold_ms), "-l", str(calls)]
        return self._sipp([f"127.0.0.1:{self.sip_port}", *target], port=port, calls=calls, timeout_s=120)

    def _sipp(self, args: list[str], *, port: int, calls: int, timeout_s: int) -> subprocess.Popen[bytes]:
        """sipp on loopback ``port``, bounded in calls and time; its errors go to ``DIR/sipp-<port>.err``."""
        bounds = ["-m", str(calls), "-timeout", f"{timeout_s}s", "-timeout_error"]
        errors = ["-trace_err", "-error_file", str(self.root / f"sipp-{port}.err")]
        return subprocess.Popen(
            ["sipp", *args, "-i", "127.0.0.1", "-p", str(port), "-nostdin", *bounds, *errors],
            cwd=self.root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def add_desk_phone(self, extension: str) -> int:
        """A SIP endpoint for an operator's desk phone on a free port; returns the port it listens on."""
        port = free_port(socket.SOCK_DGRAM)
        endpoint = (
            f"\n[{extension}]\ntype = endpoint\ncontext = from-sip\ndisallow = all\nallow = ulaw\n"
            f"aors = {extension}\ndirect_media = no\nrtp_ipv6 = no\nmedia_address = 127.0.0.1\n"
            f"\n[{extension}]\ntype = aor\ncontact = sip:{extension}@127.0.0.1:{port}\n"
        )
        with (self.root / "etc" / "pjsip.conf").open("a", encoding="utf-8") as conf:
            conf.write(endpoint)
        reply = self.command("module reload res_pjsip.so")
        assert reply.startswith("Success"), reply
        return port

    def desk_phone(self, port: int) -> subprocess.Popen[bytes]:
        """sipp as that desk phone: rings, answers on a NOTIFY ``Event: talk``, talks until BYE."""
        return self._sipp(["-sf", str(DESK_PHONE)], port=port, calls=1, timeout_s=60)

    # -- Asterisk's own records -------------------------------------------------------------

    def queue_log(self) -> list[QueueLogLine]:
        path = self.root / "log" / "queue_log"
        if not path.exists():
            return []
        lines = []
        for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
            parts = raw.split("|")
            if len(parts) >= 5 and parts[0].isdigit():
                lines.append(
                    QueueLogLine(int(parts[0]), parts[1], parts[2], parts[3], parts[4], tuple(parts[5:]))
                )
        return lines

    def queue_events(self, *names: str, since: int = 0) -> list[QueueLogLine]:
        return [line for line in self.queue_log() if line.event in names and line.time >= since]

    def start_observer(self) -> None:
        ready = threading.Event()

        def main() -> None:
            loop = asyncio.new_event_loop()
            self._observer_loop = loop
            client = AmiClient(self.observer.settings, on_event=self.observer.on_event)
            self._observer_client = client
            task = loop.create_task(client.run())

            async def wait() -> None:
                await client.wait_connected(5)
                ready.set()

            loop.run_until_complete(wait())
            with contextlib.suppress(asyncio.CancelledError):
                loop.run_until_complete(task)
            loop.close()

        self._observer_thread = threading.Thread(target=main, name="asterisk-observer", daemon=True)
        self._observer_thread.start()
        assert ready.wait(10), "observer session did not log in"

    def stop_observer(self) -> None:
        loop, client, thread = self._observer_loop, self._observer_client, self._observer_thread
        if loop is None or client is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(client.close(), loop).result(5)
        thread.join(5)
        self._observer_loop = self._observer_client = self._observer_thread = None


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.1)


@contextlib.contextmanager
def running(root: Path) -> Iterator[LiveAsterisk]:
    asterisk = LiveAsterisk(root)
    asterisk.start()
    try:
        yield asterisk
    finally:
        asterisk.stop()
