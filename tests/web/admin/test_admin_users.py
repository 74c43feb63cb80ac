"""用户与锁定: the admin's account routes, their audit entries, and whose sessions they end."""

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from hotline.calls.models import Seat
from hotline.enums import Role
from hotline.seed.data import DEMO_PASSWORD
from hotline.users.models import User
from hotline.users.service import STAFF_ROLES
from tests.web.conftest import World
from web.routers.admin.users import StaffRole

CJK = re.compile(r"[\u4e00-\u9fff]")
NEW = {"username": "zhangwei", "display_name": "张伟", "role": "operator", "password": "kaishi-2026"}


def account(world: World, username: str) -> User:
    with world.session() as session:
        return session.exec(select(User).where(User.username == username)).one()


def entries(admin: TestClient, action: str) -> list[dict[str, Any]]:
    page = admin.get("/api/admin/audit", params={"action": action}).json()
    found: list[dict[str, Any]] = page["entries"]
    return found


def refused(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    detail: str = response.json()["detail"]
    assert CJK.search(detail), detail  # a person reads it
    return detail


def no_secrets(payload: object) -> None:
    text = json.dumps(payload, ensure_ascii=False)
    assert "password_hash" not in text and "$argon2" not in text and "session_epoch" not in text


def test_the_roles_offered_are_the_staff_roles() -> None:
    assert set(StaffRole.__args__) == {r.value for r in STAFF_ROLES}  # type: ignore[attr-defined]


def test_only_the_admin_manages_accounts(world: World) -> None:
    target = account(world, "operator2").id
    for username in ("operator1", "dispatcher", "supervisor", "unit_housing"):
        client = world.login(username)
        assert client.get("/api/admin/users").status_code == 403, username
        assert client.post("/api/admin/users", json=NEW).status_code == 403, username
        assert client.post(f"/api/admin/users/{target}/deactivate").status_code == 403, username
        assert (
            client.post(f"/api/admin/users/{target}/password", json={"password": "x" * 10}).status_code == 403
        )
    assert account(world, "operator2").active
    assert world.client.get("/api/admin/users").status_code == 401


def test_the_list_names_roles_units_and_lockouts(world: World) -> None:
    until = world.clock.now() + timedelta(minutes=10)
    with world.session() as session:
        user = session.exec(select(User).where(User.username == "operator2")).one()
        user.failed_logins, user.locked_until = 5, until
        old = session.exec(select(User).where(User.username == "operator3")).one()
        old.locked_until = world.clock.now() - timedelta(minutes=1)  # a lockout that is over
        session.add_all([user, old])
        session.commit()
    rows = {r["username"]: r for r in world.login("admin").get("/api/admin/users").json()}
    assert rows["unit_housing"]["role_label"] == "成员单位" and rows["unit_housing"]["unit_code"] == "housing"
    assert rows["unit_housing"]["unit_name"]
    assert rows["dispatcher"]["role_label"] == "派单员" and rows["dispatcher"]["unit_code"] is None
    assert rows["operator2"]["failed_logins"] == 5
    assert rows["operator2"]["locked_until"].startswith(until.isoformat()[:19])
    assert rows["operator3"]["locked_until"] is None
    no_secrets(rows)


def test_the_admin_adds_a_unit_user_who_then_logs_in(any_world: World) -> None:
    admin = any_world.login("admin")
    body = {
        **NEW,
        "username": "zhuxin",
        "role": "unit",
        "unit_code": "housing",
        "display_name": "<script>x</script>",
    }
    made = admin.post("/api/admin/users", json=body)
    assert made.status_code == 201, made.text
    row = made.json()
    assert (row["role_label"], row["unit_code"], row["active"]) == ("成员单位", "housing", True)
    assert row["display_name"] == "<script>x</script>"  # kept as written; pages show it as text
    no_secrets(row)
    (entry,) = entries(admin, "user.create")
    assert entry["target_id"] == str(row["id"]) and entry["target_label"] == "zhuxin"
    assert (
        entry["before"] is None and entry["after"]["role"] == "unit" and entry["actor_name"] == "系统管理员"
    )
    no_secrets(entry)
    login = any_world.client.post("/api/login", json={"username": "zhuxin", "password": NEW["password"]})
    assert login.status_code == 200, login.text


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"role": "unit"}, 422),  # a unit user without a unit
        ({"role": "operator", "unit_code": "housing"}, 422),  # only unit users belong to a unit
        ({"role": "unit", "unit_code": "nowhere"}, 422),
        ({"role": "system"}, 422),
        ({"password": "short"}, 422),
        ({"display_name": ""}, 422),
        ({"username": "operator1"}, 409),
    ],
)
def test_bad_accounts_are_refused(world: World, body: dict[str, Any], status: int) -> None:
    admin = world.login("admin")
    before = len(admin.get("/api/admin/users").json())
    response = admin.post("/api/admin/users", json={**NEW, **body})
    assert response.status_code == status, response.text
    assert response.json()["detail"]
    assert len(admin.get("/api/admin/users").json()) == before
    assert entries(admin, "user.create") == []


