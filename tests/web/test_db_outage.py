"""The database goes away: a Chinese 503 with Retry-After, /readyz fails, nothing acknowledged is lost.

The first tests point the app at a PostgreSQL address where nothing listens (or where a socket
accepts and never answers), so they need no server. The last one takes the real PostgreSQL of
``HOTLINE_TEST_DATABASE_URL`` away from a database of its own while tickets are being created.
"""

import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
import uvicorn
from sqlalchemy import Engine, make_url, text
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlmodel import Session, SQLModel, col, select

import hotline.models  # noqa: F401  (registers every table)
from hotline.clock import FixedClock, SystemClock
from hotline.config import Settings
from hotline.db import make_engine
from hotline.seed.service import seed
from hotline.tickets.models import Ticket
from hotline.users.models import User
from tests.web.conftest import TICKET, TestClient, now_at_start, web_settings
from web.adapters import RulesOnlyClassifier
from web.app import SECURITY_HEADERS, create_app
from web.security import COOKIE, BrowserSession

PG_ENV = "HOTLINE_TEST_DATABASE_URL"
UNAVAILABLE = "数据库暂时不可用，请稍后重试"


def _free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _app_on(url: str, **web: Any) -> Any:
    return create_app(
        Settings(database_url=url),
        web=web_settings(**web),
        engine=make_engine(url),
        clock=FixedClock(now_at_start()),
        classifier=RulesOnlyClassifier(),
    )


def _signed_in(app: Any, client: TestClient, user_id: int = 1) -> TestClient:
    data = BrowserSession(user_id=user_id, csrf=secrets.token_urlsafe(16))
    client.cookies.set(COOKIE, app.state.services.codec.dumps(data))
    client.headers["X-CSRF-Token"] = data.csrf
    return client


def _assert_unavailable(response: httpx.Response | httpx2.Response) -> None:
    assert response.status_code == 503, (response.status_code, response.text[:300])
    assert int(response.headers["retry-after"]) >= 1
    for name, _ in SECURITY_HEADERS:
        assert name.decode() in response.headers, name
    if response.headers["content-type"].startswith("application/json"):
        assert response.json() == {"error": "DatabaseUnavailable", "detail": UNAVAILABLE}
    else:
        assert UNAVAILABLE in response.text


@pytest.fixture
def refused() -> Iterator[tuple[Any, TestClient]]:
    """The app on a PostgreSQL address that refuses every connection."""
    app = _app_on(f"postgresql+psycopg://postgres@127.0.0.1:{_free_port()}/hotline")
    with TestClient(app) as client:
        yield app, client
    app.state.services.engine.dispose()


def test_with_the_database_refusing_the_api_answers_503(refused: tuple[Any, TestClient]) -> None:
    app, client = refused
    _assert_unavailable(client.post("/api/login", json={"username": "operator1", "password": "x"}))
    signed = _signed_in(app, client)
    _assert_unavailable(signed.get("/api/tickets"))
    _assert_unavailable(signed.post("/api/tickets", json=TICKET))
    _assert_unavailable(signed.get("/seat", headers={"Accept": "text/html"}))


def test_liveness_stays_ok_and_readiness_fails_while_the_database_is_away(
    refused: tuple[Any, TestClient],
) -> None:
    _, client = refused
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    _assert_unavailable(ready)


def test_readiness_gives_up_on_a_database_that_never_answers() -> None:
    """A socket that takes the connection and says nothing: /readyz answers 503 within its timeout."""
    with closing(socket.socket()) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        port = silent.getsockname()[1]
        app = _app_on(f"postgresql+psycopg://postgres@127.0.0.1:{port}/hotline", ready_timeout_s=0.5)
        with TestClient(app) as client:
            started = time.monotonic()
            ready = client.get("/readyz")
            took = time.monotonic() - started
        _assert_unavailable(ready)
        assert took < 3, took
    app.state.services.engine.dispose()


def test_readiness_is_ok_when_the_database_answers(tmp_path: Path) -> None:
    app = _app_on(f"sqlite:///{tmp_path / 'ready.db'}")
    with TestClient(app) as client:
        ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["database"] == "ok"
    app.state.services.engine.dispose()


# --- the real PostgreSQL, taken away under load ----------------------------------------------------


