"""The simulator: reproducible traffic through the same CallEvent door as the bridge."""

import asyncio
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from hotline.calls.events import CallEvent, CallEventKind
from hotline.calls.models import Call
from hotline.clock import FixedClock
from hotline.enums import CallOutcome, SeatState
from telephony.client import AmiClient
from telephony.simulator import (
    SimConfig,
    Simulation,
    arrival_rate,
    drive_asterisk,
    next_arrival,
    random_caller,
    run_simulation,
)
from tests.telephony.amiserver import FakeAmi
from tests.telephony.conftest import SessionSink, ami_settings, calls, run, seats, wait_until

K = CallEventKind
MONDAY_10 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shaoyang
CONFIG = SimConfig(seats=6, calls_per_day=4000)


class ListSink:
    def __init__(self) -> None:
        self.events: list[CallEvent] = []

    async def handle(self, events: Sequence[CallEvent]) -> None:
        self.events.extend(events)


def simulate(seed: int, minutes: int = 20) -> list[CallEvent]:
    sink = ListSink()
    run(
        run_simulation(
            sink,
            clock=FixedClock(MONDAY_10),
            rng=random.Random(seed),
            speed=0,
            config=CONFIG,
            duration=timedelta(minutes=minutes),
        )
    )
    return sink.events


def test_the_daily_curve() -> None:
    night = datetime(2026, 11, 22, 19, 0, tzinfo=UTC)  # 03:00 local
    assert arrival_rate(MONDAY_10, 3000) > 20 * arrival_rate(night, 3000)
    rng = random.Random(3)
    at = MONDAY_10
    for _ in range(100):
        nxt = next_arrival(at, rng, 3000)
        assert nxt > at
        at = nxt
    number, _ = random_caller(random.Random(1), 0.0)
    assert len(number) == 11 and number.startswith("1")
    assert random_caller(random.Random(1), 1.0) == ("", "")


def test_a_seeded_run_is_reproducible_and_realistic() -> None:
    first, again, other = simulate(7), simulate(7), simulate(8)
    assert first == again
    assert first != other
    kinds = {e.kind for e in first}
    assert {K.SEAT_ADDED, K.QUEUED, K.SEAT_RINGING, K.ANSWERED, K.COMPLETED, K.ABANDONED} <= kinds
    assert all(e.at >= MONDAY_10 for e in first)
    assert [e.at for e in first] == sorted(e.at for e in first)
    arrivals = sum(1 for e in first if e.kind is K.QUEUED)
    assert 30 < arrivals < 150  # ~4000/day × 8.8 % at 10:00 → ~117 an hour, ~40 in 20 min


def test_simulated_traffic_through_the_core(session: Session) -> None:
    sink = SessionSink(session)
    clock = FixedClock(MONDAY_10)
    stats = run(
        run_simulation(
            sink, clock=clock, rng=random.Random(11), speed=0, config=CONFIG, duration=timedelta(minutes=20)
        )
    )
    assert clock.now() == MONDAY_10 + timedelta(minutes=20)  # the injected clock moved with the simulation
    rows = calls(session)
    outcomes = [c.outcome for c in rows]
    assert len(rows) == stats.calls > 0
    answered = {CallOutcome.TALKING, CallOutcome.ANSWERED, CallOutcome.TRANSFERRED}
    assert sum(o in answered for o in outcomes) == stats.answered
    assert sum(o in (CallOutcome.ABANDONED, CallOutcome.SHORT_ABANDON) for o in outcomes) == stats.abandoned
    assert len(seats(session)) == CONFIG.seats
    done = [c for c in rows if c.outcome is CallOutcome.ANSWERED]
    assert all(c.wait_s is not None and c.talk_s is not None and c.talk_s > 0 for c in done)
    assert len(sink.topics("calls.screen_pop")) == stats.answered


def by_id(session: Session, linkedid: str) -> Call:
    session.expire_all()
    (call,) = [c for c in calls(session) if c.linkedid == linkedid]
    return call


def test_the_demo_buttons_work_on_the_simulator(session: Session) -> None:
    sink = SessionSink(session)

    async def go() -> None:
        sim = Simulation(
            sink,
            clock=FixedClock(MONDAY_10),
            rng=random.Random(5),
            speed=600,
            config=SimConfig(seats=2, calls_per_day=1),
        )
        stop = asyncio.Event()
        task = asyncio.create_task(sim.run(stop=stop))
        await wait_until(lambda: len(sink.events) >= 4, 2, "seats added")
        seat = sim.seats[0].interface
        await sim.control.pause(seat_interface=seat, paused=True, reason="培训")
        assert seats(session)[seat].state is SeatState.PAUSED
        await sim.control.pause(seat_interface=seat, paused=False)
        assert seats(session)[seat].state is SeatState.READY
        call_id = sim.control.new_call_id()
        # The web records the placed call first (DIALLED), then asks the phone system to dial.
        dialled = CallEvent(
            kind=K.DIALLED,
            at=sim.now,
            linkedid=call_id,
            interface=seat,
            caller_number="13900139000",
            ticket_id=7,
        )
        await sink.handle([dialled])
        assert (
            await sim.control.click_to_call(seat_interface=seat, number="13900139000", call_id=call_id)
            == call_id
        )
        assert seats(session)[seat].state is SeatState.RINGING
        with pytest.raises(LookupError, match="正在通话"):  # one call at a time on a seat
            await sim.control.click_to_call(seat_interface=seat, number="13900139001", call_id="cb-other")
        await wait_until(lambda: by_id(session, call_id).outcome is CallOutcome.TALKING, 2, "citizen answers")
        assert seats(session)[seat].state is SeatState.TALKING
        await sim.control.hangup(linkedid=call_id)
        placed = by_id(session, call_id)
        assert (placed.outcome, placed.direction.value, placed.ticket_id) == (
            CallOutcome.ANSWERED,
            "outbound",
            7,
        )
        assert placed.joined_at is None  # never queued: the queue's figures leave it out
        with pytest.raises(LookupError):
            await sim.control.hangup(linkedid=call_id)
        stop.set()
        await asyncio.wait_for(task, 2)

    run(go())
    paused = [e for e in sink.events if e.kind is K.SEAT_PAUSED]
    assert paused[0].reason == "培训"
    assert all(e.at >= MONDAY_10 for e in sink.events)


def test_driving_a_real_asterisk_by_originate() -> None:
    async def go() -> tuple[int, FakeAmi]:
        server = await FakeAmi(wait_for_snapshot=False).start()
        client = AmiClient(ami_settings(server.port))
        runner = asyncio.create_task(client.run())
        try:
            assert await client.wait_connected(2)
            stats = await drive_asterisk(
                client,
                clock=FixedClock(MONDAY_10),
                rng=random.Random(2),
                speed=0,
                config=CONFIG,
                duration=timedelta(minutes=10),
            )
        finally:
            await client.close()
            await asyncio.wait_for(runner, 3)
            await server.stop()
        return stats.calls, server

    placed, server = run(go())
    originates = server.actions_named("Originate")
    assert len(originates) == placed > 5
    first = originates[0]
    assert first.get("Channel").startswith("Local/1") and first.get("Channel").endswith("@incoming")
    assert (first.get("Context"), first.get("Exten"), first.get("Async")) == ("caller", "patient", "true")
    variables = first.getall("Variable")
    assert variables[0].startswith("PATIENCE=") and variables[1].startswith("__TALKTIME=")
