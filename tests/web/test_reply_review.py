"""答非所问 over the API: a stock reply waits for the unit to confirm it, then for the dispatcher's review."""

from tests.web.conftest import World, create, post_ok

STOCK = "您反映的问题已收悉，我单位高度重视，将认真研究，积极协调相关部门妥善处理，感谢您的支持。"
CONCRETE = (
    "经现场核查，12号楼楼道3盏灯因线路老化损坏，已于今日更换全部灯具和线路，照明已恢复，并电话告知来电人。"
)


def _handling(world: World, title: str, **overrides: object) -> int:
    ticket = create(world.login("operator1"), title=title, **overrides)
    post_ok(world.login("dispatcher"), f"/api/tickets/{ticket['id']}/dispatch", {"unit_code": "housing"})
    post_ok(world.login("unit_housing"), f"/api/tickets/{ticket['id']}/sign")
    return int(ticket["id"])


def test_a_stock_reply_needs_confirming_and_is_then_reviewed(any_world: World) -> None:
    world = any_world
    unit = world.login("unit_housing")
    tid = _handling(world, "楼道灯坏了")
    refused = unit.post(f"/api/tickets/{tid}/reply", json={"text": STOCK})
    assert refused.status_code == 409
    body = refused.json()
    assert body["error"] == "ReplyNeedsConfirmation" and "多为套话" in body["detail"]
    assert unit.get(f"/api/tickets/{tid}").json()["status"] == "handling"  # nothing was recorded
    accepted = post_ok(unit, f"/api/tickets/{tid}/reply", {"text": STOCK, "confirm_low_quality": True})
    assert accepted["status"] == "replied"
    dispatcher = world.login("dispatcher")
    (flagged,) = dispatcher.get("/api/worklists/reply-review").json()
    assert flagged["ticket"]["id"] == tid and flagged["reply_text"] == STOCK
    assert "多为套话" in flagged["issues"] and flagged["score"] < 0.5
    assert unit.get("/api/worklists/reply-review").status_code == 403


def test_a_concrete_reply_goes_straight_in_and_is_not_listed(world: World) -> None:
    unit = world.login("unit_housing")
    tid = _handling(world, "楼道灯坏了")
    assert post_ok(unit, f"/api/tickets/{tid}/reply", {"text": CONCRETE})["status"] == "replied"
    assert world.login("dispatcher").get("/api/worklists/reply-review").json() == []


def test_a_flagged_reply_whose_caller_declined_a_callback_is_closed_by_the_dispatcher(world: World) -> None:
    unit = world.login("unit_housing")
    tid = _handling(world, "楼道灯坏了", consent_callback=False)
    post_ok(unit, f"/api/tickets/{tid}/reply", {"text": STOCK, "confirm_low_quality": True})
    dispatcher = world.login("dispatcher")
    (flagged,) = dispatcher.get("/api/worklists/reply-review").json()
    assert flagged["ticket"]["consent_callback"] is False
    assert world.login("operator1").get("/api/worklists/callbacks").json() == []
    assert unit.post(f"/api/tickets/{tid}/close-without-callback", json={}).status_code == 403
    closed = post_ok(dispatcher, f"/api/tickets/{tid}/close-without-callback")
    assert closed["status"] == "closed"
    again = dispatcher.post(f"/api/tickets/{tid}/close-without-callback", json={})
    assert again.status_code == 409 and again.json()["error"] == "InvalidTransition"
    assert dispatcher.get("/api/worklists/reply-review").json() == []
