"""Seats the admin sets up and assigns, and calls placed from a seat (callbacks) in the call record."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from hotline.calls.events import CallEvent, CallEventKind
from hotline.calls.models import Call, Seat
from hotline.calls.service import (
    CALL_TOPIC,
    SEAT_TOPIC,
    add_seat,
    assign_seat,
    get_call,
    get_seat_by_code,
    handle_call_event,
    list_seats,
    reconcile_live,
    seat_of_user,
    waiting_calls,
    worklist,
)
from hotline.enums import CallDirection, CallOutcome, Role, SeatState, WorklistState
from hotline.errors import Conflict, InvalidInput, NotFound
from hotline.metrics.service import call_metrics, live_snapshot
from hotline.ports import NullPublisher
from hotline.users.models import User

K = CallEventKind
T0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shaoyang
PHONE = "PJSIP/1001"
CITIZEN = "13800138000"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def staff(session: Session, username: str, role: Role = Role.OPERATOR, *, active: bool = True) -> User:
    """An account as the seat assignment sees it (the password plays no part here)."""
    user = User(
        username=username, display_name=f"{username} 某人", role=role, active=active, password_hash="-"
    )
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def uid(user: User) -> int:
    assert user.id is not None
    return user.id


def seat_topics(publisher: NullPublisher) -> list[str]:
    return [payload["code"] for topic, payload in publisher.published if topic == SEAT_TOPIC]


# -- setting seats up -----------------------------------------------------------------------------


def test_add_seat_sets_up_an_offline_seat_that_the_phone_system_then_finds(session: Session) -> None:
    seat = add_seat(session, code=" 1001 ", interface=" PJSIP/1001 ", name="一号坐席")
    assert (seat.code, seat.interface, seat.name, seat.state, seat.user_id) == (
        "1001",
        PHONE,
        "一号坐席",
        SeatState.OFFLINE,
        None,
    )
    assert get_seat_by_code(session, code="1001").id == seat.id
    # The phone's first queue event lands on the same seat, not a new one.
    handle_call_event(
        session, event=CallEvent(kind=K.SEAT_ADDED, at=T0, interface=PHONE), publisher=NullPublisher()
    )
    assert [(s.code, s.state) for s in list_seats(session)] == [("1001", SeatState.READY)]


@pytest.mark.parametrize(
    "interface",
    ["1001", "PJSIP/", "/1001", "PJSIP/10 01", "PJSIP/1001;2", "PJSIP/1001/x", "", "坐席/1001"],
)
def test_add_seat_refuses_an_interface_the_phone_system_would_not_know(
    session: Session, interface: str
) -> None:
    with pytest.raises(InvalidInput, match=r"话机接口 .* 无效，应如 PJSIP/1001"):
        add_seat(session, code="1001", interface=interface)
    assert list_seats(session) == []


@pytest.mark.parametrize("code", ["", "   ", "10/01", "10 01", "1001?x", "x" * 33])
def test_add_seat_refuses_a_code_that_cannot_name_the_seat(session: Session, code: str) -> None:
    # The code names the seat in the admin's address (PUT /api/seats/{code}/operator) and the CLI.
    with pytest.raises(InvalidInput, match="坐席编号"):
        add_seat(session, code=code, interface=PHONE)
    assert list_seats(session) == []


def test_add_seat_refuses_a_code_or_an_interface_already_taken(session: Session) -> None:
    add_seat(session, code="1001", interface=PHONE)
    with pytest.raises(Conflict, match="坐席 1001 或接口 PJSIP/1002 已存在"):
        add_seat(session, code="1001", interface="PJSIP/1002")
    with pytest.raises(Conflict, match="已存在"):
        add_seat(session, code="1002", interface=PHONE)
    # A seat the phone system reported before the admin got to it counts too.
    handle_call_event(
        session,
        event=CallEvent(kind=K.SEAT_ADDED, at=T0, interface="Local/1003@agents"),
        publisher=NullPublisher(),
    )
    with pytest.raises(Conflict):
        add_seat(session, code="1003", interface="PJSIP/1003")
    assert sorted(s.code for s in list_seats(session)) == ["1001", "1003"]


def test_get_seat_by_code_names_a_missing_seat_in_chinese(session: Session) -> None:
    with pytest.raises(NotFound, match="没有坐席 9999"):
        get_seat_by_code(session, code="9999")


# -- who works at a seat --------------------------------------------------------------------------


def test_only_an_active_operator_can_be_given_a_seat(session: Session) -> None:
    seat = add_seat(session, code="1001", interface=PHONE)
    publisher = NullPublisher()
    for role in (Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN, Role.UNIT):
        other = staff(session, f"not-{role.value}", role)
        with pytest.raises(InvalidInput, match=f"只有话务员可以分配坐席，not-{role.value} 不是话务员"):
            assign_seat(session, seat=seat, user=other, publisher=publisher)
    gone = staff(session, "left", active=False)
    with pytest.raises(InvalidInput, match="账号 left 已停用"):
        assign_seat(session, seat=seat, user=gone, publisher=publisher)
    session.expire_all()
    assert get_seat_by_code(session, code="1001").user_id is None
    assert list(publisher.published) == []


def test_an_operator_moves_from_their_old_seat_and_both_seats_are_announced(session: Session) -> None:
    first = add_seat(session, code="1001", interface=PHONE)
    second = add_seat(session, code="1002", interface="PJSIP/1002")
    li, wang = staff(session, "li"), staff(session, "wang")
    publisher = NullPublisher()
    assigned = assign_seat(session, seat=first, user=li, publisher=publisher)
    assert (assigned.code, assigned.user_id) == ("1001", li.id)
    assert seat_topics(publisher) == ["1001"]
    publisher.published.clear()
    assign_seat(session, seat=second, user=li, publisher=publisher)
    session.expire_all()
    assert seat_of_user(session, user_id=uid(li)) == get_seat_by_code(session, code="1002")
    assert get_seat_by_code(session, code="1001").user_id is None  # one seat per operator
    # The seat left behind is announced too: the operator's open seat page listens to that one.
    assert sorted(seat_topics(publisher)) == ["1001", "1002"]
    # Another operator takes over a seat: the one who sat there has none now.
    assign_seat(session, seat=get_seat_by_code(session, code="1002"), user=wang, publisher=publisher)
    session.expire_all()
    assert seat_of_user(session, user_id=uid(li)) is None
    assert seat_of_user(session, user_id=uid(wang)) == get_seat_by_code(session, code="1002")


def test_unassign_leaves_the_seat_to_nobody(session: Session) -> None:
    seat = add_seat(session, code="1001", interface=PHONE)
    li = staff(session, "li")
    assign_seat(session, seat=seat, user=li, publisher=NullPublisher())
    publisher = NullPublisher()
    freed = assign_seat(session, seat=seat, user=None, publisher=publisher)
    assert freed.user_id is None and seat_of_user(session, user_id=uid(li)) is None
    assert seat_topics(publisher) == ["1001"]
    # Again: still nobody, nothing breaks.
    assert assign_seat(session, seat=seat, user=None, publisher=NullPublisher()).user_id is None


# -- calls placed from a seat ---------------------------------------------------------------------


def dialled(linkedid: str, seconds: float, *, number: str = CITIZEN, ticket_id: int | None = 42) -> CallEvent:
    """What the web records before it asks the phone system to dial."""
    return CallEvent(
        kind=K.DIALLED,
        at=at(seconds),
        linkedid=linkedid,
        interface=PHONE,
        caller_number=number,
        ticket_id=ticket_id,
    )


def answered(linkedid: str, seconds: float) -> CallEvent:
    """The citizen picked up (DialEnd ANSWER): the seat's channel, no number."""
    return CallEvent(kind=K.ANSWERED, at=at(seconds), linkedid=linkedid, interface=PHONE)


