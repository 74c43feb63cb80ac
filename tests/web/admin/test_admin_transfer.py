"""转接目标: the admin's list of transfer lines, what the seat reads, and the transfer dialling a
picked name's extension."""

from typing import Any

from hotline.seed.service import seed
from tests.web.conftest import TestClient, World, post_ok, ring_and_answer
from tests.web.test_seat_calls_api import with_phone

SEEDED = [
    ("报警", "110", "emergency"),
    ("火警", "119", "emergency"),
    ("急救", "120", "emergency"),
    ("交通事故", "122", "emergency"),
    ("人社", "2001", "expert"),
    ("医保", "2002", "expert"),
    ("法律服务", "2003", "expert"),
    ("政企通", "2004", "expert"),
]


def targets(client: TestClient, path: str = "/api/transfer-targets") -> list[dict[str, Any]]:
    response = client.get(path)
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows


def add(admin: TestClient, **body: Any) -> dict[str, Any]:
    response = admin.post("/api/admin/transfer-targets", json=body)
    assert response.status_code == 201, response.text
    row: dict[str, Any] = response.json()
    return row


def test_the_seed_has_the_emergency_lines_and_expert_desks(any_world: World) -> None:
    rows = targets(any_world.login("operator1"))
    assert [(r["name"], r["extension"], r["kind"]) for r in rows] == SEEDED
    assert rows[0]["kind_label"] == "紧急电话" and rows[4]["kind_label"] == "专家坐席"


def test_add_edit_deactivate_delete_and_the_seat_sees_it(any_world: World) -> None:
    world = any_world
    admin, operator = world.login("admin"), world.login("operator1")
    row = add(admin, name="住建专席", extension="2005", kind="unit", sort_order=1)
    assert row["kind_label"] == "单位" and row["active"]
    assert targets(operator)[-1]["name"] == "住建专席"
    # Edited into an expert desk, first of its kind (kinds first, then the sort order).
    path = f"/api/admin/transfer-targets/{row['id']}"
    changed = admin.patch(path, json={"kind": "expert", "sort_order": 0})
    assert changed.status_code == 200, changed.text
    assert [r["name"] for r in targets(operator)][4] == "住建专席"
    # Deactivated: gone from the seat, kept for the admin.
    off = admin.patch(f"/api/admin/transfer-targets/{row['id']}", json={"active": False})
    assert off.status_code == 200 and not off.json()["active"]
    assert "住建专席" not in [r["name"] for r in targets(operator)]
    everything = targets(admin, "/api/admin/transfer-targets")
    assert any(r["name"] == "住建专席" and not r["active"] for r in everything)
    # Deleted.
    gone = admin.delete(f"/api/admin/transfer-targets/{row['id']}")
    assert gone.status_code == 200 and gone.json()["name"] == "住建专席"
    assert len(targets(admin, "/api/admin/transfer-targets")) == len(SEEDED)
    assert admin.delete(f"/api/admin/transfer-targets/{row['id']}").status_code == 404
    # Each change is in the audit trail with the values before and after.
    entries = admin.get("/api/admin/audit", params={"action": "transfer."}).json()["entries"]
    assert [e["action"] for e in entries] == [
        "transfer.delete",
        "transfer.update",
        "transfer.update",
        "transfer.create",
    ]
    delete, deactivate, edit, create = entries
    assert create["after"]["extension"] == "2005" and create["target_label"] == "住建专席 2005"
    assert edit["changed"] == ["kind", "sort_order"] and edit["before"]["kind"] == "unit"
    assert deactivate["changed"] == ["active"]
    assert delete["before"]["name"] == "住建专席" and delete["after"] is None


