"""The operator's seat: state and pauses, the screen pop, missed calls, transfers and callbacks by phone.

Seat states come from the phone system through the core's ``handle_call_event``; a pause asked
here goes to the phone system (the ``CallControl`` port), which reports it back as an event.
Without a phone system the pause is recorded through the same door as that event would be.
"""

import re
from collections.abc import Awaitable
from datetime import datetime
from typing import TypeVar

from fastapi import Request
from pydantic import BaseModel, Field

from hotline.audit.service import snapshot
from hotline.calls import service as calls
from hotline.calls.events import CallEvent, CallEventKind
from hotline.calls.models import Call, Seat, TransferKind
from hotline.enums import SeatState
from hotline.errors import Conflict, DomainError, InvalidInput, NotFound, Unavailable
from hotline.ports import CallControl, TransferStep
from hotline.privacy.service import check_may_call_back
from hotline.tickets.service import get_ticket
from hotline.users.models import Actor
from hotline.users.service import get_user, get_user_by_username
from web import labels
from web.deps import (
    AdminActor,
    Id,
    IntakeActor,
    NowDep,
    OperatorActor,
    ServicesDep,
    SessionDep,
    StaffActor,
    run_db,
)
from web.routers.admin.common import audited
from web.routers.common import api_router
from web.schemas import CallView, NoteIn, SeatStateIn, SeatView, TransferIn, TransferMode

router = api_router("seats and calls")
CALL_TOPICS = (calls.CALL_TOPIC, calls.SEAT_TOPIC, calls.SCREEN_POP_TOPIC)
EMERGENCY_LINES = frozenset({"110", "119", "120", "122"})
T = TypeVar("T")


DIALLABLE = re.compile(r"^\+?[0-9]{3,20}$")
TRANSFER_STEP_DONE = {
    TransferStep.COMPLETE: "已转交，来电人与转接方通话",
    TransferStep.THREEWAY: "三方通话中",
    TransferStep.CANCEL: "已取消转接，回到来电人",
}


class DialIn(BaseModel):
    number: str = Field(min_length=3, max_length=32)
    ticket_id: Id | None = Field(default=None, description="the ticket the call is about (a callback)")


class HangupIn(BaseModel):
    linkedid: str = Field(default="", max_length=64, description="empty: the call on the operator's seat")


class TransferStepIn(BaseModel):
    linkedid: str = Field(default="", max_length=64, description="empty: the call on the operator's seat")
    step: TransferStep


class SeatIn(BaseModel):
    code: str = Field(min_length=1, max_length=32, description="e.g. 1001")
    interface: str = Field(min_length=3, max_length=128, description="the phone, e.g. PJSIP/1001")
    name: str = Field(default="", max_length=64)


class SeatOperatorIn(BaseModel):
    username: str | None = Field(
        default=None, max_length=64, description="an operator's username; null: nobody"
    )


class CommandOut(BaseModel):
    ok: bool
    detail: str
    linkedid: str = ""


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
        outcome_label=labels.CALL_OUTCOME[call.outcome],
        wait_s=call.wait_s,
        direction=call.direction,
        ticket_id=call.ticket_id,
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
        raise NotFound("您还没有分配坐席，请联系管理员")
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
        raise InvalidInput("这里只能示闲或示忙，其余状态由电话系统报告")
    seat = await run_db(session, lambda: my_seat(session, actor))
    paused = data.state is SeatState.PAUSED
    reason = data.reason.strip() or "小休"
    if services.call_control is not None:
        # No transaction is open while the phone system answers: its events are written meanwhile.
        await _command(
            services.call_control.pause(seat_interface=seat.interface, paused=paused, reason=reason)
        )
    else:
        kind = CallEventKind.SEAT_PAUSED if paused else CallEventKind.SEAT_UNPAUSED
        event = CallEvent(kind=kind, at=now, interface=seat.interface, reason=reason if paused else "")
        await run_db(session, lambda: calls.handle_call_event(session, event=event, publisher=services.hub))

    return await run_db(session, lambda: _fresh_view(session, actor))


def _fresh_view(session: SessionDep, actor: Actor) -> SeatView:
    session.expire_all()  # the phone system's events were written by another connection meanwhile
    return seat_view(session, my_seat(session, actor))


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


def _phone(services: ServicesDep) -> CallControl:
    if services.call_control is None:
        # Not an outage but how this install is set up: a conflict, not a 5xx.
        raise Conflict("未连接电话系统（HOTLINE_WEB_CALL_CONTROL 未设置），请在话机上操作")
    return services.call_control


