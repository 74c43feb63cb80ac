"""Dependencies and their ``Annotated`` aliases: the app's services, a DB session, now, the actor."""

import asyncio
import functools
import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Annotated, Any, Final, TypeVar

from anyio import CapacityLimiter, to_thread
from fastapi import Depends, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader
from fastapi.templating import Jinja2Templates
from pydantic import Field
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.requests import HTTPConnection

from hotline.clock import Clock
from hotline.config import Rules, Settings
from hotline.db import writer
from hotline.enums import Role
from hotline.errors import PermissionDenied
from hotline.metrics.models import MetricRules
from hotline.names import ROLE
from hotline.ports import CallControl, Classifier
from hotline.users.models import Actor, User
from hotline.users.service import actor_for
from web.config import WebSettings
from web.errors import NotAuthenticated
from web.hub import Hub
from web.ratelimit import RateLimiter
from web.security import UNSAFE_METHODS, BrowserSession, SessionCodec, check_csrf

T = TypeVar("T")

# The largest row id taken. Beyond 2^63 - 1 (PostgreSQL's bigint, SQLite's INTEGER) the drivers
# overflow; 2^53 - 1 is also the largest integer a JavaScript page, or an OpenAPI document whose
# bounds FastAPI renders as floats, holds exactly.
ID_MAX: Final = 2**53 - 1
# A row id in a path, a query or a body: 1..ID_MAX (422 outside), bounded in the OpenAPI too.
Id = Annotated[int, Field(ge=1, le=ID_MAX)]


@dataclass
class AppServices:
    """Everything the routes share, built once by create_app: no globals, nothing at import."""

    settings: Settings
    web: WebSettings
    engine: Engine
    clock: Clock
    hub: Hub
    classifier: Classifier
    codec: SessionCodec
    templates: Jinja2Templates
    rules: Rules
    metric_rules: MetricRules
    rate_limiter: RateLimiter
    call_control: CallControl | None = None
    write_slots: CapacityLimiter | None = None
    extras: dict[str, object] = field(default_factory=dict)

    @cached_property
    def users(self) -> "UserCache":
        return UserCache(self.engine)

    @cached_property
    def writer(self) -> Engine:
        """The engine for requests that write (see ``hotline.db.writer``)."""
        return writer(self.engine)

    def open_write_slots(self) -> None:
        """Make the slots of the process's write transactions (``WebSettings.db_writers``).

        Called at start-up, on the loop that will use them. Requests beyond the slots wait
        their turn on the event loop, which costs nothing. Left to run, each would hold a
        thread and wait inside the database (on SQLite's lock, in its busy handler's sleeps;
        on PostgreSQL, on the day's ticket-counter row), and the one holding the lock would
        share the interpreter with all of them (measured: 16 concurrent creations cost 50 %
        more CPU each than 4).
        """
        sqlite = self.engine.dialect.name == "sqlite"
        self.write_slots = CapacityLimiter(self.web.db_writers or (1 if sqlite else 4))


_SLOTS = "hotline_write_slots"  # a write session's key for its process's write slots


def app_services(conn: HTTPConnection) -> AppServices:
    services: AppServices = conn.app.state.services
    return services


# The cheap dependencies are async so they run on the event loop: each sync one costs a
# thread-pool hop per request.
async def get_services(conn: HTTPConnection) -> AppServices:
    return app_services(conn)


ServicesDep = Annotated[AppServices, Depends(get_services)]


async def get_session(conn: HTTPConnection, services: ServicesDep) -> AsyncIterator[Session]:
    """One database session per request; the services commit their own work.

    A request that writes gets the writer engine: on SQLite its transaction reserves the
    database at BEGIN, so concurrent writers (other threads, other app processes, the phone
    bridge) queue instead of failing with "database is locked". The rule that keeps this free of
    deadlocks: a transaction never spans two thread-pool hops, and async code never touches the
    database on the loop (``run_db``). Its hop takes one of the process's write slots (``_hop``).
    """
    writes = conn.scope.get("method") in UNSAFE_METHODS
    async with _request_session(services, writes=writes, slots=services.write_slots if writes else None) as s:
        yield s


