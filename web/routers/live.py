"""Websocket feeds: the wallboard, an operator's seat, a unit's inbox, the dispatcher's desk.

Each checks the session cookie and the role before accepting, and that the page comes from this
site (Origin), then forwards what the hub hands it. A unit's feed carries only events about
tickets assigned to that unit. A feed ends with its session: at once when its user logs out
(``SESSIONS_TOPIC``, from any app process), else at the next periodic check (the cookie's age,
a user deactivated elsewhere).
"""

import asyncio
import contextlib
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from sqlmodel import Session

from hotline.calls import service as calls
from hotline.calls.models import Seat
from hotline.enums import Role
from hotline.users.models import User
from web.deps import AppServices, TransactionPerHop, app_services, check_user, load_user
from web.errors import NotAuthenticated
from web.hub import Subscription
from web.routers.common import TICKETS_TOPIC
from web.security import COOKIE
from web.wallboard import TOPIC as WALLBOARD_TOPIC

router = APIRouter(route_class=TransactionPerHop)
BOARD_ROLES = frozenset({Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN})
DESK_ROLES = frozenset({Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})
POLICY_VIOLATION = 1008  # the close code for "not allowed" (refused at connect)
SESSION_ENDED = 4401  # an open feed's session ended: the page goes to the login page, no reconnect
SESSIONS_TOPIC = "sessions"  # {"user_id": ...}: every session of that user has ended (logout)


def _same_origin(ws: WebSocket) -> bool:
    origin = ws.headers.get("origin")
    if origin is None:  # not a browser (tests, tools): the cookie is the check
        return True
    return urlsplit(origin).netloc == ws.headers.get("host", "")


def _authorise(ws: WebSocket, services: AppServices, roles: Iterable[Role]) -> tuple[User, Seat | None]:
    """The user behind the cookie, if their role may open this feed (and an operator's seat)."""
    with Session(services.engine) as session:
        user = load_user(session, services.codec.read(ws))
        if user.role not in frozenset(roles):
            raise NotAuthenticated()
        seat = (
            calls.seat_of_user(session, user_id=user.id) if user.role is Role.OPERATOR and user.id else None
        )
        return user, seat


async def _open(ws: WebSocket, roles: Iterable[Role]) -> tuple[AppServices, User, Seat | None] | None:
    services = app_services(ws)
    if not _same_origin(ws):
        await ws.close(code=POLICY_VIOLATION)
        return None
    try:
        user, seat = await asyncio.to_thread(_authorise, ws, services, roles)
    except NotAuthenticated:
        await ws.close(code=POLICY_VIOLATION)
        return None
    await ws.accept()
    return services, user, seat


async def _signed_in(ws: WebSocket, services: AppServices) -> bool:
    """Whether the feed's cookie still is a session: not too old, its user active and not logged out."""
    # Not codec.read: it keeps what it found at connect in the scope, so the age would not be checked.
    token = ws.cookies.get(COOKIE)
    data = services.codec.loads(token) if token else None
    if data is None or data.user_id is None:
        return False
    try:
        check_user(await services.users.current(data.user_id), data)
    except NotAuthenticated:
        return False
    return True


async def _until_session_ends(ws: WebSocket, services: AppServices, logouts: Subscription) -> None:
    """Return when the feed's session has ended: its user logged out, or a periodic check failed."""
    while True:
        try:
            await asyncio.wait_for(logouts.queue.get(), timeout=services.web.live_recheck_s)
            return
        except TimeoutError:
            if not await _signed_in(ws, services):
                return


async def _pump(
    ws: WebSocket, services: AppServices, user: User, sub: Subscription, first: str | None = None
) -> None:
    """Send the subscription's messages until the page goes away or its session ends."""

    async def send() -> None:
        if first is not None:
            await ws.send_text(first)
        async for text in sub:
            await ws.send_text(text)

    async def receive() -> None:
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                message = await ws.receive()
                if message["type"] == "websocket.disconnect":
                    return

    def theirs(topic: str, payload: dict[str, Any]) -> bool:
        return payload.get("user_id") == user.id

    with services.hub.subscribe([SESSIONS_TOPIC], accept=theirs) as logouts:
        watch = asyncio.create_task(_until_session_ends(ws, services, logouts))
        tasks = [asyncio.create_task(send()), asyncio.create_task(receive()), watch]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                    await task
    if watch.done() and not watch.cancelled():  # the session ended; close now that nothing else sends
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):  # the page may be gone already
            await ws.close(code=SESSION_ENDED)


@router.websocket("/ws/wallboard")
async def wallboard(ws: WebSocket) -> None:
    """The board's figures: the latest at once, then after every burst of events."""
    opened = await _open(ws, BOARD_ROLES)
    if opened is None:
        return
    services, user, _ = opened
    feed: Any = services.extras["wallboard"]
    first = feed.last_text or await feed.refresh()
    with services.hub.subscribe([WALLBOARD_TOPIC]) as sub:
        await _pump(ws, services, user, sub, first)


@router.websocket("/ws/seat")
async def seat(ws: WebSocket) -> None:
    """An operator's own seat: the screen pop when a call is answered there, and state changes."""
    opened = await _open(ws, [Role.OPERATOR])
    if opened is None:
        return
    services, user, own = opened
    if own is None:
        await ws.close(code=POLICY_VIOLATION)
        return

    def mine(topic: str, payload: dict[str, Any]) -> bool:
        if topic == calls.SCREEN_POP_TOPIC:
            return payload.get("seat_code") == own.code or payload.get("interface") == own.interface
        return payload.get("code") == own.code

    with services.hub.subscribe([calls.SCREEN_POP_TOPIC, calls.SEAT_TOPIC], accept=mine) as sub:
        await _pump(ws, services, user, sub)


@router.websocket("/ws/unit")
async def unit(ws: WebSocket) -> None:
    """A unit's inbox: hints to refetch when one of its own tickets moves, nothing about others."""
    opened = await _open(ws, [Role.UNIT])
    if opened is None:
        return
    services, user, _ = opened
    unit_id = user.unit_id

    def own(topic: str, payload: dict[str, Any]) -> bool:
        return unit_id is not None and unit_id in payload.get("unit_ids", ())

    with services.hub.subscribe([TICKETS_TOPIC], accept=own) as sub:
        await _pump(ws, services, user, sub)


@router.websocket("/ws/desk")
async def desk(ws: WebSocket) -> None:
    """The hotline's own staff: every ticket move and call event, to refresh their lists."""
    opened = await _open(ws, DESK_ROLES)
    if opened is None:
        return
    services, user, _ = opened
    with services.hub.subscribe([TICKETS_TOPIC, "calls.*"]) as sub:
        await _pump(ws, services, user, sub)
