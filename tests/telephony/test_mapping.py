"""The pure AMI → CallEvent mapping, on the recorded streams and on the variants seen under load."""

from datetime import UTC, datetime

import pytest

from hotline.calls.events import CallEvent, CallEventKind
from telephony.mapping import Correlation, LiveCall, channel_base, map_message
from telephony.protocol import AmiMessage
from tests.telephony.amiserver import fixture_frames

K = CallEventKind
NOW = datetime(2030, 1, 1, tzinfo=UTC)


def mapped(name: str) -> list[CallEvent]:
    corr = Correlation()
    out: list[CallEvent] = []
    for frame in fixture_frames(name):
        out.extend(map_message(AmiMessage.from_frame(frame), corr, now=NOW))
    assert corr.calls == {}  # every connected call was completed and forgotten
    return out


def brief(events: list[CallEvent]) -> list[tuple[str, str, str]]:
    return [(e.kind.value, e.linkedid or e.interface, e.seat_state or e.reason or e.target) for e in events]


def test_answered_call() -> None:
    events = mapped("answered")
    assert brief(events) == [
        ("queued", "1795254355.7", ""),
        ("seat_ringing", "1795254355.7", ""),
        ("seat_state", "Local/1003@agents", "talking"),
        ("answered", "1795254355.7", ""),
        ("completed", "1795254355.7", "agent"),
        ("seat_state", "Local/1003@agents", "ready"),
        ("hung_up", "1795254355.7", "Normal Clearing"),
    ]
    queued, answered, completed = events[0], events[3], events[4]
    assert (queued.caller_number, queued.caller_name, queued.queue) == ("13800138000", "张三", "12345")
    assert queued.at == datetime(2026, 11, 21, 9, 45, 55, 817225, tzinfo=UTC)
    assert (answered.interface, answered.member_name, answered.hold_s, answered.ring_s) == (
        "Local/1003@agents",
        "Operator 1003",
        1.0,
        1.0,
    )
    assert (completed.talk_s, completed.hold_s) == (4.0, 1.0)


def test_abandoned_call_and_pauses() -> None:
    assert brief(mapped("abandoned")) == [
        ("seat_paused", "Local/1001@agents", "meeting"),
        ("seat_paused", "Local/1002@agents", "meeting"),
        ("seat_paused", "Local/1003@agents", "meeting"),
        ("queued", "1795254364.11", ""),
        ("abandoned", "1795254364.11", "position 1 of 1"),
        ("hung_up", "1795254364.11", "Normal Clearing"),
        ("seat_unpaused", "Local/1001@agents", ""),
        ("seat_unpaused", "Local/1002@agents", ""),
        ("seat_unpaused", "Local/1003@agents", ""),
    ]


def test_seat_actions_and_list_events_are_not_call_events() -> None:
    # QueueMember/QueueParams list items and error responses map to nothing.
    assert brief(mapped("agent_state")) == [
        ("seat_added", "Local/1004@agents", ""),
        ("seat_paused", "Local/1004@agents", "after-call-work"),
        ("seat_unpaused", "Local/1004@agents", ""),
        ("seat_removed", "Local/1004@agents", ""),
    ]


def test_redirect_and_blind_transfer() -> None:
    events = mapped("transfer")
    kinds = [(e.kind.value, e.linkedid, e.target, e.reason) for e in events if e.linkedid]
    assert kinds == [
        ("queued", "1795254449.87", "", ""),
        ("seat_ringing", "1795254449.87", "", ""),
        ("answered", "1795254449.87", "", ""),
        ("transferred", "1795254449.87", "2000@expert", "redirect"),  # the caller's leg dials on
        ("completed", "1795254449.87", "", "caller"),  # at the caller's final hang-up, TalkTime 7
        ("hung_up", "1795254449.87", "", "Normal Clearing"),
        ("queued", "1795254461.93", "", ""),
        ("seat_ringing", "1795254461.93", "", ""),
        ("answered", "1795254461.93", "", ""),
        ("transferred", "1795254461.93", "2000@transfer", "blind"),
        ("completed", "1795254461.93", "", "transfer"),  # no second TRANSFERRED for Reason: transfer
        ("hung_up", "1795254461.93", "", "Normal Clearing"),
    ]


