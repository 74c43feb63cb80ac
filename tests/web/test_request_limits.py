"""Request bodies are capped, refusals never echo what was sent, and text that cannot be stored is a 422."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import uvicorn

from tests.web.conftest import TICKET, TestClient, World
from web import serve
from web.app import SECURITY_HEADERS
from web.config import WebSettings

MIB = 1024 * 1024


def _assert_too_large(response: Any) -> None:
    assert response.status_code == 413, response.text[:300]
    body = response.json()
    assert body["error"] == "ContentTooLarge"
    assert "请求内容过大" in body["detail"]
    for name, _ in SECURITY_HEADERS:
        assert name.decode() in response.headers


def test_the_default_cap_is_one_mebibyte_and_takes_the_largest_real_forms() -> None:
    assert WebSettings().max_body_bytes == MIB


def test_a_body_over_the_cap_is_refused_by_its_content_length(world_factory: Callable[..., World]) -> None:
    world = world_factory(max_body_bytes=64 * 1024)
    response = world.client.post(
        "/api/login", content=b'{"username": "' + b"x" * (100 * 1024) + b'", "password": "p"}'
    )
    _assert_too_large(response)
    assert len(response.content) < 1024


def test_a_chunked_body_is_counted_as_it_streams(world_factory: Callable[..., World]) -> None:
    world = world_factory(max_body_bytes=64 * 1024)
    sent = {"chunks": 0}

    def chunks() -> Iterator[bytes]:
        yield b'{"username": "'
        for _ in range(200):  # 1.6 MB if it were all read
            sent["chunks"] += 1
            yield b"x" * 8192
        yield b'", "password": "p"}'

    response = world.client.post("/api/login", content=chunks(), headers={"Content-Type": "application/json"})
    _assert_too_large(response)


def test_a_state_change_without_a_body_field_is_not_run_when_the_declared_body_is_too_big(
    world_factory: Callable[..., World],
) -> None:
    """Refused before the app runs: a route that never reads its body must not act and then answer 413."""
    world = world_factory(max_body_bytes=1024)
    operator = world.login("operator1")
    ticket = operator.post("/api/tickets", json=TICKET).json()["ticket"]
    dispatcher = world.login("dispatcher")
    response = dispatcher.post(f"/api/tickets/{ticket['id']}/reject", content=b"{" + b" " * 4096 + b"}")
    _assert_too_large(response)
    assert operator.get(f"/api/tickets/{ticket['id']}").json()["status"] == "draft"


def test_the_public_form_over_the_cap_is_refused(world_factory: Callable[..., World]) -> None:
    world = world_factory(max_body_bytes=16 * 1024)
    page = world.client.get("/public")
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"csrf_token": csrf, "caller_name": "李四", "caller_phone": "13800000000", "title": "噪音"}
    response = world.client.post("/public", data={**form, "content": "楼下" * 20_000})
    _assert_too_large(response)


def test_the_largest_legitimate_requests_fit_under_the_default_cap(world: World) -> None:
    """A ticket and a public form at every field's maximum, all Chinese text (9 bytes a character
    once form-encoded, 6 as JSON escapes): the default cap must take them with room to spare."""
    operator = world.login("operator1")
    full = {
        **TICKET,
        "title": "噪" * 200,
        "content": "噪" * 5000,
        "who": "物" * 200,
        "when": "晚" * 200,
        "address": "区" * 200,
    }
    created = operator.post("/api/tickets", json=full)
    assert created.status_code == 201, created.text[:300]
    page = world.client.get("/public")
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    form = {
        "csrf_token": csrf,
        "caller_name": "李" * 64,
        "caller_phone": "13800000000",
        "title": "噪" * 100,  # the public form's own cap (hotline.tickets.citizen)
        "content": "噪" * 5000,
        "address": "区" * 200,
    }
    submitted = world.client.post("/public", data=form)
    assert submitted.status_code == 200, submitted.text[:300]


def test_a_validation_error_names_the_field_in_chinese_and_never_echoes_the_input(world: World) -> None:
    secret = "y" * 50_000
    response = world.client.post("/api/login", json={"username": secret, "password": "p"})
    assert response.status_code == 422
    assert "yyyyyyyy" not in response.text
    assert len(response.content) < 1024
    body = response.json()
    assert body["error"] == "ValidationError"
    assert body["fields"] == [{"loc": "body.username", "message": "不能超过 64 个字符"}]
    assert "用户名不能超过 64 个字符" in body["detail"]
    for name, _ in SECURITY_HEADERS:
        assert name.decode() in response.headers


def test_a_missing_field_and_a_wrong_type_are_named(world: World) -> None:
    operator = world.login("operator1")
    response = operator.get("/api/tickets", params={"limit": "many"})
    assert response.status_code == 422
    assert response.json()["fields"] == [{"loc": "query.limit", "message": "应为整数"}]
    response = world.client.post("/api/login", json={"password": "p"})
    assert response.json()["fields"] == [{"loc": "body.username", "message": "必填"}]


def test_broken_json_is_a_chinese_422(world: World) -> None:
    response = world.client.post(
        "/api/login", content=b'{"username": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["fields"][0]["message"] == "JSON 格式有误"


@pytest.mark.parametrize(
    ("path", "body", "loc"),
    [
        ("/api/login", b'{"username": "\\ud800", "password": "p"}', "body.username"),
        ("/api/tickets", b'{"title": "\\udfff", "content": "x"}', "body.title"),
        ("/api/assist/suggest", b'{"text": "\\ud83d \xe5\x99\xaa"}', "body.text"),
    ],
)
def test_a_lone_surrogate_is_a_422_not_a_500(any_world: World, path: str, body: bytes, loc: str) -> None:
    """JSON may spell half a UTF-16 pair ("\\ud800"); no database or encoder can write the result."""
    operator = any_world.login("operator1")
    response = operator.post(path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text[:300]
    assert response.json()["fields"] == [{"loc": loc, "message": "含有无法识别的字符"}]


def test_a_nul_character_postgresql_cannot_store_is_a_422(world_factory: Callable[..., World]) -> None:
    world = world_factory("postgres")
    operator = world.login("operator1")
    for response in (
        operator.get("/api/tickets", params={"phone": "138\x00"}),
        world.client.post("/api/login", json={"username": "operator1\u0000", "password": "p"}),
    ):
        assert response.status_code == 422, response.text[:300]
        assert response.json()["error"] == "InvalidData"
        assert "空字符" in response.json()["detail"]


def test_websocket_frames_are_capped_by_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """uvicorn would take 16 MiB frames (32 of them queued) on a feed the pages never write to."""
    seen: dict[str, Any] = {}

    def run(app: Any, **kwargs: Any) -> None:
        seen.update(kwargs)

    monkeypatch.setattr(uvicorn, "run", run)
    monkeypatch.setattr(serve, "create_app", lambda *args, **kwargs: object())
    monkeypatch.setenv("HOTLINE_WEB_WS_MAX_MESSAGE_BYTES", "4096")
    serve.serve_app(host=None, port=None, proxy_headers=False, demo=False)
    assert seen["ws_max_size"] == 4096
    assert WebSettings().ws_max_message_bytes == 4096


def test_the_page_form_gets_an_html_answer_for_a_too_long_field(world: World) -> None:
    page = world.client.get("/public")
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    form = {
        "csrf_token": csrf,
        "caller_name": "李四",
        "caller_phone": "138",
        "title": "噪" * 201,
        "content": "x",
    }
    response = world.client.post("/public", data=form, headers={"Accept": "text/html"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "不能超过 200 个字符" in response.text
    assert "噪噪噪噪" not in response.text


def test_a_client_never_sees_more_than_the_cap_in_an_error(world: World) -> None:
    client = TestClient(world.app)
    response = client.post(
        "/api/login", content=b"x" * (2 * MIB), headers={"Content-Type": "application/json"}
    )
    _assert_too_large(response)


def test_the_frameworks_own_refusals_are_chinese_error_bodies(world: World) -> None:
    missing = world.client.get("/api/no-such-thing")
    assert missing.status_code == 404
    assert missing.json() == {"error": "NotFound", "detail": "未找到该地址"}
    wrong = world.login("operator1").delete("/api/tickets")
    assert wrong.status_code == 405
    assert wrong.json()["detail"] == "不支持该请求方法" and "GET" in wrong.headers["allow"]
    page = world.client.get("/no-such-page", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "未找到该地址" in page.text
    unreadable = world.client.post(
        "/api/login", content=b'{"username": "\xff"}', headers={"Content-Type": "application/json"}
    )
    assert unreadable.status_code == 400
    assert unreadable.json() == {"error": "BadRequest", "detail": "请求格式有误"}
