"""The composition root: ``create_app(settings)`` wires the core, the phone side and the classifier."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
from fastapi import FastAPI
from fastapi.responses import FileResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hotline.clock import Clock, SystemClock
from hotline.config import Rules, Settings
from hotline.db import make_engine
from hotline.metrics.models import MetricRules
from hotline.ports import CallControl, Classifier
from web import errors
from web.adapters import load_classifier
from web.config import WebSettings
from web.deps import AppServices
from web.hub import Hub, make_hub
from web.routers import (
    assist,
    auth,
    live,
    open311,
    pages,
    public,
    reference,
    reports,
    seats,
    tickets,
    worklists,
)
from web.security import SessionCodec
from web.wallboard import WallboardFeed

PAGES = Path(__file__).resolve().parent / "pages"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
OPEN_DOCS = ("/docs", "/redoc")  # FastAPI's API docs pages load their own scripts


def templates(timezone: str) -> Jinja2Templates:
    """Jinja2 with autoescaping on for every template, whatever its name; ``|local`` shows local time."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(PAGES / "templates"), autoescape=True, undefined=jinja2.StrictUndefined
    )
    zone = ZoneInfo(timezone)

    def local(value: datetime | None) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""

    env.filters["local"] = local
    return Jinja2Templates(env=env)


class SecurityHeaders:
    """No inline scripts, no framing, no sniffing: a second line behind autoescaping (pure ASGI)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = str(scope.get("path", "")).startswith(OPEN_DOCS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if not docs:
                    headers.setdefault("Content-Security-Policy", CSP)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("X-Frame-Options", "DENY")
            await send(message)

        await self.app(scope, receive, send_with_headers)


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
        classifier=classifier or load_classifier(enabled=web.classifier),
        codec=SessionCodec(web),
        templates=templates(settings.timezone),
        rules=Rules.from_settings(settings),
        metric_rules=MetricRules.from_settings(settings),
        call_control=call_control,
    )
    feed = WallboardFeed(services)
    services.extras["wallboard"] = feed

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await services.hub.start()
        await feed.start()
        simulator = None
        if web.simulator:
            from web.telephony import SimulatorRunner

            simulator = SimulatorRunner(services)
            if services.call_control is None:
                services.call_control = simulator.simulation.control
            await simulator.start()
        try:
            yield
        finally:
            if simulator is not None:
                await simulator.stop()
            await feed.stop()
            await services.hub.stop()

    app = FastAPI(
        title="12345 政务服务便民热线",
        summary="Tickets, dispatch, callbacks and live figures for a city's 12345 hotline",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.services = services
    errors.install(app)
    app.add_middleware(SecurityHeaders)
    for module in (auth, reference, tickets, worklists, seats, assist, reports, open311, live, public, pages):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=PAGES / "static"), name="static")

    @app.get("/vendor/echarts.min.js", include_in_schema=False)
    def echarts() -> Response:
        if not web.echarts_file.is_file():
            return PlainTextResponse(
                "echarts is not installed: run scripts/bootstrap (npm ci)", status_code=404
            )
        return FileResponse(
            web.echarts_file, media_type="text/javascript", headers={"Cache-Control": "max-age=86400"}
        )

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "hub": services.hub.backend}

    return app