def test_real_sip_caller() -> None:
    events = mapped("sipp")
    assert [e.kind for e in events if e.linkedid] == [
        K.QUEUED,
        K.SEAT_RINGING,
        K.ANSWERED,
        K.COMPLETED,
        K.HUNG_UP,
    ]
    assert events[0].caller_number == "13700001234"


def _frames_until(name: str, event: str) -> tuple[Correlation, list[bytes]]:
    corr = Correlation()
    frames = fixture_frames(name)
    for i, frame in enumerate(frames):
        if frame.startswith(f"Event: {event}\r\n".encode()):
            return corr, frames[i:]
        map_message(AmiMessage.from_frame(frame), corr, now=NOW)
    raise LookupError(event)


def _strip(frame: bytes, keep: set[str] | None = None, drop_prefixes: tuple[str, ...] = ()) -> AmiMessage:
    msg = AmiMessage.from_frame(frame)
    pairs = [
        (k, v)
        for k, v in msg.items()
        if (keep is None or k in keep) and not any(k.startswith(p) for p in drop_prefixes)
    ]
    return AmiMessage.build(pairs)


CALLER_HEADERS = (
    "Channel",
    "ChannelState",
    "CallerID",
    "ConnectedLine",
    "Language",
    "AccountCode",
    "Context",
    "Exten",
    "Priority",
    "Uniqueid",
    "Linkedid",
)


@pytest.mark.parametrize(
    "variant",
    [
        "dest_only",  # under load: only the operator's Dest* snapshot
        "caller_only",  # after a Redirect: only the caller's snapshot
        "neither",  # Queue, Interface, MemberName, HoldTime, TalkTime, Reason
    ],
)
def test_agent_complete_without_channel_headers_matches_its_agent_connect(variant: str) -> None:
    corr, rest = _frames_until("answered", "AgentComplete")
    assert "1795254355.7" in corr.calls
    complete = rest[0]
    if variant == "dest_only":
        msg = _strip(complete, drop_prefixes=CALLER_HEADERS)
        assert "Linkedid" not in msg and "DestUniqueid" in msg
    elif variant == "caller_only":
        msg = _strip(complete, drop_prefixes=("Dest",))
    else:
        msg = _strip(
            complete,
            keep={
                "Event",
                "Privilege",
                "Timestamp",
                "Queue",
                "Interface",
                "MemberName",
                "HoldTime",
                "TalkTime",
                "Reason",
            },
        )
    (event,) = map_message(msg, corr, now=NOW)
    assert (event.kind, event.linkedid, event.talk_s, event.reason) == (
        K.COMPLETED,
        "1795254355.7",
        4.0,
        "agent",
    )
    assert event.caller_number == "13800138000"  # taken from the AgentConnect when missing
    assert corr.calls == {}


def test_agent_complete_prefers_uniqueid_over_queue_and_interface() -> None:
    corr = Correlation()
    # Two calls on the same queue+interface (ringinuse=yes): the Dest uniqueid decides.
    corr.connect(LiveCall("L1", "12345", "Local/1001@agents", seat_uniqueid="S1", caller_uniqueid="C1"))
    corr.connect(LiveCall("L2", "12345", "Local/1001@agents", seat_uniqueid="S2", caller_uniqueid="C2"))
    msg = AmiMessage.build(
        [
            ("Event", "AgentComplete"),
            ("Queue", "12345"),
            ("Interface", "Local/1001@agents"),
            ("DestUniqueid", "S1"),
        ]
    )
    (event,) = map_message(msg, corr, now=NOW)
    assert event.linkedid == "L1"
    assert event.at == NOW  # no Timestamp header: the time handed in


