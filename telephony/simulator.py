"""A call-centre simulator that speaks the same CallEvent vocabulary as the AMI bridge.

Calls arrive on a daily curve (Shaoyang local time), wait in one FIFO queue, ring the seat idle
longest, are answered, handled and sometimes transferred to an expert desk; callers whose
patience runs out abandon; seats take breaks and after-call work. Everything is driven by an
injected clock and a seeded ``random.Random``, so a run is reproducible; ``speed`` compresses
time (the events still carry simulated time, which starts at ``clock.now()``).

``Simulation.control`` is a ``CallControl`` for the demo without Asterisk. ``drive_asterisk``
uses the same arrival process to place real calls into Asterisk with AMI Originate.
"""

import asyncio
import contextlib
import heapq
import itertools
import logging
import math
import random
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from hotline.calls.events import CallEvent, CallEventKind
from hotline.clock import Clock, FixedClock
from hotline.enums import SeatState
from hotline.ports import TransferStep
from telephony.client import AmiClient

log = logging.getLogger(__name__)
K = CallEventKind
SHANGHAI = ZoneInfo("Asia/Shanghai")

# Share of a day's calls in each local hour: quiet nights, a morning peak, a second one after lunch.
DAILY_CURVE: tuple[float, ...] = (
    0.4, 0.25, 0.2, 0.2, 0.25, 0.5, 1.2, 3.0, 6.5, 8.5, 8.8, 7.5,
    5.5, 6.0, 7.8, 8.0, 7.4, 6.2, 4.2, 3.2, 2.6, 1.9, 1.2, 0.7,
)  # fmt: skip
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国红梅志强玉兰"
BREAK_REASONS = ("休息", "培训", "会议")
WRAP_UP_REASON = "after-call-work"
EXPERT_DESKS = ("人社", "医保", "法律服务", "政企通")


class EventSink(Protocol):
    async def handle(self, events: Sequence[CallEvent]) -> None: ...


@dataclass(frozen=True)
class SimConfig:
    """What the simulated centre looks like; the defaults are a mid-size city's day."""

    seats: int = 8
    calls_per_day: int = 3000
    queue: str = "12345"
    first_seat: int = 1001
    mean_patience_s: float = 75.0  # log-normal: many hang up within seconds, a few wait minutes
    mean_handle_s: float = 160.0
    ring_s: tuple[float, float] = (1.5, 6.0)
    wrap_up_share: float = 0.4
    wrap_up_s: tuple[float, float] = (10.0, 60.0)
    breaks_per_seat_hour: float = 0.25
    break_s: tuple[float, float] = (300.0, 900.0)
    transfer_share: float = 0.06
    anonymous_share: float = 0.03


@dataclass
class SimStats:
    events: int = 0
    calls: int = 0
    answered: int = 0
    abandoned: int = 0
    transferred: int = 0
    callbacks: int = 0
    started_at: datetime | None = None
    ended_at: datetime | None = None


@dataclass
class _Call:
    linkedid: str
    number: str
    name: str
    joined: datetime
    patience_s: float
    state: str = "waiting"  # waiting, ringing, talking, done
    seat: "_Seat | None" = None
    rang: datetime | None = None
    answered: datetime | None = None


@dataclass
class _Seat:
    interface: str
    name: str
    state: SeatState = SeatState.READY
    idle_since: datetime = field(default_factory=lambda: datetime.min.replace(tzinfo=SHANGHAI))
    call: _Call | None = None
    pause_reason: str = ""
    version: int = 0  # bumps on every change: stale timers check it


@dataclass(order=True)
class _Timer:
    at: datetime
    seq: int
    action: Callable[[], None] = field(compare=False)


def arrival_rate(at: datetime, calls_per_day: float) -> float:
    """Calls per second expected at ``at`` on the daily curve."""
    hour = at.astimezone(SHANGHAI).hour
    return calls_per_day * DAILY_CURVE[hour] / sum(DAILY_CURVE) / 3600.0