async def _command(work: Awaitable[T]) -> T:
    """Run a phone command; its refusals become the operator's words, not a server error."""
    try:
        return await work
    except LookupError as err:
        raise Conflict(str(err)) from err
    except (ConnectionError, TimeoutError) as err:
        raise Unavailable(f"电话系统暂时无法连接，请稍后重试或在话机上操作（{err}）") from err
    except ValueError as err:
        raise InvalidInput(str(err)) from err


def _live_call(session: SessionDep, actor: Actor, linkedid: str) -> str:
    """The call the operator means: the one named, which must be on their seat, or the seat's own."""
    seat = my_seat(session, actor)
    current = calls.current_call(session, seat=seat)
    if current is not None and current.ended_at is not None:
        current = None  # after-call work: the seat still names the call, but it is over
    if linkedid and (current is None or linkedid != current.linkedid):
        try:
            call: Call | None = calls.get_call(session, linkedid=linkedid)
        except NotFound:
            call = None  # an id nobody knows is not on this seat either
        if call is None or call.seat_id != seat.id or call.ended_at is not None:
            raise Conflict(f"通话 {linkedid} 不在您的坐席上")
        return linkedid
    if current is None:
        raise Conflict("您的坐席当前没有通话")
    return current.linkedid


@router.post(
    "/api/calls/transfer",
    summary="Transfer the caller: blind, or attended (咨询转接) to 110/119/120/122 or an expert line",
)
async def transfer(
    data: TransferIn, actor: OperatorActor, session: SessionDep, services: ServicesDep
) -> CommandOut:
    phone = _phone(services)

    def call_and_line() -> tuple[str, calls.ResolvedTransfer]:
        # A name from the admin's list (转接目标) is dialled as its extension; a number as typed.
        linkedid = _live_call(session, actor, data.linkedid)
        return linkedid, calls.resolve_transfer(session, target=data.target)

    linkedid, line = await run_db(session, call_and_line)
    attended = data.mode is TransferMode.ATTENDED
    await _command(phone.transfer(linkedid=linkedid, target=line.extension, attended=attended))
    emergency = line.extension in EMERGENCY_LINES or (
        line.target is not None and line.target.kind is TransferKind.EMERGENCY
    )
    kind = "紧急电话" if emergency else "专线"
    if attended:
        return CommandOut(ok=True, detail=f"正在咨询{kind} {data.target}，来电人保持等待", linkedid=linkedid)
    return CommandOut(ok=True, detail=f"已转接{kind} {data.target}", linkedid=linkedid)


@router.post(
    "/api/calls/transfer/step", summary="Attended transfer in progress: hand over, three-way, or cancel"
)
async def transfer_step(
    data: TransferStepIn, actor: OperatorActor, session: SessionDep, services: ServicesDep
) -> CommandOut:
    phone = _phone(services)
    linkedid = await run_db(session, lambda: _live_call(session, actor, data.linkedid))
    await _command(phone.finish_transfer(linkedid=linkedid, step=data.step))
    return CommandOut(ok=True, detail=TRANSFER_STEP_DONE[data.step], linkedid=linkedid)


@router.post("/api/calls/answer", summary="Answer the call ringing on the operator's seat phone")
async def answer(actor: OperatorActor, session: SessionDep, services: ServicesDep) -> CommandOut:
    phone = _phone(services)
    seat = await run_db(session, lambda: my_seat(session, actor))
    if seat.state is not SeatState.RINGING:
        raise Conflict("您的坐席没有振铃中的来电")
    await _command(phone.answer(seat_interface=seat.interface))
    return CommandOut(ok=True, detail="已接听", linkedid=seat.current_linkedid)


@router.post("/api/calls/hangup", summary="Hang up the operator's call")
async def hangup(
    data: HangupIn, actor: OperatorActor, session: SessionDep, services: ServicesDep
) -> CommandOut:
    phone = _phone(services)
    linkedid = await run_db(session, lambda: _live_call(session, actor, data.linkedid))
    await _command(phone.hangup(linkedid=linkedid))
    return CommandOut(ok=True, detail="已挂断", linkedid=linkedid)


def _dialled(
    session: SessionDep, actor: Actor, data: DialIn, call_id: str, now: datetime, services: ServicesDep
) -> Seat:
    """Write the placed call down before Asterisk hears of it, so its events find their record."""
    seat = my_seat(session, actor)
    if seat.state in (SeatState.RINGING, SeatState.TALKING):
        raise Conflict("您的坐席正在通话，挂断后再外呼")
    if data.ticket_id is not None:
        check_may_call_back(get_ticket(session, ticket_id=data.ticket_id, actor=actor))
    event = CallEvent(
        kind=CallEventKind.DIALLED,
        at=now,
        linkedid=call_id,
        interface=seat.interface,
        caller_number=data.number,
        ticket_id=data.ticket_id,
    )
    calls.handle_call_event(session, event=event, publisher=services.hub)
    return seat