def test_bad_targets_are_refused_in_chinese(world: World) -> None:
    admin = world.login("admin")
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"name": "人社", "extension": "2009"}, 409, "已有名为「人社」"),
        ({"name": "新专席", "extension": "20-01"}, 422, "号码格式不符合要求"),
        ({"name": "新专席", "extension": ""}, 422, "号码至少 1 个字符"),
        ({"name": "  ", "extension": "2009"}, 422, "请填写名称"),
        ({"name": "2009", "extension": "2009"}, 422, "名称不能是纯号码"),
        ({"name": "新专席", "extension": "2009", "kind": "police"}, 422, "类型应为其中之一"),
        ({"name": "新专席", "extension": "2009", "sort_order": 10000}, 422, "排序不能大于 9999"),
        ({"extension": "2009"}, 422, "名称必填"),
    ]
    for body, status, words in cases:
        response = admin.post("/api/admin/transfer-targets", json=body)
        assert response.status_code == status, (body, response.text)
        assert words in response.json()["detail"], (body, response.json())
    first = targets(admin, "/api/admin/transfer-targets")[4]
    clash = admin.patch(f"/api/admin/transfer-targets/{first['id']}", json={"name": "医保"})
    assert clash.status_code == 409 and "已有名为「医保」" in clash.json()["detail"]
    assert targets(admin, "/api/admin/transfer-targets")[4]["name"] == "人社"  # nothing lost
    assert admin.patch("/api/admin/transfer-targets/999999", json={"active": False}).status_code == 404
    assert len(targets(admin, "/api/admin/transfer-targets")) == len(SEEDED)


def test_only_the_admin_changes_targets_and_staff_read_them(world: World) -> None:
    for username in ("operator1", "dispatcher", "supervisor", "unit_housing"):
        client = world.login(username)
        assert client.get("/api/admin/transfer-targets").status_code == 403, username
        refused = client.post("/api/admin/transfer-targets", json={"name": "x专席", "extension": "1"})
        assert refused.status_code == 403, username
        assert client.delete("/api/admin/transfer-targets/1").status_code == 403, username
    for username in ("operator1", "dispatcher", "admin"):
        assert len(targets(world.login(username))) == len(SEEDED)
    assert world.login("unit_housing").get("/api/transfer-targets").status_code == 403
    assert world.client.get("/api/transfer-targets").status_code == 401


def test_a_transfer_by_name_dials_the_targets_extension(world: World) -> None:
    phone = with_phone(world)
    admin = world.login("admin")
    added = add(admin, name="住建专席", extension="*72#", kind="unit")
    ring_and_answer(world, linkedid="c1", seat="1001")
    operator = world.login("operator1")
    blind = post_ok(operator, "/api/calls/transfer", {"target": "人社"})
    assert blind["detail"] == "已转接专线 人社"
    emergency = post_ok(operator, "/api/calls/transfer", {"target": "报警"})
    assert emergency["detail"] == "已转接紧急电话 报警"
    post_ok(operator, "/api/calls/transfer", {"target": "住建专席", "mode": "attended"})
    post_ok(operator, "/api/calls/transfer", {"target": "110"})  # a number: dialled as it is
    post_ok(operator, "/api/calls/transfer", {"target": "13800001111"})
    assert [(a["target"], a["attended"]) for _, a in phone.asked] == [
        ("2001", False),
        ("110", False),
        ("*72#", True),
        ("110", False),
        ("13800001111", False),
    ]
    # An unknown name, or one the admin deactivated, is refused before the phone is asked.
    admin.patch(f"/api/admin/transfer-targets/{added['id']}", json={"active": False})
    for name in ("住建专席", "不存在的专席"):
        response = operator.post("/api/calls/transfer", json={"target": name})
        assert response.status_code == 422, response.text
        assert f"没有名为「{name}」的转接目标" in response.json()["detail"]
    for odd, words in (("人社\x00", "无效字符"), ("   ", "请选择转接目标")):
        response = operator.post("/api/calls/transfer", json={"target": odd})
        assert response.status_code == 422 and words in response.json()["detail"], response.text
    assert len(phone.asked) == 5


def test_a_seed_fills_only_an_empty_table(world: World) -> None:
    admin = world.login("admin")
    first = targets(admin, "/api/admin/transfer-targets")[0]
    assert admin.delete(f"/api/admin/transfer-targets/{first['id']}").status_code == 200
    with world.session() as session:
        report = seed(session, now=world.clock.now(), demo=True)
    assert "transfer targets" not in report.added
    assert [r["name"] for r in targets(admin, "/api/admin/transfer-targets")] == [n for n, *_ in SEEDED[1:]]
