"""类别与派单目录: the admin's category API, its audit entries, and what dispatch suggests after a change."""

from datetime import timedelta
from typing import Any

from sqlmodel import select

from hotline.categories.models import Category
from hotline.units.models import Unit
from tests.web.conftest import TestClient, World, create


def _category(world: World, code: str) -> Category:
    with world.session() as session:
        return session.exec(select(Category).where(Category.code == code)).one()


def _row(admin: TestClient, code: str) -> dict[str, Any]:
    rows = admin.get("/api/admin/categories").json()["categories"]
    return next(r for r in rows if r["code"] == code)


def _audit(admin: TestClient, action: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = admin.get("/api/admin/audit", params={"action": action}).json()["entries"]
    return entries


def test_only_the_admin_edits_categories(world: World) -> None:
    noise = _category(world, "env.noise")
    for username in ("operator1", "dispatcher", "supervisor", "unit_housing"):
        client = world.login(username)
        assert client.get("/api/admin/categories").status_code == 403, username
        assert client.post("/api/admin/categories", json={"code": "x", "name": "某类"}).status_code == 403
        patched = client.patch(f"/api/admin/categories/{noise.id}", json={"default_unit_code": "urban"})
        assert patched.status_code == 403
    assert _category(world, "env.noise").default_unit_code == "eco"


def test_the_tree_lists_paths_and_units(any_world: World) -> None:
    found = any_world.login("admin").get("/api/admin/categories").json()
    rows = {r["code"]: r for r in found["categories"]}
    assert rows["urban.property"]["path"] == "城市管理 › 物业管理"
    assert rows["urban.property"]["default_unit_name"] == "住建局"
    codes = [r["code"] for r in found["categories"]]
    assert codes.index("urban") < codes.index("urban.property")  # a parent before its children
    assert {"code": "housing", "name": "市住房和城乡建设局"} in found["units"]


def test_create_under_a_parent_is_audited(any_world: World) -> None:
    admin = any_world.login("admin")
    parent = _category(any_world, "urban")
    body = {"code": "urban.parking", "name": "停车管理", "parent_id": parent.id, "default_unit_code": "urban"}
    created = admin.post("/api/admin/categories", json=body)
    assert created.status_code == 201, created.text
    row = created.json()
    assert row["path"] == "城市管理 › 停车管理" and row["default_unit_name"] == "城管局"
    (entry,) = _audit(admin, "category.create")
    assert entry["target_id"] == str(row["id"]) and entry["target_label"] == "停车管理"
    assert entry["before"] is None and entry["after"]["default_unit_code"] == "urban"
    # the operators' category list has it at once
    codes = [c["code"] for c in any_world.login("operator1").get("/api/categories").json()]
    assert "urban.parking" in codes


def test_rename_and_utility_are_audited_with_before_and_after(world: World) -> None:
    admin = world.login("admin")
    noise = _category(world, "env.noise")
    changed = admin.patch(f"/api/admin/categories/{noise.id}", json={"name": "噪声扰民", "utility": True})
    assert changed.status_code == 200, changed.text
    assert changed.json()["path"] == "生态环境 › 噪声扰民" and changed.json()["utility"] is True
    (entry,) = _audit(admin, "category.update")
    assert entry["before"]["name"] == "噪音扰民" and entry["after"]["name"] == "噪声扰民"
    assert entry["changed"] == ["name", "utility"]


def test_the_default_unit_is_what_dispatch_suggests(any_world: World) -> None:
    """派单目录: a new ticket of the category, with no unit of its own, suggests the category's unit."""
    admin, operator = any_world.login("admin"), any_world.login("operator1")
    dispatcher = any_world.login("dispatcher")
    noise = _category(any_world, "env.noise")
    first = create(operator, category_id=noise.id)
    assert first["suggested_unit_code"] == "eco"  # the seeded 派单目录; views are cached from here on
    changed = admin.patch(f"/api/admin/categories/{noise.id}", json={"default_unit_code": "urban"})
    assert changed.status_code == 200 and changed.json()["default_unit_name"] == "城管局"
    second = create(operator, category_id=noise.id, title="广场舞音响太吵")
    assert second["suggested_unit_code"] == "urban"
    drafts = {t["id"]: t for t in dispatcher.get("/api/tickets", params={"status": "draft"}).json()}
    assert drafts[second["id"]]["suggested_unit_code"] == "urban"
    # a unit the classifier (or the operator) suggested for the ticket itself still wins
    third = create(operator, category_id=noise.id, suggested_unit_code="housing")
    assert third["suggested_unit_code"] == "housing"
    (entry,) = _audit(admin, "category.update")
    assert entry["before"]["default_unit_code"] == "eco" and entry["after"]["default_unit_code"] == "urban"
    cleared = admin.patch(f"/api/admin/categories/{noise.id}", json={"default_unit_code": ""})
    assert cleared.json()["default_unit_code"] == ""
    assert create(operator, category_id=noise.id)["suggested_unit_code"] is None


def test_the_utility_flag_shortens_the_sign_limit(world: World) -> None:
    admin, operator = world.login("admin"), world.login("operator1")
    wages = _category(world, "labor.wages")
    admin.patch(f"/api/admin/categories/{wages.id}", json={"utility": True})
    ticket = create(operator, category_id=wages.id, nature="help")
    dispatched = operator.post(f"/api/tickets/{ticket['id']}/dispatch", json={"unit_code": "hrss"})
    assert dispatched.status_code == 200, dispatched.text
    sign_due = dispatched.json()["due_at"]
    assert sign_due.startswith((world.clock.now() + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"))


def test_bad_input_is_refused_in_chinese(world: World) -> None:
    admin = world.login("admin")
    urban, property_ = _category(world, "urban"), _category(world, "urban.property")
    with world.session() as session:
        gone = session.exec(select(Unit).where(Unit.code == "sci")).one()
        gone.active = False
        session.add(gone)
        session.commit()
    at_urban = f"/api/admin/categories/{urban.id}"
    cases = [
        ("patch", at_urban, {"default_unit_code": "no-such"}, 422, "不存在或已停用"),
        ("patch", at_urban, {"default_unit_code": "sci"}, 422, "不存在或已停用"),
        ("patch", at_urban, {"parent_id": property_.id}, 422, "循环"),
        ("patch", at_urban, {"parent_id": urban.id}, 422, "循环"),
        ("patch", at_urban, {"name": "   "}, 422, "不能为空"),
        ("patch", "/api/admin/categories/999999", {"name": "某类"}, 404, "不存在"),
        ("post", "/api/admin/categories", {"code": "urban.property", "name": "重复"}, 409, "已存在"),
        ("post", "/api/admin/categories", {"code": "Bad Code", "name": "坏代码"}, 422, "类别代码"),
        ("post", "/api/admin/categories", {"code": "ok", "name": "某类", "parent_id": 999999}, 422, "不存在"),
        ("post", "/api/admin/categories", {"code": "ok", "name": ""}, 422, "请求有误"),
    ]
    for method, path, body, status, words in cases:
        response = getattr(admin, method)(path, json=body)
        assert response.status_code == status, (body, response.text)
        assert words in response.json()["detail"], (body, response.json())
    assert _row(admin, "urban")["parent_id"] is None and _row(admin, "urban")["default_unit_code"] == "urban"
    assert _audit(admin, "category.") == []
