"""/metrics: who may scrape, the request counters by route, and the live figures from the database."""

import json
import re
from pathlib import Path

from tests.prometheus import samples
from tests.web.conftest import TICKET, TestClient, World, create, ring_and_answer


def _scrape(world: World, **headers: str) -> TestClient:
    return TestClient(world.app, client=("127.0.0.1", 40000), headers=headers)


def test_only_loopback_or_the_token_may_scrape(world_factory) -> None:  # type: ignore[no-untyped-def]
    open_world = world_factory()
    assert _scrape(open_world).get("/metrics").status_code == 200
    outside = TestClient(open_world.app, client=("203.0.113.9", 40000))
    assert outside.get("/metrics").status_code == 403
    locked = world_factory(metrics_token="s3cret-token")
    assert _scrape(locked).get("/metrics").status_code == 403  # with a token, loopback needs it too
    assert _scrape(locked, Authorization="Bearer wrong").get("/metrics").status_code == 403
    assert _scrape(locked, Authorization="Bearer s3cret-token").get("/metrics").status_code == 200


def test_requests_are_counted_by_route_template_not_by_path(world: World) -> None:
    client = world.login("dispatcher")
    first = create(client)
    second = create(client, title="另一件事：路灯不亮")
    for ticket in (first, second):
        assert client.get(f"/api/tickets/{ticket['id']}").status_code == 200
    assert client.get("/api/tickets/999999").status_code == 404
    assert client.get("/no/such/page/at/all").status_code == 404
    found = samples(_scrape(world).get("/metrics").text)
    key = (
        "hotline_http_requests_total",
        (("method", "GET"), ("route", "/api/tickets/{ticket_id}"), ("status", "200")),
    )
    assert found[key] == 2
    missing = (
        "hotline_http_requests_total",
        (("method", "GET"), ("route", "/api/tickets/{ticket_id}"), ("status", "404")),
    )
    assert found[missing] == 1
    unmatched = (
        "hotline_http_requests_total",
        (("method", "GET"), ("route", "unmatched"), ("status", "404")),
    )
    assert found[unmatched] == 1
    assert not any("999999" in str(labels) for _, labels in found)
    count = (
        "hotline_http_request_duration_seconds_count",
        (("method", "GET"), ("route", "/api/tickets/{ticket_id}")),
    )
    assert found[count] == 3


def test_the_live_figures_come_from_the_database(world: World) -> None:
    before = samples(_scrape(world).get("/metrics").text)
    drafts = before[("hotline_tickets_open", (("status", "draft"),))]
    client = world.login("dispatcher")
    create(client, **{**TICKET, "title": "小区门口积水"})
    ring_and_answer(world, linkedid="metrics-call-1", seat="1001", number="13500001111")
    after = samples(_scrape(world).get("/metrics").text)
    assert after[("hotline_tickets_open", (("status", "draft"),))] == drafts + 1
    assert (
        after[("hotline_calls_today", (("kind", "answered"),))]
        == before[("hotline_calls_today", (("kind", "answered"),))] + 1
    )
    assert after[("hotline_seats", (("state", "talking"),))] == 1
    assert after[("hotline_queue_waiting", ())] == 0
    assert ("hotline_cards", (("card", "red"), ("stage", "sign"))) in after
    assert not any(name == "hotline_ami_control_connected" for name, _ in after)  # no AMI session here


DASHBOARD = Path(__file__).parents[2] / "docs" / "monitoring" / "grafana-dashboard.json"
BRIDGE_METRICS = (  # exported by telephony.metrics (tests/telephony/test_bridge_metrics.py reads them)
    "hotline_ami_connected",
    "hotline_bridge_events_total",
    "hotline_ami_client_connects_total",
    "hotline_bridge_last_event_timestamp_seconds",
)


def test_the_sample_dashboard_names_only_metrics_that_exist(world: World) -> None:
    assert world.login("dispatcher").get("/api/me").status_code == 200  # a request, a call: all present
    ring_and_answer(world, linkedid="metrics-call-2", seat="1002", number="13500002222")
    exprs = [t["expr"] for p in json.loads(DASHBOARD.read_text())["panels"] for t in p["targets"]]
    named = {m for e in exprs for m in re.findall(r"\bhotline_[a-z_]+", e)}
    named = {re.sub(r"_(bucket|count|sum)$", "", m) for m in named}
    exported = {name for name, _ in samples(_scrape(world).get("/metrics").text)}
    exported |= {re.sub(r"_(bucket|count|sum)$", "", m) for m in exported} | set(BRIDGE_METRICS)
    assert named and named <= exported, named - exported


def test_the_wallboard_and_the_metrics_agree_on_the_staffing(world: World) -> None:
    for i in range(6):
        ring_and_answer(world, linkedid=f"staff-{i}", seat="1001", number=f"1350000{i:04}")
    board = world.login("supervisor").get("/api/wallboard").json()["staffing"]
    assert board["arrivals"] == 6 and board["seats_on"] >= 1 and board["target_s"] == 15
    found = samples(_scrape(world).get("/metrics").text)
    assert found[("hotline_seats_needed", ())] == board["seats_needed"]
    assert found[("hotline_service_level_forecast", ())] == board["level_now"]
