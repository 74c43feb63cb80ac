"""时限规则: the admin's policy API, its audit entries, the preview, and the limits new tickets get."""

from datetime import datetime, timedelta
from typing import Any

from hotline.enums import LimitUnit
from hotline.sla.service import load_calendar
from tests.web.conftest import TestClient, World, create


def _policies(admin: TestClient) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = admin.get("/api/admin/policies").json()["policies"]
    return rows


def _named(admin: TestClient, name: str) -> dict[str, Any]:
    return next(p for p in _policies(admin) if p["name"] == name)


def _body(policy: dict[str, Any], **changes: Any) -> dict[str, Any]:
    keys = ["name", "priority", "nature", "urgency", "channel", "utility", "complex"]
    keys += ["sign_amount", "sign_unit", "handle_amount", "handle_unit", "active"]
    return {k: policy[k] for k in keys} | changes


def _audit(admin: TestClient, action: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = admin.get("/api/admin/audit", params={"action": action}).json()["entries"]
    return entries


def _dispatched(world: World, operator: TestClient, **ticket: Any) -> dict[str, Any]:
    made = create(operator, **ticket)
    response = operator.post(f"/api/tickets/{made['id']}/dispatch", json={"unit_code": "housing"})
    assert response.status_code == 200, response.text
    detail: dict[str, Any] = operator.get(f"/api/tickets/{made['id']}").json()
    return detail


def _working_days(world: World, days: int) -> datetime:
    with world.session() as session:
        return load_calendar(session).add(world.clock.now(), days, LimitUnit.WORKING_DAYS)


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def test_only_the_admin_edits_policies(world: World) -> None:
    normal = _named(world.login("admin"), "一般")
    for username in ("operator1", "dispatcher", "supervisor", "unit_housing"):
        client = world.login(username)
        assert client.get("/api/admin/policies").status_code == 403, username
        assert client.get("/api/admin/policies/preview").status_code == 403
        assert client.post("/api/admin/policies", json=_body(normal, name="新规则")).status_code == 403
        assert client.put(f"/api/admin/policies/{normal['id']}", json=_body(normal)).status_code == 403
        assert client.delete(f"/api/admin/policies/{normal['id']}").status_code == 403
    assert _named(world.login("admin"), "一般")["handle_amount"] == 7


def test_listed_in_priority_order_with_chinese_labels(any_world: World) -> None:
    rows = _policies(any_world.login("admin"))
    priorities = [p["priority"] for p in rows]
    assert priorities == sorted(priorities, reverse=True)
    first, last = rows[0], rows[-1]
    assert first["criteria_label"] == "特急" and first["sign_label"] == "15 分钟"
    assert first["handle_label"] == "2 小时"
    assert last["criteria_label"] == "不限（兜底）" and last["handle_label"] == "7 个工作日"
    utility = next(p for p in rows if p["name"] == "紧急：水电气暖")
    assert utility["criteria_label"] == "紧急 · 水电气暖"


def test_an_edit_gives_new_tickets_the_new_limit(any_world: World) -> None:
    admin, operator = any_world.login("admin"), any_world.login("operator1")
    before = _dispatched(any_world, operator)
    assert _at(before["handle_due_at"]) == _working_days(any_world, 7)
    normal = _named(admin, "一般")
    changed = admin.put(f"/api/admin/policies/{normal['id']}", json=_body(normal, handle_amount=10))
    assert changed.status_code == 200, changed.text
    assert changed.json()["handle_label"] == "10 个工作日"
    after = _dispatched(any_world, operator, title="又一件")
    assert _at(after["handle_due_at"]) == _working_days(any_world, 10)
    kept = operator.get(f"/api/tickets/{before['id']}").json()
    assert kept["handle_due_at"] == before["handle_due_at"]  # a ticket dispatched earlier keeps its limit
    (entry,) = _audit(admin, "policy.update")
    assert entry["target_label"] == "一般" and entry["changed"] == ["handle_amount"]
    assert entry["before"]["handle_amount"] == 7 and entry["after"]["handle_amount"] == 10


def test_create_preview_deactivate_delete(world: World) -> None:
    admin, operator = world.login("admin"), world.login("operator1")
    facts = {"nature": "praise", "urgency": "normal", "channel": "phone"}
    assert admin.get("/api/admin/policies/preview", params=facts).json()["name"] == "一般"
    normal = _named(admin, "一般")
    body = _body(normal, name="表扬件", priority=30, nature="praise", handle_amount=3, handle_unit="hours")
    created = admin.post("/api/admin/policies", json=body)
    assert created.status_code == 201, created.text
    new = created.json()
    assert new["criteria_label"] == "表扬" and new["handle_label"] == "3 小时"
    preview = admin.get("/api/admin/policies/preview", params=facts).json()
    assert preview["name"] == "表扬件" and preview["id"] == new["id"]
    praised = _dispatched(world, operator, nature="praise", title="表扬社区工作人员")
    assert _at(praised["handle_due_at"]) == world.clock.now() + timedelta(hours=3)
    (made,) = _audit(admin, "policy.create")
    assert made["before"] is None and made["after"]["nature"] == "praise"

    off = admin.put(f"/api/admin/policies/{new['id']}", json=_body(new, active=False))
    assert off.status_code == 200 and off.json()["active"] is False
    assert admin.get("/api/admin/policies/preview", params=facts).json()["name"] == "一般"
    assert _audit(admin, "policy.update")[0]["changed"] == ["active"]

    gone = admin.delete(f"/api/admin/policies/{new['id']}")
    assert gone.status_code == 200 and gone.json()["name"] == "表扬件"
    assert "表扬件" not in [p["name"] for p in _policies(admin)]
    (deleted,) = _audit(admin, "policy.delete")
    assert deleted["before"]["name"] == "表扬件" and deleted["after"] is None
    assert admin.delete(f"/api/admin/policies/{new['id']}").status_code == 404


def test_the_preview_follows_the_criteria(world: World) -> None:
    admin = world.login("admin")
    preview = admin.get("/api/admin/policies/preview", params={"urgency": "critical"}).json()
    assert preview["name"].startswith("特急")
    utility = admin.get("/api/admin/policies/preview", params={"utility": "true"}).json()
    assert utility["name"] == "水电气暖" and utility["sign_label"] == "30 分钟"
    complex_ = admin.get("/api/admin/policies/preview", params={"complex": "true"}).json()
    assert complex_["handle_label"] == "15 个工作日"
    bad = admin.get("/api/admin/policies/preview", params={"nature": "nonsense"})
    assert bad.status_code == 422 and "应为其中之一" in bad.json()["detail"]


def test_bad_input_is_refused_in_chinese(world: World) -> None:
    admin = world.login("admin")
    normal = _named(admin, "一般")
    at_normal = f"/api/admin/policies/{normal['id']}"
    cases = [
        ("post", "/api/admin/policies", _body(normal, name="零时限", sign_amount=0), 422, "不能小于 1"),
        ("post", "/api/admin/policies", _body(normal, name="新", handle_amount=-3), 422, "不能小于 1"),
        ("post", "/api/admin/policies", _body(normal, name="疑难复杂"), 409, "已有名为「疑难复杂」"),
        ("post", "/api/admin/policies", _body(normal, name="  "), 422, "规则名称不能为空"),
        ("post", "/api/admin/policies", _body(normal, name="坏单位", sign_unit="weeks"), 422, "应为其中之一"),
        ("put", at_normal, _body(normal, name="咨询"), 409, "已有名为「咨询」"),
        ("put", at_normal, _body(normal, active=False), 409, "兜底规则"),
        ("put", at_normal, _body(normal, nature="help"), 409, "兜底规则"),
        ("put", "/api/admin/policies/999999", _body(normal), 404, "不存在"),
    ]
    for method, path, body, status, words in cases:
        response = getattr(admin, method)(path, json=body)
        assert response.status_code == status, (body, response.text)
        assert words in response.json()["detail"], (body, response.json())
    refused = admin.delete(at_normal)
    assert refused.status_code == 409 and "兜底规则" in refused.json()["detail"]
    assert _named(admin, "一般") == normal
    assert _audit(admin, "policy.") == []
