"""The cross-unit matrix: a unit user hitting every ticket endpoint for another unit's ticket
gets 403 or 404, and nothing changes."""

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import func, select

from hotline.tickets.models import Ticket
from hotline.timeline.models import TicketEvent
from tests.web.conftest import TestClient, World, create, post_ok

BODIES: dict[str, dict[str, Any]] = {
    "dispatch": {"unit_code": "urban"},
    "redispatch": {"unit_code": "urban"},
    "overrule-return": {"note": "n"},
    "close-on-spot": {"answer": "a"},
    "reject": {"reason": "out_of_scope"},
    "merge": {"master_id": 1},
    "contact": {"note": "n"},
    "return": {"reason": "not ours"},
    "extension": {"working_days": 2, "reason": "r"},
    "reply": {"text": "done"},
    "callback": {"reached": True, "satisfaction": "satisfied"},
    "supervise": {"note": "n", "due_at": "2030-01-01T00:00:00Z"},
    "decision": {"approve": True},
    "resolve": {"note": "n"},
}


def _state(world: World, ticket_id: int) -> tuple[Any, ...]:
    with world.session() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        events = session.exec(select(func.count()).where(TicketEvent.ticket_id == ticket_id)).one()
        return ticket.status, ticket.updated_at, ticket.lead_unit_id, ticket.reply_text, events


def _ticket_routes(world: World) -> list[tuple[str, str]]:
    """Every API route that names a ticket (or a request hanging off one), from the OpenAPI."""
    paths = world.client.get("/openapi.json").json()["paths"]
    return [
        (method.upper(), path)
        for path, methods in paths.items()
        if "{ticket_id}" in path or "{request_id}" in path or "{flag_id}" in path
        for method in methods
    ]


@pytest.fixture
def housing_ticket(world: World) -> dict[str, Any]:
    """A ticket of 住建局 in handling, with a pending extension and an open supervision flag."""
    operator, housing, supervisor = (
        world.login("operator1"),
        world.login("unit_housing"),
        world.login("supervisor"),
    )
    ticket = create(operator, confidential=True)
    post_ok(operator, f"/api/tickets/{ticket['id']}/dispatch", {"unit_code": "housing"})
    post_ok(housing, f"/api/tickets/{ticket['id']}/sign")
    post_ok(housing, f"/api/tickets/{ticket['id']}/extension", {"working_days": 2, "reason": "r"})
    flag = post_ok(
        supervisor,
        f"/api/tickets/{ticket['id']}/supervise",
        {"note": "督办", "due_at": (world.clock.now() + timedelta(days=3)).isoformat()},
    )
    request_id = world.login("dispatcher").get("/api/worklists/extensions").json()[0]["id"]
    return {"id": ticket["id"], "request_id": request_id, "flag_id": flag["id"], "number": ticket["number"]}


def test_another_unit_can_neither_see_nor_change_the_ticket(
    world: World, housing_ticket: dict[str, Any]
) -> None:
    urban: TestClient = world.login("unit_urban")
    ticket_id = housing_ticket["id"]
    before = _state(world, ticket_id)
    routes = _ticket_routes(world)
    assert len(routes) >= 17, routes
    for method, template in routes:
        path = template.format(
            ticket_id=ticket_id, request_id=housing_ticket["request_id"], flag_id=housing_ticket["flag_id"]
        )
        body = BODIES.get(path.rsplit("/", 1)[-1]) if method != "GET" else None
        if method == "PATCH":
            body = {"title": "改掉标题"}
        response = urban.request(method, path, json=body)
        assert response.status_code in {403, 404}, f"{method} {path}: {response.status_code} {response.text}"
        assert "夜间施工" not in response.text and "13800138000" not in response.text
    page = urban.get(f"/tickets/{ticket_id}", headers={"accept": "text/html"})
    assert page.status_code in {403, 404} and "夜间施工" not in page.text
    assert _state(world, ticket_id) == before


def test_another_units_lists_feeds_and_figures_leave_the_ticket_out(
    world: World, housing_ticket: dict[str, Any]
) -> None:
    urban = world.login("unit_urban")
    world.clock.advance(timedelta(days=30))  # everything is red by now
    for params in ({}, {"unit": "housing"}, {"status": "handling"}, {"phone": "13800138000"}):
        assert urban.get("/api/tickets", params=params).json() == [], params
    assert urban.get("/api/worklists/due").json() == []
    housing = world.login("unit_housing")
    assert [d["number"] for d in housing.get("/api/worklists/due").json()] != []
    assert urban.get("/api/units/me/figures").json()["counts"]["created"] == 0


def test_the_assigned_unit_can_act_and_a_co_unit_only_on_its_share(world: World) -> None:
    operator, housing, urban = (
        world.login("operator1"),
        world.login("unit_housing"),
        world.login("unit_urban"),
    )
    ticket = create(operator)
    post_ok(
        operator,
        f"/api/tickets/{ticket['id']}/dispatch",
        {"unit_code": "housing", "co_unit_codes": ["urban"]},
    )
    assert urban.get(f"/api/tickets/{ticket['id']}").status_code == 200
    post_ok(urban, f"/api/tickets/{ticket['id']}/sign")  # its own share
    assert urban.post(f"/api/tickets/{ticket['id']}/return", json={"reason": "x"}).status_code == 403
    assert post_ok(housing, f"/api/tickets/{ticket['id']}/sign")["status"] == "handling"
