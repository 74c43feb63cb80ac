"""The seat on a real Asterisk: each call flow checked against Asterisk's own queue_log and CDRs.

Citizens are Local channels (``Local/<number>@incoming``, hanging up after a patience) or real
SIP calls from sipp; operators are the deployed dialplan's simulated phones (``[agents]``, who
answer after RINGTIME and hang up after TALKTIME). Each test leaves the switchboard idle.
"""

import time
from collections.abc import Iterator

import pytest

from hotline.calls.models import Call
from hotline.enums import CallDirection, CallOutcome, SeatState, WorklistState
from tests.live.asterisk import QueueLogLine, wait_for
from tests.live.conftest import Live, settle
from tests.prometheus import values
from tests.web.conftest import TestClient, create

SEATS = ("Local/1001@agents", "Local/1002@agents", "Local/1003@agents")


def by_number(lines: list[QueueLogLine]) -> dict[str, list[str]]:
    """queue_log events per caller number (ENTERQUEUE carries it; later lines only the call id)."""
    number = {
        line.callid: line.data[1] for line in lines if line.event == "ENTERQUEUE" and len(line.data) > 1
    }
    events: dict[str, list[str]] = {}
    for line in lines:
        if line.callid in number:
            events.setdefault(number[line.callid], []).append(line.event)
    return events


def ended(live: Live, number: str) -> Call | None:
    done = [c for c in live.calls() if c.caller_number == number and c.ended_at is not None]
    return done[-1] if done else None


def talking(live: Live, number: str) -> Call | None:
    live_calls = [c for c in live.calls() if c.caller_number == number and c.outcome is CallOutcome.TALKING]
    return live_calls[-1] if live_calls else None


@pytest.fixture
def only_1001(live: Live) -> Iterator[None]:
    """Seats 1002 and 1003 paused (in Asterisk), so the queue offers calls to operator1's seat 1001."""
    settle(live)
    live.asterisk.run_actions(
        [
            ("QueuePause", {"Queue": "12345", "Interface": s, "Paused": "true", "Reason": "会议"})
            for s in SEATS[1:]
        ]
    )
    yield
    live.asterisk.run_actions(
        [("QueuePause", {"Queue": "12345", "Interface": s, "Paused": "false"}) for s in SEATS]
    )
    settle(live, 60)


def test_click_to_call_for_a_ticket_reaches_the_citizen_and_asterisks_cdr(live: Live) -> None:
    settle(live)
    # The simulated citizen ([citizen]) picks up after 3 s: the operator's phone stays on longer.
    live.asterisk.set_global(RINGTIME=1, TALKTIME=6)
    operator = live.login("operator1")
    ticket = create(operator, caller_phone="13912345678")
    reply = operator.post("/api/calls/dial", json={"number": "13912345678", "ticket_id": ticket["id"]})
    assert reply.status_code == 200, reply.text
    linkedid = reply.json()["linkedid"]
    assert "正在呼叫" in reply.json()["detail"]
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
    assert done.ringing_at is not None and done.answered_at is not None and done.ringing_at < done.answered_at
    # Asterisk's own CDRs: the legs of this call carry the ticket as AccountCode and were answered.
    account = f"T{ticket['id']}"
    wait_for(
        lambda: [c for c in live.asterisk.observer.named("Cdr") if c.get("AccountCode") == account],
        10,
        "CDRs",
    )
    cdrs = [c for c in live.asterisk.observer.named("Cdr") if c.get("AccountCode") == account]
    assert any(c.get("Destination") == "13912345678" and c.get("Disposition") == "ANSWERED" for c in cdrs), (
        cdrs
    )
    # Dialling a number that cannot be rung is refused in Chinese, and nothing is dialled.
    bad = operator.post("/api/calls/dial", json={"number": "12a45"})
    assert bad.status_code == 422 and "无法拨打" in bad.json()["detail"]


