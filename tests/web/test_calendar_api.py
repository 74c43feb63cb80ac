"""GET /api/calendar/status: the warning staff see when next year's holidays are missing."""

from datetime import date, datetime

import pytest

from hotline.sla.calendar import SHANGHAI
from hotline.sla.service import set_holiday, set_holiday_range
from tests.web.conftest import World

PATH = "/api/calendar/status"
WARNING_2027 = "2027年法定节假日尚未录入，工单时限将按周一至周五计算。请管理员在「系统管理 › 节假日」中录入。"


def at(world: World, y: int, m: int, d: int) -> None:
    world.clock.set(datetime(y, m, d, 9, 0, tzinfo=SHANGHAI))


@pytest.mark.parametrize("username", ["unit_housing", "operator1"])
def test_units_and_operators_are_refused(world: World, username: str) -> None:
    response = world.login(username).get(PATH)
    assert response.status_code == 403, response.text
    assert response.json()["error"] == "PermissionDenied"


def test_a_visitor_must_log_in(world: World) -> None:
    assert world.client.get(PATH).status_code == 401


@pytest.mark.parametrize("username", ["supervisor", "dispatcher", "admin"])
def test_the_board_roles_see_the_status(world: World, username: str) -> None:
    response = world.login(username).get(PATH)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["today"] == "2026-11-23"
    assert [y["year"] for y in body["years"]] == [2026, 2027]


def test_the_warning_comes_60_days_before_next_year_and_goes_once_holidays_are_entered(
    any_world: World,
) -> None:
    world = any_world
    client = world.login("supervisor")
    at(world, 2026, 11, 1)  # 61 days before 2027
    early = client.get(PATH).json()
    assert early["warnings"] == []
    assert early["years"][1] == {
        "year": 2027,
        "package_knows": False,
        "days_off": 0,
        "workdays": 0,
        "trustworthy": False,
        "warning": "",
    }
    assert early["years"][0]["trustworthy"] and early["years"][0]["package_knows"]
    at(world, 2026, 11, 2)  # 60 days before
    near = client.get(PATH).json()
    assert near["warnings"] == [WARNING_2027]
    assert near["years"][1]["warning"] == WARNING_2027 and near["years"][0]["warning"] == ""
    with world.session() as session:
        set_holiday(session, day=date(2027, 2, 14), workday=True, name="春节调休")
    assert client.get(PATH).json()["warnings"] == [WARNING_2027]  # a make-up day alone is not enough
    with world.session() as session:
        set_holiday_range(session, start=date(2027, 2, 6), end=date(2027, 2, 12), workday=False, name="春节")
    entered = client.get(PATH).json()
    assert entered["warnings"] == []
    assert entered["years"][1] | {"warning": None} == {
        "year": 2027,
        "package_knows": False,
        "days_off": 7,
        "workdays": 1,
        "trustworthy": True,
        "warning": None,
    }


def test_a_started_year_without_holidays_is_warned_about_in_the_present(world: World) -> None:
    at(world, 2027, 1, 4)
    body = world.login("dispatcher").get(PATH).json()
    assert body["today"] == "2027-01-04"
    assert [y["year"] for y in body["years"]] == [2027, 2028]
    # 2028 begins 362 days later: no warning about it yet
    assert body["warnings"] == [WARNING_2027.replace("将按", "正按")]


def test_the_endpoint_is_typed_in_the_openapi(world: World) -> None:
    schema = world.client.get("/openapi.json").json()
    operation = schema["paths"][PATH]["get"]
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/CalendarStatusOut"}
    fields = schema["components"]["schemas"]["YearCalendarOut"]["properties"]
    assert {"year", "package_knows", "days_off", "workdays", "trustworthy", "warning"} <= set(fields)


def test_the_desk_and_the_reports_show_the_warning_until_holidays_are_entered(world: World) -> None:
    dispatcher, supervisor = world.login("dispatcher"), world.login("supervisor")
    at(world, 2026, 11, 1)  # 61 days before 2027
    assert WARNING_2027 not in dispatcher.get("/desk").text
    at(world, 2026, 12, 1)
    for client, page in ((dispatcher, "/desk"), (supervisor, "/reports")):
        shown = client.get(page).text
        assert f'<p class="notice" role="alert">{WARNING_2027}</p>' in shown, page
    with world.session() as session:
        set_holiday_range(session, start=date(2027, 2, 6), end=date(2027, 2, 12), workday=False, name="春节")
    assert WARNING_2027 not in dispatcher.get("/desk").text
    assert 'class="notice"' not in supervisor.get("/reports").text
