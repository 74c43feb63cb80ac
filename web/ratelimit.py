"""Rate limits: the public web form and the progress lookup (anyone may use them, without a login)
per client address, Open311 POSTs per api_key (a partner system gone wrong), and failed logins
(``web.login``: per address and per known browser).

Addresses are ``request.client.host``: behind a proxy that is the proxy's address
unless the app runs with proxy headers (``hotline serve --proxy-headers``), when uvicorn takes it
from ``X-Forwarded-For`` (trusting only the proxies in ``FORWARDED_ALLOW_IPS``, 127.0.0.1 by
default). The app itself never reads that header: a client cannot pick its own address.

The ``limits`` library keeps a moving window per rule and address: in this process's memory, or
in Redis when ``HOTLINE_REDIS_URL`` is set, so that several app processes share one count. Should
Redis fail, the request is let through (and logged): the form stays open to citizens.
"""

import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.requests import HTTPConnection

log = logging.getLogger(__name__)
UNKNOWN_CLIENT = "unknown"


@dataclass(frozen=True, slots=True)
class Rule:
    """At most ``amount`` requests per ``window_s`` seconds from one address."""

    name: str
    amount: int
    window_s: int


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    retry_after_s: int = 0  # when refused: seconds until the oldest counted request leaves the window


def client_address(conn: HTTPConnection) -> str:
    return conn.client.host if conn.client and conn.client.host else UNKNOWN_CLIENT


class RateLimiter:
    """Counts requests per rule and address; ``hit`` counts one and says whether it may go on."""

    def __init__(self, redis_url: str | None = None, *, prefix: str = "hotline:") -> None:
        if redis_url:
            storage = storage_from_string(
                redis_url,
                key_prefix=f"{prefix}limits",
                wrap_exceptions=True,
                socket_connect_timeout=1,
                socket_timeout=1,
            )
        else:
            storage = storage_from_string("memory://")
        self.backend = "redis" if redis_url else "memory"
        self._limiter = MovingWindowRateLimiter(storage)

    def peek(self, rule: Rule, client: str) -> Verdict:
        """Whether one more request of ``client`` would be allowed under ``rule``, counting nothing.

        For rules that count only failures (the login throttle): peek first, ``hit`` after a failure.
        """
        return self._check(rule, client, count=False)

    def hit(self, rule: Rule, client: str) -> Verdict:
        """Count one request of ``client`` under ``rule``; a refused request is not counted."""
        return self._check(rule, client, count=True)

    def _check(self, rule: Rule, client: str, *, count: bool) -> Verdict:
        item = RateLimitItemPerSecond(rule.amount, rule.window_s)
        try:
            allowed = (self._limiter.hit if count else self._limiter.test)(item, rule.name, client)
            if allowed:
                return Verdict(allowed=True)
            stats = self._limiter.get_window_stats(item, rule.name, client)
        except StorageError as err:
            log.warning("rate limit %s not checked (%s storage failed): %s", rule.name, self.backend, err)
            return Verdict(allowed=True)
        return Verdict(allowed=False, retry_after_s=max(1, math.ceil(stats.reset_time - time.time())))
