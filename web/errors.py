"""Errors to HTTP, once: every router lets the core's errors through and this maps them.

Besides the core's errors: refused input (422, naming the field in Chinese, never echoing what was
sent; pydantic refuses text with a lone surrogate there), text the database cannot store (422), a
body over the cap (413), the database out of reach (503 with Retry-After) and, last, anything
unforeseen (a logged 500 that keeps the connection).
"""

import html
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import exc as sa
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hotline.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    Unavailable,
)
from hotline.names import FIELD

log = logging.getLogger(__name__)
RETRY_AFTER_S = 5  # what a 503 tells clients to wait: a database restart or failover takes seconds
DB_UNAVAILABLE = "数据库暂时不可用，请稍后重试"
INTERNAL_ERROR = "服务器内部错误，请稍后重试"
OUT_OF_RANGE = "提交的数据无法保存：含有不允许的字符（如空字符）或数值超出范围"
MAX_FIELDS = 20  # a refusal names at most this many fields

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


class FieldError(BaseModel):
    """One refused field: where (``body.title``, ``query.limit``) and what is wrong, in Chinese."""

    loc: str
    message: str


class ValidationErrorBody(ErrorBody):
    """A 422: the refused fields beside the summary (empty when the core refused the request)."""

    fields: list[FieldError] = Field(default_factory=list)


class BodyTooLarge(HTTPException):
    """A request body over ``HOTLINE_WEB_MAX_BODY_BYTES`` (raised by ``web.limits.BodyLimit``).

    An HTTPException, so FastAPI lets it through its body parsing instead of turning it into a 400.
    """

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"请求内容过大，最多 {max_bytes // 1024} KB")


class NotAuthenticated(Exception):
    """No valid session: APIs answer 401, pages send the browser to the login page."""


class CsrfRejected(Exception):
    """A state-changing request without the session's CSRF token."""


class TooManyRequests(Exception):
    """A client over its rate limit: 429, and when it may try again."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"请求过于频繁，请 {retry_after_s} 秒后再试")
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


def _page(status: int, message: str, headers: Mapping[str, str] | None = None) -> HTMLResponse:
    page = (
        '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>无法访问</title>'
        f'<link rel="stylesheet" href="/static/app.css"><main class="narrow"><h1>无法完成 ({status})</h1>'
        f'<p>{html.escape(message)}</p><p><a href="/">返回首页</a></p></main></html>'
    )
    return HTMLResponse(page, status, headers=headers)


def error_response(
    request: Request, status: int, body: ErrorBody, headers: Mapping[str, str] | None = None
) -> Response:
    """``body`` as JSON, or as a small Chinese page for a browser asking for a page."""
    if _wants_html(request):
        return _page(status, body.detail, headers)
    return JSONResponse(body.model_dump(), status, headers=headers)


async def _domain(request: Request, err: Exception) -> Response:
    assert isinstance(err, DomainError)
    return error_response(request, status_for(err), ErrorBody(error=type(err).__name__, detail=str(err)))


# Pydantic's error types in Chinese; ``{name}`` is filled from the error's context (limits and the
# allowed values, both from the schema), never from the input.
FIELD_MESSAGES: dict[str, str] = {
    "missing": "必填",
    "string_too_long": "不能超过 {max_length} 个字符",
    "string_too_short": "至少 {min_length} 个字符",
    "too_long": "最多 {max_length} 项",
    "too_short": "至少 {min_length} 项",
    "greater_than_equal": "不能小于 {ge}",
    "greater_than": "必须大于 {gt}",
    "less_than_equal": "不能大于 {le}",
    "less_than": "必须小于 {lt}",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "int_parsing_size": "数值过大",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "finite_number": "应为有限的数字",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "string_type": "应为文字",
    "string_pattern_mismatch": "格式不符合要求",
    "string_unicode": "含有无法识别的字符",
    "enum": "应为其中之一：{expected}",
    "literal_error": "应为其中之一：{expected}",
    "json_invalid": "JSON 格式有误",
    "json_type": "JSON 格式有误",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "list_type": "应为列表",
    "extra_forbidden": "不认识的字段",
    "datetime_parsing": "应为日期时间，如 2026-11-23T09:00:00+08:00",
    "datetime_from_date_parsing": "应为日期时间，如 2026-11-23T09:00:00+08:00",
    "datetime_type": "应为日期时间，如 2026-11-23T09:00:00+08:00",
    "timezone_aware": "应带时区，如 +08:00",
    "date_parsing": "应为日期，如 2026-11-23",
    "date_from_datetime_parsing": "应为日期，如 2026-11-23",
    "date_type": "应为日期，如 2026-11-23",
}
_CONTEXT_KEYS = ("max_length", "min_length", "ge", "gt", "le", "lt", "expected")


def _context(ctx: Mapping[str, Any]) -> dict[str, str]:
    values: dict[str, str] = {}
    for key in _CONTEXT_KEYS:
        value = ctx.get(key)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int | float | str) and not isinstance(value, bool):
            values[key] = str(value)
    return values


def field_error(error: Mapping[str, Any]) -> FieldError:
    """One of pydantic's errors as where and what, in Chinese; the input it carries is dropped."""
    kind = str(error.get("type", ""))
    parts: Sequence[object] = error.get("loc", ())
    if kind == "json_invalid":
        parts = [p for p in parts if isinstance(p, str)]  # FastAPI adds the character position
    message = FIELD_MESSAGES.get(kind, "取值无效")
    try:
        message = message.format_map(_context(error.get("ctx") or {}))
    except KeyError:
        message = "取值无效"
    return FieldError(loc=".".join(str(p) for p in parts) or "body", message=message)


