"""Sessions in a signed cookie, CSRF tokens bound to them, the cookies' flags, and known browsers.

A known browser carries a second signed cookie naming the accounts that logged in on it before
(``KnownBrowser``): the login throttle (``web.login``) lets such an account's holder in from there
even while guesses from elsewhere have locked the account. It outlives logout and sessions.
"""

import functools
import hmac
import secrets
import time
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

from web.config import CookieSecure, WebSettings
from web.errors import CsrfRejected

COOKIE = "hotline_session"
BROWSER_COOKIE = "hotline_browser"
BROWSER_MAX_AGE_S = 180 * 24 * 3600  # a seat's browser stays known through a half-year of shifts
BROWSER_ACCOUNTS = 20  # a shared seat PC: the accounts that logged in on it most recently
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True, slots=True)
class BrowserSession:
    """What the cookie carries: who is logged in (None before login) and the CSRF token of this session."""

    user_id: int | None
    csrf: str
    new: bool = False  # made on this request; the response must set the cookie
    epoch: int = 0  # the user's session epoch at login: logout raises it, ending this session


@dataclass(frozen=True, slots=True)
class KnownBrowser:
    """A browser's own random id and the usernames that logged in on it, most recent last."""

    browser_id: str
    usernames: tuple[str, ...] = ()

    def knows(self, username: str) -> bool:
        return username in self.usernames

    def after_login(self, username: str) -> "KnownBrowser":
        kept = tuple(name for name in self.usernames if name != username)
        return KnownBrowser(self.browser_id, (*kept, username)[-BROWSER_ACCOUNTS:])


def new_browser() -> KnownBrowser:
    return KnownBrowser(browser_id=secrets.token_urlsafe(16))


class SessionCodec:
    """Signs and checks session cookies; the signature's timestamp bounds a session's age."""

    def __init__(self, settings: WebSettings) -> None:
        secret = settings.secret_key.get_secret_value() or secrets.token_urlsafe(32)
        self._serializer = URLSafeTimedSerializer(secret, salt="hotline.session")
        self._browsers = URLSafeTimedSerializer(secret, salt="hotline.browser")
        self._settings = settings
        # Every request sends the same cookie again: check its signature once, not each time.
        self._verified = functools.lru_cache(maxsize=4096)(self._verify)

    def dumps(self, data: BrowserSession) -> str:
        return self._serializer.dumps({"u": data.user_id, "c": data.csrf, "e": data.epoch})

    def loads(self, token: str) -> BrowserSession | None:
        found = self._verified(token)
        if found is None:
            return None
        data, signed_at = found
        if time.time() - signed_at > self._settings.session_max_age_s:
            return None
        return data

    def _verify(self, token: str) -> tuple[BrowserSession, float] | None:
        """The session a token carries and when it was signed, if the signature is ours."""
        try:
            raw, signed = self._serializer.loads(token, return_timestamp=True)
        except BadSignature:
            return None
        if not isinstance(raw, dict) or not isinstance(raw.get("c"), str):
            return None
        user_id, epoch = raw.get("u"), raw.get("e")
        data = BrowserSession(
            user_id=user_id if isinstance(user_id, int) else None,
            csrf=raw["c"],
            epoch=epoch if isinstance(epoch, int) else -1,  # a cookie without one is ended
        )
        return data, signed.timestamp()

    def read(self, conn: HTTPConnection) -> BrowserSession | None:
        cached = conn.scope.get("hotline.session")
        if isinstance(cached, BrowserSession):
            return cached
        token = conn.cookies.get(COOKIE)
        found = self.loads(token) if token else None
        if found is not None:
            conn.scope["hotline.session"] = found
        return found

    def read_or_new(self, conn: HTTPConnection) -> BrowserSession:
        """The session of this browser, or a fresh anonymous one (for the login and public forms)."""
        found = self.read(conn)
        if found is None:
            found = BrowserSession(user_id=None, csrf=secrets.token_urlsafe(24), new=True)
            conn.scope["hotline.session"] = found
        return found

    def write(self, response: Response, conn: HTTPConnection, data: BrowserSession) -> None:
        response.set_cookie(
            COOKIE,
            self.dumps(data),
            max_age=self._settings.session_max_age_s,
            httponly=True,
            samesite="lax",
            secure=self.secure(conn),
            path="/",
        )

    def clear(self, response: Response, conn: HTTPConnection) -> None:
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=self.secure(conn))

    def read_browser(self, conn: HTTPConnection) -> KnownBrowser | None:
        """The browser's known accounts, if its cookie is ours and younger than BROWSER_MAX_AGE_S."""
        token = conn.cookies.get(BROWSER_COOKIE)
        if not token:
            return None
        try:
            raw = self._browsers.loads(token, max_age=BROWSER_MAX_AGE_S)
        except BadSignature:  # also an expired one (SignatureExpired)
            return None
        if (
            not isinstance(raw, dict)
            or not isinstance(raw.get("b"), str)
            or not isinstance(raw.get("u"), list)
        ):
            return None
        return KnownBrowser(raw["b"], tuple(name for name in raw["u"] if isinstance(name, str)))

    def write_browser(self, response: Response, conn: HTTPConnection, browser: KnownBrowser) -> None:
        response.set_cookie(
            BROWSER_COOKIE,
            self._browsers.dumps({"b": browser.browser_id, "u": list(browser.usernames)}),
            max_age=BROWSER_MAX_AGE_S,
            httponly=True,
            samesite="lax",
            secure=self.secure(conn),
            path="/",
        )

    def secure(self, conn: HTTPConnection) -> bool:
        """The cookies' Secure flag: ``auto`` sets it when this request came over https or wss.

        Behind a proxy that terminates TLS the app sees plain http unless it runs with proxy
        headers (``hotline serve --proxy-headers``: uvicorn takes the scheme from the trusted
        proxy's X-Forwarded-Proto), or ``HOTLINE_WEB_COOKIE_SECURE=always``.
        """
        mode = self._settings.cookie_secure
        if mode is CookieSecure.AUTO:
            return conn.url.scheme in {"https", "wss"}
        return mode is CookieSecure.ALWAYS


def login_session() -> BrowserSession:
    """A fresh session at login: a new CSRF token, so a token seen before login is worthless after."""
    return BrowserSession(user_id=None, csrf=secrets.token_urlsafe(24), new=True)


async def check_csrf(request: Request, session: BrowserSession | None) -> None:
    """Refuse a state-changing request unless it carries this session's token (header or form field)."""
    if request.method not in UNSAFE_METHODS:
        return
    if session is None:
        raise CsrfRejected("登录会话已失效，请刷新页面后重试")
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else ""
    if not sent or not hmac.compare_digest(sent.encode(), session.csrf.encode()):
        raise CsrfRejected("页面安全校验失败（CSRF 令牌缺失或不符），请刷新页面后重试")
