"""Login, session cookie flags, CSRF, lockout, logout and role checks on pages."""

import asyncio
import re
import time
from datetime import timedelta

import pytest
from sqlmodel import select
from starlette.websockets import WebSocketDisconnect

from hotline.users.models import User
from tests.web.conftest import SECRET, TestClient, World, create, web_settings
from web.deps import UserCache
from web.security import COOKIE, BrowserSession, SessionCodec


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def _form_login(client: TestClient, username: str, password: str, **extra: str) -> tuple[int, str]:
    page = client.get("/login")
    data = {"username": username, "password": password, "csrf_token": _csrf(page.text), **extra}
    response = client.post("/login", data=data, follow_redirects=False)
    return response.status_code, response.headers.get("location", response.text)


def test_login_page_sets_an_httponly_lax_cookie_and_logs_in_with_the_form(world: World) -> None:
    client = TestClient(world.app)
    page = client.get("/login")
    cookie = page.headers["set-cookie"]
    assert f"{COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http in tests
    status, location = _form_login(client, "operator1", "hotline12345")
    assert (status, location) == (303, "/seat")
    assert client.get("/seat").status_code == 200
    assert client.get("/api/me").json()["role"] == "operator"


def test_the_cookie_is_secure_over_https(world: World) -> None:
    client = TestClient(world.app, base_url="https://hotline.example")
    response = client.post("/api/login", json={"username": "operator1", "password": "hotline12345"})
    assert "Secure" in response.headers["set-cookie"]


def test_each_role_lands_on_its_own_page_and_next_stays_on_this_site(world: World) -> None:
    for username, home in (("unit_housing", "/portal"), ("dispatcher", "/desk"), ("supervisor", "/desk")):
        assert _form_login(TestClient(world.app), username, "hotline12345") == (303, home)
    location = _form_login(TestClient(world.app), "operator1", "hotline12345", next="//evil.example/x")[1]
    assert location == "/seat"
    assert (
        _form_login(TestClient(world.app), "operator1", "hotline12345", next="/tickets/1")[1] == "/tickets/1"
    )


def test_wrong_password_is_refused_and_five_failures_lock_the_account(world: World) -> None:
    client = TestClient(world.app)
    for _ in range(5):
        status, body = _form_login(client, "operator2", "wrong-password")
        assert status == 401 and "用户名或密码错误" in body
    status, body = _form_login(client, "operator2", "hotline12345")  # locked: the same answer
    assert status == 401 and "用户名或密码错误" in body
    api = client.post("/api/login", json={"username": "operator2", "password": "hotline12345"})
    assert (api.status_code, api.json()["detail"]) == (403, "用户名或密码错误")
    world.clock.advance(timedelta(minutes=16))
    assert _form_login(client, "operator2", "hotline12345") == (303, "/seat")


def test_login_form_without_the_csrf_token_is_refused(world: World) -> None:
    client = TestClient(world.app)
    client.get("/login")
    response = client.post("/login", data={"username": "operator1", "password": "hotline12345"})
    assert response.status_code == 403


def test_state_changes_need_the_sessions_csrf_token(world: World) -> None:
    operator = world.login("operator1", real=True)
    token = operator.headers.pop("X-CSRF-Token")
    assert operator.post("/api/tickets", json={"title": "t", "content": "c"}).status_code == 403
    other = world.login("operator2", real=True).headers["X-CSRF-Token"]
    response = operator.post(
        "/api/tickets", json={"title": "t", "content": "c"}, headers={"X-CSRF-Token": other}
    )
    assert response.status_code == 403
    assert response.json()["error"] == "CsrfRejected"
    ok = operator.post("/api/tickets", json={"title": "t", "content": "c"}, headers={"X-CSRF-Token": token})
    assert ok.status_code == 201
    # reads need no token
    assert operator.get("/api/tickets").status_code == 200


def test_a_tampered_or_foreign_cookie_is_not_a_session(world: World) -> None:
    client = TestClient(world.app)
    client.cookies.set(COOKIE, "eyJ1IjogMX0.forged.signature")
    assert client.get("/api/me").status_code == 401
    assert SECRET  # the tests' key signs real sessions; a forged one fails the signature


def test_logout_ends_the_session(world: World) -> None:
    operator = world.login("operator1", real=True)
    token = operator.headers["X-CSRF-Token"]
    response = operator.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert operator.get("/api/me").status_code == 401


