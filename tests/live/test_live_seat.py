"""The seat on a real Asterisk: each call flow checked against Asterisk's own queue_log and CDRs."""

import time
from datetime import UTC, datetime

from hotline.enums import CallDirection, CallOutcome, SeatState
from tests.live.asterisk import wait_for
from tests.live.conftest import Live, settle
from tests.web.conftest import create


def test_click_to_call_for_a_ticket_reaches_the_citizen_and_asterisks_cdr(live: Live) -> None:
    settle(live)
    live.asterisk.set_global(RINGTIME=1, TALKTIME=3)
    operator = live.login("operator1")
    ticket = create(operator, caller_phone="13912345678")
    reply = operator.post("/api/calls/dial", json={"number": "13912345678", "ticket_id": ticket["id"]})
    assert reply.status_code == 200, reply.text
    linkedid = reply.json()["linkedid"]
    assert "正在呼叫" in reply.json()["detail"]
    placed = live.call(linkedid)
    assert placed is not None and placed.outcome is CallOutcome.DIALLING  # written before Asterisk dialled
    wait_for(
        lambda: (c := live.call(linkedid)) is not None and c.ended_at is not None, 30, "the callback to end"
    )
    done = live.call(linkedid)
    assert done is not None
    assert (done.direction, done.outcome, done.ticket_id) == (
        CallDirection.OUTBOUND,
        CallOutcome.ANSWERED,
        ticket["id"],
    )
    assert done.caller_number == "13912345678" and done.talk_s is not None and done.talk_s > 0
    assert done.joined_at is None  # never in the queue
    # Asterisk's own CDRs: the legs of this call carry the ticket as AccountCode and were answered.
    wait_for(
        lambda: [
            c for c in live.asterisk.observer.named("Cdr") if c.get("AccountCode") == f"T{ticket['id']}"
        ],
        10,
        "CDRs",
    )
    cdrs = [c for c in live.asterisk.observer.named("Cdr") if c.get("AccountCode") == f"T{ticket['id']}"]
    assert any(c.get("Destination") == "13912345678" and c.get("Disposition") == "ANSWERED" for c in cdrs), (
        cdrs
    )
