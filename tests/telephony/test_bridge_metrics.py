"""The bridge's Prometheus metrics, read while it holds a real TCP session to a recorded Asterisk."""

from prometheus_client import CollectorRegistry, generate_latest
from sqlmodel import Session

from telephony.metrics import bridge_registry
from tests.prometheus import values
from tests.telephony.amiserver import Conn, FakeAmi, fixture_frames
from tests.telephony.conftest import SessionSink, run, start_rig, wait_until

ANSWERED = fixture_frames("answered")


def _values(registry: CollectorRegistry) -> dict[str, float]:
    return values(generate_latest(registry).decode())


def test_the_link_and_its_traffic_are_exported(session: Session) -> None:
    async def call(conn: Conn) -> None:
        await conn.stream(ANSWERED)

    async def go() -> None:
        rig = await start_rig(FakeAmi([call]), SessionSink(session))
        registry = bridge_registry(rig.bridge)
        try:
            await rig.settle()
            up = _values(registry)
            assert up["hotline_ami_connected"] == 1
            assert up["hotline_ami_client_connects_total"] == 1
            assert up["hotline_bridge_events_total"] == rig.bridge.stats.events > 0
            assert up["hotline_bridge_messages_total"] == rig.server.events_sent
            assert up["hotline_bridge_last_event_timestamp_seconds"] > 0
            await rig.server.stop()  # Asterisk goes away: the gauge says so
            await wait_until(lambda: not rig.bridge.client.connected, 5, "the bridge to notice")
            assert _values(registry)["hotline_ami_connected"] == 0
        finally:
            await rig.bridge.stop()
            await rig.task

    run(go())
