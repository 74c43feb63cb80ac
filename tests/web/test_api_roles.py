"""The ticket API through a call's whole life, per role, and the refusals each role meets."""

from datetime import timedelta
from typing import Any

import pytest

from tests.web.conftest import TestClient, World, create, post_ok


def test_a_ticket_lives_its_whole_life_through_the_api(any_world: World) -> None:
    world = any_world
    operator, unit, dispatcher = (
        world.login("operator1"),
        world.login("unit_housing"),
        world.login("dispatcher"),
    )
    created = operator.post(
        "/api/tickets",
        json={"title": "路灯不亮", "content": "小区门口路灯坏了一周", "caller_phone": "13900001111"},
    )
    assert created.status_code == 201
    assert len(created.json()["query_code"]) == 8
    ticket = created.json()["ticket"]
    assert ticket["status"] == "draft" and ticket["status_label"] == "待派单"
    dispatched = post_ok(
        operator,
        f"/api/tickets/{ticket['id']}/dispatch",
        {"unit_code": "housing", "co_unit_codes": ["urban"]},
    )
    assert dispatched["status"] == "dispatched" and dispatched["lead_unit_code"] == "housing"
    assert dispatched["stage"] == "sign" and dispatched["card"] == "none"
    inbox = unit.get("/api/tickets", params={"status": "dispatched"}).json()
    assert [t["id"] for t in inbox] == [ticket["id"]]
    world.clock.advance(timedelta(minutes=20))
    assert post_ok(unit, f"/api/tickets/{ticket['id']}/sign")["status"] == "handling"
    post_ok(unit, f"/api/tickets/{ticket['id']}/contact", {"note": "已电话联系"})
    post_ok(unit, f"/api/tickets/{ticket['id']}/extension", {"working_days": 2, "reason": "需采购配件"})
    pending = dispatcher.get("/api/worklists/extensions").json()
    assert [p["ticket"]["id"] for p in pending] == [ticket["id"]]
    post_ok(dispatcher, f"/api/extensions/{pending[0]['id']}/decision", {"approve": True})
    world.clock.advance(timedelta(days=1))
    assert post_ok(unit, f"/api/tickets/{ticket['id']}/reply", {"text": "已更换灯具"})["status"] == "replied"
    due = operator.get("/api/worklists/callbacks").json()
    assert [t["id"] for t in due] == [ticket["id"]]
    world.clock.advance(timedelta(hours=20))
    closed = post_ok(
        operator,
        f"/api/tickets/{ticket['id']}/callback",
        {"reached": True, "satisfaction": "satisfied", "solved": True},
    )
    assert closed["status"] == "closed" and closed["satisfaction"] == "satisfied"
    detail = operator.get(f"/api/tickets/{ticket['id']}").json()
    actions = [e["action"] for e in detail["events"]]
    assert actions[:3] == ["create", "dispatch", "sign"] and actions[-1] == "callback_satisfied"
    assert {a["unit_code"] for a in detail["assignments"]} == {"housing", "urban"}


def test_returns_are_adjudicated_by_the_dispatcher(world: World) -> None:
    operator, dispatcher = world.login("operator1"), world.login("dispatcher")
    housing, urban = world.login("unit_housing"), world.login("unit_urban")
    first = create(operator)
    post_ok(operator, f"/api/tickets/{first['id']}/dispatch", {"unit_code": "housing"})
    post_ok(
        housing,
        f"/api/tickets/{first['id']}/return",
        {"reason": "属城管职责", "suggested_unit_code": "urban"},
    )
    returns = dispatcher.get("/api/worklists/returns").json()
    assert returns[0]["suggested_unit_code"] == "urban" and returns[0]["reason"] == "属城管职责"
    moved = post_ok(dispatcher, f"/api/tickets/{first['id']}/redispatch", {"unit_code": "urban"})
    assert moved["lead_unit_code"] == "urban"
    assert post_ok(urban, f"/api/tickets/{first['id']}/sign")["status"] == "handling"
    second = create(operator)
    post_ok(operator, f"/api/tickets/{second['id']}/dispatch", {"unit_code": "housing"})
    post_ok(housing, f"/api/tickets/{second['id']}/return", {"reason": "不是我们的"})
    kept = post_ok(dispatcher, f"/api/tickets/{second['id']}/overrule-return", {"note": "属住建职责"})
    assert kept["status"] == "dispatched" and kept["lead_unit_code"] == "housing"


def test_merge_reject_close_on_spot_and_supervision(world: World) -> None:
    operator, supervisor = world.login("operator1"), world.login("supervisor")
    master, copy = create(operator), create(operator)
    merged = post_ok(operator, f"/api/tickets/{copy['id']}/merge", {"master_id": master["id"]})
    assert merged["status"] == "merged" and merged["master_id"] == master["id"]
    spam = create(operator, title="无声电话", content="来电无人说话")
    assert (
        post_ok(operator, f"/api/tickets/{spam['id']}/reject", {"reason": "no_content"})["status"]
        == "rejected"
    )
    question = create(operator, title="公积金怎么提取", content="想租房提取公积金")
    closed = post_ok(operator, f"/api/tickets/{question['id']}/close-on-spot", {"answer": "可在网厅办理"})
    assert closed["status"] == "closed"
    flag = post_ok(
        supervisor,
        f"/api/tickets/{master['id']}/supervise",
        {"note": "群众反映强烈，加快办理", "due_at": (world.clock.now() + timedelta(days=2)).isoformat()},
    )
    assert [f["id"] for f in supervisor.get("/api/worklists/supervisions").json()] == [flag["id"]]
    post_ok(supervisor, f"/api/supervisions/{flag['id']}/resolve", {"note": "已办"})
    assert supervisor.get("/api/worklists/supervisions").json() == []


