"""The in-process hub: who receives an event, once, and nothing after leaving."""

import asyncio
import json
from typing import Any

from web.hub import Hub, Subscription


def _drain(sub: Subscription) -> list[dict[str, Any]]:
    out = []
    while not sub.queue.empty():
        out.append(json.loads(sub.queue.get_nowait()))
    return out


def test_events_reach_exact_and_prefix_patterns_once_and_stop_after_leaving() -> None:
    async def run() -> None:
        hub = Hub()
        await hub.start()
        with (
            hub.subscribe(["calls.seat"]) as seat,
            hub.subscribe(["calls.*", "calls.seat"]) as both,  # two patterns match: still once
            hub.subscribe(["tickets"], accept=lambda _t, p: 7 in p["unit_ids"]) as unit7,
            hub.subscribe(["tickets"]) as desk,
        ):
            assert hub.watchers("calls.seat") == 2 and hub.watchers("calls.call") == 1
            assert hub.watchers("tickets") == 2 and hub.watchers("wallboard") == 0
            assert hub.subscriber_count == 4
            hub.publish("calls.seat", {"code": "A01"})
            hub.publish("calls.call", {"id": 1})
            hub.publish("tickets", {"id": 5, "unit_ids": [3]})
            hub.publish("tickets", {"id": 6, "unit_ids": [7]})
            hub.publish("callsX", {"id": 2})  # not a "calls." topic
            assert [m["data"] for m in _drain(seat)] == [{"code": "A01"}]
            assert [m["topic"] for m in _drain(both)] == ["calls.seat", "calls.call"]
            assert [m["data"]["id"] for m in _drain(unit7)] == [6]
            assert [m["data"]["id"] for m in _drain(desk)] == [5, 6]
            with hub.subscribe(["calls.seat"]) as late:
                assert hub.watchers("calls.seat") == 3
            hub.publish("calls.seat", {"code": "A02"})
            assert _drain(late) == [] and len(_drain(seat)) == 1
        assert hub.subscriber_count == 0 and hub.watchers("calls.seat") == 0
        hub.publish("tickets", {"id": 7, "unit_ids": []})  # nobody left: nothing to do, no error
        await hub.stop()

    asyncio.run(run())
