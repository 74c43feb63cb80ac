"""Many writers at once on one SQLite file, with few threads: every request completes.

A SQLite write transaction holds the whole database. If one could span two thread-pool hops,
the threads could all be waiting for the database while its holder waits for a thread: every
request would then stall until the busy timeout and fail.
"""

import asyncio
import secrets
from pathlib import Path

import anyio.to_thread
import httpx
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlmodel import Session, select

from hotline.users.models import User
from tests.web.conftest import TICKET, build_engine, make_app
from web.deps import TransactionPerHop, get_session
from web.security import COOKIE, BrowserSession

WRITERS = 24
THREADS = 3


def test_more_concurrent_writers_than_threads_all_finish(tmp_path: Path, sqlite_template: Path) -> None:
    engine = build_engine("sqlite", tmp_path, sqlite_template)
    app = make_app(engine)
    with Session(engine) as session:
        operator = session.exec(select(User).where(User.username == "operator1")).one()
    token = secrets.token_urlsafe(16)
    cookie = app.state.services.codec.dumps(BrowserSession(user_id=operator.id, csrf=token))

    async def storm() -> list[int]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
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
                response = await client.post("/api/tickets", json={**TICKET, "title": f"同时 {n}"})
                return response.status_code

            return await asyncio.wait_for(asyncio.gather(*(one(n) for n in range(WRITERS))), timeout=20)

    assert asyncio.run(storm()) == [201] * WRITERS
    engine.dispose()


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
        if isinstance(route, APIRoute) and any(d.call is get_session for d in _all(route.dependant))
    ]
    assert len(with_session) > 50
    assert [r.path for r in with_session if not isinstance(r, TransactionPerHop)] == []
    engine.dispose()


def _all(dependant: Dependant) -> list[Dependant]:
    found = list(dependant.dependencies)
    for sub in dependant.dependencies:
        found.extend(_all(sub))
    return found
