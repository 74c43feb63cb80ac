"""The demo's in-app call simulator: calls reach the database and the live pages; its buttons work."""

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import Session, col, func, select

from hotline.calls.models import Call, Seat
from hotline.calls.service import CALL_TOPIC, SCREEN_POP_TOPIC, SEAT_TOPIC
from hotline.enums import SeatState
from telephony.simulator import SimConfig
from tests.web.conftest import build_engine, drop_engine, make_app
from web.deps import AppServices
from web.telephony import SimulatorRunner

BUSY = SimConfig(seats=3, calls_per_day=40_000, mean_handle_s=60.0, breaks_per_seat_hour=0.0)
QUIET = SimConfig(seats=3, calls_per_day=1, mean_handle_s=60.0, breaks_per_seat_hour=0.0)


def _services(backend: str, tmp_path: Path, sqlite_template: Path) -> AppServices:
    services: AppServices = make_app(build_engine(backend, tmp_path, sqlite_template)).state.services
    return services


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_simulated_calls_are_recorded_and_announced_and_stop_promptly(
    backend: str, tmp_path: Path, sqlite_template: Path
) -> None:
    services = _services(backend, tmp_path, sqlite_template)
    heard: list[str] = []

    async def play() -> float:
        await services.hub.start()
        runner = SimulatorRunner(services, config=BUSY, speed=120.0)
        with services.hub.subscribe([CALL_TOPIC, SEAT_TOPIC, SCREEN_POP_TOPIC]) as sub:

            async def listen() -> None:
                async for text in sub:
                    heard.append(json.loads(text)["topic"])

            listener = asyncio.create_task(listen())
            await runner.start()
            await asyncio.sleep(2.0)
            loop = asyncio.get_running_loop()
            started = loop.time()
            await runner.stop()
            stopped_in = loop.time() - started
            listener.cancel()
        await services.hub.stop()
        return stopped_in

    stopped_in = asyncio.run(play())
    assert stopped_in < 2.0
    with Session(services.engine) as session:
        calls = session.exec(select(func.count()).select_from(Call)).one()
        answered = session.exec(
            select(func.count()).select_from(Call).where(col(Call.answered_at).is_not(None))
        ).one()
        seats = {
            s.code: s.state
            for s in session.exec(select(Seat).where(col(Seat.code).in_(["1001", "1002", "1003"])))
        }
    assert calls >= 5 and answered >= 1
    assert set(seats) == {"1001", "1002", "1003"} and SeatState.OFFLINE not in seats.values()
    assert {CALL_TOPIC, SEAT_TOPIC, SCREEN_POP_TOPIC} <= set(heard)  # what the seat pages listen to
    drop_engine(services.engine)


def test_the_demo_pause_button_reaches_the_simulated_seat_and_the_database(
    tmp_path: Path, sqlite_template: Path
) -> None:
    services = _services("sqlite", tmp_path, sqlite_template)

    async def play() -> None:
        await services.hub.start()
        # No calls: a seat in a call when the button is pressed would (rightly) report talking.
        runner = SimulatorRunner(services, config=QUIET, speed=1.0)
        await runner.start()

        async def seat_1002(done: Callable[[Seat], bool]) -> Seat:
            for _ in range(200):  # each event goes through the sink's transaction; a busy CI is slow
                with Session(services.engine) as session:
                    seat = session.exec(select(Seat).where(Seat.code == "1002")).one()
                if done(seat):
                    break
                await asyncio.sleep(0.05)
            return seat

        await seat_1002(lambda s: s.state is not SeatState.OFFLINE)  # logged in, not a fixed wait
        control = runner.simulation.control
        await control.pause(seat_interface="Local/1002@agents", paused=True, reason="小休")
        seat = await seat_1002(lambda s: s.state is SeatState.PAUSED)
        await runner.stop()
        await services.hub.stop()
        assert seat.state is SeatState.PAUSED and seat.pause_reason == "小休"

    asyncio.run(play())
    drop_engine(services.engine)
