"""The cap on request bodies (``HOTLINE_WEB_MAX_BODY_BYTES``): a pure ASGI middleware."""

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.errors import BodyTooLarge, ErrorBody, error_response


class BodyLimit:
    """Refuse a request body over ``max_bytes`` with 413 and a Chinese detail.

    A declared Content-Length over the cap is refused before the app sees the request: a route
    that never reads its body would otherwise act first and be refused after (Starlette's own
    limit works that way). A body without a length (chunked) is counted as the app reads it; the
    read that passes the cap raises ``BodyTooLarge``, which ``web.errors`` answers.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watch)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send)  # read where no handler was (a middleware)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        err = BodyTooLarge(self.max_bytes)
        body = ErrorBody(error="ContentTooLarge", detail=str(err.detail))
        await error_response(Request(scope), 413, body)(scope, receive, send)
