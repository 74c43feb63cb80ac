"""The core's call side: CallEvents in, call records, seat states, screen pops and the call-back worklist out.

``handle_call_event`` is the one door the telephony bridge and the simulator use. It is
idempotent: a call only moves forward (waiting → ringing → talking → ended) and a seat event
that would leave the seat as it is changes nothing, so the same event twice, or a reconnect
snapshot that repeats what is known, leaves the records as they were and publishes nothing.

A seat's queue pause is kept in ``pause_reason``: non-empty means paused (a pause without a
reason is stored as ``"paused"``), so a seat paused during a call shows ``talking`` and goes
to ``paused`` when the call ends.
"""

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from hotline.calls.events import CallEvent, CallEventKind
from hotline.calls.models import TRANSFER_EXTENSION, Call, Seat, TransferKind, TransferTarget
from hotline.clock import ensure_utc
from hotline.enums import (
    OPEN_STATUSES,
    CallDirection,
    CallOutcome,
    Role,
    SeatState,
    TicketStatus,
    WorklistState,
)
from hotline.errors import Conflict, InvalidInput, NotFound
from hotline.partners.service import short_text
from hotline.ports import EventPublisher
from hotline.text import clean_text
from hotline.tickets.models import Ticket
from hotline.users.models import User

CALL_TOPIC = "calls.call"
SEAT_TOPIC = "calls.seat"
SCREEN_POP_TOPIC = "calls.screen_pop"

UNSPECIFIED_PAUSE = "paused"
WRAP_UP_REASONS = frozenset(
    {"after-call-work", "aftercallwork", "acw", "wrap-up", "wrapup", "话后处理", "整理"}
)
RECONCILED = "reconciled"
REPEAT_WINDOW = timedelta(days=30)
RECENT_TICKETS_WINDOW = timedelta(days=365)

LIVE_OUTCOMES = frozenset(
    {CallOutcome.WAITING, CallOutcome.RINGING, CallOutcome.TALKING, CallOutcome.DIALLING}
)
_ON_A_CALL = frozenset({SeatState.RINGING, SeatState.TALKING})
_CALLABLE = re.compile(r"^\+?[0-9]{3,20}$")
_SEAT_CODE = re.compile(r"^[A-Za-z0-9]+/([^@/;-]+)")


class TicketBrief(BaseModel):
    id: int
    number: str
    title: str
    status: TicketStatus
    created_at: datetime


class ScreenPop(BaseModel):
    """What the seat's page shows the moment the operator answers."""

    linkedid: str
    seat_id: int | None
    seat_code: str
    interface: str
    caller_number: str
    caller_name: str
    answered_at: datetime | None
    repeat_caller: bool
    previous_calls: int
    open_tickets: list[TicketBrief]
    recent_tickets: list[TicketBrief]


@dataclass(frozen=True, slots=True)
class CallPolicy:
    """The knobs of the call record; ``short_abandon_s`` comes from the core Settings."""

    short_abandon_s: float = 5.0
    worklist_short_abandons: bool = True  # a 2-second abandon is still a citizen who rang 12345
    repeat_window: timedelta = REPEAT_WINDOW


class _Changes:
    """What one event changed, published only after the caller's commit."""

    def __init__(self) -> None:
        self.calls: dict[str, Call] = {}
        self.seats: dict[str, Seat] = {}
        self.pops: list[ScreenPop] = []

    def publish(self, publisher: EventPublisher) -> None:
        for call in self.calls.values():
            publisher.publish(CALL_TOPIC, call_payload(call))
        for seat in self.seats.values():
            publisher.publish(SEAT_TOPIC, seat_payload(seat))
        for pop in self.pops:
            publisher.publish(SCREEN_POP_TOPIC, pop.model_dump(mode="json"))


class _HeldPublisher:
    """Keeps what the steps of a larger unit of work publish until it has committed."""

    def __init__(self) -> None:
        self.items: list[tuple[str, dict[str, Any]]] = []

    def publish(self, topic: str, payload: dict[str, Any]) -> None:
        self.items.append((topic, payload))

    def release(self, publisher: EventPublisher) -> None:
        for topic, payload in self.items:
            publisher.publish(topic, payload)
        self.items.clear()


def call_payload(call: Call) -> dict[str, Any]:
    return {
        "id": call.id,
        "linkedid": call.linkedid,
        "caller_number": call.caller_number,
        "caller_name": call.caller_name,
        "queue": call.queue,
        "outcome": call.outcome.value,
        "interface": call.interface,
        "seat_id": call.seat_id,
        "joined_at": call.joined_at.isoformat() if call.joined_at else None,
        "answered_at": call.answered_at.isoformat() if call.answered_at else None,
        "ended_at": call.ended_at.isoformat() if call.ended_at else None,
        "wait_s": call.wait_s,
        "talk_s": call.talk_s,
        "worklist": call.worklist.value,
        "direction": call.direction.value,
        "ticket_id": call.ticket_id,
    }


