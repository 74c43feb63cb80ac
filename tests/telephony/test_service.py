"""hotline.calls.service: call records, seat states, screen pop, worklist, reconcile, idempotence."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from hotline.calls.events import CallEvent, CallEventKind
from hotline.calls.models import Call, Seat
from hotline.calls.service import (
    CALL_TOPIC,
    SCREEN_POP_TOPIC,
    SEAT_TOPIC,
    CallPolicy,
    finish_worklist_item,
    get_call,
    get_or_create_seat,
    get_screen_pop,
    handle_call_event,
    list_calls,
    reconcile_live,
    seat_code_for,
    worklist,
)
from hotline.enums import CallOutcome, SeatState, TicketStatus, WorklistState
from hotline.errors import Conflict, InvalidInput, NotFound
from hotline.ports import NullPublisher
from telephony.mapping import Correlation, map_message
from telephony.protocol import AmiMessage
from tests.factories import make_ticket
from tests.telephony.amiserver import fixture_frames
from tests.telephony.conftest import calls, seats

K = CallEventKind
T0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
SEAT = "Local/1001@agents"


def ev(kind: CallEventKind, s: float, **fields: Any) -> CallEvent:
    return CallEvent(kind=kind, at=T0 + timedelta(seconds=s), **fields)


def call_events(linkedid: str = "L1", number: str = "13800138000", seat: str = SEAT) -> list[CallEvent]:
    who = {"linkedid": linkedid, "caller_number": number, "caller_name": "张三", "queue": "12345"}
    return [
        ev(K.QUEUED, 0, **who),
        ev(K.SEAT_RINGING, 3, interface=seat, member_name="Operator 1001", **who),
        ev(K.SEAT_STATE, 3.1, interface=seat, seat_state="talking"),
        ev(K.ANSWERED, 5, interface=seat, hold_s=5, ring_s=2, **who),
        ev(K.COMPLETED, 65, interface=seat, hold_s=5, talk_s=60, reason="agent", **who),
        ev(K.SEAT_STATE, 65.1, interface=seat, seat_state="ready"),
        ev(K.HUNG_UP, 65.2, **who),
    ]


def apply(
    session: Session, events: list[CallEvent], publisher: NullPublisher | None = None, **policy: Any
) -> None:
    for event in events:
        handle_call_event(
            session, event=event, publisher=publisher or NullPublisher(), policy=CallPolicy(**policy)
        )


def fixture_events(name: str) -> list[CallEvent]:
    corr = Correlation()
    out: list[CallEvent] = []
    for frame in fixture_frames(name):
        out.extend(map_message(AmiMessage.from_frame(frame), corr, now=T0))
    return out


def state_of(session: Session) -> list[tuple[Any, ...]]:
    """Everything the records say, to compare runs."""
    session.expire_all()
    rows: list[tuple[Any, ...]] = [
        (
            c.linkedid,
            c.outcome,
            c.joined_at,
            c.ringing_at,
            c.answered_at,
            c.ended_at,
            c.wait_s,
            c.ring_s,
            c.talk_s,
            c.interface,
            c.transferred_to,
            c.hangup_reason,
            c.worklist,
        )
        for c in calls(session)
    ]
    rows += [
        (s.interface, s.state, s.pause_reason, s.state_since, s.current_linkedid)
        for s in seats(session).values()
    ]
    return rows


def test_answered_call_record_and_seat_states(session: Session) -> None:
    pub = NullPublisher()
    events = call_events()
    states = []
    for event in events:
        handle_call_event(session, event=event, publisher=pub)
        seat = seats(session).get(SEAT)
        states.append(seat.state if seat else None)
    assert states == [
        None,  # not seen yet: the queue call alone says nothing of the seat
        SeatState.RINGING,
        SeatState.RINGING,  # Local members say "in use" while they ring
        SeatState.TALKING,
        SeatState.WRAP_UP,
        SeatState.READY,
        SeatState.READY,
    ]
    (call,) = calls(session)
    assert (call.outcome, call.wait_s, call.ring_s, call.talk_s, call.hangup_reason) == (
        CallOutcome.ANSWERED,
        5.0,
        2.0,
        60.0,
        "agent",
    )
    assert (call.joined_at, call.answered_at, call.ended_at) == (
        T0,
        T0 + timedelta(seconds=5),
        T0 + timedelta(seconds=65),
    )
    assert call.worklist is WorklistState.NONE
    seat = seats(session)[SEAT]
    assert (seat.code, seat.name, seat.current_linkedid, call.seat_id) == (
        "1001",
        "Operator 1001",
        "",
        seat.id,
    )
    (pop,) = [p for t, p in pub.published if t == SCREEN_POP_TOPIC]
    assert pop["linkedid"] == "L1" and pop["seat_code"] == "1001" and pop["interface"] == SEAT
    assert (pop["caller_number"], pop["caller_name"], pop["repeat_caller"]) == ("13800138000", "张三", False)
    assert {t for t, _ in pub.published} == {CALL_TOPIC, SEAT_TOPIC, SCREEN_POP_TOPIC}


def test_every_event_twice_changes_nothing_and_publishes_nothing(session: Session) -> None:
    pub = NullPublisher()
    for event in call_events():
        handle_call_event(session, event=event, publisher=pub)
        before, published = state_of(session), len(pub.published)
        handle_call_event(session, event=event, publisher=pub)
        assert state_of(session) == before, event.kind
        assert len(pub.published) == published, event.kind


@pytest.mark.parametrize("name", ["answered", "abandoned", "agent_state", "transfer", "sipp"])
def test_a_recorded_stream_applied_twice_leaves_the_same_records(session: Session, name: str) -> None:
    events = fixture_events(name)
    apply(session, events)
    once = state_of(session)
    pub = NullPublisher()
    apply(session, events, pub)
    assert state_of(session) == once
    assert [t for t, _ in pub.published if t != SEAT_TOPIC] == []


def test_abandoned_calls_outcomes_and_worklist(session: Session) -> None:
    who = {"queue": "12345", "caller_name": "李四"}
    apply(
        session,
        [
            ev(K.QUEUED, 0, linkedid="short", caller_number="13900139000", **who),
            ev(K.ABANDONED, 2.5, linkedid="short", caller_number="13900139000", hold_s=2, **who),
            ev(K.QUEUED, 0, linkedid="long", caller_number="13900139001", **who),
            ev(K.ABANDONED, 40, linkedid="long", caller_number="13900139001", hold_s=40, **who),
            ev(K.QUEUED, 0, linkedid="anon", caller_number="", **who),
            ev(K.ABANDONED, 40, linkedid="anon", hold_s=40, **who),
        ],
    )
    got = {c.linkedid: (c.outcome, c.wait_s, c.worklist) for c in calls(session)}
    assert got == {
        "short": (CallOutcome.SHORT_ABANDON, 2.5, WorklistState.PENDING),
        "long": (CallOutcome.ABANDONED, 40.0, WorklistState.PENDING),
        "anon": (CallOutcome.ABANDONED, 40.0, WorklistState.NONE),  # nobody to ring back
    }


def test_short_abandons_can_stay_off_the_worklist(session: Session) -> None:
    apply(
        session,
        [
            ev(K.QUEUED, 0, linkedid="s", caller_number="13900139000"),
            ev(K.ABANDONED, 1, linkedid="s", hold_s=1),
        ],
        worklist_short_abandons=False,
    )
    assert calls(session)[0].worklist is WorklistState.NONE


def test_a_caller_ringing_a_seat_who_hangs_up_frees_the_seat(session: Session) -> None:
    who = {"linkedid": "L", "caller_number": "13900139000"}
    apply(
        session,
        [
            ev(K.QUEUED, 0, **who),
            ev(K.SEAT_RINGING, 8, interface=SEAT, **who),
            ev(K.ABANDONED, 12, hold_s=12, **who),
        ],
    )
    call = calls(session)[0]
    assert (call.outcome, call.ring_s, call.worklist) == (CallOutcome.ABANDONED, None, WorklistState.PENDING)
    assert seats(session)[SEAT].state is SeatState.READY


def test_a_call_that_leaves_the_queue_unanswered_is_a_missed_call(session: Session) -> None:
    apply(
        session,
        [ev(K.QUEUED, 0, linkedid="t", caller_number="13900139000"), ev(K.HUNG_UP, 600, linkedid="t")],
    )
    call = calls(session)[0]
    assert (call.outcome, call.wait_s, call.worklist, call.hangup_reason) == (
        CallOutcome.ABANDONED,
        600.0,
        WorklistState.PENDING,
        "hangup",
    )


def test_hang_up_of_an_unknown_call_is_ignored(session: Session) -> None:
    assert (
        handle_call_event(session, event=ev(K.HUNG_UP, 1, linkedid="ivr-only"), publisher=NullPublisher())
        is None
    )
    assert calls(session) == []


def test_blind_transfer_ends_the_operators_part(session: Session) -> None:
    events = call_events()[:4]
    who = {"linkedid": "L1", "interface": SEAT}
    events += [
        ev(K.TRANSFERRED, 35, target="医保", reason="blind", **who),
        ev(K.COMPLETED, 35.1, talk_s=30, reason="transfer", **who),
        ev(K.HUNG_UP, 300, linkedid="L1"),
    ]
    apply(session, events)
    call = calls(session)[0]
    assert (call.outcome, call.transferred_to, call.talk_s, call.hangup_reason) == (
        CallOutcome.TRANSFERRED,
        "医保",
        30.0,
        "blind",
    )
    assert call.ended_at == T0 + timedelta(seconds=35.1)
    assert seats(session)[SEAT].state is SeatState.WRAP_UP


def test_threeway_keeps_the_operator_on_the_call(session: Session) -> None:
    events = [
        *call_events()[:4],
        ev(K.TRANSFERRED, 20, linkedid="L1", interface=SEAT, target="2003", reason="threeway"),
    ]
    apply(session, events)
    assert calls(session)[0].outcome is CallOutcome.TALKING
    assert seats(session)[SEAT].state is SeatState.TALKING
    apply(session, [ev(K.COMPLETED, 90, linkedid="L1", interface=SEAT, reason="caller")])
    call = calls(session)[0]
    assert (call.outcome, call.transferred_to, call.talk_s) == (CallOutcome.TRANSFERRED, "2003", 85.0)


def test_complete_without_answer_rebuilds_it(session: Session) -> None:
    # A reconnect lost the AgentConnect: AgentComplete's figures fill the record.
    apply(
        session,
        [
            ev(K.QUEUED, 0, linkedid="g", caller_number="13800000001"),
            ev(K.COMPLETED, 100, linkedid="g", interface=SEAT, hold_s=10, talk_s=80, reason="agent"),
        ],
    )
    call = calls(session)[0]
    assert (call.outcome, call.wait_s, call.talk_s, call.answered_at) == (
        CallOutcome.ANSWERED,
        20.0,
        80.0,
        T0 + timedelta(seconds=20),
    )
    assert call.seat_id == seats(session)[SEAT].id


def test_a_call_first_seen_at_its_end_is_still_recorded(session: Session) -> None:
    apply(
        session,
        [ev(K.COMPLETED, 100, linkedid="n", interface=SEAT, hold_s=10, talk_s=80, caller_number="1380")],
    )
    call = calls(session)[0]
    assert (call.outcome, call.joined_at, call.wait_s, call.talk_s) == (
        CallOutcome.ANSWERED,
        T0 + timedelta(seconds=10),
        10.0,
        80.0,
    )


def test_pause_during_a_call_applies_after_it(session: Session) -> None:
    events = [*call_events()[:4], ev(K.SEAT_PAUSED, 30, interface=SEAT, reason="休息")]
    apply(session, events)
    seat = seats(session)[SEAT]
    assert (seat.state, seat.pause_reason) == (SeatState.TALKING, "休息")
    apply(session, call_events()[4:])
    seat = seats(session)[SEAT]
    assert (seat.state, seat.pause_reason) == (SeatState.PAUSED, "休息")
    apply(session, [ev(K.SEAT_UNPAUSED, 200, interface=SEAT)])
    assert seats(session)[SEAT].state is SeatState.READY


@pytest.mark.parametrize(
    ("reason", "state", "stored"),
    [
        ("after-call-work", SeatState.WRAP_UP, "after-call-work"),
        ("话后处理", SeatState.WRAP_UP, "话后处理"),
        ("培训", SeatState.PAUSED, "培训"),
        ("", SeatState.PAUSED, "paused"),
    ],
)
def test_pause_reasons(session: Session, reason: str, state: SeatState, stored: str) -> None:
    apply(session, [ev(K.SEAT_ADDED, 0, interface=SEAT), ev(K.SEAT_PAUSED, 1, interface=SEAT, reason=reason)])
    seat = seats(session)[SEAT]
    assert (seat.state, seat.pause_reason, seat.state_since) == (state, stored, T0 + timedelta(seconds=1))
    apply(session, [ev(K.SEAT_STATE, 2, interface=SEAT, seat_state="ready")])
    assert seats(session)[SEAT].state is state  # the device being free does not end a pause


def test_seat_lifecycle_from_the_recording(session: Session) -> None:
    apply(session, fixture_events("agent_state"))
    seat = seats(session)["Local/1004@agents"]
    assert (seat.code, seat.name, seat.state, seat.pause_reason) == (
        "1004",
        "Operator 1004",
        SeatState.OFFLINE,
        "",
    )


def test_device_offline_and_back(session: Session) -> None:
    apply(
        session,
        [
            ev(K.SEAT_ADDED, 0, interface=SEAT),
            ev(K.SEAT_STATE, 1, interface=SEAT, seat_state="offline"),
        ],
    )
    assert seats(session)[SEAT].state is SeatState.OFFLINE
    apply(session, [ev(K.SEAT_STATE, 2, interface=SEAT, seat_state="ready")])
    assert seats(session)[SEAT].state is SeatState.READY
    apply(session, [ev(K.SEAT_STATE, 3, interface=SEAT, seat_state="talking")])  # a callback from the seat
    assert seats(session)[SEAT].state is SeatState.TALKING


def test_seat_codes(session: Session) -> None:
    assert seat_code_for("Local/1001@agents") == "1001"
    assert seat_code_for("PJSIP/2001-00000001") == "2001"
    first = get_or_create_seat(session, interface="PJSIP/1001")
    second = get_or_create_seat(session, interface="Local/1001@agents")
    assert (first.code, second.code) == ("1001", "Local/1001@agents")
    assert get_or_create_seat(session, interface="PJSIP/1001").id == first.id


def test_events_without_their_key_are_refused(session: Session) -> None:
    with pytest.raises(InvalidInput):
        handle_call_event(session, event=ev(K.QUEUED, 0), publisher=NullPublisher())
    with pytest.raises(InvalidInput):
        handle_call_event(session, event=ev(K.SEAT_PAUSED, 0), publisher=NullPublisher())
    with pytest.raises(InvalidInput):
        handle_call_event(
            session,
            event=ev(K.SEAT_STATE, 0, interface=SEAT, seat_state="dancing"),
            publisher=NullPublisher(),
        )


def test_screen_pop_knows_a_repeat_caller_and_their_tickets(session: Session) -> None:
    apply(session, call_events("L1"))
    open_ticket = make_ticket(session, T0 + timedelta(minutes=5), title="噪音扰民", call_linkedid="L1")
    closed = make_ticket(session, T0 + timedelta(minutes=6), title="路灯不亮")
    closed.status = TicketStatus.CLOSED
    session.add(closed)
    session.commit()
    make_ticket(session, T0, caller_phone="13900000000", title="someone else")
    pub = NullPublisher()
    apply(session, [e.model_copy(update={"at": e.at + timedelta(days=1)}) for e in call_events("L2")], pub)
    (pop,) = [p for t, p in pub.published if t == SCREEN_POP_TOPIC]
    assert pop["repeat_caller"] is True
    assert pop["previous_calls"] == 1
    assert [t["number"] for t in pop["open_tickets"]] == [open_ticket.number]
    assert [t["number"] for t in pop["recent_tickets"]] == [closed.number]
    again = get_screen_pop(session, linkedid="L2")
    assert again.model_dump(mode="json") == pop


def test_worklist_one_line_per_number_and_done_when_the_caller_gets_through(session: Session) -> None:
    for n, linkedid in enumerate(["m1", "m2"]):
        apply(
            session,
            [
                ev(K.QUEUED, n * 100, linkedid=linkedid, caller_number="13900139000"),
                ev(K.ABANDONED, n * 100 + 30, linkedid=linkedid, hold_s=30),
            ],
        )
    apply(
        session,
        [ev(K.QUEUED, 0, linkedid="x"), ev(K.ABANDONED, 30, linkedid="x", caller_number="13700000000")],
    )
    assert [c.linkedid for c in worklist(session)] == ["m1", "x"]
    later = [
        e.model_copy(update={"at": e.at + timedelta(seconds=500)}) for e in call_events("ok", "13900139000")
    ]
    apply(session, later)
    assert [c.linkedid for c in worklist(session)] == ["x"]
    m1 = get_call(session, linkedid="m1")
    assert (m1.worklist, m1.worklist_note) == (WorklistState.DONE, "来电已接通（通话 ok）")


def test_finish_worklist_item(session: Session) -> None:
    apply(
        session,
        [ev(K.QUEUED, 0, linkedid="m", caller_number="13900139000"), ev(K.ABANDONED, 9, linkedid="m")],
    )
    call = get_call(session, linkedid="m")
    assert call.id is not None
    pub = NullPublisher()
    done = finish_worklist_item(
        session, call_id=call.id, now=T0 + timedelta(hours=1), note="已回拨，市民已说明", publisher=pub
    )
    assert (done.worklist, done.worklist_note, done.worklist_done_at) == (
        WorklistState.DONE,
        "已回拨，市民已说明",
        T0 + timedelta(hours=1),
    )
    assert pub.published[0][0] == CALL_TOPIC
    with pytest.raises(Conflict):
        finish_worklist_item(session, call_id=call.id, now=T0)
    with pytest.raises(NotFound):
        finish_worklist_item(session, call_id=999999, now=T0)
    with pytest.raises(NotFound):
        get_call(session, linkedid="nope")


def test_reconcile_closes_what_ended_while_away_and_keeps_what_lives(session: Session) -> None:
    who = {"caller_number": "13900139000"}
    apply(
        session,
        [
            ev(K.SEAT_ADDED, 0, interface=SEAT),
            ev(K.SEAT_ADDED, 0, interface="Local/1002@agents"),
            ev(K.QUEUED, 0, linkedid="waiting-gone", **who),
            ev(K.QUEUED, 0, linkedid="talking-gone", **who),
            ev(K.ANSWERED, 10, linkedid="talking-gone", interface=SEAT),
            ev(K.QUEUED, 0, linkedid="alive", **who),
        ],
    )
    now = T0 + timedelta(seconds=100)
    pub = NullPublisher()
    restated = [
        CallEvent(kind=K.QUEUED, at=T0, linkedid="alive"),
        CallEvent(kind=K.SEAT_ADDED, at=now, interface=SEAT),
    ]
    closed = reconcile_live(
        session,
        events=restated,
        live_linkedids={"alive"},
        seat_interfaces={SEAT},
        now=now,
        publisher=pub,
    )
    assert sorted(c.linkedid for c in closed) == ["talking-gone", "waiting-gone"]
    got = {c.linkedid: (c.outcome, c.ended_at, c.hangup_reason, c.worklist) for c in calls(session)}
    assert got == {
        "waiting-gone": (CallOutcome.ABANDONED, now, "reconciled", WorklistState.PENDING),
        "talking-gone": (CallOutcome.ANSWERED, now, "reconciled", WorklistState.NONE),
        "alive": (CallOutcome.WAITING, None, "", WorklistState.NONE),
    }
    assert get_call(session, linkedid="talking-gone").talk_s == 90.0
    states = {i: s.state for i, s in seats(session).items()}
    assert states == {SEAT: SeatState.WRAP_UP, "Local/1002@agents": SeatState.OFFLINE}
    # The same snapshot again changes nothing.
    before = state_of(session)
    assert (
        reconcile_live(
            session, events=restated, live_linkedids={"alive"}, seat_interfaces={SEAT}, now=now, publisher=pub
        )
        == []
    )
    assert state_of(session) == before


def test_list_calls_by_period(session: Session) -> None:
    for n in range(3):
        apply(session, [ev(K.QUEUED, n * 3600, linkedid=f"c{n}", caller_number="13900000000")])
    got = list_calls(session, since=T0 + timedelta(minutes=30), until=T0 + timedelta(hours=3))
    assert [c.linkedid for c in got] == ["c1", "c2"]
    assert [c.linkedid for c in list_calls(session, limit=1)] == ["c0"]
    assert all(isinstance(c, Call) for c in got)
    assert isinstance(seats(session), dict) and all(isinstance(s, Seat) for s in seats(session).values())


def test_readers_for_the_seat_page(session: Session) -> None:
    from hotline.calls.service import current_call, seat_of_user, waiting_calls

    apply(
        session, [*call_events("talk")[:4], ev(K.QUEUED, 1, linkedid="w2"), ev(K.QUEUED, 0.5, linkedid="w1")]
    )
    seat = seats(session)[SEAT]
    call = current_call(session, seat=seat)
    assert call is not None and call.linkedid == "talk"
    assert [c.linkedid for c in waiting_calls(session)] == ["w1", "w2"]
    assert seat_of_user(session, user_id=123456) is None
    idle = get_or_create_seat(session, interface="Local/1009@agents")
    assert current_call(session, seat=idle) is None


def test_worklist_notes_are_checked_text(session: Session) -> None:
    apply(
        session,
        [ev(K.QUEUED, 0, linkedid="m", caller_number="13900139000"), ev(K.ABANDONED, 9, linkedid="m")],
    )
    call = get_call(session, linkedid="m")
    assert call.id is not None
    with pytest.raises(InvalidInput, match=r"^说明含有控制字符 U\+0000$"):
        finish_worklist_item(session, call_id=call.id, now=T0, note="bad\x00note")
