"""Login (form and JSON), logout: argon2 passwords, the throttle of ``web.login``; a fresh session each.

Each login, refused login and logout is audited (``login.ok``, ``login.failed``, ``logout``) with
the address. A refusal by the throttle itself is not: it costs no password check, and writing
a row for each would let a flood of them fill the audit table.
"""

import logging
import unicodedata
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from hotline.enums import Role
from hotline.errors import PermissionDenied
from hotline.users.models import User
from hotline.users.service import actor_for, end_sessions, get_user
from web import labels
from web.deps import LoginSessionDep, NowDep, ServicesDep, SessionDep, TransactionPerHop, run_db
from web.errors import ERROR_RESPONSES, RATE_LIMITED
from web.login import LoginThrottled, log_in, remember_browser
from web.routers.admin.common import audited
from web.routers.live import SESSIONS_TOPIC
from web.schemas import MeOut
from web.security import BrowserSession, check_csrf, login_session

log = logging.getLogger(__name__)
router = APIRouter(route_class=TransactionPerHop, tags=["auth"])
HOME = {
    Role.OPERATOR: "/seat",
    Role.UNIT: "/portal",
    Role.DISPATCHER: "/desk",
    Role.SUPERVISOR: "/desk",
    Role.ADMIN: "/admin",
}


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


def home_of(role: Role) -> str:
    return HOME.get(role, "/login")


def _safe_next(target: str | None, role: Role) -> str:
    """Only a path on this site; anything else (``//evil``, ``https://…``) goes home."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return home_of(role)


def _typed_name(username: str) -> str:
    """The username as typed, fit for the audit page: no control or format characters, 64 at most."""
    name = unicodedata.normalize("NFC", username).strip()
    return "".join(c for c in name if unicodedata.category(c)[0] != "C")[:64]


async def _audit(session: Session, request: Request, **entry: Any) -> None:
    """Write one entry in its own short transaction. The login or logout it describes is already
    committed: a failure here is logged, and the person is still signed in (or out)."""
    try:
        await run_db(session, lambda: audited(session, request, **entry))
    except SQLAlchemyError:
        log.exception("the audit entry %s could not be written", entry.get("action"))


async def _login_audited(
    session: Session, request: Request, *, now: datetime, username: str, user: User | None
) -> None:
    if user is None:
        await _audit(
            session,
            request,
            actor=None,
            action="login.failed",
            at=now,
            target_kind="user",
            target_label=_typed_name(username),
        )
    else:
        await _audit(
            session,
            request,
            actor=actor_for(user),
            action="login.ok",
            at=now,
            target_kind="user",
            target_id=user.id,
            target_label=_typed_name(username),
        )


def _signed_in(services: ServicesDep, request: Request, response: Response, user: User) -> BrowserSession:
    fresh = login_session()
    data = BrowserSession(user_id=user.id, csrf=fresh.csrf, epoch=user.session_epoch)
    services.codec.write(response, request, data)
    remember_browser(services, request, response, user)
    return data


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request, services: ServicesDep, next: str = "") -> Response:
    data = services.codec.read_or_new(request)
    response = services.templates.TemplateResponse(
        request, "login.html", {"csrf": data.csrf, "next": next, "error": "", "username": ""}
    )
    if data.new:
        services.codec.write(response, request, data)
    return response


@router.post("/login", response_class=HTMLResponse, include_in_schema=False)
async def login_form(
    request: Request,
    services: ServicesDep,
    session: LoginSessionDep,
    now: NowDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    current = services.codec.read(request)
    await check_csrf(request, current)
    assert current is not None  # check_csrf refuses a request without a session
    try:
        user = await log_in(request, services, session, username=username, password=password, now=now)
    except (LoginThrottled, PermissionDenied) as err:
        if not isinstance(err, LoginThrottled):
            await _login_audited(session, request, now=now, username=username, user=None)
        throttled = {"Retry-After": str(err.retry_after_s)} if isinstance(err, LoginThrottled) else None
        return services.templates.TemplateResponse(
            request,
            "login.html",
            {"csrf": current.csrf, "next": next, "error": str(err), "username": username},
            status_code=429 if throttled else 401,
            headers=throttled,
        )
    await _login_audited(session, request, now=now, username=username, user=user)
    response = RedirectResponse(_safe_next(next, user.role), status_code=303)
    _signed_in(services, request, response, user)
    return response


@router.post("/logout", include_in_schema=False)
async def logout(request: Request, services: ServicesDep, session: SessionDep, now: NowDep) -> Response:
    current = services.codec.read(request)
    await check_csrf(request, current)
    if current is not None and current.user_id is not None:
        # The cookie is only cleared in this browser; a copy of it must stop working too.
        user_id = current.user_id
        user = await run_db(session, lambda: _ended(session, user_id))
        await _audit(
            session,
            request,
            actor=actor_for(user),
            action="logout",
            at=now,
            target_kind="user",
            target_id=user_id,
            target_label=user.username,
        )
        services.users.forget(user_id)
        services.hub.publish(SESSIONS_TOPIC, {"user_id": user_id})  # its open live feeds close
    response = RedirectResponse("/login", status_code=303)
    services.codec.clear(response, request)
    return response


def _ended(session: Session, user_id: int) -> User:
    end_sessions(session, user_id=user_id)
    return get_user(session, user_id=user_id)


@router.post(
    "/api/login",
    summary="Log in from a script; sets the session cookie",
    responses={**ERROR_RESPONSES, **RATE_LIMITED},
)
async def api_login(
    data: LoginIn,
    request: Request,
    response: Response,
    services: ServicesDep,
    session: LoginSessionDep,
    now: NowDep,
) -> MeOut:
    """403 with "用户名或密码错误" for any wrong login; 429 with Retry-After when throttled."""
    try:
        user = await log_in(
            request, services, session, username=data.username, password=data.password, now=now
        )
    except PermissionDenied:  # LoginThrottled is not one: see the module's docstring
        await _login_audited(session, request, now=now, username=data.username, user=None)
        raise
    await _login_audited(session, request, now=now, username=data.username, user=user)
    assert user.id is not None
    fresh = _signed_in(services, request, response, user)
    return MeOut(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        role_label=labels.ROLE[user.role],
        unit_code=None,
        unit_name="",
        csrf_token=fresh.csrf,
    )
