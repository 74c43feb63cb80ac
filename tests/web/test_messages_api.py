"""The API's refusals: a stable English ``error`` code for programs, a Chinese ``detail`` for people.

Illegal lifecycle moves, bad input (the core's checks and the schema's), a missing CSRF token, no
session, an unknown role's page; and the timeline's ``action_label``.
"""

from typing import Any

from fastapi.testclient import TestClient

from hotline.names import ACTION, FIELD
from tests.english import english_words
from tests.web.conftest import World, create, post_ok


def _refused(response: Any, status: int, error: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error, body
    assert english_words(body["detail"]) == [], body["detail"]
    return str(body["detail"])


def test_an_illegal_move_names_status_role_and_action_in_chinese(world: World) -> None:
    operator, unit = world.login("operator1"), world.login("unit_housing")
    ticket = create(operator)
    # a draft cannot be signed: the unit has nothing to sign yet
    detail = _refused(unit.post(f"/api/tickets/{ticket['id']}/sign"), 403, "PermissionDenied")
    assert detail == "该工单未派给本单位"
    post_ok(operator, f"/api/tickets/{ticket['id']}/dispatch", {"unit_code": "housing"})
    refused = operator.post(f"/api/tickets/{ticket['id']}/close-on-spot", json={"answer": "已当场答复"})
    detail = _refused(refused, 409, "InvalidTransition")
    assert detail == "当前状态为待签收，话务员不能即问即答办结（只有待派单的工单可以）"
    refused = unit.post(f"/api/tickets/{ticket['id']}/reply", json={"text": "已处理"})
    assert _refused(refused, 409, "InvalidTransition").startswith("当前状态为待签收，成员单位不能答复")


def test_the_core_refuses_bad_text_naming_the_field_in_chinese(world: World) -> None:
    operator = world.login("operator1")
    refused = operator.post("/api/tickets", json={"title": "  ", "content": "路灯坏了", "caller_phone": ""})
    assert _refused(refused, 422, "InvalidInput") == "标题不能为空"
    refused = operator.post(
        "/api/tickets", json={"title": "路灯", "content": "坏了", "caller_phone": "12a45"}
    )
    assert _refused(refused, 422, "InvalidInput") == "来电号码“12a45”不是电话号码"


def test_the_schema_refuses_naming_the_field_in_chinese(world: World) -> None:
    operator = world.login("operator1")
    refused = operator.post("/api/tickets", json={"content": "路灯坏了"})
    detail = _refused(refused, 422, "ValidationError")
    assert detail == "请求有误：标题必填"
    assert refused.json()["fields"] == [{"loc": "body.title", "message": "必填"}]  # the code for programs
    ticket = create(operator)
    refused = operator.post(f"/api/tickets/{ticket['id']}/dispatch", json={"unit_code": "housing", "note": 5})
    assert _refused(refused, 422, "ValidationError") == "请求有误：说明应为文字"


def test_sessions_csrf_and_roles_are_refused_in_chinese(world: World) -> None:
    stranger = TestClient(world.app)
    assert _refused(stranger.get("/api/tickets"), 401, "NotAuthenticated") == "请先登录"
    operator = world.login("operator1")
    del operator.headers["X-CSRF-Token"]
    refused = operator.post("/api/tickets", json={"title": "路灯", "content": "坏了"})
    assert "页面安全校验失败" in _refused(refused, 403, "CsrfRejected")
    unit = world.login("unit_housing")
    refused = unit.post("/api/tickets", json={"title": "路灯", "content": "坏了"})
    assert _refused(refused, 403, "PermissionDenied").startswith("此操作仅限")


def test_the_timeline_carries_chinese_labels_beside_the_codes(world: World) -> None:
    operator = world.login("operator1")
    ticket = create(operator)
    post_ok(operator, f"/api/tickets/{ticket['id']}/dispatch", {"unit_code": "housing"})
    events = operator.get(f"/api/tickets/{ticket['id']}").json()["events"]
    assert [(e["action"], e["action_label"]) for e in events] == [("create", "登记"), ("dispatch", "派单")]
    assert {e["actor_role_label"] for e in events} == {"话务员"}


def test_every_action_and_api_field_has_a_chinese_name(world: World) -> None:
    assert all(not english_words(name) for name in ACTION.values())
    spec = world.app.openapi()
    schemas = spec["components"]["schemas"]
    fields: set[str] = set()
    for operations in spec["paths"].values():
        for operation in operations.values():
            fields |= {p["name"] for p in operation.get("parameters", [])}
            for content in operation.get("requestBody", {}).get("content", {}).values():
                ref = content["schema"].get("$ref", "")
                fields |= set(schemas.get(ref.rsplit("/", 1)[-1], {}).get("properties", {}))
    unnamed = sorted(fields - set(FIELD))
    assert unnamed == [], f"fields a 422 would name in English: {unnamed}"