@router.post("/api/calls/dial", summary="Click-to-call from the operator's seat (callbacks, 漏接回拨)")
async def dial(
    data: DialIn, actor: OperatorActor, session: SessionDep, services: ServicesDep, now: NowDep
) -> CommandOut:
    phone = _phone(services)
    if not DIALLABLE.match(data.number):
        raise InvalidInput(f"号码 {data.number!r} 无法拨打")
    call_id = phone.new_call_id()
    seat = await run_db(session, lambda: _dialled(session, actor, data, call_id, now, services))
    account = f"T{data.ticket_id}" if data.ticket_id is not None else ""
    try:
        await _command(
            phone.click_to_call(
                seat_interface=seat.interface, number=data.number, call_id=call_id, account=account
            )
        )
    except DomainError:
        failed = CallEvent(kind=CallEventKind.HUNG_UP, at=now, linkedid=call_id, reason="originate_failed")
        await run_db(session, lambda: calls.handle_call_event(session, event=failed, publisher=services.hub))
        raise
    return CommandOut(ok=True, detail=f"正在呼叫 {data.number}：请先接起话机", linkedid=call_id)


@router.post("/api/seats/me/login", summary="签入: join the hotline queue")
async def queue_login(actor: OperatorActor, session: SessionDep, services: ServicesDep) -> SeatView:
    phone = _phone(services)
    seat = await run_db(session, lambda: my_seat(session, actor))
    await _command(phone.queue_login(seat_interface=seat.interface, member_name=actor.name))
    return await run_db(session, lambda: _fresh_view(session, actor))


@router.post("/api/seats/me/logoff", summary="签出: leave the hotline queue")
async def queue_logoff(actor: OperatorActor, session: SessionDep, services: ServicesDep) -> SeatView:
    phone = _phone(services)
    seat = await run_db(session, lambda: my_seat(session, actor))
    if seat.state in (SeatState.RINGING, SeatState.TALKING):
        raise Conflict("通话中不能签出，请先结束通话")
    await _command(phone.queue_logoff(seat_interface=seat.interface))
    return await run_db(session, lambda: _fresh_view(session, actor))


@router.post("/api/seats", summary="Set up a seat (admin)", status_code=201)
def add_seat(data: SeatIn, request: Request, actor: AdminActor, session: SessionDep, now: NowDep) -> SeatView:
    seat = calls.add_seat(session, code=data.code, interface=data.interface, name=data.name)
    after = snapshot(seat, exclude=_SEAT_LIVE)
    audited(
        session,
        request,
        actor=actor,
        action="seat.create",
        at=now,
        target_kind="seat",
        target_id=seat.code,
        target_label=seat.name or seat.code,
        after=after,
    )
    return seat_view(session, seat)


# What the phone system reports, not what the admin set up.
_SEAT_LIVE = frozenset({"state", "state_since", "pause_reason", "current_linkedid"})


def _operator(session: SessionDep, user_id: int | None) -> str | None:
    return get_user(session, user_id=user_id).username if user_id is not None else None


@router.put(
    "/api/seats/{code}/operator",
    summary="Who works at a seat (admin); null: nobody. An operator leaves their other seat",
)
def assign_seat(
    code: str,
    data: SeatOperatorIn,
    request: Request,
    actor: AdminActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
) -> SeatView:
    seat = calls.get_seat_by_code(session, code=code)
    user = get_user_by_username(session, username=data.username) if data.username else None
    # The service frees the operator's other seat (one seat each): its entry is written too.
    seats = [seat] if user is None or user.id is None else [seat, *_other_seats(session, seat, user.id)]
    before = {s.code: _operator(session, s.user_id) for s in seats}
    calls.assign_seat(session, seat=seat, user=user, publisher=services.hub)
    for changed in seats:
        audited(
            session,
            request,
            actor=actor,
            action="seat.assign",
            at=now,
            target_kind="seat",
            target_id=changed.code,
            target_label=changed.name or changed.code,
            before={"operator": before[changed.code]},
            after={"operator": _operator(session, changed.user_id)},
            note="" if changed is seat else f"{data.username} 改到坐席 {seat.code}，本坐席空出",
        )
    return seat_view(session, seat)


def _other_seats(session: SessionDep, seat: Seat, user_id: int) -> list[Seat]:
    found = calls.seat_of_user(session, user_id=user_id)
    return [found] if found is not None and found.id != seat.id else []
