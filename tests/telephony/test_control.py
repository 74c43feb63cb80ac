"""Call control from a seat over AMI, and the snapshot taken after a reconnect."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest

from hotline.calls.events import CallEventKind
from hotline.ports import CallControl
from telephony.client import AmiClient
from telephony.control import AmiCallControl, CallControlError, CallNotFoundError, TransferTargetError
from telephony.mapping import Correlation, LiveCall
from telephony.protocol import AmiMessage
from telephony.reconcile import build_snapshot, find_seat_leg
from tests.telephony.amiserver import (
    FakeAmi,
    Snapshot,
    core_show_channel,
    queue_entry,
    queue_member,
    recorded,
)
from tests.telephony.conftest import ami_settings, run

K = CallEventKind
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


def msgs(frames: list[bytes]) -> list[AmiMessage]:
    return [AmiMessage.from_frame(f) for f in frames]


def talking_channels() -> list[bytes]:
    return [
        core_show_channel("Local/13600136000@incoming-0000002b;1", "9.87", "9.87", application="Wait"),
        core_show_channel(
            "Local/13600136000@incoming-0000002b;2",
            "9.88",
            "9.87",
            application="Queue",
            bridge="B",
            duration="00:01:05",
            number="13600136000",
            name="王五",
        ),
        core_show_channel(
            "Local/1001@agents-0000002c;1",
            "9.89",
            "9.87",
            application="AppQueue",
            bridge="B",
            duration="00:00:50",
        ),
    ]


async def with_control(
    server: FakeAmi, body: Callable[[AmiCallControl], Awaitable[None]], **kw: object
) -> None:
    await server.start()
    client = AmiClient(ami_settings(server.port, **kw))
    runner = asyncio.create_task(client.run())
    try:
        assert await client.wait_connected(2)
        await body(AmiCallControl(client, client.settings))
    finally:
        await client.close()
        await asyncio.wait_for(runner, 3)
        await server.stop()


def sent_action(name: str, action_id: str) -> dict[str, str]:
    """An action as recorded in a .sent file, without its ActionID."""
    data = recorded(f"{name}.sent").read_bytes().decode()
    for block in data.split("\r\n\r\n"):
        msg = AmiMessage(block)
        if msg.get("ActionID") == action_id:
            return {k: v for k, v in msg.items() if k != "ActionID"}
    raise LookupError(action_id)


def ours(msg: AmiMessage) -> dict[str, str]:
    return {k: v for k, v in msg.items() if k != "ActionID"}


def test_the_ports_protocol_is_implemented() -> None:
    control: CallControl = AmiCallControl(AmiClient(ami_settings(1)), ami_settings(1))
    assert control is not None


def test_pause_and_unpause_send_what_was_recorded() -> None:
    server = FakeAmi(wait_for_snapshot=False)

    async def body(control: AmiCallControl) -> None:
        await control.pause(seat_interface="Local/1001@agents", paused=True, reason="meeting")
        await control.pause(seat_interface="Local/1001@agents", paused=False, reason="ignored")

    run(with_control(server, body, queue="12345"))
    pause, unpause = server.actions_named("QueuePause")
    assert ours(pause) == sent_action("abandoned", "abandoned-2")
    assert ours(unpause) == sent_action("abandoned", "abandoned-6")


def test_blind_transfer_uses_the_operators_leg_like_the_recording() -> None:
    server = FakeAmi(wait_for_snapshot=False, snapshot=lambda i: Snapshot(channels=talking_channels()))

    async def body(control: AmiCallControl) -> None:
        await control.transfer(linkedid="9.87", target="2000")
        await control.transfer(linkedid="9.87", target="医保", attended=True)
        with pytest.raises(CallNotFoundError):
            await control.transfer(linkedid="gone", target="人社")
        with pytest.raises(TransferTargetError, match="人社"):
            await control.transfer(linkedid="9.87", target="市长")

    run(with_control(server, body))
    (blind,) = server.actions_named("BlindTransfer")
    recorded = sent_action("transfer", "transfer-7")
    assert set(ours(blind)) == set(recorded)
    assert ours(blind)["Channel"] == "Local/1001@agents-0000002c;1"
    assert (ours(blind)["Context"], ours(blind)["Exten"]) == ("transfer", "2000")
    (atxfer,) = server.actions_named("Atxfer")
    assert (atxfer.get("Channel"), atxfer.get("Exten")) == ("Local/1001@agents-0000002c;1", "2002")


def test_transfer_on_the_bridges_session_needs_no_channel_list() -> None:
    server = FakeAmi(wait_for_snapshot=False)

    async def body(control: AmiCallControl) -> None:
        corr = Correlation()
        corr.connect(LiveCall("L", "12345", "PJSIP/1001", seat_channel="PJSIP/1001-00000007"))
        located = AmiCallControl(control.client, control.settings, locate=corr.calls.get)
        await located.transfer(linkedid="L", target="07395551234")

    run(with_control(server, body))
    assert server.actions_named("CoreShowChannels") == []
    (blind,) = server.actions_named("BlindTransfer")
    assert (blind.get("Channel"), blind.get("Exten")) == ("PJSIP/1001-00000007", "07395551234")


def test_click_to_call_rings_the_seat_first_and_names_the_call() -> None:
    server = FakeAmi(wait_for_snapshot=False)
    got: list[str] = []

    async def body(control: AmiCallControl) -> None:
        call_id = control.new_call_id()
        got.append(
            await control.click_to_call(
                seat_interface="Local/1001@agents", number="13900139000", call_id=call_id, account="T42"
            )
        )
        with pytest.raises(CallControlError):
            await control.click_to_call(
                seat_interface="Local/1001@agents", number="139 0013\r\nAction: Hangup", call_id=call_id
            )
        with pytest.raises(CallControlError):
            await control.click_to_call(
                seat_interface="not an interface", number="13900139000", call_id=call_id
            )
        with pytest.raises(CallControlError):  # an id that the mapping would not take for a callback
            await control.click_to_call(seat_interface="Local/1001@agents", number="13900139000", call_id="x")
        with pytest.raises(CallControlError):
            await control.click_to_call(
                seat_interface="Local/1001@agents", number="13900139000", call_id=call_id, account="a\r\nb"
            )

    run(with_control(server, body))
    (originate,) = server.actions_named("Originate")
    assert originate.get("Channel") == "Local/1001@agents"
    assert (originate.get("Context"), originate.get("Exten"), originate.get("Async")) == (
        "outbound",
        "13900139000",
        "true",
    )
    assert originate.get("ChannelId") == got[0] and got[0].startswith("cb-")
    assert originate.get("Account") == "T42"  # the ticket reaches the CDR of every leg
    assert originate.getall("Variable") == ["HOTLINE_CALLBACK=13900139000", "HOTLINE_CID=12345"]


def test_snapshot_restates_waiting_and_talking_calls_and_seats() -> None:
    channels = msgs(
        [
            *talking_channels(),
            core_show_channel(
                "PJSIP/trunk-00000009", "9.90", "9.90", application="Queue", number="13700000000", name="赵六"
            ),
        ]
    )
    status = msgs(
        [
            queue_member("Local/1001@agents", status="2"),
            queue_member("Local/1002@agents", paused=True, reason="休息"),
            queue_entry("PJSIP/trunk-00000009", "9.90", wait=42, number="13700000000", name="赵六"),
            queue_entry(
                "PJSIP/gone-0000000a", "9.91", wait=1, number="13700000001"
            ),  # not in the channel list
        ]
    )
    corr = Correlation()
    corr.connect(LiveCall("stale", "12345", "Local/1003@agents"))
    snap = build_snapshot(channels, status, corr=corr, now=NOW)
    assert snap.live_linkedids == {"9.87", "9.90"}
    assert snap.seat_interfaces == frozenset({"Local/1001@agents", "Local/1002@agents"})
    brief = [(e.kind, e.linkedid or e.interface, e.reason or e.seat_state, e.at) for e in snap.events]
    assert brief == [
        (K.QUEUED, "9.90", "", datetime(2026, 11, 21, 9, 59, 18, tzinfo=UTC)),
        (K.QUEUED, "9.87", "", datetime(2026, 11, 21, 9, 58, 55, tzinfo=UTC)),
        (K.ANSWERED, "9.87", "", datetime(2026, 11, 21, 9, 59, 10, tzinfo=UTC)),
        (K.SEAT_ADDED, "Local/1001@agents", "", NOW),
        (K.SEAT_UNPAUSED, "Local/1001@agents", "", NOW),
        (K.SEAT_STATE, "Local/1001@agents", "talking", NOW),
        (K.SEAT_ADDED, "Local/1002@agents", "", NOW),
        (K.SEAT_PAUSED, "Local/1002@agents", "休息", NOW),
        (K.SEAT_STATE, "Local/1002@agents", "ready", NOW),
    ]
    answered = snap.events[2]
    assert (answered.interface, answered.caller_number, answered.caller_name) == (
        "Local/1001@agents",
        "13600136000",
        "王五",
    )
    assert set(corr.calls) == {"9.87"}  # the stale call is forgotten, the live one known
    assert corr.calls["9.87"].seat_channel == "Local/1001@agents-0000002c;1"


def test_snapshot_without_queue_status_leaves_seats_alone() -> None:
    snap = build_snapshot(msgs(talking_channels()), None, corr=Correlation(), now=NOW)
    assert snap.seat_interfaces is None
    assert find_seat_leg(msgs(talking_channels()), "nope") is None