def test_pydantic_refusals_are_in_chinese(world: World) -> None:
    admin = world.login("admin")
    assert "至少 8 个字符" in refused(admin.post("/api/admin/users", json={**NEW, "password": "short"}), 422)
    refused(admin.post("/api/admin/users", json={**NEW, "role": "system"}), 422)


def test_an_edit_of_role_or_unit_ends_the_sessions(any_world: World) -> None:
    world = any_world
    admin = world.login("admin")
    user_id = account(world, "unit_housing").id
    holder = world.login("unit_housing")
    assert holder.get("/api/me").status_code == 200
    renamed = admin.patch(
        f"/api/admin/users/{user_id}",
        json={"display_name": "住建局 王五", "role": "unit", "unit_code": "housing"},
    )
    assert renamed.status_code == 200, renamed.text
    assert holder.get("/api/me").status_code == 200  # only the name changed: still signed in
    moved = admin.patch(
        f"/api/admin/users/{user_id}",
        json={"display_name": "住建局 王五", "role": "unit", "unit_code": "urban"},
    )
    assert moved.status_code == 200 and moved.json()["unit_code"] == "urban"
    assert holder.get("/api/me").status_code == 401  # the old cookie stops at once
    first, second = entries(admin, "user.update")  # newest first
    assert (first["before"]["unit_id"], first["after"]["unit_id"]) != (None, None)
    assert first["changed"] == ["unit_id"]
    assert second["changed"] == ["display_name"] and second["after"]["display_name"] == "住建局 王五"
    no_secrets([first, second])


def test_an_edit_is_validated(world: World) -> None:
    admin = world.login("admin")
    user_id = account(world, "dispatcher").id
    edit = f"/api/admin/users/{user_id}"
    assert "所属单位" in refused(admin.patch(edit, json={"display_name": "陈静", "role": "unit"}), 422)
    detail = refused(
        admin.patch(edit, json={"display_name": "陈静", "role": "operator", "unit_code": "urban"}), 422
    )
    assert "单位" in detail
    assert refused(admin.patch(edit, json={"display_name": "", "role": "operator"}), 422)
    assert (
        admin.patch("/api/admin/users/999999", json={"display_name": "某", "role": "operator"}).status_code
        == 404
    )
    assert account(world, "dispatcher").role is Role.DISPATCHER
    assert entries(admin, "user.update") == []


def test_an_operator_who_changes_role_leaves_the_seat(world: World) -> None:
    admin = world.login("admin")
    user = account(world, "operator1")
    changed = admin.patch(f"/api/admin/users/{user.id}", json={"display_name": "李艳", "role": "dispatcher"})
    assert changed.status_code == 200, changed.text
    with world.session() as session:
        assert session.exec(select(Seat).where(Seat.user_id == user.id)).first() is None
    (entry,) = entries(admin, "seat.assign")
    assert (entry["before"], entry["after"]) == ({"operator": "operator1"}, {"operator": None})


def test_deactivation_ends_the_sessions_and_the_logins(any_world: World) -> None:
    world = any_world
    admin = world.login("admin")
    user_id = account(world, "operator2").id
    holder = world.login("operator2")
    assert holder.get("/api/me").status_code == 200
    off = admin.post(f"/api/admin/users/{user_id}/deactivate")
    assert off.status_code == 200 and off.json()["active"] is False
    assert holder.get("/api/me").status_code == 401
    login = world.client.post("/api/login", json={"username": "operator2", "password": DEMO_PASSWORD})
    assert login.status_code == 403
    (entry,) = entries(admin, "user.deactivate")
    assert (entry["before"]["active"], entry["after"]["active"]) == (True, False)
    on = admin.post(f"/api/admin/users/{user_id}/reactivate")
    assert on.status_code == 200 and on.json()["active"] is True
    assert holder.get("/api/me").status_code == 401  # ended sessions stay ended
    (entry,) = entries(admin, "user.reactivate")
    assert entry["changed"] == ["active"]
    login = world.client.post("/api/login", json={"username": "operator2", "password": DEMO_PASSWORD})
    assert login.status_code == 200