def test_a_paused_seat_is_offered_no_call_and_the_missed_caller_is_called_back(
    live: Live, only_1001: None
) -> None:
    live.asterisk.set_global(RINGTIME=1, TALKTIME=2)
    operator = live.login("operator1")
    paused = operator.post("/api/seats/me/state", json={"state": "paused", "reason": "培训"})
    assert paused.status_code == 200, paused.text
    wait_for(lambda: live.seat("1001").pause_reason == "培训", 10, "Asterisk to report the pause")
    since = int(time.time())
    offers_before = len(live.asterisk.observer.named("AgentCalled"))
    live.asterisk.local_call("13700000001", name="李四", patience_s=4)
    wait_for(lambda: ended(live, "13700000001") is not None, 20, "the caller to give up")
    missed = ended(live, "13700000001")
    assert missed is not None and missed.outcome in (CallOutcome.ABANDONED, CallOutcome.SHORT_ABANDON)
    assert missed.worklist is WorklistState.PENDING
    # Asterisk's word: the caller entered and abandoned; no seat was rung meanwhile (all paused).
    lines = live.asterisk.queue_events("ENTERQUEUE", "ABANDON", "CONNECT", "RINGNOANSWER", since=since)
    assert by_number(lines)["13700000001"] == ["ENTERQUEUE", "ABANDON"]
    assert not [line for line in lines if line.event in ("CONNECT", "RINGNOANSWER")]
    assert len(live.asterisk.observer.named("AgentCalled")) == offers_before

    def pauses() -> list[QueueLogLine]:  # queue_log is written by Asterisk's logger thread, a little later
        return [
            line
            for line in live.asterisk.queue_events("PAUSE", since=since - 5)
            if line.agent == "Operator 1001"
        ]

    wait_for(pauses, 5, f"queue_log's PAUSE line since {since}: {live.asterisk.queue_log()[-8:]}")
    assert pauses()[-1].data[0] == "培训"
    # 示闲, then the call-back from the missed-call worklist.
    assert operator.post("/api/seats/me/state", json={"state": "ready"}).status_code == 200
    wait_for(lambda: live.seat("1001").state is SeatState.READY, 10, "the seat to be ready")
    assert [c["caller_number"] for c in operator.get("/api/calls/missed").json()] == ["13700000001"]
    live.asterisk.set_global(TALKTIME=6)  # long enough for the citizen to pick up (after 3 s)
    dial = operator.post("/api/calls/dial", json={"number": "13700000001"})
    assert dial.status_code == 200, dial.text
    linkedid = dial.json()["linkedid"]
    wait_for(
        lambda: (c := live.call(linkedid)) is not None and c.outcome is CallOutcome.ANSWERED, 30, "callback"
    )
    assert operator.get("/api/calls/missed").json() == []
    (again,) = [c for c in live.calls() if c.linkedid == missed.linkedid]
    assert again.worklist is WorklistState.DONE and "回拨已接通" in again.worklist_note


def wait_talking(live: Live, number: str) -> Call:
    wait_for(lambda: talking(live, number) is not None, 30, f"{number} to be answered")
    call = talking(live, number)
    assert call is not None
    return call


def test_blind_transfer_of_a_sip_caller_to_an_expert_desk(live: Live, only_1001: None) -> None:
    live.asterisk.set_global(RINGTIME=1, TALKTIME=30, TRANSFER_TALKTIME=2)
    operator = live.login("operator1")
    since = int(time.time())
    sipp = live.asterisk.sip_calls("13700005555", hold_ms=12000)
    try:
        call = wait_talking(live, "13700005555")
        assert call.interface == SEATS[0]
        reply = operator.post("/api/calls/transfer", json={"target": "人社", "mode": "blind"})
        assert reply.status_code == 200, reply.text
        assert reply.json()["detail"] == "已转接专线 人社"
        wait_for(lambda: ended(live, "13700005555") is not None, 30, "the transferred call to end")
    finally:
        sipp.kill()
        sipp.wait(5)
    done = ended(live, "13700005555")
    assert done is not None and done.outcome is CallOutcome.TRANSFERRED and "2001" in done.transferred_to
    assert [m.get("Result") for m in live.asterisk.observer.named("BlindTransfer")][-1] == "Success"
    events = by_number(live.asterisk.queue_events("ENTERQUEUE", "CONNECT", "BLINDTRANSFER", since=since))
    assert events["13700005555"] == ["ENTERQUEUE", "CONNECT", "BLINDTRANSFER"]
    # The seat is free again; a transfer target nobody knows is refused in Chinese.
    wait_for(lambda: live.seat("1001").state is not SeatState.TALKING, 10, "the seat to be freed")
    refused = operator.post("/api/calls/transfer", json={"target": "人社"})
    assert refused.status_code == 409 and "没有通话" in refused.json()["detail"]