def field_name(loc: str) -> str:
    """A refused field as the user knows it: ``body.title`` → 标题 (the API keeps ``loc``)."""
    parts = [p for p in loc.split(".") if p not in {"body", "query", "path", "header", "cookie"}]
    named = [FIELD[p] for p in parts if p in FIELD]
    return named[-1] if named else "请求内容"


async def _invalid(request: Request, err: Exception) -> Response:
    assert isinstance(err, RequestValidationError)
    fields = [field_error(e) for e in err.errors()[:MAX_FIELDS]]
    summary = "；".join(f"{field_name(f.loc)}{f.message}" for f in fields[:3])
    body = ValidationErrorBody(error="ValidationError", detail=f"请求有误：{summary}", fields=fields)
    if _wants_html(request):
        return _page(422, body.detail)
    return JSONResponse(body.model_dump(), 422)


async def _unencodable(request: Request, err: Exception) -> Response:
    # A lone surrogate (JSON's "\ud800") decodes to a str that no database or encoder can write.
    detail = "提交的文字含有无法识别的字符（如不成对的代理码位），请删除后重试"
    return error_response(request, 422, ErrorBody(error="InvalidText", detail=detail))


def database_unavailable(err: BaseException) -> bool:
    """Whether ``err`` says the database cannot be reached now: down, restarting, refusing
    connections, the connection dropped, or no pooled connection free in time."""
    if isinstance(err, sa.TimeoutError | sa.DisconnectionError):
        return True
    return isinstance(err, sa.DBAPIError) and (
        err.connection_invalidated or isinstance(err, sa.OperationalError)
    )


async def _out_of_range(request: Request, err: Exception) -> Response:
    # SQLite's driver refuses an int beyond 64 bits with OverflowError where PostgreSQL's raises a
    # DataError: an id field the API does not bound itself (the core's TicketCreate.category_id).
    return error_response(request, 422, ErrorBody(error="InvalidData", detail=OUT_OF_RANGE))


async def _database(request: Request, err: Exception) -> Response:
    # A websocket refused here gets the same answer as an HTTP denial response (before accept).
    if not database_unavailable(err):
        if isinstance(err, sa.DataError):  # text PostgreSQL cannot store (NUL), a number beyond its column
            return error_response(request, 422, ErrorBody(error="InvalidData", detail=OUT_OF_RANGE))
        raise err  # a bug, not an outage: the 500 of InternalErrors
    log.warning("database unavailable: %s", err)
    body = ErrorBody(error="DatabaseUnavailable", detail=DB_UNAVAILABLE)
    return error_response(request, 503, body, {"Retry-After": str(RETRY_AFTER_S)})


