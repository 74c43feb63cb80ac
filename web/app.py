"""The composition root: ``create_app(settings)`` wires the core, the phone side and the classifier."""

import base64
import hashlib
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hotline import names
from hotline.clock import Clock, SystemClock
from hotline.config import Rules, Settings
from hotline.db import make_engine
from hotline.metrics.models import MetricRules
from hotline.ports import CallControl, Classifier
from web import errors, health, prometheus, vendor
from web.config import CallControlMode, WebSettings
from web.deps import AppServices
from web.hub import Hub, make_hub
from web.limits import BodyLimit
from web.model_reload import load_live_classifier
from web.ratelimit import RateLimiter
from web.routers import (
    admin,
    assist,
    auth,
    brief,
    calendar,
    live,
    open311,
    pages,
    pingpong,
    public,
    reference,
    reports,
    seats,
    tickets,
    worklists,
)
from web.security import SessionCodec
from web.telephony import AmiControlRunner, SimulatorRunner
from web.wallboard import WallboardFeed

PAGES = Path(__file__).resolve().parent / "pages"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def templates(timezone: str) -> Jinja2Templates:
    """Jinja2 with autoescaping on for every template, whatever its name; ``|local`` shows local time."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(PAGES / "templates"), autoescape=True, undefined=jinja2.StrictUndefined
    )
    zone = ZoneInfo(timezone)

    def local(value: datetime | None) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""

    env.filters["local"] = local
    # The one name table, for the pages' scripts (read by common.js from base.html's #names).
    env.globals["names"] = {
        "status": dict(names.STATUS),
        "role": dict(names.ROLE),
        "action": dict(names.ACTION),
        "card": dict(names.CARD),
        "call_direction": dict(names.CALL_DIRECTION),
    }
    return Jinja2Templates(env=env)


SECURITY_HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)


class SecurityHeaders:
    """No inline scripts, no framing, no sniffing: a second line behind autoescaping (pure ASGI)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # Raw (name, value) pairs, added only where absent: a page may send a narrower CSP.
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(pair for pair in SECURITY_HEADERS if pair[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def api_docs(app: FastAPI) -> None:
    """``/docs`` (Swagger UI) and ``/redoc`` from local files (``web.vendor``), under the app's CSP.

    FastAPI's Swagger UI page starts the UI with one inline script; that page's CSP lets exactly
    that script run (its sha256), nothing else inline. ReDoc's page has no inline script, but its
    search runs in a worker made from a ``blob:`` URL by ReDoc's own (local) script, so that page
    also allows ``worker-src blob:``. ReDoc's footer shows Redocly's logo from their CDN: the CSP
    blocks it and ReDoc hides the image.
    """
    openapi_url = app.openapi_url or "/openapi.json"
    favicon = vendor.url("swagger-ui/favicon-32x32.png")
    swagger = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=f"{app.title} - Swagger UI",
        swagger_js_url=vendor.url("swagger-ui/swagger-ui-bundle.js"),
        swagger_css_url=vendor.url("swagger-ui/swagger-ui.css"),
        swagger_favicon_url=favicon,
        oauth2_redirect_url=None,
        swagger_ui_parameters={"validatorUrl": None},  # no badge fetched from swagger.io
    ).body
    inline = INLINE_SCRIPT.findall(bytes(swagger).decode())
    assert len(inline) == 1, "FastAPI's Swagger UI page changed: check its inline scripts"
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    swagger_csp = CSP.replace("script-src 'self'", f"script-src 'self' 'sha256-{digest}'")
    redoc = get_redoc_html(
        openapi_url=openapi_url,
        title=f"{app.title} - ReDoc",
        redoc_js_url=vendor.url("redoc/redoc.standalone.js"),
        redoc_favicon_url=favicon,
        with_google_fonts=False,
    ).body
    redoc_csp = f"{CSP}; worker-src 'self' blob:"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return HTMLResponse(swagger, headers={"Content-Security-Policy": swagger_csp})

    @app.get("/redoc", include_in_schema=False)
    def redoc_page() -> HTMLResponse:
        return HTMLResponse(redoc, headers={"Content-Security-Policy": redoc_csp})


def create_app(
    settings: Settings | None = None,
    *,
    web: WebSettings | None = None,
    engine: Engine | None = None,
    clock: Clock | None = None,
    classifier: Classifier | None = None,
    call_control: CallControl | None = None,
    hub: Hub | None = None,
) -> FastAPI:
    """Build the app; nothing is read from the environment unless a setting is left to its default."""
    settings = settings or Settings()
    web = web or WebSettings()
    services = AppServices(
        settings=settings,
        web=web,
        engine=engine or make_engine(settings.database_url, echo=settings.echo_sql),
        clock=clock or SystemClock(),
        hub=hub or make_hub(web.redis_url, prefix=web.redis_channel_prefix),
        classifier=classifier or load_live_classifier(enabled=web.classifier),
        codec=SessionCodec(web),
        templates=templates(settings.timezone),
        rules=Rules.from_settings(settings),
        metric_rules=MetricRules.from_settings(settings),
        rate_limiter=RateLimiter(web.redis_url, prefix=web.redis_channel_prefix),
        call_control=call_control,
    )
    feed = WallboardFeed(services)
    services.extras["wallboard"] = feed

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services.open_write_slots()
        await services.hub.start()
        await feed.start()
        phone: SimulatorRunner | AmiControlRunner | None = None
        if web.simulator:
            phone = SimulatorRunner(services)
            if services.call_control is None:
                services.call_control = phone.simulation.control
        elif web.call_control is CallControlMode.AMI and services.call_control is None:
            phone = AmiControlRunner()
            services.call_control = phone.control
            services.extras["ami_control"] = phone
        if phone is not None:
            await phone.start()
        try:
            yield
        finally:
            if phone is not None:
                await phone.stop()
            await feed.stop()
            await services.hub.stop()

    app = FastAPI(
        title="12345 政务服务便民热线",
        summary="Tickets, dispatch, callbacks and live figures for a city's 12345 hotline",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # FastAPI's own pages load Swagger UI and ReDoc from a CDN: see api_docs()
        redoc_url=None,
    )
    app.state.services = services
    errors.install(app)
    # Each one added wraps those before it: SecurityHeaders outermost, so every answer gets the
    # headers, the last-resort 500 (InternalErrors) and the 413 (BodyLimit) included.
    app.add_middleware(BodyLimit, max_bytes=web.max_body_bytes)
    app.add_middleware(errors.InternalErrors)
    prometheus.install(app, services)  # outside the 500 and the 413: it counts what clients got
    app.add_middleware(SecurityHeaders)
    api = (auth, reference, tickets, worklists, pingpong, seats, assist, reports, brief, open311, live)
    for module in (*api, public, pages):
        app.include_router(module.router)
    app.include_router(calendar.router)
    for admin_router in admin.ROUTERS:
        app.include_router(admin_router)
    app.mount("/static", StaticFiles(directory=PAGES / "static"), name="static")
    app.include_router(vendor.router(web.node_modules))
    api_docs(app)
    health.install(app, services)
    return app