def test_an_emergency_caller_goes_to_110_at_once(live: Live, only_1001: None) -> None:
    live.asterisk.set_global(RINGTIME=1, TALKTIME=30, TRANSFER_TALKTIME=2)
    operator = live.login("operator1")
    since = int(time.time())
    live.asterisk.local_call("13700001100", name="报警人", patience_s=30)
    wait_talking(live, "13700001100")
    reply = operator.post("/api/calls/transfer", json={"target": "110"})
    assert reply.status_code == 200, reply.text
    assert reply.json()["detail"] == "已转接紧急电话 110"
    wait_for(lambda: ended(live, "13700001100") is not None, 30, "the call to end at 110")
    done = ended(live, "13700001100")
    assert (
        done is not None and done.outcome is CallOutcome.TRANSFERRED and done.transferred_to.startswith("110")
    )
    events = by_number(live.asterisk.queue_events("ENTERQUEUE", "CONNECT", "BLINDTRANSFER", since=since))
    assert events["13700001100"] == ["ENTERQUEUE", "CONNECT", "BLINDTRANSFER"]
    # Asterisk's CDR: the 110 desk's leg was answered.
    wait_for(
        lambda: [c for c in live.asterisk.observer.named("Cdr") if c.get("Destination") == "110"], 10, "CDR"
    )


@pytest.mark.parametrize(("step", "dest_type"), [("complete", "Bridge"), ("threeway", "Threeway")])
def test_attended_transfer_then_hand_over_or_three_way(
    live: Live, only_1001: None, step: str, dest_type: str
) -> None:
    live.asterisk.set_global(RINGTIME=1, TALKTIME=30, TRANSFER_TALKTIME=4)
    operator = live.login("operator1")
    number = "1370000600" + ("1" if step == "complete" else "2")
    since = int(time.time())
    transfers_before = len(live.asterisk.observer.named("AttendedTransfer"))
    live.asterisk.local_call(number, name="王五", patience_s=40)
    wait_talking(live, number)
    started = operator.post("/api/calls/transfer", json={"target": "医保", "mode": "attended"})
    assert started.status_code == 200, started.text
    assert "正在咨询" in started.json()["detail"]
    time.sleep(2)  # the expert desk answers after a second; the operator talks to it
    finished = operator.post("/api/calls/transfer/step", json={"step": step})
    assert finished.status_code == 200, finished.text
    wait_for(
        lambda: len(live.asterisk.observer.named("AttendedTransfer")) > transfers_before, 10, "the transfer"
    )
    outcome = live.asterisk.observer.named("AttendedTransfer")[-1]
    assert (outcome.get("Result"), outcome.get("DestType")) == ("Success", dest_type)
    if step == "threeway":
        # 三方通话: the operator stays on with the citizen and the expert.
        wait_for(lambda: (c := talking(live, number)) is not None and c.transferred_to != "", 10, "three-way")
        assert live.seat("1001").state is SeatState.TALKING
        assert operator.post("/api/calls/hangup", json={}).status_code == 200
    wait_for(lambda: ended(live, number) is not None, 40, "the call to end")
    done = ended(live, number)
    assert done is not None and done.transferred_to
    assert done.outcome is CallOutcome.TRANSFERRED
    if step == "threeway":  # the operator's talk time runs to their hang-up, past the transfer
        assert done.talk_s is not None and done.talk_s >= 2
    events = by_number(live.asterisk.queue_events("ENTERQUEUE", "CONNECT", "ATTENDEDTRANSFER", since=since))
    assert events[number][:2] == ["ENTERQUEUE", "CONNECT"]
    if step == "complete":
        assert "ATTENDEDTRANSFER" in events[number]


