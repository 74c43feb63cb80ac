"""The audit trail's API: who sees it, its filters, its paging, and its Excel export (itself audited)."""

import io
from datetime import UTC, datetime, timedelta

from openpyxl import load_workbook

from hotline.audit.service import record, snapshot
from hotline.enums import Role
from hotline.users.models import Actor
from tests.web.conftest import World


def _seed_entries(world: World) -> None:
    admin = Actor(user_id=None, role=Role.ADMIN, name="系统管理员")
    with world.session() as session:
        for i in range(3):
            record(
                session,
                actor=admin,
                action="unit.update",
                at=world.clock.now() - timedelta(minutes=10 - i),
                target_kind="unit",
                target_id=f"u{i}",
                target_label=f"单位{i}",
                before={"name": f"旧{i}", "phone": "1"},
                after={"name": f"新{i}", "phone": "1"},
            )
        record(
            session,
            actor=admin,
            action="user.create",
            at=world.clock.now() - timedelta(days=3),
            target_kind="user",
            target_id="9",
            target_label='=HYPERLINK("http://x")',
            after={"username": "=cmd|' /C calc'!A0"},
        )
        session.commit()


def test_only_the_admin_reads_the_trail(world: World) -> None:
    for username in ("operator1", "dispatcher", "supervisor", "unit_housing"):
        assert world.login(username).get("/api/admin/audit").status_code == 403, username
    assert world.login("admin").get("/api/admin/audit").status_code == 200
    assert world.client.get("/api/admin/audit").status_code == 401


def test_filters_and_paging(world: World) -> None:
    _seed_entries(world)
    admin = world.login("admin")
    page = admin.get("/api/admin/audit", params={"action": "unit.update", "limit": 2}).json()
    assert page["total"] == 3
    first, second = page["entries"]
    assert first["target_id"] == "u2" and second["target_id"] == "u1"  # newest first
    assert first["changed"] == ["name"]  # the phone did not change
    assert first["action_label"] == "修改单位" and first["target_kind_label"] == "单位"
    rest = admin.get("/api/admin/audit", params={"action": "unit.update", "limit": 2, "offset": 2}).json()
    assert [e["target_id"] for e in rest["entries"]] == ["u0"]
    family = admin.get("/api/admin/audit", params={"action": "user."}).json()
    assert [e["action"] for e in family["entries"]] == ["user.create"]
    today = world.clock.now().date().isoformat()
    recent = admin.get("/api/admin/audit", params={"start": today}).json()
    assert recent["total"] == 3
    backwards = admin.get("/api/admin/audit", params={"start": today, "end": "2026-01-01"})
    assert backwards.status_code == 422 and "结束日期" in backwards.json()["detail"]


def test_export_is_a_safe_workbook_and_is_audited(world: World) -> None:
    _seed_entries(world)
    admin = world.login("admin")
    response = admin.get("/api/admin/audit/export.xlsx", params={"action": "user.create"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "时间" and len(rows) == 2
    assert rows[1][6] == '\'=HYPERLINK("http://x")'  # never a live formula
    assert rows[1][10] == "username==cmd|' /C calc'!A0"
    assert sheet.cell(row=2, column=7).data_type == "s"
    exported = admin.get("/api/admin/audit", params={"action": "export.audit"}).json()["entries"]
    assert len(exported) == 1 and exported[0]["actor_name"] == "系统管理员" and exported[0]["note"] == "1 条"


def test_the_export_is_not_cut_at_a_page(world: World) -> None:
    with world.session() as session:
        for i in range(620):
            record(session, actor=None, action="login.failed", at=world.clock.now(), target_label=f"u{i}")
        session.commit()
    response = world.login("admin").get("/api/admin/audit/export.xlsx", params={"action": "login.failed"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 621 and rows[1][1] is None  # nobody signed in: the actor cell is empty


def test_snapshot_leaves_secrets_out() -> None:
    data = snapshot({"username": "a", "password_hash": "$argon2…", "at": datetime(2026, 1, 1, tzinfo=UTC)})
    assert data == {"username": "a", "at": "2026-01-01T00:00:00+00:00"}


def test_the_admin_page_has_the_trail(world: World) -> None:
    page = world.login("admin").get("/admin")
    assert page.status_code == 200
    assert 'id="admin-audit"' in page.text and "操作日志" in page.text
    assert world.login("dispatcher").get("/admin").status_code == 403