def next_arrival(at: datetime, rng: random.Random, calls_per_day: float) -> datetime:
    """The next arrival of the non-homogeneous Poisson process on the curve, by thinning."""
    peak = calls_per_day * max(DAILY_CURVE) / sum(DAILY_CURVE) / 3600.0
    if peak <= 0:
        return at + timedelta(days=365)
    while True:
        at += timedelta(seconds=rng.expovariate(peak))
        if rng.random() * peak <= arrival_rate(at, calls_per_day):
            return at


def random_caller(rng: random.Random, anonymous_share: float) -> tuple[str, str]:
    """A mobile number and a Chinese name; sometimes a withheld number."""
    if rng.random() < anonymous_share:
        return "", ""
    number = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    return number, name if rng.random() < 0.7 else ""


def _lognormal(rng: random.Random, mean: float, sigma: float = 0.9) -> float:
    return rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma)


class Simulation:
    """One simulated contact centre; ``run`` plays it into ``sink``."""

    def __init__(
        self,
        sink: EventSink,
        *,
        clock: Clock,
        rng: random.Random,
        speed: float = 1.0,
        config: SimConfig | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.sink = sink
        self.clock = clock
        self.rng = rng
        self.speed = speed
        self.config = config or SimConfig()
        self.sleep = sleep
        self.stats = SimStats()
        self.now = clock.now()
        self.control = SimulatedCallControl(self)
        self._timers: list[_Timer] = []
        self._seq = itertools.count()
        self._ids = itertools.count(1)
        self._queue: deque[_Call] = deque()
        self._calls: dict[str, _Call] = {}
        self._out: list[CallEvent] = []
        self._wake = asyncio.Event()
        self._anchor = 0.0  # loop time when simulated time last moved (paced runs)
        cfg = self.config
        self.seats = [
            _Seat(interface=f"Local/{n}@agents", name=f"坐席 {n}", idle_since=self.now)
            for n in range(cfg.first_seat, cfg.first_seat + cfg.seats)
        ]

    # -- the loop ------------------------------------------------------------------------------

    async def run(self, *, duration: timedelta | None = None, stop: asyncio.Event | None = None) -> SimStats:
        """Play until ``duration`` of simulated time has passed or ``stop`` is set."""
        start = self.now
        self._advance(start)
        self.stats.started_at = start
        end = start + duration if duration is not None else None
        for seat in self.seats:
            self._emit(K.SEAT_ADDED, seat=seat)
            self._emit(K.SEAT_STATE, seat=seat, seat_state=SeatState.READY.value)
            self._schedule_break(seat)
        self._after(next_arrival(self.now, self.rng, self.config.calls_per_day) - self.now, self._arrive)
        await self._flush()
        while self._timers and not (stop is not None and stop.is_set()):
            timer = self._timers[0]
            if end is not None and timer.at > end:
                break
            if await self._wait_until(timer.at, stop):
                continue  # woken early by the control port: look again
            heapq.heappop(self._timers)
            self._advance(timer.at)
            timer.action()
            await self._flush()
        if end is not None and not (stop is not None and stop.is_set()):
            self._advance(max(self.now, end))
        self.stats.ended_at = self.now
        return self.stats

    async def _wait_until(self, at: datetime, stop: asyncio.Event | None) -> bool:
        """Sleep (scaled by speed) until ``at``; True when woken early by a control action or stop."""
        if not self._paced:
            await self.sleep(0)
            return False
        delay = max(0.0, (at - self.now).total_seconds() / self.speed - self._drift())
        if delay <= 0:
            return False
        self._wake.clear()
        sleeper = asyncio.ensure_future(self.sleep(delay))
        waiters: list[asyncio.Future[Any]] = [sleeper, asyncio.ensure_future(self._wake.wait())]
        if stop is not None:
            waiters.append(asyncio.ensure_future(stop.wait()))
        done, pending = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        return sleeper not in done

    @property
    def _paced(self) -> bool:
        return self.speed > 0 and not math.isinf(self.speed)

    def _drift(self) -> float:
        """Real seconds already spent since simulated time last moved."""
        return max(0.0, asyncio.get_running_loop().time() - self._anchor) if self._anchor else 0.0

    def sync(self) -> None:
        """Bring simulated time up to the real moment: a control action happens now."""
        if self._paced and self._anchor:
            target = self.now + timedelta(seconds=self._drift() * self.speed)
            if self._timers:
                target = min(target, self._timers[0].at)
            self._advance(target)

    def _advance(self, at: datetime) -> None:
        if self._paced:
            with contextlib.suppress(RuntimeError):
                self._anchor = asyncio.get_running_loop().time()
        if at > self.now:
            self.now = at
            if isinstance(self.clock, FixedClock):
                self.clock.set(at)

    def _after(self, delay: timedelta | float, action: Callable[[], None]) -> None:
        if not isinstance(delay, timedelta):
            delay = timedelta(seconds=delay)
        heapq.heappush(self._timers, _Timer(self.now + delay, next(self._seq), action))

    async def _flush(self) -> None:
        if not self._out:
            return
        events, self._out = self._out, []
        self.stats.events += len(events)
        await self.sink.handle(events)

    def _emit(
        self, kind: CallEventKind, *, call: _Call | None = None, seat: _Seat | None = None, **extra: object
    ) -> None:
        fields: dict[str, object] = {"kind": kind, "at": self.now, "queue": self.config.queue}
        if call is not None:
            fields.update(linkedid=call.linkedid, caller_number=call.number, caller_name=call.name)
        if seat is not None:
            fields.update(interface=seat.interface, member_name=seat.name)
        fields.update(extra)
        fields["source_id"] = (
            f"sim:{kind.value}:{fields.get('linkedid') or fields.get('interface')}:{self.now}"
        )
        self._out.append(CallEvent.model_validate(fields))

    # -- calls ---------------------------------------------------------------------------------

    def _arrive(self) -> None:
        number, name = random_caller(self.rng, self.config.anonymous_share)
        call = _Call(
            linkedid=f"sim-{int(self.now.timestamp())}.{next(self._ids)}",
            number=number,
            name=name,
            joined=self.now,
            patience_s=_lognormal(self.rng, self.config.mean_patience_s, 1.1),
        )
        self._calls[call.linkedid] = call
        self.stats.calls += 1
        self._queue.append(call)
        self._emit(K.QUEUED, call=call)
        self._after(call.patience_s, lambda: self._give_up(call))
        self._after(next_arrival(self.now, self.rng, self.config.calls_per_day) - self.now, self._arrive)
        self._dispatch()

    def _dispatch(self) -> None:
        while self._queue:
            ready = [s for s in self.seats if s.state is SeatState.READY and s.call is None]
            if not ready:
                return
            seat = min(ready, key=lambda s: s.idle_since)
            call = self._queue.popleft()
            call.state, call.seat, call.rang = "ringing", seat, self.now
            self._set(seat, SeatState.RINGING, call)
            self._emit(K.SEAT_RINGING, call=call, seat=seat)
            self._after(self.rng.uniform(*self.config.ring_s), self._answer_later(call))

    def _answer_later(self, call: _Call) -> Callable[[], None]:
        return lambda: self._answer(call)

    def _answer(self, call: _Call) -> None:
        seat = call.seat
        if call.state != "ringing" or seat is None:
            return
        call.state, call.answered = "talking", self.now
        self._set(seat, SeatState.TALKING, call)
        self.stats.answered += 1
        hold = (self.now - call.joined).total_seconds()
        ring = (self.now - (call.rang or self.now)).total_seconds()
        self._emit(K.ANSWERED, call=call, seat=seat, hold_s=round(hold), ring_s=round(ring))
        handle = _lognormal(self.rng, self.config.mean_handle_s, 0.6)
        if self.rng.random() < self.config.transfer_share:
            self._after(handle * 0.6, lambda: self._transfer(call, self.rng.choice(EXPERT_DESKS)))
        else:
            self._after(handle, lambda: self._complete(call, self.rng.choice(("agent", "caller"))))

    def _complete(self, call: _Call, reason: str) -> None:
        seat = call.seat
        if call.state != "talking" or seat is None:
            return
        call.state = "done"
        talk = (self.now - (call.answered or self.now)).total_seconds()
        hold = ((call.answered or self.now) - call.joined).total_seconds()
        self._emit(K.COMPLETED, call=call, seat=seat, hold_s=round(hold), talk_s=round(talk), reason=reason)
        self._release(seat)
        self._calls.pop(call.linkedid, None)

    def _transfer(self, call: _Call, target: str) -> None:
        if call.state != "talking" or call.seat is None:
            return
        self.stats.transferred += 1
        self._emit(K.TRANSFERRED, call=call, seat=call.seat, target=target, reason="blind")
        self._complete(call, "transfer")

    def _give_up(self, call: _Call) -> None:
        if call.state not in ("waiting", "ringing"):
            return
        if call in self._queue:
            self._queue.remove(call)
        seat = call.seat
        call.state = "done"
        self.stats.abandoned += 1
        hold = (self.now - call.joined).total_seconds()
        self._emit(K.ABANDONED, call=call, hold_s=round(hold))
        if seat is not None:
            self._set(seat, SeatState.READY, None)
            self._emit(K.SEAT_STATE, seat=seat, seat_state=SeatState.READY.value, reason="ring_no_answer")
        self._calls.pop(call.linkedid, None)
        self._dispatch()

    # -- seats ---------------------------------------------------------------------------------

    def _set(self, seat: _Seat, state: SeatState, call: _Call | None) -> None:
        if state is SeatState.READY and seat.state is not SeatState.READY:
            seat.idle_since = self.now
        seat.state, seat.call = state, call
        seat.version += 1

    def _release(self, seat: _Seat) -> None:
        """After a call: after-call work (a pause with its reason) or straight back to ready."""
        if self.rng.random() < self.config.wrap_up_share:
            self._pause(seat, WRAP_UP_REASON, self.rng.uniform(*self.config.wrap_up_s))
        else:
            self._set(seat, SeatState.READY, None)
            self._emit(K.SEAT_STATE, seat=seat, seat_state=SeatState.READY.value)
            self._dispatch()

    def _pause(self, seat: _Seat, reason: str, seconds: float | None) -> None:
        self._set(seat, SeatState.WRAP_UP if reason == WRAP_UP_REASON else SeatState.PAUSED, None)
        seat.pause_reason = reason
        self._emit(K.SEAT_PAUSED, seat=seat, reason=reason)
        if seconds is not None:
            version = seat.version
            self._after(seconds, lambda: self._unpause(seat, version))

    def _unpause(self, seat: _Seat, version: int | None = None) -> None:
        if version is not None and seat.version != version:
            return
        if seat.state not in (SeatState.PAUSED, SeatState.WRAP_UP):
            return
        seat.pause_reason = ""
        self._set(seat, SeatState.READY, None)
        self._emit(K.SEAT_UNPAUSED, seat=seat)
        self._dispatch()

    def _schedule_break(self, seat: _Seat) -> None:
        rate = self.config.breaks_per_seat_hour / 3600.0
        if rate <= 0:
            return
        self._after(self.rng.expovariate(rate), lambda: self._take_break(seat))

    def _take_break(self, seat: _Seat) -> None:
        if seat.state is SeatState.READY and seat.call is None:
            self._pause(seat, self.rng.choice(BREAK_REASONS), self.rng.uniform(*self.config.break_s))
            self._schedule_break(seat)
        else:
            self._after(60.0, lambda: self._take_break(seat))

    def seat(self, interface: str) -> _Seat:
        for seat in self.seats:
            if seat.interface == interface:
                return seat
        raise LookupError(f"模拟话务中没有坐席 {interface}")

    def poke(self) -> None:
        """Wake the loop: a control action scheduled something for now."""
        self._wake.set()


class SimulatedCallControl:
    """``CallControl`` on the simulator: the demo's buttons work without Asterisk.

    Errors speak the operator's language: the web shows their text as it is.
    """

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self._consulting: dict[str, str] = {}  # linkedid → target of an attended transfer in progress

    def new_call_id(self) -> str:
        return f"cb-sim{next(self.sim._ids):08x}"

    async def click_to_call(
        self, *, seat_interface: str, number: str, call_id: str, caller_id: str = "", account: str = ""
    ) -> str:
        """The seat's phone rings, then the citizen answers after a few seconds and talks a while."""
        sim = self.sim
        sim.sync()
        seat = sim.seat(seat_interface)
        if seat.call is not None:
            raise LookupError(f"坐席 {seat.name} 正在通话，不能外呼")
        call = _Call(linkedid=call_id, number=number, name="", joined=sim.now, patience_s=0.0)
        call.state, call.seat, call.rang = "ringing", seat, sim.now
        sim.stats.callbacks += 1
        sim._set(seat, SeatState.RINGING, call)

        def answered() -> None:
            if call.state != "ringing":
                return
            call.state, call.answered = "talking", sim.now
            sim._set(seat, SeatState.TALKING, call)
            sim._emit(K.ANSWERED, call=call, seat=seat)
            talk = _lognormal(sim.rng, sim.config.mean_handle_s * 0.6, 0.5)
            sim._after(talk, lambda: self._end_callback(call))

        sim._calls[call.linkedid] = call
        sim._after(sim.rng.uniform(3.0, 8.0), answered)
        await sim._flush()
        sim.poke()
        return call_id

    def _end_callback(self, call: _Call) -> None:
        sim, seat = self.sim, call.seat
        if call.state == "done":
            return
        call.state = "done"
        sim._emit(K.HUNG_UP, call=call, reason="hangup")
        sim._calls.pop(call.linkedid, None)
        if seat is not None and seat.call is call:
            sim._release(seat)

    def _live(self, linkedid: str) -> _Call:
        call = self.sim._calls.get(linkedid)
        if call is None or call.state not in ("ringing", "talking") or call.seat is None:
            raise LookupError(f"通话 {linkedid} 当前不在坐席上")
        return call

    async def answer(self, *, seat_interface: str) -> None:
        sim = self.sim
        sim.sync()
        seat = sim.seat(seat_interface)
        call = seat.call
        if call is None or call.state != "ringing" or call.linkedid.startswith("cb-"):
            raise LookupError("坐席没有振铃中的来电")
        sim._answer(call)
        await sim._flush()
        sim.poke()

    async def hangup(self, *, linkedid: str) -> None:
        sim = self.sim
        sim.sync()
        call = self._live(linkedid)
        if call.linkedid.startswith("cb-"):
            self._end_callback(call)
        elif call.state == "talking":
            sim._complete(call, "agent")
        else:
            raise LookupError("来电尚未接听")
        self._consulting.pop(linkedid, None)
        await sim._flush()
        sim.poke()

    async def transfer(self, *, linkedid: str, target: str, attended: bool = False) -> None:
        sim = self.sim
        sim.sync()
        call = self._live(linkedid)
        if call.state != "talking":
            raise LookupError(f"通话 {linkedid} 尚未接通")
        if attended:
            self._consulting[linkedid] = target  # the operator talks to the target; the caller holds
        elif call.linkedid.startswith("cb-"):
            sim._emit(K.TRANSFERRED, call=call, seat=call.seat, target=target, reason="blind")
            self._end_callback(call)
        else:
            sim._transfer(call, target)
        await sim._flush()
        sim.poke()

    async def finish_transfer(self, *, linkedid: str, step: TransferStep) -> None:
        sim = self.sim
        sim.sync()
        call = self._live(linkedid)
        target = self._consulting.pop(linkedid, None)
        if target is None:
            raise LookupError("没有进行中的咨询转接")
        if step is TransferStep.THREEWAY:
            sim._emit(K.TRANSFERRED, call=call, seat=call.seat, target=target, reason="threeway")
        elif step is TransferStep.COMPLETE:
            sim._emit(K.TRANSFERRED, call=call, seat=call.seat, target=target, reason="attended")
            if call.linkedid.startswith("cb-"):
                self._end_callback(call)
            else:
                sim._complete(call, "transfer")
        await sim._flush()
        sim.poke()

    async def pause(self, *, seat_interface: str, paused: bool, reason: str = "") -> None:
        sim = self.sim
        sim.sync()
        seat = sim.seat(seat_interface)
        if paused:
            if seat.call is None:
                sim._pause(seat, reason or "paused", None)
            else:
                seat.pause_reason = reason or "paused"
                sim._emit(K.SEAT_PAUSED, seat=seat, reason=seat.pause_reason)
        else:
            seat.pause_reason = ""
            if seat.state in (SeatState.PAUSED, SeatState.WRAP_UP):
                sim._unpause(seat)
            else:
                sim._emit(K.SEAT_UNPAUSED, seat=seat)
        await sim._flush()
        sim.poke()

    async def queue_login(self, *, seat_interface: str, member_name: str = "") -> None:
        sim = self.sim
        sim.sync()
        seat = sim.seat(seat_interface)
        if seat.state is SeatState.OFFLINE:
            sim._set(seat, SeatState.READY, None)
            sim._emit(K.SEAT_ADDED, seat=seat)
            sim._dispatch()
        await sim._flush()
        sim.poke()

    async def queue_logoff(self, *, seat_interface: str) -> None:
        sim = self.sim
        sim.sync()
        seat = sim.seat(seat_interface)
        if seat.call is not None:
            raise LookupError(f"坐席 {seat.name} 正在通话，通话结束后再签出")
        sim._set(seat, SeatState.OFFLINE, None)
        sim._emit(K.SEAT_REMOVED, seat=seat)
        await sim._flush()
        sim.poke()


async def run_simulation(
    sink: EventSink,
    *,
    clock: Clock,
    rng: random.Random,
    speed: float = 1.0,
    config: SimConfig | None = None,
    duration: timedelta | None = None,
    stop: asyncio.Event | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> SimStats:
    """Play simulated traffic into ``sink`` (a background task for the web demo, or `hotline simulate`)."""
    sim = Simulation(sink, clock=clock, rng=rng, speed=speed, config=config, sleep=sleep)
    return await sim.run(duration=duration, stop=stop)


async def drive_asterisk(
    client: AmiClient,
    *,
    clock: Clock,
    rng: random.Random,
    speed: float = 1.0,
    config: SimConfig | None = None,
    duration: timedelta | None = None,
    stop: asyncio.Event | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    context: str = "caller",
    exten: str = "patient",
) -> SimStats:
    """Place the simulated arrivals as real calls into Asterisk (AMI Originate); Asterisk queues them.

    Each caller is ``Local/<number>@incoming`` with the patience in ``PATIENCE`` and the handling
    time in ``__TALKTIME`` (inherited by the operator's leg), as the docker/ dialplan expects.
    The bridge (`hotline ami run`) then records them like any other call.
    """
    cfg = config or SimConfig()
    stats = SimStats()
    now = clock.now()
    stats.started_at = now
    end = now + duration if duration is not None else None
    while not (stop is not None and stop.is_set()):
        nxt = next_arrival(now, rng, cfg.calls_per_day)
        if end is not None and nxt > end:
            break
        if speed > 0 and not math.isinf(speed):
            await sleep((nxt - now).total_seconds() / speed)
        now = nxt
        number, name = random_caller(rng, 0.0)
        patience = max(2, round(_lognormal(rng, cfg.mean_patience_s, 1.1)))
        talk = max(2, round(_lognormal(rng, cfg.mean_handle_s, 0.6)))
        try:
            await client.action(
                "Originate",
                {
                    "Channel": f"Local/{number}@incoming",
                    "Context": context,
                    "Exten": exten,
                    "Priority": "1",
                    "CallerID": f'"{name}" <{number}>' if name else number,
                    "Timeout": "30000",
                    "Async": "true",
                    "Variable": [f"PATIENCE={patience}", f"__TALKTIME={talk}"],
                },
            )
            stats.calls += 1
        except Exception as err:
            log.warning("simulate: Originate for %s failed: %s", number, err)
    stats.ended_at = now
    return stats
