"""Domain errors to HTTP, once: every router lets the core's errors through and this maps them."""

import html

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel

from hotline.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    Unavailable,
)

STATUS: dict[type[DomainError], int] = {
    NotFound: 404,
    Conflict: 409,
    InvalidInput: 422,
    PermissionDenied: 403,
    InvalidTransition: 409,
    Unavailable: 503,
}


class ErrorBody(BaseModel):
    """What every refused request answers: a status, a class of error and a readable message."""

    error: str
    detail: str


class NotAuthenticated(Exception):
    """No valid session: APIs answer 401, pages send the browser to the login page."""


class CsrfRejected(Exception):
    """A state-changing request without the session's CSRF token."""


class TooManyRequests(Exception):
    """A client over its rate limit: 429, and when it may try again."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many requests; try again in {retry_after_s} s")
        self.retry_after_s = retry_after_s


def status_for(err: DomainError) -> int:
    for cls in type(err).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith(
        ("/api/", "/open311/", "/ws/")
    ) and "text/html" in request.headers.get("accept", "")


async def _domain(request: Request, err: Exception) -> Response:
    assert isinstance(err, DomainError)
    status = status_for(err)
    if _wants_html(request):
        page = (
            '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>无法访问</title>'
            f'<link rel="stylesheet" href="/static/app.css"><main class="narrow"><h1>无法完成 ({status})</h1>'
            f'<p>{html.escape(str(err))}</p><p><a href="/">返回首页</a></p></main></html>'
        )
        return HTMLResponse(page, status)
    return JSONResponse(ErrorBody(error=type(err).__name__, detail=str(err)).model_dump(), status)


async def _unauthenticated(request: Request, err: Exception) -> Response:
    if _wants_html(request):
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    body = ErrorBody(error="NotAuthenticated", detail="log in first")
    return JSONResponse(body.model_dump(), 401)


async def _csrf(request: Request, err: Exception) -> Response:
    body = ErrorBody(error="CsrfRejected", detail=str(err) or "missing or wrong CSRF token")
    return JSONResponse(body.model_dump(), 403)


async def _too_many(request: Request, err: Exception) -> Response:
    assert isinstance(err, TooManyRequests)
    body = ErrorBody(error="TooManyRequests", detail=str(err))
    return JSONResponse(body.model_dump(), 429, headers={"Retry-After": str(err.retry_after_s)})


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(NotAuthenticated, _unauthenticated)
    app.add_exception_handler(CsrfRejected, _csrf)
    app.add_exception_handler(TooManyRequests, _too_many)


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorBody, "description": "not logged in"},
    403: {"model": ErrorBody, "description": "role or unit may not do this, or CSRF token missing"},
    404: {"model": ErrorBody, "description": "not found"},
    409: {"model": ErrorBody, "description": "conflicts with the current state or the lifecycle"},
    422: {"model": ErrorBody, "description": "invalid input"},
    503: {"model": ErrorBody, "description": "the phone system (or another outside system) is unreachable"},
}
RATE_LIMITED: dict[int | str, dict[str, object]] = {
    429: {
        "model": ErrorBody,
        "description": "over the rate limit; the Retry-After header says when to retry",
    },
}