# Starlette's own refusals (no such route, wrong method, an unreadable body) in Chinese.
HTTP_MESSAGES: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "请求格式有误"),
    401: ("NotAuthenticated", "请先登录"),
    403: ("Forbidden", "无权访问"),
    404: ("NotFound", "未找到该地址"),
    405: ("MethodNotAllowed", "不支持该请求方法"),
    413: ("ContentTooLarge", "请求内容过大"),
    415: ("UnsupportedMediaType", "不支持该内容类型"),
}


async def _http(request: Request, err: Exception) -> Response:
    assert isinstance(err, HTTPException)
    if err.status_code in {204, 304}:
        return Response(status_code=err.status_code, headers=err.headers)
    name, detail = HTTP_MESSAGES.get(err.status_code, (f"HTTP{err.status_code}", "请求无法完成"))
    if isinstance(err, BodyTooLarge):
        detail = str(err.detail)
    return error_response(request, err.status_code, ErrorBody(error=name, detail=detail), err.headers)


async def _unauthenticated(request: Request, err: Exception) -> Response:
    if _wants_html(request):
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    body = ErrorBody(error="NotAuthenticated", detail="请先登录")
    return JSONResponse(body.model_dump(), 401)


async def _csrf(request: Request, err: Exception) -> Response:
    body = ErrorBody(error="CsrfRejected", detail=str(err) or "页面安全校验失败，请刷新页面后重试")
    return JSONResponse(body.model_dump(), 403)


async def _too_many(request: Request, err: Exception) -> Response:
    assert isinstance(err, TooManyRequests)
    body = ErrorBody(error="TooManyRequests", detail=str(err))
    return JSONResponse(body.model_dump(), 429, headers={"Retry-After": str(err.retry_after_s)})


def install(app: FastAPI) -> None:
    """Register the handlers on ``app`` (the last resort, ``InternalErrors``, is a middleware)."""
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(OverflowError, _out_of_range)
    app.add_exception_handler(sa.DBAPIError, _database)
    app.add_exception_handler(sa.TimeoutError, _database)
    app.add_exception_handler(sa.DisconnectionError, _database)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(NotAuthenticated, _unauthenticated)
    app.add_exception_handler(CsrfRejected, _csrf)
    app.add_exception_handler(TooManyRequests, _too_many)


class InternalErrors:
    """The last resort, inside ``SecurityHeaders``: an exception no handler took is logged and
    answered with a Chinese 500 (JSON, or a page for a browser), and goes no further.

    Starlette's ServerErrorMiddleware, outside every other middleware, would answer plain text
    without the security headers and then re-raise, and uvicorn closes the keep-alive connection
    on an exception after the response started. Only when the response had already started is
    the error let through: the client must then see the connection end.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            log.exception("unhandled error in %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            body = ErrorBody(error="InternalError", detail=INTERNAL_ERROR)
            await error_response(Request(scope), 500, body)(scope, receive, send)


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "the body cannot be read (not UTF-8, a broken form)"},
    401: {"model": ErrorBody, "description": "not logged in"},
    403: {"model": ErrorBody, "description": "role or unit may not do this, or CSRF token missing"},
    404: {"model": ErrorBody, "description": "not found"},
    409: {"model": ErrorBody, "description": "conflicts with the current state or the lifecycle"},
    413: {"model": ErrorBody, "description": "request body over HOTLINE_WEB_MAX_BODY_BYTES"},
    422: {"model": ValidationErrorBody, "description": "invalid input: the fields and what is wrong"},
    503: {
        "model": ErrorBody,
        "description": "the database or the phone system is unreachable for now (Retry-After: when to retry)",
    },
}
RATE_LIMITED: dict[int | str, dict[str, object]] = {
    429: {
        "model": ErrorBody,
        "description": "over the rate limit; the Retry-After header says when to retry",
    },
}
