"""The desk's ticket search: number, keyword, unit and created range each narrow what comes back."""

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.web.conftest import World, create, post_ok


def numbers(client: TestClient, **params: Any) -> set[str]:
    response = client.get("/api/tickets", params=params)
    assert response.status_code == 200, response.text
    return {t["number"] for t in response.json()}


def three_tickets(world: World) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Noise (housing, day 0), a pothole (urban, day 1), a water cut (not dispatched, day 2)."""
    operator = world.login("operator1")
    noise = create(operator)
    post_ok(operator, f"/api/tickets/{noise['id']}/dispatch", {"unit_code": "housing"})
    world.clock.advance(timedelta(days=1))
    pothole = create(operator, title="路面坑洼", content="某路口有个大坑，电动车摔倒过两次。")
    post_ok(operator, f"/api/tickets/{pothole['id']}/dispatch", {"unit_code": "urban"})
    world.clock.advance(timedelta(days=1))
    water = create(operator, title="突然停水", content="整栋楼没有水，也没看到停水通知，百分之百_影响做饭。")
    return noise, pothole, water


def test_each_filter_narrows_the_search(any_world: World) -> None:
    noise, pothole, water = three_tickets(any_world)
    dispatcher = any_world.login("dispatcher")
    everything = {noise["number"], pothole["number"], water["number"]}
    assert numbers(dispatcher) >= everything

    assert numbers(dispatcher, number=pothole["number"]) == {pothole["number"]}
    assert numbers(dispatcher, number=f"  {water['number']} ") == {water["number"]}
    assert numbers(dispatcher, number=pothole["number"][:-1]) == set()  # exact, not a prefix

    assert numbers(dispatcher, q="坑洼") == {pothole["number"]}  # in the title
    assert numbers(dispatcher, q="停水通知") == {water["number"]}  # in the content only
    assert numbers(dispatcher, q="不存在的词") & everything == set()

    assert numbers(dispatcher, unit="urban") & everything == {pothole["number"]}
    assert numbers(dispatcher, unit="housing") & everything == {noise["number"]}

    start = any_world.clock.now() - timedelta(days=2)
    day = timedelta(days=1)
    in_day_1 = {"created_from": (start + day).isoformat(), "created_before": (start + 2 * day).isoformat()}
    assert numbers(dispatcher, **in_day_1) & everything == {pothole["number"]}
    assert numbers(dispatcher, created_from=(start + day).isoformat()) & everything == {
        pothole["number"],
        water["number"],
    }
    assert numbers(dispatcher, created_before=(start + day).isoformat()) & everything == {noise["number"]}

    both = numbers(dispatcher, q="噪音", unit="urban")  # filters combine
    assert both & everything == set()


def test_keyword_wildcards_are_literal(any_world: World) -> None:
    _, _, water = three_tickets(any_world)
    dispatcher = any_world.login("dispatcher")
    assert numbers(dispatcher, q="百分之百_") == {water["number"]}
    assert numbers(dispatcher, q="%") == set()
    assert numbers(dispatcher, q="坑_") == set()  # _ is not "any character"


def test_a_unit_searching_stays_in_its_inbox(any_world: World) -> None:
    noise, pothole, _ = three_tickets(any_world)
    unit = any_world.login("unit_housing")
    assert numbers(unit, number=pothole["number"]) == set()
    assert numbers(unit, q="噪音") == {noise["number"]}


def test_a_date_without_a_timezone_is_refused_in_chinese(world: World) -> None:
    response = world.login("dispatcher").get("/api/tickets", params={"created_from": "2026-12-01T00:00:00"})
    assert response.status_code == 422
    assert "应带时区" in response.text


def test_the_supervision_worklist_names_every_open_flags_ticket(any_world: World) -> None:
    operator, supervisor = any_world.login("operator1"), any_world.login("supervisor")
    old = create(operator, title="最早的工单")
    for _ in range(3):
        create(operator)
    due = (any_world.clock.now() + timedelta(days=2)).isoformat()
    flag = post_ok(supervisor, f"/api/tickets/{old['id']}/supervise", {"note": "加快办理", "due_at": due})
    assert flag["ticket_number"] == old["number"]
    listed = supervisor.get("/api/worklists/supervisions").json()
    assert [(f["id"], f["ticket_number"]) for f in listed] == [(flag["id"], old["number"])]
    detail = supervisor.get(f"/api/tickets/{old['id']}").json()
    assert [s["ticket_number"] for s in detail["supervisions"]] == [old["number"]]
