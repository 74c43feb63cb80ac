"""The live rig: a real Asterisk, `hotline ami run` as its own process, and the app with AMI call control.

It is the deployment's shape on one machine: the bridge is the one AMI session that receives
events and writes calls into the database; the app holds an action-only session for the seat's
buttons. Everything runs on loopback. Without ``../shared`` (or sipp) the tests skip with the reason.
"""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

import hotline.models  # noqa: F401  (registers every table)
from hotline.calls.models import Call, Seat
from hotline.clock import SystemClock
from hotline.config import Settings
from hotline.db import make_engine
from hotline.migrate import upgrade
from hotline.seed.service import seed
from tests.live.asterisk import LiveAsterisk, free_port, wait_for, why_not_live
from tests.web.conftest import TestClient, web_settings
from web.adapters import RulesOnlyClassifier
from web.app import create_app
from web.security import COOKIE, BrowserSession

REASON = why_not_live()
if REASON:
    pytest.skip(REASON, allow_module_level=True)


class Bridge:
    """`hotline ami run` as a separate process, as a deployment runs it."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.metrics_port = free_port()

    def start(self) -> None:
        out = self.log.open("ab")
        hotline = str(Path(sys.executable).parent / "hotline")
        self.proc = subprocess.Popen(
            [hotline, "ami", "run", "--log-level", "DEBUG", "--metrics-port", str(self.metrics_port)],
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        out.close()

    def kill(self) -> None:
        """The link dies as in a crash: no Logoff, no goodbye."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None

    def metrics(self) -> str:
        """What Prometheus would scrape from the bridge now."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=2) as response:
            text: str = response.read().decode()
            return text

    def connects(self) -> int:
        return self.log.read_text(errors="replace").count("snapshot")


@dataclass
class Live:
    asterisk: LiveAsterisk
    bridge: Bridge
    engine: Engine
    app: Any
    client: TestClient

    def login(self, username: str) -> TestClient:
        client = TestClient(self.app)
        # Requests run on the app's own (lifespan) loop, where its AMI session lives, as under
        # uvicorn; a client of its own would run each request on a new loop in a new thread.
        client.portal = self.client.portal
        with Session(self.engine) as session:
            from hotline.users.models import User

            user = session.exec(select(User).where(User.username == username)).one()
        data = BrowserSession(user_id=user.id, csrf="live-test-csrf-token")
        client.cookies.set(COOKIE, self.app.state.services.codec.dumps(data))
        client.headers["X-CSRF-Token"] = data.csrf
        return client

    def calls(self) -> list[Call]:
        with Session(self.engine) as session:
            return list(session.exec(select(Call).order_by(Call.id)).all())  # type: ignore[arg-type]

    def call(self, linkedid: str) -> Call | None:
        with Session(self.engine) as session:
            return session.exec(select(Call).where(Call.linkedid == linkedid)).first()

    def seat(self, code: str) -> Seat:
        with Session(self.engine) as session:
            return session.exec(select(Seat).where(Seat.code == code)).one()

    def calls_since(self, since: datetime) -> list[Call]:
        return [c for c in self.calls() if (c.joined_at or c.ringing_at or since) >= since]


def settle(live: Live, timeout: float = 30) -> None:
    """Wait until no call is live in Asterisk or in our records."""

    def idle() -> bool:
        channels = live.asterisk.command("core show channels concise")
        return channels.strip() in ("Success", "Success None", "Success ") and all(
            c.ended_at is not None for c in live.calls()
        )

    wait_for(idle, timeout, "the switchboard to fall quiet")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    root = tmp_path_factory.mktemp("asterisk")
    asterisk = LiveAsterisk(root)
    asterisk.start()
    db = root / "hotline.db"
    url = f"sqlite:///{db}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        seed(session, now=datetime.now(UTC), demo=True)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")},
        **asterisk.env(),
        "HOTLINE_DATABASE_URL": url,
    }
    bridge = Bridge(env, root / "bridge.log")
    bridge.start()
    saved = {k: os.environ.get(k) for k in asterisk.env()}
    os.environ.update(asterisk.env())  # the app's AmiControlRunner reads HOTLINE_AMI_* like a deployment
    app = create_app(
        Settings(database_url=url),
        web=web_settings(call_control="ami"),
        engine=engine,
        clock=SystemClock(),
        classifier=RulesOnlyClassifier(),
    )
    client = TestClient(app)
    client.__enter__()
    rig = Live(asterisk=asterisk, bridge=bridge, engine=engine, app=app, client=client)
    try:
        wait_for(lambda: rig.seat("1001").state.value != "offline", 20, "the bridge's first snapshot")
        control = app.state.services.call_control
        wait_for(lambda: control.client.connected, 10, "the app's AMI session")
        yield rig
    finally:
        client.__exit__(None, None, None)
        bridge.stop()
        asterisk.stop()
        engine.dispose()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        time.sleep(0.1)