def test_logout_also_ends_a_copy_of_the_cookie_and_other_browsers_of_that_user(world: World) -> None:
    operator = world.login("operator1", real=True)
    elsewhere = world.login("operator1", real=True)  # the same user on a second browser
    colleague = world.login("operator2", real=True)
    stolen = TestClient(world.app)
    stolen.cookies.set(COOKIE, operator.cookies[COOKIE])
    assert stolen.get("/api/me").status_code == 200
    operator.post("/logout", data={"csrf_token": operator.headers["X-CSRF-Token"]}, follow_redirects=False)
    assert stolen.get("/api/me").status_code == 401
    assert elsewhere.get("/api/me").status_code == 401
    with pytest.raises(WebSocketDisconnect), stolen.websocket_connect("/ws/seat") as ws:
        ws.receive_text()
    assert colleague.get("/api/me").status_code == 200  # another user is not logged out
    again = world.login("operator1", real=True)
    assert again.get("/api/me").json()["username"] == "operator1"


def test_a_cookie_from_before_session_epochs_is_not_a_session(world: World) -> None:
    codec = world.app.state.services.codec
    with world.session() as session:
        user = session.exec(select(User).where(User.username == "operator1")).one()
    old_format = codec._serializer.dumps({"u": user.id, "c": "token"})
    client = TestClient(world.app)
    client.cookies.set(COOKIE, old_format)
    assert client.get("/api/me").status_code == 401


def test_anonymous_requests_get_401_and_pages_redirect_to_login(world: World) -> None:
    client = TestClient(world.app)
    assert client.get("/api/tickets").status_code == 401
    page = client.get("/seat", headers={"accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert client.get("/").headers.get("location", "/login") == "/login" or client.get("/").status_code == 200


def test_pages_check_the_role(world: World) -> None:
    unit = world.login("unit_housing")
    assert unit.get("/seat", headers={"accept": "text/html"}).status_code == 403
    assert unit.get("/wallboard", headers={"accept": "text/html"}).status_code == 403
    assert unit.get("/portal").status_code == 200
    operator = world.login("operator1")
    assert operator.get("/desk", headers={"accept": "text/html"}).status_code == 403
    supervisor = world.login("supervisor")
    for page in ("/desk", "/wallboard", "/reports"):
        assert supervisor.get(page).status_code == 200, page
    ticket = create(operator)
    assert supervisor.get(f"/tickets/{ticket['id']}").status_code == 200


def test_security_headers_forbid_inline_scripts_and_framing(world: World) -> None:
    response = world.client.get("/login")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"


def test_a_session_ends_after_its_maximum_age_even_when_its_cookie_was_checked_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    codec = SessionCodec(web_settings(session_max_age_s=60))
    token = codec.dumps(BrowserSession(user_id=7, csrf="c", epoch=2))
    assert codec.loads(token) == BrowserSession(user_id=7, csrf="c", epoch=2)
    assert codec.loads(token + "x") is None  # a changed signature is no session
    later = time.time() + 61
    monkeypatch.setattr("web.security.time.time", lambda: later)
    assert codec.loads(token) is None  # the signature was checked before; the age is checked each time


def test_a_deactivation_made_elsewhere_is_seen_within_the_user_cache_lifetime(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    operator = world.login("operator1")
    assert operator.get("/api/me").status_code == 200  # checked, and now cached for a few seconds
    with world.session() as session:  # another process (an admin's CLI) deactivates the user
        user = session.exec(select(User).where(User.username == "operator1")).one()
        user.active = False
        session.add(user)
        session.commit()
    now = time.monotonic()
    monkeypatch.setattr("web.deps.time.monotonic", lambda: now + 6)
    assert operator.get("/api/me").status_code == 401


def test_a_stale_user_is_read_once_however_many_requests_and_feeds_ask_at_that_moment(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache: UserCache = world.app.state.services.users
    with world.session() as session:
        user_id = session.exec(select(User).where(User.username == "operator1")).one().id
    assert user_id is not None
    loads: list[int] = []
    real = cache.load

    def slow_load(wanted: int) -> User | None:
        loads.append(wanted)
        time.sleep(0.05)  # long enough for every caller to arrive while the read runs
        return real(wanted)

    monkeypatch.setattr(cache, "load", slow_load)
    cache.forget(user_id)

    async def many() -> list[User | None]:
        return await asyncio.gather(*(cache.current(user_id) for _ in range(50)))

    found = asyncio.run(many())
    assert loads == [user_id]
    assert {u.username for u in found if u is not None} == {"operator1"} and None not in found
    asyncio.run(many())  # fresh now: no further read
    assert loads == [user_id]