def test_a_unit_sees_a_masked_number_when_the_caller_asked_for_confidentiality(world: World) -> None:
    operator, unit = world.login("operator1"), world.login("unit_housing")
    ticket = create(operator, confidential=True, caller_phone="13812345678")
    post_ok(operator, f"/api/tickets/{ticket['id']}/dispatch", {"unit_code": "housing"})
    assert unit.get(f"/api/tickets/{ticket['id']}").json()["caller_phone"] == "138****5678"
    assert operator.get(f"/api/tickets/{ticket['id']}").json()["caller_phone"] == "13812345678"
    assert "13812345678" not in unit.get(f"/tickets/{ticket['id']}").text
    open_ticket = create(operator, caller_phone="13812349999")
    post_ok(operator, f"/api/tickets/{open_ticket['id']}/dispatch", {"unit_code": "housing"})
    assert unit.get(f"/api/tickets/{open_ticket['id']}").json()["caller_phone"] == "13812349999"


REFUSED: list[tuple[str, str, str, dict[str, Any] | None]] = [
    ("unit_housing", "POST", "/api/tickets", {"title": "t", "content": "c"}),
    ("supervisor", "POST", "/api/tickets", {"title": "t", "content": "c"}),
    ("admin", "POST", "/api/tickets", {"title": "t", "content": "c"}),
    ("operator1", "POST", "/api/tickets/{id}/sign", None),
    ("dispatcher", "POST", "/api/tickets/{id}/reply", {"text": "x"}),
    ("supervisor", "POST", "/api/tickets/{id}/dispatch", {"unit_code": "housing"}),
    ("unit_housing", "POST", "/api/tickets/{id}/dispatch", {"unit_code": "housing"}),
    ("operator1", "POST", "/api/tickets/{id}/supervise", {"note": "n", "due_at": "2030-01-01T00:00:00Z"}),
    ("operator1", "GET", "/api/worklists/returns", None),
    ("unit_housing", "GET", "/api/worklists/callbacks", None),
    ("unit_housing", "GET", "/api/reports/period", None),
    ("operator1", "GET", "/api/reports/export.xlsx", None),
    ("operator1", "GET", "/api/wallboard", None),
    ("unit_housing", "GET", "/api/seats", None),
    ("dispatcher", "GET", "/api/units/me/figures", None),
    ("unit_housing", "GET", "/api/knowledge", None),
    ("unit_housing", "POST", "/api/assist/suggest", {"text": "x"}),
]


@pytest.mark.parametrize(("username", "method", "path", "body"), REFUSED)
def test_each_role_is_refused_what_is_not_its_job(
    world: World, username: str, method: str, path: str, body: dict[str, Any] | None
) -> None:
    operator = world.login("operator1")
    ticket = create(operator)
    client = world.login(username)
    response = client.request(method, path.format(id=ticket["id"]), json=body)
    assert response.status_code == 403, response.text


def test_lifecycle_errors_map_to_http_statuses(world: World) -> None:
    operator, unit = world.login("operator1"), world.login("unit_housing")
    ticket = create(operator)
    assert operator.get("/api/tickets/999999").status_code == 404
    bad_unit = operator.post(f"/api/tickets/{ticket['id']}/dispatch", json={"unit_code": "nope"})
    assert bad_unit.status_code == 422 and bad_unit.json()["error"] == "InvalidInput"
    post_ok(operator, f"/api/tickets/{ticket['id']}/dispatch", {"unit_code": "housing"})
    twice = operator.post(f"/api/tickets/{ticket['id']}/dispatch", json={"unit_code": "housing"})
    assert twice.status_code == 409 and twice.json()["error"] == "InvalidTransition"
    post_ok(unit, f"/api/tickets/{ticket['id']}/sign")
    assert unit.post(f"/api/tickets/{ticket['id']}/sign").status_code == 409
    assert operator.post("/api/tickets", json={"title": " ", "content": "c"}).status_code == 422


def test_every_api_endpoint_is_typed_in_the_openapi(world: World) -> None:
    schema = world.client.get("/openapi.json").json()
    untyped = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            success = [code for code in operation["responses"] if code.startswith("2")]
            content = operation["responses"][success[0]].get("content", {}) if success else {}
            if not content or content.get("application/json", {}).get("schema") == {}:
                untyped.append(f"{method.upper()} {path}")
    assert untyped == []
    assert "/api/tickets/{ticket_id}/dispatch" in schema["paths"]
    assert "/open311/v2/requests.json" in schema["paths"]


def test_reference_data_and_me(world: World) -> None:
    unit = world.login("unit_housing")
    me = unit.get("/api/me").json()
    assert (me["role"], me["unit_code"], me["role_label"]) == ("unit", "housing", "成员单位")
    assert any(u["code"] == "housing" for u in unit.get("/api/units").json())
    assert any(c["code"] == "urban.property" for c in unit.get("/api/categories").json())


def test_knowledge_and_suggestions_for_the_operator(world: World) -> None:
    operator: TestClient = world.login("operator1")
    found = operator.get("/api/knowledge", params={"q": "公积金"}).json()
    assert found and "公积金" in found[0]["title"]
    fire = operator.post("/api/assist/suggest", json={"text": "楼下着火了，浓烟很大，有人被困"}).json()
    assert fire["emergency"]["transfer_to"] == "119"
    first = create(operator, title="龙须塘小区夜间施工噪音", content="龙须塘某小区晚上施工噪音很大")
    similar = operator.post(
        "/api/assist/duplicates",
        json={"text": "龙须塘小区夜间施工噪音很大，晚上睡不着", "district": "双清区"},
    ).json()
    assert [d["ticket"]["id"] for d in similar][:1] == [first["id"]]
