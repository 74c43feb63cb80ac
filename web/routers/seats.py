"""The operator's seat: state and pauses, the screen pop, missed calls, transfers and callbacks by phone.

Seat states come from the phone system through the core's ``handle_call_event``; a pause asked
here goes to the phone system (the ``CallControl`` port), which reports it back as an event.
Without a phone system the pause is recorded through the same door as that event would be.
"""

from pydantic import BaseModel, Field

from hotline.calls import service as calls
from hotline.calls.events import CallEvent, CallEventKind
from hotline.calls.models import Call, Seat
from hotline.enums import SeatState
from hotline.errors import Conflict, InvalidInput, NotFound
from hotline.users.models import Actor
from hotline.users.service import get_user
from web import labels
from web.deps import (
    Id,
    IntakeActor,
    NowDep,
    OperatorActor,
    ServicesDep,
    SessionDep,
    StaffActor,
    run_db,
)
from web.routers.common import api_router
from web.schemas import CallView, NoteIn, SeatStateIn, SeatView, TransferIn

router = api_router("seats and calls")
CALL_TOPICS = (calls.CALL_TOPIC, calls.SEAT_TOPIC, calls.SCREEN_POP_TOPIC)
EMERGENCY_LINES = frozenset({"110", "119", "120", "122"})


class DialIn(BaseModel):
    number: str = Field(min_length=3, max_length=32)
    ticket_id: Id | None = None


class CommandOut(BaseModel):
    ok: bool
    detail: str


def call_view(call: Call) -> CallView:
    assert call.id is not None
    return CallView(
        id=call.id,
        linkedid=call.linkedid,
        caller_number=call.caller_number,
        caller_name=call.caller_name,
        joined_at=call.joined_at,
        answered_at=call.answered_at,
        outcome=call.outcome,
        wait_s=call.wait_s,
    )


def seat_view(session: SessionDep, seat: Seat) -> SeatView:
    assert seat.id is not None
    operator = get_user(session, user_id=seat.user_id).display_name if seat.user_id is not None else ""
    call = calls.current_call(session, seat=seat)
    return SeatView(
        id=seat.id,
        code=seat.code,
        name=seat.name,
        state=seat.state,
        state_label=labels.SEAT_STATE[seat.state],
        pause_reason=seat.pause_reason,
        state_since=seat.state_since,
        operator=operator,
        call=call_view(call) if call else None,
    )


def my_seat(session: SessionDep, actor: Actor) -> Seat:
    seat = calls.seat_of_user(session, user_id=actor.user_id) if actor.user_id is not None else None
    if seat is None:
        raise NotFound("no seat is assigned to you; ask the admin")
    return seat


@router.get("/api/seats", summary="Every seat with its state and call")
def list_seats(actor: StaffActor, session: SessionDep) -> list[SeatView]:
    return [seat_view(session, s) for s in calls.list_seats(session)]


@router.get("/api/seats/me", summary="The operator's own seat")
def get_my_seat(actor: OperatorActor, session: SessionDep) -> SeatView:
    return seat_view(session, my_seat(session, actor))


@router.post("/api/seats/me/state", summary="Ready (示闲) or pause with a reason (示忙)")
async def set_my_state(
    data: SeatStateIn, actor: OperatorActor, session: SessionDep, services: ServicesDep, now: NowDep
) -> SeatView:
    if data.state not in {SeatState.READY, SeatState.PAUSED}:
        raise InvalidInput("a seat is set ready or paused here; the phone system reports the rest")
    seat = await run_db(session, lambda: my_seat(session, actor))
    paused = data.state is SeatState.PAUSED
    reason = data.reason.strip() or "小休"
    if services.call_control is not None:
        # No transaction is open while the phone system answers: its events are written meanwhile.
        await services.call_control.pause(seat_interface=seat.interface, paused=paused, reason=reason)
    else:
        kind = CallEventKind.SEAT_PAUSED if paused else CallEventKind.SEAT_UNPAUSED
        event = CallEvent(kind=kind, at=now, interface=seat.interface, reason=reason if paused else "")
        await run_db(session, lambda: calls.handle_call_event(session, event=event, publisher=services.hub))

    def fresh_view() -> SeatView:
        session.expire_all()
        return seat_view(session, my_seat(session, actor))

    return await run_db(session, fresh_view)


@router.get("/api/calls/waiting", summary="Callers in the queue now")
def waiting(actor: StaffActor, session: SessionDep) -> list[CallView]:
    return [call_view(c) for c in calls.waiting_calls(session)]


@router.get("/api/calls/missed", summary="漏接回拨: missed callers to ring back, one per number")
def missed(actor: IntakeActor, session: SessionDep) -> list[CallView]:
    return [call_view(c) for c in calls.worklist(session, limit=100)]


@router.post("/api/calls/{call_id}/worklist-done", summary="A missed caller was rung back")
def missed_done(
    call_id: Id, data: NoteIn, actor: IntakeActor, session: SessionDep, services: ServicesDep, now: NowDep
) -> CallView:
    call = calls.finish_worklist_item(
        session, call_id=call_id, now=now, note=data.note, publisher=services.hub
    )
    return call_view(call)


@router.get("/api/calls/{linkedid}/pop", summary="Screen pop: the caller, their history, the repeat flag")
def screen_pop(linkedid: str, actor: IntakeActor, session: SessionDep) -> calls.ScreenPop:
    return calls.get_screen_pop(session, linkedid=linkedid)


@router.post(
    "/api/calls/transfer", summary="Transfer the caller (emergency 110/119/120/122, or an expert line)"
)
async def transfer(data: TransferIn, actor: IntakeActor, services: ServicesDep) -> CommandOut:
    if services.call_control is None:
        raise Conflict("no telephone system is connected; transfer by hand")
    try:
        await services.call_control.transfer(linkedid=data.linkedid, target=data.target)
    except LookupError as err:
        raise Conflict(f"cannot transfer: {err}") from err
    kind = "emergency line" if data.target in EMERGENCY_LINES else "line"
    return CommandOut(ok=True, detail=f"transferred to {kind} {data.target}")


@router.post("/api/calls/dial", summary="Click-to-call from the operator's seat (callbacks)")
async def dial(data: DialIn, actor: OperatorActor, session: SessionDep, services: ServicesDep) -> CommandOut:
    seat = await run_db(session, lambda: my_seat(session, actor))
    if services.call_control is None:
        raise Conflict("no telephone system is connected; dial by hand")
    try:
        call_id = await services.call_control.click_to_call(seat_interface=seat.interface, number=data.number)
    except LookupError as err:
        raise Conflict(f"cannot dial: {err}") from err
    return CommandOut(ok=True, detail=f"dialling {data.number} ({call_id})")
