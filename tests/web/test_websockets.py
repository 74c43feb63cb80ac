"""Websocket feeds: who may open them, and that each page hears what it should, and only that."""

import time

import pytest
from starlette.websockets import WebSocketDisconnect

from tests.web.conftest import TestClient, World, as_user, create, next_message, post_ok, ring_and_answer


def test_the_wallboard_gets_figures_at_once_and_again_after_an_event(world: World) -> None:
    client = as_user(world, "supervisor")
    operator = world.login("operator1")
    with client.websocket_connect("/ws/wallboard") as ws:
        first = next_message(ws, "wallboard")
        assert set(first["figures"]) == {
            "answer_rate",
            "service_level",
            "on_time",
            "callback",
            "satisfaction",
            "solve",  # 解决率
        }
        assert first["recent"] == []
        started = time.monotonic()
        create(operator, title="<script>alert(1)</script><b>x</b>")
        board = next_message(ws, "wallboard")
        while not board["recent"]:
            board = next_message(ws, "wallboard")
        assert time.monotonic() - started < 2.0
        assert board["recent"][0]["title"] == "<script>alert(1)</script><b>x</b>"  # as text, for textContent


@pytest.mark.parametrize("username", ["operator1", "unit_housing", None])
def test_the_wallboard_refuses_other_roles_and_strangers(world: World, username: str | None) -> None:
    client = as_user(world, username) if username else TestClient(world.app)
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect("/ws/wallboard") as ws:
        ws.receive_json()
    assert refused.value.code == 1008


def test_a_page_from_another_site_cannot_open_a_feed(world: World) -> None:
    client = as_user(world, "supervisor")
    with (
        pytest.raises(WebSocketDisconnect),
        client.websocket_connect("/ws/wallboard", headers={"origin": "https://evil.example"}) as ws,
    ):
        ws.receive_json()


def test_a_unit_feed_carries_only_its_own_tickets(world: World) -> None:
    operator = world.login("operator1")
    client = as_user(world, "unit_urban")
    housing, urban = create(operator, title="住建的事"), create(operator, title="城管的事")
    with client.websocket_connect("/ws/unit") as ws:
        post_ok(operator, f"/api/tickets/{housing['id']}/dispatch", {"unit_code": "housing"})
        post_ok(operator, f"/api/tickets/{urban['id']}/dispatch", {"unit_code": "urban"})
        message = next_message(ws, "tickets")
        assert message["id"] == urban["id"] and message["status"] == "dispatched"
        assert "title" not in message


def test_the_seat_feed_pops_the_call_answered_at_that_seat_only(world: World) -> None:
    client = as_user(world, "operator1")
    with client.websocket_connect("/ws/seat") as ws:
        ring_and_answer(world, linkedid="call-for-1002", seat="1002")
        ring_and_answer(world, linkedid="call-for-1001", seat="1001", number="13911112222")
        pop = next_message(ws, "calls.screen_pop")
        assert pop["linkedid"] == "call-for-1001" and pop["caller_number"] == "13911112222"
    seat = client.get("/api/seats/me").json()
    assert seat["state"] == "talking" and seat["call"]["linkedid"] == "call-for-1001"
    again = client.get("/api/calls/call-for-1001/pop").json()
    assert again["seat_code"] == "1001"


def test_the_seat_feed_is_for_operators_with_a_seat(world: World) -> None:
    client = as_user(world, "dispatcher")
    with pytest.raises(WebSocketDisconnect), client.websocket_connect("/ws/seat") as ws:
        ws.receive_json()


def test_pause_and_ready_without_a_phone_system_go_through_the_call_events(world: World) -> None:
    operator = world.login("operator1")
    paused = post_ok(operator, "/api/seats/me/state", {"state": "paused", "reason": "用餐"})
    assert (paused["state"], paused["pause_reason"]) == ("paused", "用餐")
    assert post_ok(operator, "/api/seats/me/state", {"state": "ready"})["state"] == "ready"
    # Without a phone system every call button says so, in Chinese (how the install is set up: 409).
    for path, body in (
        ("/api/calls/transfer", {"target": "110"}),
        ("/api/calls/dial", {"number": "13800138000"}),
        ("/api/calls/hangup", {}),
        ("/api/calls/answer", {}),
        ("/api/seats/me/login", {}),
    ):
        refused = operator.post(path, json=body)
        assert refused.status_code == 409, path
        assert "未连接电话系统" in refused.json()["detail"]
