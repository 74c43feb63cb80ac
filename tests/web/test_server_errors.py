"""Well-formed input never gets a 5xx, and the 500 an unforeseen error gets keeps the connection open."""

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import Request

from hotline.clock import FixedClock
from hotline.config import Settings
from tests.web.conftest import TICKET, World, build_engine, drop_engine, now_at_start, web_settings
from web.adapters import RulesOnlyClassifier
from web.app import SECURITY_HEADERS, create_app
from web.model_reload import load_live_classifier
from web.schemas import ClassifyIn

ID_MAX = 2**53 - 1  # exact in the OpenAPI (FastAPI renders bounds as floats) and in JavaScript
TOO_BIG = 2**63  # overflowed the database drivers


def test_every_integer_id_in_the_api_is_bounded(world: World) -> None:
    """Ids beyond PostgreSQL's bigint overflowed the database driver; each is bounded in the OpenAPI."""
    spec = world.app.openapi()
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                schema = parameter["schema"]
                if schema.get("type") == "integer":
                    found.append((method, path, parameter["name"]))
                    assert "minimum" in schema, (method, path, parameter["name"])
                    assert "maximum" in schema and schema["maximum"] <= ID_MAX, (
                        method,
                        path,
                        parameter["name"],
                    )
    assert len(found) >= 20
    for name in ("MergeIn", "CloseOnSpotIn", "DialIn"):
        for prop, schema in spec["components"]["schemas"][name]["properties"].items():
            for option in schema.get("anyOf", [schema]):
                if option.get("type") == "integer" and prop.endswith("_id"):
                    assert option["minimum"] == 1 and option["maximum"] == ID_MAX, (name, prop)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"/api/tickets/{TOO_BIG}", None),
        ("POST", f"/api/tickets/{TOO_BIG}/sign", None),
        ("POST", f"/api/tickets/{TOO_BIG}/contact", {"note": ""}),
        ("POST", f"/api/extensions/{TOO_BIG}/decision", {"approve": True}),
        ("POST", f"/api/supervisions/{TOO_BIG}/resolve", {"note": ""}),
        ("POST", f"/api/calls/{TOO_BIG}/worklist-done", {"note": ""}),
        ("GET", f"/api/tickets?offset={TOO_BIG}", None),
        ("GET", f"/tickets/{TOO_BIG}", None),
        ("GET", "/api/tickets/0", None),
        ("GET", f"/api/tickets/{ID_MAX + 1}", None),
    ],
)
def test_an_id_out_of_range_is_a_422(any_world: World, method: str, path: str, body: Any) -> None:
    """A role the route refuses gets its 403 first; every role it lets through gets a 422."""
    answers = {}
    for username in ("operator1", "unit_housing", "dispatcher", "supervisor"):
        response = any_world.login(username).request(method, path, json=body)
        answers[username] = response.status_code
        assert response.status_code in {403, 422}, (username, response.status_code, response.text[:300])
    assert 422 in answers.values(), answers


def test_an_id_out_of_range_in_a_body_is_a_422(any_world: World) -> None:
    operator = any_world.login("operator1")
    ticket = operator.post("/api/tickets", json=TICKET).json()["ticket"]
    for path, body in (
        (f"/api/tickets/{ticket['id']}/merge", {"master_id": TOO_BIG}),
        (f"/api/tickets/{ticket['id']}/close-on-spot", {"answer": "已答复", "article_id": TOO_BIG}),
        ("/api/calls/dial", {"number": "13800138000", "ticket_id": TOO_BIG}),
    ):
        response = operator.post(path, json=body)
        assert response.status_code == 422, (path, response.text[:300])
        assert response.json()["fields"][0]["message"] == f"不能大于 {ID_MAX}"


def test_a_category_id_beyond_the_database_is_a_422(any_world: World) -> None:
    """The core's TicketCreate leaves category_id unbounded: SQLite's driver overflowed (500)."""
    operator = any_world.login("operator1")
    created = operator.post("/api/tickets", json={**TICKET, "category_id": TOO_BIG})
    assert created.status_code == 422, created.text[:300]
    ticket = operator.post("/api/tickets", json=TICKET).json()["ticket"]
    edited = operator.patch(f"/api/tickets/{ticket['id']}", json={"category_id": TOO_BIG})
    assert edited.status_code == 422, edited.text[:300]


