"""Prometheus metrics at ``/metrics``: requests, the queue, seats, tickets, the AMI link.

Request counts and latencies are kept in this process as they happen. The hotline's own figures
(queue, seats, today's calls, open tickets by state, red and yellow cards) are read from the
database at each scrape, the same query as the wallboard's, so every process and every scrape
tells the same truth and nothing drifts. Scraping is for the monitoring server only: from the
loopback address, or with ``Authorization: Bearer <HOTLINE_WEB_METRICS_TOKEN>``.
"""

import hmac
import time
from collections.abc import Iterator
from typing import Final

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlmodel import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hotline.metrics.service import live_snapshot
from hotline.metrics.staffing import staffing_now
from web.deps import AppServices
from web.ratelimit import client_address

LOOPBACK: Final = frozenset({"127.0.0.1", "::1", "localhost"})
UNMATCHED: Final = "unmatched"  # every path no route knows: one label, not one per scanner's guess
# Seconds: from a cached page (1 ms) to a report over a year (several seconds).
BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class HotlineCollector(Collector):
    """The live figures, read at scrape time."""

    def __init__(self, services: AppServices) -> None:
        self.services = services

    def collect(self) -> Iterator[Metric]:
        services = self.services
        now = services.clock.now()
        with Session(services.engine) as session:
            snap = live_snapshot(session, now=now, rules=services.metric_rules)
            staffing = staffing_now(session, now=now, rules=services.metric_rules)
        waiting = GaugeMetricFamily("hotline_queue_waiting", "Callers waiting or ringing in the queue now")
        waiting.add_metric([], snap.calls_waiting)
        yield waiting
        longest = GaugeMetricFamily("hotline_queue_longest_wait_seconds", "The longest wait now (0: nobody)")
        longest.add_metric([], snap.longest_wait_s)
        yield longest
        seats = GaugeMetricFamily("hotline_seats", "Seats by state", labels=["state"])
        for state, count in snap.seats.items():
            seats.add_metric([state.value], count)
        yield seats
        calls = GaugeMetricFamily("hotline_calls_today", "Today's queue calls (local day)", labels=["kind"])
        today = snap.calls_today
        for kind, count in (
            ("offered", today.offered),
            ("answered", today.answered),
            ("abandoned", today.abandoned),
            ("short_abandoned", today.short_abandoned),
            ("in_queue", today.in_queue),
        ):
            calls.add_metric([kind], count)
        yield calls
        level = GaugeMetricFamily("hotline_service_level_today", "Share answered within the target today")
        if today.service_level.value is not None:
            level.add_metric([], today.service_level.value)
        yield level
        needed = GaugeMetricFamily(
            "hotline_seats_needed", "Erlang C: seats on the phones the last hour's calls need for the target"
        )
        if staffing.seats_needed is not None:
            needed.add_metric([], staffing.seats_needed)
        yield needed
        forecast = GaugeMetricFamily(
            "hotline_service_level_forecast", "Erlang C: the level the seats on the phones now reach"
        )
        if staffing.level_now is not None:
            forecast.add_metric([], staffing.level_now)
        yield forecast
        tickets = GaugeMetricFamily("hotline_tickets_open", "Open tickets by status", labels=["status"])
        for status, count in snap.open_by_status.items():
            tickets.add_metric([status.value], count)
        yield tickets
        cards = GaugeMetricFamily(
            "hotline_cards", "Open work past its yellow or red line", labels=["stage", "card"]
        )
        for stage, counts in snap.cards_by_stage.items():
            cards.add_metric([stage.value, "yellow"], counts.yellow)
            cards.add_metric([stage.value, "red"], counts.red)
        yield cards
        link = GaugeMetricFamily(
            "hotline_ami_control_connected",
            "This process's AMI session for the seat buttons: 1 up, 0 down (absent without one)",
        )
        runner = services.extras.get("ami_control")
        client = getattr(runner, "client", None)
        if client is not None:
            link.add_metric([], 1.0 if client.connected else 0.0)
        yield link


class RequestMetrics:
    """Counts and times every HTTP request by its route's template (``/api/tickets/{ticket_id}``)."""

    def __init__(self, app: ASGIApp, registry: CollectorRegistry) -> None:
        self.app = app
        self.requests = Counter(
            "hotline_http_requests", "HTTP requests", ["method", "route", "status"], registry=registry
        )
        self.latency = Histogram(
            "hotline_http_request_duration_seconds",
            "Time to the end of the response",
            ["method", "route"],
            buckets=BUCKETS,
            registry=registry,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the client gets if the app fails before it answers
        started = time.perf_counter()

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = scope.get("route")  # set by the router on the scope it was given
            template = getattr(route, "path", None) or UNMATCHED
            method = scope.get("method", "")
            self.requests.labels(method, template, str(status)).inc()
            self.latency.labels(method, template).observe(time.perf_counter() - started)


def _allowed(request: Request, token: str) -> bool:
    if token:
        given = request.headers.get("authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    return client_address(request) in LOOPBACK


def install(app: FastAPI, services: AppServices) -> None:
    """The registry of this app, the request middleware, and the ``/metrics`` route."""
    registry = CollectorRegistry()
    registry.register(HotlineCollector(services))
    app.add_middleware(RequestMetrics, registry=registry)

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        if not _allowed(request, services.web.metrics_token):
            return PlainTextResponse("forbidden\n", status_code=403)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