def hung_up(linkedid: str, seconds: float, reason: str = "normal") -> CallEvent:
    return CallEvent(kind=K.HUNG_UP, at=at(seconds), linkedid=linkedid, reason=reason)


def missed(linkedid: str, seconds: float, number: str = CITIZEN) -> list[CallEvent]:
    """A citizen who gave up waiting in the queue: a missed call on the worklist."""
    who = {"linkedid": linkedid, "caller_number": number, "queue": "12345"}
    return [
        CallEvent(kind=K.QUEUED, at=at(seconds), **who),
        CallEvent(kind=K.ABANDONED, at=at(seconds + 40), hold_s=40, **who),
    ]


def apply(session: Session, events: list[CallEvent], publisher: NullPublisher | None = None) -> None:
    for event in events:
        handle_call_event(session, event=event, publisher=publisher or NullPublisher())


def ready_seat(session: Session) -> Seat:
    seat = add_seat(session, code="1001", interface=PHONE)
    apply(session, [CallEvent(kind=K.SEAT_ADDED, at=T0 - timedelta(minutes=5), interface=PHONE)])
    session.refresh(seat)
    assert seat.state is SeatState.READY
    return seat


def seat_now(session: Session) -> Seat:
    session.expire_all()
    return get_seat_by_code(session, code="1001")


