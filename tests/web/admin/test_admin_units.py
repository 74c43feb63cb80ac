"""单位: the admin's unit routes, their audit entries, and the pages' unit cache."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from hotline.units.models import Unit
from tests.web.conftest import World, create

CJK = re.compile(r"[\u4e00-\u9fff]")
STREET = {
    "code": "longxutang",
    "name": "龙须塘街道办事处",
    "short_name": "龙须塘街道",
    "kind": "street",
    "district": "双清区",
    "parent_code": "shuangqing",
    "liaison_name": "<script>x</script>",
    "liaison_phone": "0739-5551234",
    "hotline_number": "",
}


def entries(admin: TestClient, action: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = admin.get("/api/admin/audit", params={"action": action}).json()["entries"]
    return found


def unit_id(world: World, code: str) -> int:
    with world.session() as session:
        found = session.exec(select(Unit).where(Unit.code == code)).one().id
    assert found is not None
    return found


def test_only_the_admin_manages_units(world: World) -> None:
    housing = unit_id(world, "housing")
    for username in ("operator1", "dispatcher", "supervisor", "unit_housing"):
        client = world.login(username)
        assert client.get("/api/admin/units").status_code == 403, username
        assert client.post("/api/admin/units", json=STREET).status_code == 403, username
        assert client.patch(f"/api/admin/units/{housing}", json={"active": False}).status_code == 403


def test_the_list_has_inactive_units_kinds_parents_and_a_filter(world: World) -> None:
    admin = world.login("admin")
    assert (
        admin.patch(f"/api/admin/units/{unit_id(world, 'power')}", json={"active": False}).status_code == 200
    )
    rows = {r["code"]: r for r in admin.get("/api/admin/units").json()}
    assert rows["power"]["active"] is False  # inactive ones are listed too
    assert rows["housing"]["kind_label"] == "职能部门" and rows["shuangqing"]["kind_label"] == "县市区"
    found = admin.get("/api/admin/units", params={"q": "住建"}).json()
    assert [r["code"] for r in found] == ["housing"]
    assert [r["code"] for r in admin.get("/api/admin/units", params={"q": "HOUSING"}).json()] == ["housing"]
    assert admin.get("/api/admin/units", params={"q": "没有这样的单位"}).json() == []


def test_a_new_unit_is_audited_and_named_on_the_pages_at_once(any_world: World) -> None:
    world = any_world
    admin = world.login("admin")
    dispatcher = world.login("dispatcher")
    ticket = create(world.login("operator1"))  # names units through the cached reference
    assert dispatcher.get(f"/api/tickets/{ticket['id']}").status_code == 200
    made = admin.post("/api/admin/units", json=STREET)
    assert made.status_code == 201, made.text
    row = made.json()
    assert (row["kind_label"], row["parent_code"], row["parent_name"]) == (
        "街道/乡镇",
        "shuangqing",
        "双清区人民政府",
    )
    assert row["liaison_name"] == "<script>x</script>"
    (entry,) = entries(admin, "unit.create")
    assert entry["target_label"] == "龙须塘街道办事处" and entry["after"]["code"] == "longxutang"
    assert entry["before"] is None
    assert "reference" not in world.app.state.services.extras  # the next page reads units afresh


def test_an_edit_records_before_and_after(any_world: World) -> None:
    world = any_world
    admin = world.login("admin")
    housing = unit_id(world, "housing")
    changed = admin.patch(
        f"/api/admin/units/{housing}", json={"liaison_phone": "0739-5550000", "short_name": "住建"}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["liaison_phone"] == "0739-5550000"
    (entry,) = entries(admin, "unit.update")
    assert entry["changed"] == ["liaison_phone", "short_name"]
    assert (entry["before"]["short_name"], entry["after"]["short_name"]) == ("住建局", "住建")
    off = admin.patch(f"/api/admin/units/{housing}", json={"active": False})
    assert off.status_code == 200 and off.json()["active"] is False
    assert entries(admin, "unit.update")[0]["changed"] == ["active"]
    assert housing not in {u["id"] for u in admin.get("/api/units").json()}  # pickers no longer offer it
    on = admin.patch(f"/api/admin/units/{housing}", json={"active": True})
    assert on.status_code == 200 and on.json()["active"] is True


def test_a_unit_moves_under_another_but_never_under_itself(world: World) -> None:
    admin = world.login("admin")
    street = admin.post("/api/admin/units", json=STREET).json()
    district = unit_id(world, "shuangqing")
    loop = admin.patch(f"/api/admin/units/{district}", json={"parent_code": "longxutang"})
    assert loop.status_code == 422 and "下级" in loop.json()["detail"]
    self_parent = admin.patch(f"/api/admin/units/{street['id']}", json={"parent_code": "longxutang"})
    assert self_parent.status_code == 422
    moved = admin.patch(f"/api/admin/units/{street['id']}", json={"parent_code": None, "kind": "district"})
    assert moved.status_code == 200 and (moved.json()["parent_code"], moved.json()["kind"]) == (
        None,
        "district",
    )
    (entry,) = entries(admin, "unit.update")
    assert entry["changed"] == ["kind", "parent_id"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"code": "housing"}, 409),
        ({"kind": "ministry"}, 422),
        ({"name": "x" * 129}, 422),
        ({"parent_code": "nowhere"}, 422),
    ],
)
def test_bad_units_are_refused(world: World, body: dict[str, Any], status: int) -> None:
    admin = world.login("admin")
    before = len(admin.get("/api/admin/units").json())
    response = admin.post("/api/admin/units", json={**STREET, **body})
    assert response.status_code == status, response.text
    assert response.json()["detail"]
    assert len(admin.get("/api/admin/units").json()) == before
    assert entries(admin, "unit.create") == []


def test_refusals_are_in_chinese(world: World) -> None:
    admin = world.login("admin")
    for body in ({"code": "housing"}, {"kind": "ministry"}, {"name": "x" * 129}):
        detail = admin.post("/api/admin/units", json={**STREET, **body}).json()["detail"]
        assert CJK.search(detail), detail
    assert (
        "没有编号为 999999 的单位"
        in admin.patch("/api/admin/units/999999", json={"name": "某"}).json()["detail"]
    )


def test_an_edit_leaves_out_what_it_does_not_name(world: World) -> None:
    admin = world.login("admin")
    housing = unit_id(world, "housing")
    kept = admin.patch(f"/api/admin/units/{housing}", json={"kind": None, "active": None, "short_name": None})
    assert kept.status_code == 200, kept.text
    assert (kept.json()["kind"], kept.json()["active"], kept.json()["short_name"]) == (
        "department",
        True,
        "住建局",
    )
    long = admin.patch(f"/api/admin/units/{housing}", json={"liaison_phone": "1" * 33})
    assert long.status_code == 422 and "不能超过 32 个字符" in long.json()["detail"]
