"""坐席: the admin's seat list, and the audit entries of setting a seat up and assigning it."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import World

CJK_SEAT = {"code": "2001", "interface": "PJSIP/2001", "name": "专家坐席"}


def entries(admin: TestClient, action: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = admin.get("/api/admin/audit", params={"action": action}).json()["entries"]
    return found


def test_only_the_admin_lists_seats_with_their_phones(world: World) -> None:
    for username in ("operator1", "dispatcher", "supervisor", "unit_urban"):
        assert world.login(username).get("/api/admin/seats").status_code == 403, username
    rows = {r["code"]: r for r in world.login("admin").get("/api/admin/seats").json()}
    assert set(rows) == {"1001", "1002", "1003"}
    first = rows["1001"]
    assert first["interface"] == "Local/1001@agents" and first["operator_username"] == "operator1"
    assert first["operator_name"] == "话务员 李艳" and first["state_label"] == "离线"


def test_setting_up_a_seat_is_audited(any_world: World) -> None:
    admin = any_world.login("admin")
    added = admin.post("/api/seats", json=CJK_SEAT)
    assert added.status_code == 201, added.text
    (entry,) = entries(admin, "seat.create")
    assert (entry["target_kind"], entry["target_id"], entry["target_label"]) == ("seat", "2001", "专家坐席")
    assert entry["before"] is None
    assert entry["after"]["interface"] == "PJSIP/2001" and entry["after"]["user_id"] is None
    assert "state" not in entry["after"]  # the phone system's, not the admin's
    refused = admin.post("/api/seats", json=CJK_SEAT)
    assert refused.status_code == 409 and "已存在" in refused.json()["detail"]
    assert len(entries(admin, "seat.create")) == 1


def test_an_assignment_records_the_operator_before_and_after(any_world: World) -> None:
    admin = any_world.login("admin")
    assert admin.post("/api/seats", json=CJK_SEAT).status_code == 201
    moved = admin.put("/api/seats/2001/operator", json={"username": "operator3"})
    assert moved.status_code == 200, moved.text
    # operator3 sat at 1003: the service frees it (one seat each), and both seats are audited
    new, old = sorted(entries(admin, "seat.assign"), key=lambda e: e["target_id"], reverse=True)
    assert (new["target_id"], new["before"], new["after"]) == (
        "2001",
        {"operator": None},
        {"operator": "operator3"},
    )
    assert (old["target_id"], old["before"], old["after"]) == (
        "1003",
        {"operator": "operator3"},
        {"operator": None},
    )
    assert "1003" not in new["note"] and "2001" in old["note"]
    rows = {r["code"]: r for r in admin.get("/api/admin/seats").json()}
    assert (rows["2001"]["operator_username"], rows["1003"]["operator_username"]) == ("operator3", None)
    freed = admin.put("/api/seats/2001/operator", json={"username": None})
    assert freed.status_code == 200
    latest = entries(admin, "seat.assign")[0]
    assert (latest["before"], latest["after"]) == ({"operator": "operator3"}, {"operator": None})


@pytest.mark.parametrize(
    ("username", "status", "detail"),
    [
        ("dispatcher", 422, "只有话务员可以分配坐席"),
        ("unit_urban", 422, "不是话务员"),
        ("nobody", 404, "没有用户名为「nobody」的账号"),
    ],
)
def test_a_refused_assignment_writes_nothing(world: World, username: str, status: int, detail: str) -> None:
    admin = world.login("admin")
    response = admin.put("/api/seats/1002/operator", json={"username": username})
    assert response.status_code == status and detail in response.json()["detail"]
    assert entries(admin, "seat.assign") == []
    rows = {r["code"]: r for r in admin.get("/api/admin/seats").json()}
    assert rows["1002"]["operator_username"] == "operator2"
