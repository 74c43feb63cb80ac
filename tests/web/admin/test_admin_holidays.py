"""节假日: the admin's holiday API (a year's package days and overrides), its audit, and due dates."""

from typing import Any

from tests.web.conftest import TestClient, World, create

SPRING = {"start": "2027-02-06", "end": "2027-02-12", "workday": False, "name": "春节"}


def _audit(admin: TestClient, action: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = admin.get("/api/admin/audit", params={"action": action}).json()["entries"]
    return entries


def _handle_due_day(operator: TestClient, **ticket: Any) -> str:
    made = create(operator, **ticket)
    response = operator.post(f"/api/tickets/{made['id']}/dispatch", json={"unit_code": "housing"})
    assert response.status_code == 200, response.text
    due: str = response.json()["handle_due_at"]
    return due[:10]


def test_only_the_admin_sets_holidays(world: World) -> None:
    for username in ("operator1", "dispatcher", "supervisor", "unit_housing"):
        client = world.login(username)
        assert client.get("/api/admin/holidays").status_code == 403, username
        assert client.post("/api/admin/holidays", json=SPRING).status_code == 403
        assert client.delete("/api/admin/holidays/2027-02-06").status_code == 403
    assert world.login("admin").get("/api/admin/holidays?year=2027").json()["overrides"] == []


def test_the_default_year_is_next_year_until_it_has_entries(any_world: World) -> None:
    admin = any_world.login("admin")
    empty = admin.get("/api/admin/holidays").json()
    assert empty["year"] == 2027 and empty["package_knows"] is False and empty["package_days"] == []
    assert empty["trustworthy"] is False and "2027年法定节假日尚未录入" in empty["warning"]
    this_year = admin.get("/api/admin/holidays", params={"year": 2026}).json()
    assert this_year["package_knows"] is True and this_year["warning"] == ""
    national = next(d for d in this_year["package_days"] if d["day"] == "2026-10-01")
    assert (
        national["name"] == "国庆节" and national["kind_label"] == "休息日" and national["weekday"] == "周四"
    )
    assert any(d["workday"] and d["name"].endswith("调休") for d in this_year["package_days"])
    admin.post("/api/admin/holidays", json=SPRING)
    assert admin.get("/api/admin/holidays").json()["year"] == 2026


def test_set_a_range_and_a_workday_then_remove_one(any_world: World) -> None:
    admin = any_world.login("admin")
    response = admin.post("/api/admin/holidays", json=SPRING)
    assert response.status_code == 200, response.text
    year = response.json()
    assert [d["day"] for d in year["overrides"]] == [f"2027-02-{n:02d}" for n in range(6, 13)]
    assert {d["name"] for d in year["overrides"]} == {"春节"} and year["days_off"] == 7
    assert year["trustworthy"] is True and year["warning"] == ""
    (entry,) = _audit(admin, "holiday.set")
    assert entry["target_id"] == "2027-02-06..2027-02-12" and entry["before"] is None
    assert entry["after"] == {
        "start": "2027-02-06",
        "end": "2027-02-12",
        "workday": False,
        "name": "春节",
        "days": 7,
    }

    workday = admin.post(
        "/api/admin/holidays", json={"start": "2027-02-14", "workday": True, "name": "春节调休"}
    )
    made_up = next(d for d in workday.json()["overrides"] if d["day"] == "2027-02-14")
    assert made_up["kind_label"] == "工作日（调休上班）" and made_up["weekday"] == "周日"
    assert workday.json()["workdays"] == 1

    renamed = admin.post(
        "/api/admin/holidays", json={"start": "2027-02-06", "workday": False, "name": "除夕"}
    )
    assert renamed.status_code == 200
    latest = _audit(admin, "holiday.set")[0]
    assert latest["before"] == {"2027-02-06": {"day": "2027-02-06", "workday": False, "name": "春节"}}
    assert latest["after"]["name"] == "除夕"

    removed = admin.delete("/api/admin/holidays/2027-02-14")
    assert removed.status_code == 200 and removed.json()["workdays"] == 0
    (gone,) = _audit(admin, "holiday.remove")
    assert gone["before"] == {"day": "2027-02-14", "workday": True, "name": "春节调休"}
    again = admin.delete("/api/admin/holidays/2027-02-14")
    assert again.status_code == 404 and "没有录入" in again.json()["detail"]


def test_a_new_rest_day_moves_the_due_date(world: World) -> None:
    """Monday 2026-11-23 + 7 working days is Wednesday 12-02; a rest day on 11-25 makes it 12-03."""
    admin, operator = world.login("admin"), world.login("operator1")
    assert _handle_due_day(operator) == "2026-12-02"
    rest = {"start": "2026-11-25", "workday": False, "name": "临时休息日"}
    assert admin.post("/api/admin/holidays", json=rest).status_code == 200
    assert _handle_due_day(operator, title="又一件") == "2026-12-03"
    make_up = {"start": "2026-11-28", "workday": True, "name": "调休上班"}  # a Saturday
    assert admin.post("/api/admin/holidays", json=make_up).status_code == 200
    assert _handle_due_day(operator, title="第三件") == "2026-12-02"
    admin.delete("/api/admin/holidays/2026-11-28")
    admin.delete("/api/admin/holidays/2026-11-25")
    assert _handle_due_day(operator, title="第四件") == "2026-12-02"


def test_bad_input_is_refused_in_chinese(world: World) -> None:
    admin = world.login("admin")
    cases = [
        (SPRING | {"end": "2027-02-01"}, 422, "早于开始日期"),
        (SPRING | {"end": "2027-04-01"}, 422, "一次最多录入 31 天"),
        (SPRING | {"start": "2207-02-06", "end": None}, 422, "超出范围"),
        (SPRING | {"name": "春\n节"}, 422, "控制字符"),
        (SPRING | {"name": ""}, 422, "请求有误"),
        (SPRING | {"start": "2027-02-30"}, 422, "应为日期"),
    ]
    for body, status, words in cases:
        response = admin.post("/api/admin/holidays", json=body)
        assert response.status_code == status, (body, response.text)
        assert words in response.json()["detail"], (body, response.json())
    assert admin.get("/api/admin/holidays", params={"year": 1999}).status_code == 422
    assert admin.get("/api/admin/holidays", params={"year": 2027}).json()["overrides"] == []
    assert _audit(admin, "holiday.") == []