def records(session: Session) -> list[tuple[Any, ...]]:
    """Everything the call and seat records say, to compare runs."""
    session.expire_all()
    rows: list[tuple[Any, ...]] = [
        (
            c.linkedid,
            c.direction,
            c.outcome,
            c.ticket_id,
            c.joined_at,
            c.ringing_at,
            c.answered_at,
            c.ended_at,
            c.wait_s,
            c.ring_s,
            c.talk_s,
            c.seat_id,
            c.hangup_reason,
            c.worklist,
            c.worklist_done_at,
            c.worklist_note,
        )
        for c in session.exec(select(Call).order_by(Call.linkedid)).all()
    ]
    rows += [
        (s.code, s.state, s.state_since, s.current_linkedid, s.pause_reason)
        for s in session.exec(select(Seat).order_by(Seat.code)).all()
    ]
    return rows


def test_an_answered_callback_is_an_outbound_call_with_its_ticket(session: Session) -> None:
    seat = ready_seat(session)
    states = []
    for event in (dialled("cb-1", 0), answered("cb-1", 8), hung_up("cb-1", 68)):
        apply(session, [event])
        states.append(seat_now(session).state)
    assert states == [SeatState.RINGING, SeatState.TALKING, SeatState.WRAP_UP]
    call = get_call(session, linkedid="cb-1")
    assert (call.direction, call.outcome, call.ticket_id, call.caller_number, call.seat_id) == (
        CallDirection.OUTBOUND,
        CallOutcome.ANSWERED,
        42,
        CITIZEN,
        seat.id,
    )
    assert call.joined_at is None  # never in the queue
    assert (call.ringing_at, call.answered_at, call.ended_at) == (at(0), at(8), at(68))
    assert (call.wait_s, call.talk_s, call.hangup_reason) == (8.0, 60.0, "normal")
    assert call.worklist is WorklistState.NONE


def test_an_unanswered_callback_frees_the_seat_and_owes_nobody_a_call_back(session: Session) -> None:
    ready_seat(session)
    apply(session, [dialled("cb-1", 0), hung_up("cb-1", 30, "no_answer")])
    call = get_call(session, linkedid="cb-1")
    assert (call.direction, call.outcome, call.ticket_id, call.answered_at, call.joined_at) == (
        CallDirection.OUTBOUND,
        CallOutcome.NO_ANSWER,
        42,
        None,
        None,
    )
    assert (call.ended_at, call.hangup_reason, call.worklist) == (at(30), "no_answer", WorklistState.NONE)
    seat = seat_now(session)
    assert (seat.state, seat.current_linkedid) == (SeatState.READY, "")  # no talk, no wrap-up
    assert worklist(session) == []


