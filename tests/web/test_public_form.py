"""The public form checks what a citizen sends (the core's one rule), keeps it on a refusal, and the
progress page speaks to the citizen in plain words, showing nothing of the hotline's inside."""

import html
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import func, select

from hotline.enums import Channel
from hotline.tickets.citizen import PHONE_INVALID, PHONE_PATTERN
from hotline.tickets.models import Ticket
from hotline.users.models import User
from tests.web.conftest import TestClient, World, post_ok

XSS = "<script>alert(1)</script><b>x</b>"
GOOD = {
    "caller_name": "李四",
    "caller_phone": "13700001111",
    "title": "路面坑洼积水",
    "content": "宝庆路中段路面坑洼，下雨积水，车辆难行。",
    "address": "大祥区宝庆路",
}


@pytest.fixture
def world(world_factory: Callable[..., World]) -> World:
    """A world whose form takes more than a citizen's few submissions a window (the limit has its tests)."""
    return world_factory(public_form_limit=100, public_progress_limit=100)


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def _post(client: TestClient, path: str = "/public", **fields: Any) -> Any:
    token = _csrf(client.get(path).text)
    return client.post(path, data={**GOOD, **fields, "csrf_token": token})


def _tickets(world: World) -> int:
    with world.session() as session:
        return session.exec(select(func.count()).select_from(Ticket)).one()


def _field_error(page: str, name: str) -> str:
    found = re.search(rf'<p class="error field-error" id="{name}-error">([^<]*)</p>', page)
    assert found is not None, f"no error beside {name}"
    return html.unescape(found.group(1))


def test_a_bad_phone_and_a_one_letter_title_and_content_are_refused_beside_each_field(world: World) -> None:
    client = TestClient(world.app)
    refused = _post(
        client, caller_phone="12345", title="a", content="b", nature="complaint", confidential="true"
    )
    assert refused.status_code == 422
    page = refused.text
    assert _field_error(page, "caller_phone") == PHONE_INVALID
    assert _field_error(page, "title") == "标题至少 4 个字（现有 1 个字）"
    assert _field_error(page, "content") == "诉求内容至少 10 个字（现有 1 个字）"
    assert 'aria-describedby="caller_phone-error"' in page and 'aria-invalid="true"' in page
    # nothing the citizen typed is lost: each value, the type chosen, the confidentiality box
    for value in ('value="12345"', 'value="a"', ">b</textarea>", 'value="李四"', 'value="大祥区宝庆路"'):
        assert value in page, value
    assert '<option value="complaint" selected>' in page
    assert re.search(r'name="confidential" value="true" checked', page)
    assert _tickets(world) == 0


def test_html_in_the_content_stays_text_on_a_refusal_and_in_the_ticket(world: World) -> None:
    client = TestClient(world.app)
    refused = _post(client, title="灯", content=XSS)
    assert refused.status_code == 422 and XSS not in refused.text
    assert html.escape(XSS, quote=False) in refused.text  # shown back as the text it is
    done = _post(client, content=XSS)
    assert done.status_code == 200 and "查询码" in done.text
    with world.session() as session:
        ticket = session.exec(select(Ticket)).one()
    assert ticket.content == XSS and ticket.channel == Channel.WEB


def test_a_mobile_or_a_landline_with_area_code_and_extension_goes_through(world: World) -> None:
    client = TestClient(world.app)
    for phone in ("13912345678", "0739-5123456", "07395123456", "0739-5123456-801", " 010-12345678 "):
        response = _post(client, caller_phone=phone)
        assert response.status_code == 200 and "查询码" in response.text, (phone, response.text)
    assert _tickets(world) == 5
    for phone, message in (("", "请填写联系电话"), ("0739-512", "请填写正确的联系电话")):
        response = _post(client, caller_phone=phone)
        assert response.status_code == 422 and message in _field_error(response.text, "caller_phone")
    assert "请填写姓名" in _field_error(_post(client, caller_name=" ").text, "caller_name")
    long_title = _post(client, title="长" * 101)
    assert long_title.status_code == 422 and "最多 100 个字" in _field_error(long_title.text, "title")
    assert _tickets(world) == 5


def test_the_form_carries_the_same_rule_for_the_browser(world: World) -> None:
    page = world.client.get("/public").text
    pattern = re.search(r'id="caller_phone"[^>]*pattern="([^"]+)"', page)
    assert pattern is not None and html.unescape(pattern.group(1)) == PHONE_PATTERN
    assert re.search(r'id="title"[^>]*minlength="4" maxlength="100"', page)
    assert re.search(r'id="content"[^>]*minlength="10" maxlength="5000"', page)
    assert 'rel="icon"' in page


def test_open311_uses_the_same_rule(world: World) -> None:
    client = TestClient(world.app)
    key = {"X-API-Key": "partner-key"}
    form = {"service_code": "urban.property", "description": "小区电梯坏了一周没人修"}
    bad_phone = client.post("/open311/v2/requests.json", data={**form, "phone": "12345"}, headers=key)
    assert bad_phone.status_code == 422 and PHONE_INVALID in bad_phone.json()["detail"]
    short = client.post("/open311/v2/requests.json", data={**form, "description": "坏了"}, headers=key)
    assert short.status_code == 422 and "诉求内容至少 10 个字" in short.json()["detail"]
    assert _tickets(world) == 0
    no_phone = client.post("/open311/v2/requests.json", data=form, headers=key)
    landline = client.post("/open311/v2/requests.json", data={**form, "phone": "0739-5123456"}, headers=key)
    assert (no_phone.status_code, landline.status_code) == (201, 201)  # a partner may send no number
    short_line = client.post(
        "/open311/v2/requests.json",
        data={**form, "description": "电梯\n坏了一周了，没有人来修理"},
        headers=key,
    )
    assert short_line.status_code == 201
    with world.session() as session:
        titles = set(session.exec(select(Ticket.title)).all())
    assert "物业管理：电梯" in titles or any(t.endswith("：电梯") for t in titles)  # a short first line


