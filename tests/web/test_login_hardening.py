"""Login throttling through the app: nobody outside locks a seat out, no answer tells usernames apart,
one address cannot spray guesses, and the cookies are Secure whenever the request came over https."""

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlmodel import select
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from hotline.seed.data import DEMO_PASSWORD
from hotline.users import service as users_service
from hotline.users.models import User
from hotline.users.service import LOCKOUT, MAX_FAILED_LOGINS, WRONG_LOGIN
from tests.web.conftest import REDIS_URL, TestClient, World
from web import login
from web.login import ADDRESS_RULE, BROWSER_RULE
from web.ratelimit import Rule
from web.security import BROWSER_COOKIE, COOKIE

SEAT = ("10.12.0.21", 50000)  # the call centre's network
OUTSIDE = ("203.0.113.9", 40000)  # somewhere on the internet


@dataclass
class Checks:
    """Counts argon2 password checks (the real ones run)."""

    count: int = 0
    real: PasswordHasher = field(default_factory=PasswordHasher)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def verify(self, stored: str, password: str) -> bool:
        with self.lock:
            self.count += 1
        return self.real.verify(stored, password)

    def hash(self, password: str) -> str:
        return self.real.hash(password)


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> Checks:
    counting = Checks()
    monkeypatch.setattr(users_service, "_hasher", counting)
    return counting


def browser(world: World, address: tuple[str, int] = SEAT, **kwargs: Any) -> TestClient:
    return TestClient(world.app, client=address, **kwargs)


def form_login(client: TestClient, username: str, password: str) -> tuple[int, str]:
    """Status and, for a refusal, the message on the page; for a login, where it goes."""
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    if response.status_code == 303:
        return 303, response.headers["location"]
    error = re.search(r'id="login-error">([^<]*)<', response.text)
    assert error is not None, response.text
    return response.status_code, error.group(1)


def api_login(client: TestClient, username: str, password: str) -> tuple[int, Any]:
    response = client.post("/api/login", json={"username": username, "password": password})
    return response.status_code, response.json()


def account(world: World, username: str) -> User:
    with world.session() as session:
        return session.exec(select(User).where(User.username == username)).one()


def end_session(client: TestClient) -> None:
    """The shift's session is over (cookie gone); the browser keeps what else it holds."""
    client.cookies.delete(COOKIE)


def test_an_outsider_guessing_cannot_lock_out_a_seat_whose_browser_logged_in_before(
    world: World, checks: Checks
) -> None:
    seat = browser(world)
    assert form_login(seat, "operator1", DEMO_PASSWORD) == (303, "/seat")
    end_session(seat)
    outsider = browser(world, OUTSIDE)
    for _ in range(MAX_FAILED_LOGINS + 3):
        assert form_login(outsider, "operator1", "guess-123456") == (401, WRONG_LOGIN)
    locked = account(world, "operator1")
    assert locked.locked_until == world.clock.now() + LOCKOUT
    # the outsider now has the right password, and is still refused: the account is locked
    assert form_login(outsider, "operator1", DEMO_PASSWORD) == (401, WRONG_LOGIN)
    assert api_login(outsider, "operator1", DEMO_PASSWORD)[0] == 403
    # the operator at her seat logs in at once, and her login leaves the outsider's lock in place
    assert form_login(seat, "operator1", DEMO_PASSWORD) == (303, "/seat")
    after = account(world, "operator1")
    assert (after.failed_logins, after.locked_until) == (locked.failed_logins, locked.locked_until)
    # a browser where operator1 never logged in is held by the lock, even on the seat's network
    assert form_login(browser(world), "operator1", DEMO_PASSWORD) == (401, WRONG_LOGIN)


def test_a_known_browser_is_slowed_by_its_own_failures_only_and_locks_nobody_else_out(
    world: World, checks: Checks
) -> None:
    seat = browser(world)
    assert form_login(seat, "operator3", DEMO_PASSWORD) == (303, "/seat")
    end_session(seat)
    for _ in range(BROWSER_RULE.amount):
        assert form_login(seat, "operator3", "typo-typo") == (401, WRONG_LOGIN)
    before = checks.count
    status, message = form_login(seat, "operator3", DEMO_PASSWORD)
    assert (status, message) == (429, "尝试次数过多，请 15 分钟后再试")
    assert checks.count == before  # refused without a password check
    stored = account(world, "operator3")
    assert (stored.failed_logins, stored.locked_until) == (0, None)  # the account was not counted
    # the same PC for another account, and another PC for this one, are not slowed
    assert form_login(seat, "dispatcher", DEMO_PASSWORD) == (303, "/desk")
    assert form_login(browser(world), "operator3", DEMO_PASSWORD) == (303, "/seat")