@dataclass
class Outcome:
    title: str
    status: int
    number: str | None = None
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def outage_db() -> Iterator[tuple[Engine, str]]:
    """A database of this test's own on the real server (the admin connection stays on the test database)."""
    found = os.environ.get(PG_ENV)
    if not found:
        pytest.skip(f"the PostgreSQL outage test needs {PG_ENV} (CI points it at 127.0.0.1:5432)")
    admin = make_engine(found).execution_options(isolation_level="AUTOCOMMIT")
    name = f"hotline_outage_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as err:
        pytest.skip(f"PostgreSQL at {PG_ENV} unreachable: {err.orig}")
    except ProgrammingError as err:
        pytest.skip(f"the outage test needs CREATE DATABASE on {PG_ENV}: {err.orig}")
    try:
        yield admin, make_url(found).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _disturb(admin: Engine, name: str, stop: threading.Event, log: list[str]) -> None:
    """Kill every connection of the app's database, again and again; then refuse new ones for a while."""
    kill = text(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
        " WHERE datname = :name AND pid <> pg_backend_pid()"
    )
    with admin.connect() as conn:
        for phase in ("kill", "block", "kill", "block"):
            if stop.is_set():
                return
            if phase == "block":
                conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
                killed = conn.execute(kill, {"name": name}).scalar_one()
                log.append(f"blocked, killed {killed}")
                stop.wait(1.5)
                conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
                log.append("allowed")
            else:
                until = time.monotonic() + 1.5
                while time.monotonic() < until and not stop.is_set():
                    killed = conn.execute(kill, {"name": name}).scalar_one()
                    log.append(f"killed {killed}")
                    stop.wait(0.1)
            stop.wait(0.5)  # some calm between the storms: requests must get through again


def test_tickets_acknowledged_while_postgresql_drops_every_connection_are_all_stored(
    outage_db: tuple[Engine, str],
) -> None:
    admin, url = outage_db
    name = make_url(url).database
    assert name
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        seed(session, now=now_at_start(), demo=True)
        operator_id = session.exec(select(User.id).where(User.username == "operator1")).one()
    app = create_app(
        Settings(database_url=url),
        web=web_settings(),
        engine=engine,
        clock=SystemClock(),
        classifier=RulesOnlyClassifier(),
    )
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="critical"))
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    base = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    csrf = secrets.token_urlsafe(16)
    cookie = app.state.services.codec.dumps(BrowserSession(user_id=operator_id, csrf=csrf))
    outcomes: list[Outcome] = []
    readiness: list[int] = []
    stop = threading.Event()
    log: list[str] = []

    def create_tickets(worker: int) -> None:
        with httpx.Client(base_url=base, cookies={COOKIE: cookie}, headers={"X-CSRF-Token": csrf}) as client:
            for i in range(400):  # bounded; the disturbance ends the loop long before
                if stop.is_set():
                    return
                title = f"outage-{worker}-{i}"
                try:
                    response = client.post("/api/tickets", json={**TICKET, "title": title}, timeout=30)
                except httpx.TransportError as err:  # a reset connection is a bare failure too
                    outcomes.append(Outcome(title, 0, body=repr(err)))
                    continue
                number = response.json()["ticket"]["number"] if response.status_code == 201 else None
                outcomes.append(
                    Outcome(title, response.status_code, number, response.text, dict(response.headers))
                )

    def probe() -> None:
        with httpx.Client(base_url=base) as client:
            while not stop.wait(0.2):
                readiness.append(client.get("/readyz", timeout=10).status_code)

    workers = [threading.Thread(target=create_tickets, args=(w,)) for w in range(6)]
    workers.append(threading.Thread(target=probe))
    for worker in workers:
        worker.start()
    try:
        time.sleep(0.5)
        _disturb(admin, name, stop, log)
        time.sleep(0.5)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=60)
    try:
        with httpx.Client(base_url=base, cookies={COOKIE: cookie}, headers={"X-CSRF-Token": csrf}) as client:
            after = client.post("/api/tickets", json={**TICKET, "title": "outage-after"})
            ready_after = client.get("/readyz")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    with Session(engine) as session:
        found = session.exec(select(Ticket).where(col(Ticket.title).startswith("outage-")))
        stored = {t.title: t.number for t in found}
    engine.dispose()

    acknowledged = [o for o in outcomes if o.status == 201]
    failed = [o for o in outcomes if o.status != 201]
    assert acknowledged and failed, (len(acknowledged), len(failed), log)  # the storm did hit requests
    lost = [o.title for o in acknowledged if stored.get(o.title) != o.number]
    assert not lost, f"acknowledged but not stored: {lost}"
    bare = [(o.title, o.status, o.body[:200]) for o in failed if o.status != 503]
    assert not bare, f"failures that were not a 503: {bare[:5]} ({len(bare)} of {len(failed)})"
    for o in failed:
        assert o.headers["retry-after"], o
        assert UNAVAILABLE in o.body, o
        assert all(name.decode() in o.headers for name, _ in SECURITY_HEADERS), o
    assert 503 in readiness and 200 in readiness, readiness
    assert after.status_code == 201, after.text[:300]
    assert ready_after.status_code == 200
