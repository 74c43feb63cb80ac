"""Recorded Asterisk 22 streams served over a real TCP socket, whole and a few bytes per write.

The bridge (our AMI client, the mapping, the snapshot) feeds the core on the test's database;
the call records, outcomes and seat states must come out exactly as the recordings say.
"""

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import Session

from hotline.calls.service import SCREEN_POP_TOPIC
from hotline.enums import CallOutcome, SeatState, TicketStatus, WorklistState
from tests.factories import make_ticket
from tests.telephony.amiserver import FakeAmi, fixture_frames, stream
from tests.telephony.conftest import SessionSink, calls, run, seats, start_rig

A, AB, SH, TR = (
    CallOutcome.ANSWERED,
    CallOutcome.ABANDONED,
    CallOutcome.SHORT_ABANDON,
    CallOutcome.TRANSFERRED,
)
NONE, PENDING = WorklistState.NONE, WorklistState.PENDING


def t(hms: str) -> datetime:
    """A time of 2026-11-21 UTC, when the recordings were made."""
    return datetime.fromisoformat(f"2026-11-21T{hms}+00:00")


# linkedid: (number, name, outcome, joined, answered, ended,
#            wait, ring, talk, seat, transferred_to, reason, worklist)
EXPECTED_CALLS: dict[str, dict[str, tuple[Any, ...]]] = {
    "answered": {
        "1795254355.7": (
            "13800138000", "张三", A, t("09:45:55.817225"), t("09:45:56.819106"), t("09:46:00.324001"),
            1.002, 1.002, 3.505, "Local/1003@agents", "", "agent", NONE,
        ),
    },
    "abandoned": {
        # 2.5 s in the queue: under short_abandon_s (5), still a citizen to ring back
        "1795254364.11": (
            "13900139000", "李四", SH, t("09:46:05.401173"), None, t("09:46:07.901964"),
            2.501, None, None, "", "", "abandon", PENDING,
        ),
    },
    "agent_state": {},
    "transfer": {
        # Redirect 2 s after the answer: the operator's part is 2 s; the call ends with the expert.
        "1795254449.87": (
            "13600136000", "王五", TR, t("09:47:29.665889"), t("09:47:30.669453"), t("09:47:37.177254"),
            1.004, 1.003, 2.003, "Local/1001@agents", "2000@expert", "redirect", NONE,
        ),
        "1795254461.93": (
            "13500135000", "赵六", TR, t("09:47:41.686034"), t("09:47:42.689111"), t("09:47:44.690664"),
            1.003, 1.003, 2.001, "Local/1002@agents", "2000@transfer", "blind", NONE,
        ),
    },
    "sipp": {
        "1795254474.99": (
            "13700001234", "sipp", A, t("09:47:54.893432"), t("09:47:55.895314"), t("09:47:58.399116"),
            1.002, 1.001, 2.504, "Local/1003@agents", "", "caller", NONE,
        ),
    },
}  # fmt: skip

# interface: (state, pause_reason)
EXPECTED_SEATS: dict[str, dict[str, tuple[SeatState, str]]] = {
    "answered": {"Local/1003@agents": (SeatState.READY, "")},
    "abandoned": {f"Local/100{n}@agents": (SeatState.READY, "") for n in (1, 2, 3)},
    "agent_state": {"Local/1004@agents": (SeatState.OFFLINE, "")},
    "transfer": {"Local/1001@agents": (SeatState.READY, ""), "Local/1002@agents": (SeatState.READY, "")},
    "sipp": {"Local/1003@agents": (SeatState.READY, "")},
}


def records(session: Session) -> dict[str, tuple[Any, ...]]:
    session.expire_all()
    return {
        c.linkedid: (
            c.caller_number,
            c.caller_name,
            c.outcome,
            c.joined_at,
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
    }


def seat_states(session: Session) -> dict[str, tuple[SeatState, str]]:
    return {i: (s.state, s.pause_reason) for i, s in seats(session).items()}


async def replay(name: str, sink: SessionSink, *, chunk: int | None) -> None:
    server = FakeAmi([stream(fixture_frames(name), chunk=chunk)])
    # Chunked: the server writes `chunk` bytes at a time and the client reads at most 5, so
    # every 3-byte Chinese character is split across reads.
    rig = await start_rig(server, sink, settings={"read_chunk_bytes": 5} if chunk else None)
    try:
        await rig.settle()
        assert rig.bridge.client.stats.decode_errors == 0
        assert rig.bridge.stats.snapshots == 1
    finally:
        await rig.close()


@pytest.mark.parametrize("chunk", [None, 3], ids=["whole", "chunked"])
@pytest.mark.parametrize("name", list(EXPECTED_CALLS))
def test_recorded_stream_gives_the_recorded_calls(session: Session, name: str, chunk: int | None) -> None:
    sink = SessionSink(session)
    run(replay(name, sink, chunk=chunk))
    assert records(session) == EXPECTED_CALLS[name]
    assert seat_states(session) == EXPECTED_SEATS[name]


def test_each_event_delivered_twice_gives_the_same_records(session: Session) -> None:
    sink = SessionSink(session, repeat=2)
    run(replay("transfer", sink, chunk=None))
    assert records(session) == EXPECTED_CALLS["transfer"]
    assert seat_states(session) == EXPECTED_SEATS["transfer"]


def test_answered_call_gives_a_record_a_screen_pop_and_a_ticket_linked_to_it(session: Session) -> None:
    """The issue's "done when": replayed answered call → call record, screen pop, ticket made from it."""
    sink = SessionSink(session)
    run(replay("answered", sink, chunk=None))
    (call,) = calls(session)
    assert call.outcome is CallOutcome.ANSWERED
    (pop,) = sink.topics(SCREEN_POP_TOPIC)
    assert pop["linkedid"] == "1795254355.7"
    assert (pop["seat_code"], pop["interface"]) == ("1003", "Local/1003@agents")
    assert (pop["caller_number"], pop["caller_name"]) == ("13800138000", "张三")
    assert (pop["repeat_caller"], pop["open_tickets"], pop["recent_tickets"]) == (False, [], [])
    ticket = make_ticket(
        session,
        t("09:46:30"),
        caller_phone=pop["caller_number"],
        caller_name=pop["caller_name"],
        call_linkedid=pop["linkedid"],
    )
    assert ticket.call_id == call.id
    assert ticket.status is TicketStatus.DRAFT
    # The same caller rings again: this time the pop says so, with the open ticket.
    sink2 = SessionSink(session)
    again = [f.replace(b"1795254355.", b"1795259999.") for f in fixture_frames("answered")]

    async def second() -> None:
        from tests.telephony.conftest import start_rig as start

        rig = await start(FakeAmi([stream(again)]), sink2)
        try:
            await rig.settle()
        finally:
            await rig.close()

    run(second())
    (pop2,) = sink2.topics(SCREEN_POP_TOPIC)
    assert pop2["repeat_caller"] is True
    assert [x["number"] for x in pop2["open_tickets"]] == [ticket.number]


def test_abandoned_call_lands_on_the_worklist(session: Session) -> None:
    from hotline.calls.service import worklist

    run(replay("abandoned", SessionSink(session), chunk=None))
    (item,) = worklist(session)
    assert (item.linkedid, item.caller_number, item.caller_name) == ("1795254364.11", "13900139000", "李四")
    assert item.ended_at == datetime(2026, 11, 21, 9, 46, 7, 901964, tzinfo=UTC)