async def get_read_session(services: ServicesDep) -> AsyncIterator[Session]:
    """For a POST that only reads (its input is too big for a query string: classifier
    suggestions, duplicate search, the citizen's progress lookup): the reader engine and no write
    slot, so it never holds SQLite's write lock or waits behind ticket writes."""
    async with _request_session(services, writes=False, slots=None) as session:
        yield session


async def get_login_session(services: ServicesDep) -> AsyncIterator[Session]:
    """A write session whose hop takes no write slot: a login spends ~0.1 s on the password hash
    (outside any transaction, see ``authenticate``) and must not keep ticket writes waiting."""
    async with _request_session(services, writes=True, slots=None) as session:
        yield session


@asynccontextmanager
async def _request_session(
    services: AppServices, *, writes: bool, slots: CapacityLimiter | None
) -> AsyncIterator[Session]:
    # Async, so opening costs no thread-pool hop (a Session touches the database only when
    # used). Closing one still inside a transaction (after an error) rolls back in a thread.
    session = Session(services.writer if writes else services.engine, expire_on_commit=False)
    if slots is not None:
        session.info[_SLOTS] = slots
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


class TransactionPerHop(APIRoute):
    """A route whose database work ends in the thread-pool hop it ran in (see ``get_session``).

    A sync endpoint runs in one hop, and its session's transaction is ended before the hop
    returns (``_in_transactions``); the response is then serialised on the loop. A request
    that writes waits for one of the process's write slots first (``AppServices.write_slots``).
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _in_one_hop(endpoint)
        super().__init__(path, endpoint, **kwargs)


def _in_one_hop(endpoint: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    @functools.wraps(endpoint)  # FastAPI reads the parameters through __wrapped__
    async def run(*args: Any, **kwargs: Any) -> T:
        sessions = [v for v in kwargs.values() if isinstance(v, Session)]
        return await _hop(sessions, functools.partial(endpoint, *args, **kwargs))

    return run


async def run_db(session: Session, work: Callable[[], T]) -> T:
    """Database work of an async route: in a thread, as one transaction ended before returning."""
    return await _hop([session], work)


async def _hop(sessions: list[Session], work: Callable[[], T]) -> T:
    slots = next((s.info[_SLOTS] for s in sessions if _SLOTS in s.info), None)
    return await to_thread.run_sync(_in_transactions, sessions, work, limiter=slots)


def _in_transactions(sessions: list[Session], work: Callable[[], T]) -> T:
    """Run ``work``, then end the sessions' transactions: committed (nothing is pending; loaded
    rows stay usable) or, after an error, rolled back."""
    try:
        result = work()
    except BaseException:
        for session in sessions:
            session.rollback()
        raise
    for session in sessions:
        if session.in_transaction():
            session.commit()
    return result


SessionDep = Annotated[Session, Depends(get_session)]
LoginSessionDep = Annotated[Session, Depends(get_login_session)]
ReadSessionDep = Annotated[Session, Depends(get_read_session)]


async def get_now(services: ServicesDep) -> datetime:
    return services.clock.now()


NowDep = Annotated[datetime, Depends(get_now)]


async def browser_session(conn: HTTPConnection, services: ServicesDep) -> BrowserSession | None:
    return services.codec.read(conn)


BrowserSessionDep = Annotated[BrowserSession | None, Depends(browser_session)]


def check_user(user: User | None, data: BrowserSession | None) -> User:
    """The user if this browser session is still theirs (active, not logged out), else NotAuthenticated."""
    if user is None or data is None or not user.active or data.epoch != user.session_epoch:
        raise NotAuthenticated()
    return user


def load_user(session: Session, data: BrowserSession | None) -> User:
    """The logged-in, active user of a browser session, read now (websockets check once, at connect)."""
    if data is None or data.user_id is None:
        raise NotAuthenticated()
    return check_user(session.get(User, data.user_id), data)


class UserCache:
    """Users checked in the last few seconds, by id: the check on every request costs no query.

    A logout in this process is seen at once (``forget``); a logout or deactivation made in
    another process is seen here within ``ttl_s``. When an entry is stale, one read refreshes it
    however many requests and live feeds ask at that moment (``current``).
    """

    def __init__(self, engine: Engine, ttl_s: float = 5.0) -> None:
        self._engine = engine
        self._ttl_s = ttl_s
        self._users: dict[int, tuple[float, User]] = {}
        self._loading: dict[int, asyncio.Future[User | None]] = {}

    def get(self, user_id: int) -> User | None:
        found = self._users.get(user_id)
        return found[1] if found and time.monotonic() - found[0] < self._ttl_s else None

    async def current(self, user_id: int) -> User | None:
        """The user, from the cache or read now (in a thread; one read at a time per user)."""
        user = self.get(user_id)
        if user is not None:
            return user
        loading = self._loading.get(user_id)
        if loading is None:
            loading = asyncio.ensure_future(run_in_threadpool(self.load, user_id))
            self._loading[user_id] = loading
            loading.add_done_callback(lambda _: self._loading.pop(user_id, None))
        return await asyncio.shield(loading)  # a caller that goes away does not cancel the others' read

    def load(self, user_id: int) -> User | None:
        """Read the user now (in a thread; its own short read, no request transaction)."""
        with Session(self._engine, expire_on_commit=False) as session:
            user = session.get(User, user_id)
        if user is not None:
            self._users[user_id] = (time.monotonic(), user)
        return user

    def forget(self, user_id: int) -> None:
        self._users.pop(user_id, None)


async def current_user(conn: HTTPConnection) -> User:
    # Its services come from the connection, not from a sub-dependency: every request resolves
    # this chain, and FastAPI's resolution costs more than the lookup.
    services = app_services(conn)
    data = services.codec.read(conn)
    if data is None or data.user_id is None:
        raise NotAuthenticated()
    return check_user(await services.users.current(data.user_id), data)


CurrentUser = Annotated[User, Depends(current_user)]


async def current_actor(conn: HTTPConnection) -> Actor:
    return actor_for(await current_user(conn))


def require(*roles: Role) -> Callable[[HTTPConnection], Awaitable[Actor]]:
    """A dependency that lets through only actors of these roles (403 otherwise)."""
    allowed = frozenset(roles)

    async def check(conn: HTTPConnection) -> Actor:
        actor = await current_actor(conn)
        if actor.role not in allowed:
            wanted = "、".join(ROLE.get(role, role) for role in sorted(allowed))
            raise PermissionDenied(f"此操作仅限{wanted}，当前账号是{ROLE.get(actor.role, actor.role)}")
        return actor

    return check


R = Role
AnyActor = Annotated[Actor, Depends(current_actor)]
StaffActor = Annotated[Actor, Depends(require(R.OPERATOR, R.DISPATCHER, R.SUPERVISOR, R.ADMIN))]
ReaderActor = Annotated[Actor, Depends(require(R.OPERATOR, R.DISPATCHER, R.SUPERVISOR, R.ADMIN, R.UNIT))]
IntakeActor = Annotated[Actor, Depends(require(R.OPERATOR, R.DISPATCHER))]
OperatorActor = Annotated[Actor, Depends(require(R.OPERATOR))]
DispatcherActor = Annotated[Actor, Depends(require(R.DISPATCHER))]
UnitActor = Annotated[Actor, Depends(require(R.UNIT))]
SupervisorActor = Annotated[Actor, Depends(require(R.SUPERVISOR))]
BoardActor = Annotated[Actor, Depends(require(R.SUPERVISOR, R.DISPATCHER, R.ADMIN))]
AdminActor = Annotated[Actor, Depends(require(R.ADMIN))]
CallbackActor = Annotated[Actor, Depends(require(R.OPERATOR, R.DISPATCHER))]


# Declared so the OpenAPI tells API users about the header, and Swagger UI's "Authorize" sends it
# with "Try it out"; the check itself is check_csrf's.
CSRF_HEADER_SCHEME = APIKeyHeader(
    name="X-CSRF-Token",
    scheme_name="csrf",
    description="POST, PATCH, PUT and DELETE need the session's CSRF token: `csrf_token` of /api/login"
    " or of GET /api/me. The session itself is the cookie set at login.",
    auto_error=False,
)


async def csrf_protect(
    request: Request, services: ServicesDep, _sent: Annotated[str | None, Security(CSRF_HEADER_SCHEME)]
) -> None:
    """Router-wide: every POST/PUT/PATCH/DELETE carries the session's CSRF token."""
    await check_csrf(request, services.codec.read(request))
