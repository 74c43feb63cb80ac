"""Fault cases: the bridge stays up (or fails with a clear message), loses no call, and logs the fault."""

import asyncio
import logging
import random
from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from hotline.calls.events import CallEventKind
from hotline.clock import FixedClock
from hotline.enums import CallOutcome, SeatState
from telephony.bridge import Bridge
from telephony.client import AmiActionError, AmiClient, AmiConnectionError, AmiLoginError, AmiTimeout
from tests.telephony.amiserver import (
    Conn,
    FakeAmi,
    Snapshot,
    core_show_channel,
    event_index,
    fixture_frames,
    queue_member,
    stream,
)
from tests.telephony.conftest import (
    AFTER_RECORDING,
    SessionSink,
    ami_settings,
    calls,
    run,
    seats,
    start_rig,
    wait_until,
)
from tests.telephony.test_replay import EXPECTED_CALLS, records

ANSWERED = fixture_frames("answered")
CONNECT = event_index(ANSWERED, "AgentConnect")
QUICK = {"keepalive_interval_s": 0.2, "keepalive_timeout_s": 0.2}


@pytest.fixture(autouse=True)
def _logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="telephony")


def answered_exactly(session: Session) -> None:
    assert records(session) == EXPECTED_CALLS["answered"]
    assert seats(session)["Local/1003@agents"].state is SeatState.READY