def test_a_burst_of_fifty_sip_calls_with_abandons_matches_queue_log(live: Live) -> None:
    settle(live)
    live.asterisk.set_global(RINGTIME=1, TALKTIME=2)
    since = int(time.time())
    before = {c.linkedid for c in live.calls()}
    # 50 real SIP callers, 10 a second, each hanging up after 5 s: three operators can't take them all.
    sipp = live.asterisk.sip_calls("13700007777", calls=50, rate=10, hold_ms=5000)
    try:
        sipp.wait(90)
    finally:
        sipp.kill()
    settle(live, 60)
    ours = [c for c in live.calls() if c.linkedid not in before and c.caller_number == "13700007777"]

    def asterisk_says() -> dict[str, int]:
        lines = live.asterisk.queue_events("ENTERQUEUE", "CONNECT", "ABANDON", "EXITWITHTIMEOUT", since=since)
        counts: dict[str, int] = {}
        for line in lines:
            counts[line.event] = counts.get(line.event, 0) + 1
        return counts

    wait_for(lambda: asterisk_says().get("ENTERQUEUE") == 50, 10, "queue_log to hold the 50 calls")
    said = asterisk_says()
    answered = [c for c in ours if c.answered_at is not None]
    missed = [c for c in ours if c.outcome in (CallOutcome.ABANDONED, CallOutcome.SHORT_ABANDON)]
    assert len(ours) == 50
    assert len(answered) == said.get("CONNECT", 0)
    assert len(missed) == said.get("ABANDON", 0) + said.get("EXITWITHTIMEOUT", 0)
    assert said.get("ABANDON", 0) > 0 and said.get("CONNECT", 0) > 0  # the burst had both
    assert all(c.ended_at is not None for c in ours)


def test_the_bridge_killed_mid_call_loses_nothing(live: Live, only_1001: None) -> None:
    live.asterisk.set_global(RINGTIME=1, TALKTIME=4)
    since = int(time.time())
    live.asterisk.local_call("13700008881", patience_s=30)
    call = wait_talking(live, "13700008881")
    live.bridge.kill()  # the AMI link drops mid-call; the call ends while nobody listens
    wait_for(
        lambda: (
            "COMPLETEAGENT"
            in by_number(live.asterisk.queue_events("ENTERQUEUE", "COMPLETEAGENT", since=since)).get(
                "13700008881", []
            )
        ),
        20,
        "Asterisk to finish the call",
    )
    live.bridge.start()
    wait_for(
        lambda: (c := live.call(call.linkedid)) is not None and c.ended_at is not None, 30, "reconciliation"
    )
    done = live.call(call.linkedid)
    assert done is not None and done.outcome is CallOutcome.ANSWERED and done.hangup_reason == "reconciled"
    assert len([c for c in live.calls() if c.caller_number == "13700008881"]) == 1  # neither lost nor doubled
    # New calls flow after the reconnect, recorded from their events as before.
    live.asterisk.local_call("13700008882", patience_s=30)
    wait_for(lambda: ended(live, "13700008882") is not None, 30, "a call after the reconnect")
    after = ended(live, "13700008882")
    assert after is not None and after.outcome is CallOutcome.ANSWERED and after.hangup_reason != "reconciled"


def test_asterisk_restarted_mid_call_is_reconciled_and_calls_flow_again(live: Live, only_1001: None) -> None:
    live.asterisk.set_global(RINGTIME=1, TALKTIME=30)
    live.asterisk.local_call("13700009991", patience_s=60)
    call = wait_talking(live, "13700009991")
    live.asterisk.restart()  # the call dies with the process: no AgentComplete, no Hangup
    live.asterisk.run_actions(
        [
            ("QueuePause", {"Queue": "12345", "Interface": s, "Paused": "true", "Reason": "会议"})
            for s in SEATS[1:]
        ]
    )
    wait_for(
        lambda: (c := live.call(call.linkedid)) is not None and c.ended_at is not None, 40, "reconciliation"
    )
    done = live.call(call.linkedid)
    # Asterisk stopping hangs its channels up (AgentComplete may still reach the bridge), or the
    # snapshot after the restart closes the call: either way it is closed once, as answered.
    assert done is not None and done.outcome is CallOutcome.ANSWERED
    assert done.ended_at is not None and done.talk_s is not None
    assert len([c for c in live.calls() if c.caller_number == "13700009991"]) == 1
    # The app's own AMI session is back too: the seat's buttons work on the restarted Asterisk.
    live.asterisk.set_global(RINGTIME=1, TALKTIME=30)
    control = live.app.state.services.call_control
    wait_for(lambda: control.client.connected, 20, "the app's AMI session to come back")
    since = int(time.time())
    live.asterisk.local_call("13700009992", patience_s=60)
    wait_talking(live, "13700009992")
    time.sleep(1.5)  # a moment of conversation (a hang-up within the bridge's set-up counts as the caller's)
    operator = live.login("operator1")
    assert operator.post("/api/calls/hangup", json={}).status_code == 200
    wait_for(lambda: ended(live, "13700009992") is not None, 20, "the hang-up")

    def completed() -> list[QueueLogLine]:
        lines = live.asterisk.queue_events("ENTERQUEUE", "COMPLETEAGENT", "COMPLETECALLER", since=since)
        ids = {line.callid for line in lines if line.event == "ENTERQUEUE" and "13700009992" in line.data}
        return [line for line in lines if line.callid in ids and line.event.startswith("COMPLETE")]

    wait_for(completed, 10, "queue_log to close the call")
    talk = int(completed()[0].data[1])
    assert talk < 10  # ended by the hang-up, long before the simulated operator's 30 s
    # Monitoring saw it: the bridge's link is up again after a second session, and so is the app's.
    bridge = values(live.bridge.metrics())
    assert bridge["hotline_ami_connected"] == 1 and bridge["hotline_ami_client_connects_total"] >= 2
    scraper = TestClient(live.app, client=("127.0.0.1", 40000))
    scraper.portal = live.client.portal
    assert values(scraper.get("/metrics").text)["hotline_ami_control_connected"] == 1


