"""The web app on a real database: a fresh seeded SQLite file per test (PostgreSQL too where asked).

Starlette's TestClient warns when it has to fall back to ``httpx``; the project installs ``httpx2``
(its transport) so the warning never fires and ``-W error`` stays on. Should an environment lack
it, that one deprecation (and nothing else) is let through here rather than turning warnings off.
"""

import os
import secrets
import shutil
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel, select

import hotline.models  # noqa: F401  (registers every table)
from hotline.clock import FixedClock
from hotline.config import Settings
from hotline.db import make_engine, with_search_path
from hotline.seed.data import DEMO_PASSWORD
from hotline.seed.service import seed
from hotline.users.models import User
from web.adapters import RulesOnlyClassifier
from web.app import create_app
from web.config import WebSettings
from web.security import COOKIE, BrowserSession

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient as TestClient

PG_ENV = "HOTLINE_TEST_DATABASE_URL"
REDIS_URL = os.environ.get("HOTLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
SECRET = "test-secret-key-for-sessions"
_counter = iter(range(1_000_000))
_SCHEMAS: dict[int, str] = {}


def now_at_start() -> datetime:
    """Monday 2026-11-23 09:00 in Shaoyang (01:00 UTC), a plain working day."""
    return datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def build_engine(backend: str, tmp: Path, template: Path | None = None) -> Engine:
    """A new seeded database: a copy of the seeded SQLite template, or a PostgreSQL schema of its own."""
    if backend == "sqlite":
        target = tmp / f"web-{next(_counter)}.db"
        if template is not None:
            shutil.copyfile(template, target)
            return make_engine(f"sqlite:///{target}")
        engine = make_engine(f"sqlite:///{target}")
    else:
        found = os.environ.get(PG_ENV)
        if not found:
            pytest.skip(f"PostgreSQL leg: set {PG_ENV} (CI points it at 127.0.0.1:5432)")
        schema = f"test_web_{os.getpid()}_{next(_counter)}"
        url = with_search_path(found, schema)
        engine = make_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
                conn.execute(text(f"CREATE SCHEMA {schema}"))
        except OperationalError as err:
            pytest.skip(f"PostgreSQL leg: server at {PG_ENV} unreachable: {err.orig}")
        _SCHEMAS[id(engine)] = schema
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        seed(session, now=now_at_start(), demo=True)
    return engine


def drop_engine(engine: Engine) -> None:
    schema = _SCHEMAS.pop(id(engine), None)
    if schema:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


def web_settings(**overrides: Any) -> WebSettings:
    values: dict[str, Any] = {
        "secret_key": SECRET,
        "redis_url": None,
        "classifier": False,
        "simulator": False,
        "wallboard_min_interval_s": 0.05,
        "open311_api_keys": ["partner-key"],
    }
    values.update(overrides)
    return WebSettings.model_validate(values)


@dataclass
class World:
    """A running app (lifespan entered), its database and clock, and a way to log users in."""

    app: Any
    engine: Engine
    clock: FixedClock
    client: TestClient

    def login(self, username: str, *, real: bool = False) -> TestClient:
        """A client of its own, logged in as ``username``, sending its CSRF token on every request.

        Tests of other things get a session signed with the app's key directly (argon2 is slow by
        design); ``real`` goes through /api/login.
        """
        client = TestClient(self.app)
        if real:
            response = client.post("/api/login", json={"username": username, "password": DEMO_PASSWORD})
            assert response.status_code == 200, response.text
            client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
            return client
        with self.session() as session:
            user = session.exec(select(User).where(User.username == username)).one()
        data = BrowserSession(user_id=user.id, csrf=secrets.token_urlsafe(16))
        client.cookies.set(COOKIE, self.app.state.services.codec.dumps(data))
        client.headers["X-CSRF-Token"] = data.csrf
        return client

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One seeded SQLite file, copied for each test."""
    folder = tmp_path_factory.mktemp("template")
    engine = build_engine("sqlite", folder)
    engine.dispose()
    return next(folder.glob("web-*.db"))


def make_app(engine: Engine, **web: Any) -> Any:
    """The app on this database with the tests' settings, a fixed clock and the rules-only classifier."""
    return create_app(
        Settings(database_url=str(engine.url)),
        web=web_settings(**web),
        engine=engine,
        clock=FixedClock(now_at_start()),
        classifier=RulesOnlyClassifier(),
    )


@pytest.fixture
def world_factory(tmp_path: Path, sqlite_template: Path) -> Iterator[Callable[..., World]]:
    made: list[tuple[TestClient, Engine]] = []

    def make(backend: str = "sqlite", **web: Any) -> World:
        engine = build_engine(backend, tmp_path, sqlite_template)
        app = make_app(engine, **web)
        clock: FixedClock = app.state.services.clock
        client = TestClient(app)
        client.__enter__()
        made.append((client, engine))
        return World(app=app, engine=engine, clock=clock, client=client)

    yield make
    for client, engine in made:
        client.__exit__(None, None, None)
        drop_engine(engine)


@pytest.fixture
def world(world_factory: Callable[..., World]) -> World:
    return world_factory()


@pytest.fixture(params=["sqlite", "postgres"])
def any_world(request: pytest.FixtureRequest, world_factory: Callable[..., World]) -> World:
    """The same test on SQLite and on the real PostgreSQL (skipped without it)."""
    backend: str = request.param
    return world_factory(backend)


TICKET = {
    "caller_name": "张三",
    "caller_phone": "13800138000",
    "who": "小区物业",
    "when": "昨晚十点",
    "address": "双清区龙须塘街道某小区3栋",
    "title": "小区夜间施工噪音扰民",
    "content": "连续一周晚上十点后还在施工，电钻声很大，老人小孩睡不着。",
    "nature": "complaint",
    "urgency": "normal",
    "district": "双清区",
}


def create(client: TestClient, **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/tickets", json={**TICKET, **overrides})
    assert response.status_code == 201, response.text
    ticket: dict[str, Any] = response.json()["ticket"]
    return ticket


def post_ok(client: TestClient, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.post(path, json=body or {})
    assert response.status_code in {200, 201}, f"{path}: {response.status_code} {response.text}"
    data: dict[str, Any] = response.json()
    return data


def ring_and_answer(world: World, *, linkedid: str, seat: str, number: str = "13800138000") -> None:
    """A caller queues, a seat rings and answers: the core's call events, published to the app's hub."""
    from datetime import timedelta

    from hotline.calls.events import CallEvent, CallEventKind
    from hotline.calls.service import handle_call_event

    hub = world.app.state.services.hub
    at = world.clock.now()
    interface = f"Local/{seat}@agents"
    kinds = (
        (CallEventKind.QUEUED, at),
        (CallEventKind.SEAT_RINGING, at + timedelta(seconds=3)),
        (CallEventKind.ANSWERED, at + timedelta(seconds=5)),
    )
    with world.session() as session:
        for kind, when in kinds:
            event = CallEvent(
                kind=kind,
                at=when,
                linkedid=linkedid,
                queue="12345",
                caller_number=number,
                caller_name="张三",
                interface=interface if kind is not CallEventKind.QUEUED else "",
            )
            handle_call_event(session, event=event, publisher=hub)


def as_user(world: World, username: str) -> TestClient:
    """The app's own (lifespan) client, logged in as ``username``: websockets share the hub's loop."""
    other = world.login(username)
    world.client.cookies.clear()
    world.client.cookies.update(other.cookies)
    world.client.headers["X-CSRF-Token"] = other.headers["X-CSRF-Token"]
    return world.client


def next_message(ws: Any, topic: str) -> dict[str, Any]:
    """The data of the next message on ``topic`` a websocket receives (skipping other topics)."""
    while True:
        message: dict[str, Any] = ws.receive_json()
        if message["topic"] == topic:
            data: dict[str, Any] = message["data"]
            return data


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own on the real Redis (skipped where none runs); its keys go after."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except Exception as err:
        pytest.skip(f"Redis at {REDIS_URL} is not reachable ({err}); start redis-server to run this test")
    prefix = f"hotline-test-{os.getpid()}-{next(_counter)}:"
    yield prefix
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    client.close()


@pytest.fixture(autouse=True)
def model_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The retrain jobs of any test write into a model store of its own, never the working directory's."""
    store = tmp_path / "model-store"
    monkeypatch.setenv("HOTLINE_CLASSIFIER_STORE_DIR", str(store))
    return store