def test_silence_longer_than_any_timeout_keeps_the_session(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    async def quiet_then_call(conn: Conn) -> None:
        await asyncio.sleep(1.5)  # 7x the keepalive interval, 3x the action and list timeouts
        await conn.stream(ANSWERED)

    async def go() -> None:
        rig = await start_rig(
            FakeAmi([quiet_then_call]),
            SessionSink(session),
            settings={**QUICK, "action_timeout_s": 0.5, "list_timeout_s": 0.5},
        )
        try:
            await rig.settle()
            assert rig.server.connections == 1
            assert rig.bridge.client.stats.keepalive_failures == 0
            assert len(rig.server.actions_named("Ping")) >= 2  # pinged while silent, and answered
        finally:
            await rig.close()

    run(go())
    answered_exactly(session)


def test_a_hung_server_is_detected_by_keepalive_and_left(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    async def hang(conn: Conn) -> None:
        await asyncio.sleep(30)  # the TCP connection stays open, nothing comes, Pings go unanswered

    async def go() -> None:
        server = FakeAmi([hang, stream(ANSWERED)], answer_pings=lambda index: index > 0)
        rig = await start_rig(server, SessionSink(session), settings=QUICK)
        try:
            await rig.settle(timeout=5)
            assert server.connections == 2
            assert rig.bridge.client.stats.keepalive_failures == 1
        finally:
            await rig.close()

    run(go())
    answered_exactly(session)
    assert "no answer to Ping" in caplog.text


def _live_call_snapshot(index: int) -> Snapshot:
    """What Asterisk reports on reconnect while the answered call is talking."""
    if index == 0:
        return Snapshot()
    return Snapshot(
        channels=[
            core_show_channel(
                "Local/13800138000@incoming-00000003;1", "1795254355.7", "1795254355.7", application="Wait"
            ),
            core_show_channel(
                "Local/13800138000@incoming-00000003;2",
                "1795254355.8",
                "1795254355.7",
                application="Queue",
                bridge="b-1",
                number="13800138000",
                name="张三",
            ),
            core_show_channel(
                "Local/1003@agents-00000004;1",
                "1795254355.9",
                "1795254355.7",
                application="AppQueue",
                bridge="b-1",
            ),
            core_show_channel(
                "Local/1003@agents-00000004;2", "1795254355.10", "1795254355.7", application="Wait"
            ),
        ],
        queue_status=[
            queue_member("Local/1001@agents"),
            queue_member("Local/1002@agents"),
            queue_member("Local/1003@agents", status="2"),
        ],
    )


def test_connection_dropped_mid_call_neither_loses_nor_doubles_it(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    async def go() -> None:
        server = FakeAmi(
            [stream(ANSWERED[: CONNECT + 1], then_close=True), stream(ANSWERED[CONNECT + 1 :])],
            snapshot=_live_call_snapshot,
        )
        rig = await start_rig(server, SessionSink(session))
        try:
            await rig.settle(scripts=2)
            assert server.connections == 2 and server.logins == 2
            assert rig.bridge.stats.snapshots == 2
        finally:
            await rig.close()

    run(go())
    answered_exactly(session)  # one record, the answer time and talk time as if never cut
    assert {i: s.state for i, s in seats(session).items()} == {
        f"Local/100{n}@agents": SeatState.READY for n in (1, 2, 3)
    }
    assert "connection lost" in caplog.text


def test_server_restart_closes_the_call_that_ended_meanwhile_and_takes_new_ones(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    abandoned = fixture_frames("abandoned")

    async def go() -> None:
        server = FakeAmi(
            [stream(ANSWERED[: CONNECT + 1]), stream(abandoned)],
            snapshot=lambda index: Snapshot(
                queue_status=[queue_member(f"Local/100{n}@agents") for n in (1, 2, 3)]
            ),
        )
        rig = await start_rig(server, SessionSink(session))
        try:
            await wait_until(
                lambda: server.scripts_done == 1 and rig.bridge.stats.events >= 4, 5, "the call answered"
            )
            port = server.port
            await server.stop()  # Asterisk goes down: the answered call ends while we are away
            await asyncio.sleep(0.4)
            await server.start(port)
            await rig.settle(scripts=2)
            assert server.logins == 2
        finally:
            await rig.close()

    run(go())
    got = {c.linkedid: (c.outcome, c.ended_at, c.hangup_reason) for c in calls(session)}
    assert got == {
        "1795254355.7": (CallOutcome.ANSWERED, AFTER_RECORDING, "reconciled"),
        "1795254364.11": (
            CallOutcome.SHORT_ABANDON,
            datetime(2026, 11, 21, 9, 46, 7, 901964, tzinfo=UTC),
            "abandon",
        ),
    }
    (first,) = [c for c in calls(session) if c.linkedid == "1795254355.7"]
    assert first.answered_at is not None
    assert first.talk_s == round((AFTER_RECORDING - first.answered_at).total_seconds(), 3)
    assert seats(session)["Local/1003@agents"].state is SeatState.READY
    assert "cannot connect" in caplog.text


def test_a_listener_that_raises_does_not_stop_the_bridge(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    def bad(_: object) -> None:
        raise ZeroDivisionError("listener bug")

    def setup(bridge: Bridge) -> None:
        bridge.add_listener(bad)
        bridge.add_message_listener(bad)

    async def go() -> None:
        rig = await start_rig(FakeAmi([stream(ANSWERED)]), SessionSink(session), setup=setup)
        try:
            await rig.settle()
            assert rig.bridge.stats.listener_errors > 100
            assert rig.server.connections == 1
        finally:
            await rig.close()

    run(go())
    answered_exactly(session)
    assert "listener" in caplog.text and "ZeroDivisionError" in caplog.text


def test_a_sink_that_fails_once_is_retried(session: Session, caplog: pytest.LogCaptureFixture) -> None:
    failures = {"left": 1}

    def once(event: object) -> bool:
        if getattr(event, "kind", None) is CallEventKind.ANSWERED and failures["left"]:
            failures["left"] -= 1
            return True
        return False

    async def go() -> None:
        rig = await start_rig(FakeAmi([stream(ANSWERED)]), SessionSink(session, fail=once))
        try:
            await rig.settle()
            assert rig.bridge.stats.sink_failures == 1 and rig.bridge.stats.dead_events == 0
        finally:
            await rig.close()

    run(go())
    answered_exactly(session)
    assert "sink failed" in caplog.text


def test_a_poison_event_is_dead_lettered_and_the_rest_applied(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    def poison(event: object) -> bool:
        return getattr(event, "kind", None) is CallEventKind.HUNG_UP

    async def go() -> None:
        rig = await start_rig(FakeAmi([stream(ANSWERED)]), SessionSink(session, fail=poison))
        try:
            await rig.settle()
            assert rig.bridge.stats.dead_events == 1
        finally:
            await rig.close()

    run(go())
    answered_exactly(session)
    assert "DEAD CallEvent" in caplog.text and '"kind":"hung_up"' in caplog.text


def test_garbage_frames_are_logged_and_skipped(session: Session, caplog: pytest.LogCaptureFixture) -> None:
    frames = list(ANSWERED)
    frames.insert(CONNECT, b"\x00\xff\xfe\x80garbage\r\nno colon at all\r\n\x1b[2J")
    frames.insert(CONNECT, b"Event: VarSet\r\nVariable: CALLERNAME\r\nValue: \xe5\xbc\xa0\xff\xfe")

    async def go() -> None:
        rig = await start_rig(FakeAmi([stream(frames)]), SessionSink(session))
        try:
            await rig.settle()
            stats = rig.bridge.client.stats
            assert (stats.garbage_frames, stats.decode_errors, stats.connects) == (
                1,
                2,
                1,
            )  # both hold broken UTF-8
        finally:
            await rig.close()

    run(go())
    answered_exactly(session)
    assert "without Event or Response" in caplog.text and "invalid UTF-8" in caplog.text


def test_a_1mb_header_value_is_dropped_with_a_log_and_the_call_survives(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    big = b"Event: VarSet\r\nPrivilege: dialplan,all\r\nVariable: BIG\r\nValue: " + "张".encode() * 350_000
    frames = list(ANSWERED)
    frames.insert(CONNECT, big)

    async def go() -> None:
        rig = await start_rig(FakeAmi([stream(frames, chunk=65536)]), SessionSink(session))
        try:
            await rig.settle()
            stats = rig.bridge.client.stats
            assert (stats.oversize_frames, stats.connects) == (1, 1)
        finally:
            await rig.close()

    run(go())
    answered_exactly(session)
    assert f"AMI frame of {len(big)} bytes dropped" in caplog.text


def test_a_1mb_header_value_within_a_raised_limit_is_read_whole(session: Session) -> None:
    value = "张" * 350_000
    frames = list(ANSWERED)
    frames.insert(CONNECT, f"Event: VarSet\r\nVariable: BIG\r\nValue: {value}".encode())
    seen: list[str] = []

    def setup(bridge: Bridge) -> None:
        bridge.add_message_listener(
            lambda msg: seen.append(msg.get("Value")) if msg.name == "VarSet" else None
        )

    async def go() -> None:
        rig = await start_rig(
            FakeAmi([stream(frames, chunk=4096)]),
            SessionSink(session),
            settings={"max_frame_bytes": 2 * 1024 * 1024},
            setup=setup,
        )
        try:
            await rig.settle()
        finally:
            await rig.close()

    run(go())
    assert value in seen
    answered_exactly(session)


def test_a_refused_login_fails_at_once_with_a_clear_message() -> None:
    async def go() -> None:
        server = await FakeAmi(refuse_login=True).start()
        client = AmiClient(ami_settings(server.port))
        try:
            with pytest.raises(AmiLoginError) as err:
                await asyncio.wait_for(client.run(), 3)
            assert str(err.value) == (
                f"AMI login refused for user 'hotline' at 127.0.0.1:{server.port}: Authentication failed"
            )
            assert server.connections == 1  # not retried
        finally:
            await server.stop()

    run(go())


def test_wrong_secret_through_the_bridge(session: Session) -> None:
    async def go() -> None:
        server = await FakeAmi(secret="other").start()
        bridge = Bridge(ami_settings(server.port), SessionSink(session), clock=_clock())
        try:
            with pytest.raises(AmiLoginError, match="login refused"):
                await asyncio.wait_for(bridge.run(), 3)
        finally:
            await server.stop()

    run(go())


def _clock() -> FixedClock:
    return FixedClock(AFTER_RECORDING)


def test_actions_correlate_time_out_and_fail_cleanly() -> None:
    async def go() -> None:
        server = await FakeAmi(wait_for_snapshot=False).start()
        client = AmiClient(ami_settings(server.port, action_timeout_s=0.3))
        runner = asyncio.create_task(client.run())
        try:
            assert await client.wait_connected(2)
            pong, ok = await asyncio.gather(
                client.action("Ping"), client.action("QueuePause", {"Paused": True})
            )
            assert (pong.get("Ping"), ok.get("Message")) == ("Pong", "QueuePause ok")
            with pytest.raises(AmiTimeout, match="no answer to NeverAnswered"):
                await client.action("NeverAnswered")
            with pytest.raises(AmiActionError, match="Fail failed: No such thing"):
                await client.action("Fail")
            listed = await client.list_action("QueueStatus")
            assert listed.events == []
            assert client.stats.connects == 1
        finally:
            await client.close()
            await asyncio.wait_for(runner, 3)
            await server.stop()
        with pytest.raises(AmiConnectionError):
            await client.action("Ping", timeout=0.05)
        assert server.actions_named("Logoff"), "close() logs off"

    run(go())


def test_stop_while_the_server_is_down_returns_promptly(session: Session) -> None:
    async def go() -> None:
        server = await FakeAmi().start()
        port = server.port
        await server.stop()
        bridge = Bridge(ami_settings(port, reconnect_max_s=5), SessionSink(session), clock=_clock())
        task = asyncio.create_task(bridge.run())
        await asyncio.sleep(0.3)
        await bridge.stop()
        await asyncio.wait_for(task, 1)
        assert bridge.client.stats.connects == 0

    run(go())


def test_shutdown_hands_over_what_was_read(session: Session) -> None:
    async def go() -> None:
        rig = await start_rig(FakeAmi([stream(ANSWERED)]), SessionSink(session))
        await wait_until(lambda: rig.server.scripts_done == 1, 5, "the stream")
        await asyncio.sleep(0.05)  # let the last bytes reach the client before it logs off
        await rig.close()  # at once: whatever is queued still reaches the sink
        assert rig.bridge.stats.messages == rig.server.events_sent

    run(go())
    answered_exactly(session)


def test_backoff_grows_and_is_capped() -> None:
    client = AmiClient(ami_settings(1, reconnect_min_s=0.5, reconnect_max_s=4), rng=random.Random(1))
    delays = [client._backoff(n) for n in range(8)]
    assert all(0.25 <= d <= 0.5 for d in delays[:1])
    assert all(2.0 <= d <= 4.0 for d in delays[3:])
    assert max(delays) <= 4.0
