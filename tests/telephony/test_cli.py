"""web/cli_calls.py: the database sink and the `hotline ami|calls|simulate` commands."""

import asyncio
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, select
from typer.testing import CliRunner

import hotline.models  # noqa: F401  (registers every table)
from hotline.calls.models import Call
from hotline.calls.service import SCREEN_POP_TOPIC
from hotline.clock import FixedClock
from hotline.db import make_engine
from hotline.enums import CallOutcome
from hotline.sla.calendar import SHANGHAI
from telephony.bridge import Bridge
from tests.telephony.amiserver import FakeAmi, fixture_frames, recorded, stream
from tests.telephony.conftest import AFTER_RECORDING, ami_settings, run, wait_until
from web.cli_calls import DatabaseSink, ami_app, calls_app, parse_since, simulate


def cli() -> typer.Typer:
    """Mounted as the owner mounts them under `hotline`."""
    app = typer.Typer()
    app.add_typer(ami_app, name="ami")
    app.add_typer(calls_app, name="calls")
    app.command("simulate")(simulate)
    return app


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("HOTLINE_DATABASE_URL", url)
    monkeypatch.delenv("HOTLINE_REDIS_URL", raising=False)
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


class CheckingPublisher:
    """Checks, on every screen pop, that the call it names is already committed."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.seen: list[tuple[str, dict[str, Any]]] = []

    def publish(self, topic: str, payload: dict[str, Any]) -> None:
        if topic == SCREEN_POP_TOPIC:
            with Session(self.engine) as other:
                # Another session sees the call: the batch was committed before the pop went out.
                call = other.exec(select(Call).where(Call.linkedid == payload["linkedid"])).one()
                assert call.answered_at is not None
        self.seen.append((topic, payload))


def test_database_sink_commits_each_batch_then_publishes(db: Engine) -> None:
    publisher = CheckingPublisher(db)

    async def go() -> None:
        server = await FakeAmi([stream(fixture_frames("answered"))]).start()
        bridge = Bridge(
            ami_settings(server.port), DatabaseSink(db, publisher), clock=FixedClock(AFTER_RECORDING)
        )
        task = asyncio.create_task(bridge.run())
        try:
            await wait_until(lambda: server.scripts_done == 1, 5, "the stream")
            await wait_until(lambda: bridge.stats.messages >= server.events_sent, 5, "the bridge")
        finally:
            await bridge.stop()
            await asyncio.wait_for(task, 5)
            await server.stop()

    run(go())
    with Session(db) as session:
        (call,) = session.exec(select(Call)).all()
        assert (call.outcome, call.talk_s) == (CallOutcome.ANSWERED, 3.505)
    assert [t for t, _ in publisher.seen].count(SCREEN_POP_TOPIC) == 1


def test_calls_list_prints_records_and_json(db: Engine) -> None:
    now = datetime.now(UTC)
    with Session(db) as session:
        session.add(Call(linkedid="old", caller_number="1", joined_at=now - timedelta(days=3)))
        session.add(
            Call(
                linkedid="1795254355.7",
                caller_number="13800138000",
                caller_name="张三",
                joined_at=now - timedelta(minutes=5),
                outcome=CallOutcome.ANSWERED,
                wait_s=1.002,
                talk_s=3.505,
                interface="Local/1003@agents",
            )
        )
        session.commit()
    result = CliRunner().invoke(cli(), ["calls", "list", "--since", "2h"])
    assert result.exit_code == 0, result.output
    assert "1795254355.7" in result.output and "张三" in result.output and "answered" in result.output
    assert "old" not in result.output and result.output.strip().endswith("1 calls")
    result = CliRunner().invoke(cli(), ["calls", "list", "--since", "7d", "--json"])
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["linkedid"] for r in rows] == ["old", "1795254355.7"]
    assert rows[1]["talk_s"] == 3.505 and rows[1]["caller_name"] == "张三"
    bad = CliRunner().invoke(cli(), ["calls", "list", "--since", "yesterday-ish"])
    assert bad.exit_code == 2


def test_parse_since() -> None:
    from zoneinfo import ZoneInfo

    now = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    tz = ZoneInfo("Asia/Shanghai")
    assert parse_since("90m", now=now, tz=tz) == now - timedelta(minutes=90)
    assert parse_since("2026-11-23", now=now, tz=tz) == datetime(2026, 11, 22, 16, 0, tzinfo=UTC)
    assert parse_since("2026-11-23T09:00+08:00", now=now, tz=tz) == now


def test_ami_tail_on_a_recording() -> None:
    result = CliRunner().invoke(cli(), ["ami", "tail", "--file", str(recorded("answered.ami"))])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [x["kind"] for x in lines] == [
        "queued",
        "seat_ringing",
        "seat_state",
        "answered",
        "completed",
        "seat_state",
        "hung_up",
    ]
    assert lines[0]["caller_name"] == "张三"


class ServerThread:
    """A FakeAmi on its own loop in a thread, for commands that run their own event loop."""

    def __init__(self, server: FakeAmi) -> None:
        self.server = server
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> FakeAmi:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(5)
        return self.server

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


def test_ami_run_with_a_refused_login_exits_with_the_reason(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ServerThread(FakeAmi(refuse_login=True)) as server:
        monkeypatch.setenv("HOTLINE_AMI_PORT", str(server.port))
        monkeypatch.setenv("HOTLINE_AMI_SECRET", "secret")
        result = CliRunner().invoke(cli(), ["ami", "run", "--log-level", "ERROR"])
    assert result.exit_code == 2
    assert (
        f"AMI login refused for user 'hotline' at 127.0.0.1:{server.port}: Authentication failed"
        in result.output
    )


def _last_morning_peak() -> datetime:
    """The latest 10:00 Shanghai at least 15 min ago: the daily curve is near its top then."""
    now = datetime.now(SHANGHAI)
    start = now.replace(hour=10, minute=0, second=0, microsecond=0)
    if start > now - timedelta(minutes=15):
        start -= timedelta(days=1)
    return start.astimezone(UTC)


def test_simulate_fills_the_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'sim.db'}"  # empty: simulate brings the schema up to date itself
    monkeypatch.setenv("HOTLINE_DATABASE_URL", url)
    # Started at the wall clock, a run at 01:00 Shanghai saw 11 calls in 15 min: pin the start.
    monkeypatch.setattr("web.cli_calls.SystemClock", lambda: FixedClock(_last_morning_peak()))
    monkeypatch.delenv("HOTLINE_REDIS_URL", raising=False)
    result = CliRunner().invoke(
        cli(), ["simulate", "--speed", "0", "--duration", "15m", "--seed", "4", "--calls-per-day", "20000"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("simulated ")  # the logs go to stderr
    engine = make_engine(url)
    with Session(engine) as session:
        rows = session.exec(select(Call)).all()
    engine.dispose()
    assert len(rows) > 20
    listed = CliRunner().invoke(cli(), ["calls", "list", "--since", "1d", "--json"])
    assert len(listed.output.splitlines()) == len(rows)
    bad = CliRunner().invoke(cli(), ["simulate", "--duration", "a while"])
    assert bad.exit_code == 2
