"""The audit trail outside the admin's screens: logins (kept and refused), logouts, report exports
and a unit's reading of a ticket; and a failed audit write never undoes a login."""

import re
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from hotline.seed.data import DEMO_PASSWORD
from tests.web.conftest import TestClient, World, create, post_ok
from web.routers import auth


def entries(world: World, action: str) -> list[dict[str, Any]]:
    page = world.login("admin").get("/api/admin/audit", params={"action": action})
    assert page.status_code == 200, page.text
    found: list[dict[str, Any]] = page.json()["entries"]
    return found


def form_login(client: TestClient, username: str, password: str) -> int:
    page = client.get("/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None
    data = {"username": username, "password": password, "csrf_token": found.group(1)}
    return client.post("/login", data=data, follow_redirects=False).status_code


def test_logins_kept_and_refused_by_the_api_and_the_form(any_world: World) -> None:
    world = any_world
    client = TestClient(world.app)
    assert (
        client.post("/api/login", json={"username": "operator1", "password": DEMO_PASSWORD}).status_code
        == 200
    )
    typed = " dispatcher\x07\u202e "  # a bell and a right-to-left override: not into the audit page
    refused = client.post("/api/login", json={"username": typed, "password": "wrong-password"})
    assert refused.status_code == 403
    assert form_login(TestClient(world.app), "supervisor", DEMO_PASSWORD) == 303
    assert form_login(TestClient(world.app), "nobody", "wrong-password") == 401
    ok = entries(world, "login.ok")
    assert [(e["actor_name"], e["target_label"]) for e in ok] == [
        ("主任 周强", "supervisor"),
        ("话务员 李艳", "operator1"),
    ]
    assert all(e["address"] == "testclient" and e["actor_role"] for e in ok)
    assert ok[1]["target_kind"] == "user" and ok[1]["target_id"] and ok[1]["actor_role"] == "operator"
    failed = entries(world, "login.failed")
    assert [(e["actor_id"], e["actor_name"], e["target_label"]) for e in failed] == [
        (None, "", "nobody"),
        (None, "", "dispatcher"),
    ]
    assert all(e["address"] == "testclient" for e in failed)


def test_a_throttled_login_is_refused_without_an_entry(world: World) -> None:
    client = TestClient(world.app)
    statuses = [
        client.post("/api/login", json={"username": f"guess{i}", "password": "x"}).status_code
        for i in range(22)
    ]
    assert statuses[:20] == [403] * 20 and statuses[20:] == [429, 429]
    assert len(entries(world, "login.failed")) == 20


def test_logout_is_audited(world: World) -> None:
    operator = world.login("operator1")
    response = operator.post(
        "/logout", data={"csrf_token": operator.headers["X-CSRF-Token"]}, follow_redirects=False
    )
    assert response.status_code == 303
    [entry] = entries(world, "logout")
    assert entry["actor_name"] == "话务员 李艳" and entry["target_label"] == "operator1"


def test_a_failed_audit_write_does_not_undo_the_login(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("INSERT INTO auditentry", {}, Exception("disk I/O error"))

    monkeypatch.setattr(auth, "audited", broken)
    client = TestClient(world.app)
    response = client.post("/api/login", json={"username": "operator1", "password": DEMO_PASSWORD})
    assert response.status_code == 200, response.text
    assert client.get("/api/me").json()["username"] == "operator1"  # signed in, session and all
    assert client.post("/api/login", json={"username": "operator1", "password": "wrong"}).status_code == 403
    assert form_login(TestClient(world.app), "operator2", DEMO_PASSWORD) == 303
    monkeypatch.undo()
    assert entries(world, "login.") == []


def test_a_report_export_is_audited_with_its_period(world: World) -> None:
    supervisor = world.login("supervisor")
    response = supervisor.get("/api/reports/export.xlsx", params={"start": "2026-11-01", "end": "2026-11-30"})
    assert response.status_code == 200
    [entry] = entries(world, "export.report")
    assert entry["actor_name"] == "主任 周强" and entry["target_kind"] == "report"
    assert entry["target_label"] == "2026-11-01 至 2026-11-30"


def test_a_units_reading_of_a_ticket_is_audited_and_the_staffs_is_not(world: World) -> None:
    operator = world.login("operator1")
    ticket = create(operator)
    post_ok(operator, f"/api/tickets/{ticket['id']}/dispatch", {"unit_code": "housing"})
    for username in ("operator1", "dispatcher", "supervisor"):
        client = world.login(username)
        assert client.get(f"/api/tickets/{ticket['id']}").status_code == 200
        assert client.get(f"/tickets/{ticket['id']}").status_code == 200
    assert entries(world, "ticket.view") == []
    unit = world.login("unit_housing")
    assert unit.get(f"/api/tickets/{ticket['id']}").status_code == 200
    assert unit.get(f"/tickets/{ticket['id']}").status_code == 200
    seen = entries(world, "ticket.view")
    assert len(seen) == 2
    assert {(e["target_kind"], e["target_id"], e["target_label"]) for e in seen} == {
        ("ticket", str(ticket["id"]), ticket["number"])
    }
    assert all(e["actor_role"] == "unit" for e in seen)
    # Another unit is refused, and a refusal is no reading.
    assert world.login("unit_urban").get(f"/api/tickets/{ticket['id']}").status_code in {403, 404}
    assert len(entries(world, "ticket.view")) == 2
