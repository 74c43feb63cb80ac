"""Many writers at once on one SQLite file, with few threads: every request completes.

A SQLite write transaction holds the whole database. If one could span two thread-pool hops,
the threads could all be waiting for the database while its holder waits for a thread: every
request would then stall until the busy timeout and fail.
"""

import asyncio
import secrets
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx
import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy import Engine
from sqlmodel import Session, select

from hotline.tickets import service as svc
from hotline.users.models import User
from tests.web.conftest import TICKET, World, build_engine, create, make_app
from web.deps import TransactionPerHop, get_login_session, get_read_session, get_session
from web.security import COOKIE, BrowserSession

WRITERS = 24
THREADS = 3


def test_more_concurrent_writers_than_threads_all_finish(tmp_path: Path, sqlite_template: Path) -> None:
    engine = build_engine("sqlite", tmp_path, sqlite_template)
    app = make_app(engine)
    assert asyncio.run(_storm(app, engine, "POST", WRITERS, threads=THREADS)) == [201] * WRITERS
    engine.dispose()


def test_a_process_runs_at_most_its_write_slots_at_once_and_reads_are_not_held(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = build_engine("sqlite", tmp_path, sqlite_template)
    app = make_app(engine, db_writers=2)
    running = {"now": 0, "most": 0}

    def slow(real: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            running["now"] += 1
            running["most"] = max(running["most"], running["now"])
            try:
                time.sleep(0.02)  # long enough that unlimited requests would overlap
                return real(*args, **kwargs)
            finally:
                running["now"] -= 1

        return run

    monkeypatch.setattr(svc, "create_ticket", slow(svc.create_ticket))
    monkeypatch.setattr(svc, "list_tickets", slow(svc.list_tickets))

    async def writes_then_reads() -> tuple[int, int]:
        assert await _storm(app, engine, "POST", 12, threads=40) == [201] * 12
        most_writing, running["most"] = running["most"], 0
        assert await _storm(app, engine, "GET", 12, threads=40) == [200] * 12
        return most_writing, running["most"]

    most_writing, most_reading = asyncio.run(writes_then_reads())
    assert most_writing == 2
    assert most_reading > 2  # reads take no write slot
    engine.dispose()


async def _storm(app: Any, engine: Engine, method: str, count: int, *, threads: int) -> list[int]:
    """``count`` ticket creations (POST) or inbox reads (GET) at once; their status codes."""
    with Session(engine) as session:
        operator = session.exec(select(User).where(User.username == "operator1")).one()
    token = secrets.token_urlsafe(16)
    cookie = app.state.services.codec.dumps(BrowserSession(user_id=operator.id, csrf=token))
    anyio.to_thread.current_default_thread_limiter().total_tokens = threads
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://test",
            cookies={COOKIE: cookie},
            headers={"X-CSRF-Token": token},
        ) as client,
    ):

        async def one(n: int) -> int:
            if method == "GET":
                return (await client.get("/api/tickets")).status_code
            return (await client.post("/api/tickets", json={**TICKET, "title": f"同时 {n}"})).status_code

        return await asyncio.wait_for(asyncio.gather(*(one(n) for n in range(count))), timeout=20)


def test_every_route_that_uses_the_database_ends_its_transaction_in_its_own_hop(
    tmp_path: Path, sqlite_template: Path
) -> None:
    engine = build_engine("sqlite", tmp_path, sqlite_template)
    app = make_app(engine)
    routers = [r.original_router for r in app.routes if hasattr(r, "original_router")]  # FastAPI 0.165
    routes = [route for router in routers for route in router.routes] + list(app.routes)
    with_session = [
        route
        for route in routes
        if isinstance(route, APIRoute)
        and any(d.call in (get_session, get_login_session, get_read_session) for d in _all(route.dependant))
    ]
    assert len(with_session) > 50
    assert [r.path for r in with_session if not isinstance(r, TransactionPerHop)] == []
    engine.dispose()


def _all(dependant: Dependant) -> list[Dependant]:
    found = list(dependant.dependencies)
    for sub in dependant.dependencies:
        found.extend(_all(sub))
    return found


def test_posts_that_only_read_answer_while_another_process_holds_the_sqlite_write_lock(
    world: World,
) -> None:
    # Classifier suggestions and the duplicate search come as POSTs while the operator types:
    # they must neither wait for nor hold SQLite's one write lock (nor take the write slot).
    operator = world.login("operator1")
    create(operator, title="小区夜间施工噪音扰民")
    path = world.engine.url.database
    assert path is not None
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # as the phone bridge or another app process writing
        text = {"text": "晚上十点以后小区还在施工，噪音很大"}
        assert operator.post("/api/assist/suggest", json=text).status_code == 200
        found = operator.post("/api/assist/duplicates", json=text)
        assert found.status_code == 200 and found.json()[0]["ticket"]["title"] == "小区夜间施工噪音扰民"
    finally:
        other.rollback()
        other.close()