def _lookup(client: TestClient, code: str, phone: str = GOOD["caller_phone"]) -> str:
    token = _csrf(client.get("/public/progress").text)
    page = client.post(
        "/public/progress", data={"query_code": code, "caller_phone": phone, "csrf_token": token}
    )
    assert page.status_code == 200, page.text
    return page.text


def _status(page: str) -> str:
    found = re.search(r'<b id="status">([^<]*)</b>', page)
    assert found is not None
    return html.unescape(found.group(1))


def _filed(world: World, client: TestClient, **fields: Any) -> tuple[str, int]:
    done = _post(client, **fields)
    code = re.search(r'id="query-code">([A-Z0-9]+)<', done.text)
    assert code is not None, done.text
    with world.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.query_code == code.group(1))).one()
    assert ticket.id is not None
    return code.group(1), ticket.id


def test_the_progress_page_uses_the_citizens_words_and_shows_nothing_internal(world: World) -> None:
    citizen = TestClient(world.app)
    code, ticket_id = _filed(world, citizen, confidential="true")
    assert _status(_lookup(citizen, code)) == "已受理，正在分派"
    dispatcher, unit = world.login("dispatcher"), world.login("unit_housing")
    internal = [
        "派单备注：先找物业核实",
        "签收备注：内部核查中",
        "联系备注：居民态度激动",
        "延期原因：需协调交通局",
        "督办意见：加快办理",
    ]
    post_ok(dispatcher, f"/api/tickets/{ticket_id}/dispatch", {"unit_code": "housing", "note": internal[0]})
    assert _status(_lookup(citizen, code)) == "已转交承办单位办理"
    post_ok(unit, f"/api/tickets/{ticket_id}/sign", {"note": internal[1]})
    post_ok(unit, f"/api/tickets/{ticket_id}/contact", {"note": internal[2]})
    due = (world.clock.now() + timedelta(days=2)).isoformat()
    post_ok(unit, f"/api/tickets/{ticket_id}/extension", {"working_days": 3, "reason": internal[3]})
    post_ok(
        world.login("supervisor"), f"/api/tickets/{ticket_id}/supervise", {"note": internal[4], "due_at": due}
    )
    page = _lookup(citizen, code)
    assert _status(page) == "承办单位正在办理"
    post_ok(unit, f"/api/tickets/{ticket_id}/reply", {"text": "已修补路面，排水已疏通。"})
    page = _lookup(citizen, code)
    assert _status(page) == "承办单位已答复，等待回访"
    assert "已修补路面，排水已疏通。" in page  # the reply is for the citizen
    with world.session() as session:
        names = [u.display_name for u in session.exec(select(User)).all()]
    for secret in [*internal, *names, "待派单", "待签收", "办理中", "住建局 联络员"]:
        assert secret not in page, secret
    assert "承办单位已签收" in page and "已转交承办单位" in page  # the steps, in plain words


def test_a_refusal_says_why_in_plain_words_and_a_merge_says_it_is_handled_with_others(world: World) -> None:
    citizen = TestClient(world.app)
    code, ticket_id = _filed(world, citizen)
    dispatcher = world.login("dispatcher")
    post_ok(
        dispatcher, f"/api/tickets/{ticket_id}/reject", {"reason": "out_of_scope", "note": "内部：重复来电"}
    )
    page = _lookup(citizen, code)
    assert _status(page) == "不予受理：不属于12345热线受理范围，请向有关部门反映"
    assert "内部：重复来电" not in page and "out_of_scope" not in page

    first_code, first_id = _filed(world, citizen)
    second_code, second_id = _filed(world, citizen)
    post_ok(dispatcher, f"/api/tickets/{second_id}/merge", {"master_id": first_id})
    assert _status(_lookup(citizen, second_code)) == "已与其他诉求合并办理"
    assert _status(_lookup(citizen, first_code)) == "已受理，正在分派"


def test_every_page_has_the_favicon_and_only_admins_see_the_api_docs_link(world: World) -> None:
    icon = world.client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert b"12345" in icon.content and world.client.get("/favicon.svg").content == icon.content
    anonymous = TestClient(world.app)
    for path in ("/login", "/public", "/public/mailbox", "/public/progress"):
        assert '<link rel="icon" href="/favicon.svg"' in anonymous.get(path).text, path
    pages = {
        "operator1": ["/seat"],
        "dispatcher": ["/intake", "/desk", "/reports"],
        "unit_housing": ["/portal"],
        "supervisor": ["/desk", "/wallboard"],
        "admin": ["/admin"],
    }
    for username, paths in pages.items():
        client = world.login(username)
        for path in paths:
            page = client.get(path)
            assert page.status_code == 200, (username, path)
            assert '<link rel="icon" href="/favicon.svg"' in page.text, path
            assert ('href="/docs"' in page.text) == (username == "admin"), (username, path)
