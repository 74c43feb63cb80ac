"""A unit's 已退单 list: the tickets it returned, though a return ends its assignment."""

from tests.web.conftest import World, create, post_ok


def _numbers(world: World, username: str, query: str) -> list[str]:
    response = world.login(username).get("/api/tickets?" + query)
    assert response.status_code == 200, response.text
    return [t["number"] for t in response.json()]


def test_a_unit_lists_the_tickets_it_returned_wherever_they_are_now(any_world: World) -> None:
    world = any_world
    operator, housing = world.login("operator1"), world.login("unit_housing")
    kept, returned = create(operator), create(operator)
    for ticket in (kept, returned):
        post_ok(operator, f"/api/tickets/{ticket['id']}/dispatch", {"unit_code": "housing"})
    post_ok(
        housing,
        f"/api/tickets/{returned['id']}/return",
        {"reason": "不属本单位职责", "suggested_unit_code": "urban"},
    )

    assert _numbers(world, "unit_housing", "returned=true") == [returned["number"]]
    # the inbox by status never held it: the return ended the unit's assignment
    assert _numbers(world, "unit_housing", "status=returned") == []
    # sent on to 城管局, it stays in 住建局's list and is not 城管局's return
    post_ok(world.login("dispatcher"), f"/api/tickets/{returned['id']}/redispatch", {"unit_code": "urban"})
    assert _numbers(world, "unit_housing", "returned=true") == [returned["number"]]
    assert _numbers(world, "unit_urban", "returned=true") == []
    assert returned["number"] in _numbers(world, "unit_urban", "status=dispatched")
    # a unit asking for another unit's returns still gets only its own
    assert _numbers(world, "unit_urban", "returned=true&unit=housing") == []
