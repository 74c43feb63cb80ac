"""Other channels (public form, progress page, Open311) and the reports with their XLSX export."""

import io
import re
from typing import Any

from openpyxl import load_workbook

from tests.web.conftest import TestClient, World, create, post_ok

XSS = "<script>alert(1)</script><b>x</b>"


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def _submit(client: TestClient, **fields: Any) -> str:
    token = _csrf(client.get("/public").text)
    data = {
        "caller_name": "李四",
        "caller_phone": "13700001111",
        "title": "路面坑洼",
        "content": "宝庆路路面坑洼积水，车辆难行",
    }
    data.update(fields)
    response = client.post("/public", data={**data, "csrf_token": token})
    assert response.status_code == 200, response.text
    return response.text


def test_the_public_form_makes_a_web_ticket_and_the_code_shows_its_progress(world: World) -> None:
    client = TestClient(world.app)
    done = _submit(client, content=XSS)
    code = re.search(r'id="query-code">([A-Z0-9]+)<', done)
    assert code is not None
    dispatcher = world.login("dispatcher")
    [ticket] = dispatcher.get("/api/tickets", params={"status": "draft"}).json()
    assert ticket["channel"] == "web" and ticket["content"] == XSS
    token = _csrf(client.get("/public/progress").text)
    page = client.post(
        "/public/progress",
        data={"query_code": code.group(1).lower(), "caller_phone": "13700001111", "csrf_token": token},
    )
    assert page.status_code == 200 and "已受理，正在分派" in page.text and "待派单" not in page.text
    wrong = client.post(
        "/public/progress",
        data={"query_code": code.group(1), "caller_phone": "13700009999", "csrf_token": token},
    )
    assert wrong.status_code == 404 and ticket["number"] not in wrong.text


def test_the_public_form_needs_its_csrf_token_and_a_phone(world: World) -> None:
    client = TestClient(world.app)
    client.get("/public")
    refused = client.post(
        "/public", data={"caller_name": "a", "caller_phone": "1", "title": "t", "content": "c"}
    )
    assert refused.status_code == 403
    token = _csrf(client.get("/public").text)
    blank = client.post(
        "/public",
        data={"caller_name": "a", "caller_phone": " ", "title": "t", "content": XSS, "csrf_token": token},
    )
    assert blank.status_code == 422 and XSS not in blank.text and "&lt;script&gt;" in blank.text


def test_open311_services_and_requests(world: World) -> None:
    client = TestClient(world.app)
    services = client.get("/open311/v2/services.json").json()
    assert {"service_code": "urban.property", "group": "城市管理"}.items() <= next(
        s for s in services if s["service_code"] == "urban.property"
    ).items()
    form = {
        "service_code": "urban.property",
        "description": "小区电梯坏了一周没人修",
        "address_string": "大祥区某小区",
    }
    assert client.post("/open311/v2/requests.json", data=form).status_code == 403  # no key at all
    assert client.post("/open311/v2/requests.json", data={**form, "api_key": "wrong"}).status_code == 403
    created = client.post(
        "/open311/v2/requests.json", data={**form, "api_key": "partner-key", "phone": "13600001111"}
    )
    assert created.status_code == 201
    [receipt] = created.json()
    number = receipt["service_request_id"]
    [status] = client.get(f"/open311/v2/requests/{number}.json", params={"api_key": "partner-key"}).json()
    assert status["status"] == "open" and status["service_code"] == "urban.property"
    assert "13600001111" not in str(status)
    listed = client.get(
        "/open311/v2/requests.json", params={"api_key": "partner-key", "status": "open"}
    ).json()
    assert [r["service_request_id"] for r in listed] == [number]
    assert client.get("/open311/v2/requests.json", params={"api_key": "nope"}).status_code == 403


def test_reports_by_period_unit_district_and_category_and_the_export(world: World) -> None:
    operator, unit, supervisor = (
        world.login("operator1"),
        world.login("unit_housing"),
        world.login("supervisor"),
    )
    ticket = create(operator)
    post_ok(operator, f"/api/tickets/{ticket['id']}/dispatch", {"unit_code": "housing"})
    post_ok(unit, f"/api/tickets/{ticket['id']}/sign")
    post_ok(unit, f"/api/tickets/{ticket['id']}/contact", {"note": "已联系"})
    period = supervisor.get("/api/reports/period", params={"start": "2026-11-01", "end": "2026-11-30"}).json()
    assert period["counts"]["created"] == 1 and period["rates"]["response"]["numerator"] == 1
    by_district = supervisor.get("/api/reports/breakdown", params={"by": "district"}).json()
    assert [(r["label"], r["created"]) for r in by_district] == [("双清区", 1)]
    assert supervisor.get("/api/reports/breakdown", params={"by": "category"}).status_code == 200
    assert supervisor.get("/api/reports/ranking").json()[0]["code"] == "housing"
    assert (
        supervisor.get("/api/reports/period", params={"start": "2026-12-01", "end": "2026-11-01"}).status_code
        == 422
    )
    export = supervisor.get("/api/reports/export.xlsx")
    assert export.status_code == 200 and "attachment" in export.headers["content-disposition"]
    book = load_workbook(io.BytesIO(export.content))
    assert book.sheetnames == ["总览", "按单位", "按区县", "按类别", "按日", "单位排名"]
    assert book["按区县"]["A2"].value == "双清区"
    figures = unit.get("/api/units/me/figures").json()
    assert figures["counts"]["created"] == 1 and figures["filters"]["unit_id"] is not None


def test_the_wallboard_api_and_echarts_are_served_locally(world: World) -> None:
    board = world.login("supervisor").get("/api/wallboard").json()
    assert board["seats"] and len(board["calls_per_hour_today"]) == 24
    script = world.client.get("/vendor/echarts.min.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    page = world.login("supervisor").get("/wallboard").text
    assert 'src="/vendor/echarts.min.js"' in page and "cdn" not in page.lower()


def test_a_complaint_with_html_is_escaped_on_the_server_rendered_pages(world: World) -> None:
    operator, unit = world.login("operator1"), world.login("unit_housing")
    ticket = create(operator, title=XSS, content=XSS, caller_name=XSS)
    post_ok(operator, f"/api/tickets/{ticket['id']}/dispatch", {"unit_code": "housing"})
    for client in (operator, unit):
        page = client.get(f"/tickets/{ticket['id']}").text
        assert XSS not in page and "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;" in page