@pytest.fixture(scope="module")
def classified(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[World]:
    """The app with the shipped routing model, as in production (loading it takes a few seconds)."""
    from tests.web.conftest import TestClient

    engine = build_engine("sqlite", tmp_path_factory.mktemp("classified"), sqlite_template)
    app = create_app(
        Settings(database_url=str(engine.url)),
        web=web_settings(),
        engine=engine,
        clock=FixedClock(now_at_start()),
        classifier=load_live_classifier(enabled=True),
    )
    assert not isinstance(app.state.services.classifier, RulesOnlyClassifier)
    with TestClient(app) as client:
        yield World(app=app, engine=engine, clock=app.state.services.clock, client=client)
    drop_engine(engine)


def test_the_assist_text_the_schema_allows_is_the_text_the_classifier_takes(classified: World) -> None:
    operator = classified.login("operator1")
    limit = ClassifyIn.model_fields["text"].metadata[0].max_length
    # What the seat sends: title (200), "。", content (5,000), " ", address (200).
    longest_form = "噪" * 200 + "。" + "楼下装修噪音扰民" * 625 + " " + "区" * 200
    assert len(longest_form) <= limit
    for text in (longest_form, "小区夜间施工" * (limit // 6)):
        for path in ("/api/assist/suggest", "/api/assist/duplicates"):
            response = operator.post(path, json={"text": text})
            assert response.status_code == 200, (path, len(text), response.text[:300])
    over = operator.post("/api/assist/suggest", json={"text": "噪" * (limit + 1)})
    assert over.status_code == 422
    assert over.json()["fields"] == [{"loc": "body.text", "message": f"不能超过 {limit} 个字符"}]


def test_text_the_classifier_cannot_read_is_a_422(classified: World) -> None:
    operator = classified.login("operator1")
    response = operator.post(
        "/api/assist/suggest",
        content='{"text": "楼下\\ud800噪音"}'.encode(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text[:300]


class Served:
    def __init__(self, server: uvicorn.Server, url: str) -> None:
        self.server, self.url = server, url


@pytest.fixture
def served(tmp_path: Path, sqlite_template: Path) -> Iterator[Callable[..., Served]]:
    """The app with a route that fails unforeseen, behind a real uvicorn on a loopback port."""
    running: list[tuple[uvicorn.Server, threading.Thread, Any]] = []

    def start(**web: Any) -> Served:
        engine = build_engine("sqlite", tmp_path, sqlite_template)
        app = create_app(
            Settings(database_url=str(engine.url)),
            web=web_settings(**web),
            engine=engine,
            clock=FixedClock(now_at_start()),
            classifier=RulesOnlyClassifier(),
        )

        def boom() -> None:
            raise RuntimeError("a bug nobody foresaw")

        def port(request: Request) -> dict[str, int]:
            assert request.client is not None
            return {"port": request.client.port}

        app.add_api_route("/test/boom", boom)
        app.add_api_route("/test/port", port)
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="critical"))
        thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
            time.sleep(0.05)
        running.append((server, thread, engine))
        return Served(server, f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}")

    yield start
    for server, thread, engine in running:
        server.should_exit = True
        thread.join(timeout=10)
        drop_engine(engine)


def test_an_unforeseen_error_is_a_chinese_500_with_the_headers_and_keeps_the_connection(
    served: Callable[..., Served], caplog: pytest.LogCaptureFixture
) -> None:
    app = served()
    with httpx.Client(base_url=app.url) as client:
        before = client.get("/test/port").json()["port"]
        failed = client.get("/test/boom")
        after = client.get("/test/port").json()["port"]
    assert failed.status_code == 500
    assert failed.json() == {"error": "InternalError", "detail": "服务器内部错误，请稍后重试"}
    for name, _ in SECURITY_HEADERS:
        assert name.decode() in failed.headers
    assert "a bug nobody foresaw" not in failed.text
    assert before == after, "the keep-alive connection was closed after the 500"
    assert any("a bug nobody foresaw" in str(r.exc_info) for r in caplog.records if r.exc_info)


def test_a_chunked_upload_over_the_cap_is_refused_by_the_real_server(served: Callable[..., Served]) -> None:
    app = served(max_body_bytes=64 * 1024)

    def chunks() -> Iterator[bytes]:
        yield b'{"username": "'
        for _ in range(64):
            yield b"x" * 8192
        yield b'", "password": "p"}'

    with httpx.Client(base_url=app.url) as client:
        response = client.post("/api/login", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert "请求内容过大" in response.json()["detail"]