def test_the_last_admin_stays(any_world: World) -> None:
    world = any_world
    admin = world.login("admin")
    user_id = account(world, "admin").id
    assert "最后一个" in refused(admin.post(f"/api/admin/users/{user_id}/deactivate"), 409)
    demote = admin.patch(f"/api/admin/users/{user_id}", json={"display_name": "管理员", "role": "operator"})
    assert "最后一个" in refused(demote, 409)
    assert account(world, "admin").active and account(world, "admin").role is Role.ADMIN
    assert entries(admin, "user.deactivate") == [] and entries(admin, "user.update") == []
    # with a second admin, the first may go (and their own session ends with it)
    made = admin.post("/api/admin/users", json={**NEW, "username": "admin2", "role": "admin"})
    assert made.status_code == 201, made.text
    assert admin.post(f"/api/admin/users/{user_id}/deactivate").status_code == 200
    assert admin.get("/api/admin/users").status_code == 401


def test_a_password_reset_ends_sessions_lifts_the_lock_and_logs_no_secret(any_world: World) -> None:
    world = any_world
    admin = world.login("admin")
    with world.session() as session:
        user = session.exec(select(User).where(User.username == "operator3")).one()
        user.failed_logins, user.locked_until = 5, world.clock.now() + timedelta(minutes=15)
        session.add(user)
        session.commit()
        user_id, old_hash = user.id, user.password_hash
    holder = world.login("operator3")
    short = admin.post(f"/api/admin/users/{user_id}/password", json={"password": "1234567"})
    assert "至少 8 个字符" in refused(short, 422)
    assert account(world, "operator3").password_hash == old_hash
    reset = admin.post(f"/api/admin/users/{user_id}/password", json={"password": "xin-mima-2026"})
    assert reset.status_code == 200, reset.text
    assert (reset.json()["failed_logins"], reset.json()["locked_until"]) == (0, None)
    no_secrets(reset.json())
    assert holder.get("/api/me").status_code == 401
    (entry,) = entries(admin, "user.password")
    no_secrets(entry)
    assert "xin-mima-2026" not in json.dumps(entry, ensure_ascii=False)
    assert entry["changed"] == ["failed_logins", "locked_until"] and "重置" in entry["note"]
    old = world.client.post("/api/login", json={"username": "operator3", "password": DEMO_PASSWORD})
    assert old.status_code == 403
    new = world.client.post("/api/login", json={"username": "operator3", "password": "xin-mima-2026"})
    assert new.status_code == 200, new.text


def test_unlock_lets_the_account_in_again(any_world: World) -> None:
    world = any_world
    admin = world.login("admin")
    with world.session() as session:
        user = session.exec(select(User).where(User.username == "dispatcher")).one()
        user.failed_logins, user.locked_until = 5, world.clock.now() + timedelta(minutes=15)
        session.add(user)
        session.commit()
        user_id = user.id
    locked = world.client.post("/api/login", json={"username": "dispatcher", "password": DEMO_PASSWORD})
    assert locked.status_code == 403
    unlocked = admin.post(f"/api/admin/users/{user_id}/unlock")
    assert unlocked.status_code == 200 and unlocked.json()["locked_until"] is None
    (entry,) = entries(admin, "user.unlock")
    assert entry["before"]["failed_logins"] == 5 and entry["after"]["failed_logins"] == 0
    assert entry["after"]["locked_until"] is None
    login = world.client.post("/api/login", json={"username": "dispatcher", "password": DEMO_PASSWORD})
    assert login.status_code == 200, login.text


def test_unknown_accounts_are_404(world: World) -> None:
    admin = world.login("admin")
    for action in ("deactivate", "reactivate", "unlock"):
        assert admin.post(f"/api/admin/users/999999/{action}").status_code == 404
    assert admin.post("/api/admin/users/0/unlock").status_code == 422


def test_the_admin_page_has_the_people_sections(world: World) -> None:
    page = world.login("admin").get("/admin")
    for key, name in (("users", "用户与锁定"), ("seats", "坐席"), ("units", "单位")):
        assert f'id="admin-{key}"' in page.text and name in page.text
        assert f"/static/admin/{key}.js" in page.text
