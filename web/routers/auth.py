"""Login (form and JSON), logout: argon2 passwords, the throttle of ``web.login``; a fresh session each."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from hotline.enums import Role
from hotline.errors import PermissionDenied
from hotline.users.models import User
from hotline.users.service import end_sessions
from web import labels
from web.deps import LoginSessionDep, NowDep, ServicesDep, SessionDep, TransactionPerHop, run_db
from web.errors import ERROR_RESPONSES, RATE_LIMITED
from web.login import LoginThrottled, log_in, remember_browser
from web.routers.live import SESSIONS_TOPIC
from web.schemas import MeOut
from web.security import BrowserSession, check_csrf, login_session

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
        throttled = {"Retry-After": str(err.retry_after_s)} if isinstance(err, LoginThrottled) else None
        return services.templates.TemplateResponse(
            request,
            "login.html",
            {"csrf": current.csrf, "next": next, "error": str(err), "username": username},
            status_code=429 if throttled else 401,
            headers=throttled,
        )
    response = RedirectResponse(_safe_next(next, user.role), status_code=303)
    _signed_in(services, request, response, user)
    return response


@router.post("/logout", include_in_schema=False)
async def logout(request: Request, services: ServicesDep, session: SessionDep) -> Response:
    current = services.codec.read(request)
    await check_csrf(request, current)
    if current is not None and current.user_id is not None:
        # The cookie is only cleared in this browser; a copy of it must stop working too.
        user_id = current.user_id
        await run_db(session, lambda: end_sessions(session, user_id=user_id))
        services.users.forget(user_id)
        services.hub.publish(SESSIONS_TOPIC, {"user_id": user_id})  # its open live feeds close
    response = RedirectResponse("/login", status_code=303)
    services.codec.clear(response, request)
    return response


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
    user = await log_in(request, services, session, username=data.username, password=data.password, now=now)
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