def test_one_address_is_throttled_after_its_failures_whatever_usernames_it_tries(
    world: World, checks: Checks
) -> None:
    # A browser of the call centre's network that the dispatcher used before shares the address.
    desk = browser(world)
    assert form_login(desk, "dispatcher", DEMO_PASSWORD) == (303, "/desk")
    end_session(desk)
    sprayer = browser(world)
    names = ["operator2", "supervisor", "admin", "unit_urban"] + [f"nobody{n}" for n in range(20)]
    for name in names[: ADDRESS_RULE.amount]:
        assert form_login(sprayer, name, "guess-123456") == (401, WRONG_LOGIN)
    before = checks.count
    for name in ("supervisor", "nobody99"):  # an account with its right password, and no account
        status, message = form_login(sprayer, name, DEMO_PASSWORD)
        assert (status, message) == (429, "尝试次数过多，请 15 分钟后再试"), name
    response = sprayer.post("/api/login", json={"username": "supervisor", "password": DEMO_PASSWORD})
    assert response.status_code == 429
    assert response.json() == {"error": "TooManyRequests", "detail": "尝试次数过多，请 15 分钟后再试"}
    assert 1 <= int(response.headers["retry-after"]) <= ADDRESS_RULE.window_s
    assert checks.count == before  # no password was checked for the throttled address
    assert account(world, "supervisor").failed_logins == 1  # its one counted guess, no more
    # the known browser on the same address, and other addresses, are not held up
    assert form_login(desk, "dispatcher", DEMO_PASSWORD) == (303, "/desk")
    assert form_login(browser(world, OUTSIDE), "supervisor", DEMO_PASSWORD) == (303, "/desk")


def test_no_answer_tells_whether_a_username_exists(world: World, checks: Checks) -> None:
    with world.session() as session:
        gone = session.exec(select(User).where(User.username == "unit_hrss")).one()
        gone.active = False
        session.add(gone)
        session.commit()
    for _ in range(MAX_FAILED_LOGINS):
        form_login(browser(world, ("198.51.100.1", 1)), "operator2", "guess-123456")
    tries = {
        "unknown": ("no_such_user", DEMO_PASSWORD),
        "wrong password": ("operator1", "guess-123456"),
        "locked": ("operator2", DEMO_PASSWORD),
        "inactive": ("unit_hrss", DEMO_PASSWORD),
    }
    forms, apis, costs = {}, {}, {}
    for case, (name, password) in tries.items():
        client = browser(world, ("198.51.100.2", 1))
        before = checks.count
        forms[case] = form_login(client, name, password)
        apis[case] = api_login(client, name, password)
        costs[case] = checks.count - before
    assert set(forms.values()) == {(401, WRONG_LOGIN)}, forms
    assert all(api == (403, {"error": "PermissionDenied", "detail": WRONG_LOGIN}) for api in apis.values()), (
        apis
    )
    assert set(costs.values()) == {2}, costs  # one argon2 check per attempt, whoever it is


@pytest.mark.parametrize(
    ("base_url", "cookie_secure", "secure"),
    [
        ("https://hotline.example", "auto", True),
        ("http://hotline.example", "auto", False),
        ("http://hotline.example", "always", True),
        ("https://hotline.example", "never", False),
    ],
)
def test_the_cookies_are_secure_when_the_request_came_over_https(
    world_factory: Callable[..., World], base_url: str, cookie_secure: str, secure: bool
) -> None:
    world = world_factory(cookie_secure=cookie_secure)
    client = TestClient(world.app, base_url=base_url)
    response = client.post("/api/login", json={"username": "operator1", "password": DEMO_PASSWORD})
    assert response.status_code == 200
    cookies = response.headers.get_list("set-cookie")
    assert {cookie.split("=")[0] for cookie in cookies} == {COOKIE, BROWSER_COOKIE}
    assert all(("; secure" in cookie.lower()) is secure for cookie in cookies), cookies


def test_behind_a_tls_proxy_the_cookies_are_secure_with_proxy_headers(world: World) -> None:
    """``hotline serve --proxy-headers``: uvicorn takes the scheme from its trusted proxy only."""
    behind = ProxyHeadersMiddleware(world.app, trusted_hosts="127.0.0.1")
    body = {"username": "operator1", "password": DEMO_PASSWORD}

    def cookies(client: TestClient, **headers: str) -> list[str]:
        response = client.post("/api/login", json=body, headers=headers)
        assert response.status_code == 200, response.text
        found: list[str] = response.headers.get_list("set-cookie")
        assert len(found) == 2
        return found

    proxy = TestClient(behind, client=("127.0.0.1", 50000))  # type: ignore[arg-type]
    assert all("; secure" in c.lower() for c in cookies(proxy, **{"X-Forwarded-Proto": "https"}))
    assert not any("; secure" in c.lower() for c in cookies(proxy))  # the proxy says plain http
    stranger = TestClient(behind, client=("203.0.113.50", 50000))  # type: ignore[arg-type]
    assert not any("; secure" in c.lower() for c in cookies(stranger, **{"X-Forwarded-Proto": "https"}))


def test_two_app_processes_share_the_address_count_through_redis(
    world_factory: Callable[..., World], redis_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(login, "ADDRESS_RULE", Rule("login_address", 3, 900))
    settings = {"HOTLINE_REDIS_URL": REDIS_URL, "redis_channel_prefix": redis_prefix}
    first, second = world_factory(**settings), world_factory(**settings)
    assert second.app.state.services.rate_limiter.backend == "redis"
    for world in (first, second, first):
        assert form_login(browser(world, OUTSIDE), "nobody", "guess-123456") == (401, WRONG_LOGIN)
    for world in (first, second):
        assert form_login(browser(world, OUTSIDE), "operator1", DEMO_PASSWORD)[0] == 429
    assert form_login(browser(second), "operator1", DEMO_PASSWORD) == (303, "/seat")