def test_a_missed_call_is_done_when_its_callback_is_answered_not_before(session: Session) -> None:
    ready_seat(session)
    apply(session, [*missed("in-1", -600), *missed("in-2", -300), *missed("other", -200, "13900139000")])
    assert [c.linkedid for c in worklist(session)] == ["in-1", "other"]  # one line per number
    apply(session, [dialled("cb-1", 0), hung_up("cb-1", 30, "no_answer")])
    assert [c.linkedid for c in worklist(session)] == ["in-1", "other"]  # nobody reached yet
    publisher = NullPublisher()
    apply(session, [dialled("cb-2", 60), answered("cb-2", 70)], publisher)
    for linkedid in ("in-1", "in-2"):
        done = get_call(session, linkedid=linkedid)
        assert (done.worklist, done.worklist_done_at) == (WorklistState.DONE, at(70))
        assert done.worklist_note.startswith("回拨已接通") and "cb-2" in done.worklist_note
    assert [c.linkedid for c in worklist(session)] == ["other"]  # another number still waits
    told = {payload["linkedid"] for topic, payload in publisher.published if topic == CALL_TOPIC}
    assert {"in-1", "in-2", "cb-2"} <= told  # the worklists on the pages drop the line


def test_callbacks_stay_out_of_the_queue_figures(session: Session) -> None:
    ready_seat(session)
    apply(session, [*missed("in-1", -600), *missed("in-2", -120, "13900139000")])
    start, end = T0 - timedelta(hours=9), T0 + timedelta(hours=15)  # the local day
    before, board = call_metrics(session, start=start, end=end), live_snapshot(session, now=at(5))
    apply(session, [dialled("cb-1", 0)])
    during = live_snapshot(session, now=at(5))
    assert (during.calls_waiting, during.longest_wait_s) == (board.calls_waiting, board.longest_wait_s)
    assert waiting_calls(session) == []  # a placed call is not a caller in the queue
    apply(session, [answered("cb-1", 8), hung_up("cb-1", 68), dialled("cb-2", 100), hung_up("cb-2", 130)])
    after = call_metrics(session, start=start, end=end)
    assert after == before
    assert (after.offered, after.answered, after.abandoned) == (2, 0, 2)


def test_every_callback_event_twice_changes_nothing_and_publishes_nothing(session: Session) -> None:
    ready_seat(session)
    apply(session, missed("in-1", -600))
    events = [
        dialled("cb-1", 0),
        answered("cb-1", 8),
        hung_up("cb-1", 68),
        dialled("cb-2", 100, ticket_id=None),
        hung_up("cb-2", 130, "no_answer"),
    ]
    publisher = NullPublisher()
    for event in events:
        handle_call_event(session, event=event, publisher=publisher)
        before, published = records(session), len(publisher.published)
        handle_call_event(session, event=event, publisher=publisher)
        assert records(session) == before, event.kind
        assert len(publisher.published) == published, event.kind
    # A DIALLED arriving again after the call ended does not reopen it either.
    apply(session, [dialled("cb-1", 200)])
    assert get_call(session, linkedid="cb-1").outcome is CallOutcome.ANSWERED


def test_a_callback_gone_from_the_phone_system_after_a_reconnect_is_closed(session: Session) -> None:
    ready_seat(session)
    apply(session, [dialled("cb-1", 0)])
    now = at(300)
    closed = reconcile_live(
        session, events=[], live_linkedids=set(), seat_interfaces=None, now=now, publisher=NullPublisher()
    )
    assert [c.linkedid for c in closed] == ["cb-1"]
    call = get_call(session, linkedid="cb-1")
    assert (call.outcome, call.ended_at, call.hangup_reason) == (CallOutcome.NO_ANSWER, now, "reconciled")
    assert (seat_now(session).state, seat_now(session).current_linkedid) == (SeatState.READY, "")
