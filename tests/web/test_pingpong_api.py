"""来回推诿 over the API: a return that would send a ticket back is flagged; the desk and reports list it."""

from tests.web.conftest import World, create, post_ok


def test_a_ticket_bounced_between_two_units_is_flagged_listed_and_counted(any_world: World) -> None:
    world = any_world
    dispatcher = world.login("dispatcher")
    housing, urban = world.login("unit_housing"), world.login("unit_urban")
    ticket = create(world.login("operator1"), title="小区门口占道经营")
    tid = ticket["id"]
    post_ok(dispatcher, f"/api/tickets/{tid}/dispatch", {"unit_code": "housing"})
    post_ok(
        housing, f"/api/tickets/{tid}/return", {"reason": "占道经营归城管", "suggested_unit_code": "urban"}
    )
    first = dispatcher.get("/api/worklists/returns").json()
    assert [r["back_to_suggested"] for r in first] == [False] and first[0]["chain"] == ["住建局"]
    post_ok(dispatcher, f"/api/tickets/{tid}/redispatch", {"unit_code": "urban"})
    post_ok(
        urban,
        f"/api/tickets/{tid}/return",
        {"reason": "是小区内部物业问题", "suggested_unit_code": "housing"},
    )
    (second,) = dispatcher.get("/api/worklists/returns").json()
    assert second["chain"] == ["住建局", "城管局"] and second["back_to_suggested"] is True
    assert dispatcher.get("/api/worklists/ping-pong").json() == []  # not yet: it has not gone back
    post_ok(dispatcher, f"/api/tickets/{tid}/redispatch", {"unit_code": "housing"})
    (bounced,) = dispatcher.get("/api/worklists/ping-pong").json()
    assert bounced["ticket"]["number"] == ticket["number"]
    assert bounced["chain"] == ["住建局", "城管局", "住建局"]
    assert sorted(bounced["pairs"][0]) == sorted(["住建局", "城管局"])
    (pair,) = world.login("supervisor").get("/api/reports/ping-pong").json()
    assert {pair["unit_a"], pair["unit_b"]} == {"住建局", "城管局"} and pair["tickets"] == 1
    # the units themselves and the operators do not read the dispatcher's lists
    for client in (housing, world.login("operator1")):
        assert client.get("/api/worklists/ping-pong").status_code == 403
        assert client.get("/api/reports/ping-pong").status_code == 403
