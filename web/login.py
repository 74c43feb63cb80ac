"""Login throttling: nobody guessing from outside can lock a seat's holder out (docs/web.md, Login).

Three counts, each met by "尝试次数过多，请 N 分钟后再试" (429) without a password check:

- per client address, failed logins from browsers not known for the account typed
  (``ADDRESS_RULE``): one address cannot spray guesses over every username;
- per account, in the database (``hotline.users.service.authenticate``): MAX_FAILED_LOGINS
  wrong passwords lock the account for LOCKOUT, for browsers where it never logged in;
- per known browser and account (``BROWSER_RULE``): where the account logged in before (its
  browser cookie, ``web.security.KnownBrowser``), its holder is neither stopped by that lock nor
  counts towards it, and only this browser's own failures slow it down.

A locked account answers like a wrong password (after a dummy hash check), and the throttles count
the same for usernames that exist and for those that do not: no answer tells which exist.
The two limiter counts are peeked before and hit after a failure, so a burst from one client
can pass them by its own parallelism; the database count is the hard bound on password checks.
"""

from datetime import datetime

from fastapi import Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from hotline.errors import PermissionDenied
from hotline.users.models import User
from hotline.users.service import LOCKOUT, authenticate, normalize_username
from web.deps import AppServices, run_db
from web.errors import TooManyRequests
from web.ratelimit import Rule, client_address
from web.security import KnownBrowser, new_browser

WINDOW_S = int(LOCKOUT.total_seconds())
ADDRESS_RULE = Rule("login_address", 20, WINDOW_S)  # a call centre's NAT: typos of many new browsers
BROWSER_RULE = Rule("login_browser", 5, WINDOW_S)  # as many as the database lock allows elsewhere


class LoginThrottled(TooManyRequests):
    """Too many failed logins from this client: 429, a Chinese message and Retry-After."""

    def __str__(self) -> str:
        return f"尝试次数过多，请 {max(1, -(-self.retry_after_s // 60))} 分钟后再试"


async def log_in(
    request: Request, services: AppServices, session: Session, *, username: str, password: str, now: datetime
) -> User:
    """The user if the password is right; else LoginThrottled, or PermissionDenied (the one answer)."""
    wanted = normalize_username(username)
    browser = services.codec.read_browser(request)
    known = browser is not None and browser.knows(wanted)
    rule, key = (
        (BROWSER_RULE, f"{browser.browser_id}:{wanted}")
        if browser is not None and known
        else (ADDRESS_RULE, client_address(request))
    )
    limiter = services.rate_limiter
    verdict = await run_in_threadpool(limiter.peek, rule, key)  # Redis may be behind it: off the loop
    if not verdict.allowed:
        raise LoginThrottled(verdict.retry_after_s)
    try:  # argon2 is slow by design, and a failure is written down: off the loop
        return await run_db(
            session,
            lambda: authenticate(session, username=wanted, password=password, now=now, trusted=known),
        )
    except PermissionDenied:
        await run_in_threadpool(limiter.hit, rule, key)
        raise


def remember_browser(services: AppServices, request: Request, response: Response, user: User) -> None:
    """After a login: this browser is known for the account from now on (its cookie, renewed)."""
    browser: KnownBrowser = services.codec.read_browser(request) or new_browser()
    services.codec.write_browser(response, request, browser.after_login(user.username))