def seat_payload(seat: Seat) -> dict[str, Any]:
    return {
        "id": seat.id,
        "code": seat.code,
        "interface": seat.interface,
        "name": seat.name,
        "state": seat.state.value,
        "pause_reason": seat.pause_reason,
        "state_since": seat.state_since.isoformat() if seat.state_since else None,
        "linkedid": seat.current_linkedid,
    }


def _secs(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return round(max(0.0, (later - earlier).total_seconds()), 3)


def is_callable(number: str) -> bool:
    """A number the hotline can ring back (not empty, anonymous or a name)."""
    return bool(_CALLABLE.match(number))


# -- seats ------------------------------------------------------------------------------------


def seat_code_for(interface: str) -> str:
    """``Local/1001@agents`` and ``PJSIP/1001`` → ``1001``."""
    match = _SEAT_CODE.match(interface)
    return (match.group(1) if match else interface)[:32]


def _known(session: Session, kind: str) -> dict[str, Any]:
    """Rows this session already loaded, by key: a batch of events touches the same few again and again.

    An entry is used only while its object is still in the session (a rollback drops new ones).
    """
    cache: dict[str, Any] = session.info.setdefault(f"hotline.calls.{kind}", {})
    return cache


def get_or_create_seat(session: Session, *, interface: str, name: str = "") -> Seat:
    """The seat with this queue-member interface, created (offline) on first sight."""
    if not interface:
        raise InvalidInput("坐席事件缺少话机接口")
    known = _known(session, "seats")
    seat = known.get(interface)
    if seat is None or seat not in session:
        seat = session.exec(select(Seat).where(Seat.interface == interface)).first()
    if seat is not None:
        known[interface] = seat
        if name and not seat.name:
            seat.name = name[:64]
            session.add(seat)
        return seat
    code = seat_code_for(interface)
    if session.exec(select(Seat.id).where(Seat.code == code)).first() is not None:
        code = interface[-32:]
    seat = Seat(code=code, interface=interface[:128], name=name[:64])
    session.add(seat)
    session.flush()
    known[interface] = seat
    return seat


def _set_seat(
    seat: Seat, state: SeatState, at: datetime, changes: _Changes, *, linkedid: str | None = None
) -> None:
    moved = seat.state != state
    if moved:
        seat.state = state
        seat.state_since = at
    if linkedid is not None and seat.current_linkedid != linkedid:
        seat.current_linkedid = linkedid
        moved = True
    if moved:
        changes.seats[seat.interface] = seat


def _idle_state(seat: Seat) -> SeatState:
    """Where a seat goes when it has no call: its pause, or ready."""
    if not seat.pause_reason:
        return SeatState.READY
    return SeatState.WRAP_UP if seat.pause_reason.lower() in WRAP_UP_REASONS else SeatState.PAUSED


def _free_seat(session: Session, call: Call, at: datetime, changes: _Changes, *, after_call: bool) -> None:
    """The call no longer holds its seat: wrap-up after a conversation, else back to idle."""
    if call.seat_id is not None:
        seat = session.get(Seat, call.seat_id)
    elif call.interface:
        seat = session.exec(select(Seat).where(Seat.interface == call.interface)).first()
    else:
        return
    if seat is None or seat.current_linkedid != call.linkedid:
        return  # the seat has moved on (another call, or the device said it is free)
    if after_call and seat.state in _ON_A_CALL and not seat.pause_reason:
        _set_seat(seat, SeatState.WRAP_UP, at, changes)
    elif seat.state in _ON_A_CALL:
        _set_seat(seat, _idle_state(seat), at, changes, linkedid="")
    session.add(seat)


def _seat_event(session: Session, event: CallEvent, changes: _Changes) -> Seat:
    seat = get_or_create_seat(session, interface=event.interface, name=event.member_name)
    kind, at = event.kind, event.at
    if kind is CallEventKind.SEAT_ADDED:
        if seat.state is SeatState.OFFLINE:
            _set_seat(seat, _idle_state(seat), at, changes)
    elif kind is CallEventKind.SEAT_REMOVED:
        if seat.pause_reason:
            seat.pause_reason = ""
            changes.seats[seat.interface] = seat
        _set_seat(seat, SeatState.OFFLINE, at, changes, linkedid="")
    elif kind is CallEventKind.SEAT_PAUSED:
        reason = (event.reason or UNSPECIFIED_PAUSE)[:64]
        if seat.pause_reason != reason:
            seat.pause_reason = reason
            changes.seats[seat.interface] = seat
        if seat.state not in _ON_A_CALL:
            _set_seat(seat, _idle_state(seat), at, changes)
    elif kind is CallEventKind.SEAT_UNPAUSED:
        if seat.pause_reason:
            seat.pause_reason = ""
            changes.seats[seat.interface] = seat
        if seat.state in (SeatState.PAUSED, SeatState.WRAP_UP, SeatState.OFFLINE):
            _set_seat(seat, SeatState.READY, at, changes, linkedid="")
    elif kind is CallEventKind.SEAT_STATE:
        _device_state(seat, event, changes)
    session.add(seat)
    return seat


def _device_state(seat: Seat, event: CallEvent, changes: _Changes) -> None:
    try:
        device = SeatState(event.seat_state)
    except ValueError as err:
        raise InvalidInput(f"无法识别的坐席状态 {event.seat_state!r}") from err
    if device is SeatState.READY:
        # The phone is free: whatever call the seat had is over for it (a Redirect, a hang-up).
        if (
            seat.state in _ON_A_CALL
            or seat.state is SeatState.OFFLINE
            or (seat.state is SeatState.WRAP_UP and not seat.pause_reason)
        ):
            _set_seat(seat, _idle_state(seat), event.at, changes, linkedid="")
    elif device is SeatState.TALKING:
        # Local-channel members say "in use" while they ring: ringing stays until the answer.
        if seat.state is not SeatState.RINGING:
            _set_seat(seat, SeatState.TALKING, event.at, changes)
    else:
        _set_seat(seat, device, event.at, changes)


# -- calls ------------------------------------------------------------------------------------


def _get_call(session: Session, linkedid: str) -> Call | None:
    known = _known(session, "calls")
    call: Call | None = known.get(linkedid)
    if call is not None and call in session:
        return call
    call = session.exec(select(Call).where(Call.linkedid == linkedid)).first()
    if call is not None:
        known[linkedid] = call
    return call


def _call_for(session: Session, event: CallEvent, changes: _Changes) -> Call:
    call = _get_call(session, event.linkedid)
    if call is None:
        call = Call(
            linkedid=event.linkedid[:64],
            caller_number=event.caller_number[:32],
            caller_name=event.caller_name[:128],
            queue=event.queue[:64],
        )
        session.add(call)
        _known(session, "calls")[call.linkedid] = call
        changes.calls[call.linkedid] = call
    else:
        for attr, value, size in (
            ("caller_number", event.caller_number, 32),
            ("caller_name", event.caller_name, 128),
            ("queue", event.queue, 64),
        ):
            if value and not getattr(call, attr):
                setattr(call, attr, value[:size])
                changes.calls[call.linkedid] = call
    return call


def _queued(session: Session, event: CallEvent, policy: CallPolicy, changes: _Changes) -> Call:
    call = _call_for(session, event, changes)
    if call.joined_at is None and call.ended_at is None:
        call.joined_at = event.at
        changes.calls[call.linkedid] = call
    return call


def _ringing(session: Session, event: CallEvent, policy: CallPolicy, changes: _Changes) -> Call:
    call = _call_for(session, event, changes)
    if call.outcome not in (CallOutcome.WAITING, CallOutcome.RINGING) or call.ended_at is not None:
        return call
    if call.joined_at is None:
        call.joined_at = event.at
    if call.ringing_at != event.at or call.outcome is not CallOutcome.RINGING:
        call.outcome = CallOutcome.RINGING
        call.ringing_at = event.at  # the latest offer: ring_s is the answering seat's ring
        call.interface = event.interface[:128]
        changes.calls[call.linkedid] = call
    if event.interface:
        seat = get_or_create_seat(session, interface=event.interface, name=event.member_name)
        if seat.state is not SeatState.TALKING:  # a seat being rung is logged in, whatever we thought
            _set_seat(seat, SeatState.RINGING, event.at, changes, linkedid=call.linkedid)
            session.add(seat)
    return call


def _dialled(session: Session, event: CallEvent, policy: CallPolicy, changes: _Changes) -> Call:
    """A call placed from a seat: the seat's phone rings first, then the citizen's.

    It never joined the queue (``joined_at`` stays empty), so queue figures leave it out.
    """
    call = _call_for(session, event, changes)
    if call.outcome is not CallOutcome.WAITING or call.ringing_at is not None:
        return call  # known already (the same event twice, or the phone system got there first)
    seat = get_or_create_seat(session, interface=event.interface, name=event.member_name)
    call.direction = CallDirection.OUTBOUND
    call.outcome = CallOutcome.DIALLING
    call.ringing_at = event.at
    call.seat_id = seat.id
    call.interface = event.interface[:128]
    call.ticket_id = event.ticket_id
    changes.calls[call.linkedid] = call
    if seat.state is not SeatState.TALKING:
        _set_seat(seat, SeatState.RINGING, event.at, changes, linkedid=call.linkedid)
        session.add(seat)
    return call


_ANSWERABLE = (CallOutcome.WAITING, CallOutcome.RINGING, CallOutcome.DIALLING)


def _answered(session: Session, event: CallEvent, policy: CallPolicy, changes: _Changes) -> Call:
    call = _call_for(session, event, changes)
    if call.outcome not in _ANSWERABLE or call.ended_at is not None:
        return call
    seat = get_or_create_seat(session, interface=event.interface or call.interface, name=event.member_name)
    outbound = call.direction is CallDirection.OUTBOUND
    if call.joined_at is None and not outbound:
        call.joined_at = event.at - timedelta(seconds=event.hold_s or 0)
    rang_here = call.ringing_at is not None and call.interface == seat.interface
    call.answered_at = event.at
    call.outcome = CallOutcome.TALKING
    call.seat_id = seat.id
    call.interface = seat.interface[:128]
    # A placed call's wait is how long the citizen took to pick up, from the moment it was dialled.
    call.wait_s = _secs(event.at, call.ringing_at if outbound else call.joined_at)
    call.ring_s = _secs(event.at, call.ringing_at) if rang_here else event.ring_s
    changes.calls[call.linkedid] = call
    _set_seat(seat, SeatState.TALKING, event.at, changes, linkedid=call.linkedid)
    session.add(seat)
    if is_callable(call.caller_number):
        _close_worklist_of(session, call, changes)
    changes.pops.append(_screen_pop(session, call=call, seat=seat, policy=policy))
    return call


def _close_worklist_of(session: Session, answered: Call, changes: _Changes) -> None:
    """The citizen got through: earlier missed calls from the number need no call-back."""
    pending = session.exec(
        select(Call).where(
            Call.caller_number == answered.caller_number,
            Call.worklist == WorklistState.PENDING,
            Call.linkedid != answered.linkedid,
        )
    ).all()
    for missed in pending:
        missed.worklist = WorklistState.DONE
        missed.worklist_done_at = answered.answered_at
        how = "回拨已接通" if answered.direction is CallDirection.OUTBOUND else "来电已接通"
        missed.worklist_note = f"{how}（通话 {answered.linkedid}）"[:500]
        session.add(missed)
        changes.calls[missed.linkedid] = missed


def _end_missed(call: Call, at: datetime, hold_s: float | None, reason: str, policy: CallPolicy) -> None:
    call.ended_at = at
    call.wait_s = _secs(at, call.joined_at) if call.joined_at is not None else hold_s
    short = call.wait_s is not None and call.wait_s < policy.short_abandon_s
    call.outcome = CallOutcome.SHORT_ABANDON if short else CallOutcome.ABANDONED
    call.hangup_reason = reason[:32]
    if is_callable(call.caller_number) and (policy.worklist_short_abandons or not short):
        call.worklist = WorklistState.PENDING


def _abandoned(session: Session, event: CallEvent, policy: CallPolicy, changes: _Changes) -> Call:
    call = _call_for(session, event, changes)
    if call.outcome not in (CallOutcome.WAITING, CallOutcome.RINGING) or call.ended_at is not None:
        return call
    if call.joined_at is None:
        call.joined_at = event.at - timedelta(seconds=event.hold_s or 0)
    _end_missed(call, event.at, event.hold_s, "abandon", policy)
    changes.calls[call.linkedid] = call
    _free_seat(session, call, event.at, changes, after_call=False)
    return call


def _end_talk(call: Call, at: datetime, talk_s: float | None, reason: str) -> None:
    call.ended_at = at
    call.talk_s = _secs(at, call.answered_at) if call.answered_at is not None else talk_s
    call.outcome = CallOutcome.TRANSFERRED if call.transferred_to else CallOutcome.ANSWERED
    call.hangup_reason = reason[:32]


def _completed(session: Session, event: CallEvent, policy: CallPolicy, changes: _Changes) -> Call:
    call = _call_for(session, event, changes)
    if call.ended_at is not None:
        return call
    if call.outcome is CallOutcome.TRANSFERRED:
        call.ended_at = event.at  # the operator's talk time was fixed at the transfer
        changes.calls[call.linkedid] = call
        return call
    if call.outcome in (CallOutcome.WAITING, CallOutcome.RINGING):
        # The answer was missed (a reconnect gap): rebuild it from the AgentComplete figures.
        seat = get_or_create_seat(session, interface=event.interface, name=event.member_name)
        talk = timedelta(seconds=event.talk_s or 0)
        call.answered_at = event.at - talk
        if call.joined_at is None:
            call.joined_at = call.answered_at - timedelta(seconds=event.hold_s or 0)
        call.wait_s = _secs(call.answered_at, call.joined_at)
        call.seat_id, call.interface = seat.id, event.interface[:128]
    _end_talk(call, event.at, event.talk_s, event.reason)
    changes.calls[call.linkedid] = call
    _free_seat(session, call, event.at, changes, after_call=True)
    return call


def _transferred(session: Session, event: CallEvent, policy: CallPolicy, changes: _Changes) -> Call:
    call = _call_for(session, event, changes)
    if call.outcome is not CallOutcome.TALKING or call.ended_at is not None:
        return call
    target = (event.target or event.reason or "transfer")[:128]
    if event.reason == "threeway":
        # 三方通话: the operator stays on; the call is the expert's too, the seat still talks.
        if call.transferred_to != target:
            call.transferred_to = target
            changes.calls[call.linkedid] = call
        return call
    call.transferred_to = target
    call.outcome = CallOutcome.TRANSFERRED
    call.talk_s = _secs(event.at, call.answered_at)
    call.hangup_reason = (event.reason or "transfer")[:32]
    changes.calls[call.linkedid] = call
    _free_seat(session, call, event.at, changes, after_call=True)
    return call


def _hung_up(session: Session, event: CallEvent, policy: CallPolicy, changes: _Changes) -> Call | None:
    call = _get_call(session, event.linkedid)
    if call is None:
        return None  # never queued: an IVR-only call or a callback
    _close_live(session, call, event.at, event.reason or "hangup", policy, changes)
    return call


def _close_live(
    session: Session, call: Call, at: datetime, reason: str, policy: CallPolicy, changes: _Changes
) -> None:
    """End a call whose end was not reported (missed events, or a snapshot that no longer has it)."""
    if call.ended_at is not None:
        return
    if call.outcome is CallOutcome.DIALLING:
        call.ended_at, call.outcome, call.hangup_reason = at, CallOutcome.NO_ANSWER, reason[:32]
        _free_seat(session, call, at, changes, after_call=False)  # our own call: no call-back owed
    elif call.outcome in (CallOutcome.WAITING, CallOutcome.RINGING):
        _end_missed(call, at, None, reason, policy)  # left the queue unanswered: a missed call
        _free_seat(session, call, at, changes, after_call=False)
    elif call.outcome is CallOutcome.TALKING:
        _end_talk(call, at, None, reason)
        _free_seat(session, call, at, changes, after_call=True)
    else:
        call.ended_at = at
    session.add(call)
    changes.calls[call.linkedid] = call


_CALL_HANDLERS: dict[CallEventKind, Callable[[Session, CallEvent, CallPolicy, _Changes], Call | None]] = {
    CallEventKind.QUEUED: _queued,
    CallEventKind.SEAT_RINGING: _ringing,
    CallEventKind.ANSWERED: _answered,
    CallEventKind.ABANDONED: _abandoned,
    CallEventKind.COMPLETED: _completed,
    CallEventKind.TRANSFERRED: _transferred,
    CallEventKind.HUNG_UP: _hung_up,
    CallEventKind.DIALLED: _dialled,
}
_SEAT_KINDS = frozenset(
    {
        CallEventKind.SEAT_ADDED,
        CallEventKind.SEAT_REMOVED,
        CallEventKind.SEAT_PAUSED,
        CallEventKind.SEAT_UNPAUSED,
        CallEventKind.SEAT_STATE,
    }
)


def handle_call_event(
    session: Session,
    *,
    event: CallEvent,
    publisher: EventPublisher,
    policy: CallPolicy | None = None,
    commit: bool = True,
) -> Call | Seat | None:
    """Apply one CallEvent; return the call or seat it concerns (None for a hang-up of an unknown call).

    Idempotent. Publishes call, seat and screen-pop updates only for what changed, after the
    commit; with ``commit=False`` the caller commits (a batch in one transaction) and should hand
    a publisher that holds its messages until then.
    """
    policy = policy or CallPolicy()
    changes = _Changes()
    result: Call | Seat | None
    if event.kind in _SEAT_KINDS:
        result = _seat_event(session, event, changes)
    else:
        if not event.linkedid:
            raise InvalidInput(f"通话事件 {event.kind.value} 缺少通话编号")
        result = _CALL_HANDLERS[event.kind](session, event, policy, changes)
        if result is not None:
            session.add(result)
    if commit:
        session.commit()
    changes.publish(publisher)
    return result


def reconcile_live(
    session: Session,
    *,
    events: Sequence[CallEvent],
    live_linkedids: Collection[str],
    seat_interfaces: Collection[str] | None,
    now: datetime,
    publisher: EventPublisher,
    policy: CallPolicy | None = None,
    commit: bool = True,
) -> list[Call]:
    """Bring the records in line with a snapshot of the phone system taken after a reconnect.

    ``events`` restate what the snapshot shows (calls waiting or talking, seats and their
    pauses) and are applied as usual, so nothing known is doubled. Then every call still open
    here but gone from ``live_linkedids`` ended while we were away: it is closed at ``now``
    (unanswered → missed and on the worklist, talking → answered, a placed call still dialling
    → no answer). Seats missing from ``seat_interfaces`` (when the queue status was read) are
    offline. Returns the calls closed.
    """
    policy = policy or CallPolicy()
    now = ensure_utc(now)
    held = _HeldPublisher()
    for event in events:
        handle_call_event(session, event=event, publisher=held, policy=policy, commit=False)
    changes = _Changes()
    live = set(live_linkedids)
    open_calls = session.exec(
        select(Call).where(col(Call.ended_at).is_(None), col(Call.outcome).in_(list(LIVE_OUTCOMES)))
    ).all()
    closed: list[Call] = []
    for call in open_calls:
        if call.linkedid not in live:
            _close_live(session, call, now, RECONCILED, policy, changes)
            closed.append(call)
    if seat_interfaces is not None:
        present = set(seat_interfaces)
        for seat in session.exec(select(Seat).where(Seat.state != SeatState.OFFLINE)).all():
            if seat.interface not in present:
                _set_seat(seat, SeatState.OFFLINE, now, changes, linkedid="")
                session.add(seat)
    if commit:
        session.commit()
    else:
        session.flush()
    held.release(publisher)
    changes.publish(publisher)
    return closed


# -- screen pop -------------------------------------------------------------------------------


def _briefs(tickets: Sequence[Ticket]) -> list[TicketBrief]:
    return [
        TicketBrief(id=t.id or 0, number=t.number, title=t.title, status=t.status, created_at=t.created_at)
        for t in tickets
    ]


def _screen_pop(session: Session, *, call: Call, seat: Seat | None, policy: CallPolicy) -> ScreenPop:
    number = call.caller_number
    open_tickets: list[Ticket] = []
    recent: list[Ticket] = []
    previous = 0
    reference = call.answered_at or call.joined_at or call.ended_at
    if is_callable(number):
        calls_query = (
            select(func.count())
            .select_from(Call)
            .where(Call.caller_number == number, Call.linkedid != call.linkedid)
        )
        if reference is not None:
            calls_query = calls_query.where(col(Call.joined_at) >= reference - policy.repeat_window)
        previous = session.exec(calls_query).one()
        open_tickets = list(
            session.exec(
                select(Ticket)
                .where(Ticket.caller_phone == number, col(Ticket.status).in_(list(OPEN_STATUSES)))
                .order_by(col(Ticket.created_at).desc())
                .limit(20)
            ).all()
        )
        recent_query = select(Ticket).where(
            Ticket.caller_phone == number, col(Ticket.status).not_in(list(OPEN_STATUSES))
        )
        if reference is not None:
            recent_query = recent_query.where(col(Ticket.created_at) >= reference - RECENT_TICKETS_WINDOW)
        recent = list(session.exec(recent_query.order_by(col(Ticket.created_at).desc()).limit(5)).all())
    return ScreenPop(
        linkedid=call.linkedid,
        seat_id=seat.id if seat else None,
        seat_code=seat.code if seat else "",
        interface=call.interface,
        caller_number=number,
        caller_name=call.caller_name,
        answered_at=call.answered_at,
        repeat_caller=previous > 0 or bool(open_tickets),
        previous_calls=previous,
        open_tickets=_briefs(open_tickets),
        recent_tickets=_briefs(recent),
    )


def get_screen_pop(session: Session, *, linkedid: str, policy: CallPolicy | None = None) -> ScreenPop:
    """The pop of a call, again (a page reloaded during the call)."""
    call = get_call(session, linkedid=linkedid)
    seat = session.get(Seat, call.seat_id) if call.seat_id is not None else None
    return _screen_pop(session, call=call, seat=seat, policy=policy or CallPolicy())


# -- reading ----------------------------------------------------------------------------------


def get_call(session: Session, *, linkedid: str) -> Call:
    call = _get_call(session, linkedid)
    if call is None:
        raise NotFound(f"通话 {linkedid} 不存在")
    return call


def list_calls(
    session: Session, *, since: datetime | None = None, until: datetime | None = None, limit: int = 1000
) -> list[Call]:
    """Calls that joined the queue in [since, until), oldest first."""
    query = select(Call)
    if since is not None:
        query = query.where(col(Call.joined_at) >= ensure_utc(since))
    if until is not None:
        query = query.where(col(Call.joined_at) < ensure_utc(until))
    return list(session.exec(query.order_by(col(Call.joined_at), col(Call.id)).limit(limit)).all())


def list_seats(session: Session) -> list[Seat]:
    """Every seat, by code."""
    return list(session.exec(select(Seat).order_by(col(Seat.code))).all())


def seat_of_user(session: Session, *, user_id: int) -> Seat | None:
    """The seat an operator works at."""
    return session.exec(select(Seat).where(Seat.user_id == user_id)).first()


_SEAT_INTERFACE = re.compile(r"^[A-Za-z0-9]+/[A-Za-z0-9_.@+-]{1,120}$")
# The code names the seat in an address (/api/seats/{code}/operator) and on the command line.
_ADMIN_SEAT_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")


def add_seat(session: Session, *, code: str, interface: str, name: str = "") -> Seat:
    """A seat the admin sets up before its phone is first seen (e.g. ``1001``, ``PJSIP/1001``)."""
    code = code.strip()
    if not _ADMIN_SEAT_CODE.fullmatch(code):
        raise InvalidInput(f"坐席编号 {code!r} 无效：应为 1 到 32 个字母、数字、- 或 _，如 1001")
    interface = interface.strip()
    if not _SEAT_INTERFACE.match(interface):
        raise InvalidInput(f"话机接口 {interface!r} 无效，应如 PJSIP/1001")
    if session.exec(
        select(Seat).where(or_(col(Seat.code) == code, col(Seat.interface) == interface))
    ).first():
        raise Conflict(f"坐席 {code} 或接口 {interface} 已存在")
    seat = Seat(
        code=code, interface=interface, name=clean_text(name, field="名称", max_len=64, allow_empty=True)
    )
    session.add(seat)
    session.commit()
    session.refresh(seat)
    return seat


def get_seat_by_code(session: Session, *, code: str) -> Seat:
    seat = session.exec(select(Seat).where(Seat.code == code.strip())).first()
    if seat is None:
        raise NotFound(f"没有坐席 {code}")
    return seat


def assign_seat(session: Session, *, seat: Seat, user: User | None, publisher: EventPublisher) -> Seat:
    """Who works at this seat (an operator), or nobody; an operator holds one seat at a time."""
    vacated: Sequence[Seat] = ()
    if user is not None:
        if user.role is not Role.OPERATOR:
            raise InvalidInput(f"只有话务员可以分配坐席，{user.username} 不是话务员")
        if not user.active:
            raise InvalidInput(f"账号 {user.username} 已停用")
        vacated = session.exec(select(Seat).where(Seat.user_id == user.id, Seat.id != seat.id)).all()
        for other in vacated:
            other.user_id = None
            session.add(other)
    seat.user_id = user.id if user is not None else None
    session.add(seat)
    session.commit()
    session.refresh(seat)
    # The seat left behind too: the operator's open seat page listens to that seat's code.
    for changed in [*vacated, seat]:
        publisher.publish(SEAT_TOPIC, seat_payload(changed))
    return seat


def current_call(session: Session, *, seat: Seat) -> Call | None:
    """The call on a seat now (ringing, talking or in its wrap-up), if any."""
    if not seat.current_linkedid:
        return None
    return _get_call(session, seat.current_linkedid)


def waiting_calls(session: Session) -> list[Call]:
    """Callers in the queue now (waiting or being rung), longest wait first."""
    query = select(Call).where(
        col(Call.outcome).in_([CallOutcome.WAITING, CallOutcome.RINGING]), col(Call.ended_at).is_(None)
    )
    return list(session.exec(query.order_by(col(Call.joined_at), col(Call.id))).all())


def worklist(session: Session, *, limit: int = 200) -> list[Call]:
    """漏接回拨: missed calls still waiting for a call-back, oldest first, one per number."""
    calls = session.exec(
        select(Call)
        .where(Call.worklist == WorklistState.PENDING)
        .order_by(col(Call.ended_at), col(Call.id))
        .limit(limit * 4)
    ).all()
    seen: set[str] = set()
    out: list[Call] = []
    for call in calls:
        if call.caller_number not in seen:
            seen.add(call.caller_number)
            out.append(call)
    return out[:limit]


def finish_worklist_item(
    session: Session, *, call_id: int, now: datetime, note: str = "", publisher: EventPublisher | None = None
) -> Call:
    """Mark a missed call as called back; every pending call of the same number goes with it."""
    call = session.get(Call, call_id)
    if call is None:
        raise NotFound(f"通话 {call_id} 不存在")
    if call.worklist is not WorklistState.PENDING:
        raise Conflict(f"通话 {call_id} 不在待回拨名单中")
    now = ensure_utc(now)
    note = clean_text(note, field="说明", max_len=500, allow_empty=True)
    done = session.exec(
        select(Call).where(
            or_(col(Call.id) == call_id, col(Call.caller_number) == call.caller_number),
            Call.worklist == WorklistState.PENDING,
        )
    ).all()
    for item in done:
        item.worklist = WorklistState.DONE
        item.worklist_done_at = now
        item.worklist_note = note
        session.add(item)
    session.commit()
    if publisher is not None:
        for item in done:
            publisher.publish(CALL_TOPIC, call_payload(item))
    return call


# --- transfer targets (转接目标) ---------------------------------------------------------------

_TRANSFER_EXTENSION = re.compile(TRANSFER_EXTENSION)
_A_NUMBER = re.compile(r"^[0-9*#+]+$")  # a number typed by the operator: the call control checks it


class TransferTargetIn(BaseModel):
    """A target as the admin writes it; ``None`` in an update: left as it is."""

    name: str | None = None
    extension: str | None = None
    kind: TransferKind | None = None
    active: bool | None = None
    sort_order: int | None = None


@dataclass(frozen=True)
class ResolvedTransfer:
    extension: str
    target: TransferTarget | None  # None: a number typed by the operator, not in the table


# The admin's changes only flush: the caller commits, with the change's audit entry.


def list_transfer_targets(session: Session, *, active_only: bool = False) -> list[TransferTarget]:
    """Emergency lines, then expert desks, then units (the kinds sort so), each by its sort order."""
    query = select(TransferTarget)
    if active_only:
        query = query.where(col(TransferTarget.active).is_(True))
    order = (col(TransferTarget.kind), col(TransferTarget.sort_order), col(TransferTarget.id))
    return list(session.exec(query.order_by(*order)))


def get_transfer_target(session: Session, *, target_id: int) -> TransferTarget:
    target = session.get(TransferTarget, target_id)
    if target is None:
        raise NotFound(f"转接目标 {target_id} 不存在")
    return target


def _check_target(session: Session, target: TransferTarget) -> None:
    target.name = short_text(target.name, field="名称", max_len=32)
    if _A_NUMBER.match(target.name):
        raise InvalidInput("名称不能是纯号码：号码请填在“号码”一栏")
    target.extension = target.extension.strip()
    if not _TRANSFER_EXTENSION.match(target.extension):
        raise InvalidInput("号码只能由数字、* 和 # 组成（1–32 位）")
    if not -9999 <= target.sort_order <= 9999:
        raise InvalidInput("排序应在 -9999 到 9999 之间")
    with session.no_autoflush:  # an edited row must not be written before its name is checked
        clash = session.exec(
            select(TransferTarget).where(TransferTarget.name == target.name, TransferTarget.id != target.id)
        ).first()
    if clash is not None:
        raise Conflict(f"已有名为「{target.name}」的转接目标")


def create_transfer_target(session: Session, *, data: TransferTargetIn) -> TransferTarget:
    if data.name is None or data.extension is None:
        raise InvalidInput("请填写名称和号码")
    target = TransferTarget(
        name=data.name,
        extension=data.extension,
        kind=data.kind or TransferKind.EXPERT,
        active=True if data.active is None else data.active,
        sort_order=data.sort_order or 0,
    )
    _check_target(session, target)
    session.add(target)
    session.flush()
    return target


def update_transfer_target(session: Session, *, target_id: int, data: TransferTargetIn) -> TransferTarget:
    target = get_transfer_target(session, target_id=target_id)
    for name, value in data.model_dump(exclude_none=True).items():
        setattr(target, name, value)
    _check_target(session, target)  # refused: the request's rollback drops the values set above
    session.add(target)
    session.flush()
    return target


def delete_transfer_target(session: Session, *, target_id: int) -> None:
    session.delete(get_transfer_target(session, target_id=target_id))
    session.flush()


def resolve_transfer(session: Session, *, target: str) -> ResolvedTransfer:
    """What to dial for what the operator picked: an active target's name, or a number as typed.

    A number that is also a target's extension is that target (its kind names the line).
    """
    wanted = target.strip()
    if not wanted:
        raise InvalidInput("请选择转接目标或填写号码")
    try:
        clean_text(wanted, field="target", max_len=64)
    except InvalidInput as err:  # control characters, broken text: no target has such a name
        raise InvalidInput("转接目标含有无效字符：请从列表中选择，或填写电话号码") from err
    row = session.exec(
        select(TransferTarget).where(TransferTarget.name == wanted, col(TransferTarget.active).is_(True))
    ).first()
    if row is not None:
        return ResolvedTransfer(extension=row.extension, target=row)
    if not _A_NUMBER.match(wanted):
        raise InvalidInput(f"没有名为「{wanted[:32]}」的转接目标：请从列表中选择，或填写电话号码")
    same = session.exec(
        select(TransferTarget)
        .where(TransferTarget.extension == wanted, col(TransferTarget.active).is_(True))
        .order_by(col(TransferTarget.id))
    ).first()
    return ResolvedTransfer(extension=wanted, target=same)