def test_unmatched_agent_complete_is_logged_and_ignored(caplog: pytest.LogCaptureFixture) -> None:
    msg = AmiMessage.build(
        [("Event", "AgentComplete"), ("Queue", "12345"), ("Interface", "Local/1009@agents")]
    )
    assert map_message(msg, Correlation(), now=NOW) == ()
    assert "matches no AgentConnect" in caplog.text


def test_attended_and_threeway_transfer() -> None:
    corr, _ = _frames_until("answered", "AgentComplete")
    base = [
        ("Event", "AttendedTransfer"),
        ("Result", "Success"),
        ("OrigTransfererChannel", "Local/1003@agents-00000004;1"),
        ("OrigTransfererUniqueid", "1795254355.9"),
        ("OrigTransfererLinkedid", "1795254355.7"),
        ("SecondTransfererChannel", "Local/1003@agents-00000009;1"),
        ("SecondTransfererConnectedLineNum", "2002"),
    ]
    (threeway,) = map_message(AmiMessage.build([*base, ("DestType", "Threeway")]), corr, now=NOW)
    assert (threeway.kind, threeway.target, threeway.reason) == (K.TRANSFERRED, "2002", "threeway")
    (attended,) = map_message(AmiMessage.build([*base, ("DestType", "Link")]), corr, now=NOW)
    assert (attended.reason, attended.linkedid) == ("attended", "1795254355.7")
    failed = AmiMessage.build([*base[:1], ("Result", "Fail"), *base[2:]])
    assert map_message(failed, corr, now=NOW) == ()


def test_member_added_paused_and_busy_restates_everything() -> None:
    msg = AmiMessage.build(
        [
            ("Event", "QueueMemberAdded"),
            ("Queue", "12345"),
            ("MemberName", "坐席 1005"),
            ("Interface", "PJSIP/1005"),
            ("Status", "2"),
            ("Paused", "1"),
            ("PausedReason", "培训"),
        ]
    )
    assert [(e.kind, e.reason, e.seat_state) for e in map_message(msg, Correlation(), now=NOW)] == [
        (K.SEAT_ADDED, "", ""),
        (K.SEAT_PAUSED, "培训", ""),
        (K.SEAT_STATE, "", "talking"),
    ]


@pytest.mark.parametrize(
    ("status", "state"),
    [("0", None), ("1", "ready"), ("2", "talking"), ("5", "offline"), ("6", "ringing"), ("x", None)],
)
def test_device_states(status: str, state: str | None) -> None:
    msg = AmiMessage.build(
        [("Event", "QueueMemberStatus"), ("Interface", "Local/1001@agents"), ("Status", status)]
    )
    events = map_message(msg, Correlation(), now=NOW)
    assert [e.seat_state for e in events] == ([state] if state else [])


def test_only_the_first_channel_ending_ends_the_call() -> None:
    leg = [("Event", "Hangup"), ("Uniqueid", "1.2"), ("Linkedid", "1.1"), ("Cause-txt", "Normal Clearing")]
    assert map_message(AmiMessage.build(leg), Correlation(), now=NOW) == ()
    (event,) = map_message(
        AmiMessage.build([*leg[:1], ("Uniqueid", "1.1"), *leg[2:]]), Correlation(), now=NOW
    )
    assert event.kind is K.HUNG_UP


def test_responses_and_unknown_events_map_to_nothing() -> None:
    corr = Correlation()
    assert map_message(AmiMessage("Response: Success\r\nActionID: 1"), corr, now=NOW) == ()
    assert map_message(AmiMessage("Event: VarSet\r\nVariable: X"), corr, now=NOW) == ()


@pytest.mark.parametrize(
    ("channel", "base"),
    [
        ("Local/1001@agents-0000002c;1", "Local/1001@agents"),
        ("PJSIP/1001-00000012", "PJSIP/1001"),
        ("PJSIP/sipp-00000001", "PJSIP/sipp"),
        ("SIP/trunk", "SIP/trunk"),
    ],
)
def test_channel_base(channel: str, base: str) -> None:
    assert channel_base(channel) == base
