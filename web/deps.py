"""Dependencies and their ``Annotated`` aliases: the app's services, a DB session, now, the actor."""

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.requests import HTTPConnection

from hotline.clock import Clock
from hotline.config import Rules, Settings
from hotline.db import writer
from hotline.enums import Role
from hotline.errors import PermissionDenied
from hotline.metrics.models import MetricRules
from hotline.ports import CallControl, Classifier
from hotline.users.models import Actor, User
from hotline.users.service import actor_for, get_user
from web.config import WebSettings
from web.errors import NotAuthenticated
from web.hub import Hub
from web.security import UNSAFE_METHODS, BrowserSession, SessionCodec, check_csrf


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
    call_control: CallControl | None = None
    extras: dict[str, object] = field(default_factory=dict)

    @cached_property
    def writer(self) -> Engine:
        """The engine for requests that write (see ``hotline.db.writer``)."""
        return writer(self.engine)


def app_services(conn: HTTPConnection) -> AppServices:
    services: AppServices = conn.app.state.services
    return services


# The cheap dependencies are async so they run on the event loop: each sync one costs a
# thread-pool hop per request.
async def get_services(conn: HTTPConnection) -> AppServices:
    return app_services(conn)


ServicesDep = Annotated[AppServices, Depends(get_services)]


# Requests that wait on the phone system, whose events are written by another transaction
# meanwhile: they must not reserve the database while they wait.
PHONE_PATHS = frozenset({"/api/seats/me/state", "/api/calls/transfer", "/api/calls/dial"})


async def get_session(conn: HTTPConnection, services: ServicesDep) -> AsyncIterator[Session]:
    """One database session per request; the services commit their own work.

    A request that writes gets the writer engine: on SQLite its transaction reserves the
    database at BEGIN, so concurrent writers (other threads, other app processes, the phone
    bridge) queue instead of failing with "database is locked".

    Async, so opening costs no thread-pool hop (a Session touches the database only when
    used). Closing one still inside a transaction (a read) rolls back: that goes to a thread.
    """
    writes = conn.scope.get("method") in UNSAFE_METHODS and conn.url.path not in PHONE_PATHS
    session = Session(services.writer if writes else services.engine, expire_on_commit=False)
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


SessionDep = Annotated[Session, Depends(get_session)]


async def get_now(services: ServicesDep) -> datetime:
    return services.clock.now()


NowDep = Annotated[datetime, Depends(get_now)]


async def browser_session(conn: HTTPConnection, services: ServicesDep) -> BrowserSession | None:
    return services.codec.read(conn)


BrowserSessionDep = Annotated[BrowserSession | None, Depends(browser_session)]


def load_user(session: Session, data: BrowserSession | None) -> User:
    """The logged-in, active user of a browser session, or NotAuthenticated."""
    if data is None or data.user_id is None:
        raise NotAuthenticated()
    try:
        user = get_user(session, user_id=data.user_id)
    except Exception as err:
        raise NotAuthenticated() from err
    if not user.active or data.epoch != user.session_epoch:
        raise NotAuthenticated()
    return user


def current_user(request: Request, session: SessionDep, data: BrowserSessionDep) -> User:
    cached = request.scope.get("hotline.user")
    if isinstance(cached, User):
        return cached
    user = load_user(session, data)
    request.scope["hotline.user"] = user
    return user


CurrentUser = Annotated[User, Depends(current_user)]


async def current_actor(user: CurrentUser) -> Actor:
    return actor_for(user)


def require(*roles: Role) -> Callable[[Actor], Awaitable[Actor]]:
    """A dependency that lets through only actors of these roles (403 otherwise)."""
    allowed = frozenset(roles)

    async def check(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
        if actor.role not in allowed:
            names = ", ".join(sorted(allowed))
            raise PermissionDenied(f"this needs the role {names}; you are {actor.role}")
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
CallbackActor = Annotated[Actor, Depends(require(R.OPERATOR, R.DISPATCHER))]


async def csrf_protect(request: Request, services: ServicesDep) -> None:
    """Router-wide: every POST/PUT/PATCH/DELETE carries the session's CSRF token."""
    await check_csrf(request, services.codec.read(request))