def test_an_operator_signs_in_with_a_sip_desk_phone_and_answers_from_the_page(live: Live) -> None:
    """签入 with a real SIP phone, 接听 from the page (NOTIFY Event: talk), 挂断, 签出."""
    settle(live)
    port = live.asterisk.add_desk_phone("1009")
    admin, operator = live.login("admin"), live.login("operator2")
    made = admin.post("/api/seats", json={"code": "1009", "interface": "PJSIP/1009", "name": "坐席 1009"})
    assert made.status_code == 201, made.text
    assert admin.put("/api/seats/1009/operator", json={"username": "operator2"}).status_code == 200
    assert operator.post("/api/calls/answer").status_code == 409  # nothing rings yet
    since = int(time.time())
    signed_in = operator.post("/api/seats/me/login")
    assert signed_in.status_code == 200, signed_in.text
    wait_for(lambda: live.seat("1009").state is SeatState.READY, 10, "Asterisk to report the new member")
    live.asterisk.run_actions(  # only the desk phone takes calls now
        [
            ("QueuePause", {"Queue": "12345", "Interface": s, "Paused": "true", "Reason": "会议"})
            for s in SEATS
        ]
    )
    phone = live.asterisk.desk_phone(port)
    try:
        live.asterisk.local_call("13700001009", name="赵六", patience_s=40)
        wait_for(lambda: live.seat("1009").state is SeatState.RINGING, 20, "the desk phone to ring")
        time.sleep(1)  # the operator reads the pop, then clicks 接听
        answered = operator.post("/api/calls/answer")
        assert answered.status_code == 200, answered.text
        call = wait_talking(live, "13700001009")
        assert call.interface == "PJSIP/1009"
        assert live.seat("1009").state is SeatState.TALKING
        time.sleep(1)
        assert operator.post("/api/calls/hangup", json={}).status_code == 200
        phone.wait(20)
        assert phone.returncode == 0, (live.asterisk.root / f"sipp-{port}.err").read_text(errors="replace")
    finally:
        phone.kill()
        live.asterisk.run_actions(
            [("QueuePause", {"Queue": "12345", "Interface": s, "Paused": "false"}) for s in SEATS]
        )
    wait_for(lambda: ended(live, "13700001009") is not None, 20, "the call to end")
    done = ended(live, "13700001009")
    assert done is not None and done.outcome is CallOutcome.ANSWERED and done.interface == "PJSIP/1009"
    signed_out = operator.post("/api/seats/me/logoff")
    assert signed_out.status_code == 200, signed_out.text
    wait_for(lambda: live.seat("1009").state is SeatState.OFFLINE, 10, "the seat to go offline")

    def queue_says() -> dict[str, list[str]]:
        lines = live.asterisk.queue_events(
            "ADDMEMBER", "CONNECT", "COMPLETEAGENT", "COMPLETECALLER", "REMOVEMEMBER", since=since
        )
        return {
            e: [line.agent for line in lines if line.event == e]
            for e in ("ADDMEMBER", "CONNECT", "REMOVEMEMBER")
        }

    wait_for(lambda: queue_says()["REMOVEMEMBER"], 5, "queue_log REMOVEMEMBER")
    said = queue_says()
    # Asterisk names the member by interface when it joins and leaves, by name when it takes a call.
    assert said["ADDMEMBER"] == said["REMOVEMEMBER"] == ["PJSIP/1009"]
    assert said["CONNECT"] == [signed_in.json()["operator"]]  # the operator's name, given at 签入
    settle(live)
